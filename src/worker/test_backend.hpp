// TestBackend — a backend with no model behind it, for tests and the demo when no inference
// server is at hand: after `delay` it answers a generation whose text is derived from the prompt
// and the run, so a test can tell which worker ran what and check the text end to end. The text
// comes out a word at a time, `per_token` apart, as a model's would. A prompt containing "[fail]"
// fails the run, "[slow]" makes it take `slow_delay`: failure cases on demand. set_healthy(false)
// makes check() fail, as a backend that went down.
#pragma once

#include <map>

#include "runtime/byte_stream.hpp"
#include "worker/backend.hpp"

namespace aipg::worker {

struct TestBackendConfig {
  std::string name;  // put into every answer
  Duration delay = std::chrono::milliseconds(20);
  Duration per_token = Duration::zero();
  Duration slow_delay = std::chrono::seconds(30);
};

class TestBackend final : public Backend {
 public:
  TestBackend(runtime::Runtime& rt, TestBackendConfig config);
  ~TestBackend() override;

  std::string kind() const override { return "test"; }
  void start(const grid::Run& run, const std::string& backend_model, TextFn on_text,
             DoneFn done) override;
  void cancel(const grid::RunKey& key) override;
  void check(HealthFn done) override;
  void set_healthy(bool healthy) { healthy_ = healthy; }

  // The text it answers for a run (what tests expect to read back).
  static std::string answer(const std::string& name, const std::string& backend_model,
                            const grid::Run& run);

 private:
  struct Active {
    std::vector<std::string> pieces;  // still to be sent
    size_t next = 0;
    Generation result;
    bool fail = false;
    TextFn on_text;
    DoneFn done;
    runtime::TimerId timer = runtime::kNoTimer;
  };
  void step(const grid::RunKey& key);

  runtime::Runtime& rt_;
  TestBackendConfig config_;
  bool healthy_ = true;
  std::map<grid::RunKey, Active> active_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace aipg::worker
