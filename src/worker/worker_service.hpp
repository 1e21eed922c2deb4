// WorkerService — runs a WorkerCore on a GossipsubService and a Backend: subscribes to its
// topics, makes the core the gossipsub validator, ticks it after messages and at its deadlines,
// starts and stops runs on the backend as the core says, and publishes claims and results.
// Around the protocol (which is grid::WorkerCore's) it keeps the worker honest about itself:
// - health: the backend is checked before the first advert and every health_interval; a change
//   is advertised at once and an unhealthy worker claims nothing;
// - timeouts: each run gets base + max_length × measured seconds per token × factor (the speed
//   measured per model from finished runs), then is cancelled and released with JobFailed;
// - output: each run's text, as the backend produces it, goes to the job's origin node through
//   the OutputStreamSender (when one is given);
// - shutdown: drain() stops claiming, lets running jobs finish for a while, then releases the
//   rest with JobFailed so that their origins re-announce them at once.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "node/gossipsub_service.hpp"
#include "node/output_stream_sender.hpp"
#include "protocol/grid/worker_core.hpp"
#include "worker/backend.hpp"

namespace aipg::worker {

struct WorkerServiceConfig {
  // Grid model name → the backend's name for it (absent: the same name).
  std::map<std::string, std::string> backend_models;
  Duration health_interval = std::chrono::seconds(10);
  Duration timeout_base = std::chrono::seconds(30);              // loading, prompt processing
  Duration initial_token_time = std::chrono::milliseconds(250);  // until a run is measured
  double timeout_factor = 3;
  Duration timeout_max = std::chrono::minutes(30);
  Duration drain = std::chrono::seconds(10);  // shutdown: how long running jobs may go on
};

struct WorkerServiceStats {
  uint64_t runs_started = 0, runs_finished = 0, runs_failed = 0, runs_stopped = 0;
  uint64_t runs_timed_out = 0, runs_released = 0;
  uint64_t published = 0, publish_failures = 0;
  uint64_t health_checks = 0, health_failures = 0;
};

class WorkerService {
 public:
  // `output` may be null: no streaming of partial output.
  WorkerService(runtime::Runtime& rt, node::GossipsubService& ps, grid::WorkerCore& core,
                Backend& backend, WorkerServiceConfig config,
                node::OutputStreamSender* output = nullptr);
  ~WorkerService();
  WorkerService(const WorkerService&) = delete;
  WorkerService& operator=(const WorkerService&) = delete;

  // Checks the backend, then advertises and starts taking jobs.
  void start();
  // Stops claiming; calls `done` once no run is left, releasing what still runs after
  // config.drain (or at once when `now` is set).
  void drain(std::function<void()> done, bool now = false);

  const WorkerServiceStats& stats() const { return stats_; }
  // Seconds per token measured for a grid model (initial_token_time until measured).
  double token_seconds(const std::string& model) const;
  // The time a run of `max_length` tokens of `model` gets.
  Duration run_timeout(const std::string& model, uint32_t max_length) const;

 private:
  struct Active {
    std::string model;
    Instant started{};
    runtime::TimerId timeout = runtime::kNoTimer;
  };

  void tick();
  void schedule();
  void publish(grid::Publishes p);
  void start_run(const grid::Run& run);
  void on_done(const grid::RunKey& key, Result<Generation> r);
  // Ends a run the backend still has: cancelled there, released on the grid with `reason`.
  void release(const grid::RunKey& key, const std::string& reason);
  void forget(const grid::RunKey& key);
  void check_health();
  void on_health(Result<std::vector<std::string>> r);
  void maybe_drained();

  runtime::Runtime& rt_;
  node::GossipsubService& ps_;
  grid::WorkerCore& core_;
  Backend& backend_;
  WorkerServiceConfig config_;
  node::OutputStreamSender* output_;
  runtime::TimerId timer_ = runtime::kNoTimer;
  Instant timer_at_ = kNever;
  bool tick_posted_ = false;
  bool started_ = false;
  runtime::TimerId health_timer_ = runtime::kNoTimer;
  std::string health_problem_;  // the last failure logged, so each is logged once
  std::map<grid::RunKey, Active> active_;
  std::map<std::string, double> token_seconds_;  // by grid model, a moving average
  bool draining_ = false;
  runtime::TimerId drain_timer_ = runtime::kNoTimer;
  std::function<void()> drained_;
  WorkerServiceStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace aipg::worker
