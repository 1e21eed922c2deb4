// aipg ping MULTIADDR: dial, print the remote's identify data, ping it --count times.
// Exit 0 when every step succeeded.
#include "app/client_run.hpp"
#include "app/commands.hpp"
#include "app/json_lines.hpp"
#include "app/key_file.hpp"
#include "app/version.hpp"
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

int run_ping(const PingOptions& o) {
  auto target = wire::Multiaddr::parse(o.target);
  if (!target) {
    log::error("multiaddr {}: {}", o.target, target.error().message);
    return 2;
  }
  auto key = load_or_create_key(o.key_file);
  if (!key) {
    log::error("{}", key.error().message);
    return 1;
  }
  io::AsioRuntime ar;
  runtime::Runtime rt = ar.runtime();
  node::HostConfig cfg;
  cfg.agent_version = kAgentVersion;
  node::Host host(rt, std::move(*key), cfg);
  PingRun run(ar, host, o);
  run.start(*target);
  ar.run();
  return run.exit_code();
}

}  // namespace aipg::app
