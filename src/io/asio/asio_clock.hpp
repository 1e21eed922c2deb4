// io::AsioClock — the real clock: std::chrono::steady_clock for Instants, system_clock for
// WallTime.
#pragma once

#include "runtime/clock.hpp"

namespace aipg::io {

class AsioClock final : public runtime::Clock {
 public:
  Instant now() const override;
  WallTime wall_now() const override;
};

}  // namespace aipg::io
