#include "grid_stack_process.hpp"

#include <gtest/gtest.h>

#include "app/role_config.hpp"
#include "app/version.hpp"

namespace aipg::sim {
namespace {

// What app::plan_host makes of the host flags, minus the key file.
node::GridHostConfig host_config(const ProcessIdentity& id) {
  node::GridHostConfig c;
  c.host.agent_version = app::kAgentVersion;
  c.host.max_connections = app::HostOptions{}.max_connections;
  c.discovery.bootstrap = id.bootstrap;
  c.listen = {*wire::Multiaddr::parse("/ip4/" + id.ip + "/tcp/" + std::to_string(id.port))};
  EXPECT_TRUE(c.host.validate());
  EXPECT_TRUE(c.discovery.validate());
  return c;
}

}  // namespace

StackProcess::StackProcess(io::sim::SimNetwork& net, const ProcessIdentity& id)
    : rng_(id.rng_seed),
      transport_(std::make_unique<io::sim::SimTransport>(net, id.ip)),
      rt_{net.loop(), net.loop(), rng_, net.loop(), *transport_},
      grid_(std::make_unique<node::GridHost>(rt_, id.key, host_config(id))),
      peer_id_(grid_->host().peer_id()) {}

// Members go in reverse: the grid host before the transport its connections run on.
StackProcess::~StackProcess() = default;

void StackProcess::boot() {
  auto bound = grid_->listen();
  EXPECT_TRUE(bound) << (bound ? "" : bound.error().message);
  if (bound) addrs_ = std::move(*bound);
  grid_->start();
}

StackApiNode::StackApiNode(io::sim::SimNetwork& net, const ProcessIdentity& id, bool bootstrap,
                           const app::NodeOptions& options)
    : StackProcess(net, id) {
  grid::ApiNodeConfig cfg;
  if (bootstrap) {
    cfg = app::bootstrap_config();
  } else {
    auto c = app::api_node_config(options, /*persist=*/false);
    EXPECT_TRUE(c) << (c ? "" : c.error().message);
    if (c) cfg = std::move(*c);
  }
  core_ = std::make_unique<grid::ApiNodeCore>(peer_id(), cfg, rt().rng);
  grid().set_app_score(
      [this](const wire::PeerId& p) { return core_->app_score(p, rt().clock.now()); });
  service_ = std::make_unique<node::ApiNodeService>(rt(), grid().pubsub(), *core_);
  if (!bootstrap) {
    // cmd_node hands both to api::GridGateway (Asio): without a store there is nothing to
    // persist, and the changed jobs are taken so that the core's list does not grow.
    service_->set_on_persist([](std::vector<grid::Persist>) {});
    service_->set_on_change([](std::vector<grid::JobId>) {});
    // GridGateway::on_output's test, less the partial text it keeps for HTTP polls: our open
    // jobs only.
    output_ = std::make_unique<node::OutputStreamReceiver>(
        grid().host(), [this](const wire::PeerId&, const grid::OutputStreamReader::Opened& run,
                              std::vector<std::string> pieces) {
          if (!core_->owns(run.job_id)) return false;
          const auto v = core_->job(run.job_id, rt().clock.now());
          if (!v || grid::is_finished(v->state)) return false;
          output_pieces_ += pieces.size();
          return true;
        });
  }
  boot();
  if (!bootstrap) {
    // cmd_node's stream_addrs for a listen address with a specific IP: the bound addresses.
    std::vector<std::string> stream_addrs;
    for (const wire::Multiaddr& a : addrs()) stream_addrs.emplace_back(as_chars(a.bytes()));
    core_->set_stream_addrs(std::move(stream_addrs));
  }
  service_->start();
}

StackApiNode::~StackApiNode() = default;

StackWorker::StackWorker(io::sim::SimNetwork& net, const ProcessIdentity& id,
                         const app::WorkerOptions& options, worker::TestBackendConfig backend,
                         RecordingBackend::Observer runs)
    : StackProcess(net, id) {
  auto models = app::plan_models(options);
  EXPECT_TRUE(models) << (models ? "" : models.error().message);
  if (!models) models = app::ModelPlan{};
  const grid::WorkerConfig cfg = app::worker_config(options, *models, peer_id(), "test");
  core_ = std::make_unique<grid::WorkerCore>(peer_id(), cfg);
  grid().set_app_score(
      [this](const wire::PeerId& p) { return core_->app_score(p, rt().clock.now()); });
  if (backend.name.empty()) backend.name = cfg.name;
  backend_ = std::make_unique<worker::TestBackend>(rt(), std::move(backend));
  recorder_ = std::make_unique<RecordingBackend>(*backend_, std::move(runs));
  output_ = std::make_unique<node::OutputStreamSender>(grid().host());
  service_ = std::make_unique<worker::WorkerService>(rt(), grid().pubsub(), *core_, *recorder_,
                                                     app::worker_service_config(options, *models),
                                                     output_.get());
  boot();
  service_->start();
}

StackWorker::~StackWorker() = default;

}  // namespace aipg::sim
