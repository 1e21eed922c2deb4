// io::AsioTimers — runtime::Timers on an io_context.
//
// One boost::asio::steady_timer over a min-heap of (deadline, id) rather than one steady_timer per
// scheduled timer: a node keeps many short-lived timers (yamux and noise timeouts, leases,
// gossipsub backoffs), most of them cancelled before they fire. With the heap, schedule_at is a
// push and cancel() an erase from a hash map (the heap entry is dropped lazily when it reaches the
// top, and the heap is compacted when stale entries dominate), with no Asio timer object or
// completion handler per timer. Equal deadlines fire in scheduling order (ids are increasing),
// the same (time, sequence) order as the simulator's event queue.
//
// Ids start at 1 and are never reused. A callback never runs after cancel(id) returns, nor after
// the AsioTimers is destroyed (the armed completion handler holds a liveness token, not `this`).
// Everything runs on the context's single thread; no locks.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "runtime/timers.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace aipg::io {

class AsioTimers final : public runtime::Timers {
 public:
  explicit AsioTimers(boost::asio::io_context& ctx);
  ~AsioTimers() override;
  AsioTimers(const AsioTimers&) = delete;
  AsioTimers& operator=(const AsioTimers&) = delete;

  // `when` in the past fires on the next turn of the context, never inline; kNever never fires.
  runtime::TimerId schedule_at(Instant when, std::function<void()> fn) override;
  // Unknown, fired or already cancelled ids are ignored.
  void cancel(runtime::TimerId id) override;
  // Timers scheduled and neither fired nor cancelled.
  size_t pending() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace aipg::io
