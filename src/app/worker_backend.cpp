#include "app/worker_backend.hpp"

#include "app/role_config.hpp"
#include "worker/ollama_backend.hpp"
#include "worker/openai_backend.hpp"
#include "worker/test_backend.hpp"

namespace aipg::app {

Result<BackendSpec> parse_backend_spec(const std::string& text) {
  const size_t eq = text.find('=');
  BackendSpec spec{text.substr(0, eq), {}};
  const std::string example =
      spec.kind == "ollama" ? "http://127.0.0.1:11434" : "http://127.0.0.1:8080";
  if (spec.kind == "test") {
    if (eq != std::string::npos) {
      return make_error(Errc::invalid_argument, "--backend " + text + ": `test` takes no URL");
    }
    return spec;
  }
  if (spec.kind != "ollama" && spec.kind != "openai") {
    return make_error(Errc::invalid_argument,
                      "--backend " + text + ": expected test, ollama=URL or openai=URL");
  }
  if (eq == std::string::npos || eq + 1 == text.size()) {
    return make_error(Errc::invalid_argument,
                      "--backend " + text + ": needs a URL, e.g. " + spec.kind + "=" + example);
  }
  auto url = worker::parse_base_url(text.substr(eq + 1));
  if (!url) return make_error(url.error().code, "--backend: " + url.error().message);
  spec.url = std::move(*url);
  return spec;
}

std::unique_ptr<worker::Backend> make_backend(const BackendSpec& spec, const WorkerOptions& o,
                                              const std::string& name, runtime::Runtime& rt,
                                              boost::asio::io_context& io) {
  if (spec.kind == "ollama") {
    return std::make_unique<worker::OllamaBackend>(
        io, worker::HttpBackendConfig{spec.url, o.backend_key, {}});
  }
  if (spec.kind == "openai") {
    return std::make_unique<worker::OpenAiBackend>(
        io, worker::OpenAiConfig{{spec.url, o.backend_key, {}}, false});
  }
  return std::make_unique<worker::TestBackend>(rt, test_backend_config(o, name));
}

}  // namespace aipg::app
