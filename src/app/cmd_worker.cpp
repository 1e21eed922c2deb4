// aipg worker: joins the mesh, advertises its models and slots, claims jobs, runs them on a
// backend and publishes the results (DESIGN.md §1). Backends: `test` (answers derived from the
// prompt, no model behind it), `ollama=URL` and `openai=URL` (docs/backends.md). Settings come
// from the flags and from --config FILE (app/worker_config.hpp); the flags win.
#include "app/commands.hpp"
#include "app/grid_host.hpp"
#include "app/json_lines.hpp"
#include "app/role_config.hpp"
#include "app/worker_backend.hpp"
#include "app/worker_config.hpp"
#include "base/log.hpp"
#include "node/output_stream_sender.hpp"
#include "worker/worker_service.hpp"

namespace aipg::app {
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
  const grid::WorkerConfig cfg = worker_config(o, *models, g.host().peer_id(), kind);
  grid::WorkerCore core(g.host().peer_id(), cfg);
  g.set_app_score([&](const wire::PeerId& p) { return core.app_score(p, g.rt().clock.now()); });
  std::unique_ptr<worker::Backend> backend =
      make_backend(*spec, o, cfg.name, g.rt(), g.asio().context());
  node::OutputStreamSender output(g.host());
  worker::WorkerService service(g.rt(), g.pubsub(), core, *backend,
                                worker_service_config(o, *models), &output);
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
