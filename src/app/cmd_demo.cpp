// aipg demo: for now, two hosts on loopback (each on its own runtime thread) that connect,
// identify each other and ping, printing what happens. Later issues grow this into a whole
// local grid (bootstrap, API nodes, workers, a backend).
#include <cstdio>
#include <thread>

#include "app/client_run.hpp"
#include "app/commands.hpp"
#include "app/version.hpp"
#include "base/log.hpp"
#include "node/ping_service.hpp"

namespace aipg::app {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

class DemoRun : public ClientRun {
 public:
  DemoRun(io::AsioRuntime& ar, node::Host& host, int pings)
      : ClientRun(ar, host, 10s, /*json=*/false), pings_(pings) {}

 private:
  void on_ready(const wire::PeerId& p, const node::PeerInfo& info) override {
    std::printf("B identified A: agent %s, protocols [%s]\n", info.agent_version.c_str(),
                join(info.protocols).c_str());
    if (info.observed_addr) {
      std::printf("A sees B at %s\n", info.observed_addr->to_string().c_str());
    }
    next();
  }
  void next() {
    if (sent_ == pings_) {
      std::printf("done: secure channel (Noise XX), yamux streams, identify and ping all work.\n");
      return finish(0);
    }
    ++sent_;
    arm("ping");
    host().ping().ping(remote(), [this](Result<Duration> r) {
      if (!r) return fail("ping: " + r.error().to_string());
      std::printf("B pings A: round trip %.3f ms\n",
                  std::chrono::duration<double, std::milli>(*r).count());
      next();
    });
  }
  int pings_;
  int sent_ = 0;
};

}  // namespace

int run_demo(const DemoOptions& o) {
  node::HostConfig cfg;
  cfg.agent_version = kAgentVersion;
  io::AsioRuntime ar_a, ar_b;
  runtime::Runtime rt_a = ar_a.runtime(), rt_b = ar_b.runtime();
  node::Host a(rt_a, wire::KeyPair::generate(), cfg);
  node::Host b(rt_b, wire::KeyPair::generate(), cfg);
  auto bound = a.listen({*wire::Multiaddr::parse("/ip4/127.0.0.1/tcp/0")});
  if (!bound) {
    log::error("demo: {}", bound.error().message);
    return 1;
  }
  wire::Multiaddr target = bound->front().with_p2p(a.peer_id().multihash());
  std::printf("aipg %s demo: two libp2p hosts on loopback\n", kVersion);
  std::printf("host A %s listening on %s\n", a.peer_id().to_base58().c_str(),
              bound->front().to_string().c_str());
  std::printf("host B %s dials %s\n", b.peer_id().to_base58().c_str(), target.to_string().c_str());
  std::fflush(stdout);
  std::thread thread_a([&] { ar_a.run(); });
  DemoRun run(ar_b, b, o.pings);
  run.start(target);
  ar_b.run();
  // A lives on its own thread: close it there, then stop its loop.
  rt_a.executor.post([&] {
    a.close();
    rt_a.timers.schedule_at(rt_a.clock.now() + 100ms, [&] { ar_a.stop(); });
  });
  thread_a.join();
  std::fflush(stdout);
  return run.exit_code();
}

}  // namespace aipg::app
