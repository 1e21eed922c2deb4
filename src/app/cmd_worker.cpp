// aipg worker: joins the mesh, advertises its models and slots, claims jobs, runs them on a
// backend and publishes the results (DESIGN.md §1). Backends: `test` (answers derived from the
// prompt, no model behind it); Ollama and OpenAI-compatible servers come with the worker issue.
#include "app/commands.hpp"
#include "app/grid_host.hpp"
#include "app/json_lines.hpp"
#include "app/version.hpp"
#include "base/log.hpp"
#include "node/output_stream_sender.hpp"
#include "worker/test_backend.hpp"
#include "worker/worker_service.hpp"

namespace aipg::app {
namespace {

struct ModelPlan {
  std::vector<grid::WorkerModel> models;
  std::map<std::string, std::string> backend_names;
};

// --model GRID_NAME[=BACKEND_NAME]
Result<ModelPlan> plan_models(const WorkerOptions& o) {
  ModelPlan p;
  if (o.models.empty()) return make_error(Errc::invalid_argument, "--model: at least one needed");
  for (const std::string& m : o.models) {
    const size_t eq = m.find('=');
    std::string grid = m.substr(0, eq);
    if (grid.empty()) return make_error(Errc::invalid_argument, "--model " + m + ": empty name");
    if (eq != std::string::npos) p.backend_names[grid] = m.substr(eq + 1);
    p.models.push_back({grid, o.max_length, o.max_context_length});
  }
  return p;
}

}  // namespace

int run_worker(const WorkerOptions& o) {
  auto models = plan_models(o);
  if (!models) {
    log::error("{}", models.error().message);
    return 2;
  }
  const std::string kind = o.backend.substr(0, o.backend.find('='));
  if (kind != "test") {
    log::error("--backend {}: only `test` is available in this build", o.backend);
    return 2;
  }
  auto gh = GridHost::create(o.host);
  if (!gh) {
    log::error("{}", gh.error().message);
    return gh.error().code == Errc::invalid_argument ? 2 : 1;
  }
  GridHost& g = **gh;
  grid::WorkerConfig cfg;
  cfg.models = models->models;
  cfg.slots = o.slots;
  cfg.name = o.name.empty() ? "worker-" + g.host().peer_id().to_base58().substr(46) : o.name;
  cfg.backend_kind = kind;
  cfg.version = kVersion;
  grid::WorkerCore core(g.host().peer_id(), cfg);
  g.set_app_score([&](const wire::PeerId& p) { return core.app_score(p, g.rt().clock.now()); });
  worker::TestBackend backend(g.rt(), {cfg.name, std::chrono::milliseconds(o.test_delay_ms),
                                       std::chrono::milliseconds(o.test_token_ms), 30s});
  node::OutputStreamSender output(g.host());
  worker::WorkerServiceConfig wc;
  wc.backend_models = models->backend_names;
  wc.drain = std::chrono::milliseconds(o.drain_ms);
  wc.health_interval = std::chrono::milliseconds(o.health_interval_ms);
  wc.timeout_base = std::chrono::milliseconds(o.timeout_base_ms);
  worker::WorkerService service(g.rt(), g.pubsub(), core, backend, wc, &output);
  auto bound = g.start();
  if (!bound) {
    log::error("{}", bound.error().message);
    return 1;
  }
  service.start();
  log::info("worker {} ready: {} model(s), {} slot(s), backend {}", cfg.name, cfg.models.size(),
            cfg.slots, kind);
  emit(
      {{"event", "worker_ready"}, {"name", cfg.name}, {"peer_id", g.host().peer_id().to_base58()}});
  g.run_until_drained(
      [&](std::function<void()> done, bool now) { service.drain(std::move(done), now); });
  emit({{"event", "stopped"}});
  return 0;
}

}  // namespace aipg::app
