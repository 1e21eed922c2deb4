// ApiNodeService — runs an ApiNodeCore on a GossipsubService: subscribes to its topics (and to
// the jobs topic of every model it learns of), makes the core the gossipsub validator, ticks it
// at its deadlines and publishes what it says. No protocol logic: that is grid::ApiNodeCore.
//
// After each burst of messages or a tick, one posted task tells the shell above (HTTP) that the
// book may have changed (on_change) and hands it what the core queued for disk (on_persist).
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "node/gossipsub_service.hpp"
#include "protocol/grid/api_core.hpp"

namespace aipg::node {

struct ApiNodeServiceStats {
  uint64_t messages_in = 0;  // grid messages judged
  uint64_t published = 0;
  uint64_t publish_failures = 0;
  std::map<std::string, uint64_t> validation;  // accept / ignore / reject
};

class ApiNodeService {
 public:
  // The jobs that changed since the last call (see ApiNodeCore::take_changed).
  using ChangeFn = std::function<void(std::vector<grid::JobId>)>;
  using PersistFn = std::function<void(std::vector<grid::Persist>)>;

  ApiNodeService(runtime::Runtime& rt, GossipsubService& ps, grid::ApiNodeCore& core);
  ~ApiNodeService();
  ApiNodeService(const ApiNodeService&) = delete;
  ApiNodeService& operator=(const ApiNodeService&) = delete;

  void set_on_change(ChangeFn fn) { on_change_ = std::move(fn); }
  void set_on_persist(PersistFn fn) { on_persist_ = std::move(fn); }

  // Subscribes, installs the validator, publishes the core's start() (and `restored`, the
  // announces a restore returned) and starts ticking.
  void start(grid::Publishes restored = {});
  // Publishes what submit()/cancel() returned and wakes the tick (a deadline may have moved).
  void publish(grid::Publishes p);

  grid::ApiNodeCore& core() { return core_; }
  const ApiNodeServiceStats& stats() const { return stats_; }
  // Topics subscribed to.
  const std::set<std::string>& topics() const { return subscribed_; }

 private:
  void subscribe_new();
  void tick();
  void schedule();
  void mark_changed();
  void flush();

  runtime::Runtime& rt_;
  GossipsubService& ps_;
  grid::ApiNodeCore& core_;
  ChangeFn on_change_;
  PersistFn on_persist_;
  std::set<std::string> subscribed_;
  runtime::TimerId timer_ = runtime::kNoTimer;
  Instant timer_at_ = kNever;
  bool flush_posted_ = false;
  ApiNodeServiceStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace aipg::node
