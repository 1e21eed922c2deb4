// The load generator and meter behind `aipg pubsub --bench-publish/--bench-receive`, for the
// loopback benchmark in docs/benchmarks.md (bench/gossip_relay.sh).
//
// A bench message is 8 bytes of the sender's wall clock (ns, big-endian) ‖ 8 bytes of index ‖
// padding to the size asked for; processes on one machine share the clock, so the receiver can
// measure publish-to-deliver latency. The publisher either paces itself (--bench-rate) or, at
// rate 0, publishes as fast as the streams drain (it keeps at most 1 MiB queued to any peer).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "node/gossipsub_service.hpp"

namespace aipg::app {

struct BenchPublishOptions {
  std::string topic;
  uint64_t count = 0;
  size_t size = 1024;
  double rate = 0;            // messages per second; 0 = as fast as the streams drain
  Duration start_delay = 2s;  // after the first topic peer appears: lets meshes form
};

// Publishes `count` bench messages, then calls `done` with a summary line already emitted.
void start_bench_publisher(runtime::Runtime& rt, node::GossipsubService& ps, BenchPublishOptions o,
                           std::function<void()> done);

class BenchReceiver {
 public:
  explicit BenchReceiver(uint64_t expect) : expect_(expect) {}
  // Records one delivery; returns true once `expect` messages have arrived (and emits the
  // summary: received, seconds, msgs_per_s, latency p50/p99/max in ms).
  bool on_message(const gossipsub::Delivery& d, WallTime now);

 private:
  uint64_t expect_;
  std::vector<double> latencies_ms_;
  WallTime first_{}, last_{};
};

Bytes bench_payload(uint64_t index, size_t size, WallTime now);

}  // namespace aipg::app
