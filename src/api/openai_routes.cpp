// The OpenAI-compatible routes (docs/http-api.md): /v1/completions and /v1/chat/completions,
// blocking or streamed as Server-Sent Events, and /v1/models. The job runs on the grid like any
// other; the answer comes when its result does. Streaming sends the role at once and each
// generation's text as it arrives (the grid carries whole results; token streaming over a direct
// stream is for later), then the finish reasons and `data: [DONE]`.
#include <boost/json/serialize.hpp>

#include "api/job_id_text.hpp"
#include "api/node_api.hpp"
#include "api/response_writer.hpp"
#include "api/responses.hpp"

namespace aipg::api {

namespace json = boost::json;
using boost::asio::awaitable;

Response openai_error(http::status s, std::string_view code, std::string message,
                      const Request& req) {
  const char* type = unsigned(s) >= 500 ? "server_error" : "invalid_request_error";
  json::object e{{"message", std::move(message)},
                 {"type", type},
                 {"param", nullptr},
                 {"code", json::string(code)}};
  return json_response(s, json::object{{"error", std::move(e)}}, req);
}

namespace {

int64_t unix_s(WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string hex_id(const grid::JobId& id) {
  std::string s = job_id_text(id);
  std::erase(s, '-');
  return s;
}

// About four bytes of English per token: the grid's workers report their own counts.
uint32_t estimate_tokens(const std::string& text) { return uint32_t(text.size() / 4 + 1); }

struct Job {
  grid::JobId id;
  std::string model;
  int64_t created = 0;
};

// Checks, submits and returns the job, or answers the error itself.
awaitable<std::optional<Job>> start(NodeApi& api, const Request& req, RequestContext& ctx,
                                    ResponseWriter& w, bool chat, OpenAiRequest& out) {
  auto who = co_await api.admit(req, ctx, w, /*submit=*/true, /*openai_shape=*/true);
  if (!who) co_return std::nullopt;
  json::object body;
  if (auto e = parse_json_object(req.body(), body)) {
    co_await w.send(openai_error(http::status::bad_request, "invalid_json", e->message, req));
    co_return std::nullopt;
  }
  ParsedOpenAi p = parse_openai_request(body, chat, api.config.limits);
  if (p.error) {
    co_await w.send(openai_error(http::status::bad_request, p.error->rc, p.error->message, req));
    co_return std::nullopt;
  }
  out = std::move(p.request);
  const std::string& model = out.text.models.front();
  const std::vector<std::string> seen = api.grid.core().models_seen();
  if (std::find(seen.begin(), seen.end(), model) == seen.end()) {
    co_await w.send(openai_error(http::status::not_found, "model_not_found",
                                 "the model " + model + " does not exist on this grid", req));
    co_return std::nullopt;
  }
  if (api.grid.core().directory().workers_for(model, api.grid.now()).empty()) {
    co_await w.send(openai_error(http::status::service_unavailable, "model_unavailable",
                                 "no live worker serves model " + model + " now", req));
    co_return std::nullopt;
  }
  auto id = api.grid.submit(out.text, model);
  if (!id) {
    const bool ours =
        id.error().code == Errc::invalid_argument || id.error().code == Errc::too_large;
    // Named first: g++ 12 destroys a ?: temporary inside co_await twice.
    const http::status status =
        ours ? http::status::bad_request : http::status::service_unavailable;
    const std::string_view code = ours ? "invalid_request" : "unavailable";
    Response r = openai_error(status, code, id.error().message, req);
    co_await w.send(std::move(r));
    co_return std::nullopt;
  }
  co_return Job{*id, model, unix_s(std::chrono::system_clock::now())};
}

// Waits until the job is finished, the timeout passes or the client is gone.
awaitable<std::optional<grid::JobView>> wait_finished(NodeApi& api, const grid::JobId& id,
                                                      const ResponseWriter& w) {
  const auto deadline = std::chrono::steady_clock::now() + api.config.openai_timeout;
  for (;;) {
    auto v = api.grid.core().job(id, api.grid.now());
    if (!v || grid::is_finished(v->state)) co_return v;
    if (std::chrono::steady_clock::now() >= deadline || w.client_gone()) co_return std::nullopt;
    co_await api.grid.wait_change(deadline);
  }
}

Response failure(const std::optional<grid::JobView>& v, const Request& req) {
  if (!v) {
    return openai_error(http::status::gateway_timeout, "timeout",
                        "no result within the time this node waits; the job goes on", req);
  }
  return openai_error(http::status::bad_gateway, "job_failed",
                      std::string("the job ") + grid::to_string(v->state) + ": " + v->reason, req);
}

json::object usage(const std::string& prompt, const grid::JobView& v) {
  uint32_t completion = 0;
  for (const grid::GenerationView& g : v.generations) {
    if (g.result)
      completion += g.result->tokens() ? g.result->tokens() : estimate_tokens(g.result->text());
  }
  const uint32_t p = estimate_tokens(prompt);
  return {
      {"prompt_tokens", p}, {"completion_tokens", completion}, {"total_tokens", p + completion}};
}

std::string finish_reason(const grid::GenerationView& g) {
  return g.result && g.result->finish_reason() == "length" ? "length" : "stop";
}

json::object choice(bool chat, size_t i, const grid::GenerationView& g) {
  json::object c{{"index", i}, {"finish_reason", finish_reason(g)}};
  const std::string text = g.result ? g.result->text() : "";
  if (chat) {
    c["message"] = json::object{{"role", "assistant"}, {"content", text}};
  } else {
    c["text"] = text;
    c["logprobs"] = nullptr;
  }
  return c;
}

// The first chunk of a streamed chat: the role of each choice.
json::array role_deltas(uint32_t n) {
  json::array out;
  for (uint32_t i = 0; i < n; ++i) {
    out.push_back(json::object{{"index", i},
                               {"delta", json::object{{"role", "assistant"}, {"content", ""}}},
                               {"finish_reason", nullptr}});
  }
  return out;
}

// One generation's text as a streamed choice.
json::object text_delta(bool chat, size_t i, const std::string& text) {
  json::object c{{"index", i}, {"finish_reason", nullptr}};
  if (chat) {
    c["delta"] = json::object{{"content", text}};
  } else {
    c["text"] = text;
    c["logprobs"] = nullptr;
  }
  return c;
}

// The last chunk: each choice's finish reason.
json::array finish_deltas(bool chat, const grid::JobView& v);

std::string stream_error(const std::optional<grid::JobView>& v) {
  json::object e{
      {"message", v ? std::string("the job ") + grid::to_string(v->state) + ": " + v->reason
                    : std::string("no result within the time this node waits")},
      {"type", "server_error"}};
  return json::serialize(json::object{{"error", std::move(e)}});
}

json::object model_list(const std::map<std::string, grid::ModelStats>& stats) {
  json::array data;
  for (const auto& [name, s] : stats) {
    if (s.workers == 0) continue;
    data.push_back(
        json::object{{"id", name}, {"object", "model"}, {"created", 0}, {"owned_by", "aipg"}});
  }
  json::object out;
  out["object"] = "list";
  out["data"] = std::move(data);
  return out;
}

json::object chunk(bool chat, const Job& job, json::array choices) {
  return {{"id", (chat ? "chatcmpl-" : "cmpl-") + hex_id(job.id)},
          {"object", chat ? "chat.completion.chunk" : "text_completion"},
          {"created", job.created},
          {"model", job.model},
          {"choices", std::move(choices)}};
}

json::array finish_deltas(bool chat, const grid::JobView& v) {
  json::array last;
  for (size_t i = 0; i < v.generations.size(); ++i) {
    json::object c{{"index", i}, {"finish_reason", finish_reason(v.generations[i])}};
    if (chat) {
      c["delta"] = json::object();
    } else {
      c["text"] = "";
      c["logprobs"] = nullptr;
    }
    last.push_back(std::move(c));
  }
  return last;
}

// What a streaming client has been sent of each generation, and what to send next: the
// generation's streamed output as it grows (from its winner, see PartialOutput), then the rest
// of the signed result. Built outside any co_await: views into the book do not outlive it.
struct StreamProgress {
  std::vector<std::string> sent;
  std::vector<bool> done;
  bool diverged = false;  // a result that does not continue what was sent (a restarted run)

  explicit StreamProgress(size_t n) : sent(n), done(n, false) {}

  std::vector<std::string> events(NodeApi& api, const Job& job, const OpenAiRequest& r,
                                  const grid::JobView& v) {
    std::vector<std::string> out;
    for (size_t i = 0; i < v.generations.size() && i < sent.size(); ++i) {
      if (done[i]) continue;
      std::string_view now;
      if (const grid::pb::JobResult* res = v.generations[i].result) {
        now = res->text();
        done[i] = true;
        if (!now.starts_with(sent[i])) {
          diverged = true;
          return out;
        }
      } else if (auto p = api.grid.partial_text(v, uint32_t(i))) {
        if (!p->starts_with(sent[i])) continue;  // another attempt's stream: wait for more
        now = *p;
      }
      if (now.size() <= sent[i].size()) continue;
      const std::string delta(now.substr(sent[i].size()));
      sent[i] += delta;
      json::array one;
      one.push_back(text_delta(r.chat, i, delta));
      out.push_back(json::serialize(chunk(r.chat, job, std::move(one))));
    }
    return out;
  }
};

std::string diverged_error() {
  json::object e{{"message",
                  "a generation was restarted on another worker after part of it was streamed; "
                  "the text above is void, ask again"},
                 {"type", "server_error"}};
  return json::serialize(json::object{{"error", std::move(e)}});
}

awaitable<void> stream(NodeApi& api, const Request& req, ResponseWriter& w, const Job& job,
                       const OpenAiRequest& r) {
  if (!co_await w.start_events()) co_return;
  if (r.chat) {
    if (!co_await w.send_event(json::serialize(chunk(true, job, role_deltas(r.text.n))))) {
      co_return;
    }
  }
  StreamProgress progress(r.text.n);
  const auto deadline = std::chrono::steady_clock::now() + api.config.openai_timeout;
  std::optional<grid::JobView> v;
  for (;;) {
    v = api.grid.core().job(job.id, api.grid.now());
    if (!v) break;
    const bool finished = grid::is_finished(v->state);
    const std::vector<std::string> events = progress.events(api, job, r, *v);
    for (const std::string& e : events) {
      if (!co_await w.send_event(e)) co_return;
    }
    if (progress.diverged || finished || std::chrono::steady_clock::now() >= deadline) break;
    co_await api.grid.wait_change(deadline);
    if (w.client_gone()) co_return;
  }
  // The view may be stale after the sends: look once more, and send what came meanwhile.
  v = api.grid.core().job(job.id, api.grid.now());
  if (v && !progress.diverged) {
    const std::vector<std::string> events = progress.events(api, job, r, *v);
    for (const std::string& e : events) {
      if (!co_await w.send_event(e)) co_return;
    }
    v = api.grid.core().job(job.id, api.grid.now());
  }
  if (progress.diverged) {
    co_await w.send_event(diverged_error());
  } else if (!v || v->state != grid::JobState::kDone) {
    // An error in the stream, as OpenAI sends one, then the end.
    co_await w.send_event(stream_error(v));
  } else {
    json::object end = chunk(r.chat, job, finish_deltas(r.chat, *v));
    end["usage"] = usage(r.text.prompt, *v);
    co_await w.send_event(json::serialize(end));
  }
  co_await w.send_event("[DONE]");
  co_await w.finish_events();
}

awaitable<void> completion(NodeApi& api, const Request& req, RequestContext& ctx, ResponseWriter& w,
                           bool chat) {
  OpenAiRequest r;
  auto job = co_await start(api, req, ctx, w, chat, r);
  if (!job) co_return;
  if (r.stream) {
    co_await stream(api, req, w, *job, r);
    co_return;
  }
  auto v = co_await wait_finished(api, job->id, w);
  if (!v || v->state != grid::JobState::kDone) {
    co_await w.send(failure(v, req));
    co_return;
  }
  json::array choices;
  for (size_t i = 0; i < v->generations.size(); ++i) {
    choices.push_back(choice(chat, i, v->generations[i]));
  }
  json::object out = chunk(chat, *job, std::move(choices));
  out["object"] = chat ? "chat.completion" : "text_completion";
  out["usage"] = usage(r.text.prompt, *v);
  co_await w.send(json_response(http::status::ok, out, req));
}

awaitable<void> models(NodeApi& api, const Request& req, RequestContext& ctx, ResponseWriter& w) {
  if (!co_await api.admit(req, ctx, w, false, true)) co_return;
  Response r = json_response(http::status::ok, model_list(api.grid.model_stats()), req);
  co_await w.send(std::move(r));
}

}  // namespace

void add_openai_routes(Router& router, NodeApi& api) {
  router.add(http::verb::post, "/v1/completions",
             [&api](const Request& req, RequestContext& ctx, ResponseWriter& w) {
               return completion(api, req, ctx, w, false);
             });
  router.add(http::verb::post, "/v1/chat/completions",
             [&api](const Request& req, RequestContext& ctx, ResponseWriter& w) {
               return completion(api, req, ctx, w, true);
             });
  router.add(http::verb::get, "/v1/models",
             [&api](const Request& req, RequestContext& ctx, ResponseWriter& w) {
               return models(api, req, ctx, w);
             });
}

}  // namespace aipg::api
