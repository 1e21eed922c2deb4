// GridGateway — what the HTTP routes ask of the grid: submit a job (written to the store before
// it is published, so a 202 is never a promise the node could forget), cancel, look jobs up,
// wait until a job changes, and the per-model figures (queue positions, live workers) that
// status polls need, recomputed at most every 2 s so that a poll costs O(log n).
// One thread: everything runs on the node's io_context.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/metrics.hpp"
#include "api/partial_output.hpp"
#include "api/text_request.hpp"
#include "node/api_node_service.hpp"
#include "protocol/grid/output_stream.hpp"

namespace aipg::api {

struct GatewayStats {
  uint64_t submitted = 0, cancelled = 0;
  uint64_t store_errors = 0;
};

// What a status poll shows beyond the job's own facts.
struct QueueInfo {
  size_t position = 0;  // queued jobs of the same model created before this one
  size_t workers = 0;   // live workers serving the model
  double eta_s = 0;     // a rough wait: ten seconds a job ahead, shared among the workers
};

class GridGateway {
 public:
  // Writes records durably (the store); an error means they are not on disk. Null: nothing is
  // persisted (no --data-dir).
  using WriteFn = std::function<Status(std::vector<grid::Persist>)>;

  GridGateway(runtime::Runtime& rt, node::ApiNodeService& service, WriteFn write);
  ~GridGateway() { *alive_ = false; }
  GridGateway(const GridGateway&) = delete;
  GridGateway& operator=(const GridGateway&) = delete;

  grid::ApiNodeCore& core() { return service_.core(); }
  const grid::ApiNodeCore& core() const { return service_.core(); }
  Instant now() const { return rt_.clock.now(); }

  // The model to run a request on: the first of `models` that a live worker serves, else the
  // first named; with none named, the model with the most live workers. Error: none at all.
  std::optional<std::string> choose_model(const std::vector<std::string>& models) const;
  // Writes and publishes. The error is the store's or the core's (naming the field and limit).
  Result<grid::JobId> submit(const TextRequest& r, const std::string& model);
  Result<void> cancel(const grid::JobId& id, std::string reason);

  // Persists what the core queued (facts taken from the grid): called by the service's flush.
  void persist(std::vector<grid::Persist> records);
  // Whether the last write succeeded (for /readyz).
  bool store_healthy() const { return store_healthy_; }
  // Wakes every wait_change() and observes the latencies of those of `jobs` that are ours:
  // called by the service's flush.
  void changed(const std::vector<grid::JobId>& jobs);
  // Claim latency: submit → the first claim that counts; job latency: submit → done.
  void set_latency_histograms(Histogram* claim, Histogram* job) {
    claim_latency_ = claim;
    job_latency_ = job;
  }
  // Returns when something may have changed, or at `deadline`.
  boost::asio::awaitable<void> wait_change(std::chrono::steady_clock::time_point deadline);

  // Pieces of a running generation's output from the worker running it (/aipg/stream/1).
  // False: not wanted (not our open job, or not that sender's run); the stream should end.
  bool on_output(const grid::PeerId& sender, const grid::OutputStreamReader::Opened& run,
                 std::vector<std::string> pieces);
  // A running generation's output so far, from its winner (see PartialOutput).
  std::optional<std::string_view> partial_text(const grid::JobView& v, uint32_t generation) const {
    return partial_.text(v, generation);
  }

  QueueInfo queue_info(const grid::JobView& v);
  const std::map<std::string, grid::ModelStats>& model_stats();
  const GatewayStats& stats() const { return stats_; }

 private:
  void refresh();
  // Wakes every wait_change() once, after the current handler: pieces come in bursts.
  void wake();
  // Writes records through write_ (nothing without one), counting and logging a failure.
  Status write(std::vector<grid::Persist> records);

  runtime::Runtime& rt_;
  node::ApiNodeService& service_;
  WriteFn write_;
  bool store_healthy_ = true;
  GatewayStats stats_;
  std::set<boost::asio::steady_timer*> waiters_;
  bool wake_posted_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  PartialOutput partial_;
  // Refreshed at most every 2 s.
  Instant refreshed_ = kNever;
  std::map<std::string, grid::ModelStats> model_stats_;
  std::unordered_map<grid::JobId, size_t> queue_position_;
  struct Tracked {
    Instant submitted{};
    bool claimed = false;
  };
  std::unordered_map<grid::JobId, Tracked> tracked_;  // our open jobs
  Instant swept_{};  // tracked_ is swept for jobs that time finished (ttl) every few seconds
  void observe(std::unordered_map<grid::JobId, Tracked>::iterator it, Instant t);
  Histogram* claim_latency_ = nullptr;
  Histogram* job_latency_ = nullptr;
};

}  // namespace aipg::api
