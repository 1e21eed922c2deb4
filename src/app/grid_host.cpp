#include "app/grid_host.hpp"

#include <boost/asio/signal_set.hpp>

#include "base/log.hpp"

namespace aipg::app {

Result<std::unique_ptr<GridHost>> GridHost::create(const HostOptions& o) {
  AIPG_TRY_ASSIGN(HostPlan plan, plan_host(o));
  return std::unique_ptr<GridHost>(new GridHost(std::move(plan)));
}

GridHost::GridHost(HostPlan plan) : plan_(std::move(plan)), rt_(asio_.runtime()) {
  host_ = std::make_unique<node::Host>(rt_, plan_.key, plan_.host);
  gossipsub::GossipsubConfig cfg;
  gossipsub::PeerScoreParams params = gossipsub::default_peer_score_params();
  // P5: the grid role's tally of each peer's rule breaking (docs/protocol.md §7), already
  // negative and decaying; weighted 1 so that a few rejected messages cross gossip_threshold.
  params.app_specific_weight = 1;
  cfg.score = std::move(params);
  cfg.app_score = [this](const wire::PeerId& p) { return app_score_ ? app_score_(p) : 0.0; };
  pubsub_ = std::make_unique<node::GossipsubService>(*host_, std::move(cfg));
  discovery_ = std::make_unique<node::Discovery>(*host_, plan_.discovery);
  discovery_->set_protect([this](const wire::PeerId& p) { return pubsub_->in_mesh(p); });
  pubsub_->set_on_px(
      [this](const std::vector<wire::PeerId>& peers) { discovery_->add_candidates(peers); });
}

Result<std::vector<wire::Multiaddr>> GridHost::start() {
  AIPG_TRY_ASSIGN(auto bound, listen_and_announce(*host_, plan_.listen));
  pubsub_->start();
  discovery_->start();
  return bound;
}

void GridHost::run_until_signal(std::function<void()> before_close) {
  run_until_drained([&](std::function<void()> done, bool again) {
    if (again) return;
    if (before_close) before_close();
    done();
  });
}

void GridHost::run_until_drained(Drain drain) {
  boost::asio::signal_set signals(asio_.context(), SIGINT, SIGTERM);
  bool stopping = false;
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        const bool again = stopping;
        stopping = true;
        log::info("signal {}: {}", sig, again ? "stopping now" : "stopping");
        signals.async_wait(on_signal);
        drain(
            [this] {
              // A moment for the last publishes to leave, then close gracefully and stop.
              rt_.timers.schedule_at(rt_.clock.now() + 200ms, [this] {
                host_->close();
                rt_.timers.schedule_at(rt_.clock.now() + 200ms, [this] { asio_.stop(); });
              });
            },
            again);
      };
  signals.async_wait(on_signal);
  asio_.run();
}

}  // namespace aipg::app
