#include "explore_run.hpp"

#include <algorithm>

#include "protocol/gossipsub/codec.hpp"
#include "protocol/grid/message_check.hpp"
#include "protocol/grid/rank.hpp"

namespace aipg::sim::explore {
namespace {

std::optional<grid::pb::GridMessage> parse(const gossipsub::Message& m) {
  if (!m.data) return std::nullopt;
  grid::pb::GridMessage g;
  if (!g.ParseFromArray(m.data->data(), int(m.data->size()))) return std::nullopt;
  return g;
}

// The job a fact of this kind is about, when the message is one.
std::optional<grid::JobId> fact_job(const grid::pb::GridMessage& g, FactKind kind) {
  switch (kind) {
    case FactKind::kAnnounce:
      if (g.has_announce()) return g.announce().job_id();
      break;
    case FactKind::kClaim:
      if (g.has_claim()) return g.claim().job_id();
      break;
    case FactKind::kResult:
      if (g.has_result()) return g.result().job_id();
      break;
  }
  return std::nullopt;
}

}  // namespace

ExploreRun::ExploreRun(Scenario scenario)
    : scenario_(std::move(scenario)),
      stack_({.seed = scenario_.seed, .link = {.latency = scenario_.latency}}) {
  for (const ProcessPlan& p : scenario_.processes) {
    size_t i = 0;
    switch (p.role) {
      case GridStack::Role::kBootstrap:
        i = stack_.add_bootstrap();
        break;
      case GridStack::Role::kApiNode:
        i = stack_.add_api_node();
        break;
      case GridStack::Role::kWorker: {
        worker::TestBackendConfig backend;
        backend.delay = p.backend_delay;
        i = stack_.add_worker(p.models, p.slots, backend);
        break;
      }
    }
    by_ip_[stack_.ip(i)] = i;
  }
  up_.resize(scenario_.processes.size());
  stack_.set_link_fn([this](const std::string& a, const std::string& b) { return link(a, b); });
  stack_.set_message_tap({
      .lose = [this](size_t i, const gossipsub::Message& m) { return lose(i, m); },
      .judged = [this](size_t i, const gossipsub::Message& m,
                       gossipsub::ValidationResult r) { judged(i, m, r); },
  });
  schedule();
}

// The stack's processes outlive our members (they are torn down in ~GridStack, and still send
// on their way out): nothing of ours may be asked for then.
ExploreRun::~ExploreRun() {
  stack_.set_link_fn(nullptr);
  stack_.set_message_tap({});
}

std::vector<grid::JobId> ExploreRun::job_ids() const {
  std::vector<grid::JobId> out;
  for (const SubmittedJob& j : jobs_) out.push_back(j.id);
  return out;
}

// --- links -------------------------------------------------------------------------------------

Duration ExploreRun::link_extra(const std::string& ip, Instant now) const {
  auto it = by_ip_.find(ip);
  if (it == by_ip_.end()) return {};
  Duration extra = scenario_.processes[it->second].far;
  for (const FaultPlan& f : scenario_.faults) {
    if (f.kind == FaultKind::kSlowLinks && f.process == it->second && now >= at(f.at) &&
        now < at(f.at + f.length)) {
      extra += f.extra;
    }
  }
  return extra;
}

io::sim::LinkParams ExploreRun::link(const std::string& a, const std::string& b) const {
  const Instant now = stack_.now();
  io::sim::LinkParams p;
  p.latency = scenario_.latency + link_extra(a, now) + link_extra(b, now);
  auto far = [&](const std::string& ip) {
    auto it = by_ip_.find(ip);
    return it == by_ip_.end() ? Duration{} : scenario_.processes[it->second].far;
  };
  p.jitter = scenario_.jitter + (far(a) + far(b)) / 2;
  return p;
}

// --- the schedule ------------------------------------------------------------------------------

void ExploreRun::at_offset(Duration offset, std::function<void()> fn) {
  stack_.loop().schedule_at(at(offset), std::move(fn));
}

void ExploreRun::schedule() {
  for (size_t i = 0; i < scenario_.processes.size(); ++i) {
    at_offset(scenario_.processes[i].start, [this, i] { start(i); });
  }
  for (size_t j = 0; j < scenario_.jobs.size(); ++j) {
    at_offset(scenario_.jobs[j].at, [this, j] { submit(j, 0); });
  }
  // How long after a crash or a heal the grid may still be catching up: reconnects, one advert.
  const Duration settling = grid::kDefaultAdvertInterval * 2;
  for (const FaultPlan& f : scenario_.faults) {
    const size_t i = f.process;
    switch (f.kind) {
      case FaultKind::kSlowLinks:
        fault_windows_.push_back({at(f.at), at(f.at + f.length) + settling, "slow links"});
        break;
      case FaultKind::kHealthFlap:
        at_offset(f.at, [this, i] {
          if (StackWorker* w = stack_.worker(i)) w->backend().set_healthy(false);
          note("== " + stack_.name(i) + "'s backend unhealthy");
        });
        at_offset(f.at + f.length, [this, i] {
          if (StackWorker* w = stack_.worker(i)) w->backend().set_healthy(true);
          note("== " + stack_.name(i) + "'s backend healthy");
        });
        break;
      case FaultKind::kLose:
        break;  // lose() finds the message whenever it comes
      case FaultKind::kCrash:
        at_offset(f.at, [this, i] { crash(i); });
        if (f.length > Duration{}) {
          at_offset(f.at + f.length, [this, i] {
            if (stack_.starts(i) > 0 && !stack_.running(i)) start(i);
          });
        }
        fault_windows_.push_back({at(f.at), at(f.at + f.length) + settling, "crash"});
        break;
      case FaultKind::kPartition: {
        std::set<std::string> side;
        for (size_t p : f.side) side.insert(stack_.ip(p));
        at_offset(f.at, [this, side] {
          stack_.net().partition(side);
          note("== partition");
        });
        at_offset(f.at + f.length, [this] {
          stack_.net().heal();
          note("== heal");
        });
        fault_windows_.push_back({at(f.at), at(f.at + f.length) + settling, "partition"});
        break;
      }
    }
  }
}

void ExploreRun::note(const std::string& what) {
  if (!trace_) return;
  std::fprintf(trace_, "%9.3f %s\n",
               std::chrono::duration<double>(stack_.now() - stack_.began()).count(), what.c_str());
}

void ExploreRun::start(size_t i) {
  if (stack_.running(i)) return;
  stack_.start(i);
  up_[i].push_back({stack_.now(), kNever});
  note("== " + stack_.name(i) + " starts");
}

void ExploreRun::crash(size_t i) {
  if (!stack_.running(i)) return;
  if (StackApiNode* a = stack_.api(i)) {
    for (const auto& [reason, n] : a->core().rejections()) past_rejections_[i][reason] += n;
  }
  sample_score();
  stack_.crash(i);
  up_[i].back().to = stack_.now();
  note("== " + stack_.name(i) + " crashes");
}

void ExploreRun::submit(size_t plan, int tries) {
  const JobPlan& job = scenario_.jobs[plan];
  const std::vector<size_t> apis = scenario_.of_role(GridStack::Role::kApiNode);
  const size_t first = size_t(std::find(apis.begin(), apis.end(), job.origin) - apis.begin());
  for (size_t k = 0; k < apis.size(); ++k) {
    const size_t api = apis[(first + k) % apis.size()];
    if (!stack_.running(api)) continue;
    auto id = stack_.submit(api, job.model, job.n);
    if (!id) break;
    jobs_.push_back({plan, *id, api, stack_.starts(api) - 1, stack_.now(), job.model});
    job_of_plan_[plan] = *id;
    note("== j" + std::to_string(plan) + " = " + to_hex(as_bytes(*id)).substr(0, 12) +
         " submitted on " + stack_.name(api));
    return;
  }
  // No API node up (or the core refused): a client would try again a second later.
  if (tries < 60) {
    stack_.loop().schedule_at(stack_.now() + 1s, [this, plan, tries] { submit(plan, tries + 1); });
  } else {
    ++submits_refused_;
  }
}

// --- what the processes are given --------------------------------------------------------------

void ExploreRun::trace(size_t process, const gossipsub::Message& m, const char* verdict) {
  std::optional<grid::pb::GridMessage> g = parse(m);
  if (!g || !m.from) return;
  if (g->has_replay()) {
    // Each entry as if it came on its own, marked as replayed (its verdict is the Replay's).
    for (const std::string& e : g->replay().messages()) {
      auto inner = gossipsub::decode_message(as_bytes(e), gossipsub::CodecLimits{});
      if (inner) trace(process, **inner, "(in a replay)");
    }
  }
  std::string author = "?";
  if (auto p = grid::PeerId::from_multihash(BytesView(*m.from))) {
    auto i = stack_.index_of(*p);
    author = i ? stack_.name(*i) : p->to_base58().substr(0, 12);
  }
  auto hex = [](const std::string& id) { return to_hex(as_bytes(id)).substr(0, 12); };
  std::string what;
  if (g->has_announce()) {
    what = "announce " + hex(g->announce().job_id()) + " attempt " +
           std::to_string(g->announce().attempt()) + " excluded " +
           std::to_string(g->announce().excluded_size());
  } else if (g->has_claim()) {
    what = "claim " + hex(g->claim().job_id()) + " attempt " +
           std::to_string(g->claim().attempt()) + " slot " + std::to_string(g->claim().slot());
  } else if (g->has_result()) {
    what = "result " + hex(g->result().job_id()) + " attempt " +
           std::to_string(g->result().attempt()) + " g" + std::to_string(g->result().generation());
  } else if (g->has_failed()) {
    what = "failed " + hex(g->failed().job_id()) + " attempt " +
           std::to_string(g->failed().attempt()) + " g" + std::to_string(g->failed().generation());
  } else if (g->has_cancel()) {
    what = "cancel " + hex(g->cancel().job_id());
  } else if (g->has_replay()) {
    what = "replay of " + std::to_string(g->replay().messages_size());
  } else {
    return;  // adverts: too many, and not facts
  }
  std::fprintf(trace_, "%9.3f %-12s <- %-12s %s: %s\n",
               std::chrono::duration<double>(stack_.now() - stack_.began()).count(),
               stack_.name(process).c_str(), author.c_str(), what.c_str(), verdict);
}

bool ExploreRun::lose(size_t process, const gossipsub::Message& m) {
  std::optional<grid::pb::GridMessage> g;
  for (size_t k = 0; k < scenario_.faults.size(); ++k) {
    const FaultPlan& f = scenario_.faults[k];
    if (f.kind != FaultKind::kLose || f.process != process || lost_.contains(k)) continue;
    auto job = job_of_plan_.find(f.job);
    if (job == job_of_plan_.end()) continue;
    if (!g) g = parse(m);
    if (!g || fact_job(*g, f.fact) != job->second) continue;
    lost_[k] = stack_.now();
    // Without the claim, this process (or a worker behind it, when it relays) may run a
    // generation it does not win for as long as it lacks the claim: for good.
    if (f.fact == FactKind::kClaim) fault_windows_.push_back({stack_.now(), kNever, "lost claim"});
    if (trace_) trace(process, m, "LOST");
    return true;
  }
  return false;
}

void ExploreRun::judged(size_t process, const gossipsub::Message& m,
                        gossipsub::ValidationResult r) {
  if (trace_) {
    trace(process, m,
          r == gossipsub::ValidationResult::kAccept   ? "accept"
          : r == gossipsub::ValidationResult::kReject ? "REJECT"
                                                      : "ignore");
  }
  if (r == gossipsub::ValidationResult::kReject) return;
  note_fact(process, m);
}

// What the checks need of a fact a process took, live or inside a Replay (whose entries the
// role judges one by one: an entry counts here when the Replay was not rejected).
void ExploreRun::note_fact(size_t process, const gossipsub::Message& m) {
  std::optional<grid::pb::GridMessage> g = parse(m);
  if (!g || !m.from) return;
  if (g->has_replay()) {
    for (const std::string& e : g->replay().messages()) {
      auto inner = gossipsub::decode_message(as_bytes(e), gossipsub::CodecLimits{});
      if (inner) note_fact(process, **inner);
    }
    return;
  }
  const Instant now = stack_.now();
  if (g->has_announce()) {
    const grid::pb::JobAnnounce& a = g->announce();
    AttemptSeen& seen = attempts_seen_[{a.job_id(), a.attempt()}];
    seen.nonce = a.nonce();
    seen.n = std::max<uint32_t>(1, a.n());
    seen.excluded.insert(a.excluded().begin(), a.excluded().end());
    auto job = std::find_if(jobs_.begin(), jobs_.end(),
                            [&](const SubmittedJob& j) { return j.id == a.job_id(); });
    if (a.attempt() == 0 && stack_.role(process) != GridStack::Role::kWorker &&
        job != jobs_.end() && job->origin != process) {
      auto [it, fresh] = announce_spread_.try_emplace(a.job_id(), now);
      if (!fresh) it->second = std::min(it->second, now);
    }
  }
  if (g->has_claim()) {
    // sent_ms is the author's wall clock, the loop's (one clock for the whole simulation).
    const int64_t wall_ms = int64_t(grid::to_unix_ms(stack_.loop().wall_now()));
    const Instant sent = now - std::chrono::milliseconds(wall_ms - int64_t(g->sent_ms()));
    const ClaimKey key{g->claim().job_id(), g->claim().attempt(), std::string(as_chars(*m.from)),
                       g->claim().slot()};
    auto [it, fresh] = claims_sent_.try_emplace(key, sent);
    if (!fresh) it->second = std::min(it->second, sent);
  }
}

std::vector<std::string> ExploreRun::final_winners(const grid::JobId& id, uint32_t attempt) const {
  auto seen = attempts_seen_.find({id, attempt});
  if (seen == attempts_seen_.end()) return {};
  std::map<grid::Rank, std::string> by_rank;
  for (auto it = claims_sent_.lower_bound({id, attempt, {}, 0});
       it != claims_sent_.end() && std::get<0>(it->first) == id &&
       std::get<1>(it->first) == attempt;
       ++it) {
    const std::string& author = std::get<2>(it->first);
    if (seen->second.excluded.contains(author)) continue;
    auto peer = grid::PeerId::from_multihash(as_bytes(author));
    if (!peer) continue;
    by_rank.emplace(
        grid::claim_rank(id, as_bytes(seen->second.nonce), attempt, *peer, std::get<3>(it->first)),
        author);
  }
  std::vector<std::string> out;
  for (const auto& [rank, author] : by_rank) {
    if (out.size() == seen->second.n) break;
    out.push_back(author);
  }
  return out;
}

std::optional<Instant> ExploreRun::announce_spread(const grid::JobId& id) const {
  auto it = announce_spread_.find(id);
  if (it == announce_spread_.end()) return std::nullopt;
  return it->second;
}

std::map<size_t, std::map<std::string, uint64_t>> ExploreRun::rejections() const {
  auto out = past_rejections_;
  for (size_t i = 0; i < stack_.size(); ++i) {
    if (StackApiNode* a = stack_.api(i)) {
      for (const auto& [reason, n] : a->core().rejections()) out[i][reason] += n;
    }
  }
  std::erase_if(out, [](const auto& kv) { return kv.second.empty(); });
  return out;
}

void ExploreRun::sample_score() {
  std::string who;
  const double s = stack_.lowest_score(&who);
  if (s < lowest_score_) {
    lowest_score_ = s;
    lowest_score_who_ =
        who + " at " +
        std::to_string(std::chrono::duration<double>(stack_.now() - stack_.began()).count()) + " s";
  }
}

// --- running -----------------------------------------------------------------------------------

void ExploreRun::run(const std::function<bool()>& settled, Duration bound, Duration settle_for) {
  constexpr Duration kStep = 100ms;
  constexpr int kStepsPerSample = 10;
  // A few thousand events a step is busy; this many means the loop spins at one instant.
  constexpr uint64_t kMaxEventsPerStep = 500000;
  int steps = 0;
  // False when the step was cut short because the loop spun.
  auto step = [&] {
    const Instant until = stack_.now() + kStep;
    uint64_t events = 0;
    stack_.loop().run_until([&] { return ++events > kMaxEventsPerStep; }, until);
    if (events > kMaxEventsPerStep) {
      spinning_ = stack_.now();
      return false;
    }
    if (++steps % kStepsPerSample == 0) sample_score();
    return true;
  };
  while (stack_.now() < quiet()) {
    if (!step()) return;
  }
  const Instant end = quiet() + bound;
  std::optional<Instant> since;
  while (stack_.now() < end) {
    if (!step()) return;
    if (!settled()) {
      since.reset();
      continue;
    }
    if (!since) since = stack_.now();
    if (stack_.now() - *since >= settle_for) break;
  }
  sample_score();
}

}  // namespace aipg::sim::explore
