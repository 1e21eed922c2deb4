// aipg ping MULTIADDR: dial, print the remote's identify data, ping it --count times.
// Exit 0 when every step succeeded.
#include "app/client_run.hpp"
#include "app/commands.hpp"
#include "app/json_lines.hpp"
#include "base/log.hpp"
#include "node/ping_service.hpp"

namespace aipg::app {
namespace {

class PingRun : public ClientRun {
 public:
  PingRun(io::AsioRuntime& ar, node::Host& host, const PingOptions& o)
      : ClientRun(ar, host, seconds(o.timeout_s)), count_(o.count) {}

 private:
  void on_ready(const wire::PeerId&, const node::PeerInfo&) override { next(); }
  void next() {
    if (sent_ == count_) return finish(0);
    ++sent_;
    arm("ping");
    host().ping().ping(
        remote(),
        [this](Result<Duration> r) {
          if (!r) return fail("ping: " + r.error().to_string());
          emit({{"event", "ping"},
                {"seq", sent_},
                {"rtt_ms", std::chrono::duration<double, std::milli>(*r).count()}});
          next();
        },
        step_timeout());
  }
  int count_;
  int sent_ = 0;
};

}  // namespace

int run_ping(const PingOptions& o) { return run_client<PingRun>(o); }

}  // namespace aipg::app
