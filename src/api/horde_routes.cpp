// The AI Horde v2 text routes (docs/http-api.md): same paths, fields, codes and error shape as
// the AI Horde, so its clients work unchanged.
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include "api/horde_json.hpp"
#include "api/job_id_text.hpp"
#include "api/node_api.hpp"
#include "api/response_writer.hpp"
#include "api/responses.hpp"

namespace aipg::api {

namespace json = boost::json;
using boost::asio::awaitable;

namespace {

// ?type=text (the default) or image (this grid runs no image models: empty answers).
bool wants_text(const Request& req) {
  const std::string_view target = req.target();
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return true;
  const std::string_view query = target.substr(q + 1);
  return query.find("type=image") == std::string_view::npos;
}

http::status status_of(unsigned code) { return static_cast<http::status>(code); }

// JSON with literal keys is built outside coroutines: g++ 12 cannot keep an initializer list's
// array in a coroutine frame ("array used as initializer").
json::object warning(const char* code, std::string message) {
  return {{"code", code}, {"message", std::move(message)}};
}

std::optional<grid::JobId> known_job(NodeApi& api, const RequestContext& ctx) {
  auto it = ctx.params.find("id");
  if (it == ctx.params.end()) return std::nullopt;
  auto id = parse_job_id(it->second);
  if (!id || !api.grid.core().job_status(*id, api.grid.now())) return std::nullopt;
  return id;
}

// The job's status as the AI Horde shows it (the job is known).
Response status_response(NodeApi& api, const grid::JobId& id, const Request& req) {
  auto v = api.grid.core().job(id, api.grid.now());
  return json_response(http::status::ok,
                       horde_status(*v, api.grid.queue_info(*v), api.grid.core().directory()), req);
}

Response not_found(const RequestContext& ctx, const Request& req) {
  auto it = ctx.params.find("id");
  return error_response(http::status::not_found, "RequestNotFound",
                        "request " + (it == ctx.params.end() ? "" : it->second) + " not found",
                        req);
}

awaitable<void> submit(NodeApi& api, const Request& req, RequestContext& ctx, ResponseWriter& w) {
  auto who = co_await api.admit(req, ctx, w, /*submit=*/true, /*openai_shape=*/false);
  if (!who) co_return;
  json::object body;
  if (auto e = parse_json_object(req.body(), body)) {
    co_await w.send(error_response(status_of(e->status), e->rc, e->message, req));
    co_return;
  }
  ParsedRequest p = parse_horde_request(body, api.config.limits);
  if (p.error) {
    co_await w.send(error_response(status_of(p.error->status), p.error->rc, p.error->message, req));
    co_return;
  }
  auto model = api.grid.choose_model(p.request.models);
  if (!model) {
    co_await w.send(error_response(
        http::status::bad_request, "NoValidWorkers",
        "no worker serves any model on the grid now; name the model in models", req));
    co_return;
  }
  if (p.request.dry_run) {
    json::object o;
    o["kudos"] = 0.0;
    co_await w.send(json_response(http::status::ok, o, req));
    co_return;
  }
  auto id = api.grid.submit(p.request, *model);
  if (!id) {
    const Error& e = id.error();
    if (e.code == Errc::invalid_argument || e.code == Errc::too_large) {
      co_await w.send(error_response(http::status::bad_request, "BadRequest", e.message, req));
    } else {
      co_await w.send(
          error_response(http::status::service_unavailable, "ServiceUnavailable", e.message, req));
    }
    co_return;
  }
  json::array warnings;
  for (const std::string& m : p.request.warnings) {
    warnings.push_back(warning("FieldIgnored", m));
  }
  if (api.grid.core().directory().workers_for(*model, api.grid.now()).empty()) {
    warnings.push_back(warning("NoAvailableWorker", "no live worker serves model " + *model +
                                                        " now; the request waits for one"));
  }
  json::object out;
  out["id"] = job_id_text(*id);
  out["kudos"] = 0.0;
  out["model"] = *model;
  if (!warnings.empty()) out["warnings"] = std::move(warnings);
  co_await w.send(json_response(http::status::accepted, out, req));
}

awaitable<void> status(NodeApi& api, const Request& req, RequestContext& ctx, ResponseWriter& w) {
  if (!co_await api.admit(req, ctx, w, false, false)) co_return;
  auto id = known_job(api, ctx);
  if (!id) {
    co_await w.send(not_found(ctx, req));
    co_return;
  }
  co_await w.send(status_response(api, *id, req));
}

awaitable<void> cancel(NodeApi& api, const Request& req, RequestContext& ctx, ResponseWriter& w) {
  if (!co_await api.admit(req, ctx, w, false, false)) co_return;
  auto id = known_job(api, ctx);
  if (!id) {
    co_await w.send(not_found(ctx, req));
    co_return;
  }
  if (!api.grid.core().owns(*id)) {
    co_await w.send(error_response(
        http::status::conflict, "NotOrigin",
        "only the API node that accepted the request can cancel it; this one did not", req));
    co_return;
  }
  if (auto r = api.grid.cancel(*id, "cancelled by the client"); !r) {
    co_await w.send(error_response(http::status::service_unavailable, "ServiceUnavailable",
                                   r.error().message, req));
    co_return;
  }
  co_await w.send(status_response(api, *id, req));
}

awaitable<void> models(NodeApi& api, const Request& req, RequestContext& ctx, ResponseWriter& w) {
  if (!co_await api.admit(req, ctx, w, false, false)) co_return;
  json::array out;
  if (wants_text(req)) {
    for (const auto& [name, s] : api.grid.model_stats()) out.push_back(horde_model(name, s));
  }
  co_await w.send(json_response(http::status::ok, out, req));
}

awaitable<void> workers(NodeApi& api, const Request& req, RequestContext& ctx, ResponseWriter& w) {
  if (!co_await api.admit(req, ctx, w, false, false)) co_return;
  json::array out;
  if (wants_text(req)) {
    const grid::PeerDirectory& dir = api.grid.core().directory();
    for (const grid::PeerId& p : dir.live_workers(api.grid.now())) {
      if (const grid::pb::WorkerAdvert* a = dir.worker_advert(p)) {
        out.push_back(horde_worker(p, *a, true));
      }
    }
  }
  co_await w.send(json_response(http::status::ok, out, req));
}

awaitable<void> heartbeat(NodeApi& api, const Request& req, RequestContext&, ResponseWriter& w) {
  json::object o;
  o["message"] = "OK";
  o["version"] = api.config.version;
  co_await w.send(json_response(http::status::ok, o, req));
}

awaitable<void> performance(NodeApi& api, const Request& req, RequestContext& ctx,
                            ResponseWriter& w) {
  if (!co_await api.admit(req, ctx, w, false, false)) co_return;
  size_t queued = 0, processing = 0;
  for (const auto& [name, s] : api.grid.model_stats()) {
    queued += s.queued;
    processing += s.processing;
  }
  const grid::PeerDirectory& dir = api.grid.core().directory();
  const Instant now = api.grid.now();
  size_t threads = 0;
  const std::vector<grid::PeerId> live = dir.live_workers(now);
  for (const grid::PeerId& p : live) {
    if (const grid::pb::WorkerAdvert* a = dir.worker_advert(p)) threads += a->slots_total();
  }
  json::object o;
  o["queued_requests"] = 0;
  o["queued_text_requests"] = queued;
  o["processing_text_requests"] = processing;
  o["worker_count"] = 0;
  o["text_worker_count"] = live.size();
  o["thread_count"] = 0;
  o["text_thread_count"] = threads;
  o["interrogator_count"] = 0;
  o["api_nodes"] = dir.live_nodes(now).size();
  co_await w.send(json_response(http::status::ok, o, req));
}

}  // namespace

void add_horde_routes(Router& router, NodeApi& api) {
  auto bind = [&api](awaitable<void> (*fn)(NodeApi&, const Request&, RequestContext&,
                                           ResponseWriter&)) -> Handler {
    return [&api, fn](const Request& req, RequestContext& ctx, ResponseWriter& w) {
      return fn(api, req, ctx, w);
    };
  };
  router.add(http::verb::post, "/api/v2/generate/text/async", bind(submit));
  router.add(http::verb::get, "/api/v2/generate/text/status/{id}", bind(status));
  router.add(http::verb::delete_, "/api/v2/generate/text/status/{id}", bind(cancel));
  router.add(http::verb::get, "/api/v2/status/models", bind(models));
  router.add(http::verb::get, "/api/v2/workers", bind(workers));
  router.add(http::verb::get, "/api/v2/status/heartbeat", bind(heartbeat));
  router.add(http::verb::get, "/api/v2/status/performance", bind(performance));
}

}  // namespace aipg::api
