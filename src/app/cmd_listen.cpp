// aipg listen: a host that serves identify and ping (and optionally echo) until stopped,
// reporting each peer on stdout as a JSON line.
#include <boost/asio/signal_set.hpp>
#include <boost/json/serialize.hpp>

#include "app/commands.hpp"
#include "app/json_lines.hpp"
#include "app/key_file.hpp"
#include "app/version.hpp"
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
  auto key = load_or_create_key(o.host.key_file);
  if (!key) {
    log::error("{}", key.error().message);
    return 1;
  }
  std::vector<wire::Multiaddr> addrs;
  for (const auto& text : o.host.listen) {
    auto ma = wire::Multiaddr::parse(text);
    if (!ma) {
      log::error("--listen {}: {}", text, ma.error().message);
      return 2;
    }
    addrs.push_back(std::move(*ma));
  }
  io::AsioRuntime ar;
  runtime::Runtime rt = ar.runtime();
  node::HostConfig cfg;
  cfg.agent_version = kAgentVersion;
  cfg.max_connections = o.host.max_connections;
  if (auto s = cfg.validate(); !s) {
    log::error("{}", s.error().message);
    return 2;
  }
  node::Host host(rt, std::move(*key), cfg);
  node::EchoServer echo(rt.executor);
  std::optional<node::PerfService> perf;
  if (o.echo) {
    host.set_handler(node::kEchoProtocol,
                     [&echo](std::unique_ptr<node::Stream> s) { echo.serve(std::move(s)); });
    perf.emplace(host);
  }
  node::DiscoveryConfig dcfg;
  for (const auto& text : o.host.bootstrap) {
    auto ma = wire::Multiaddr::parse(text);
    if (!ma) {
      log::error("--bootstrap {}: {}", text, ma.error().message);
      return 2;
    }
    dcfg.bootstrap.push_back(std::move(*ma));
  }
  if (auto s = dcfg.validate(); !s) {
    log::error("--bootstrap: {}", s.error().message);
    return 2;
  }
  node::Discovery discovery(host, dcfg);
  PeerPrinter printer;
  host.add_observer(&printer);
  auto bound = host.listen(addrs);
  if (!bound) {
    log::error("listen: {}", bound.error().message);
    return 1;
  }
  std::vector<wire::Multiaddr> full;
  for (const auto& a : *bound) full.push_back(a.with_p2p(host.peer_id().multihash()));
  log::info("ready: peer id {}, listening on {}", host.peer_id().to_base58(),
            boost::json::serialize(to_json(full)));
  emit({{"event", "listening"}, {"peer_id", host.peer_id().to_base58()}, {"addrs", to_json(full)}});
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
