// aipg listen: a host that serves identify and ping (and optionally echo) until stopped,
// reporting each peer on stdout as a JSON line.
#include <boost/asio/signal_set.hpp>

#include "app/commands.hpp"
#include "app/host_boot.hpp"
#include "app/json_lines.hpp"
#include "base/log.hpp"
#include "io/asio/asio_runtime.hpp"
#include "node/discovery.hpp"
#include "node/echo_server.hpp"
#include "node/host.hpp"
#include "node/perf_service.hpp"

namespace aipg::app {
namespace {

class PeerPrinter : public node::HostObserver {
 public:
  void on_peer_identified(const wire::PeerId& p, const node::PeerInfo& info) override {
    log::info("peer {} identified: {}", p.to_base58(), info.agent_version);
    emit(peer_json("peer", p, info));
  }
  void on_peer_disconnected(const wire::PeerId& p) override {
    log::info("peer {} disconnected", p.to_base58());
    emit({{"event", "peer_disconnected"}, {"peer_id", p.to_base58()}});
  }
};

}  // namespace

int run_listen(const ListenOptions& o) {
  auto plan = plan_host(o.host);
  if (!plan) {
    log::error("{}", plan.error().message);
    return plan.error().code == Errc::invalid_argument ? 2 : 1;
  }
  io::AsioRuntime ar;
  runtime::Runtime rt = ar.runtime();
  node::Host host(rt, std::move(plan->key), plan->host);
  node::EchoServer echo(rt.executor);
  std::optional<node::PerfService> perf;
  if (o.echo) {
    host.set_handler(node::kEchoProtocol,
                     [&echo](std::unique_ptr<node::Stream> s) { echo.serve(std::move(s)); });
    perf.emplace(host);
  }
  node::Discovery discovery(host, plan->discovery);
  PeerPrinter printer;
  host.add_observer(&printer);
  if (auto bound = listen_and_announce(host, plan->listen); !bound) {
    log::error("{}", bound.error().message);
    return 1;
  }
  discovery.start();

  boost::asio::signal_set signals(ar.context(), SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::info("signal {}: closing connections", sig);
    host.close();
    // Give GoAway frames a moment to leave, then stop.
    rt.timers.schedule_at(rt.clock.now() + 200ms, [&ar] { ar.stop(); });
  });
  ar.run();
  host.remove_observer(&printer);
  emit({{"event", "stopped"}});
  return 0;
}

}  // namespace aipg::app
