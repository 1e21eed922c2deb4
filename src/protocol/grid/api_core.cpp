#include "protocol/grid/api_core.hpp"

#include <algorithm>

#include "protocol/gossipsub/codec.hpp"
#include "protocol/grid/topics.hpp"

namespace aipg::grid {

namespace {

// A message this node writes must pass the check every receiver makes, or it would be rejected
// (and this node scored down) all over the grid. The detail names the field and the limit;
// `prefix` ("announce.") is dropped so that it names the caller's field.
Result<Bytes> encode_checked(const pb::GridMessage& m, WallTime wall, const CheckLimits& limits,
                             std::string_view prefix) {
  Bytes data = encode_message(m, wall);
  Checked c = check_message(data, wall, limits);
  if (c.outcome == CheckOutcome::kOk) return data;
  std::string detail = c.detail;
  if (detail.starts_with(prefix)) detail.erase(0, prefix.size());
  return make_error(c.reason == Reject::kTooLarge ? Errc::too_large : Errc::invalid_argument,
                    detail);
}

Result<void> range(const char* field, uint64_t value, uint64_t lo, uint64_t hi) {
  if (value >= lo && value <= hi) return ok();
  return make_error(Errc::invalid_argument, std::string(field) + " is " + std::to_string(value) +
                                                ", must be " + std::to_string(lo) + ".." +
                                                std::to_string(hi));
}

// Which fact of its job a message is (forward_again): its kind, attempt and slot or generation.
std::string fact_key(const pb::GridMessage& m) {
  auto two = [](char kind, uint32_t a, uint32_t b) {
    return std::string(1, kind) + std::to_string(a) + "/" + std::to_string(b);
  };
  switch (m.body_case()) {
    case pb::GridMessage::kAnnounce:
      return two('a', m.announce().attempt(), 0);
    case pb::GridMessage::kClaim:
      return two('c', m.claim().attempt(), m.claim().slot());
    case pb::GridMessage::kResult:
      return two('r', m.result().attempt(), m.result().generation());
    case pb::GridMessage::kFailed:
      return two('f', m.failed().attempt(), m.failed().generation());
    case pb::GridMessage::kCancel:
      return "x";
    default:
      return "?";
  }
}

}  // namespace

Result<void> ApiNodeConfig::validate() const {
  AIPG_TRY(limits.validate());
  if (advert_interval < kMinAdvertInterval || advert_interval > kMaxAdvertInterval) {
    return make_error(Errc::invalid_argument, "advert_interval must be 1..60 s");
  }
  if (check_interval <= Duration::zero()) {
    return make_error(Errc::invalid_argument, "check_interval must be positive");
  }
  AIPG_TRY(range("max_attempts", max_attempts, 1, limits.max_attempts));
  AIPG_TRY(
      range("default_claim_window_ms", default_claim_window_ms, 0, limits.max_claim_window_ms));
  AIPG_TRY(range("default_ttl_ms", default_ttl_ms, 1, limits.max_ttl_ms));
  AIPG_TRY(range("default_lease_ms", default_lease_ms, 1, limits.max_lease_ms));
  AIPG_TRY(range("http_url bytes", http_url.size(), 0, limits.max_name_bytes));
  AIPG_TRY(range("version bytes", version.size(), 0, limits.max_name_bytes));
  if (republish_first <= Duration::zero() || republish_max < republish_first) {
    return make_error(Errc::invalid_argument,
                      "republish_first must be positive and republish_max >= republish_first");
  }
  if (replay_keep <= Duration::zero() || replay_margin < Duration::zero()) {
    return make_error(Errc::invalid_argument, "replay_keep must be positive, replay_margin >= 0");
  }
  // Our Replays must pass the receivers' size check, entries' framing included.
  AIPG_TRY(range("replay_max_bytes", replay_max_bytes, 1, limits.max_message_size * 7 / 8));
  return ok();
}

ApiNodeCore::ApiNodeCore(PeerId self, ApiNodeConfig config, runtime::Rng& rng)
    : self_(std::move(self)),
      config_(std::move(config)),
      rng_(rng),
      book_(directory_, config_.book) {
  directory_.set_self(self_, /*is_api_node=*/config_.advertise);
}

std::vector<std::string> ApiNodeCore::topics(const std::vector<std::string>& models) const {
  std::set<std::string> out = {kWorkersTopic, kNodesTopic, kResultsTopic};
  for (const std::string& m : models) {
    if (std::string t = jobs_topic(m); !t.empty()) out.insert(std::move(t));
  }
  return {out.begin(), out.end()};
}

std::vector<std::string> ApiNodeCore::models_seen() const {
  return {models_.begin(), models_.end()};
}

bool ApiNodeCore::learn_model(const std::string& model) {
  if (model.empty() || models_.size() >= config_.max_models_seen) return false;
  if (!models_.insert(model).second) return false;
  if (config_.advertise) next_advert_ = Instant::min();  // others replay what we missed of it
  return true;
}

void ApiNodeCore::set_advert_listeners(size_t peers) {
  if (peers > 0 && advert_listeners_ == 0 && config_.advertise) next_advert_ = Instant::min();
  advert_listeners_ = peers;
}

void ApiNodeCore::on_published(const gossipsub::Message& m, Instant now) {
  auto f = signed_fact(m);
  if (!f) return;
  pb::GridMessage g;
  if (!g.ParseFromArray(f->data.data(), static_cast<int>(f->data.size())) || !is_job_fact(g)) {
    return;
  }
  f->envelope = gossipsub::encode_message(m);
  facts_.record(*f, now);
  pull_.note_fact(job_of(g), f->id, now);
}

// --- adverts -----------------------------------------------------------------------------------

Publish ApiNodeCore::node_advert(Instant now, WallTime wall, const std::vector<JobId>& stale,
                                 const std::vector<JobId>& recent) const {
  uint32_t open = 0;
  for (const JobId& id : own_) {
    auto st = book_.status(id, now);
    if (st && !is_finished(st->state)) ++open;
  }
  pb::GridMessage m;
  pb::NodeAdvert* a = m.mutable_node_advert();
  a->set_http_url(config_.http_url);
  a->set_version(config_.version);
  a->set_open_jobs(open);
  a->set_advert_interval_ms(static_cast<uint32_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.advert_interval).count()));
  a->set_started_ms(started_ms_);
  for (const std::string& addr : stream_addrs_) a->add_addrs(addr);
  for (const std::string& model : models_) {
    if (size_t(a->models_size()) >= config_.limits.max_node_models) break;
    a->add_models(model);
  }
  for (const JobId& id : stale) a->add_stale(id);
  for (const JobId& id : recent) {
    const std::optional<JobView> v = book_.view(id, now);
    if (!v) continue;
    pb::JobDigest* d = a->add_recent();
    d->set_job_id(id);
    d->set_outcome(outcome_digest(*v));
  }
  return {kNodesTopic, encode_message(std::move(m), wall)};
}

Publishes ApiNodeCore::start(Instant now, WallTime wall) {
  started_ms_ = to_unix_ms(wall);
  next_advert_ = now + config_.advert_interval;
  last_advert_ = now;
  next_check_ = now + config_.check_interval;
  if (!config_.advertise) return {};
  return {node_advert(now, wall, {}, {})};
}

// --- submit and cancel -------------------------------------------------------------------------

Result<std::pair<JobId, Publishes>> ApiNodeCore::submit(const SubmitRequest& request, Instant now,
                                                        WallTime wall) {
  if (!config_.advertise) return make_error(Errc::unsupported, "a relay takes no jobs");
  pb::GridMessage m;
  pb::JobAnnounce& a = *m.mutable_announce();
  JobId id(kJobIdSize, '\0');
  do {
    rng_.fill(MutBytesView(reinterpret_cast<uint8_t*>(id.data()), id.size()));
  } while (book_.view(id, now).has_value());
  std::string nonce(kNonceSize, '\0');
  rng_.fill(MutBytesView(reinterpret_cast<uint8_t*>(nonce.data()), nonce.size()));
  a.set_job_id(id);
  a.set_nonce(std::move(nonce));
  a.set_origin(std::string(as_chars(self_.multihash())));
  for (const std::string& addr : stream_addrs_) a.add_origin_addrs(addr);
  a.set_model(request.model);
  a.set_kind(pb::JOB_KIND_TEXT);
  a.set_prompt(request.prompt);
  for (const pb::ChatMessage& c : request.messages) *a.add_messages() = c;
  *a.mutable_params() = request.params;
  a.set_n(request.n);
  a.set_created_ms(to_unix_ms(wall));
  a.set_ttl_ms(request.ttl_ms.value_or(config_.default_ttl_ms));
  a.set_claim_window_ms(request.claim_window_ms.value_or(config_.default_claim_window_ms));
  a.set_lease_ms(config_.default_lease_ms);
  a.set_max_attempts(config_.max_attempts);
  a.set_attempt(0);

  AIPG_TRY_ASSIGN(Bytes data, encode_checked(m, wall, config_.limits, "announce."));
  const FactVerdict v = book_.add_announce(self_, a, now);
  if (v.outcome != FactOutcome::kAdded) {
    return make_error(Errc::resource_limit,
                      std::string("job book refused the job: ") + to_string(v.reason));
  }
  own_.insert(id);
  schedule_republish(id, now + config_.republish_first, config_.republish_first);
  learn_model(request.model);
  persist_own(id, data, wall);
  Publishes out;
  out.push_back({jobs_topic(request.model), std::move(data)});
  return std::pair{std::move(id), std::move(out)};
}

Result<Publishes> ApiNodeCore::cancel(const JobId& id, std::string reason, Instant now,
                                      WallTime wall) {
  auto v = own_.contains(id) ? book_.view(id, now) : std::nullopt;
  if (!v) return make_error(Errc::not_found, "no job of ours with that id");
  if (is_finished(v->state)) return Publishes{};
  pb::GridMessage m;
  pb::JobCancel& c = *m.mutable_cancel();
  c.set_job_id(id);
  c.set_reason(std::move(reason));
  AIPG_TRY_ASSIGN(Bytes data, encode_checked(m, wall, config_.limits, "cancel."));
  book_.add_cancel(self_, c, now);
  persist_own(id, data, wall);
  note_changed(id);
  Publishes out;
  out.push_back({jobs_topic(v->announce->model()), std::move(data)});
  return out;
}

// --- incoming ----------------------------------------------------------------------------------

Verdict ApiNodeCore::reject(Reject reason, std::string detail) {
  ++rejections_[to_string(reason)];
  return {Validation::kReject, reason, std::move(detail)};
}

Verdict ApiNodeCore::from_fact(const FactVerdict& v) {
  switch (v.outcome) {
    case FactOutcome::kAdded:
      return {Validation::kAccept, std::nullopt, {}};
    case FactOutcome::kDuplicate:
    case FactOutcome::kHeld:
      return {Validation::kIgnore, std::nullopt, {}};
    case FactOutcome::kIgnored:
      ++ignored_[to_string(v.reason)];
      return {Validation::kIgnore, v.reason, {}};
    case FactOutcome::kRejected:
      return reject(v.reason, {});
  }
  return {Validation::kIgnore, std::nullopt, {}};
}

Verdict ApiNodeCore::on_message(const PeerId& author, const std::string& topic, BytesView data,
                                Instant now, WallTime wall) {
  Handled h;
  Verdict v = handle(author, topic, data, now, wall, Arrival::kLive, &h);
  if (h.fact && v.validation != Validation::kReject) note_changed(h.job);
  misbehaviour_.judge(author, v, now);
  return v;
}

Verdict ApiNodeCore::on_pubsub(const gossipsub::Message& m, Instant now, WallTime wall) {
  auto f = signed_fact(m);
  if (!f) return reject(Reject::kMissingField, "pubsub message without from, seqno or data");
  Handled h;
  Verdict v = handle(f->author, f->topic, f->data, now, wall, Arrival::kLive, &h);
  if (h.fact && v.validation != Validation::kReject) {
    note_changed(h.job);
    f->envelope = gossipsub::encode_message(m);
    keep(*f, h.job, now, wall);
    note_waiting(h, f->id, now);
  }
  misbehaviour_.judge(f->author, v, now);
  return v;
}

Verdict ApiNodeCore::take_replay(const pb::Replay& r, Instant now, WallTime wall) {
  // take_replay records in facts_ what is not rejected; the same goes to disk.
  Verdict v = grid::take_replay(r, facts_, now, [&](const SignedFact& f) {
    Handled h;
    Verdict fv = handle(f.author, f.topic, f.data, now, wall, Arrival::kReplayed, &h);
    if (fv.validation != Validation::kReject) {
      note_changed(h.job);
      pull_.note_fact(h.job, f.id, now);
      if (config_.persist)
        persist_.push_back({Persist::Kind::kFact, h.job, f.id, f.envelope, wall});
    }
    return fv;
  });
  if (v.validation == Validation::kReject) ++rejections_[to_string(*v.reason)];
  return v;
}

// docs/protocol.md §8: what an API node may lack, it is sent. One we hear of for the first time
// (it joined, or we did) lacks everything we hold; one that starts following a model missed
// that model's facts until then; one heard again after missing an advert was cut off from us (a
// partition, a restart) and missed what we took meanwhile.
void ApiNodeCore::note_node_advert(const PeerId& author, const pb::NodeAdvert& a, Instant now) {
  const std::optional<Instant> heard = directory_.node_heard(author);
  const Duration interval = PeerDirectory::interval(a.advert_interval_ms());
  const pb::NodeAdvert* before = directory_.node_advert(author);
  const Instant everything = now - config_.replay_keep;
  if (!heard || !before) {
    replay_from_ = std::min(replay_from_, everything);
  } else {
    const std::set<std::string> had(before->models().begin(), before->models().end());
    const bool new_model = std::any_of(a.models().begin(), a.models().end(),
                                       [&](const std::string& m) { return !had.contains(m); });
    // A restart can be quicker than a missed advert: started_ms tells it apart. A node may come
    // back without its store (a new disk, a container without a volume), so it gets everything.
    const bool restarted = before->started_ms() != a.started_ms();
    if (new_model || restarted) {
      replay_from_ = std::min(replay_from_, everything);
    } else if (now - *heard > interval + interval / 2) {
      replay_from_ = std::min(replay_from_, *heard - config_.replay_margin);
    }
  }
  directory_.on_node_advert(author, a, now);
  for (const std::string& m : a.models()) learn_model(m);
  answer_stale(a, now);
}

// --- pull repair (docs/protocol.md §8) ----------------------------------------------------------

// Open jobs (or facts of jobs we never had announced) that took no fact for two advert
// intervals: a node that holds one finished has what we lack.
std::vector<JobId> ApiNodeCore::stale_jobs(Instant now) {
  return pull_.stale(now, 2 * config_.advert_interval, config_.limits.max_node_stale,
                     [&](const JobId& id) {
                       const std::optional<JobStatus> st = book_.status(id, now);
                       return !st || !is_finished(st->state);
                     });
}

// Finished jobs that took a fact within the last three advert intervals, for NodeAdvert.recent.
std::vector<JobId> ApiNodeCore::recent_jobs(Instant now) {
  return pull_.recent(now, 3 * config_.advert_interval, config_.limits.max_node_recent,
                      [&](const JobId& id) {
                        const std::optional<JobStatus> st = book_.status(id, now);
                        return st && is_finished(st->state);
                      });
}

// A job another node names as stale that we hold finished: its facts are replayed (all of them:
// we cannot tell which it lacks; it skips those it has before checking any signature). Once per
// job every two advert intervals, however many nodes name it.
void ApiNodeCore::answer_stale(const pb::NodeAdvert& a, Instant now) {
  const Duration gap = 2 * config_.advert_interval;
  auto replay_job = [&](const JobId& id) {
    for (std::string& fact : pull_.answer(id, now, gap)) release_.push_back(std::move(fact));
  };
  for (const std::string& id : a.stale()) {
    const std::optional<JobStatus> st = book_.status(id, now);
    if (st && is_finished(st->state)) replay_job(id);
  }
  // Its recently finished jobs: one we never heard of we name as stale from now on; one we hold
  // finished otherwise, we replay (it replays its own on seeing ours: the union settles both).
  for (const pb::JobDigest& d : a.recent()) {
    const std::optional<JobView> v = book_.view(d.job_id(), now);
    if (!v) {
      if (!pull_.knows(d.job_id())) pull_.want(d.job_id(), now, gap);
      continue;
    }
    if (is_finished(v->state) && outcome_digest(*v) != d.outcome()) replay_job(d.job_id());
  }
}

// A worker that now serves a model it did not (it started, came back, or recovered) never saw
// the announces that went out before: the unclaimed ones of ours are published again for it.
// A worker heard for the first time (or again after it was gone) has likely not heard our
// advert either, when it joined through peers that were already subscribed: without our
// addresses it cannot stream its output to us. Ours goes at once, at most once a second.
void ApiNodeCore::note_worker_advert(const PeerId& author, const pb::WorkerAdvert& a, Instant now) {
  if (config_.advertise && !directory_.worker_live(author, now)) {
    next_advert_ = std::min(next_advert_, std::max(now, last_advert_ + kMinAdvertInterval));
  }
  std::vector<std::string> newly;
  for (const pb::ModelInfo& info : a.models()) {
    if (a.healthy() && a.slots_free() > 0 && !directory_.serves(author, info.name(), now)) {
      newly.push_back(info.name());
    }
  }
  directory_.on_worker_advert(author, a, now);
  for (const pb::ModelInfo& info : a.models()) learn_model(info.name());
  for (const std::string& m : newly) wake_unclaimed(m, now);
}

void ApiNodeCore::adopt_own(const pb::JobAnnounce& a, Instant now) {
  if (!own_.insert(a.job_id()).second) return;
  const std::optional<JobStatus> st = book_.status(a.job_id(), now);
  if (st && !is_finished(st->state) && st->claims == 0) {
    schedule_republish(a.job_id(), now, config_.republish_first);
    next_check_ = std::min(next_check_, now);
  }
}

void ApiNodeCore::wake_unclaimed(const std::string& model, Instant now) {
  std::vector<JobId> wake;
  for (const auto& [id, r] : unclaimed_) {
    if (r.next <= now) continue;
    const std::optional<JobStatus> st = book_.status(id, now);
    const pb::JobAnnounce* a = st ? book_.announce(id, st->attempt) : nullptr;
    if (a && a->model() == model) wake.push_back(id);
  }
  for (const JobId& id : wake) schedule_republish(id, now, config_.republish_first);
  if (!wake.empty()) next_check_ = std::min(next_check_, now);  // not a check interval later
}

Verdict ApiNodeCore::handle(const PeerId& author, const std::string& topic, BytesView data,
                            Instant now, WallTime wall, Arrival arrival, Handled* h) {
  Checked c = check_message(data, wall, config_.limits, arrival);
  if (c.outcome == CheckOutcome::kIgnore) return {Validation::kIgnore, std::nullopt, c.detail};
  if (c.outcome == CheckOutcome::kReject) return reject(c.reason, std::move(c.detail));
  // Our own messages are in our book already (gossipsub does not deliver them back anyway) —
  // unless they come in a replay: we may have restarted without our store.
  if (author == self_ && arrival == Arrival::kLive) {
    return {Validation::kIgnore, std::nullopt, "our own"};
  }

  const pb::GridMessage& m = c.message;
  // Every body has its topic (docs/protocol.md §1); elsewhere it would reach the wrong peers.
  auto wrong_topic = [&](const char* body) {
    return reject(Reject::kBadField, std::string(body) + " on topic " + topic);
  };
  // A jobs topic must be the job's model's (when the job is known).
  auto job_topic_ok = [&](const JobId& id) {
    auto model = model_of_jobs_topic(topic);
    if (!model) return false;
    auto v = book_.view(id, now);
    return !v || v->announce->model() == *model;
  };
  h->fact = is_job_fact(m);
  auto fact = [&](FactVerdict fv) {
    h->added = fv.outcome == FactOutcome::kAdded;
    // Kept but not forwarded: it may count once more facts come, and then peers that rely on us
    // to relay it must get it (note_waiting). That includes a result behind its generation in
    // an honest race: its author can win that generation with a later claim of its own (another
    // slot), and then it is the result that counts (the explorer's seed 877).
    h->waiting = fv.outcome == FactOutcome::kHeld ||
                 (fv.outcome == FactOutcome::kIgnored &&
                  (fv.reason == Reject::kUnknownJob || fv.reason == Reject::kNotWinner));
    if (fv.outcome == FactOutcome::kDuplicate && arrival == Arrival::kLive &&
        forward_again(author, h->job, fact_key(m), now)) {
      return Verdict{Validation::kAccept, std::nullopt, "published again"};
    }
    return from_fact(fv);
  };
  if (arrival == Arrival::kReplayed && !h->fact) {
    return reject(Reject::kBadReplay, "a replay carries job facts only");
  }
  switch (m.body_case()) {
    case pb::GridMessage::kWorkerAdvert:
      if (topic != kWorkersTopic) return wrong_topic("worker_advert");
      note_worker_advert(author, m.worker_advert(), now);
      return {Validation::kAccept, std::nullopt, {}};
    case pb::GridMessage::kNodeAdvert:
      if (topic != kNodesTopic) return wrong_topic("node_advert");
      note_node_advert(author, m.node_advert(), now);
      return {Validation::kAccept, std::nullopt, {}};
    case pb::GridMessage::kReplay:
      if (topic != kNodesTopic) return wrong_topic("replay");
      return take_replay(m.replay(), now, wall);
    case pb::GridMessage::kAnnounce:
      h->job = m.announce().job_id();
      if (model_of_jobs_topic(topic) != m.announce().model()) return wrong_topic("announce");
      {
        Verdict v = fact(book_.add_announce(author, m.announce(), now));
        // A replay can bring a job of a model we do not follow yet.
        if (v.validation != Validation::kReject) learn_model(m.announce().model());
        // Or one we accepted before a restart that lost our store: we are its origin, and so its
        // announcer while we are live, so it is ours to look after again.
        if (author == self_ && v.validation != Validation::kReject) adopt_own(m.announce(), now);
        return v;
      }
    case pb::GridMessage::kClaim:
      h->job = m.claim().job_id();
      if (!job_topic_ok(m.claim().job_id())) return wrong_topic("claim");
      return fact(book_.add_claim(author, m.claim(), now));
    case pb::GridMessage::kCancel:
      h->job = m.cancel().job_id();
      if (!job_topic_ok(m.cancel().job_id())) return wrong_topic("cancel");
      return fact(book_.add_cancel(author, m.cancel(), now));
    case pb::GridMessage::kResult:
      h->job = m.result().job_id();
      if (topic != kResultsTopic) return wrong_topic("result");
      return fact(book_.add_result(author, m.result(), now));
    case pb::GridMessage::kFailed:
      h->job = m.failed().job_id();
      if (topic != kResultsTopic) return wrong_topic("failed");
      return fact(book_.add_failed(author, m.failed(), now));
    case pb::GridMessage::BODY_NOT_SET:
      break;
  }
  return {Validation::kIgnore, std::nullopt, "no body we know"};
}

// --- relaying ----------------------------------------------------------------------------------

// A fact we hold, published again by its author as a new message: a republished announce (the
// origin saw no claim), a worker's claims and results again (their announcer lacks them). We
// have it, but peers behind us may not, so it is forwarded — once a second per (author, fact),
// so that an author cannot make the grid relay a flood of copies. Per fact, not per job: a
// worker's repair is several facts of one job at once (a claim per slot, a result per
// generation), and a limit per job let the first through and dropped the rest, every time (the
// result an announcer lacked never reached it behind a relay: the explorer's seed 745).
bool ApiNodeCore::forward_again(const PeerId& author, const JobId& job, const std::string& fact,
                                Instant now) {
  constexpr size_t kMaxTracked = 1 << 16;
  constexpr Duration kGap = std::chrono::seconds(1);
  std::string key = job;
  key.append(as_chars(author.multihash()));
  key.append(fact);
  auto it = forwarded_again_.find(key);
  if (it != forwarded_again_.end()) {
    if (now - it->second < kGap) return false;
    it->second = now;
    return true;
  }
  if (forwarded_again_.size() >= kMaxTracked) return false;
  forwarded_again_.emplace(std::move(key), now);
  return true;
}

void ApiNodeCore::note_waiting(const Handled& h, const std::string& id, Instant now) {
  // Bounded: as many jobs as the book keeps facts of unknown jobs for, as many facts a job as
  // it holds for one.
  constexpr size_t kMaxJobs = 4096;
  if (h.waiting) {
    auto it = waiting_.find(h.job);
    if (it == waiting_.end()) {
      if (waiting_.size() >= kMaxJobs) return;
      it = waiting_.emplace(h.job, Waiting{now, {}}).first;
    }
    if (it->second.ids.size() < config_.book.max_held_per_job) it->second.ids.push_back(id);
  } else if (h.added) {
    auto it = waiting_.find(h.job);
    if (it == waiting_.end()) return;
    release_.insert(release_.end(), it->second.ids.begin(), it->second.ids.end());
    waiting_.erase(it);
  }
}

// --- persistence -----------------------------------------------------------------------------

void ApiNodeCore::note_changed(const JobId& job) {
  if (config_.report_changes) changed_.push_back(job);
}

void ApiNodeCore::keep(const SignedFact& f, const JobId& job, Instant now, WallTime wall) {
  facts_.record(f, now);
  pull_.note_fact(job, f.id, now);
  if (config_.persist) persist_.push_back({Persist::Kind::kFact, job, f.id, f.envelope, wall});
}

void ApiNodeCore::persist_own(const JobId& job, const Bytes& data, WallTime wall) {
  if (config_.persist) persist_.push_back({Persist::Kind::kOwn, job, {}, data, wall});
}

ApiNodeCore::Restored ApiNodeCore::restore(const std::vector<Persist>& records, Instant now,
                                           WallTime wall) {
  auto received_at = [&](WallTime written) {
    return written < wall ? now - std::chrono::duration_cast<Duration>(wall - written) : now;
  };
  Restored out;
  for (const Persist& p : records) {
    if (p.kind == Persist::Kind::kFact) continue;
    pb::GridMessage m;
    if (!m.ParseFromArray(p.data.data(), static_cast<int>(p.data.size()))) {
      ++out.skipped;
      continue;
    }
    ++out.own;
    const Instant at = received_at(p.wall);
    if (m.has_announce()) {
      book_.add_announce(self_, m.announce(), at);
      own_.insert(m.announce().job_id());
      learn_model(m.announce().model());
    } else if (m.has_cancel()) {
      book_.add_cancel(self_, m.cancel(), at);
    }
  }
  // Each fact is opened as a replay is (its signature checked: the disk is not above suspicion)
  // and judged as one, after every own record (our announces come before claims on them).
  for (const Persist& p : records) {
    if (p.kind != Persist::Kind::kFact) continue;
    pb::Replay one;
    one.add_messages(std::string(as_chars(p.data)));
    auto opened = open_replay(one, facts_);
    if (!opened) {
      ++out.skipped;
      continue;
    }
    for (const SignedFact& f : *opened) {
      Handled h;
      Verdict v = handle(f.author, f.topic, f.data, now, wall, Arrival::kReplayed, &h);
      if (v.validation == Validation::kReject) {
        ++out.skipped;
        continue;
      }
      facts_.record(f, now);
      pull_.note_fact(h.job, f.id, now);
      ++out.facts;
    }
  }
  reannounce_from_ = now + kMissedAdverts * config_.advert_interval;
  for (const JobId& id : own_) {
    auto st = book_.status(id, now);
    if (!st || is_finished(st->state)) continue;
    const pb::JobAnnounce* latest = book_.announce(id, st->attempt);
    if (!latest) continue;
    pb::GridMessage m;
    *m.mutable_announce() = *latest;
    out.publishes.push_back({jobs_topic(latest->model()), encode_message(std::move(m), wall)});
    // Published before any peer may be connected: again soon, while no claim comes.
    if (st->claims == 0) {
      schedule_republish(id, now + config_.republish_first / 2, config_.republish_first);
    }
  }
  return out;
}

// --- time --------------------------------------------------------------------------------------

Publishes ApiNodeCore::tick(Instant now, WallTime wall) {
  Publishes out;
  if (now >= next_advert_) {
    book_.prune(now);
    facts_.prune(now, config_.replay_keep);
    directory_.forget_gone(now);
    // As long as the book keeps facts of unknown jobs (JobBook's kEarlyKeep).
    std::erase_if(waiting_,
                  [&](const auto& kv) { return now - kv.second.first >= std::chrono::minutes(2); });
    std::erase_if(forwarded_again_,
                  [&](const auto& kv) { return now - kv.second >= std::chrono::seconds(1); });
    std::erase_if(own_, [&](const JobId& id) { return !book_.status(id, now).has_value(); });
    // Jobs the book forgot, facts of jobs it never knew once the book stops keeping them, and
    // jobs whose facts the FactLog no longer keeps (nothing left to replay for them).
    pull_.prune([&](const JobId& id, Instant last) {
      return now - last >= config_.replay_keep ||
             (!book_.status(id, now) && now - last >= std::chrono::minutes(2));
    });
    if (config_.advertise) {
      out.push_back(node_advert(now, wall, stale_jobs(now), recent_jobs(now)));
    }
    last_advert_ = now;
    next_advert_ = now + config_.advert_interval;
  }
  if (replay_from_ != kNever) {
    for (pb::Replay& r : facts_.replays_since(replay_from_, config_.replay_max_bytes,
                                              config_.limits.max_replay_entries)) {
      pb::GridMessage m;
      *m.mutable_replay() = std::move(r);
      out.push_back({kNodesTopic, encode_message(std::move(m), wall)});
    }
    replay_from_ = kNever;
  }
  if (!release_.empty()) {
    for (pb::Replay& r :
         facts_.replays_of(release_, config_.replay_max_bytes, config_.limits.max_replay_entries)) {
      pb::GridMessage m;
      *m.mutable_replay() = std::move(r);
      out.push_back({kNodesTopic, encode_message(std::move(m), wall)});
    }
    release_.clear();
  }
  if (now >= next_check_ && config_.advertise && now >= reannounce_from_) {
    for (pb::JobAnnounce& a : book_.due_reannounces(self_, now)) {
      if (book_.add_announce(self_, a, now).outcome != FactOutcome::kAdded) continue;
      pb::GridMessage m;
      const std::string topic = jobs_topic(a.model());
      const JobId id = a.job_id();
      *m.mutable_announce() = std::move(a);
      Bytes data = encode_message(std::move(m), wall);
      persist_own(id, data, wall);
      note_changed(id);
      schedule_republish(id, now + config_.republish_first, config_.republish_first);
      out.push_back({topic, std::move(data)});
    }
  }
  if (now >= next_check_) {
    republish(now, wall, out);
    next_check_ = now + config_.check_interval;
  }
  return out;
}

void ApiNodeCore::schedule_republish(const JobId& id, Instant next, Duration gap) {
  auto [it, fresh] = unclaimed_.try_emplace(id);
  if (!fresh) republish_due_.erase({it->second.next, id});
  it->second = {next, gap};
  republish_due_.insert({next, id});
}

void ApiNodeCore::republish(Instant now, WallTime wall, Publishes& out) {
  size_t budget = config_.republish_max_per_check;
  while (budget > 0 && !republish_due_.empty() && republish_due_.begin()->first <= now) {
    const JobId id = republish_due_.begin()->second;
    republish_due_.erase(republish_due_.begin());
    auto it = unclaimed_.find(id);
    auto st = book_.status(id, now);
    const pb::JobAnnounce* a = st ? book_.announce(id, st->attempt) : nullptr;
    if (it == unclaimed_.end() || !a || is_finished(st->state) || st->claims > 0) {
      if (it != unclaimed_.end()) unclaimed_.erase(it);
      continue;
    }
    Republish& r = it->second;
    // Only while a worker that serves the model has a free slot: busy workers saw it and
    // cannot claim yet (a backlog is not a lost announce); otherwise look again later.
    const std::vector<PeerId> workers = directory_.workers_for(a->model(), now);
    const bool free_slot = std::any_of(workers.begin(), workers.end(), [&](const PeerId& p) {
      const pb::WorkerAdvert* w = directory_.worker_advert(p);
      return w && w->slots_free() > 0;
    });
    if (free_slot) {
      pb::GridMessage m;
      *m.mutable_announce() = *a;
      out.push_back({jobs_topic(a->model()), encode_message(std::move(m), wall)});
      --budget;
    }
    // The gap doubles either way: a long backlog costs a look every republish_max per job.
    r.gap = std::min(r.gap * 2, config_.republish_max);
    r.next = now + r.gap;
    republish_due_.insert({r.next, id});
  }
}

Instant ApiNodeCore::next_deadline() const {
  if (replay_from_ != kNever || !release_.empty()) return Instant::min();
  return std::min(next_advert_, next_check_);
}

std::map<std::string, ModelStats> ApiNodeCore::model_stats(Instant now) const {
  std::map<std::string, ModelStats> out;
  for (const std::string& m : models_) out[m];
  book_.for_each_status(now, [&](const JobId&, const JobStatus& st, const pb::JobAnnounce& a) {
    ModelStats& s = out[a.model()];
    if (st.state == JobState::kQueued) ++s.queued;
    if (st.state == JobState::kClaimed || st.state == JobState::kProcessing) ++s.processing;
  });
  for (auto& [model, s] : out) s.workers = directory_.workers_for(model, now).size();
  return out;
}

}  // namespace aipg::grid
