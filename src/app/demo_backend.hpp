// Which inference backend `aipg demo`'s workers use, in this order: `--backend` as given
// (test, ollama=URL, openai=URL); else a local Ollama that answers with at least one model;
// else the llama-server that scripts/setup builds (build/llama), started here as one more child.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/child_process.hpp"
#include "app/commands.hpp"

namespace aipg::app {

struct DemoBackend {
  std::string kind;                      // test | ollama | openai
  std::string grid_model;                // the model's name on the grid
  std::vector<std::string> worker_args;  // --backend …, --model …, --slots …
  std::string description;               // one line for the demo's output
  std::string warning;                   // said plainly when non-empty (random weights)
  std::optional<ChildProcess> server;    // the llama-server the demo started, if any
};

struct BackendContext {
  std::string exe;      // this binary (/proc/self/exe)
  std::string log_dir;  // where a started server logs
  std::function<bool()> interrupted;
};

// Errors: invalid_argument for a bad --backend (exit code 2), others when nothing usable is
// found or the server does not come up.
Result<DemoBackend> choose_backend(const DemoOptions& o, const BackendContext& ctx);

}  // namespace aipg::app
