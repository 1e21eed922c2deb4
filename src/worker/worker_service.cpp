#include "worker/worker_service.hpp"

#include <algorithm>

#include "base/log.hpp"
#include "node/grid_glue.hpp"
#include "protocol/grid/topics.hpp"

namespace aipg::worker {
namespace {

// Where the origin node takes output streams: from its latest advert (it may have restarted on
// other ports since), then from the job's announce (we may not have heard an advert of it yet).
std::vector<wire::Multiaddr> stream_addrs(const grid::PeerDirectory& dir, const grid::Run& run) {
  std::vector<wire::Multiaddr> out;
  auto add = [&](const std::string& b) {
    auto m = wire::Multiaddr::from_bytes(as_bytes(b));
    if (m && std::find(out.begin(), out.end(), *m) == out.end()) out.push_back(std::move(*m));
  };
  if (const grid::pb::NodeAdvert* a = dir.node_advert(run.origin)) {
    for (const std::string& b : a->addrs()) add(b);
  }
  for (const std::string& b : run.origin_addrs) add(b);
  return out;
}

}  // namespace

WorkerService::WorkerService(runtime::Runtime& rt, node::GossipsubService& ps,
                             grid::WorkerCore& core, Backend& backend, WorkerServiceConfig config,
                             node::OutputStreamSender* output)
    : rt_(rt),
      ps_(ps),
      core_(core),
      backend_(backend),
      config_(std::move(config)),
      output_(output) {}

WorkerService::~WorkerService() {
  *alive_ = false;
  for (runtime::TimerId t : {timer_, health_timer_, drain_timer_}) {
    if (t != runtime::kNoTimer) rt_.timers.cancel(t);
  }
  for (const auto& [key, a] : active_) {
    if (a.timeout != runtime::kNoTimer) rt_.timers.cancel(a.timeout);
  }
  ps_.set_validator(nullptr);
  ps_.set_on_subscribed(nullptr);
}

void WorkerService::start() {
  ps_.set_validator(
      [this](const gossipsub::PeerId&, const gossipsub::MessageId&, const gossipsub::Message& m) {
        grid::Verdict v = core_.on_pubsub(m, rt_.clock.now(), rt_.clock.wall_now());
        schedule();  // a message may have made a tick due at once
        return grid::to_gossip(v.validation);
      });
  // Our first advert reaches nobody when no peer listens yet, and we claim nothing until one
  // has heard us: the next advert goes as soon as an API node or relay subscribes.
  ps_.set_on_subscribed([this] {
    core_.set_advert_listeners(ps_.router().topic_peers(grid::kWorkersTopic).size());
    schedule();
  });
  for (const std::string& t : core_.topics()) ps_.subscribe(t);
  check_health();  // the first advert goes out with its answer
}

void WorkerService::check_health() {
  ++stats_.health_checks;
  backend_.check([this, alive = alive_](Result<std::vector<std::string>> r) {
    if (*alive) on_health(std::move(r));
  });
}

void WorkerService::on_health(Result<std::vector<std::string>> r) {
  if (!r) {
    ++stats_.health_failures;
    if (r.error().message != health_problem_) {
      health_problem_ = r.error().message;
      log::warn("backend {} unhealthy: {}", backend_.kind(), health_problem_);
    }
  } else {
    if (!health_problem_.empty() || !started_) {
      log::info("backend {} healthy", backend_.kind());
    }
    health_problem_.clear();
    // A model the backend does not list is told once; servers like llama-server answer to any
    // name, so it is not a reason to stop.
    for (const auto& [grid_name, name] : config_.backend_models) {
      if (!r->empty() && std::find(r->begin(), r->end(), name) == r->end()) {
        log::warn("backend {} does not list model {} (for {}); it lists {} model(s)",
                  backend_.kind(), name, grid_name, r->size());
      }
    }
  }
  if (!draining_) core_.set_healthy(r.has_value());
  if (!started_) {
    started_ = true;
    publish(core_.start(rt_.clock.now(), rt_.clock.wall_now()));
  }
  schedule();
  health_timer_ =
      rt_.timers.schedule_at(rt_.clock.now() + config_.health_interval, [this, alive = alive_] {
        if (!*alive) return;
        health_timer_ = runtime::kNoTimer;
        check_health();
      });
}

void WorkerService::publish(grid::Publishes p) {
  stats_.published += p.size();
  stats_.publish_failures += node::publish_all(ps_, std::move(p));
}

void WorkerService::tick() {
  if (!started_) return;
  const Instant now = rt_.clock.now();
  // Peers leave without a word to us: the count is refreshed here too.
  core_.set_advert_listeners(ps_.router().topic_peers(grid::kWorkersTopic).size());
  grid::WorkerCore::Actions a = core_.tick(now, rt_.clock.wall_now());
  for (const grid::RunKey& k : a.stop) {
    ++stats_.runs_stopped;
    backend_.cancel(k);
    if (output_) output_->abort(k);
    forget(k);
  }
  publish(std::move(a.publish));
  for (const grid::Run& run : a.start) start_run(run);
  schedule();
  maybe_drained();
}

double WorkerService::token_seconds(const std::string& model) const {
  auto it = token_seconds_.find(model);
  if (it != token_seconds_.end()) return it->second;
  return std::chrono::duration<double>(config_.initial_token_time).count();
}

Duration WorkerService::run_timeout(const std::string& model, uint32_t max_length) const {
  const double s =
      config_.timeout_factor * token_seconds(model) * std::max<uint32_t>(1, max_length);
  const Duration d =
      config_.timeout_base + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
  return std::min(d, config_.timeout_max);
}

void WorkerService::start_run(const grid::Run& run) {
  const grid::RunKey key = run.key;
  if (draining_) {  // won a claim made before the drain: give it back at once
    ++stats_.runs_released;
    publish(core_.failed(key, "worker shutting down", rt_.clock.now(), rt_.clock.wall_now()));
    return;
  }
  ++stats_.runs_started;
  auto it = config_.backend_models.find(run.model);
  const std::string& model = it == config_.backend_models.end() ? run.model : it->second;
  const Duration limit = run_timeout(run.model, run.params.max_length());
  Active& a = active_[key];
  a.model = run.model;
  a.started = rt_.clock.now();
  a.timeout = rt_.timers.schedule_at(a.started + limit, [this, key, limit, alive = alive_] {
    if (!*alive) return;
    if (auto it = active_.find(key); it != active_.end()) it->second.timeout = runtime::kNoTimer;
    ++stats_.runs_timed_out;
    const double ms = std::chrono::duration<double, std::milli>(limit).count();
    release(key, "timed out after " + std::to_string(int64_t(ms)) + " ms");
  });
  if (output_) output_->begin(key, run.origin, stream_addrs(core_.directory(), run));
  TextFn on_text;
  if (output_) {
    on_text = [this, key, alive = alive_](std::string_view piece) {
      if (*alive) output_->piece(key, piece);
    };
  }
  backend_.start(run, model, std::move(on_text), [this, key, alive = alive_](Result<Generation> r) {
    if (*alive) on_done(key, std::move(r));
  });
}

void WorkerService::on_done(const grid::RunKey& key, Result<Generation> r) {
  auto it = active_.find(key);
  if (it == active_.end()) return;  // released meanwhile
  const Instant now = rt_.clock.now();
  const WallTime wall = rt_.clock.wall_now();
  if (r) {
    ++stats_.runs_finished;
    if (r->tokens > 0) {  // the speed this model runs at here, for the next runs' timeouts
      const double s =
          std::chrono::duration<double>(now - it->second.started).count() / double(r->tokens);
      auto [m, fresh] = token_seconds_.try_emplace(it->second.model, s);
      if (!fresh) m->second = 0.7 * m->second + 0.3 * s;
    }
    if (output_) output_->end(key);
    publish(
        core_.finished(key, std::move(r->text), r->tokens, std::move(r->finish_reason), now, wall));
  } else {
    ++stats_.runs_failed;
    log::warn("run failed: {}", r.error().to_string());
    if (output_) output_->abort(key);
    publish(core_.failed(key, r.error().to_string(), now, wall));
  }
  forget(key);
  schedule();  // a slot is free
  maybe_drained();
}

void WorkerService::release(const grid::RunKey& key, const std::string& reason) {
  if (!active_.contains(key)) return;
  log::warn("run of job {} released: {}", to_hex(as_bytes(key.job_id)), reason);
  backend_.cancel(key);
  if (output_) output_->abort(key);
  forget(key);
  publish(core_.failed(key, reason, rt_.clock.now(), rt_.clock.wall_now()));
  schedule();
  maybe_drained();
}

void WorkerService::forget(const grid::RunKey& key) {
  auto it = active_.find(key);
  if (it == active_.end()) return;
  if (it->second.timeout != runtime::kNoTimer) rt_.timers.cancel(it->second.timeout);
  active_.erase(it);
}

void WorkerService::drain(std::function<void()> done, bool now) {
  if (!draining_) {
    draining_ = true;
    core_.set_healthy(false);  // advertised at the next tick: no more claims come our way
    log::info("draining: {} run(s) may go on for {} ms", active_.size(),
              std::chrono::duration_cast<std::chrono::milliseconds>(config_.drain).count());
  }
  drained_ = std::move(done);
  auto release_all = [this] {
    std::vector<grid::RunKey> keys;
    for (const auto& [key, a] : active_) keys.push_back(key);
    for (const grid::RunKey& k : keys) {
      ++stats_.runs_released;
      release(k, "worker shutting down");
    }
  };
  if (now) {
    release_all();
  } else if (drain_timer_ == runtime::kNoTimer) {
    drain_timer_ = rt_.timers.schedule_at(rt_.clock.now() + config_.drain,
                                          [this, release_all, alive = alive_] {
                                            if (!*alive) return;
                                            drain_timer_ = runtime::kNoTimer;
                                            release_all();
                                          });
  }
  tick();  // the unhealthy advert goes out now
  maybe_drained();
}

void WorkerService::maybe_drained() {
  // Claims still in their window count too: one we win is given back as it starts.
  if (!draining_ || !active_.empty() || core_.slots_busy() > 0 || !drained_) return;
  auto done = std::move(drained_);
  drained_ = nullptr;
  rt_.executor.post([done = std::move(done), alive = alive_] {
    if (*alive) done();
  });
}

// Ticks are posted rather than run inside the validator: the router is mid-delivery there.
void WorkerService::schedule() {
  if (!started_) return;
  const Instant now = rt_.clock.now();
  const Instant due = core_.next_deadline();
  if (due <= now) {
    if (tick_posted_) return;
    tick_posted_ = true;
    rt_.executor.post([this, alive = alive_] {
      if (!*alive) return;
      tick_posted_ = false;
      tick();
    });
    return;
  }
  if (timer_ != runtime::kNoTimer && timer_at_ <= due) return;
  if (timer_ != runtime::kNoTimer) rt_.timers.cancel(timer_);
  timer_at_ = due;
  timer_ = rt_.timers.schedule_at(due, [this, alive = alive_] {
    if (!*alive) return;
    timer_ = runtime::kNoTimer;
    timer_at_ = kNever;
    tick();
  });
}

}  // namespace aipg::worker
