// SimNetwork — byte pipes between simulated nodes, with a per-link one-way latency, on the
// SimLoop's virtual clock. Each node gets a SimTransport with its own address
// (/ip4/127.1.X.Y); dialing a listening address creates a pipe pair that delivers bytes in
// order after the latency, like TCP on a lossless link. Later: bandwidth, loss by dropped
// connections, partitions.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "io/sim/sim_loop.hpp"
#include "runtime/byte_stream.hpp"

namespace aipg::io::sim {

class SimTransport;

class SimNetwork {
 public:
  explicit SimNetwork(SimLoop& loop, Duration latency = 1ms) : loop_(loop), latency_(latency) {}

  std::unique_ptr<SimTransport> add_node();
  void set_latency(Duration d) { latency_ = d; }
  Duration latency() const { return latency_; }
  SimLoop& loop() { return loop_; }

 private:
  friend class SimTransport;
  SimLoop& loop_;
  Duration latency_;
  uint32_t next_node_ = 1;
  // "ip:port" → the listening transport and its accept callback.
  std::map<std::string, std::pair<SimTransport*, runtime::AcceptFn>> listeners_;
};

class SimTransport final : public runtime::StreamTransport {
 public:
  SimTransport(SimNetwork& net, std::string ip) : net_(net), ip_(std::move(ip)) {}
  ~SimTransport() override;

  Result<wire::Multiaddr> listen(const wire::Multiaddr& addr, runtime::AcceptFn on_accept) override;
  void dial(const wire::Multiaddr& addr, Duration timeout, runtime::DialFn done) override;
  void close_listeners() override;
  const std::string& ip() const { return ip_; }

 private:
  SimNetwork& net_;
  std::string ip_;
  uint16_t next_port_ = 1000;
  std::vector<std::string> listening_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace aipg::io::sim
