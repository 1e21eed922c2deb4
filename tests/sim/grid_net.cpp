#include "grid_net.hpp"

#include "node/grid_scoring.hpp"
#include "protocol/grid/topics.hpp"

namespace aipg::sim {

namespace {

// The role judges every message its node's router receives: its verdict is the router's
// validation result (and so feeds the author's score).
template <class Role>
void validate_with(RouterNet& net, size_t node, Role* role) {
  net.set_validator(node, [&net, role](const gossipsub::PeerId&, const gossipsub::MessageId&,
                                       const gossipsub::Message& m) {
    return grid::to_gossip(role->on_pubsub(m, net.now(), net.wall_now()).validation);
  });
}

std::string key_string(const grid::RunKey& k) {
  return to_hex(as_bytes(k.job_id)) + "/" + std::to_string(k.attempt) + "/" +
         std::to_string(k.generation);
}

}  // namespace

GridNet::GridNet(RouterNet& net, GridNetOptions options) : net_(net), options_(options) {
  const size_t total = options_.api_nodes + options_.workers;
  std::vector<size_t> nodes;
  for (size_t i = 0; i < total; ++i) {
    // The router settings every shipped grid role runs (scoring with P4 on the grid topics),
    // P5 from the role's own tally of each peer's rule breaking.
    GossipsubConfig c =
        node::grid_gossipsub_config([this, node = net_.size()](const gossipsub::PeerId& p) {
          if (auto it = apis_.find(node); it != apis_.end()) {
            return it->second->app_score(p, net_.now());
          }
          if (auto it = worker_cores_.find(node); it != worker_cores_.end()) {
            return it->second->app_score(p, net_.now());
          }
          return 0.0;
        });
    nodes.push_back(net_.add_node(std::move(c)));
  }
  for (size_t n : nodes) net_.connect_random(n, options_.degree);
  const Instant now = net_.now();
  const WallTime wall = net_.wall_now();

  for (size_t i = 0; i < options_.api_nodes; ++i) {
    const size_t node = nodes[i];
    api_nodes_.push_back(node);
    grid::ApiNodeConfig cfg;
    cfg.http_url = "http://127.0.0.1:" + std::to_string(8000 + i);
    cfg.check_interval = 200ms;
    cfg.default_lease_ms = 20000;
    cfg.default_claim_window_ms = options_.claim_window_ms;
    auto core = std::make_unique<grid::ApiNodeCore>(net_.peer_id(node), cfg, net_.rng());
    grid::ApiNodeCore* c = core.get();
    apis_[node] = std::move(core);
    // As ApiNodeService does: the fixed topics now, a model's jobs topic once it is heard of.
    subscribe_new(node);
    validate_with(net_, node, c);
    publish(node, c->start(now, wall));
    net_.every(options_.tick, [this, node, c] {
      if (!net_.alive(node)) return;
      subscribe_new(node);
      c->set_advert_listeners(net_.router(node).topic_peers(grid::kNodesTopic).size());
      publish(node, c->tick(net_.now(), net_.wall_now()));
    });
  }
  for (size_t i = options_.api_nodes; i < total; ++i) {
    const size_t node = nodes[i];
    workers_.push_back(node);
    grid::WorkerConfig cfg;
    for (const auto& m : options_.models) cfg.models.push_back({m, 4096, 32768});
    cfg.slots = options_.worker_slots;
    cfg.name = "sim-worker-" + std::to_string(i);
    cfg.backend_kind = "sim";
    auto core = std::make_unique<grid::WorkerCore>(net_.peer_id(node), cfg);
    grid::WorkerCore* c = core.get();
    worker_cores_[node] = std::move(core);
    for (const auto& t : c->topics()) net_.subscribe(node, t);
    validate_with(net_, node, c);
    publish(node, c->start(now, wall));
    net_.every(options_.tick, [this, node] { worker_tick(node); });
  }
}

void GridNet::subscribe_new(size_t node) {
  grid::ApiNodeCore* c = apis_.at(node).get();
  for (const std::string& t : c->topics(c->models_seen())) {
    if (subscribed_[node].insert(t).second) net_.subscribe(node, t);
  }
}

void GridNet::publish(size_t node, const grid::Publishes& out) {
  for (const grid::Publish& p : out) net_.publish_untracked(node, p.topic, p.data);
}

void GridNet::worker_tick(size_t node) {
  if (!net_.alive(node)) return;
  grid::WorkerCore* c = worker_cores_[node].get();
  // As WorkerService does: the adverts topic's listeners, so the first advert is resent once
  // someone listens and nothing is claimed before.
  c->set_advert_listeners(net_.router(node).topic_peers(grid::kWorkersTopic).size());
  auto actions = c->tick(net_.now(), net_.wall_now());
  publish(node, actions.publish);
  for (const grid::RunKey& k : actions.stop) {
    auto it = running_.find({node, key_string(k)});
    if (it == running_.end()) continue;
    runs_[it->second].end = RunRecord::End::kStopped;
    runs_[it->second].ended = net_.now();
    running_.erase(it);
  }
  for (const grid::Run& run : actions.start) {
    ++runs_started_;
    running_[{node, key_string(run.key)}] = runs_.size();
    runs_.push_back({node, run.key, net_.now()});
    const int64_t span = (options_.max_run - options_.min_run).count();
    const Duration d = options_.min_run + Duration(static_cast<int64_t>(net_.rng().uniform(
                                              static_cast<uint64_t>(span > 0 ? span : 1))));
    net_.after(node, d, [this, node, c, key = run.key] {
      auto it = running_.find({node, key_string(key)});
      if (it == running_.end()) return;  // stopped meanwhile
      runs_[it->second].end = RunRecord::End::kFinished;
      runs_[it->second].ended = net_.now();
      running_.erase(it);
      auto out =
          c->finished(key, "text of " + key_string(key), 16, "stop", net_.now(), net_.wall_now());
      results_published_ += out.size();
      publish(node, out);
    });
  }
}

grid::JobId GridNet::submit(size_t api, const std::string& model, Instant now) {
  const size_t node = api_nodes_[api];
  grid::ApiNodeCore::SubmitRequest req;
  req.model = model;
  req.prompt = "Tell me about node " + std::to_string(node);
  req.params.set_max_length(64);
  auto r = apis_[node]->submit(req, now, net_.wall_now());
  if (!r) return {};
  publish(node, r->second);
  subscribe_new(node);  // as the service's flush after a submit
  submitted_[r->first] = now;
  return r->first;
}

std::optional<Instant> GridNet::submitted_at(const grid::JobId& job) const {
  auto it = submitted_.find(job);
  if (it == submitted_.end()) return std::nullopt;
  return it->second;
}

void GridNet::crash(size_t node) { net_.crash(node); }

}  // namespace aipg::sim
