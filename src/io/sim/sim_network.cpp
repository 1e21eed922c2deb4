#include "io/sim/sim_network.hpp"

#include <vector>

#include "io/sim/sim_stream.hpp"

namespace aipg::io::sim {
namespace {

wire::Multiaddr tcp_addr(const std::string& ip, uint16_t port) {
  return *wire::Multiaddr::parse("/ip4/" + ip + "/tcp/" + std::to_string(port));
}

}  // namespace

SimNetwork::SimNetwork(SimLoop& loop, Duration latency, uint64_t seed) : loop_(loop), rng_(seed) {
  default_link_.latency = latency;
}

SimNetwork::~SimNetwork() = default;

std::unique_ptr<SimTransport> SimNetwork::add_node() {
  const uint32_t n = next_node_++;
  return std::make_unique<SimTransport>(
      *this, "127.1." + std::to_string((n >> 8) & 255) + "." + std::to_string(n & 255));
}

LinkParams SimNetwork::link(const std::string& a, const std::string& b) const {
  return link_fn_ ? link_fn_(a, b) : default_link_;
}

bool SimNetwork::reachable(const std::string& a, const std::string& b) const {
  if (!partitioned_) return true;
  return partition_side_.count(a) == partition_side_.count(b);
}

void SimNetwork::partition(const std::set<std::string>& side) {
  partition_side_ = side;
  partitioned_ = true;
  reset_where([this](const SimStream& s) { return !reachable(s.local_ip(), s.remote_ip()); });
}

void SimNetwork::heal() {
  partitioned_ = false;
  partition_side_.clear();
}

void SimNetwork::drop_link(const std::string& a, const std::string& b) {
  reset_where([&](const SimStream& s) {
    return (s.local_ip() == a && s.remote_ip() == b) || (s.local_ip() == b && s.remote_ip() == a);
  });
}

void SimNetwork::reset_where(const std::function<bool(const SimStream&)>& pred) {
  // Collect first: resets run callbacks that may destroy streams.
  std::vector<std::pair<SimStream*, std::weak_ptr<bool>>> doomed;
  for (const auto& [serial, s] : streams_) {
    if (pred(*s)) doomed.emplace_back(s, s->alive());
  }
  for (auto& [s, alive] : doomed) {
    auto a = alive.lock();
    if (a && *a) s->break_link(/*silent=*/false);
  }
}

SimTransport::~SimTransport() {
  *alive_ = false;
  close_listeners();
}

Result<wire::Multiaddr> SimTransport::listen(const wire::Multiaddr& addr,
                                             runtime::AcceptFn on_accept) {
  auto port = addr.tcp_port();
  if (!port) return make_error(Errc::unsupported, "sim: can only listen on /ip4/…/tcp/…");
  uint16_t p = *port ? *port : next_port_++;
  std::string key = ip_ + ":" + std::to_string(p);
  if (net_.listeners_.count(key)) return make_error(Errc::io, "sim: address in use: " + key);
  net_.listeners_[key] = {this, std::move(on_accept)};
  listening_.push_back(key);
  return tcp_addr(ip_, p);
}

void SimTransport::dial(const wire::Multiaddr& addr, Duration timeout, runtime::DialFn done) {
  auto ip = addr.ip();
  auto port = addr.tcp_port();
  SimLoop& loop = net_.loop_;
  std::weak_ptr<bool> alive = alive_;
  if (!ip || !port) {
    loop.post([done = std::move(done)] {
      done(make_error(Errc::unsupported, "sim: can only dial /ip4/…/tcp/…"));
    });
    return;
  }
  const std::string remote_ip = *ip;
  const std::string key = remote_ip + ":" + std::to_string(*port);
  const Duration lat = net_.link(ip_, remote_ip).latency;
  if (!net_.reachable(ip_, remote_ip)) {
    // A SYN into a partition goes unanswered.
    loop.schedule_at(loop.now() + timeout, [alive, key, done = std::move(done)] {
      if (alive.expired() || !*alive.lock()) return;
      done(make_error(Errc::timeout, "sim: dial " + key + " timed out"));
    });
    return;
  }
  const uint16_t local_port = next_port_++;
  // SYN reaches the listener after one latency; SYN-ACK is back after two.
  loop.schedule_at(loop.now() + lat, [this, alive, key, remote_ip, local_port, lat, &loop,
                                      done = std::move(done)]() mutable {
    if (alive.expired() || !*alive.lock()) return;
    auto it = net_.listeners_.find(key);
    if (it == net_.listeners_.end() || !net_.reachable(ip_, remote_ip)) {
      loop.schedule_at(loop.now() + lat, [alive, key, done = std::move(done)] {
        if (alive.expired() || !*alive.lock()) return;
        done(make_error(Errc::io, "sim: connection refused by " + key));
      });
      return;
    }
    runtime::AcceptFn accept = it->second.second;
    const uint16_t port = uint16_t(std::stoi(key.substr(key.find(':') + 1)));
    wire::Multiaddr server_addr = tcp_addr(remote_ip, port);
    wire::Multiaddr client_addr = tcp_addr(ip_, local_port);
    auto client = std::make_unique<SimStream>(net_, ip_, client_addr, remote_ip, server_addr);
    auto server = std::make_unique<SimStream>(net_, remote_ip, server_addr, ip_, client_addr);
    client->link(server.get(), server->alive());
    server->link(client.get(), client->alive());
    accept(std::move(server));
    // std::function needs copyable captures: hold the client end in a shared box.
    auto box = std::make_shared<std::unique_ptr<SimStream>>(std::move(client));
    loop.schedule_at(loop.now() + lat, [alive, box, done = std::move(done)]() mutable {
      if (alive.expired() || !*alive.lock()) return;
      done(std::unique_ptr<runtime::ByteStream>(std::move(*box)));
    });
  });
}

void SimTransport::close_listeners() {
  for (auto& key : listening_) net_.listeners_.erase(key);
  listening_.clear();
}

void SimTransport::crash() {
  close_listeners();
  std::vector<std::pair<SimStream*, std::weak_ptr<bool>>> mine;
  for (const auto& [serial, s] : net_.streams_) {
    if (s->local_ip() == ip_) mine.emplace_back(s, s->alive());
  }
  for (auto& [s, alive] : mine) {
    auto a = alive.lock();
    if (a && *a) s->break_link(/*silent=*/true);
  }
}

}  // namespace aipg::io::sim
