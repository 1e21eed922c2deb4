#include "app/pubsub_bench.hpp"

#include <algorithm>
#include <memory>

#include "app/json_lines.hpp"
#include "base/log.hpp"

namespace aipg::app {

namespace {

constexpr size_t kMaxQueued = 1 << 20;

int64_t ns_of(WallTime t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

double pick(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  size_t i = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return v[i];
}

struct Publisher : std::enable_shared_from_this<Publisher> {
  runtime::Runtime& rt;
  node::GossipsubService& ps;
  BenchPublishOptions o;
  std::function<void()> done;
  uint64_t sent = 0;
  Instant started{};
  WallTime wall_started{};

  Publisher(runtime::Runtime& rt, node::GossipsubService& ps, BenchPublishOptions o,
            std::function<void()> done)
      : rt(rt), ps(ps), o(std::move(o)), done(std::move(done)) {}

  void wait_for_peers() {
    auto self = shared_from_this();
    if (ps.router().topic_peers(o.topic).empty()) {
      rt.timers.schedule_at(rt.clock.now() + 50ms, [self] { self->wait_for_peers(); });
      return;
    }
    rt.timers.schedule_at(rt.clock.now() + o.start_delay, [self] {
      self->started = self->rt.clock.now();
      self->wall_started = self->rt.clock.wall_now();
      self->tick();
    });
  }

  void tick() {
    auto self = shared_from_this();
    uint64_t due = o.count;
    if (o.rate > 0) {
      const double elapsed = std::chrono::duration<double>(rt.clock.now() - started).count();
      due = std::min<uint64_t>(o.count, static_cast<uint64_t>(elapsed * o.rate) + 1);
    }
    while (sent < due && ps.max_queued_bytes_now() < kMaxQueued) {
      auto r = ps.publish(o.topic, bench_payload(sent, o.size, rt.clock.wall_now()));
      if (!r) {
        log::error("bench publish: {}", r.error().message);
        break;
      }
      ++sent;
      // Yield now and then so the streams get written while we generate.
      if (o.rate == 0 && sent % 64 == 0) break;
    }
    if (sent < o.count) {
      if (o.rate == 0 && ps.max_queued_bytes_now() < kMaxQueued) {
        rt.executor.post([self] { self->tick(); });
      } else {
        rt.timers.schedule_at(rt.clock.now() + 200us, [self] { self->tick(); });
      }
      return;
    }
    const double secs = std::chrono::duration<double>(rt.clock.now() - started).count();
    emit({{"event", "bench_published"},
          {"count", sent},
          {"size", o.size},
          {"seconds", secs},
          {"msgs_per_s", secs > 0 ? static_cast<double>(sent) / secs : 0.0}});
    done();
  }
};

}  // namespace

Bytes bench_payload(uint64_t index, size_t size, WallTime now) {
  Bytes b(std::max<size_t>(size, 16), 'x');
  put_be64(b.data(), static_cast<uint64_t>(ns_of(now)));
  put_be64(b.data() + 8, index);
  return b;
}

void start_bench_publisher(runtime::Runtime& rt, node::GossipsubService& ps, BenchPublishOptions o,
                           std::function<void()> done) {
  auto p = std::make_shared<Publisher>(rt, ps, std::move(o), std::move(done));
  p->wait_for_peers();
}

bool BenchReceiver::on_message(const gossipsub::Delivery& d, WallTime now) {
  const auto& data = d.message->data;
  if (!data || data->size() < 16) return false;
  const int64_t sent_ns = static_cast<int64_t>(get_be64(data->data()));
  latencies_ms_.push_back(static_cast<double>(ns_of(now) - sent_ns) / 1e6);
  if (latencies_ms_.size() == 1) first_ = now;
  last_ = now;
  if (latencies_ms_.size() < expect_) return false;
  const double secs = std::chrono::duration<double>(last_ - first_).count();
  const double n = static_cast<double>(latencies_ms_.size());
  emit({{"event", "bench_received"},
        {"count", latencies_ms_.size()},
        {"seconds", secs},
        {"msgs_per_s", secs > 0 ? (n - 1) / secs : 0.0},
        {"p50_ms", pick(latencies_ms_, 0.5)},
        {"p99_ms", pick(latencies_ms_, 0.99)},
        {"max_ms", pick(latencies_ms_, 1.0)}});
  return true;
}

}  // namespace aipg::app
