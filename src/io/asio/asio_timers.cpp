#include "io/asio/asio_timers.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <unordered_map>
#include <vector>

namespace aipg::io {

namespace {

struct Entry {
  Instant when;
  runtime::TimerId id;
};
// std heap functions build a max-heap; this order puts the earliest (then lowest id) on top.
struct Later {
  bool operator()(const Entry& a, const Entry& b) const {
    return a.when != b.when ? a.when > b.when : a.id > b.id;
  }
};

// Below this many entries stale heap entries are not worth a rebuild.
constexpr size_t kCompactMin = 64;

}  // namespace

struct AsioTimers::Impl : std::enable_shared_from_this<Impl> {
  explicit Impl(boost::asio::io_context& ctx) : timer(ctx) {}

  boost::asio::steady_timer timer;
  std::vector<Entry> heap;
  std::unordered_map<runtime::TimerId, std::function<void()>> live;
  runtime::TimerId next_id = 1;
  Instant armed_at = kNever;  // deadline of the outstanding async_wait, kNever if none
  uint64_t generation = 0;    // bumps on every re-arm: older wait completions are ignored
  bool detached = false;      // the AsioTimers is gone

  void drop_stale_top() {
    while (!heap.empty() && !live.contains(heap.front().id)) {
      std::pop_heap(heap.begin(), heap.end(), Later{});
      heap.pop_back();
    }
  }

  void maybe_compact() {
    if (heap.size() < kCompactMin || heap.size() <= 2 * live.size()) return;
    std::erase_if(heap, [this](const Entry& e) { return !live.contains(e.id); });
    std::make_heap(heap.begin(), heap.end(), Later{});
  }

  // Makes the outstanding wait end at the heap's top deadline. A later wait than needed is
  // harmless (fire() finds nothing due and re-arms), so only an earlier top forces a re-arm.
  void arm() {
    drop_stale_top();
    if (heap.empty() || heap.front().when == kNever) return;
    const Instant top = heap.front().when;
    if (top >= armed_at) return;
    armed_at = top;
    const uint64_t gen = ++generation;
    timer.expires_at(std::chrono::time_point_cast<std::chrono::steady_clock::duration>(top));
    timer.async_wait([self = shared_from_this(), gen](const boost::system::error_code&) {
      if (self->detached || gen != self->generation) return;
      self->armed_at = kNever;
      self->fire();
    });
  }

  void fire() {
    const Instant now = std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
    while (!heap.empty() && heap.front().when <= now) {
      const runtime::TimerId id = heap.front().id;
      std::pop_heap(heap.begin(), heap.end(), Later{});
      heap.pop_back();
      auto it = live.find(id);
      if (it == live.end()) continue;  // cancelled
      // Erase before calling: the callback may schedule, cancel or destroy the AsioTimers.
      std::function<void()> fn = std::move(it->second);
      live.erase(it);
      fn();
      if (detached) return;
    }
    maybe_compact();
    arm();
  }
};

AsioTimers::AsioTimers(boost::asio::io_context& ctx) : impl_(std::make_shared<Impl>(ctx)) {}

AsioTimers::~AsioTimers() {
  impl_->detached = true;
  impl_->live.clear();
  impl_->heap.clear();
  impl_->timer.cancel();
}

runtime::TimerId AsioTimers::schedule_at(Instant when, std::function<void()> fn) {
  const runtime::TimerId id = impl_->next_id++;
  impl_->live.emplace(id, std::move(fn));
  impl_->heap.push_back(Entry{when, id});
  std::push_heap(impl_->heap.begin(), impl_->heap.end(), Later{});
  if (when < impl_->armed_at) impl_->arm();
  return id;
}

void AsioTimers::cancel(runtime::TimerId id) {
  if (impl_->live.erase(id) == 0) return;
  impl_->maybe_compact();
}

size_t AsioTimers::pending() const { return impl_->live.size(); }

}  // namespace aipg::io
