// gossip_sim — the router-level simulator as a command, for the benchmarks in
// docs/benchmarks.md: builds a network, publishes messages at random nodes, and prints delivery
// (fraction, hops and virtual latency percentiles) and the duplicate factor as one JSON line.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "scenario.hpp"

int main(int argc, char** argv) {
  using namespace aipg;
  using namespace aipg::sim;
  size_t nodes = 500, degree = 20, messages = 100;
  int latency_ms = 20, jitter_ms = 10, interval_ms = 100;
  uint64_t seed = 1;
  size_t size = 64;
  double mbit = 0;
  bool flood = true;
  CLI::App app{"gossip_sim: the router-level gossipsub simulator"};
  app.add_option("--nodes", nodes)->capture_default_str();
  app.add_option("--degree", degree, "connections each node dials")->capture_default_str();
  app.add_option("--messages", messages)->capture_default_str();
  app.add_option("--interval-ms", interval_ms, "between publications")->capture_default_str();
  app.add_option("--latency-ms", latency_ms)->capture_default_str();
  app.add_option("--jitter-ms", jitter_ms)->capture_default_str();
  app.add_option("--seed", seed)->capture_default_str();
  app.add_option("--size", size, "bytes of data per message")->capture_default_str();
  app.add_option("--mbit", mbit, "link bandwidth, Mbit/s each way (0 = unlimited)")
      ->capture_default_str();
  app.add_flag("--flood-publish,!--no-flood-publish", flood)->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const auto wall_start = std::chrono::steady_clock::now();
  RouterNetOptions opts;
  opts.seed = seed;
  opts.latency = std::chrono::milliseconds(latency_ms);
  opts.jitter = std::chrono::milliseconds(jitter_ms);
  opts.config.flood_publish = flood;
  opts.bandwidth = mbit * 1e6 / 8;
  RouterNet net(opts);
  const TopicId topic = "bench";
  auto all = build_network(net, nodes, degree, topic);
  for (size_t m = 0; m < messages; ++m) {
    size_t origin = all[net.rng().uniform(all.size())];
    std::string data = "message " + std::to_string(m);
    data.resize(std::max(size, data.size()), '.');
    net.publish(origin, topic, std::move(data));
    net.run_for(std::chrono::milliseconds(interval_ms));
  }
  net.run_for(10s);

  std::vector<int> hops;
  std::vector<double> ms;
  size_t delivered = 0, expected = 0;
  for (const auto& id : net.published()) {
    expected += nodes - 1;
    for (const auto& [node, rec] : net.deliveries(id)) {
      ++delivered;
      hops.push_back(rec.hops);
      ms.push_back(std::chrono::duration<double, std::milli>(rec.after).count());
    }
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  std::printf(
      "{\"nodes\":%zu,\"degree\":%zu,\"messages\":%zu,\"latency_ms\":%d,\"jitter_ms\":%d,"
      "\"seed\":%llu,\"delivered_fraction\":%.6f,\"hops_p50\":%d,\"hops_p99\":%d,"
      "\"hops_max\":%d,\"ms_p50\":%.1f,\"ms_p99\":%.1f,\"ms_max\":%.1f,"
      "\"duplicate_factor\":%.2f,\"size\":%zu,\"mbit\":%g,\"flood_publish\":%s,\"wall_seconds\":%."
      "2f}\n",
      nodes, degree, messages, latency_ms, jitter_ms, static_cast<unsigned long long>(seed),
      expected ? static_cast<double>(delivered) / static_cast<double>(expected) : 0.0,
      quantile(hops, 0.5), quantile(hops, 0.99), quantile(hops, 1.0), quantile(ms, 0.5),
      quantile(ms, 0.99), quantile(ms, 1.0), duplicate_factor(net, all), size, mbit,
      flood ? "true" : "false", wall);
  return delivered == expected ? 0 : 1;
}
