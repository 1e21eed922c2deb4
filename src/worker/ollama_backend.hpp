// OllamaBackend — an Ollama server: chats go to /api/chat, plain prompts to /api/generate (raw:
// the prompt is continued as given, like /v1/completions), streamed as NDJSON; check() reads
// /api/tags. The parameter mapping is ollama_request_body's, and docs/backends.md has it as a
// table.
#pragma once

#include <boost/json/object.hpp>

#include "worker/http_backend.hpp"

namespace aipg::worker {

// The JSON body for `run` on `backend_model`: the one place AI Horde parameters become Ollama's.
boost::json::object ollama_request_body(const grid::Run& run, const std::string& backend_model);

class OllamaBackend final : public HttpBackend {
 public:
  OllamaBackend(boost::asio::io_context& io, HttpBackendConfig config);

  std::string kind() const override { return "ollama"; }
  void start(const grid::Run& run, const std::string& backend_model, TextFn on_text,
             DoneFn done) override;
  void check(HealthFn done) override;
};

}  // namespace aipg::worker
