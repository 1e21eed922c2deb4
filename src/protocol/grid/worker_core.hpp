// The worker side of the grid protocol (docs/protocol.md §2, §4, §5), sans-IO: one per worker
// process. It hears adverts and job facts (keeping a peer directory and a job book, so it knows
// the winners exactly as API nodes do), claims what it can run, starts a generation once its
// claim window has passed and it wins, stops when it no longer does, and publishes results.
//
// The shell subscribes to topics(), publishes start(), feeds every received message to
// on_message() (and returns its verdict to the gossipsub validator), calls tick() after messages
// and at next_deadline(), runs what tick() starts and cancels what it stops on its backend, and
// reports each run's end with finished() or failed().
#pragma once

#include <compare>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "protocol/grid/job_book.hpp"
#include "protocol/grid/message_check.hpp"
#include "protocol/grid/misbehaviour.hpp"
#include "protocol/grid/peer_directory.hpp"
#include "protocol/grid/publish.hpp"
#include "protocol/grid/replay.hpp"
#include "protocol/grid/scheduler.hpp"
#include "protocol/grid/types.hpp"
#include "protocol/grid/verdict.hpp"

namespace aipg::grid {

struct WorkerConfig {
  std::vector<WorkerModel> models;
  uint32_t slots = 1;
  Duration advert_interval = kDefaultAdvertInterval;
  std::string name;
  std::string backend_kind;
  bool healthy = true;
  std::string version;
  // During a claim window only about this many workers per generation claim, picked by rank;
  // after it, the bound doubles every claim window (docs/protocol.md §4). 0 = every eligible
  // worker claims at once.
  uint32_t claimants_per_generation = 3;
};

// One generation of one attempt of one job: what a worker runs.
struct RunKey {
  JobId job_id;
  uint32_t attempt = 0;
  uint32_t generation = 0;
  auto operator<=>(const RunKey&) const = default;
};

struct Run {
  RunKey key;
  std::string model;  // grid model name
  std::string prompt;
  pb::TextParams params;
  std::vector<pb::ChatMessage> messages;  // a chat's (then `prompt` is the chat flattened)
  PeerId origin;                          // the API node that accepted the job (where
                                          // partial output is streamed)
  std::vector<std::string> origin_addrs;  // where it said it takes streams (binary multiaddrs)
};

class WorkerCore {
 public:
  struct Actions {
    Publishes publish;
    std::vector<Run> start;    // start these on the backend
    std::vector<RunKey> stop;  // cancel these; their results must not be published
  };

  WorkerCore(PeerId self, WorkerConfig config);

  // aipg/1/workers, aipg/1/nodes, aipg/1/results and the jobs topic of each model served.
  std::vector<std::string> topics() const;
  // The first WorkerAdvert.
  Publishes start(Instant now, WallTime wall);
  // How many peers subscribe to aipg/1/workers, as the shell sees it. The first advert usually
  // goes out before any peer listens and reaches nobody: when the first listener comes, the
  // next advert is due at once. Nothing is claimed before an advert went out to a listener, so
  // API nodes know us (and count us live) by the time our claims come.
  void set_advert_listeners(size_t peers);
  bool advert_heard() const { return advert_heard_; }
  Verdict on_message(const PeerId& author, const std::string& topic, BytesView data, Instant now,
                     WallTime wall);
  // The same for a message as the router delivered it: the ids of job facts are remembered,
  // so that a Replay's entries we know cost no signature check (docs/protocol.md §8).
  Verdict on_pubsub(const gossipsub::Message& m, Instant now, WallTime wall);
  Actions tick(Instant now, WallTime wall);
  // A run's end. Nothing is published for a run that is not running (stopped meanwhile).
  Publishes finished(const RunKey& key, std::string text, uint32_t tokens,
                     std::string finish_reason, Instant now, WallTime wall);
  Publishes failed(const RunKey& key, std::string reason, Instant now, WallTime wall);
  // For GossipsubConfig::app_score (P5): minus the peer's recent rule breaking.
  double app_score(const PeerId& peer, Instant now) const { return misbehaviour_.score(peer, now); }
  // The backend's health; a change is advertised at the next tick. An unhealthy worker claims
  // nothing (what it runs goes on: the backend fails those runs if it is really down).
  void set_healthy(bool healthy);
  bool healthy() const { return config_.healthy; }

  // When tick() is next due: the next advert or claim-window end, or a past instant when a
  // message has changed something since the last tick.
  Instant next_deadline() const;

  size_t running() const { return running_.size(); }
  // Slots taken by runs and by claims still in their window.
  size_t slots_busy() const;
  const PeerId& self() const { return self_; }
  const PeerDirectory& directory() const { return directory_; }
  const JobBook& book() const { return book_; }

 private:
  bool likely_winner(const pb::JobAnnounce& a, Instant now, Instant window_end) const;

  struct Candidate {  // an announce we may claim while its attempt is open
    pb::JobAnnounce announce;
    Instant window_end{};
  };
  struct Running {
    Run run;
    uint64_t started_ms = 0;
  };

  pb::WorkerAdvert advert() const;
  // on_message's work; `fact` is set for a job fact (announce, claim, result, failure, cancel).
  Verdict handle(const PeerId& author, BytesView data, Instant now, WallTime wall, Arrival arrival,
                 bool* fact);
  Publish publish_advert(Instant now, WallTime wall);
  // An announce of a job we delivered (republished, or a next attempt) says the job is still
  // open at its announcer: our claims and results for it are published again.
  void on_announce_again(const pb::JobAnnounce& a, WallTime wall);
  void decide_claims(Instant now, WallTime wall, Actions& out);
  void start_won(Instant now, WallTime wall, Actions& out);
  // A fact of job `id` came: start_won looks at it again if we have a decided attempt there.
  void recheck(const JobId& id);
  void check_running(Instant now, Actions& out);
  void make_claims(Instant now, WallTime wall, Actions& out);
  void prune(Instant now);

  PeerId self_;
  WorkerConfig config_;
  PeerDirectory directory_;
  JobBook book_;
  Instant next_advert_ = kNever;
  size_t advert_listeners_ = 0;
  bool advert_heard_ = false;  // an advert went out while a peer listened
  Publishes repairs_;          // claims and results published again, sent at the next tick
  bool dirty_ = false;
  Instant next_loosen_ = kNever;  // when the claim bound next widens for a waiting candidate
  std::map<ClaimKey, Candidate> candidates_;
  // Our claims whose window has not passed (each holds a slot) → when it ends. Few, so the
  // per-message work (next_deadline, slots_busy, decide_claims) stays small however many jobs
  // were served; once decided (won: a run; lost: the slot is free) only the book remembers
  // them, which is what keeps a worker from claiming an attempt twice.
  std::map<ClaimKey, Instant> pending_claims_;
  bool claimed(const ClaimKey& k) const {
    return pending_claims_.contains(k) || book_.has_claim(k.job_id, k.attempt, self_);
  }
  std::map<RunKey, Running> running_;
  // Attempts in which a claim of ours has passed its window: start_won runs the generations we
  // win there, whenever the claims make us their winner, while the book keeps the job (a late
  // claim can take even a done job back). recheck_: the jobs to look at, at the next tick.
  std::set<ClaimKey> decided_;
  std::set<JobId> recheck_;
  // Runs that ended with our result or failure: never started again. (A run stopped because a
  // claim moved us off its generation may start again, should another claim of ours win it.)
  std::set<RunKey> ended_;
  FactLog facts_{/*keep_envelopes=*/false};
  MisbehaviourTally misbehaviour_;
};

}  // namespace aipg::grid
