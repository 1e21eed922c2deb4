#include "router_net.hpp"

#include <algorithm>
#include <cassert>

#include "protocol/gossipsub/codec.hpp"
#include "protocol/gossipsub/rpc_shaping.hpp"
#include "wire/keys.hpp"

namespace aipg::sim {

namespace {

wire::KeyPair node_key(uint64_t seed, size_t index) {
  Bytes s(32, 0);
  put_be64(s.data(), seed);
  put_be64(s.data() + 8, index);
  s[31] = 0x5a;
  return *wire::KeyPair::from_seed(s);
}

}  // namespace

RouterNet::RouterNet(RouterNetOptions options)
    : options_(std::move(options)), rng_(options_.seed) {}

RouterNet::~RouterNet() { *alive_ = false; }

size_t RouterNet::add_node(std::optional<GossipsubConfig> config) {
  const size_t i = nodes_.size();
  auto n = std::make_unique<Node>();
  wire::KeyPair key = node_key(options_.seed, i);
  n->id = wire::PeerId::from_public_key(key.public_key());
  n->rng = std::make_unique<io::sim::SeededRng>(options_.seed * 1000003 + i);
  GossipsubConfig c = config ? std::move(*config) : options_.config;
  if (options_.verify_once && !c.signature_check &&
      c.signature_policy == gossipsub::SignaturePolicy::kStrictSign) {
    c.signature_check = [answers = signature_answers_](const gossipsub::Message& m) {
      Bytes k = gossipsub::signing_bytes(m);
      if (m.signature) append(k, *m.signature);
      k.push_back(m.key ? 1 : 0);
      if (m.key) append(k, *m.key);
      std::string key(k.begin(), k.end());
      auto it = answers->find(key);
      if (it == answers->end()) it = answers->emplace(key, gossipsub::verify_strict_sign(m)).first;
      return it->second;
    };
  }
  n->router = std::make_unique<gossipsub::Router>(std::move(key), std::move(c), *n->rng,
                                                  /*first_seqno=*/1);
  index_.emplace(n->id, i);
  const Duration hb = n->router->config().heartbeat_interval;
  nodes_.push_back(std::move(n));
  // A random phase, as real nodes start at different times.
  schedule_heartbeat(
      i, Duration(static_cast<int64_t>(rng_.uniform(static_cast<uint64_t>(hb.count()) + 1))));
  return i;
}

void RouterNet::schedule_heartbeat(size_t node, Duration after) {
  Node& n = *nodes_[node];
  n.heartbeat_timer = loop_.schedule_at(loop_.now() + after, [this, node] {
    Node& n = *nodes_[node];
    if (!n.alive) return;
    n.router->heartbeat(loop_.now());
    pump(node);
    schedule_heartbeat(node, n.router->config().heartbeat_interval);
  });
}

Duration RouterNet::link_latency(size_t a, size_t b) {
  auto key = std::make_pair(a, b);
  auto it = latency_.find(key);
  if (it != latency_.end()) return it->second;
  const int64_t j = options_.jitter.count();
  Duration d =
      options_.latency + Duration(j == 0 ? 0 : static_cast<int64_t>(rng_.uniform(2 * j + 1)) - j);
  if (d < Duration::zero()) d = Duration::zero();
  latency_.emplace(key, d);
  return d;
}

void RouterNet::connect(size_t a, size_t b) {
  if (a == b || !alive(a) || !alive(b) || nodes_[a]->links.count(b)) return;
  nodes_[a]->links.insert(b);
  nodes_[b]->links.insert(a);
  const Instant now = loop_.now();
  nodes_[a]->router->add_peer(nodes_[b]->id, gossipsub::PeerKind::kGossipsubV12, true, now);
  nodes_[b]->router->add_peer(nodes_[a]->id, gossipsub::PeerKind::kGossipsubV12, false, now);
  pump(a);
  pump(b);
}

void RouterNet::connect_random(size_t node, size_t k) {
  std::vector<size_t> live = live_nodes();
  live.erase(std::remove(live.begin(), live.end(), node), live.end());
  gossipsub::shuffle_with(rng_, live);
  for (size_t i = 0; i < live.size() && i < k; ++i) connect(node, live[i]);
}

void RouterNet::link_down(size_t a, size_t b) {
  nodes_[a]->links.erase(b);
  nodes_[b]->links.erase(a);
  last_arrival_.erase({a, b});
  last_arrival_.erase({b, a});
  link_free_.erase({a, b});
  link_free_.erase({b, a});
}

void RouterNet::disconnect(size_t a, size_t b) {
  if (!nodes_[a]->links.count(b)) return;
  link_down(a, b);
  const Instant now = loop_.now();
  if (alive(a)) nodes_[a]->router->remove_peer(nodes_[b]->id, now);
  if (alive(b)) nodes_[b]->router->remove_peer(nodes_[a]->id, now);
  if (alive(a)) pump(a);
  if (alive(b)) pump(b);
}

void RouterNet::crash(size_t node) {
  Node& n = *nodes_[node];
  if (!n.alive) return;
  n.alive = false;
  loop_.cancel(n.heartbeat_timer);
  std::vector<size_t> peers(n.links.begin(), n.links.end());
  for (size_t p : peers) {
    link_down(node, p);
    // The peer sees the connection close one latency later.
    std::weak_ptr<bool> alive = alive_;
    loop_.schedule_at(loop_.now() + link_latency(node, p), [this, alive, node, p] {
      if (alive.expired() || !nodes_[p]->alive) return;
      nodes_[p]->router->remove_peer(nodes_[node]->id, loop_.now());
      pump(p);
    });
  }
}

void RouterNet::partition(const std::set<size_t>& side) {
  for (size_t a : side) {
    std::vector<size_t> peers(nodes_[a]->links.begin(), nodes_[a]->links.end());
    for (size_t b : peers) {
      if (side.count(b)) continue;
      cut_.insert({std::min(a, b), std::max(a, b)});
      disconnect(a, b);
    }
  }
}

void RouterNet::heal() {
  auto cut = std::exchange(cut_, {});
  for (const auto& [a, b] : cut) connect(a, b);
}

void RouterNet::subscribe(size_t node, const TopicId& topic) {
  nodes_[node]->router->subscribe(topic, loop_.now());
  pump(node);
}

MessageId RouterNet::publish(size_t node, const TopicId& topic, std::string data) {
  auto id = nodes_[node]->router->publish(topic, to_bytes(data), loop_.now());
  assert(id.has_value());
  publications_[*id] = Publication{node, loop_.now(), topic, {}};
  published_order_.push_back(*id);
  mix(std::hash<std::string>()(*id));
  mix(node);
  pump(node);
  return *id;
}

void RouterNet::inject(size_t a, size_t b, Rpc rpc) { send(a, b, std::move(rpc)); }

bool RouterNet::publish_untracked(size_t node, const TopicId& topic, Bytes data) {
  auto id = nodes_[node]->router->publish(topic, std::move(data), loop_.now());
  pump(node);
  return id.has_value();
}

void RouterNet::after(size_t node, Duration after, std::function<void()> fn) {
  std::weak_ptr<bool> alive = alive_;
  loop_.schedule_at(loop_.now() + after, [this, alive, node, fn = std::move(fn)] {
    if (alive.expired() || !nodes_[node]->alive) return;
    fn();
  });
}

void RouterNet::every(Duration period, std::function<void()> fn) {
  auto tick = std::make_shared<std::function<void()>>();
  std::weak_ptr<bool> alive = alive_;
  *tick = [this, alive, period, fn = std::move(fn), weak = std::weak_ptr(tick)] {
    if (alive.expired()) return;
    fn();
    if (auto t = weak.lock()) loop_.schedule_at(loop_.now() + period, *t);
  };
  // The loop's copy of the closure keeps `tick` alive through the weak pointer's owner below.
  loop_.schedule_at(loop_.now() + period, [tick] { (*tick)(); });
  ticks_.push_back(std::move(tick));
}

void RouterNet::pump(size_t node) {
  Node& n = *nodes_[node];
  for (gossipsub::Outgoing& o : n.router->take_outgoing()) {
    auto to = index_of(o.peer);
    if (to) send(node, *to, std::move(o.rpc));
  }
  for (gossipsub::Delivery& d : n.router->take_deliveries()) {
    if (n.on_delivery) n.on_delivery(d);
    auto pub = publications_.find(d.id);
    if (pub == publications_.end()) continue;  // not published through the harness
    Publication& p = pub->second;
    int hops = 1;
    if (auto src = index_of(d.source); src && *src != p.origin) {
      auto s = p.delivered.find(*src);
      if (s != p.delivered.end()) hops = s->second.hops + 1;
    }
    if (p.delivered.emplace(node, DeliveryRecord{loop_.now() - p.at, hops}).second) {
      mix(node);
      mix(static_cast<uint64_t>((loop_.now() - Instant{}).count()));
    }
  }
  n.router->take_px_peers();
}

void RouterNet::send(size_t from, size_t to, Rpc rpc) {
  if (!alive(from) || !nodes_[from]->links.count(to)) return;
  Instant departure = loop_.now();
  if (options_.bandwidth > 0) {
    size_t bytes = gossipsub::rpc_head_size(rpc);
    for (const auto& m : rpc.publish) bytes += gossipsub::approx_size(*m);
    Instant& free = link_free_[{from, to}];
    departure = std::max(free, departure) +
                std::chrono::duration_cast<Duration>(
                    std::chrono::duration<double>(static_cast<double>(bytes) / options_.bandwidth));
    free = departure;
  }
  Instant arrival = departure + link_latency(from, to);
  Instant& last = last_arrival_[{from, to}];
  if (arrival < last) arrival = last;
  last = arrival;
  auto shared = std::make_shared<Rpc>(std::move(rpc));
  std::weak_ptr<bool> alive = alive_;
  loop_.schedule_at(arrival, [this, alive, from, to, shared] {
    if (alive.expired() || !nodes_[to]->alive || !nodes_[to]->links.count(from)) return;
    nodes_[to]->router->handle_rpc(nodes_[from]->id, std::move(*shared), loop_.now());
    pump(to);
  });
}

std::optional<size_t> RouterNet::index_of(const gossipsub::PeerId& p) const {
  auto it = index_.find(p);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

std::vector<size_t> RouterNet::live_nodes() const {
  std::vector<size_t> v;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->alive) v.push_back(i);
  }
  return v;
}

std::vector<size_t> RouterNet::neighbours(size_t node) const {
  return {nodes_[node]->links.begin(), nodes_[node]->links.end()};
}

const std::unordered_map<size_t, DeliveryRecord>& RouterNet::deliveries(const MessageId& id) const {
  static const std::unordered_map<size_t, DeliveryRecord> kNone;
  auto it = publications_.find(id);
  return it == publications_.end() ? kNone : it->second.delivered;
}

std::vector<size_t> RouterNet::missing(const MessageId& id, const TopicId& topic) const {
  std::vector<size_t> out;
  auto it = publications_.find(id);
  if (it == publications_.end()) return out;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (i == it->second.origin || !nodes_[i]->alive) continue;
    if (!nodes_[i]->router->subscribed(topic)) continue;
    if (!it->second.delivered.count(i)) out.push_back(i);
  }
  return out;
}

void RouterNet::mix(uint64_t v) {
  trace_hash_ ^= v;
  trace_hash_ *= 1099511628211ull;
}

}  // namespace aipg::sim
