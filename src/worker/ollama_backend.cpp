#include "worker/ollama_backend.hpp"

#include <boost/json/serialize.hpp>

#include "worker/ndjson_parser.hpp"

namespace aipg::worker {

namespace json = boost::json;

json::object ollama_request_body(const grid::Run& run, const std::string& backend_model) {
  const grid::pb::TextParams& p = run.params;
  json::object o;
  o["model"] = backend_model;
  if (run.messages.empty()) {
    o["prompt"] = run.prompt;
    // AI Horde prompts come formatted by the client: no template around them.
    o["raw"] = true;
  } else {
    json::array messages;
    for (const grid::pb::ChatMessage& m : run.messages) {
      messages.push_back(json::object{{"role", m.role()}, {"content", m.content()}});
    }
    o["messages"] = std::move(messages);
  }
  o["stream"] = true;
  json::object opt;
  if (p.max_length() > 0) opt["num_predict"] = p.max_length();
  // Without it Ollama would cut the prompt at its own default context (2048 or 4096 tokens).
  if (p.max_context_length() > 0) opt["num_ctx"] = p.max_context_length();
  // Always sent: 0 means greedy and must not fall back to the model's default.
  opt["temperature"] = json_float(p.temperature());
  if (p.top_p() > 0) opt["top_p"] = json_float(p.top_p());
  if (p.top_k() > 0) opt["top_k"] = p.top_k();
  if (p.rep_pen() > 0) opt["repeat_penalty"] = json_float(p.rep_pen());
  if (p.has_seed()) opt["seed"] = p.seed();
  if (p.stop_sequence_size() > 0) {
    json::array stop;
    for (const std::string& s : p.stop_sequence()) stop.push_back(json::string(s));
    opt["stop"] = std::move(stop);
  }
  o["options"] = std::move(opt);
  return o;
}

namespace {

class OllamaDecoder final : public StreamDecoder {
 public:
  explicit OllamaDecoder(bool chat) : chat_(chat) {}

  Status feed(std::string_view piece, const TextFn& emit) override {
    if (done_) return ok();  // nothing follows the done line
    return lines_.feed(piece, [&](json::object& o) { return on_object(o, emit); });
  }

  Result<Generation> finish(const TextFn& emit) override {
    if (!done_) {
      AIPG_TRY(lines_.finish([&](json::object& o) { return on_object(o, emit); }));
    }
    if (!done_) {
      return make_error(Errc::closed, "the stream ended before a line with done: true (after " +
                                          std::to_string(lines_.objects()) + " lines)");
    }
    return text_.finish(eval_count_, done_reason_);
  }

 private:
  Status on_object(const json::object& o, const TextFn& emit) {
    if (done_) return ok();
    if (const json::value* err = o.if_contains("error")) {
      const json::string* s = err->if_string();
      return make_error(Errc::io, "the server reported an error: " +
                                      (s ? std::string(*s) : json::serialize(*err)));
    }
    const json::string* piece = nullptr;
    if (chat_) {
      if (const json::object* m = json_object(o, "message")) piece = json_string(*m, "content");
    } else {
      piece = json_string(o, "response");
    }
    text_.add(piece, emit);
    const json::value* done = o.if_contains("done");
    if (done && done->is_bool() && done->get_bool()) {
      done_ = true;
      if (const json::string* r = json_string(o, "done_reason")) done_reason_ = std::string(*r);
      eval_count_ = json_count(o, "eval_count");
    }
    return ok();
  }

  bool chat_;
  NdjsonParser lines_;
  GenerationText text_;
  std::optional<uint32_t> eval_count_;
  std::string done_reason_;
  bool done_ = false;
};

}  // namespace

OllamaBackend::OllamaBackend(boost::asio::io_context& io, HttpBackendConfig config)
    : HttpBackend(io, std::move(config)) {}

void OllamaBackend::start(const grid::Run& run, const std::string& backend_model, TextFn on_text,
                          DoneFn done) {
  const bool chat = !run.messages.empty();
  std::string body = json::serialize(ollama_request_body(run, backend_model));
  run_stream(run.key, chat ? "/api/chat" : "/api/generate", std::move(body),
             std::make_unique<OllamaDecoder>(chat), std::move(on_text), std::move(done));
}

void OllamaBackend::check(HealthFn done) {
  get_names("/api/tags", "models", "name", std::move(done));
}

}  // namespace aipg::worker
