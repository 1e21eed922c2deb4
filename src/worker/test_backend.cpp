#include "worker/test_backend.hpp"

#include <algorithm>

namespace aipg::worker {

TestBackend::TestBackend(runtime::Runtime& rt, TestBackendConfig config)
    : rt_(rt), config_(std::move(config)) {}

TestBackend::~TestBackend() {
  for (const auto& [key, timer] : timers_) rt_.timers.cancel(timer);
}

std::string TestBackend::answer(const std::string& name, const std::string& backend_model,
                                const grid::Run& run) {
  return "echo(" + backend_model + "@" + name + ", g" + std::to_string(run.key.generation) +
         "): " + run.prompt;
}

void TestBackend::start(const grid::Run& run, const std::string& backend_model, DoneFn done) {
  const bool fail = run.prompt.find("[fail]") != std::string::npos;
  const bool slow = run.prompt.find("[slow]") != std::string::npos;
  Generation g;
  g.text = answer(config_.name, backend_model, run);
  // A token is about four bytes of English; max_length caps it as a real model would.
  uint32_t tokens = static_cast<uint32_t>(g.text.size() / 4 + 1);
  if (run.params.max_length() > 0 && tokens > run.params.max_length()) {
    tokens = run.params.max_length();
    g.text.resize(std::min<size_t>(g.text.size(), size_t(tokens) * 4));
    g.finish_reason = "length";
  }
  g.tokens = tokens;
  const Duration d = slow ? config_.slow_delay : config_.delay + config_.per_token * tokens;
  const grid::RunKey key = run.key;
  timers_[key] = rt_.timers.schedule_at(
      rt_.clock.now() + d, [this, key, fail, g = std::move(g), done = std::move(done)]() mutable {
        timers_.erase(key);
        if (fail) {
          done(make_error(Errc::internal, "test backend: the prompt asked to fail"));
        } else {
          done(std::move(g));
        }
      });
}

void TestBackend::cancel(const grid::RunKey& key) {
  auto it = timers_.find(key);
  if (it == timers_.end()) return;
  rt_.timers.cancel(it->second);
  timers_.erase(it);
}

}  // namespace aipg::worker
