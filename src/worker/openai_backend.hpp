// OpenAiBackend — an OpenAI-compatible server (vLLM, llama.cpp's llama-server, others): chats go
// to /v1/chat/completions, plain prompts to /v1/completions, always streamed as SSE with usage
// asked for; check() reads /v1/models. The parameter mapping is openai_request_body's, and
// docs/backends.md has it as a table.
#pragma once

#include <boost/json/object.hpp>

#include "worker/http_backend.hpp"

namespace aipg::worker {

struct OpenAiConfig {
  HttpBackendConfig http;
  // Only the fields of OpenAI's own API: no top_k and no repetition penalty, which vLLM and
  // llama-server accept but api.openai.com refuses.
  bool strict = false;
};

// The JSON body for `run` on `backend_model`: the one place AI Horde parameters become OpenAI's.
boost::json::object openai_request_body(const grid::Run& run, const std::string& backend_model,
                                        bool strict);

class OpenAiBackend final : public HttpBackend {
 public:
  OpenAiBackend(boost::asio::io_context& io, OpenAiConfig config);

  std::string kind() const override { return "openai"; }
  void start(const grid::Run& run, const std::string& backend_model, TextFn on_text,
             DoneFn done) override;
  void check(HealthFn done) override;

 private:
  bool strict_;
};

}  // namespace aipg::worker
