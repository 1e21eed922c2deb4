// runtime::Timers — one-shot timers on the node's executor. Callbacks never run after cancel()
// returns, nor after the Timers object is destroyed.
#pragma once

#include <cstdint>
#include <functional>

#include "base/time.hpp"

namespace aipg::runtime {

using TimerId = uint64_t;
inline constexpr TimerId kNoTimer = 0;

class Timers {
 public:
  virtual ~Timers() = default;
  virtual TimerId schedule_at(Instant when, std::function<void()> fn) = 0;
  virtual void cancel(TimerId id) = 0;
};

}  // namespace aipg::runtime
