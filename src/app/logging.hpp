// Logging set-up for every subcommand: to stderr (stdout carries machine-readable JSON lines),
// as text or as one JSON object per line.
#pragma once

#include <string>

#include "base/result.hpp"

namespace aipg::app {

Status configure_logging(const std::string& level, const std::string& format);

}  // namespace aipg::app
