#include "node/api_node_service.hpp"

#include "node/grid_glue.hpp"
#include "protocol/grid/topics.hpp"

namespace aipg::node {

ApiNodeService::ApiNodeService(runtime::Runtime& rt, GossipsubService& ps, grid::ApiNodeCore& core)
    : rt_(rt), ps_(ps), core_(core) {}

ApiNodeService::~ApiNodeService() {
  *alive_ = false;
  if (timer_ != runtime::kNoTimer) rt_.timers.cancel(timer_);
  ps_.set_validator(nullptr);
  ps_.set_on_subscribed(nullptr);
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
  // Our first advert reaches nobody when no peer listens yet: the next goes as soon as one does.
  ps_.set_on_subscribed([this] {
    core_.set_advert_listeners(ps_.router().topic_peers(grid::kNodesTopic).size());
    schedule();
  });
  subscribe_new();
  publish(core_.start(rt_.clock.now(), rt_.clock.wall_now()));
  publish(std::move(restored));
  schedule();
}

// Each job fact we publish goes back to the core as the router signed it, so that our own facts
// are replayed to a node that missed them (ApiNodeCore::on_published).
void ApiNodeService::publish(grid::Publishes p) {
  stats_.published += p.size();
  stats_.publish_failures +=
      publish_all(ps_, std::move(p), [this](const std::string& topic, const gossipsub::Message& m) {
        if (grid::model_of_jobs_topic(topic)) core_.on_published(m, rt_.clock.now());
      });
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
  // Peers leave without a word to us: the count is refreshed here too.
  core_.set_advert_listeners(ps_.router().topic_peers(grid::kNodesTopic).size());
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
