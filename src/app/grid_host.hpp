// What every grid role (node, worker, bootstrap) runs under its core as a process: the Asio
// runtime, node::GridHost on it (host, discovery, gossipsub with the grid's scoring), and the
// process's life: the ready line, signals, draining. Built from the host flags; errors name the
// flag.
#pragma once

#include <functional>
#include <memory>

#include "app/host_boot.hpp"
#include "io/asio/asio_runtime.hpp"
#include "node/grid_host.hpp"

namespace aipg::app {

class GridHost {
 public:
  using AppScoreFn = node::AppScoreFn;

  // `app_score` may be set later with set_app_score (the core needs the host's peer id first).
  static Result<std::unique_ptr<GridHost>> create(const HostOptions& o);

  io::AsioRuntime& asio() { return asio_; }
  runtime::Runtime& rt() { return rt_; }
  node::Host& host() { return grid_->host(); }
  node::GossipsubService& pubsub() { return grid_->pubsub(); }
  void set_app_score(AppScoreFn fn) { grid_->set_app_score(std::move(fn)); }

  // Binds, announces (the ready line), starts gossipsub and discovery.
  Result<std::vector<wire::Multiaddr>> start();
  // Stops on SIGINT/SIGTERM: `before_close` runs first, then connections close and the loop
  // ends. Runs the loop until then.
  void run_until_signal(std::function<void()> before_close);
  // The same for a process with work in hand: on the first signal `drain(done, false)` is asked
  // to wind down and calls `done` when it has; a second signal asks again with `now` = true.
  using Drain = std::function<void(std::function<void()> done, bool now)>;
  void run_until_drained(Drain drain);

 private:
  explicit GridHost(HostPlan plan);

  io::AsioRuntime asio_;
  runtime::Runtime rt_;
  std::unique_ptr<node::GridHost> grid_;
};

}  // namespace aipg::app
