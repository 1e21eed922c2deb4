#include "node/api_node_service.hpp"

#include "node/grid_glue.hpp"

namespace aipg::node {

ApiNodeService::ApiNodeService(runtime::Runtime& rt, GossipsubService& ps, grid::ApiNodeCore& core)
    : rt_(rt), ps_(ps), core_(core) {}

ApiNodeService::~ApiNodeService() {
  *alive_ = false;
  if (timer_ != runtime::kNoTimer) rt_.timers.cancel(timer_);
  ps_.set_validator(nullptr);
}

void ApiNodeService::start(grid::Publishes restored) {
  ps_.set_validator(
      [this](const gossipsub::PeerId&, const gossipsub::MessageId&, const gossipsub::Message& m) {
        ++stats_.messages_in;
        grid::Verdict v = core_.on_pubsub(m, rt_.clock.now(), rt_.clock.wall_now());
        ++stats_.validation[grid::to_string(v.validation)];
        if (v.validation == grid::Validation::kReject) {
          log::debug("grid: rejected a message on {}: {} {}", m.topic,
                     v.reason ? grid::to_string(*v.reason) : "?", v.detail);
        }
        mark_changed();
        return grid::to_gossip(v.validation);
      });
  subscribe_new();
  publish(core_.start(rt_.clock.now(), rt_.clock.wall_now()));
  publish(std::move(restored));
  schedule();
}

void ApiNodeService::publish(grid::Publishes p) {
  stats_.published += p.size();
  stats_.publish_failures += publish_all(ps_, std::move(p));
  mark_changed();
}

void ApiNodeService::subscribe_new() {
  for (const std::string& t : core_.topics(core_.models_seen())) {
    if (subscribed_.insert(t).second) ps_.subscribe(t);
  }
}

void ApiNodeService::tick() {
  timer_ = runtime::kNoTimer;
  timer_at_ = kNever;
  publish(core_.tick(rt_.clock.now(), rt_.clock.wall_now()));
}

// One timer at the core's next deadline; re-armed after every flush, so a deadline moved
// earlier by a message or a submit is honoured.
void ApiNodeService::schedule() {
  const Instant due = std::max(core_.next_deadline(), rt_.clock.now());
  if (timer_ != runtime::kNoTimer && timer_at_ <= due) return;
  if (timer_ != runtime::kNoTimer) rt_.timers.cancel(timer_);
  timer_at_ = due;
  timer_ = rt_.timers.schedule_at(due, [this, alive = alive_] {
    if (*alive) tick();
  });
}

void ApiNodeService::mark_changed() {
  if (flush_posted_) return;
  flush_posted_ = true;
  rt_.executor.post([this, alive = alive_] {
    if (!*alive) return;
    flush_posted_ = false;
    flush();
  });
}

void ApiNodeService::flush() {
  subscribe_new();
  if (on_persist_) {
    if (auto records = core_.take_persist(); !records.empty()) on_persist_(std::move(records));
  }
  if (on_change_) on_change_(core_.take_changed());
  schedule();
}

}  // namespace aipg::node
