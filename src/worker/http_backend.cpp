#include "worker/http_backend.hpp"

#include <boost/json/parse.hpp>
#include <cmath>

namespace aipg::worker {

// check() reads a model list: far smaller than this.
constexpr size_t kMaxListBytes = 4 << 20;

HttpBackend::HttpBackend(boost::asio::io_context& io, HttpBackendConfig config)
    : io_(io), config_(std::move(config)) {}

HttpBackend::~HttpBackend() {
  for (auto& [key, run] : runs_) run.call->cancel();
  for (auto& [id, call] : checks_) call->cancel();
}

Error HttpBackend::prefixed(Error e) const {
  e.message = kind() + " backend at " + config_.base.text() + ": " + e.message;
  return e;
}

void HttpBackend::run_stream(const grid::RunKey& key, std::string path, std::string body,
                             std::unique_ptr<StreamDecoder> decoder, TextFn on_text, DoneFn done) {
  cancel(key);  // a run started again under the same key replaces the old one
  const uint64_t id = next_id_++;
  // Shared by both callbacks; the call owns them, so they live as long as it can call.
  auto dec = std::shared_ptr<StreamDecoder>(std::move(decoder));
  // A cancel from inside on_text must also silence the pieces left in the same read.
  auto cancelled = std::make_shared<bool>(false);
  auto emit =
      std::make_shared<TextFn>([cancelled, on_text = std::move(on_text)](std::string_view piece) {
        if (!*cancelled && on_text) on_text(piece);
      });
  BodyFn on_body = [dec, emit](std::string_view piece) { return dec->feed(piece, *emit); };
  EndFn on_end = [this, key, id, dec, emit, done = std::move(done)](Status s) {
    auto it = runs_.find(key);
    if (it != runs_.end() && it->second.id == id) runs_.erase(it);
    if (!s) {
      done(prefixed(std::move(s).error()));
      return;
    }
    Result<Generation> g = dec->finish(*emit);
    if (!g) {
      done(prefixed(std::move(g).error()));
      return;
    }
    done(std::move(g));
  };
  HttpRequest req{"POST", std::move(path), std::move(body), config_.key};
  runs_[key] = ActiveRun{id, cancelled,
                         HttpCall::start(io_, config_.base, std::move(req), config_.limits,
                                         std::move(on_body), std::move(on_end))};
}

void HttpBackend::cancel(const grid::RunKey& key) {
  auto it = runs_.find(key);
  if (it == runs_.end()) return;
  ActiveRun run = std::move(it->second);
  runs_.erase(it);
  *run.cancelled = true;
  run.call->cancel();
}

namespace {

Result<std::vector<std::string>> names_in(const boost::json::value& v, const std::string& list,
                                          const std::string& name) {
  const boost::json::object* o = v.if_object();
  const boost::json::value* items = o ? o->if_contains(list) : nullptr;
  if (!items || !items->is_array()) {
    return make_error(Errc::malformed, "no `" + list + "` array of models");
  }
  std::vector<std::string> names;
  for (const boost::json::value& m : items->as_array()) {
    const boost::json::object* mo = m.if_object();
    const boost::json::string* s = mo ? json_string(*mo, name) : nullptr;
    if (!s) {
      return make_error(Errc::malformed, "a model in `" + list + "` has no string `" + name + "`");
    }
    names.emplace_back(*s);
  }
  return names;
}

}  // namespace

void HttpBackend::get_names(std::string path, std::string list, std::string name, HealthFn done) {
  const uint64_t id = next_id_++;
  auto body = std::make_shared<std::string>();
  BodyFn on_body = [body](std::string_view piece) -> Status {
    if (body->size() + piece.size() > kMaxListBytes) {
      return make_error(Errc::too_large,
                        "model list over the limit of " + std::to_string(kMaxListBytes) + " bytes");
    }
    body->append(piece);
    return ok();
  };
  EndFn on_end = [this, id, path, body, list = std::move(list), name = std::move(name),
                  done = std::move(done)](Status s) {
    checks_.erase(id);
    if (!s) {
      done(prefixed(std::move(s).error()));
      return;
    }
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(*body, ec);
    if (ec) {
      done(prefixed(make_error(Errc::malformed, path + " is not JSON: " + ec.message())));
      return;
    }
    auto names = names_in(v, list, name);
    if (!names) {
      done(prefixed(make_error(names.error().code, path + ": " + names.error().message)));
      return;
    }
    done(std::move(names));
  };
  HttpRequest req{"GET", path, "", config_.key};
  checks_[id] = HttpCall::start(io_, config_.base, std::move(req), config_.limits,
                                std::move(on_body), std::move(on_end));
}

const boost::json::string* json_string(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

std::optional<int64_t> json_int(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (const auto* i = v->if_int64()) return *i;
  if (const auto* u = v->if_uint64()) {
    if (*u <= uint64_t(INT64_MAX)) return int64_t(*u);
  }
  return std::nullopt;
}

std::optional<uint32_t> json_count(const boost::json::object& o, std::string_view key) {
  const std::optional<int64_t> n = json_int(o, key);
  if (!n || *n < 0) return std::nullopt;
  return uint32_t(std::min<int64_t>(*n, UINT32_MAX));
}

void GenerationText::add(const boost::json::string* piece, const TextFn& emit) {
  if (!piece || piece->empty()) return;
  text_.append(piece->data(), piece->size());
  ++pieces_;
  emit(std::string_view(piece->data(), piece->size()));
}

Generation GenerationText::finish(std::optional<uint32_t> tokens, std::string_view reason) {
  Generation g;
  g.text = std::move(text_);
  g.tokens = tokens ? *tokens : pieces_;
  g.finish_reason = reason == "length" ? "length" : "stop";
  return g;
}

const boost::json::object* json_object(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v ? v->if_object() : nullptr;
}

double json_float(float v) { return std::round(double(v) * 1e4) / 1e4; }

}  // namespace aipg::worker
