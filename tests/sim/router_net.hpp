// RouterNet — the router-level simulator (DESIGN.md §2): many gossipsub Routers in one process on
// the SimLoop's virtual clock, exchanging `Rpc` values directly (no encoding, no streams).
//
// Links: each connection gets a one-way latency drawn once from [latency - jitter, latency +
// jitter] and optionally a bandwidth; RPCs on one direction of a link stay in order (TCP). Faults:
// a node crashes (its peers notice after the link latency, as a closed connection), a node joins
// and dials k random live nodes, a partition cuts every link across it (both sides see the peers
// go), heal reconnects the cut links. Heartbeats run per node at a random phase.
//
// Everything random comes from one SeededRng: the same seed and calls give the same trace
// (`trace_hash()` folds every delivery, so a test can assert replay).
//
// Measurements per published message: which nodes delivered it, when, and after how many hops
// (the publisher is hop 0; a delivery from a peer at hop h is hop h + 1).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "io/sim/seeded_rng.hpp"
#include "io/sim/sim_loop.hpp"
#include "protocol/gossipsub/router.hpp"
#include "protocol/gossipsub/shuffle.hpp"

namespace aipg::sim {

using gossipsub::GossipsubConfig;
using gossipsub::MessageId;
using gossipsub::Rpc;
using gossipsub::TopicId;

struct RouterNetOptions {
  uint64_t seed = 1;
  Duration latency = 20ms;
  Duration jitter = 10ms;
  // Per direction of a link, bytes per second (0 = unlimited). An RPC occupies the link for
  // size / bandwidth after the previous one, then travels for the latency: large messages
  // queue, and a small frame sent ahead of them (IDONTWANT) arrives first.
  double bandwidth = 0;
  GossipsubConfig config{};  // for nodes added without their own
  // Each distinct message's signature is verified once for the whole net, not once per router
  // (the answer depends on the message alone; forged copies differ in bytes and are verified on
  // their own). Ed25519 verification is otherwise most of a large run's time.
  bool verify_once = true;
};

struct DeliveryRecord {
  Duration after;  // since publication
  int hops;
};

class RouterNet {
 public:
  explicit RouterNet(RouterNetOptions options);
  ~RouterNet();

  // Adds a live node (not connected); returns its index.
  size_t add_node(std::optional<GossipsubConfig> config = std::nullopt);
  // Connects a→b (a dialled: it counts as outbound at a). No-op if linked or either is down.
  void connect(size_t a, size_t b);
  // Connects `node` to `k` random live nodes other than itself.
  void connect_random(size_t node, size_t k);
  void disconnect(size_t a, size_t b);
  void crash(size_t node);
  bool alive(size_t node) const { return nodes_[node]->alive; }
  // Cuts every link between `side` and the rest; heal() restores the links cut.
  void partition(const std::set<size_t>& side);
  void heal();

  void subscribe(size_t node, const TopicId& topic);
  // Publishes from `node`; returns the message id, and starts tracking its deliveries.
  MessageId publish(size_t node, const TopicId& topic, std::string data);
  // Sends `rpc` from a→b as if a's router had produced it (attackers, malformed input).
  void inject(size_t a, size_t b, Rpc rpc);
  // Application hooks: every message `node` delivers (also untracked ones), and its validator.
  void set_on_delivery(size_t node, std::function<void(const gossipsub::Delivery&)> fn) {
    nodes_[node]->on_delivery = std::move(fn);
  }
  void set_validator(size_t node, gossipsub::Validator v) {
    nodes_[node]->router->set_validator(std::move(v));
  }
  // Publishes without tracking deliveries (application traffic); false if the router refused.
  bool publish_untracked(size_t node, const TopicId& topic, Bytes data);
  // Runs `fn` once after `after` (virtual) unless the node has crashed by then.
  void after(size_t node, Duration after, std::function<void()> fn);
  // Flushes what the node's router queued outside a RouterNet call (e.g. from a timer).
  void flush(size_t node) { pump(node); }

  // Runs `fn` every `period` (virtual), starting after one period, while the net lives.
  void every(Duration period, std::function<void()> fn);

  void run_for(Duration d) { loop_.run_for(d); }
  Instant now() const { return loop_.now(); }
  WallTime wall_now() const { return loop_.wall_now(); }
  io::sim::SeededRng& rng() { return rng_; }
  const RouterNetOptions& options() const { return options_; }

  size_t size() const { return nodes_.size(); }
  gossipsub::Router& router(size_t node) { return *nodes_[node]->router; }
  const gossipsub::PeerId& peer_id(size_t node) const { return nodes_[node]->id; }
  std::optional<size_t> index_of(const gossipsub::PeerId& p) const;
  std::vector<size_t> live_nodes() const;
  std::vector<size_t> neighbours(size_t node) const;

  // Deliveries of `id` per node (publisher excluded).
  const std::unordered_map<size_t, DeliveryRecord>& deliveries(const MessageId& id) const;
  std::vector<MessageId> published() const { return published_order_; }
  // Nodes alive now and subscribed to `topic` that have not delivered `id`, publisher excluded.
  std::vector<size_t> missing(const MessageId& id, const TopicId& topic) const;
  // Every delivery and publication folded into one number, for replay checks.
  uint64_t trace_hash() const { return trace_hash_; }

 private:
  struct Node {
    gossipsub::PeerId id;
    std::unique_ptr<io::sim::SeededRng> rng;
    std::unique_ptr<gossipsub::Router> router;
    bool alive = true;
    std::set<size_t> links;
    runtime::TimerId heartbeat_timer = runtime::kNoTimer;
    std::function<void(const gossipsub::Delivery&)> on_delivery;
  };
  struct Publication {
    size_t origin;
    Instant at;
    TopicId topic;
    std::unordered_map<size_t, DeliveryRecord> delivered;
  };

  Duration link_latency(size_t a, size_t b);
  void schedule_heartbeat(size_t node, Duration after);
  void pump(size_t node);
  void send(size_t from, size_t to, Rpc rpc);
  void link_down(size_t a, size_t b);
  void mix(uint64_t v);

  RouterNetOptions options_;
  io::sim::SimLoop loop_;
  io::sim::SeededRng rng_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::unordered_map<gossipsub::PeerId, size_t> index_;
  // Per directed link: latency (drawn once) and the last arrival time (keeps FIFO order).
  std::map<std::pair<size_t, size_t>, Duration> latency_;
  std::map<std::pair<size_t, size_t>, Instant> last_arrival_;
  std::map<std::pair<size_t, size_t>, Instant> link_free_;  // when the sender's link is idle
  std::set<std::pair<size_t, size_t>> cut_;  // links removed by partition(), for heal()
  std::unordered_map<MessageId, Publication> publications_;
  std::vector<MessageId> published_order_;
  std::vector<std::shared_ptr<std::function<void()>>> ticks_;  // closures of every()
  uint64_t trace_hash_ = 1469598103934665603ull;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  // verify_once: signing bytes ‖ signature ‖ key → the check's answer, shared by all routers.
  using SignatureAnswers =
      std::unordered_map<std::string, std::optional<gossipsub::SignatureError>>;
  std::shared_ptr<SignatureAnswers> signature_answers_ = std::make_shared<SignatureAnswers>();
};

}  // namespace aipg::sim
