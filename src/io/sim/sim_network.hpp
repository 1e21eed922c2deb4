// SimNetwork — byte pipes between simulated nodes on the SimLoop's virtual clock. Each node gets
// a SimTransport with its own address (/ip4/127.1.X.Y). Dialing a listening address creates a
// pipe pair that delivers bytes in order, like TCP: after the link's one-way latency plus a
// seeded jitter, and after the link's serialization time when it has a bandwidth.
//
// Faults, as a test or scenario orders them:
//  - partition(side): nodes in `side` and the rest cannot reach each other; connections across
//    are reset at both ends, dials across time out; heal() ends it.
//  - drop_link(a, b): every connection between two nodes is reset at both ends.
//  - SimTransport::crash(): the node vanishes: its peers see their connections reset, it hears
//    nothing more, and it no longer listens.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "io/sim/seeded_rng.hpp"
#include "io/sim/sim_loop.hpp"
#include "runtime/byte_stream.hpp"

namespace aipg::io::sim {

class SimTransport;
class SimStream;

struct LinkParams {
  Duration latency = 1ms;
  Duration jitter{};            // uniform in [0, jitter), order still kept
  double bytes_per_second = 0;  // 0: unlimited
};

class SimNetwork {
 public:
  explicit SimNetwork(SimLoop& loop, Duration latency = 1ms, uint64_t seed = 1);
  ~SimNetwork();

  std::unique_ptr<SimTransport> add_node();

  void set_latency(Duration d) { default_link_.latency = d; }
  void set_default_link(LinkParams p) { default_link_ = p; }
  // Per-link parameters by the two nodes' IPs (either order); overrides the default.
  void set_link_fn(std::function<LinkParams(const std::string&, const std::string&)> fn) {
    link_fn_ = std::move(fn);
  }
  LinkParams link(const std::string& a, const std::string& b) const;
  Duration latency() const { return default_link_.latency; }

  void partition(const std::set<std::string>& side);
  void heal();
  bool reachable(const std::string& a, const std::string& b) const;
  void drop_link(const std::string& a, const std::string& b);

  SimLoop& loop() { return loop_; }
  SeededRng& rng() { return rng_; }
  size_t live_streams() const { return streams_.size(); }

 private:
  friend class SimTransport;
  friend class SimStream;
  // Resets every live stream for which pred(local_ip, remote_ip) holds.
  void reset_where(const std::function<bool(const SimStream&)>& pred);

  SimLoop& loop_;
  LinkParams default_link_;
  std::function<LinkParams(const std::string&, const std::string&)> link_fn_;
  SeededRng rng_;
  uint32_t next_node_ = 1;
  std::map<std::string, std::pair<SimTransport*, runtime::AcceptFn>> listeners_;  // "ip:port"
  // By creation order, not address: faults reset streams in this order, and an order that
  // followed heap addresses made a seed's outcome depend on what ran before it in the process.
  std::map<uint64_t, SimStream*> streams_;
  uint64_t next_stream_ = 0;
  std::set<std::string> partition_side_;
  bool partitioned_ = false;
};

class SimTransport final : public runtime::StreamTransport {
 public:
  SimTransport(SimNetwork& net, std::string ip) : net_(net), ip_(std::move(ip)) {}
  ~SimTransport() override;

  Result<wire::Multiaddr> listen(const wire::Multiaddr& addr, runtime::AcceptFn on_accept) override;
  void dial(const wire::Multiaddr& addr, Duration timeout, runtime::DialFn done) override;
  void close_listeners() override;
  const std::string& ip() const { return ip_; }
  // The node vanishes (see SimNetwork). Callbacks of this node's streams stop at once.
  void crash();

 private:
  SimNetwork& net_;
  std::string ip_;
  uint16_t next_port_ = 1000;
  std::vector<std::string> listening_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace aipg::io::sim
