// WorkerService — runs a WorkerCore on a GossipsubService and a Backend: subscribes to its
// topics, makes the core the gossipsub validator, ticks it after messages and at its deadlines,
// starts and stops runs on the backend as the core says, and publishes claims and results. No
// protocol logic: that is grid::WorkerCore.
#pragma once

#include <map>
#include <string>

#include "node/gossipsub_service.hpp"
#include "protocol/grid/worker_core.hpp"
#include "worker/backend.hpp"

namespace aipg::worker {

struct WorkerServiceStats {
  uint64_t runs_started = 0, runs_finished = 0, runs_failed = 0, runs_stopped = 0;
  uint64_t published = 0, publish_failures = 0;
};

class WorkerService {
 public:
  // `backend_models`: grid model name → the backend's name for it (absent: the same name).
  WorkerService(runtime::Runtime& rt, node::GossipsubService& ps, grid::WorkerCore& core,
                Backend& backend, std::map<std::string, std::string> backend_models);
  ~WorkerService();
  WorkerService(const WorkerService&) = delete;
  WorkerService& operator=(const WorkerService&) = delete;

  void start();
  const WorkerServiceStats& stats() const { return stats_; }

 private:
  void tick();
  void schedule();
  void publish(grid::Publishes p);
  void on_done(const grid::RunKey& key, Result<Generation> r);

  runtime::Runtime& rt_;
  node::GossipsubService& ps_;
  grid::WorkerCore& core_;
  Backend& backend_;
  std::map<std::string, std::string> backend_models_;
  runtime::TimerId timer_ = runtime::kNoTimer;
  Instant timer_at_ = kNever;
  bool tick_posted_ = false;
  WorkerServiceStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace aipg::worker
