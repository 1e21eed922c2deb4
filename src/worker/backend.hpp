// Backend — what runs a generation: Ollama, an OpenAI-compatible server, or the test backend.
// Everything is called and calls back on the node's executor. A backend answers each start()
// with exactly one done callback, unless the run was cancelled first (then it may not call);
// before that it may report the output so far, piece by piece, through the text callback (what
// streams to the job's origin node). check() asks whether the backend answers and what it serves.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "protocol/grid/worker_core.hpp"

namespace aipg::worker {

struct Generation {
  std::string text;
  uint32_t tokens = 0;
  std::string finish_reason = "stop";  // "stop" or "length"
};

using DoneFn = std::function<void(Result<Generation>)>;
// A piece of output as it is generated; the pieces of one run, joined, are its text.
using TextFn = std::function<void(std::string_view piece)>;
// The backend's own names of the models it serves, or why it cannot be used.
using HealthFn = std::function<void(Result<std::vector<std::string>>)>;

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string kind() const = 0;  // WorkerAdvert.backend_kind
  // `backend_model` is the backend's own name for the run's grid model.
  virtual void start(const grid::Run& run, const std::string& backend_model, TextFn on_text,
                     DoneFn done) = 0;
  virtual void cancel(const grid::RunKey& key) = 0;
  // Calls `done` once, on the executor, never from inside check().
  virtual void check(HealthFn done) = 0;
};

}  // namespace aipg::worker
