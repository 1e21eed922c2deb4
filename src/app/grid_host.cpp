#include "app/grid_host.hpp"

#include <boost/asio/signal_set.hpp>

#include "base/log.hpp"

namespace aipg::app {

Result<std::unique_ptr<GridHost>> GridHost::create(const HostOptions& o) {
  AIPG_TRY_ASSIGN(HostPlan plan, plan_host(o));
  return std::unique_ptr<GridHost>(new GridHost(std::move(plan)));
}

GridHost::GridHost(HostPlan plan) : rt_(asio_.runtime()) {
  grid_ = std::make_unique<node::GridHost>(
      rt_, std::move(plan.key),
      node::GridHostConfig{std::move(plan.host), std::move(plan.discovery),
                           std::move(plan.listen)});
}

Result<std::vector<wire::Multiaddr>> GridHost::start() {
  AIPG_TRY_ASSIGN(auto bound, grid_->listen());
  announce_listening(grid_->host(), bound);
  grid_->start();
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
                grid_->host().close();
                rt_.timers.schedule_at(rt_.clock.now() + 200ms, [this] { asio_.stop(); });
              });
            },
            again);
      };
  signals.async_wait(on_signal);
  asio_.run();
}

}  // namespace aipg::app
