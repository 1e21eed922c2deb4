// GridStack — the grid as it ships, on the full-stack simulator (DESIGN.md §2, §7): bootstraps,
// API nodes and workers, each a simulated process (grid_stack_process.hpp: the commands'
// classes and settings) with real noise + yamux + gossipsub over SimNetwork byte pipes, all on
// one SimLoop. Where GridNet (grid_net.hpp) runs the cores on routers with a hand-written worker
// loop, this runs ApiNodeService, WorkerService, TestBackend and the output streams themselves,
// so start-up order, timers and stream set-up are the shipped ones.
//
// A scenario adds processes (each gets its own simulated machine and a key derived from the
// seed), starts them at virtual times of its choosing (every process is given every bootstrap
// as --bootstrap, whether it runs yet or not, as an operator would configure it), submits jobs,
// crashes and restarts processes, and runs the loop until a condition holds. Settings are the
// shipped defaults (app/commands.hpp) unless a scenario passes its own options.
//
//   GridStack s({.seed = 7});
//   const size_t boot = s.add_bootstrap(), api = s.add_api_node();
//   worker::TestBackendConfig slow;
//   slow.delay = 2s;
//   const size_t w = s.add_worker({"m"}, 1, slow);
//   s.start(boot); s.start(api); s.start_at(w, s.now() + 3s);
//   const grid::JobId job = *s.submit(api, "m");
//   ASSERT_TRUE(s.run_until([&] { return s.state(api, job) == grid::JobState::kDone; }, 60s))
//       << s.describe({job});
//
// Everything is deterministic in the seed; describe() names it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "grid_stack_process.hpp"
#include "io/sim/sim_loop.hpp"
#include "io/sim/sim_network.hpp"

namespace aipg::sim {

// What a scenario may do to, and learn from, the messages each process's gossipsub validator
// is given (the schedule explorer's lost messages and observations: explore_run.hpp).
// Installed on every process as it starts (set it before starting any).
struct MessageTap {
  // True: the process loses the message. Its role never judges it, and gossipsub (which has
  // marked it seen) takes no later copy and does not forward it — as if every copy had been
  // lost on its way to this process within the seen cache's ttl, like a link down for a while.
  std::function<bool(size_t process, const gossipsub::Message&)> lose;
  // Each message the role judged, and its verdict.
  std::function<void(size_t process, const gossipsub::Message&, gossipsub::ValidationResult)>
      judged;
};

// A generation a worker's backend was asked to run (RecordingBackend), and how it ended.
struct StackRun {
  enum class End { kRunning, kFinished, kFailed, kCancelled, kCrashed };
  size_t worker = 0;         // process index
  uint32_t incarnation = 0;  // of the worker (0 for its first start)
  grid::RunKey key;
  Instant started{};
  Instant ended{};  // when End is not kRunning
  End end = End::kRunning;
};
const char* to_string(StackRun::End e);

struct GridStackOptions {
  uint64_t seed = 1;
  // Every link's latency, jitter and bandwidth, unless set_link_fn says otherwise.
  io::sim::LinkParams link{.latency = 5ms};
};

class GridStack {
 public:
  enum class Role { kBootstrap, kApiNode, kWorker };

  explicit GridStack(GridStackOptions options = {});
  ~GridStack();
  GridStack(const GridStack&) = delete;
  GridStack& operator=(const GridStack&) = delete;

  // Each returns the process's index; nothing runs until it is started.
  size_t add_bootstrap();
  // `options`: the node's flags (app::NodeOptions); --http is set to this machine's address.
  size_t add_api_node(app::NodeOptions options = {});
  // `aipg worker --backend test --model M… --slots N`; `backend` as TestBackendConfig (its
  // delay is --test-delay-ms; an empty name is the worker's).
  size_t add_worker(std::vector<std::string> models, uint32_t slots = 1,
                    worker::TestBackendConfig backend = {});
  // The worker's other flags, for a scenario that needs them (drain, timeouts, …).
  size_t add_configured_worker(app::WorkerOptions options, worker::TestBackendConfig backend = {});

  // Starts process `i` now (it must not be running), or at virtual time `t` (scheduled).
  void start(size_t i);
  void start_at(size_t i, Instant t);
  // The process vanishes: its peers see their connections reset, its state is gone.
  void crash(size_t i);
  // Crashes the process if it runs, then starts a new incarnation: same key, same address,
  // fresh state (no store: an API node's book starts empty) and fresh randomness.
  void restart(size_t i);
  bool running(size_t i) const { return procs_.at(i).live != nullptr; }
  // How many times process `i` has been started.
  uint32_t starts(size_t i) const { return procs_.at(i).incarnation; }

  void set_message_tap(MessageTap tap) { tap_ = std::move(tap); }
  // Every run any worker's backend started, in order of starting, across restarts.
  const std::vector<StackRun>& runs() const { return runs_; }

  // Submits on API node `api` as api::GridGateway does (core().submit, then service.publish):
  // allowed before any worker exists. The error is the core's.
  Result<grid::JobId> submit(size_t api, const std::string& model, uint32_t n = 1,
                             std::string prompt = "hello grid");
  // The job in API node `api`'s book (nullopt: not known there, or the node is down).
  std::optional<grid::JobView> job(size_t api, const grid::JobId& id) const;
  std::optional<grid::JobState> state(size_t api, const grid::JobId& id) const;

  // Runs the loop until pred() holds or `limit` of virtual time has passed; returns pred().
  bool run_until(const std::function<bool()>& pred, Duration limit);
  void run_for(Duration d) { loop_.run_for(d); }
  Instant now() const { return loop_.now(); }
  io::sim::SimLoop& loop() { return loop_; }
  io::sim::SimNetwork& net() { return net_; }
  // Per-link parameters by the two machines' IPs (see ip()).
  void set_link_fn(std::function<io::sim::LinkParams(const std::string&, const std::string&)> fn) {
    net_.set_link_fn(std::move(fn));
  }
  uint64_t seed() const { return options_.seed; }
  // When the stack was made: describe() gives times from here.
  Instant began() const { return began_; }

  size_t size() const { return procs_.size(); }
  Role role(size_t i) const { return procs_.at(i).role; }
  const wire::PeerId& peer_id(size_t i) const { return procs_.at(i).peer_id; }
  const std::string& ip(size_t i) const { return procs_.at(i).ip; }
  // Where it listens, with /p2p/ (what --bootstrap names), whether it runs or not.
  wire::Multiaddr addr(size_t i) const;
  // The index of the process with this peer id, if any.
  std::optional<size_t> index_of(const wire::PeerId& peer) const;
  // The running process, as its role; nullptr when it is down or has another role.
  StackApiNode* api(size_t i) const;  // API nodes and bootstraps
  StackWorker* worker(size_t i) const;
  // Indices by role, in order of adding.
  std::vector<size_t> api_nodes() const { return of_role(Role::kApiNode); }
  std::vector<size_t> workers() const { return of_role(Role::kWorker); }

  // The lowest gossipsub score any running process gives any running process it is connected
  // to (honest peers must never fall below 0: node/grid_scoring.hpp), and who gave it to whom.
  double lowest_score(std::string* who = nullptr) const;
  // For failure messages: the seed, the time, every process (role, peer id, up or down,
  // connections, rejections by reason, the workers' run counters) and, for each API node,
  // each of `jobs`' state, attempt, claims and result author.
  std::string describe(const std::vector<grid::JobId>& jobs = {}) const;
  // A process's name in describe(): role and index ("api#1", "worker#3").
  std::string name(size_t i) const;

 private:
  struct Proc {
    Role role = Role::kWorker;
    ProcessIdentity id;  // rng_seed is set per incarnation
    wire::PeerId peer_id;
    std::string ip;
    app::NodeOptions node;
    app::WorkerOptions worker;
    worker::TestBackendConfig backend;
    uint32_t incarnation = 0;
    std::unique_ptr<StackProcess> live;
  };

  size_t add(Role role);
  std::vector<size_t> of_role(Role r) const;
  void install_tap(size_t i);
  void note_run(size_t worker, const grid::RunKey& key, RecordingBackend::Event e);

  GridStackOptions options_;
  io::sim::SimLoop loop_;
  io::sim::SimNetwork net_;
  Instant began_;
  std::vector<Proc> procs_;
  MessageTap tap_;
  std::vector<StackRun> runs_;
  std::map<std::tuple<size_t, uint32_t, grid::RunKey>, size_t> open_runs_;  // → runs_ index
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

const char* to_string(GridStack::Role r);

}  // namespace aipg::sim
