// The grid settings of each role, from its options, in one place: `aipg node`, `aipg worker` and
// `aipg bootstrap` build their cores and services from these, and so does the full-stack
// simulator (tests/sim/grid_stack), so that a scenario runs what ships (the option structs'
// defaults in app/commands.hpp are the shipped defaults).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "base/result.hpp"
#include "protocol/grid/api_core.hpp"
#include "protocol/grid/worker_core.hpp"
#include "worker/test_backend.hpp"
#include "worker/worker_service.hpp"

namespace aipg::app {

// An API node's core: its HTTP URL (--public-url, else http://<--http>), claim window, ttl,
// keep-finished and prompt limit; `persist` when a store is open. Validated: the error is
// ApiNodeConfig::validate()'s.
Result<grid::ApiNodeConfig> api_node_config(const NodeOptions& o, bool persist);
// A bootstrap's core: an ApiNodeCore that judges and relays but advertises nothing and takes no
// jobs.
grid::ApiNodeConfig bootstrap_config();

// The models a worker serves: --model GRID_NAME[=BACKEND_NAME], or the config file's `models`
// with their own caps. The error names the flag.
struct ModelPlan {
  std::vector<grid::WorkerModel> models;
  std::map<std::string, std::string> backend_names;  // grid name → the backend's, when they differ
};
Result<ModelPlan> plan_models(const WorkerOptions& o);

// A worker's core; its name defaults to "worker-" and the tail of its peer id. `backend_kind`
// is what its adverts say (test, ollama, openai).
grid::WorkerConfig worker_config(const WorkerOptions& o, const ModelPlan& models,
                                 const wire::PeerId& self, std::string backend_kind);
// A worker's service around the core: drain, health checks, run timeouts, backend model names.
worker::WorkerServiceConfig worker_service_config(const WorkerOptions& o, const ModelPlan& models);
// `--backend test`: answers after --test-delay-ms, a word every --test-token-ms.
worker::TestBackendConfig test_backend_config(const WorkerOptions& o, std::string name);

}  // namespace aipg::app
