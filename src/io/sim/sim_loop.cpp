#include "io/sim/sim_loop.hpp"

namespace aipg::io::sim {

SimLoop::SimLoop()
    // 2026-01-01T00:00:00Z
    : now_(Instant{} + std::chrono::hours(24)),
      wall_base_(WallTime{} + std::chrono::seconds(1767225600)) {}

runtime::TimerId SimLoop::schedule_at(Instant when, std::function<void()> fn) {
  const runtime::TimerId id = next_id_++;
  queue_.push(Event{std::max(when, now_), seq_++, id, std::move(fn)});
  return id;
}

void SimLoop::cancel(runtime::TimerId id) {
  if (id != runtime::kNoTimer && id < next_id_) cancelled_.insert(id);
}

void SimLoop::post(std::function<void()> fn) { schedule_at(now_, std::move(fn)); }

void SimLoop::discard_pending() {
  while (!queue_.empty()) {
    // Events scheduled while these are destroyed go into the fresh queue_, and the next round.
    auto doomed = std::move(queue_);
    queue_ = {};
  }
  cancelled_.clear();
}

bool SimLoop::run_one() {
  while (!queue_.empty()) {
    Event ev = std::move(const_cast<Event&>(queue_.top()));
    queue_.pop();
    if (cancelled_.erase(ev.id)) continue;
    now_ = ev.at;
    ++events_run_;
    ev.fn();
    return true;
  }
  return false;
}

void SimLoop::run_until(Instant t) {
  while (!queue_.empty()) {
    const Event& top = queue_.top();
    if (cancelled_.count(top.id)) {
      cancelled_.erase(top.id);
      queue_.pop();
      continue;
    }
    if (top.at > t) break;
    run_one();
  }
  if (t > now_) now_ = t;
}

bool SimLoop::run_until(const std::function<bool()>& pred, Instant deadline) {
  while (!pred()) {
    if (queue_.empty() || queue_.top().at > deadline) {
      // Skip cancelled heads before deciding there is nothing left in time.
      if (!queue_.empty() && cancelled_.count(queue_.top().id)) {
        cancelled_.erase(queue_.top().id);
        queue_.pop();
        continue;
      }
      if (deadline > now_) now_ = deadline;
      return pred();
    }
    run_one();
  }
  return true;
}

}  // namespace aipg::io::sim
