#include "app/worker_config.hpp"

#include <toml++/toml.h>

namespace aipg::app {

namespace {

// Reads the keys of one table; every error names the file and the key.
class Reader {
 public:
  Reader(const std::string& file, const toml::table& t, std::string where = "")
      : file_(file), t_(t), where_(std::move(where)) {}

  Status bad(const std::string& key, const std::string& what) const {
    return make_error(Errc::invalid_argument,
                      "--config " + file_ + ": `" + where_ + key + "` " + what);
  }

  Status string(const char* key, std::string& out) const {
    const toml::node* n = t_.get(key);
    if (!n) return ok();
    const auto v = n->value<std::string>();
    if (!v) return bad(key, "must be a string");
    out = *v;
    return ok();
  }

  template <class T>
  Status integer(const char* key, int64_t lo, int64_t hi, T& out) const {
    const toml::node* n = t_.get(key);
    if (!n) return ok();
    const toml::value<int64_t>* v = n->as_integer();
    if (!v || v->get() < lo || v->get() > hi) {
      return bad(key,
                 "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    }
    out = T(v->get());
    return ok();
  }

  Status strings(const char* key, std::vector<std::string>& out) const {
    const toml::node* n = t_.get(key);
    if (!n) return ok();
    const toml::array* a = n->as_array();
    if (!a) return bad(key, "must be an array of strings");
    std::vector<std::string> got;
    for (const toml::node& e : *a) {
      const auto s = e.value<std::string>();
      if (!s) return bad(key, "must be an array of strings");
      got.push_back(*s);
    }
    out = std::move(got);
    return ok();
  }

  Status only(std::initializer_list<std::string_view> known) const {
    for (const auto& [k, v] : t_) {
      bool found = false;
      for (std::string_view name : known) found = found || k.str() == name;
      if (found) continue;
      std::string list;
      for (std::string_view name : known) list += (list.empty() ? "" : ", ") + std::string(name);
      return make_error(Errc::invalid_argument, "--config " + file_ + ": unknown key `" + where_ +
                                                    std::string(k.str()) + "` (known: " + list +
                                                    ")");
    }
    return ok();
  }

 private:
  const std::string& file_;
  const toml::table& t_;
  std::string where_;
};

constexpr int64_t kMaxLength = 1 << 20, kMaxContext = 1 << 24;

Status read_models(const std::string& file, const toml::table& t,
                   std::vector<WorkerModelOption>& out) {
  const toml::node* n = t.get("models");
  if (!n) return ok();
  const toml::array* a = n->as_array();
  Reader top(file, t);
  if (!a) return top.bad("models", "must be an array of tables ([[models]])");
  for (size_t i = 0; i < a->size(); ++i) {
    const toml::table* m = (*a)[i].as_table();
    if (!m) return top.bad("models", "must be an array of tables ([[models]])");
    Reader r(file, *m, "models[" + std::to_string(i) + "].");
    AIPG_TRY(r.only({"name", "backend_name", "max_length", "max_context_length"}));
    WorkerModelOption o;
    AIPG_TRY(r.string("name", o.name));
    if (o.name.empty()) return r.bad("name", "is needed and must not be empty");
    AIPG_TRY(r.string("backend_name", o.backend_name));
    AIPG_TRY(r.integer("max_length", 1, kMaxLength, o.max_length));
    AIPG_TRY(r.integer("max_context_length", 1, kMaxContext, o.max_context_length));
    out.push_back(std::move(o));
  }
  return ok();
}

}  // namespace

Status apply_worker_config(WorkerOptions& o) {
  if (o.config.empty()) return ok();
  toml::table t;
  try {
    t = toml::parse_file(o.config);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    // A file that cannot be read has no position.
    const std::string where =
        at.line == 0 ? "" : ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
    return make_error(Errc::invalid_argument,
                      "--config " + o.config + where + ": " + std::string(e.description()));
  }
  const Reader r(o.config, t);
  AIPG_TRY(
      r.only({"backend", "backend_key", "name", "slots", "max_length", "max_context_length",
              "test_delay_ms", "test_token_ms", "drain_ms", "timeout_base_ms", "health_interval_ms",
              "models", "key", "listen", "bootstrap", "max_connections"}));
  // Each key is read (so checked) even when its flag wins, then kept only when it does not.
  WorkerOptions f = o;
  AIPG_TRY(r.string("backend", f.backend));
  AIPG_TRY(r.string("backend_key", f.backend_key));
  AIPG_TRY(r.string("name", f.name));
  AIPG_TRY(r.integer("slots", 1, 256, f.slots));
  AIPG_TRY(r.integer("max_length", 1, kMaxLength, f.max_length));
  AIPG_TRY(r.integer("max_context_length", 1, kMaxContext, f.max_context_length));
  AIPG_TRY(r.integer("test_delay_ms", 0, 600000, f.test_delay_ms));
  AIPG_TRY(r.integer("test_token_ms", 0, 60000, f.test_token_ms));
  AIPG_TRY(r.integer("drain_ms", 0, 3600000, f.drain_ms));
  AIPG_TRY(r.integer("timeout_base_ms", 100, 86400000, f.timeout_base_ms));
  AIPG_TRY(r.integer("health_interval_ms", 100, 3600000, f.health_interval_ms));
  AIPG_TRY(r.string("key", f.host.key_file));
  AIPG_TRY(r.strings("listen", f.host.listen));
  AIPG_TRY(r.strings("bootstrap", f.host.bootstrap));
  AIPG_TRY(r.integer("max_connections", 1, 1 << 20, f.host.max_connections));
  AIPG_TRY(read_models(o.config, t, f.model_table));
  auto take = [&](const char* flag, auto& to, auto& from) {
    if (!o.given.count(flag)) to = std::move(from);
  };
  take("backend", o.backend, f.backend);
  take("backend-key", o.backend_key, f.backend_key);
  take("name", o.name, f.name);
  take("slots", o.slots, f.slots);
  take("max-length", o.max_length, f.max_length);
  take("max-context-length", o.max_context_length, f.max_context_length);
  take("test-delay-ms", o.test_delay_ms, f.test_delay_ms);
  take("test-token-ms", o.test_token_ms, f.test_token_ms);
  take("drain-ms", o.drain_ms, f.drain_ms);
  take("timeout-base-ms", o.timeout_base_ms, f.timeout_base_ms);
  take("health-interval-ms", o.health_interval_ms, f.health_interval_ms);
  take("key", o.host.key_file, f.host.key_file);
  take("listen", o.host.listen, f.host.listen);
  take("bootstrap", o.host.bootstrap, f.host.bootstrap);
  take("max-connections", o.host.max_connections, f.host.max_connections);
  take("model", o.model_table, f.model_table);
  return ok();
}

}  // namespace aipg::app
