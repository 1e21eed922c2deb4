// The worker's backend from --backend (test | ollama=URL | openai=URL) and --backend-key: the
// spec is checked before anything starts, and the backend is built on the host's io_context.
#pragma once

#include <memory>

#include "app/commands.hpp"
#include "runtime/byte_stream.hpp"
#include "worker/backend.hpp"
#include "worker/http_client.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace aipg::app {

struct BackendSpec {
  std::string kind;  // test, ollama or openai (WorkerAdvert.backend_kind)
  worker::BaseUrl url;
};

// Errors name --backend and what is wrong (unknown kind, a missing or bad URL).
Result<BackendSpec> parse_backend_spec(const std::string& text);

std::unique_ptr<worker::Backend> make_backend(const BackendSpec& spec, const WorkerOptions& o,
                                              const std::string& name, runtime::Runtime& rt,
                                              boost::asio::io_context& io);

}  // namespace aipg::app
