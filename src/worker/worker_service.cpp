#include "worker/worker_service.hpp"

#include "base/log.hpp"
#include "node/grid_glue.hpp"

namespace aipg::worker {

WorkerService::WorkerService(runtime::Runtime& rt, node::GossipsubService& ps,
                             grid::WorkerCore& core, Backend& backend,
                             std::map<std::string, std::string> backend_models)
    : rt_(rt),
      ps_(ps),
      core_(core),
      backend_(backend),
      backend_models_(std::move(backend_models)) {}

WorkerService::~WorkerService() {
  *alive_ = false;
  if (timer_ != runtime::kNoTimer) rt_.timers.cancel(timer_);
  ps_.set_validator(nullptr);
}

void WorkerService::start() {
  ps_.set_validator(
      [this](const gossipsub::PeerId&, const gossipsub::MessageId&, const gossipsub::Message& m) {
        grid::Verdict v = core_.on_pubsub(m, rt_.clock.now(), rt_.clock.wall_now());
        schedule();  // a message may have made a tick due at once
        return grid::to_gossip(v.validation);
      });
  for (const std::string& t : core_.topics()) ps_.subscribe(t);
  publish(core_.start(rt_.clock.now(), rt_.clock.wall_now()));
  schedule();
}

void WorkerService::publish(grid::Publishes p) {
  stats_.published += p.size();
  stats_.publish_failures += node::publish_all(ps_, std::move(p));
}

void WorkerService::tick() {
  const Instant now = rt_.clock.now();
  grid::WorkerCore::Actions a = core_.tick(now, rt_.clock.wall_now());
  for (const grid::RunKey& k : a.stop) {
    ++stats_.runs_stopped;
    backend_.cancel(k);
  }
  publish(std::move(a.publish));
  for (const grid::Run& run : a.start) {
    ++stats_.runs_started;
    auto it = backend_models_.find(run.model);
    const std::string& model = it == backend_models_.end() ? run.model : it->second;
    const grid::RunKey key = run.key;
    backend_.start(
        run, model, [](std::string_view) {},
        [this, key, alive = alive_](Result<Generation> r) {
          if (*alive) on_done(key, std::move(r));
        });
  }
  schedule();
}

void WorkerService::on_done(const grid::RunKey& key, Result<Generation> r) {
  const Instant now = rt_.clock.now();
  const WallTime wall = rt_.clock.wall_now();
  if (r) {
    ++stats_.runs_finished;
    publish(
        core_.finished(key, std::move(r->text), r->tokens, std::move(r->finish_reason), now, wall));
  } else {
    ++stats_.runs_failed;
    log::warn("run failed: {}", r.error().to_string());
    publish(core_.failed(key, r.error().to_string(), now, wall));
  }
  schedule();  // a slot is free
}

// Ticks are posted rather than run inside the validator: the router is mid-delivery there.
void WorkerService::schedule() {
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
