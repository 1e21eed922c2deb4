#include "io/asio/asio_runtime.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>

#include "io/asio/asio_clock.hpp"
#include "io/asio/asio_executor.hpp"
#include "io/asio/asio_timers.hpp"
#include "io/asio/os_rng.hpp"
#include "io/asio/tcp_transport.hpp"

namespace aipg::io {

namespace asio = boost::asio;

// Member order is destruction order in reverse: the transport and timers go before the context.
struct AsioRuntime::Impl {
  // Hint 1: one thread runs the context (Asio skips waking other threads; posting from another
  // thread, as the resolver's does, stays safe).
  asio::io_context ctx{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{ctx.get_executor()};
  AsioClock clock;
  OsRng rng;
  AsioExecutor executor{ctx};
  AsioTimers timers{ctx};
  TcpTransport transport{ctx};

  void restart_if_stopped() {
    if (ctx.stopped()) ctx.restart();
  }
};

AsioRuntime::AsioRuntime() : impl_(std::make_unique<Impl>()) {}

AsioRuntime::~AsioRuntime() = default;

runtime::Runtime AsioRuntime::runtime() {
  return runtime::Runtime{impl_->clock, impl_->timers, impl_->rng, impl_->executor,
                          impl_->transport};
}

asio::io_context& AsioRuntime::context() { return impl_->ctx; }

TcpTransport& AsioRuntime::tcp() { return impl_->transport; }

void AsioRuntime::run() {
  impl_->restart_if_stopped();
  impl_->ctx.run();
}

void AsioRuntime::stop() { impl_->ctx.stop(); }

void AsioRuntime::run_for(Duration d) {
  impl_->restart_if_stopped();
  impl_->ctx.run_for(d);
}

bool AsioRuntime::run_until(const std::function<bool()>& pred, Duration limit) {
  impl_->restart_if_stopped();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline || impl_->ctx.stopped()) break;
    impl_->ctx.run_one_for(deadline - now);
  }
  return pred();
}

}  // namespace aipg::io
