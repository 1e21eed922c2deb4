#include "io/asio/asio_clock.hpp"

#include <chrono>

namespace aipg::io {

Instant AsioClock::now() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
}

WallTime AsioClock::wall_now() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

}  // namespace aipg::io
