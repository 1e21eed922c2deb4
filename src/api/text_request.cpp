#include "api/text_request.hpp"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <cmath>

#include "base/utf8.hpp"

namespace aipg::api {

namespace json = boost::json;

namespace {

ApiError bad(std::string message, std::string rc = "BadRequest") {
  return {400, std::move(rc), std::move(message)};
}

const char* kind_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "an integer";
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "?";
}

// Reads the fields of one JSON object; the first error wins and names the field by its path.
class Fields {
 public:
  Fields(const json::object& o, std::string prefix) : o_(o), prefix_(std::move(prefix)) {}

  std::optional<ApiError> error;

  const json::value* find(const char* name) const {
    auto it = o_.find(name);
    if (it == o_.end() || it->value().is_null()) return nullptr;
    return &it->value();
  }
  std::string path(const char* name) const { return prefix_ + name; }

  // An integer in [lo, hi]; `def` when absent.
  std::optional<uint64_t> integer(const char* name, uint64_t lo, uint64_t hi,
                                  std::optional<uint64_t> def = std::nullopt) {
    const json::value* v = find(name);
    if (!v) return def;
    int64_t x = 0;
    if (v->is_int64()) {
      x = v->get_int64();
    } else if (v->is_uint64()) {
      x = v->get_uint64() > uint64_t(INT64_MAX) ? INT64_MAX : int64_t(v->get_uint64());
    } else if (v->is_double() && std::floor(v->get_double()) == v->get_double() &&
               std::abs(v->get_double()) < 1e15) {
      x = static_cast<int64_t>(v->get_double());
    } else {
      fail(path(name) + " must be an integer, got " + kind_of(*v));
      return std::nullopt;
    }
    if (x < int64_t(lo) || uint64_t(x) > hi) {
      fail(path(name) + " is " + std::to_string(x) + ", must be " + std::to_string(lo) + ".." +
           std::to_string(hi));
      return std::nullopt;
    }
    return uint64_t(x);
  }

  std::optional<int64_t> signed_integer(const char* name) {
    const json::value* v = find(name);
    if (!v) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() && v->get_uint64() <= uint64_t(INT64_MAX)) return int64_t(v->get_uint64());
    fail(path(name) + " must be an integer, got " + kind_of(*v));
    return std::nullopt;
  }

  std::optional<double> number(const char* name, double lo, double hi) {
    const json::value* v = find(name);
    if (!v) return std::nullopt;
    if (!v->is_number()) {
      fail(path(name) + " must be a number, got " + kind_of(*v));
      return std::nullopt;
    }
    const double x = v->to_number<double>();
    if (!(x >= lo && x <= hi)) {
      fail(path(name) + " is " + fmt(x) + ", must be " + fmt(lo) + ".." + fmt(hi));
      return std::nullopt;
    }
    return x;
  }

  std::optional<bool> boolean(const char* name) {
    const json::value* v = find(name);
    if (!v) return std::nullopt;
    if (!v->is_bool()) {
      fail(path(name) + " must be a boolean, got " + kind_of(*v));
      return std::nullopt;
    }
    return v->get_bool();
  }

  std::optional<std::string> string(const char* name, size_t max_bytes) {
    const json::value* v = find(name);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
      fail(path(name) + " must be a string, got " + kind_of(*v));
      return std::nullopt;
    }
    return checked_string(path(name), v->get_string(), max_bytes);
  }

  // A string or an array of strings (OpenAI's `stop`, the AI Horde's `stop_sequence`).
  std::optional<std::vector<std::string>> strings(const char* name, size_t max_items,
                                                  size_t max_bytes, bool single_ok) {
    const json::value* v = find(name);
    if (!v) return std::nullopt;
    std::vector<std::string> out;
    if (single_ok && v->is_string()) {
      auto s = checked_string(path(name), v->get_string(), max_bytes);
      if (!s) return std::nullopt;
      out.push_back(std::move(*s));
      return out;
    }
    if (!v->is_array()) {
      fail(path(name) + " must be an array of strings, got " + kind_of(*v));
      return std::nullopt;
    }
    const json::array& a = v->get_array();
    if (a.size() > max_items) {
      fail(path(name) + " has " + std::to_string(a.size()) + " items, limit " +
           std::to_string(max_items));
      return std::nullopt;
    }
    for (size_t i = 0; i < a.size(); ++i) {
      const std::string at = path(name) + "[" + std::to_string(i) + "]";
      if (!a[i].is_string()) {
        fail(at + " must be a string, got " + kind_of(a[i]));
        return std::nullopt;
      }
      auto s = checked_string(at, a[i].get_string(), max_bytes);
      if (!s) return std::nullopt;
      out.push_back(std::move(*s));
    }
    return out;
  }

  const json::object* object(const char* name) {
    const json::value* v = find(name);
    if (!v) return nullptr;
    if (!v->is_object()) {
      fail(path(name) + " must be an object, got " + kind_of(*v));
      return nullptr;
    }
    return &v->get_object();
  }

  void fail(std::string message, std::string rc = "BadRequest") {
    if (!error) error = bad(std::move(message), std::move(rc));
  }

 private:
  std::optional<std::string> checked_string(const std::string& where, json::string_view s,
                                            size_t max_bytes) {
    if (s.size() > max_bytes) {
      fail(where + " is " + std::to_string(s.size()) + " bytes, limit " +
           std::to_string(max_bytes));
      return std::nullopt;
    }
    return std::string(s);  // Boost.JSON only accepts valid UTF-8
  }
  static std::string fmt(double x) { return fmt::format("{}", x); }

  const json::object& o_;
  std::string prefix_;
};

// The sampler fields both APIs share under different names.
void read_sampling(Fields& f, grid::pb::TextParams& p, const char* stop_name, bool stop_single_ok,
                   const RequestLimits& limits) {
  if (auto v = f.number("temperature", 0, 5)) p.set_temperature(float(*v));
  if (auto v = f.number("top_p", 0, 1)) p.set_top_p(float(*v));
  if (auto v = f.integer("top_k", 0, 1000)) p.set_top_k(uint32_t(*v));
  if (auto v = f.number("rep_pen", 1, 3)) p.set_rep_pen(float(*v));
  if (auto v =
          f.strings(stop_name, limits.max_stop_sequences, limits.max_stop_bytes, stop_single_ok)) {
    for (auto& s : *v) p.add_stop_sequence(std::move(s));
  }
  if (auto v = f.signed_integer("seed")) p.set_seed(*v);
}

void check_prompt(Fields& f, const std::string& prompt, const char* name,
                  const RequestLimits& limits) {
  if (prompt.empty()) f.fail(f.path(name) + " is missing or empty", "MissingPrompt");
}

}  // namespace

std::optional<ApiError> parse_json_object(std::string_view body, json::object& out) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return bad("body is not valid JSON: " + ec.message());
  if (!v.is_object()) return bad(std::string("body must be a JSON object, got ") + kind_of(v));
  out = std::move(v.get_object());
  return std::nullopt;
}

ParsedRequest parse_horde_request(const json::object& body, const RequestLimits& limits) {
  ParsedRequest out;
  TextRequest& r = out.request;
  Fields f(body, "");
  r.prompt = f.string("prompt", limits.max_prompt_bytes).value_or("");
  check_prompt(f, r.prompt, "prompt", limits);
  if (auto m = f.strings("models", limits.max_models, 256, false)) r.models = std::move(*m);
  r.dry_run = f.boolean("dry_run").value_or(false);
  for (const char* ignored : {"workers", "worker_blacklist", "softprompt", "webhook",
                              "trusted_workers", "slow_workers", "allow_downgrade"}) {
    if (f.find(ignored)) r.warnings.push_back(std::string(ignored) + " is not honoured here");
  }
  r.params.set_max_length(80);
  r.params.set_max_context_length(2048);
  if (const json::object* params = f.object("params")) {
    Fields p(*params, "params.");
    r.n = uint32_t(p.integer("n", 1, limits.max_n, 1).value_or(1));
    if (auto v = p.integer("max_length", limits.min_length, limits.max_length)) {
      r.params.set_max_length(uint32_t(*v));
    }
    if (auto v =
            p.integer("max_context_length", limits.min_context_length, limits.max_context_length)) {
      r.params.set_max_context_length(uint32_t(*v));
    }
    read_sampling(p, r.params, "stop_sequence", false, limits);
    if (p.error) f.error = p.error;
  }
  out.error = f.error;
  return out;
}

ParsedOpenAi parse_openai_request(const json::object& body, bool chat,
                                  const RequestLimits& limits) {
  ParsedOpenAi out;
  OpenAiRequest& r = out.request;
  r.chat = chat;
  TextRequest& t = r.text;
  Fields f(body, "");
  auto model = f.string("model", 256);
  if (!model || model->empty()) {
    f.fail("model is missing or empty");
  } else {
    t.models.push_back(*model);
  }
  if (chat) {
    const json::value* v = f.find("messages");
    if (!v || !v->is_array() || v->get_array().empty()) {
      f.fail("messages must be a non-empty array of {role, content}", "MissingPrompt");
    } else {
      const json::array& a = v->get_array();
      if (a.size() > 1024)
        f.fail("messages has " + std::to_string(a.size()) + " items, limit 1024");
      for (size_t i = 0; i < a.size() && !f.error; ++i) {
        const std::string at = "messages[" + std::to_string(i) + "].";
        if (!a[i].is_object()) {
          f.fail("messages[" + std::to_string(i) + "] must be an object, got " + kind_of(a[i]));
          break;
        }
        Fields m(a[i].get_object(), at);
        ChatMessage cm;
        cm.role = m.string("role", 64).value_or("");
        // content: a string, or an array of {type: "text", text} parts.
        if (const json::value* c = m.find("content"); c && c->is_array()) {
          for (const json::value& part : c->get_array()) {
            if (part.is_object() && part.get_object().contains("text") &&
                part.get_object().at("text").is_string()) {
              cm.content += std::string(part.get_object().at("text").get_string());
            }
          }
        } else {
          cm.content = m.string("content", limits.max_prompt_bytes).value_or("");
        }
        if (!m.error && cm.role.empty()) m.fail(at + "role is missing");
        if (m.error) f.error = m.error;
        t.messages.push_back(std::move(cm));
      }
      if (!f.error) t.prompt = chat_prompt(t.messages);
      if (!f.error && t.prompt.size() > limits.max_prompt_bytes) {
        f.fail("messages make a prompt of " + std::to_string(t.prompt.size()) + " bytes, limit " +
               std::to_string(limits.max_prompt_bytes));
      }
    }
  } else {
    // prompt: a string, or an array of one string (several would be several completions).
    const json::value* p = f.find("prompt");
    if (p && p->is_array() && p->get_array().size() == 1 && p->get_array()[0].is_string()) {
      t.prompt = std::string(p->get_array()[0].get_string());
      if (t.prompt.size() > limits.max_prompt_bytes) {
        f.fail("prompt is " + std::to_string(t.prompt.size()) + " bytes, limit " +
               std::to_string(limits.max_prompt_bytes));
      }
    } else if (p && p->is_array()) {
      f.fail("prompt must be a string or an array of one string");
    } else {
      t.prompt = f.string("prompt", limits.max_prompt_bytes).value_or("");
    }
    check_prompt(f, t.prompt, "prompt", limits);
  }
  // OpenAI's default for completions is 16 tokens; chat has no limit of its own.
  uint64_t max_tokens = chat ? 512 : 16;
  if (auto v = f.integer("max_completion_tokens", limits.min_length, limits.max_length)) {
    max_tokens = *v;
  } else if (auto v2 = f.integer("max_tokens", limits.min_length, limits.max_length)) {
    max_tokens = *v2;
  }
  t.params.set_max_length(uint32_t(max_tokens));
  t.params.set_max_context_length(limits.max_context_length);
  t.n = uint32_t(f.integer("n", 1, limits.max_n, 1).value_or(1));
  if (auto v = f.number("temperature", 0, 2)) t.params.set_temperature(float(*v));
  if (auto v = f.number("top_p", 0, 1)) t.params.set_top_p(float(*v));
  if (auto v = f.strings("stop", 4, limits.max_stop_bytes, true)) {
    for (auto& s : *v) t.params.add_stop_sequence(std::move(s));
  }
  if (auto v = f.signed_integer("seed")) t.params.set_seed(*v);
  r.stream = f.boolean("stream").value_or(false);
  out.error = f.error;
  return out;
}

std::string chat_prompt(const std::vector<ChatMessage>& messages) {
  std::string out;
  for (const ChatMessage& m : messages) out += m.role + ": " + m.content + "\n";
  out += "assistant:";
  return out;
}

}  // namespace aipg::api
