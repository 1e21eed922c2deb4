#include "api/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>

#include "api/server_core.hpp"
#include "base/log.hpp"

namespace aipg::api {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace detail {

ServerCore::ServerCore(asio::io_context& io_, const Router& router_, HttpLimits limits_,
                       CorsConfig cors_, Registry& registry_)
    : io(io_), router(&router_), registry(&registry_), limits(limits_), cors(std::move(cors_)) {
  // Every reason shows from the first scrape, so rate() sees the first rejection.
  for (const Rejection* r : kAllRejections) {
    registry->counter("aipg_http_rejections_total",
                      "HTTP connections and requests the server refused by itself, by reason",
                      {{"reason", r->reason}});
  }
  update_connections_gauge();
}

void ServerCore::count_rejection(const Rejection& r) {
  if (detached()) return;
  registry
      ->counter("aipg_http_rejections_total",
                "HTTP connections and requests the server refused by itself, by reason",
                {{"reason", r.reason}})
      .inc();
}

void ServerCore::update_connections_gauge() {
  if (detached()) return;
  registry->gauge("aipg_http_connections", "Open HTTP connections (accepted, not yet closed)")
      .set(double(connections));
}

ConnectionSlot::ConnectionSlot(std::shared_ptr<ServerCore> core, std::string ip)
    : core_(std::move(core)), ip_(std::move(ip)) {
  ++core_->connections;
  ++core_->per_ip[ip_];
  core_->update_connections_gauge();
}

ConnectionSlot::~ConnectionSlot() {
  if (!core_) return;
  --core_->connections;
  auto it = core_->per_ip.find(ip_);
  if (it != core_->per_ip.end() && --it->second == 0) core_->per_ip.erase(it);
  core_->update_connections_gauge();
}

}  // namespace detail

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// Out of descriptors: accepting again at once would spin.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);

std::string ip_text(const tcp::endpoint& ep) {
  auto a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  }
  return a.to_string();
}

// Runs `coro` on the io_context with a cancellation signal that close() emits.
template <class Coro>
void spawn_tracked(const std::shared_ptr<detail::ServerCore>& core, Coro coro) {
  const uint64_t id = core->next_id++;
  asio::cancellation_signal& signal = core->tracked[id].signal;
  asio::co_spawn(core->io, std::move(coro),
                 asio::bind_cancellation_slot(signal.slot(), [core, id](std::exception_ptr) {
                   core->tracked[id].done = true;
                   asio::post(core->io, [core, id] { core->tracked.erase(id); });
                 }));
}

void on_accepted(const std::shared_ptr<detail::ServerCore>& core, tcp::socket socket) {
  error_code ec;
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return;  // reset before we looked at it
  socket.set_option(tcp::no_delay(true), ec);
  std::string ip = ip_text(peer);
  const detail::Rejection* refuse = nullptr;
  if (core->connections >= core->limits.max_connections) {
    refuse = &detail::kTooManyConnections;
  } else if (auto it = core->per_ip.find(ip);
             it != core->per_ip.end() && it->second >= core->limits.max_connections_per_ip) {
    refuse = &detail::kTooManyFromIp;
  }
  if (refuse != nullptr && core->refusing >= detail::kMaxRefusing) {
    core->count_rejection(*refuse);
    log::info("http: rejected from {}: {} (closed without an answer: {} refusals under way)", ip,
              refuse->reason, core->refusing);
    return;  // the socket closes here
  }
  if (refuse != nullptr) {
    spawn_tracked(core, detail::refuse_connection(core, std::move(socket), std::move(ip), *refuse));
    return;
  }
  spawn_tracked(
      core, detail::run_connection(detail::ConnectionSlot(core, std::move(ip)), std::move(socket)));
}

asio::awaitable<void> accept_loop(std::shared_ptr<detail::ServerCore> core, tcp::acceptor& acceptor,
                                  std::string where) {
  asio::steady_timer retry(core->io);
  try {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kTuple);
      if (core->closing) co_return;
      if (!ec) {
        on_accepted(core, std::move(socket));
        continue;
      }
      if (ec == asio::error::operation_aborted) co_return;
      if (ec == asio::error::connection_aborted || ec == asio::error::try_again) continue;
      log::warn("http: accept on {}: {}; retrying", where, ec.message());
      retry.expires_after(kAcceptRetryDelay);
      co_await retry.async_wait(kTuple);
    }
  } catch (const std::exception& e) {
    // Cancellation by close() lands here; anything else would be a bug in Asio's use.
    if (!core->closing) log::error("http: accept loop on {} ended: {}", where, e.what());
  }
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, const Router& router, HttpLimits limits,
                       CorsConfig cors, Registry& metrics)
    : core_(std::make_shared<detail::ServerCore>(io, router, limits, std::move(cors), metrics)) {}

HttpServer::~HttpServer() {
  close();
  core_->detach();
}

Result<tcp::endpoint> HttpServer::listen(const std::string& host, uint16_t port) {
  AIPG_TRY(core_->limits.validate());
  AIPG_TRY(core_->cors.validate());
  if (core_->closing) return make_error(Errc::closed, "http listen: the server is closed");
  error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) {
    return make_error(Errc::invalid_argument,
                      "http listen: '" + host + "' is not an IPv4 or IPv6 address");
  }
  const tcp::endpoint wanted(address, port);
  const std::string where = host + ":" + std::to_string(port);
  auto fail = [&](const char* what) {
    return make_error(Errc::io, "http listen on " + where + ": " + what + ": " + ec.message());
  };
  auto acceptor = std::make_unique<tcp::acceptor>(core_->io);
  if (acceptor->open(wanted.protocol(), ec)) return fail("open");
  if (acceptor->set_option(tcp::acceptor::reuse_address(true), ec)) return fail("SO_REUSEADDR");
  if (acceptor->bind(wanted, ec)) return fail("bind");
  if (acceptor->listen(asio::socket_base::max_listen_connections, ec)) return fail("listen");
  const tcp::endpoint bound = acceptor->local_endpoint(ec);
  if (ec) return fail("local address");
  const std::string bound_text = bound.address().to_string() + ":" + std::to_string(bound.port());
  spawn_tracked(core_, accept_loop(core_, *acceptor, bound_text));
  core_->acceptors.push_back(std::move(acceptor));
  log::info("http: listening on {}", bound_text);
  return bound;
}

void HttpServer::close() {
  if (core_->closing) return;
  core_->closing = true;
  for (auto& a : core_->acceptors) {
    error_code ignored;
    a->close(ignored);
  }
  // Emitting only schedules completions; the ids are copied anyway in case one ends inline.
  std::vector<uint64_t> ids;
  for (const auto& [id, t] : core_->tracked) ids.push_back(id);
  for (const uint64_t id : ids) {
    auto it = core_->tracked.find(id);
    if (it != core_->tracked.end() && !it->second.done) {
      it->second.signal.emit(asio::cancellation_type::terminal);
    }
  }
}

size_t HttpServer::connections() const { return core_->connections; }

}  // namespace aipg::api
