// aipg worker: joins the mesh, advertises its models and slots, claims jobs, runs them on a
// backend and publishes the results (DESIGN.md §1). Backends: `test` (answers derived from the
// prompt, no model behind it), `ollama=URL` and `openai=URL` (docs/backends.md). Settings come
// from the flags and from --config FILE (app/worker_config.hpp); the flags win.
#include "app/commands.hpp"
#include "app/grid_host.hpp"
#include "app/json_lines.hpp"
#include "app/version.hpp"
#include "app/worker_backend.hpp"
#include "app/worker_config.hpp"
#include "base/log.hpp"
#include "node/output_stream_sender.hpp"
#include "worker/worker_service.hpp"

namespace aipg::app {
namespace {

struct ModelPlan {
  std::vector<grid::WorkerModel> models;
  std::map<std::string, std::string> backend_names;
};

// --model GRID_NAME[=BACKEND_NAME], or the config file's `models` with their own caps.
Result<ModelPlan> plan_models(const WorkerOptions& o) {
  ModelPlan p;
  if (!o.models.empty()) {
    for (const std::string& m : o.models) {
      const size_t eq = m.find('=');
      std::string grid = m.substr(0, eq);
      if (grid.empty()) return make_error(Errc::invalid_argument, "--model " + m + ": empty name");
      if (eq != std::string::npos) p.backend_names[grid] = m.substr(eq + 1);
      p.models.push_back({grid, o.max_length, o.max_context_length});
    }
    return p;
  }
  for (const WorkerModelOption& m : o.model_table) {
    if (!m.backend_name.empty()) p.backend_names[m.name] = m.backend_name;
    p.models.push_back({m.name, m.max_length ? m.max_length : o.max_length,
                        m.max_context_length ? m.max_context_length : o.max_context_length});
  }
  if (p.models.empty()) {
    return make_error(Errc::invalid_argument,
                      "--model: at least one needed (or `models` in the --config file)");
  }
  return p;
}

}  // namespace

int run_worker(const WorkerOptions& flags) {
  WorkerOptions o = flags;
  if (auto s = apply_worker_config(o); !s) {
    log::error("{}", s.error().message);
    return 2;
  }
  if (o.host.listen.empty()) {
    log::error("--listen: at least one needed (or `listen` in the --config file)");
    return 2;
  }
  auto models = plan_models(o);
  if (!models) {
    log::error("{}", models.error().message);
    return 2;
  }
  auto spec = parse_backend_spec(o.backend);
  if (!spec) {
    log::error("{}", spec.error().message);
    return 2;
  }
  const std::string kind = spec->kind;
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
  std::unique_ptr<worker::Backend> backend =
      make_backend(*spec, o, cfg.name, g.rt(), g.asio().context());
  node::OutputStreamSender output(g.host());
  worker::WorkerServiceConfig wc;
  wc.backend_models = models->backend_names;
  wc.drain = std::chrono::milliseconds(o.drain_ms);
  wc.health_interval = std::chrono::milliseconds(o.health_interval_ms);
  wc.timeout_base = std::chrono::milliseconds(o.timeout_base_ms);
  worker::WorkerService service(g.rt(), g.pubsub(), core, *backend, wc, &output);
  auto bound = g.start();
  if (!bound) {
    log::error("{}", bound.error().message);
    return 1;
  }
  service.start();
  log::info("worker {} ready: {} model(s), {} slot(s), backend {}{}", cfg.name, cfg.models.size(),
            cfg.slots, kind, kind == "test" ? "" : " at " + spec->url.text());
  emit(
      {{"event", "worker_ready"}, {"name", cfg.name}, {"peer_id", g.host().peer_id().to_base58()}});
  g.run_until_drained(
      [&](std::function<void()> done, bool now) { service.drain(std::move(done), now); });
  emit({{"event", "stopped"}});
  return 0;
}

}  // namespace aipg::app
