#include "worker/test_backend.hpp"

#include <algorithm>

namespace aipg::worker {

TestBackend::TestBackend(runtime::Runtime& rt, TestBackendConfig config)
    : rt_(rt), config_(std::move(config)) {}

TestBackend::~TestBackend() {
  *alive_ = false;
  for (const auto& [key, a] : active_) rt_.timers.cancel(a.timer);
}

std::string TestBackend::answer(const std::string& name, const std::string& backend_model,
                                const grid::Run& run) {
  return "echo(" + backend_model + "@" + name + ", g" + std::to_string(run.key.generation) +
         "): " + run.prompt;
}

namespace {

// Words with the space before them, as tokenizers cut English.
std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find(' ', at + 1);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(at, end - at));
    at = end;
  }
  return out;
}

}  // namespace

void TestBackend::start(const grid::Run& run, const std::string& backend_model, TextFn on_text,
                        DoneFn done) {
  Active a;
  a.fail = run.prompt.find("[fail]") != std::string::npos;
  const bool slow = run.prompt.find("[slow]") != std::string::npos;
  Generation& g = a.result;
  g.text = answer(config_.name, backend_model, run);
  // A token is about four bytes of English; max_length caps it as a real model would.
  uint32_t tokens = static_cast<uint32_t>(g.text.size() / 4 + 1);
  if (run.params.max_length() > 0 && tokens > run.params.max_length()) {
    tokens = run.params.max_length();
    g.text.resize(std::min<size_t>(g.text.size(), size_t(tokens) * 4));
    g.finish_reason = "length";
  }
  g.tokens = tokens;
  if (!a.fail) a.pieces = split_words(g.text);
  a.on_text = std::move(on_text);
  a.done = std::move(done);
  const grid::RunKey key = run.key;
  const Duration first = slow ? config_.slow_delay : config_.delay;
  a.timer = rt_.timers.schedule_at(rt_.clock.now() + first, [this, key, alive = alive_] {
    if (*alive) step(key);
  });
  active_[key] = std::move(a);
}

// Sends the next piece, or all of them when there is no per-token delay, then finishes.
void TestBackend::step(const grid::RunKey& key) {
  auto it = active_.find(key);
  if (it == active_.end()) return;
  Active& a = it->second;
  a.timer = runtime::kNoTimer;
  do {
    if (a.next < a.pieces.size() && a.on_text) a.on_text(a.pieces[a.next]);
    ++a.next;
  } while (config_.per_token == Duration::zero() && a.next < a.pieces.size());
  if (a.next < a.pieces.size()) {
    a.timer =
        rt_.timers.schedule_at(rt_.clock.now() + config_.per_token, [this, key, alive = alive_] {
          if (*alive) step(key);
        });
    return;
  }
  Active done = std::move(a);
  active_.erase(it);
  if (done.fail) {
    done.done(make_error(Errc::internal, "test backend: the prompt asked to fail"));
  } else {
    done.done(std::move(done.result));
  }
}

void TestBackend::cancel(const grid::RunKey& key) {
  auto it = active_.find(key);
  if (it == active_.end()) return;
  rt_.timers.cancel(it->second.timer);
  active_.erase(it);
}

void TestBackend::check(HealthFn done) {
  rt_.executor.post([healthy = healthy_, name = config_.name, done = std::move(done)] {
    if (healthy) {
      done(std::vector<std::string>{});
    } else {
      done(make_error(Errc::io, "test backend " + name + " is set unhealthy"));
    }
  });
}

}  // namespace aipg::worker
