#include "worker/openai_backend.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "worker/sse_parser.hpp"

namespace aipg::worker {

namespace json = boost::json;

json::object openai_request_body(const grid::Run& run, const std::string& backend_model,
                                 bool strict) {
  const grid::pb::TextParams& p = run.params;
  json::object o;
  o["model"] = backend_model;
  if (run.messages.empty()) {
    o["prompt"] = run.prompt;
  } else {
    json::array messages;
    for (const grid::pb::ChatMessage& m : run.messages) {
      messages.push_back(json::object{{"role", m.role()}, {"content", m.content()}});
    }
    o["messages"] = std::move(messages);
  }
  o["stream"] = true;
  o["stream_options"] = json::object{{"include_usage", true}};
  if (p.max_length() > 0) o["max_tokens"] = p.max_length();
  // Always sent: 0 means greedy and must not fall back to the server's default.
  o["temperature"] = json_float(p.temperature());
  if (p.top_p() > 0) o["top_p"] = json_float(p.top_p());
  if (p.stop_sequence_size() > 0) {
    json::array stop;
    // OpenAI's own API takes at most 4 stop sequences; the others take more.
    const int n = strict ? std::min(p.stop_sequence_size(), 4) : p.stop_sequence_size();
    for (int i = 0; i < n; ++i) stop.push_back(json::string(p.stop_sequence(i)));
    o["stop"] = std::move(stop);
  }
  if (p.has_seed()) o["seed"] = p.seed();
  if (!strict) {
    if (p.top_k() > 0) o["top_k"] = p.top_k();
    if (p.rep_pen() > 0) {
      // vLLM's name and llama.cpp's: each server ignores the other's.
      o["repetition_penalty"] = json_float(p.rep_pen());
      o["repeat_penalty"] = json_float(p.rep_pen());
    }
  }
  // max_context_length has no OpenAI field: the server's context is fixed when it starts.
  return o;
}

namespace {

// The text of an `error` member, which servers send as an object with a message or a string.
std::string error_text(const json::value& e) {
  if (const auto* s = e.if_string()) return std::string(*s);
  if (const auto* o = e.if_object()) {
    if (const auto* m = json_string(*o, "message")) return std::string(*m);
  }
  return json::serialize(e).substr(0, 200);
}

class OpenAiDecoder final : public StreamDecoder {
 public:
  explicit OpenAiDecoder(bool chat) : chat_(chat) {}

  Status feed(std::string_view piece, const TextFn& emit) override {
    if (done_) return ok();  // anything after [DONE] is not ours to read
    return sse_.feed(piece, [&](const SseEvent& e) { return on_event(e, emit); });
  }

  Result<Generation> finish(const TextFn&) override {
    if (!done_ && finish_reason_.empty()) {
      return make_error(Errc::closed, "the stream ended before [DONE] or a finish_reason (after " +
                                          std::to_string(sse_.events()) + " events)");
    }
    // A tool call or a filter also ended the text: "stop" to the grid.
    return text_.finish(usage_tokens_, finish_reason_);
  }

 private:
  Status on_event(const SseEvent& e, const TextFn& emit) {
    if (done_) return ok();
    if (e.is_done()) {
      done_ = true;
      return ok();
    }
    const std::string where = "stream event " + std::to_string(sse_.events());
    boost::system::error_code ec;
    json::value v = json::parse(e.data, ec);
    if (ec) return make_error(Errc::malformed, where + " is not JSON: " + ec.message());
    const json::object* o = v.if_object();
    if (!o) return make_error(Errc::malformed, where + " is not a JSON object");
    if (const json::value* err = o->if_contains("error")) {
      return make_error(Errc::io, "the server reported an error: " + error_text(*err));
    }
    if (const json::object* usage = json_object(*o, "usage")) {
      if (auto n = json_count(*usage, "completion_tokens")) usage_tokens_ = n;
    }
    const json::value* choices = o->if_contains("choices");
    const json::array* arr = choices ? choices->if_array() : nullptr;
    if (!arr || arr->empty()) return ok();  // the usage chunk has no choices
    const json::object* choice = (*arr)[0].if_object();
    if (!choice) return make_error(Errc::malformed, where + ": choices[0] is not an object");
    const json::string* piece = nullptr;
    if (chat_) {
      if (const json::object* delta = json_object(*choice, "delta")) {
        piece = json_string(*delta, "content");  // null with the role, and at the end
      }
    } else {
      piece = json_string(*choice, "text");
    }
    text_.add(piece, emit);
    if (const json::string* reason = json_string(*choice, "finish_reason")) {
      finish_reason_ = std::string(*reason);
    }
    return ok();
  }

  bool chat_;
  SseParser sse_;
  GenerationText text_;
  std::optional<uint32_t> usage_tokens_;
  std::string finish_reason_;
  bool done_ = false;
};

}  // namespace

OpenAiBackend::OpenAiBackend(boost::asio::io_context& io, OpenAiConfig config)
    : HttpBackend(io, std::move(config.http)), strict_(config.strict) {}

void OpenAiBackend::start(const grid::Run& run, const std::string& backend_model, TextFn on_text,
                          DoneFn done) {
  const bool chat = !run.messages.empty();
  std::string body = json::serialize(openai_request_body(run, backend_model, strict_));
  run_stream(run.key, chat ? "/v1/chat/completions" : "/v1/completions", std::move(body),
             std::make_unique<OpenAiDecoder>(chat), std::move(on_text), std::move(done));
}

void OpenAiBackend::check(HealthFn done) { get_names("/v1/models", "data", "id", std::move(done)); }

}  // namespace aipg::worker
