// TestBackend — a backend with no model behind it, for tests and the demo when no inference
// server is at hand: after `delay` (plus `per_token` per token) it answers a generation whose
// text is derived from the prompt and the run, so a test can tell which worker ran what and
// check the text end to end. A prompt containing "[fail]" fails the run, "[slow]" makes it
// take `slow_delay`: failure cases on demand.
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
  void start(const grid::Run& run, const std::string& backend_model, DoneFn done) override;
  void cancel(const grid::RunKey& key) override;

  // The text it answers for a run (what tests expect to read back).
  static std::string answer(const std::string& name, const std::string& backend_model,
                            const grid::Run& run);

 private:
  runtime::Runtime& rt_;
  TestBackendConfig config_;
  std::map<grid::RunKey, runtime::TimerId> timers_;
};

}  // namespace aipg::worker
