#include "protocol/grid/worker_core.hpp"

#include <algorithm>

#include "base/utf8.hpp"
#include "protocol/grid/message_check.hpp"
#include "protocol/grid/rank.hpp"
#include "protocol/grid/topics.hpp"

namespace aipg::grid {

namespace {

Verdict verdict_of(const FactVerdict& f) {
  switch (f.outcome) {
    case FactOutcome::kAdded:
      return {Validation::kAccept, f.reason, {}};
    case FactOutcome::kRejected:
      return {Validation::kReject, f.reason, {}};
    case FactOutcome::kDuplicate:
    case FactOutcome::kHeld:
    case FactOutcome::kIgnored:
      break;
  }
  return {Validation::kIgnore, f.reason, {}};
}

// Backends emit whatever bytes their tokenizer produced — a multi-byte character split across
// tokens, a model's raw bytes — but a proto3 string must be UTF-8 or receivers cannot parse the
// message. Each invalid byte becomes U+FFFD.
std::string valid_utf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    const size_t len = utf8_char_length(in, i);
    if (len == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
    } else {
      out.append(in.substr(i, len));
      i += len;
    }
  }
  return out;
}

// How many times the claim bound has doubled at `now` (docs/protocol.md §4): 0 in the window, then
// 1 + the whole windows since it ended. The window is not 0 (then there is no bound).
int64_t windows_past(const pb::JobAnnounce& a, Instant now, Instant window_end) {
  if (now < window_end) return 0;
  return 1 + (now - window_end) / std::chrono::milliseconds(a.claim_window_ms());
}

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence; true when it cut.
bool truncate_utf8(std::string& s, size_t max) {
  if (s.size() <= max) return false;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  s.resize(end);
  return true;
}

}  // namespace

WorkerCore::WorkerCore(PeerId self, WorkerConfig config)
    : self_(std::move(self)), config_(std::move(config)), book_(directory_) {
  directory_.set_self(self_, /*is_api_node=*/false);
  next_advert_ = Instant::min();
}

std::vector<std::string> WorkerCore::topics() const {
  // Results too: they tell a worker which runs to stop, and a worker in the results mesh relays
  // its own results onwards even when none of its peers is an API node.
  std::vector<std::string> out = {kWorkersTopic, kNodesTopic, kResultsTopic};
  for (const WorkerModel& m : config_.models) {
    std::string t = jobs_topic(m.name);
    if (!t.empty() && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  return out;
}

size_t WorkerCore::slots_busy() const { return running_.size() + pending_claims_.size(); }

pb::WorkerAdvert WorkerCore::advert() const {
  pb::WorkerAdvert a;
  for (const WorkerModel& m : config_.models) {
    pb::ModelInfo* info = a.add_models();
    info->set_name(m.name);
    info->set_max_length(m.max_length);
    info->set_max_context_length(m.max_context_length);
  }
  a.set_slots_total(config_.slots);
  a.set_slots_free(config_.slots > running_.size() ? config_.slots - uint32_t(running_.size()) : 0);
  a.set_healthy(config_.healthy);
  a.set_backend_kind(config_.backend_kind);
  a.set_version(config_.version);
  a.set_name(config_.name);
  a.set_advert_interval_ms(uint32_t(
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.advert_interval).count()));
  return a;
}

Publish WorkerCore::publish_advert(Instant now, WallTime wall) {
  pb::GridMessage m;
  *m.mutable_worker_advert() = advert();
  directory_.on_worker_advert(self_, m.worker_advert(), now);
  next_advert_ = now + PeerDirectory::interval(m.worker_advert().advert_interval_ms());
  if (advert_listeners_ > 0) advert_heard_ = true;
  return {kWorkersTopic, encode_message(std::move(m), wall)};
}

Publishes WorkerCore::start(Instant now, WallTime wall) { return {publish_advert(now, wall)}; }

void WorkerCore::set_advert_listeners(size_t peers) {
  if (peers > 0 && advert_listeners_ == 0) {
    next_advert_ = Instant::min();
    dirty_ = true;
  }
  advert_listeners_ = peers;
}

Verdict WorkerCore::on_message(const PeerId& author, const std::string& topic, BytesView data,
                               Instant now, WallTime wall) {
  (void)topic;  // the body decides; the protocol sets no rule on a body's topic
  bool fact = false;
  Verdict v = handle(author, data, now, wall, Arrival::kLive, &fact);
  misbehaviour_.judge(author, v, now);
  return v;
}

Verdict WorkerCore::on_pubsub(const gossipsub::Message& m, Instant now, WallTime wall) {
  auto f = signed_fact(m);
  if (!f) return {Validation::kReject, Reject::kMissingField, "no from, seqno or data"};
  bool fact = false;
  Verdict v = handle(f->author, f->data, now, wall, Arrival::kLive, &fact);
  if (fact && v.validation != Validation::kReject) facts_.record(*f, now);
  misbehaviour_.judge(f->author, v, now);
  return v;
}

Verdict WorkerCore::handle(const PeerId& author, BytesView data, Instant now, WallTime wall,
                           Arrival arrival, bool* fact) {
  Checked c = check_message(data, wall, CheckLimits{}, arrival);
  if (c.outcome == CheckOutcome::kIgnore) {
    return {Validation::kIgnore, c.reason, std::move(c.detail)};
  }
  if (c.outcome == CheckOutcome::kReject) {
    return {Validation::kReject, c.reason, std::move(c.detail)};
  }
  const pb::GridMessage& m = c.message;
  *fact = is_job_fact(m);
  if (arrival == Arrival::kReplayed && !*fact) {
    return {Validation::kReject, Reject::kBadReplay, "a replay carries job facts only"};
  }
  dirty_ = true;
  switch (m.body_case()) {
    case pb::GridMessage::kWorkerAdvert:
      if (author == self_) return {Validation::kIgnore, Reject::kMalformed, "own advert"};
      directory_.on_worker_advert(author, m.worker_advert(), now);
      return {};
    case pb::GridMessage::kNodeAdvert: {
      // An API node we never heard (it just started, or restarted) has not heard our advert
      // either, and would not count us as a worker for another advert interval: ours goes now.
      const pb::NodeAdvert* before = directory_.node_advert(author);
      if (arrival == Arrival::kLive &&
          (!before || before->started_ms() != m.node_advert().started_ms())) {
        next_advert_ = Instant::min();
      }
      directory_.on_node_advert(author, m.node_advert(), now);
      return {};
    }
    case pb::GridMessage::kAnnounce: {
      const pb::JobAnnounce& a = m.announce();
      recheck(a.job_id());
      const FactVerdict f = book_.add_announce(author, a, now);
      const bool ours = std::any_of(config_.models.begin(), config_.models.end(),
                                    [&](const WorkerModel& wm) { return wm.name == a.model(); });
      const ClaimKey key{a.job_id(), a.attempt()};
      if (f.outcome == FactOutcome::kAdded && ours && !claimed(key)) {
        candidates_[key] = {a, now + std::chrono::milliseconds(a.claim_window_ms())};
      }
      // Live only: a replay re-sends what its node took, not what its announcer still lacks.
      const bool again = f.outcome == FactOutcome::kDuplicate || f.outcome == FactOutcome::kAdded;
      if (again && ours && arrival == Arrival::kLive) on_announce_again(a, wall);
      return verdict_of(f);
    }
    case pb::GridMessage::kClaim:
      recheck(m.claim().job_id());
      return verdict_of(book_.add_claim(author, m.claim(), now));
    case pb::GridMessage::kResult:
      recheck(m.result().job_id());
      return verdict_of(book_.add_result(author, m.result(), now));
    case pb::GridMessage::kFailed:
      recheck(m.failed().job_id());
      return verdict_of(book_.add_failed(author, m.failed(), now));
    case pb::GridMessage::kCancel:
      recheck(m.cancel().job_id());
      return verdict_of(book_.add_cancel(author, m.cancel(), now));
    case pb::GridMessage::kReplay:
      return take_replay(m.replay(), facts_, now, [&](const SignedFact& f) {
        bool inner = false;
        return handle(f.author, f.data, now, wall, Arrival::kReplayed, &inner);
      });
    case pb::GridMessage::BODY_NOT_SET:
      break;
  }
  return {Validation::kIgnore, Reject::kMalformed, "no body"};
}

void WorkerCore::recheck(const JobId& id) {
  auto it = decided_.lower_bound({id, 0});
  if (it != decided_.end() && it->job_id == id) recheck_.insert(id);
}

void WorkerCore::on_announce_again(const pb::JobAnnounce& a, WallTime wall) {
  // Delivered already: its announcer lacks our claim or result (lost on their way to it, or
  // published before it followed the model), so both go out again. Receivers that have them
  // ignore the copies. Only results we won: one from a run that lost its race (a better claim
  // reached us after we finished) can never count, and sent again long after that race, every
  // receiver rejects it as a breach and scores us down (the explorer's seed 175).
  std::vector<pb::JobResult> mine = book_.results_by(a.job_id(), self_);
  std::erase_if(mine, [&](const pb::JobResult& r) {
    const std::vector<PeerId> winners = book_.winners(a.job_id(), r.attempt());
    return r.generation() >= winners.size() || winners[r.generation()] != self_;
  });
  std::set<uint32_t> attempts;
  for (const pb::JobResult& r : mine) attempts.insert(r.attempt());
  for (uint32_t k : attempts) {
    const size_t slots = book_.claims_by(a.job_id(), k, self_);
    for (uint32_t s = 0; s < slots; ++s) {
      pb::GridMessage m;
      m.mutable_claim()->set_job_id(a.job_id());
      m.mutable_claim()->set_attempt(k);
      m.mutable_claim()->set_slot(s);
      repairs_.push_back({jobs_topic(a.model()), encode_message(std::move(m), wall)});
    }
  }
  for (const pb::JobResult& r : mine) {
    pb::GridMessage m;
    *m.mutable_result() = r;
    repairs_.push_back({kResultsTopic, encode_message(std::move(m), wall)});
  }
}

WorkerCore::Actions WorkerCore::tick(Instant now, WallTime wall) {
  Actions out;
  out.publish = std::exchange(repairs_, {});
  // The advert first: it may be what lets us claim (advert_heard_), and goes out before them.
  if (now >= next_advert_) {
    prune(now);
    out.publish.push_back(publish_advert(now, wall));
  }
  decide_claims(now, wall, out);
  check_running(now, out);
  make_claims(now, wall, out);
  dirty_ = false;
  return out;
}

// Claims whose window has passed: from then on their attempt is decided (start_won), and the
// slot each held is free unless a run takes it.
void WorkerCore::decide_claims(Instant now, WallTime wall, Actions& out) {
  for (auto cit = pending_claims_.begin(); cit != pending_claims_.end();) {
    if (now < cit->second) {
      ++cit;
      continue;
    }
    decided_.insert(cit->first);
    recheck_.insert(cit->first.job_id);
    cit = pending_claims_.erase(cit);
  }
  start_won(now, wall, out);
}

// Every generation we win (one per claim of ours: docs/protocol.md §4) in a decided attempt,
// that has no result, is not running and did not end with our result or failure. Asked again
// whenever a fact of the job comes, not once at the window's end: a claim that comes late can
// move us from one generation to the next (check_running then stops the run of the one we
// lost: the one we now win is ours to run, or it waits out the lease), and it can even take a
// finished job back (a result whose author it displaces no longer counts), so decided attempts
// are kept as long as the book keeps their job (docs/reliability.md).
void WorkerCore::start_won(Instant now, WallTime wall, Actions& out) {
  for (const JobId& id : std::exchange(recheck_, {})) {
    const std::optional<JobStatus> st = book_.status(id, now);
    if (!st || st->state == JobState::kDone) continue;
    const bool over = is_finished(st->state);  // cancelled or faulted: nothing to run, ever
    const std::optional<JobView> view = over ? std::nullopt : book_.view(id, now);
    for (auto dit = decided_.lower_bound({id, 0}); dit != decided_.end() && dit->job_id == id;) {
      if (over) {
        dit = decided_.erase(dit);
        continue;
      }
      const uint32_t attempt = dit->attempt;
      ++dit;
      const std::vector<PeerId> winners = book_.winners(id, attempt);
      const pb::JobAnnounce& a = *view->announce;
      for (uint32_t g = 0; g < winners.size() && g < view->generations.size(); ++g) {
        const RunKey run_key{id, attempt, g};
        if (winners[g] != self_ || view->generations[g].result != nullptr ||
            running_.contains(run_key) || ended_.contains(run_key)) {
          continue;
        }
        Run run{
            run_key, a.model(), a.prompt(), a.params(), {a.messages().begin(), a.messages().end()},
            {}};
        // check_announce has parsed the origin already.
        if (auto o = PeerId::from_multihash(as_bytes(a.origin()))) run.origin = *o;
        run.origin_addrs = {a.origin_addrs().begin(), a.origin_addrs().end()};
        out.start.push_back(run);
        running_[run_key] = {std::move(run), to_unix_ms(wall)};
      }
    }
  }
}

// Runs that no longer count: the job is cancelled or over, the generation has a result from
// someone else, or a claim that came late has moved us off that generation.
void WorkerCore::check_running(Instant now, Actions& out) {
  for (auto it = running_.begin(); it != running_.end();) {
    const RunKey& key = it->first;
    bool keep = false;
    if (const std::optional<JobView> view = book_.view(key.job_id, now);
        view && !is_finished(view->state) && key.generation < view->generations.size() &&
        view->generations[key.generation].result == nullptr) {
      const std::vector<PeerId> winners = book_.winners(key.job_id, key.attempt);
      keep = key.generation < winners.size() && winners[key.generation] == self_;
    }
    if (keep) {
      ++it;
    } else {
      out.stop.push_back(key);
      it = running_.erase(it);
    }
  }
}

void WorkerCore::make_claims(Instant now, WallTime wall, Actions& out) {
  // Only the latest attempt of a job still open is worth a claim, and only while we have a slot
  // of it left to claim (one per generation); the rest are forgotten.
  std::erase_if(candidates_, [&](const auto& kv) {
    const std::optional<JobStatus> st = book_.status(kv.first.job_id, now);
    if (!st || is_finished(st->state) || st->attempt != kv.first.attempt) return true;
    const size_t n = std::max<uint32_t>(1, kv.second.announce.n());
    return book_.claims_by(kv.first.job_id, kv.first.attempt, self_) >= n;
  });
  // Reset before any early return: a loosening bound left in the past would keep
  // next_deadline() in the past, and the shell would tick again at once, for as long as we are
  // busy or unhealthy (a core spinning at one instant: docs/reliability.md). While we cannot
  // claim there is nothing to wake for: a freed slot, our health or our first heard advert
  // brings a tick of its own.
  next_loosen_ = kNever;
  if (!config_.healthy || !advert_heard_ || candidates_.empty()) return;
  const size_t busy = slots_busy();
  if (busy >= config_.slots) return;

  std::vector<const pb::JobAnnounce*> open;
  for (const auto& [key, cand] : candidates_) {
    const pb::JobAnnounce& a = cand.announce;
    if (pending_claims_.contains(key)) continue;  // our last claim on it is in its window
    // Served: a late claim could only displace a winner that has started.
    if (now >= cand.window_end &&
        book_.status(key.job_id, now)->claims >= std::max<uint32_t>(1, a.n())) {
      continue;
    }
    // We claimed it and its window is over, yet it has fewer claims than generations (fewer
    // workers than generations, or they are busy): we claim another of its slots, to run another
    // generation ourselves.
    const bool more = book_.has_claim(key.job_id, key.attempt, self_);
    if (!more && !likely_winner(a, now, cand.window_end)) {
      const int64_t k = windows_past(a, now, cand.window_end);
      next_loosen_ = std::min(next_loosen_,
                              cand.window_end + k * std::chrono::milliseconds(a.claim_window_ms()));
      continue;
    }
    open.push_back(&a);
  }
  // No candidate is claimed already (erased above).
  const auto chosen = choose_claims(open, config_.models, self_, {}, config_.slots - busy);
  if (chosen.empty()) return;

  for (const pb::JobAnnounce* a : chosen) {
    const ClaimKey key{a->job_id(), a->attempt()};
    const Candidate& cand = candidates_.at(key);
    pb::GridMessage m;
    m.mutable_claim()->set_job_id(a->job_id());
    m.mutable_claim()->set_attempt(a->attempt());
    m.mutable_claim()->set_slot(uint32_t(book_.claims_by(key.job_id, key.attempt, self_)));
    book_.add_claim(self_, m.claim(), now);
    // A claim made after the window waits a window of its own, so that the other late
    // claimants' claims reach us before anyone starts (docs/protocol.md §4).
    const Instant decide =
        std::max(cand.window_end, now + std::chrono::milliseconds(a->claim_window_ms()));
    pending_claims_[key] = decide;
    out.publish.push_back({jobs_topic(a->model()), encode_message(std::move(m), wall)});
  }
}

bool WorkerCore::likely_winner(const pb::JobAnnounce& a, Instant now, Instant window_end) const {
  // docs/protocol.md §4: of W eligible workers, about claimants_per_generation × n claim during
  // the window — those whose rank starts below 2^64 × that / W. Ranks are uniform, so the
  // winners are the same as if everyone had claimed, at a fraction of the messages and wasted
  // starts. When nobody's rank qualifies (e^-3 ≈ 5% of jobs for 3 claimants), the bound doubles
  // every window after the first, so the claimants still come a few at a time, not all at once.
  if (config_.claimants_per_generation == 0 || a.claim_window_ms() == 0) return true;
  const uint64_t target = uint64_t(config_.claimants_per_generation) * std::max<uint32_t>(1, a.n());
  const uint64_t eligible = directory_.workers_for(a.model(), now).size();
  if (eligible <= target) return true;
  const int64_t k = windows_past(a, now, window_end);
  const uint64_t bound = UINT64_MAX / eligible * target;
  if (k >= 64 || bound > (UINT64_MAX >> k)) return true;
  const Rank r = claim_rank(a.job_id(), as_bytes(a.nonce()), a.attempt(), self_);
  return get_be64(r.data()) < (bound << k);
}

void WorkerCore::prune(Instant now) {
  book_.prune(now);
  facts_.prune(now, std::chrono::minutes(10));
  directory_.forget_gone(now);
  // Decided attempts and ended runs go with their job.
  std::erase_if(decided_, [&](const ClaimKey& k) { return !book_.status(k.job_id, now); });
  std::erase_if(ended_, [&](const RunKey& k) { return !book_.status(k.job_id, now); });
}

Publishes WorkerCore::finished(const RunKey& key, std::string text, uint32_t tokens,
                               std::string finish_reason, Instant now, WallTime wall) {
  auto it = running_.find(key);
  if (it == running_.end()) return {};
  const Run& run = it->second.run;
  const CheckLimits limits;
  pb::GridMessage m;
  pb::JobResult* r = m.mutable_result();
  r->set_job_id(key.job_id);
  r->set_attempt(key.attempt);
  r->set_generation(key.generation);
  text = valid_utf8(text);
  finish_reason = valid_utf8(finish_reason);
  if (truncate_utf8(text, limits.max_text_bytes)) finish_reason = "length";
  truncate_utf8(finish_reason, limits.max_name_bytes);
  r->set_text(std::move(text));
  r->set_model(run.model);
  if (run.params.has_seed()) r->set_seed(run.params.seed());
  r->set_tokens(tokens);
  r->set_finish_reason(std::move(finish_reason));
  r->set_started_ms(it->second.started_ms);
  r->set_finished_ms(to_unix_ms(wall));
  book_.add_result(self_, *r, now);
  ended_.insert(key);
  running_.erase(it);
  dirty_ = true;  // a slot is free
  return {{kResultsTopic, encode_message(std::move(m), wall)}};
}

Publishes WorkerCore::failed(const RunKey& key, std::string reason, Instant now, WallTime wall) {
  auto it = running_.find(key);
  if (it == running_.end()) return {};
  pb::GridMessage m;
  pb::JobFailed* f = m.mutable_failed();
  f->set_job_id(key.job_id);
  f->set_attempt(key.attempt);
  f->set_generation(key.generation);
  reason = valid_utf8(reason);
  truncate_utf8(reason, CheckLimits{}.max_name_bytes);
  f->set_reason(std::move(reason));
  book_.add_failed(self_, *f, now);
  ended_.insert(key);
  running_.erase(it);
  dirty_ = true;
  return {{kResultsTopic, encode_message(std::move(m), wall)}};
}

void WorkerCore::set_healthy(bool healthy) {
  if (config_.healthy == healthy) return;
  config_.healthy = healthy;
  next_advert_ = Instant::min();  // tell the grid now: API nodes stop counting on us
}

Instant WorkerCore::next_deadline() const {
  if (dirty_) return Instant::min();
  Instant d = std::min(next_advert_, next_loosen_);
  for (const auto& [key, window_end] : pending_claims_) d = std::min(d, window_end);
  return d;
}

}  // namespace aipg::grid
