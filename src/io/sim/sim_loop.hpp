// SimLoop — the simulator's clock, timers and executor in one: a single event queue ordered by
// (time, sequence). Virtual time jumps from event to event, so a minute of simulated traffic
// costs only the work done in it, and the same inputs give the same trace every run.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <unordered_set>
#include <vector>

#include "runtime/clock.hpp"
#include "runtime/executor.hpp"
#include "runtime/timers.hpp"

namespace aipg::io::sim {

class SimLoop final : public runtime::Clock, public runtime::Timers, public runtime::Executor {
 public:
  // Virtual time starts at an arbitrary fixed instant; wall time at a fixed date, so runs
  // never depend on the machine's clock.
  SimLoop();

  Instant now() const override { return now_; }
  WallTime wall_now() const override { return wall_base_ + (now_ - Instant{}); }
  runtime::TimerId schedule_at(Instant when, std::function<void()> fn) override;
  void cancel(runtime::TimerId id) override;
  void post(std::function<void()> fn) override;

  // Runs the next event; false when none is left.
  bool run_one();
  // Runs every event due at or before `t`, then sets the clock to `t`.
  void run_until(Instant t);
  void run_for(Duration d) { run_until(now_ + d); }
  // Runs until pred() holds or the virtual deadline passes; returns pred().
  bool run_until(const std::function<bool()>& pred, Instant deadline);
  size_t pending() const { return queue_.size() - cancelled_.size(); }
  // Drops every pending event without running it, for a simulation being torn down: call it
  // while what the events' functions hold may still be destroyed (a stream dropped with a
  // pending callback sends its reset through its network, and so schedules another event —
  // which a queue in the middle of its own destruction cannot take). Repeats until none is left.
  void discard_pending();
  uint64_t events_run() const { return events_run_; }

 private:
  struct Event {
    Instant at;
    uint64_t seq;
    runtime::TimerId id;
    std::function<void()> fn;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  std::priority_queue<Event, std::vector<Event>, std::greater<>> queue_;
  std::unordered_set<runtime::TimerId> cancelled_;
  Instant now_{};
  WallTime wall_base_;
  uint64_t seq_ = 0;
  runtime::TimerId next_id_ = 1;
  uint64_t events_run_ = 0;
};

}  // namespace aipg::io::sim
