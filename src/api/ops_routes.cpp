// Operations routes (docs/http-api.md): /healthz (the process answers), /readyz (mesh joined,
// store open), /metrics (Prometheus text); and NodeApi::admit, the per-IP limit and the API key
// check every user route starts with.
#include <boost/json/serialize.hpp>

#include "api/metrics_handler.hpp"
#include "api/node_api.hpp"
#include "api/response_writer.hpp"
#include "api/responses.hpp"

namespace aipg::api {

namespace json = boost::json;
using boost::asio::awaitable;

awaitable<std::optional<Access::Who>> NodeApi::admit(const Request& req, const RequestContext& ctx,
                                                     ResponseWriter& w, bool submit,
                                                     bool openai_shape) {
  auto reply = [&](http::status s, std::string_view rc, std::string_view oa_code,
                   std::string message) {
    return openai_shape ? openai_error(s, oa_code, std::move(message), req)
                        : error_response(s, rc, std::move(message), req);
  };
  auto retry = [](Response r, Duration after) {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(after).count() + 1;
    r.set(http::field::retry_after, std::to_string(s));
    return r;
  };
  const Instant now = grid.now();
  Duration after{};
  if (!access.allow_request(ctx.remote_ip, now, &after)) {
    metrics.counter("aipg_api_limited_total", "Requests refused by a rate limit", {{"limit", "ip"}})
        .inc();
    co_await w.send(retry(reply(http::status::too_many_requests, "TooManyRequests",
                                "rate_limit_exceeded", "too many requests from " + ctx.remote_ip),
                          after));
    co_return std::nullopt;
  }
  // The AI Horde's `apikey` header; OpenAI clients send `Authorization: Bearer KEY`.
  const auto auth = req[http::field::authorization];
  std::string key(auth.data(), auth.size());
  if (key.starts_with("Bearer ")) key.erase(0, 7);
  if (auto h = req["apikey"]; !h.empty()) key.assign(h.data(), h.size());
  auto who = access.identify(key);
  if (!who) {
    metrics.counter("aipg_api_rejected_keys_total", "Requests with an unknown API key").inc();
    co_await w.send(reply(http::status::unauthorized, "InvalidAPIKey", "invalid_api_key",
                          "the API key is not known to this node"));
    co_return std::nullopt;
  }
  if (submit && !access.allow_submit(*who, now, &after)) {
    metrics
        .counter("aipg_api_limited_total", "Requests refused by a rate limit", {{"limit", "key"}})
        .inc();
    co_await w.send(
        retry(reply(http::status::too_many_requests, "TooManyPrompts", "rate_limit_exceeded",
                    "too many requests for key " + who->name + "; retry later"),
              after));
    co_return std::nullopt;
  }
  co_return who;
}

namespace {

// Outside the coroutines: g++ 12 cannot keep an initializer list's array in a coroutine frame.
json::object health() { return {{"status", "ok"}}; }
json::object readiness(const std::vector<std::string>& why) {
  json::array reasons;
  for (const auto& r : why) reasons.emplace_back(r);
  return {{"ready", why.empty()}, {"reasons", std::move(reasons)}};
}

awaitable<void> ready(NodeApi& api, const Request& req, ResponseWriter& w) {
  const std::vector<std::string> why = api.not_ready ? api.not_ready() : std::vector<std::string>{};
  // Named first: g++ 12 destroys a ?: temporary inside co_await twice.
  const http::status status = why.empty() ? http::status::ok : http::status::service_unavailable;
  Response r = json_response(status, readiness(why), req);
  co_await w.send(std::move(r));
}

}  // namespace

void add_ops_routes(Router& router, NodeApi& api) {
  router.add(http::verb::get, "/healthz",
             [](const Request& req, RequestContext&, ResponseWriter& w) -> awaitable<void> {
               co_await w.send(json_response(http::status::ok, health(), req));
             });
  router.add(http::verb::get, "/readyz",
             [&api](const Request& req, RequestContext&, ResponseWriter& w) {
               return ready(api, req, w);
             });
  router.add(http::verb::get, "/metrics", metrics_handler(api.metrics));
}

}  // namespace aipg::api
