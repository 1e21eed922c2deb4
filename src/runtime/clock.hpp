// runtime::Clock — where time comes from. Only implementations in io/ read a real clock.
#pragma once

#include "base/time.hpp"

namespace aipg::runtime {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;        // monotonic
  virtual WallTime wall_now() const = 0;  // UTC, for timestamps that cross the network
};

}  // namespace aipg::runtime
