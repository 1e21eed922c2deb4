#include "api/grid_gateway.hpp"

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/log.hpp"

namespace aipg::api {

namespace {

// Queue positions and per-model counts scan the whole book: at most this often.
constexpr Duration kRefresh = std::chrono::seconds(2);

}  // namespace

GridGateway::GridGateway(runtime::Runtime& rt, node::ApiNodeService& service, WriteFn write)
    : rt_(rt), service_(service), write_(std::move(write)) {}

std::optional<std::string> GridGateway::choose_model(const std::vector<std::string>& models) const {
  const grid::PeerDirectory& dir = core().directory();
  const Instant t = now();
  for (const std::string& m : models) {
    if (!dir.workers_for(m, t).empty()) return m;
  }
  if (!models.empty()) return models.front();
  std::optional<std::string> best;
  size_t most = 0;
  for (const std::string& m : core().models_seen()) {
    const size_t n = dir.workers_for(m, t).size();
    if (n > most) best = m, most = n;
  }
  return best;
}

Result<grid::JobId> GridGateway::submit(const TextRequest& r, const std::string& model) {
  grid::ApiNodeCore::SubmitRequest req;
  req.model = model;
  req.prompt = r.prompt;
  for (const ChatMessage& m : r.messages) {
    grid::pb::ChatMessage& c = req.messages.emplace_back();
    c.set_role(m.role);
    c.set_content(m.content);
  }
  req.params = r.params;
  req.n = r.n;
  auto s = core().submit(req, now(), rt_.clock.wall_now());
  if (!s) return s.error();
  // Durable before anyone hears of it: a crash after this line loses nothing accepted.
  if (Status w = write(core().take_persist()); !w) {
    // Not stored, so not accepted: withdraw it before anyone hears of it.
    (void)core().cancel(s->first, "not stored", now(), rt_.clock.wall_now());
    (void)core().take_persist();
    return make_error(Errc::io, "the job could not be stored: " + w.error().message);
  }
  ++stats_.submitted;
  tracked_[s->first] = {now(), false};
  service_.publish(std::move(s->second));
  return s->first;
}

Result<void> GridGateway::cancel(const grid::JobId& id, std::string reason) {
  AIPG_TRY_ASSIGN(grid::Publishes p,
                  core().cancel(id, std::move(reason), now(), rt_.clock.wall_now()));
  persist(core().take_persist());
  ++stats_.cancelled;
  service_.publish(std::move(p));
  return ok();
}

void GridGateway::persist(std::vector<grid::Persist> records) { (void)write(std::move(records)); }

Status GridGateway::write(std::vector<grid::Persist> records) {
  if (!write_ || records.empty()) return ok();
  Status w = write_(std::move(records));
  store_healthy_ = w.has_value();
  if (!w) {
    ++stats_.store_errors;
    log::error("{}", w.error().to_string());
  }
  return w;
}

void GridGateway::changed(const std::vector<grid::JobId>& jobs) {
  for (boost::asio::steady_timer* t : waiters_) t->cancel();
  const Instant t = now();
  for (const grid::JobId& id : jobs) {
    if (auto it = tracked_.find(id); it != tracked_.end()) observe(it, t);
  }
  if (t - swept_ < std::chrono::seconds(5)) return;
  swept_ = t;
  for (auto it = tracked_.begin(); it != tracked_.end();) observe(it++, t);
}

// Records the claim and job latencies of one of our jobs; forgets it once finished.
void GridGateway::observe(std::unordered_map<grid::JobId, Tracked>::iterator it, Instant t) {
  auto seconds = [&](Instant from) { return std::chrono::duration<double>(t - from).count(); };
  auto st = core().job_status(it->first, t);
  if (st && !it->second.claimed && st->claims > 0) {
    it->second.claimed = true;
    if (claim_latency_) claim_latency_->observe(seconds(it->second.submitted));
  }
  if (!st || grid::is_finished(st->state)) {
    if (st && st->state == grid::JobState::kDone && job_latency_) {
      job_latency_->observe(seconds(it->second.submitted));
    }
    partial_.forget(it->first);
    tracked_.erase(it);
  }
}

bool GridGateway::on_output(const grid::PeerId& sender, const grid::OutputStreamReader::Opened& run,
                            std::vector<std::string> pieces) {
  if (!tracked_.contains(run.job_id)) return false;
  const std::optional<grid::JobView> v = core().job(run.job_id, now());
  if (!v || grid::is_finished(v->state)) return false;
  if (!partial_.add(sender, *v, run.attempt, run.generation, pieces)) return false;
  if (!pieces.empty()) wake();
  return true;
}

void GridGateway::wake() {
  if (wake_posted_) return;
  wake_posted_ = true;
  rt_.executor.post([this, alive = alive_] {
    if (!*alive) return;
    wake_posted_ = false;
    for (boost::asio::steady_timer* t : waiters_) t->cancel();
  });
}

boost::asio::awaitable<void> GridGateway::wait_change(
    std::chrono::steady_clock::time_point deadline) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, deadline);
  waiters_.insert(&timer);
  boost::system::error_code ec;
  co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  waiters_.erase(&timer);
}

void GridGateway::refresh() {
  const Instant t = now();
  if (refreshed_ != kNever && t - refreshed_ < kRefresh) return;
  refreshed_ = t;
  model_stats_ = core().model_stats(t);
  // Queue positions: queued jobs of each model by age.
  std::map<std::string, std::vector<std::pair<uint64_t, grid::JobId>>> queued;
  core().for_each_status(
      t, [&](const grid::JobId& id, const grid::JobStatus& st, const grid::pb::JobAnnounce& a) {
        if (st.state == grid::JobState::kQueued) queued[a.model()].emplace_back(a.created_ms(), id);
      });
  queue_position_.clear();
  for (auto& [model, jobs] : queued) {
    std::sort(jobs.begin(), jobs.end());
    for (size_t i = 0; i < jobs.size(); ++i) queue_position_[jobs[i].second] = i;
  }
}

const std::map<std::string, grid::ModelStats>& GridGateway::model_stats() {
  refresh();
  return model_stats_;
}

QueueInfo GridGateway::queue_info(const grid::JobView& v) {
  refresh();
  QueueInfo q;
  if (auto it = queue_position_.find(v.id); it != queue_position_.end()) q.position = it->second;
  if (auto it = model_stats_.find(v.announce->model()); it != model_stats_.end()) {
    q.workers = it->second.workers;
  }
  // Without run times measured yet: a job ahead of us per worker takes about ten seconds.
  if (v.state == grid::JobState::kQueued) {
    q.eta_s = q.workers == 0 ? 0 : 10.0 * double(q.position + 1) / double(q.workers);
  }
  return q;
}

}  // namespace aipg::api
