#include "app/logging.hpp"

#include <google/protobuf/stubs/logging.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace aipg::app {

namespace {

// libprotobuf logs an error line for every peer message with a string field that is not UTF-8
// (the parse then fails, and the caller counts and reports it once): any peer could flood the
// log that way. Its lines go to our logger at debug level instead.
void protobuf_log(google::protobuf::LogLevel, const char* file, int line, const std::string& msg) {
  spdlog::debug("protobuf {}:{}: {}", file, line, msg);
}

}  // namespace

Status configure_logging(const std::string& level, const std::string& format) {
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    return make_error(
        Errc::invalid_argument,
        "--log-level: '" + level + "' is not one of trace, debug, info, warn, error, off");
  }
  auto logger = spdlog::stderr_color_mt("aipg");
  if (format == "json") {
    // Messages are ours and contain no unescaped quotes by construction of the log calls;
    // spdlog has no JSON escaping, so keep the payload in a single field.
    logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","msg":"%v"})",
                        spdlog::pattern_time_type::utc);
  } else if (format == "text") {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  } else {
    return make_error(Errc::invalid_argument, "--log-format: '" + format + "' is not text or json");
  }
  logger->set_level(lvl);
  spdlog::set_default_logger(logger);
  google::protobuf::SetLogHandler(protobuf_log);
  return ok();
}

}  // namespace aipg::app
