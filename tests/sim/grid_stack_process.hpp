// The simulated `aipg` processes of GridStack (grid_stack.hpp): each is what
// src/app/cmd_bootstrap.cpp, cmd_node.cpp or cmd_worker.cpp builds, on the simulator instead of
// Asio — its own SeededRng, a SimTransport and a runtime::Runtime on the shared SimLoop,
// node::GridHost, and the role's core and service, with the settings of app/role_config.hpp and
// in the commands' order. What the commands add around the grid is left out: no SQLite store,
// no HTTP (a scenario submits through the core and the service, as api::GridGateway does), no
// signals.
//
// Constructing one is the process starting, up to its ready line (listening, gossipsub and
// discovery started, the role's service started); destroying it is the process gone.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "io/sim/seeded_rng.hpp"
#include "io/sim/sim_network.hpp"
#include "node/api_node_service.hpp"
#include "node/grid_host.hpp"
#include "node/output_stream_receiver.hpp"
#include "node/output_stream_sender.hpp"
#include "protocol/grid/api_core.hpp"
#include "protocol/grid/worker_core.hpp"
#include "recording_backend.hpp"
#include "worker/test_backend.hpp"
#include "worker/worker_service.hpp"

namespace aipg::sim {

// Who a process is, kept across restarts: its key, its machine (IP) and where it listens.
struct ProcessIdentity {
  wire::KeyPair key;
  std::string ip;         // the simulated machine's address
  uint16_t port = 4001;   // listens on /ip4/<ip>/tcp/<port>
  uint64_t rng_seed = 1;  // this incarnation's randomness (job ids, nonces, jitter of timers)
  std::vector<wire::Multiaddr> bootstrap;  // --bootstrap
};

// What every grid process has: the runtime and node::GridHost (host, gossipsub with the grid's
// scoring, discovery).
class StackProcess {
 public:
  virtual ~StackProcess();
  StackProcess(const StackProcess&) = delete;
  StackProcess& operator=(const StackProcess&) = delete;

  node::GridHost& grid() { return *grid_; }
  const wire::PeerId& peer_id() const { return peer_id_; }
  io::sim::SimTransport& transport() { return *transport_; }
  runtime::Runtime& rt() { return rt_; }
  // Where it listens, each with /p2p/ (what --bootstrap names).
  const std::vector<wire::Multiaddr>& addrs() const { return addrs_; }

 protected:
  StackProcess(io::sim::SimNetwork& net, const ProcessIdentity& id);
  // GridHost::start of app/: binds (asserting success: the scenario chose the address), then
  // starts gossipsub and discovery.
  void boot();

 private:
  io::sim::SeededRng rng_;
  std::unique_ptr<io::sim::SimTransport> transport_;
  runtime::Runtime rt_;
  std::unique_ptr<node::GridHost> grid_;
  wire::PeerId peer_id_;
  std::vector<wire::Multiaddr> addrs_;
};

// `aipg node` (ApiNodeCore, ApiNodeService, OutputStreamReceiver) or, with `bootstrap`,
// `aipg bootstrap` (a relay: ApiNodeCore with advertise = false, no output streams).
class StackApiNode final : public StackProcess {
 public:
  StackApiNode(io::sim::SimNetwork& net, const ProcessIdentity& id, bool bootstrap,
               const app::NodeOptions& options);
  ~StackApiNode() override;

  bool is_bootstrap() const { return output_ == nullptr; }
  grid::ApiNodeCore& core() { return *core_; }
  node::ApiNodeService& service() { return *service_; }
  // Pieces of streamed output taken for this node's open jobs (0 on a bootstrap).
  uint64_t output_pieces() const { return output_pieces_; }

 private:
  std::unique_ptr<grid::ApiNodeCore> core_;
  std::unique_ptr<node::ApiNodeService> service_;
  std::unique_ptr<node::OutputStreamReceiver> output_;
  uint64_t output_pieces_ = 0;
};

// `aipg worker --backend test` (WorkerCore, TestBackend, OutputStreamSender, WorkerService).
// The service drives the TestBackend through a RecordingBackend, which tells `runs` each run's
// start and end.
class StackWorker final : public StackProcess {
 public:
  // `backend.name` empty: the worker's name, as the shipped command sets it.
  StackWorker(io::sim::SimNetwork& net, const ProcessIdentity& id,
              const app::WorkerOptions& options, worker::TestBackendConfig backend,
              RecordingBackend::Observer runs = {});
  ~StackWorker() override;

  grid::WorkerCore& core() { return *core_; }
  worker::WorkerService& service() { return *service_; }
  worker::TestBackend& backend() { return *backend_; }
  node::OutputStreamSender& output() { return *output_; }

 private:
  std::unique_ptr<grid::WorkerCore> core_;
  std::unique_ptr<worker::TestBackend> backend_;
  std::unique_ptr<RecordingBackend> recorder_;
  std::unique_ptr<node::OutputStreamSender> output_;
  std::unique_ptr<worker::WorkerService> service_;
};

}  // namespace aipg::sim
