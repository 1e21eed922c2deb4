// Backend — what runs a generation: Ollama, an OpenAI-compatible server, or the test backend.
// Everything is called and calls back on the node's executor. A backend answers each start()
// with exactly one done callback, unless the run was cancelled first (then it may not call).
#pragma once

#include <functional>
#include <string>

#include "base/result.hpp"
#include "protocol/grid/worker_core.hpp"

namespace aipg::worker {

struct Generation {
  std::string text;
  uint32_t tokens = 0;
  std::string finish_reason = "stop";  // "stop" or "length"
};

using DoneFn = std::function<void(Result<Generation>)>;

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string kind() const = 0;  // WorkerAdvert.backend_kind
  // `backend_model` is the backend's own name for the run's grid model.
  virtual void start(const grid::Run& run, const std::string& backend_model, DoneFn done) = 0;
  virtual void cancel(const grid::RunKey& key) = 0;
};

}  // namespace aipg::worker
