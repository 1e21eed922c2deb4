// The log facade: spdlog's default logger, configured once by app/ (level, text or JSON).
// Libraries log through these names so that the sink is chosen in one place.
#pragma once

#include <spdlog/spdlog.h>

namespace aipg::log {

using spdlog::debug;
using spdlog::error;
using spdlog::info;
using spdlog::trace;
using spdlog::warn;

}  // namespace aipg::log
