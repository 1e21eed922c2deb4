// The worker's config file (aipg worker --config FILE), TOML read with toml++: the same settings
// as the flags, with the keys named like them (max_length for --max-length), plus `models` as a
// list of tables with per-model caps. A flag given on the command line wins over the file. An
// unknown key, a wrong type or a value out of range is an error naming the key.
#pragma once

#include "app/commands.hpp"
#include "base/result.hpp"

namespace aipg::app {

// Reads `o.config` (nothing when empty) into every setting whose flag is not in `o.given`.
Status apply_worker_config(WorkerOptions& o);

}  // namespace aipg::app
