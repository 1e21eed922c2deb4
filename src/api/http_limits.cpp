#include "api/http_limits.hpp"

#include <cstdint>
#include <string>

namespace aipg::api {

namespace {

constexpr size_t kMinHeaderBytes = 256;
// Beast's parser takes the header limit as uint32_t.
constexpr size_t kMaxHeaderBytes = UINT32_MAX;
// Deadlines are time points on the steady clock; a longer timeout is a configuration mistake and
// could overflow the clock.
constexpr Duration kMaxTimeout = std::chrono::hours(24);

Status check_timeout(const char* name, Duration d) {
  if (d <= Duration::zero()) {
    return make_error(Errc::invalid_argument, std::string("http limits: ") + name +
                                                  " must be positive (there is no 'never')");
  }
  if (d > kMaxTimeout) {
    return make_error(Errc::invalid_argument,
                      std::string("http limits: ") + name + " must be at most 24 hours");
  }
  return ok();
}

}  // namespace

Status HttpLimits::validate() const {
  if (max_header_bytes < kMinHeaderBytes || max_header_bytes > kMaxHeaderBytes) {
    return make_error(Errc::invalid_argument,
                      "http limits: max_header_bytes " + std::to_string(max_header_bytes) +
                          " must be between 256 (a request line with its Host field) and " +
                          std::to_string(kMaxHeaderBytes));
  }
  if (max_body_bytes == 0) {
    return make_error(Errc::invalid_argument,
                      "http limits: max_body_bytes must be positive (JSON requests have bodies)");
  }
  AIPG_TRY(check_timeout("header_timeout", header_timeout));
  AIPG_TRY(check_timeout("body_timeout", body_timeout));
  AIPG_TRY(check_timeout("idle_timeout", idle_timeout));
  AIPG_TRY(check_timeout("write_timeout", write_timeout));
  if (max_connections == 0) {
    return make_error(Errc::invalid_argument, "http limits: max_connections must be positive");
  }
  if (max_connections_per_ip == 0) {
    return make_error(Errc::invalid_argument,
                      "http limits: max_connections_per_ip must be positive");
  }
  return ok();
}

}  // namespace aipg::api
