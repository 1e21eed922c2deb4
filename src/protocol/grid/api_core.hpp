// The API node's side of the grid (docs/protocol.md), sans-IO: one ApiNodeCore per API node
// process. It accepts jobs (submit, cancel), judges every grid message for the gossipsub
// validator (on_message), keeps the peer directory and the job book, and says what to publish
// and when (start, tick, next_deadline). The HTTP layer and storage sit on top and call it; the
// shell publishes what it returns and subscribes to topics().
//
// Times are passed in: Instant (monotonic) for liveness, leases and ttl; WallTime for sent_ms
// and created_ms. Randomness (job ids, nonces) comes from the injected runtime::Rng.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "protocol/grid/job_book.hpp"
#include "protocol/grid/message_check.hpp"
#include "protocol/grid/misbehaviour.hpp"
#include "protocol/grid/peer_directory.hpp"
#include "protocol/grid/publish.hpp"
#include "protocol/grid/pull_repair.hpp"
#include "protocol/grid/replay.hpp"
#include "protocol/grid/types.hpp"
#include "protocol/grid/verdict.hpp"
#include "runtime/rng.hpp"

namespace aipg::grid {

struct ApiNodeConfig {
  Duration advert_interval = kDefaultAdvertInterval;
  std::string http_url;
  std::string version;  // NodeAdvert.version
  uint32_t default_claim_window_ms = 50;
  uint64_t default_ttl_ms = 10 * 60 * 1000;
  uint64_t default_lease_ms = 5 * 60 * 1000;
  uint32_t max_attempts = 3;
  CheckLimits limits;
  BookConfig book;
  // How often tick() looks for lapsed attempts (and so how late a lapse may be noticed).
  Duration check_interval = std::chrono::seconds(1);
  // Models learnt from worker adverts are kept up to this many (each costs a subscription).
  size_t max_models_seen = 1024;
  // Replays (docs/protocol.md §8): facts are kept this long for them; when an API node we had
  // heard of advertises after missing an advert, we replay what we took since we last heard
  // it, less replay_margin (what was on its way when the link went).
  Duration replay_keep = std::chrono::minutes(10);
  Duration replay_margin = std::chrono::seconds(10);
  size_t replay_max_bytes = 192 << 10;  // of entries per Replay message
  // An own job that no claim has reached is published again (the same announce: whoever has it
  // ignores it; a peer that missed it, e.g. because it was sent while we had no peers, takes
  // it) after republish_first, then at doubling gaps up to republish_max, while a live worker
  // that serves its model advertises a free slot (docs/protocol.md §9).
  Duration republish_first = std::chrono::seconds(2);
  Duration republish_max = std::chrono::seconds(32);
  size_t republish_max_per_check = 64;  // lost announces are rare: a bound, not a rate
  // false: a relay (a bootstrap peer): it judges and keeps facts like an API node, so that it
  // forwards only what is valid and can replay, but it publishes no NodeAdvert, is no announcer
  // and takes no jobs.
  bool advertise = true;
  // Queue what a restart needs (take_persist) for the shell to write to disk.
  bool persist = false;
  // Queue the ids of jobs that changed (take_changed), for a shell that watches jobs.
  bool report_changes = false;

  Result<void> validate() const;
};

// What the gossipsub validator should do with a message.
struct ModelStats {
  size_t queued = 0;
  size_t processing = 0;
  size_t workers = 0;  // live, healthy workers that advertise the model
};

// What an API node writes to disk so that a restart loses no job it accepted (docs/protocol.md
// §9). kOwn: a GridMessage this node published about a job of its own (announce, re-announce,
// cancel); kFact: a fact of another author as it was signed (the pubsub Message protobuf).
struct Persist {
  enum class Kind { kOwn, kFact };
  Kind kind = Kind::kOwn;
  JobId job_id;
  std::string msg_id;  // kFact: the pubsub message id
  Bytes data;
  WallTime wall{};  // when this node published or took it
};

class ApiNodeCore {
 public:
  struct SubmitRequest {
    std::string model;
    std::string prompt;
    std::vector<pb::ChatMessage> messages;  // a chat's, when it is one
    pb::TextParams params;
    uint32_t n = 1;
    std::optional<uint32_t> claim_window_ms;
    std::optional<uint64_t> ttl_ms;
  };

  // `config` should pass validate(); `rng` must outlive the core.
  ApiNodeCore(PeerId self, ApiNodeConfig config, runtime::Rng& rng);
  // The book refers to the directory: not copyable, not movable.
  ApiNodeCore(const ApiNodeCore&) = delete;
  ApiNodeCore& operator=(const ApiNodeCore&) = delete;

  const PeerId& self() const { return self_; }
  // Where this node takes direct streams (binary multiaddrs), told in its adverts from now on.
  void set_stream_addrs(std::vector<std::string> addrs) { stream_addrs_ = std::move(addrs); }

  // Topics to subscribe to: workers, nodes, results and the jobs topic of each model (sorted,
  // no duplicates; empty model names are skipped).
  std::vector<std::string> topics(const std::vector<std::string>& models) const;
  // Every model learnt from worker adverts, other API nodes' adverts, announces (a replay can
  // bring one of a model we did not follow) or our own submissions, sorted. The shell subscribes
  // to topics(models_seen()) whenever it grows; our next NodeAdvert, due at once, says so
  // (docs/protocol.md §8: who starts following a model is sent what it missed).
  std::vector<std::string> models_seen() const;

  // How many peers subscribe to aipg/1/nodes, as the shell sees it. When the first comes, the
  // next NodeAdvert is due at once: one sent before anyone listened reached nobody.
  void set_advert_listeners(size_t peers);
  // A job fact this node published (announce, re-announce, cancel), as the router signed it: kept
  // for replays like the facts taken from others, so a node that missed it can be sent it.
  void on_published(const gossipsub::Message& m, Instant now);

  // The first NodeAdvert; tick() publishes the next ones.
  Publishes start(Instant now, WallTime wall);

  // Validates the request against the limits (the error names the field and the limit), makes
  // the job (random job id and nonce, origin = self), records attempt 0 in the book as received
  // at `now`, and returns the JobAnnounce to publish on the model's jobs topic.
  Result<std::pair<JobId, Publishes>> submit(const SubmitRequest& request, Instant now,
                                             WallTime wall);
  // Only a job we originated (not_found otherwise). A job already finished needs no cancel:
  // nothing is published then.
  Result<Publishes> cancel(const JobId& id, std::string reason, Instant now, WallTime wall);

  // With config.persist: what was published or taken since the last call, in order. The shell
  // writes submit()'s and cancel()'s records before it answers the client.
  std::vector<Persist> take_persist() { return std::exchange(persist_, {}); }
  // With config.report_changes: the jobs a fact, a cancel or a re-announce touched since the
  // last call (duplicates possible; changes that only time makes, ttl and leases, are not
  // listed).
  std::vector<JobId> take_changed() { return std::exchange(changed_, {}); }
  // After a restart, before anything else: takes back what was persisted, in the order it was
  // written, and returns the latest announce of every own job still open, to publish again (a
  // peer that has it ignores it; one that missed it takes it). Own records are trusted (we wrote
  // them); facts are checked as a replay's are. Times come back as ages: a record written ten
  // minutes ago counts as received ten minutes before `now`. For three advert intervals no job is
  // re-announced: which workers are live is not known yet.
  struct Restored {
    Publishes publishes;
    size_t own = 0, facts = 0;
    size_t skipped = 0;  // records that do not parse, verify or pass the rules
  };
  Restored restore(const std::vector<Persist>& records, Instant now, WallTime wall);

  // Judges a gossipsub message: check_message, then adverts go to the directory and job facts
  // to the book. Rejections are counted by reason, and those that are the author's fault count
  // against its app_score.
  Verdict on_message(const PeerId& author, const std::string& topic, BytesView data, Instant now,
                     WallTime wall);
  // The same for a message as the router delivered it (signature checked): job facts the book
  // takes are also kept, signed, for replays (docs/protocol.md §8).
  Verdict on_pubsub(const gossipsub::Message& m, Instant now, WallTime wall);

  // The NodeAdvert every advert_interval; the re-announces this node owes (every
  // check_interval), recorded in our own book; pruning.
  Publishes tick(Instant now, WallTime wall);
  // When tick() next has something to do.
  Instant next_deadline() const;

  std::optional<JobView> job(const JobId& id, Instant now) const { return book_.view(id, now); }
  // Every job's status and fixed fields, unsorted (JobBook::for_each_status).
  void for_each_status(
      Instant now,
      const std::function<void(const JobId&, const JobStatus&, const pb::JobAnnounce&)>& fn) const {
    book_.for_each_status(now, fn);
  }
  // The little a poll of many jobs needs, without building a JobView.
  std::optional<JobStatus> job_status(const JobId& id, Instant now) const {
    return book_.status(id, now);
  }
  std::vector<JobId> jobs() const { return book_.jobs(); }  // every job known, sorted
  bool owns(const JobId& id) const { return own_.contains(id); }
  // Per model: models seen and models of jobs in the book.
  std::map<std::string, ModelStats> model_stats(Instant now) const;

  const std::map<std::string, uint64_t>& rejections() const { return rejections_; }
  // Facts turned down without blame (not forwarded, not scored), by reason: an honest race's
  // losing result (not_winner), a fact of a superseded attempt (unknown_job), ….
  const std::map<std::string, uint64_t>& ignored() const { return ignored_; }
  // For GossipsubConfig::app_score (P5): minus the peer's recent rule breaking.
  double app_score(const PeerId& peer, Instant now) const { return misbehaviour_.score(peer, now); }
  const PeerDirectory& directory() const { return directory_; }

 private:
  Publish node_advert(Instant now, WallTime wall, const std::vector<JobId>& stale,
                      const std::vector<JobId>& recent) const;
  std::vector<JobId> stale_jobs(Instant now);
  std::vector<JobId> recent_jobs(Instant now);
  void answer_stale(const pb::NodeAdvert& a, Instant now);
  // What handle() (on_message's work) learnt about a message beyond the verdict.
  struct Handled {
    bool fact = false;     // a job fact (announce, claim, result, failure, cancel)
    JobId job;             // its job
    bool added = false;    // the book took it as new and valid
    bool waiting = false;  // the book keeps it until what it needs arrives (not forwarded)
  };
  Verdict handle(const PeerId& author, const std::string& topic, BytesView data, Instant now,
                 WallTime wall, Arrival arrival, Handled* h);
  void keep(const SignedFact& f, const JobId& job, Instant now, WallTime wall);
  void persist_own(const JobId& job, const Bytes& data, WallTime wall);
  void note_changed(const JobId& job);
  bool forward_again(const PeerId& author, const JobId& job, const std::string& fact, Instant now);
  // Facts the book kept without forwarding them (a result before its claim, a claim before its
  // announce) never reach the peers that rely on us to relay them: once another fact of their
  // job is taken, they may count now, and are replayed (docs/protocol.md §8).
  void note_waiting(const Handled& h, const std::string& id, Instant now);
  Verdict take_replay(const pb::Replay& r, Instant now, WallTime wall);
  void note_node_advert(const PeerId& author, const pb::NodeAdvert& a, Instant now);
  Verdict reject(Reject reason, std::string detail);
  Verdict from_fact(const FactVerdict& v);
  // True when the model is new (then our next advert is due at once).
  bool learn_model(const std::string& model);
  void note_worker_advert(const PeerId& author, const pb::WorkerAdvert& a, Instant now);
  // Own jobs of `model` that no claim has reached are published again now (a worker that can
  // take them has just appeared), not after their republish back-off.
  void wake_unclaimed(const std::string& model, Instant now);
  // A job of ours (we are its origin) that our book did not hold, replayed back to us.
  void adopt_own(const pb::JobAnnounce& a, Instant now);

  PeerId self_;
  ApiNodeConfig config_;
  std::vector<std::string> stream_addrs_;
  runtime::Rng& rng_;
  PeerDirectory directory_;
  JobBook book_;
  std::set<JobId> own_;
  std::set<std::string> models_;
  std::map<std::string, uint64_t> rejections_;
  std::map<std::string, uint64_t> ignored_;
  Instant next_advert_{};
  Instant last_advert_ = Instant::min();
  size_t advert_listeners_ = 0;
  Instant next_check_{};
  FactLog facts_{/*keep_envelopes=*/true};
  MisbehaviourTally misbehaviour_;
  PullRepair pull_;
  Instant replay_from_ = kNever;  // a replay is due of the facts taken since then
  uint64_t started_ms_ = 0;       // NodeAdvert.started_ms
  std::vector<Persist> persist_;
  std::vector<JobId> changed_;
  struct Waiting {
    Instant first{};
    std::vector<std::string> ids;  // pubsub message ids, in the FactLog
  };
  std::unordered_map<JobId, Waiting> waiting_;
  std::vector<std::string> release_;                          // ids to replay at the next tick
  std::unordered_map<std::string, Instant> forwarded_again_;  // job ‖ author ‖ fact → last
  struct Republish {
    Instant next{};
    Duration gap{};
  };
  std::unordered_map<JobId, Republish> unclaimed_;     // own jobs no claim has reached yet
  std::set<std::pair<Instant, JobId>> republish_due_;  // unclaimed_ by next
  void schedule_republish(const JobId& id, Instant next, Duration gap);
  void republish(Instant now, WallTime wall, Publishes& out);
  Instant reannounce_from_{};  // no re-announces before (after a restore)
};

}  // namespace aipg::grid
