#include "app/demo_backend.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <thread>

#include "app/demo_http.hpp"

namespace aipg::app {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr const char* kOllamaUrl = "http://127.0.0.1:11434";

// The first model a server lists: Ollama's /api/tags ({models: [{name}]}) or an OpenAI-style
// /v1/models ({data: [{id}]}).
Result<std::string> first_model(const std::string& kind, const Url& url, Duration timeout) {
  const bool ollama = kind == "ollama";
  AIPG_TRY_ASSIGN(json::value v,
                  http_json(url, "GET", ollama ? "/api/tags" : "/v1/models", "", timeout));
  const char* list = ollama ? "models" : "data";
  const char* field = ollama ? "name" : "id";
  const json::value* items = v.is_object() ? v.as_object().if_contains(list) : nullptr;
  if (items && items->is_array()) {
    for (const json::value& m : items->as_array()) {
      const json::value* name = m.is_object() ? m.as_object().if_contains(field) : nullptr;
      if (name && name->is_string() && !name->as_string().empty()) {
        return std::string(name->as_string());
      }
    }
  }
  return make_error(Errc::not_found, kind + " at http://" + url.host + ":" +
                                         std::to_string(url.port) + " lists no model" +
                                         (ollama ? " (ollama pull MODEL)" : ""));
}

// The grid name is what --model says before '=' (or all of it).
DemoBackend remote_backend(const std::string& kind, const std::string& url,
                           const std::string& model_flag) {
  DemoBackend b;
  b.kind = kind;
  b.grid_model = model_flag.substr(0, model_flag.find('='));
  b.worker_args = {"--backend", kind + "=" + url, "--model", model_flag, "--slots", "1"};
  return b;
}

Result<DemoBackend> given_backend(const DemoOptions& o) {
  const size_t eq = o.backend.find('=');
  const std::string kind = o.backend.substr(0, eq);
  if (o.backend == "test") {
    DemoBackend b;
    b.kind = "test";
    b.grid_model = o.model.empty() ? "demo/echo" : o.model.substr(0, o.model.find('='));
    b.worker_args = {"--backend", "test", "--model", o.model.empty() ? b.grid_model : o.model,
                     "--slots",   "2"};
    b.description = "the built-in test backend (answers echo the prompt; no model behind it)";
    return b;
  }
  if ((kind != "ollama" && kind != "openai") || eq == std::string::npos) {
    return make_error(Errc::invalid_argument,
                      "--backend " + o.backend + ": expected test, ollama=URL or openai=URL");
  }
  const std::string url = o.backend.substr(eq + 1);
  AIPG_TRY_ASSIGN(Url u, parse_url(url));
  std::string model = o.model;
  if (model.empty()) {
    auto m = first_model(kind, u, 5s);
    if (!m) {
      return make_error(m.error().code,
                        "--backend " + o.backend + ": " + m.error().message + "; or pass --model");
    }
    model = *m;
  }
  DemoBackend b = remote_backend(kind, url, model);
  b.description = (kind == "ollama" ? "Ollama at " : "the OpenAI-compatible server at ") + url +
                  ", model " + model;
  return b;
}

// A port the kernel says is free now (the server binds it a moment later).
Result<uint16_t> free_port() {
  boost::asio::io_context ioc;
  boost::system::error_code ec;
  boost::asio::ip::tcp::acceptor a(ioc);
  const boost::asio::ip::tcp::endpoint at(boost::asio::ip::make_address("127.0.0.1"), 0);
  a.open(at.protocol(), ec);
  if (!ec) a.bind(at, ec);
  if (ec) return make_error(Errc::io, "finding a free port: " + ec.message());
  return a.local_endpoint().port();
}

Result<DemoBackend> llama_backend(const DemoOptions& o, const BackendContext& ctx) {
  const fs::path dir = fs::path(ctx.exe).parent_path().parent_path() / "llama";
  const fs::path server = dir / "llama-server", model = dir / "tiny.gguf";
  std::error_code ec;
  if (!fs::exists(server, ec) || !fs::exists(model, ec)) {
    return make_error(Errc::not_found,
                      "no backend: Ollama does not answer at " + std::string(kOllamaUrl) +
                          " and there is no " + server.string() + " with " + model.string() +
                          " (scripts/setup builds them). Use --backend test, or --backend "
                          "ollama=URL / openai=URL");
  }
  AIPG_TRY_ASSIGN(uint16_t port, free_port());
  const std::string p = std::to_string(port);
  AIPG_TRY_ASSIGN(ChildProcess child,
                  ChildProcess::spawn("llama-server",
                                      {server.string(), "-m", model.string(), "--host", "127.0.0.1",
                                       "--port", p, "-c", "512", "--parallel", "2", "-t", "1"},
                                      ctx.log_dir + "/llama-server"));
  const std::string url = "http://127.0.0.1:" + p;
  AIPG_TRY_ASSIGN(Url u, parse_url(url));
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  for (;;) {
    auto r = http_call(u, "GET", "/health", "", 2s);
    if (r && r->status == 200) break;
    if (!child.running()) {
      return make_error(Errc::closed, "llama-server " + child.exit_text() + "; the end of " +
                                          child.err_path() + ":" + child.stderr_tail());
    }
    if (ctx.interrupted()) return make_error(Errc::closed, "interrupted");
    if (std::chrono::steady_clock::now() >= deadline) {
      return make_error(
          Errc::timeout,
          "llama-server did not answer /health with 200 in 60 s; see " + child.err_path());
    }
    std::this_thread::sleep_for(100ms);
  }
  std::string id = model.filename().string();
  if (auto m = first_model("openai", u, 5s)) id = *m;
  DemoBackend b = remote_backend("openai", url, o.model.empty() ? "tiny=" + id : o.model);
  b.description = "llama.cpp's llama-server at " + url + " (started by the demo) with " +
                  model.string() + ", served to the grid as " + b.grid_model;
  b.warning =
      "tiny.gguf is a test model with RANDOM weights: its text is gibberish. Point the demo at a "
      "real model with --backend ollama=http://127.0.0.1:11434 (after `ollama pull MODEL`) or "
      "--backend openai=URL --model NAME.";
  b.server.emplace(std::move(child));
  return b;
}

}  // namespace

Result<DemoBackend> choose_backend(const DemoOptions& o, const BackendContext& ctx) {
  if (!o.backend.empty()) return given_backend(o);
  const Url ollama = *parse_url(kOllamaUrl);
  auto m = first_model("ollama", ollama, 1s);
  if (m) {
    const std::string model = o.model.empty() ? *m : o.model;
    DemoBackend b = remote_backend("ollama", kOllamaUrl, model);
    b.description = std::string("the local Ollama at ") + kOllamaUrl + ", model " + model;
    return b;
  }
  return llama_backend(o, ctx);
}

}  // namespace aipg::app
