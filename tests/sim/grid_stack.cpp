#include "grid_stack.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "protocol/grid/topics.hpp"

namespace aipg::sim {
namespace {

// A key per (seed, process): other seeds give other peer ids, and so other claim ranks.
wire::KeyPair key_of(uint64_t seed, size_t index) {
  Bytes s(32, 0x6b);
  put_be64(s.data(), seed);
  put_be64(s.data() + 8, index);
  return *wire::KeyPair::from_seed(s);
}

// The randomness of one incarnation of one process, apart from every other's.
uint64_t rng_seed_of(uint64_t seed, size_t index, uint32_t incarnation) {
  return seed * 0x9e3779b97f4a7c15ULL ^ (uint64_t(index) << 20) ^ incarnation;
}

// The Horde's defaults for a request that names none (api/text_request.cpp).
grid::pb::TextParams horde_default_params() {
  grid::pb::TextParams p;
  p.set_max_length(80);
  p.set_max_context_length(2048);
  return p;
}

std::string short_id(const wire::PeerId& p) { return p.to_base58().substr(0, 12); }

}  // namespace

const char* to_string(GridStack::Role r) {
  switch (r) {
    case GridStack::Role::kBootstrap:
      return "bootstrap";
    case GridStack::Role::kApiNode:
      return "api";
    case GridStack::Role::kWorker:
      return "worker";
  }
  return "?";
}

const char* to_string(StackRun::End e) {
  switch (e) {
    case StackRun::End::kRunning:
      return "running";
    case StackRun::End::kFinished:
      return "finished";
    case StackRun::End::kFailed:
      return "failed";
    case StackRun::End::kCancelled:
      return "cancelled";
    case StackRun::End::kCrashed:
      return "crashed";
  }
  return "?";
}

GridStack::GridStack(GridStackOptions options)
    : options_(options), net_(loop_, options.link.latency, options.seed), began_(loop_.now()) {
  net_.set_default_link(options_.link);
}

// Processes go first (their destructors cancel their timers on the loop), then whatever is
// still pending on the loop, while the network its streams send through is alive: left to
// ~SimLoop, a pending dial's stream would be destroyed after ~SimNetwork, and send its reset
// into both (heap corruption a few hundred seeds into a grid_explore run).
GridStack::~GridStack() {
  *alive_ = false;
  for (Proc& p : procs_) p.live.reset();
  loop_.discard_pending();
}

size_t GridStack::add(Role role) {
  const size_t i = procs_.size();
  Proc& p = procs_.emplace_back();
  p.role = role;
  // A machine of its own: the address the network gives it is kept across restarts.
  p.ip = net_.add_node()->ip();
  p.id.key = key_of(options_.seed, i);
  p.id.ip = p.ip;
  p.peer_id = wire::PeerId::from_public_key(p.id.key.public_key());
  return i;
}

size_t GridStack::add_bootstrap() { return add(Role::kBootstrap); }

wire::Multiaddr GridStack::addr(size_t i) const {
  const Proc& p = procs_.at(i);
  return wire::Multiaddr::parse("/ip4/" + p.ip + "/tcp/" + std::to_string(p.id.port))
      ->with_p2p(p.peer_id.multihash());
}

size_t GridStack::add_api_node(app::NodeOptions options) {
  const size_t i = add(Role::kApiNode);
  options.http = procs_[i].ip + ":8080";
  procs_[i].node = std::move(options);
  return i;
}

size_t GridStack::add_worker(std::vector<std::string> models, uint32_t slots,
                             worker::TestBackendConfig backend) {
  app::WorkerOptions o;
  o.models = std::move(models);
  o.slots = slots;
  return add_configured_worker(std::move(o), std::move(backend));
}

size_t GridStack::add_configured_worker(app::WorkerOptions options,
                                        worker::TestBackendConfig backend) {
  const size_t i = add(Role::kWorker);
  procs_[i].worker = std::move(options);
  procs_[i].backend = std::move(backend);
  return i;
}

void GridStack::start(size_t i) {
  Proc& p = procs_.at(i);
  ASSERT_FALSE(p.live) << name(i) << " is already running";
  p.id.rng_seed = rng_seed_of(options_.seed, i, p.incarnation++);
  p.id.bootstrap.clear();
  for (size_t b : of_role(Role::kBootstrap)) {
    if (b != i) p.id.bootstrap.push_back(addr(b));
  }
  switch (p.role) {
    case Role::kBootstrap:
      p.live = std::make_unique<StackApiNode>(net_, p.id, /*bootstrap=*/true, p.node);
      break;
    case Role::kApiNode:
      p.live = std::make_unique<StackApiNode>(net_, p.id, /*bootstrap=*/false, p.node);
      break;
    case Role::kWorker:
      p.live = std::make_unique<StackWorker>(
          net_, p.id, p.worker, p.backend,
          [this, i](const grid::RunKey& key, RecordingBackend::Event e) { note_run(i, key, e); });
      break;
  }
  install_tap(i);
}

// In front of the validator the role's service installed as it started.
void GridStack::install_tap(size_t i) {
  if (!tap_.lose && !tap_.judged) return;
  node::GossipsubService& ps = procs_.at(i).live->grid().pubsub();
  ps.set_validator([this, i, role = ps.router().validator()](const gossipsub::PeerId& source,
                                                             const gossipsub::MessageId& id,
                                                             const gossipsub::Message& m) {
    if (tap_.lose && tap_.lose(i, m)) return gossipsub::ValidationResult::kIgnore;
    const gossipsub::ValidationResult r =
        role ? role(source, id, m) : gossipsub::ValidationResult::kAccept;
    if (tap_.judged) tap_.judged(i, m, r);
    return r;
  });
}

void GridStack::note_run(size_t worker, const grid::RunKey& key, RecordingBackend::Event e) {
  const uint32_t incarnation = procs_.at(worker).incarnation - 1;
  const auto k = std::tuple{worker, incarnation, key};
  if (e == RecordingBackend::Event::kStarted) {
    open_runs_[k] = runs_.size();
    runs_.push_back({worker, incarnation, key, loop_.now(), {}, StackRun::End::kRunning});
    return;
  }
  auto it = open_runs_.find(k);
  if (it == open_runs_.end()) return;  // cancelled after it ended
  StackRun& r = runs_[it->second];
  r.ended = loop_.now();
  r.end = e == RecordingBackend::Event::kFinished ? StackRun::End::kFinished
          : e == RecordingBackend::Event::kFailed ? StackRun::End::kFailed
                                                  : StackRun::End::kCancelled;
  open_runs_.erase(it);
}

void GridStack::start_at(size_t i, Instant t) {
  loop_.schedule_at(t, [this, i, alive = alive_] {
    if (*alive) start(i);
  });
}

void GridStack::crash(size_t i) {
  Proc& p = procs_.at(i);
  if (!p.live) return;
  p.live->transport().crash();
  p.live.reset();
  // Its runs die with it.
  for (auto it = open_runs_.begin(); it != open_runs_.end();) {
    if (std::get<0>(it->first) != i) {
      ++it;
      continue;
    }
    runs_[it->second].ended = loop_.now();
    runs_[it->second].end = StackRun::End::kCrashed;
    it = open_runs_.erase(it);
  }
}

void GridStack::restart(size_t i) {
  crash(i);
  start(i);
}

Result<grid::JobId> GridStack::submit(size_t api_index, const std::string& model, uint32_t n,
                                      std::string prompt) {
  StackApiNode* a = api(api_index);
  if (!a || a->is_bootstrap()) {
    return make_error(Errc::invalid_argument, name(api_index) + " is no running API node");
  }
  grid::ApiNodeCore::SubmitRequest req;
  req.model = model;
  req.prompt = std::move(prompt);
  req.params = horde_default_params();
  req.n = n;
  AIPG_TRY_ASSIGN(auto s, a->core().submit(req, loop_.now(), loop_.wall_now()));
  (void)a->core().take_persist();  // no store: nothing is queued, but keep it that way
  a->service().publish(std::move(s.second));
  return s.first;
}

std::optional<grid::JobView> GridStack::job(size_t api_index, const grid::JobId& id) const {
  StackApiNode* a = api(api_index);
  if (!a) return std::nullopt;
  return a->core().job(id, loop_.now());
}

std::optional<grid::JobState> GridStack::state(size_t api_index, const grid::JobId& id) const {
  StackApiNode* a = api(api_index);
  if (!a) return std::nullopt;
  auto s = a->core().job_status(id, loop_.now());
  if (!s) return std::nullopt;
  return s->state;
}

bool GridStack::run_until(const std::function<bool()>& pred, Duration limit) {
  return loop_.run_until(pred, loop_.now() + limit);
}

std::optional<size_t> GridStack::index_of(const wire::PeerId& peer) const {
  for (size_t i = 0; i < procs_.size(); ++i) {
    if (procs_[i].peer_id == peer) return i;
  }
  return std::nullopt;
}

StackApiNode* GridStack::api(size_t i) const {
  const Proc& p = procs_.at(i);
  if (p.role == Role::kWorker) return nullptr;
  return static_cast<StackApiNode*>(p.live.get());
}

StackWorker* GridStack::worker(size_t i) const {
  const Proc& p = procs_.at(i);
  if (p.role != Role::kWorker) return nullptr;
  return static_cast<StackWorker*>(p.live.get());
}

std::vector<size_t> GridStack::of_role(Role r) const {
  std::vector<size_t> out;
  for (size_t i = 0; i < procs_.size(); ++i) {
    if (procs_[i].role == r) out.push_back(i);
  }
  return out;
}

double GridStack::lowest_score(std::string* who) const {
  double lowest = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < procs_.size(); ++i) {
    if (!procs_[i].live) continue;
    node::GridHost& g = procs_[i].live->grid();
    for (const wire::PeerId& peer : g.host().connected_peers()) {
      const double s = g.pubsub().score(peer);
      if (s >= lowest) continue;
      lowest = s;
      if (who) {
        auto j = index_of(peer);
        *who = name(i) + " gives " + (j ? name(*j) : short_id(peer)) + " " + std::to_string(s);
      }
    }
  }
  return std::isinf(lowest) ? 0 : lowest;
}

std::string GridStack::name(size_t i) const {
  return std::string(to_string(procs_.at(i).role)) + "#" + std::to_string(i);
}

std::string GridStack::describe(const std::vector<grid::JobId>& jobs) const {
  std::ostringstream o;
  o << "seed " << options_.seed << ", at "
    << std::chrono::duration<double>(loop_.now() - began_).count() << " s (virtual)\n";
  for (size_t i = 0; i < procs_.size(); ++i) {
    const Proc& p = procs_[i];
    o << "  " << name(i) << " " << short_id(p.peer_id) << " (" << p.ip << "): ";
    if (!p.live) {
      o << "down\n";
      continue;
    }
    node::GridHost& g = p.live->grid();
    o << "up, " << g.host().connection_count() << " connections";
    const gossipsub::RouterStats& rs = g.pubsub().router().stats();
    o << ", gossip {forwarded " << rs.messages_forwarded << ", ihave " << rs.ihave_sent
      << ", iwant " << rs.iwant_sent << " served " << rs.iwant_served << ", results mesh "
      << g.pubsub().router().mesh_peers(grid::kResultsTopic).size() << "}";
    if (StackApiNode* a = api(i)) {
      const Instant now = loop_.now();
      o << ", " << a->core().jobs().size() << " jobs in book, "
        << a->core().directory().live_workers(now).size() << " live workers";
      o << ", rejections {";
      for (const auto& [reason, n] : a->core().rejections()) o << reason << ": " << n << ", ";
      o << "}, validation {";
      for (const auto& [v, n] : a->service().stats().validation) o << v << ": " << n << ", ";
      o << "}, published " << a->service().stats().published << " (failed "
        << a->service().stats().publish_failures << ")";
      if (!a->is_bootstrap()) o << ", output pieces " << a->output_pieces();
    }
    if (StackWorker* w = worker(i)) {
      const auto& s = w->service().stats();
      o << ", runs started " << s.runs_started << " finished " << s.runs_finished << " failed "
        << s.runs_failed << " stopped " << s.runs_stopped << " timed out " << s.runs_timed_out
        << ", published " << s.published << " (failed " << s.publish_failures << ")"
        << ", output streams " << w->output().stats().opened << " (failed "
        << w->output().stats().open_failed << "), book " << w->core().book().size() << " jobs";
    }
    o << "\n";
  }
  for (const grid::JobId& id : jobs) {
    o << "  job " << to_hex(as_bytes(id)).substr(0, 12) << ":";
    std::vector<size_t> books = of_role(Role::kBootstrap);
    for (size_t i : api_nodes()) books.push_back(i);
    for (size_t i : books) {
      o << " [" << name(i) << ": ";
      auto v = job(i, id);
      if (!v) {
        o << (procs_[i].live ? "unknown" : "down") << "]";
        continue;
      }
      o << grid::to_string(v->state) << ", attempt " << v->attempt << ", claims " << v->claims;
      for (size_t gen = 0; gen < v->generations.size(); ++gen) {
        const grid::GenerationView& g = v->generations[gen];
        o << ", g" << gen << " winner ";
        if (g.winner) {
          auto j = index_of(*g.winner);
          o << (j ? name(*j) : short_id(*g.winner));
        } else {
          o << "-";
        }
        o << " result ";
        if (g.result_author) {
          auto j = index_of(*g.result_author);
          o << (j ? name(*j) : short_id(*g.result_author)) << "@" << *g.result_attempt;
        } else {
          o << "-";
        }
      }
      if (!v->reason.empty()) o << ", " << v->reason;
      o << "]";
    }
    // What each worker's own book says: who it thinks won, and whether it delivered.
    for (size_t i : workers()) {
      StackWorker* w = worker(i);
      if (!w) continue;
      auto v = w->core().book().view(id, loop_.now());
      o << " [" << name(i) << ": ";
      if (!v) {
        o << "unknown]";
        continue;
      }
      o << grid::to_string(v->state) << ", attempt " << v->attempt << ", claims " << v->claims;
      const auto winners = w->core().book().winners(id, v->attempt);
      o << ", winners";
      for (const auto& p : winners) {
        auto j = index_of(p);
        o << " " << (j ? name(*j) : short_id(p));
      }
      o << ", own results " << w->core().book().results_by(id, w->core().self()).size() << "]";
    }
    o << "\n";
  }
  return o.str();
}

}  // namespace aipg::sim
