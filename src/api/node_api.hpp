// The routes of an API node (docs/http-api.md): the AI Horde v2 text API, the OpenAI-compatible
// API and the operations routes, on a Router. NodeApi holds what the handlers share; it and
// everything it refers to must outlive the HTTP server's connections.
#pragma once

#include <functional>
#include <string>

#include "api/access.hpp"
#include "api/grid_gateway.hpp"
#include "api/metrics.hpp"
#include "api/router.hpp"
#include "api/text_request.hpp"

namespace aipg::api {

struct NodeApiConfig {
  std::string version;
  RequestLimits limits;
  // How long a blocking OpenAI request waits for its job before answering 504.
  Duration openai_timeout = std::chrono::minutes(5);
};

struct NodeApi {
  NodeApiConfig config;
  GridGateway& grid;
  Access& access;
  Registry& metrics;
  // Why the node is not ready (empty: ready), for /readyz: the mesh, the store.
  std::function<std::vector<std::string>()> not_ready;

  // Per-IP request limit and the key: nullopt when the request was answered (401/429).
  boost::asio::awaitable<std::optional<Access::Who>> admit(const Request& req,
                                                           const RequestContext& ctx,
                                                           ResponseWriter& w, bool submit,
                                                           bool openai_shape);
};

void add_horde_routes(Router& router, NodeApi& api);
void add_openai_routes(Router& router, NodeApi& api);
void add_ops_routes(Router& router, NodeApi& api);

// OpenAI's error shape {"error": {"message", "type", "param", "code"}}.
Response openai_error(http::status s, std::string_view code, std::string message,
                      const Request& req);

}  // namespace aipg::api
