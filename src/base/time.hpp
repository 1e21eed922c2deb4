// Time as a value. Sans-IO cores receive `Instant now` as an argument and never read a clock;
// only runtime::Clock implementations produce Instants.
#pragma once

#include <chrono>

namespace aipg {

using Duration = std::chrono::nanoseconds;
// Monotonic time. The real runtime maps steady_clock onto it; the simulator starts at zero.
using Instant = std::chrono::time_point<std::chrono::steady_clock, Duration>;
// Wall-clock time (UTC), for timestamps that cross the network.
using WallTime = std::chrono::time_point<std::chrono::system_clock, Duration>;

inline constexpr Instant kNever = Instant::max();

using namespace std::chrono_literals;

}  // namespace aipg
