#include "app/role_config.hpp"

#include "app/version.hpp"

namespace aipg::app {

Result<grid::ApiNodeConfig> api_node_config(const NodeOptions& o, bool persist) {
  grid::ApiNodeConfig cfg;
  cfg.version = kVersion;
  cfg.persist = persist;
  // The HTTP layer wakes its long polls on changes.
  cfg.report_changes = true;
  cfg.default_claim_window_ms = o.claim_window_ms;
  cfg.default_ttl_ms = uint64_t(o.ttl_s) * 1000;
  cfg.book.keep_finished = std::chrono::seconds(o.keep_finished_s);
  cfg.limits.max_prompt_bytes = o.max_prompt_bytes;
  cfg.http_url = o.public_url.empty() ? "http://" + o.http : o.public_url;
  if (auto s = cfg.validate(); !s) return s.error();
  return cfg;
}

grid::ApiNodeConfig bootstrap_config() {
  grid::ApiNodeConfig cfg;
  cfg.advertise = false;
  cfg.version = kVersion;
  return cfg;
}

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

grid::WorkerConfig worker_config(const WorkerOptions& o, const ModelPlan& models,
                                 const wire::PeerId& self, std::string backend_kind) {
  grid::WorkerConfig cfg;
  cfg.models = models.models;
  cfg.slots = o.slots;
  cfg.name = o.name.empty() ? "worker-" + self.to_base58().substr(46) : o.name;
  cfg.backend_kind = std::move(backend_kind);
  cfg.version = kVersion;
  return cfg;
}

worker::WorkerServiceConfig worker_service_config(const WorkerOptions& o, const ModelPlan& models) {
  worker::WorkerServiceConfig wc;
  wc.backend_models = models.backend_names;
  wc.drain = std::chrono::milliseconds(o.drain_ms);
  wc.health_interval = std::chrono::milliseconds(o.health_interval_ms);
  wc.timeout_base = std::chrono::milliseconds(o.timeout_base_ms);
  return wc;
}

worker::TestBackendConfig test_backend_config(const WorkerOptions& o, std::string name) {
  return worker::TestBackendConfig{std::move(name), std::chrono::milliseconds(o.test_delay_ms),
                                   std::chrono::milliseconds(o.test_token_ms),
                                   std::chrono::seconds(30)};
}

}  // namespace aipg::app
