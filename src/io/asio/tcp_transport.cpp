#include "io/asio/tcp_transport.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "io/asio/make_tcp_stream.hpp"
#include "io/asio/tcp_address.hpp"

namespace aipg::io {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);
// Deadlines further away than this are no deadline (and would overflow the timer's clock).
constexpr Duration kMaxTimeout = std::chrono::hours(24 * 365);

}  // namespace

// Shared with its accept handlers, which hold it alive across close; `closed` stops them.
struct TcpTransport::Listener : std::enable_shared_from_this<Listener> {
  Listener(asio::io_context& ctx, runtime::AcceptFn fn, std::string text)
      : acceptor(ctx), retry_timer(ctx), on_accept(std::move(fn)), addr_text(std::move(text)) {}

  tcp::acceptor acceptor;
  asio::steady_timer retry_timer;
  runtime::AcceptFn on_accept;
  std::string addr_text;
  bool closed = false;

  void accept_next() {
    acceptor.async_accept([self = shared_from_this()](const error_code& ec, tcp::socket socket) {
      if (self->closed) return;
      if (!ec) {
        // A peer that reset before we looked at it is dropped; the loop goes on.
        auto stream = make_tcp_stream(std::move(socket));
        if (stream) self->on_accept(std::move(*stream));
        if (!self->closed) self->accept_next();
        return;
      }
      if (ec == asio::error::operation_aborted) return;
      if (ec == asio::error::connection_aborted || ec == asio::error::try_again) {
        self->accept_next();
        return;
      }
      // EMFILE/ENFILE/ENOBUFS: accepting again at once would spin; wait for descriptors.
      self->retry_timer.expires_after(kAcceptRetryDelay);
      self->retry_timer.async_wait([self](const error_code& wait_ec) {
        if (!wait_ec && !self->closed) self->accept_next();
      });
    });
  }

  void close() {
    closed = true;
    error_code ignored;
    acceptor.close(ignored);
    retry_timer.cancel();
    // on_accept stays: close() may be running inside it (close_listeners() from a callback).
  }
};

// One dial: resolve (names only), connect, a deadline. `finished` makes done() run exactly once
// and makes every later completion a no-op; the transport's destructor sets it without calling
// done().
struct TcpTransport::DialOp : std::enable_shared_from_this<DialOp> {
  DialOp(asio::io_context& ctx, TcpTransport* t, uint64_t i, runtime::DialFn fn, std::string text)
      : resolver(ctx),
        socket(ctx),
        timer(ctx),
        owner(t),
        id(i),
        done(std::move(fn)),
        addr_text(std::move(text)) {}

  tcp::resolver resolver;
  tcp::socket socket;
  asio::steady_timer timer;
  TcpTransport* owner;  // valid while !finished
  uint64_t id;
  runtime::DialFn done;
  std::string addr_text;
  bool finished = false;

  void start(const TcpTarget& target, Duration timeout) {
    if (timeout > Duration::zero() && timeout < kMaxTimeout) {
      timer.expires_after(timeout);
      timer.async_wait([self = shared_from_this(), timeout](const error_code& ec) {
        if (ec || self->finished) return;
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
        self->complete(make_error(
            Errc::timeout,
            "dial " + self->addr_text + ": no connection after " + std::to_string(ms) + " ms"));
      });
    }
    if (!target.is_name()) {
      error_code ec;
      const auto address = asio::ip::make_address(target.host, ec);
      if (ec) {
        fail_later(make_error(Errc::invalid_argument,
                              "dial " + addr_text + ": bad address: " + ec.message()));
        return;
      }
      socket.async_connect(
          tcp::endpoint(address, target.port),
          [self = shared_from_this()](const error_code& ec) { self->on_connected(ec); });
      return;
    }
    auto on_resolved = [self = shared_from_this()](const error_code& ec,
                                                   tcp::resolver::results_type results) {
      if (self->finished) return;
      if (ec) {
        self->complete(io_error("resolve", self->addr_text, ec));
        return;
      }
      asio::async_connect(
          self->socket, results,
          [self](const error_code& ec, const tcp::endpoint&) { self->on_connected(ec); });
    };
    const std::string port = std::to_string(target.port);
    const auto flags = tcp::resolver::numeric_service;
    if (target.kind == TcpTarget::Kind::dns4) {
      resolver.async_resolve(tcp::v4(), target.host, port, flags, std::move(on_resolved));
    } else if (target.kind == TcpTarget::Kind::dns6) {
      resolver.async_resolve(tcp::v6(), target.host, port, flags, std::move(on_resolved));
    } else {
      resolver.async_resolve(target.host, port, flags, std::move(on_resolved));
    }
  }

  void on_connected(const error_code& ec) {
    if (finished) return;
    if (ec) {
      complete(io_error("dial", addr_text, ec));
      return;
    }
    auto stream = make_tcp_stream(std::move(socket));
    if (!stream) {
      complete(std::move(stream).error());
      return;
    }
    complete(std::unique_ptr<runtime::ByteStream>(std::move(*stream)));
  }

  void fail_later(Error e) {
    asio::post(timer.get_executor(), [self = shared_from_this(), e = std::move(e)]() mutable {
      if (!self->finished) self->complete(std::move(e));
    });
  }

  void abandon() {
    finished = true;
    error_code ignored;
    timer.cancel();
    resolver.cancel();
    socket.close(ignored);
    done = nullptr;
  }

  void complete(Result<std::unique_ptr<runtime::ByteStream>> result) {
    auto keep = shared_from_this();  // erasing from dials_ must not free us mid-call
    runtime::DialFn fn = std::move(done);
    owner->dials_.erase(id);
    abandon();
    fn(std::move(result));
  }
};

TcpTransport::TcpTransport(asio::io_context& ctx) : ctx_(ctx) {}

TcpTransport::~TcpTransport() {
  close_listeners();
  for (auto& [id, op] : dials_) op->abandon();
  dials_.clear();
}

Result<wire::Multiaddr> TcpTransport::listen(const wire::Multiaddr& addr,
                                             runtime::AcceptFn on_accept) {
  const std::string text = addr.to_string();
  AIPG_TRY_ASSIGN(const TcpTarget target, parse_tcp_target(addr));
  if (target.is_name()) {
    return make_error(Errc::unsupported, "listen " + text + ": needs an /ip4 or /ip6 address");
  }
  error_code ec;
  const auto address = asio::ip::make_address(target.host, ec);
  if (ec) return make_error(Errc::invalid_argument, "listen " + text + ": " + ec.message());
  const tcp::endpoint endpoint(address, target.port);

  auto listener = std::make_shared<Listener>(ctx_, std::move(on_accept), text);
  tcp::acceptor& acceptor = listener->acceptor;
  if (acceptor.open(endpoint.protocol(), ec)) return io_error("listen", text, ec);
  if (acceptor.set_option(tcp::acceptor::reuse_address(true), ec)) {
    return io_error("listen", text, ec);
  }
  if (acceptor.bind(endpoint, ec)) return io_error("listen", text, ec);
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec)) {
    return io_error("listen", text, ec);
  }
  const tcp::endpoint bound = acceptor.local_endpoint(ec);
  if (ec) return io_error("listen", text, ec);
  AIPG_TRY_ASSIGN(wire::Multiaddr bound_addr, multiaddr_of(bound));
  listener->addr_text = bound_addr.to_string();
  listener->accept_next();
  listeners_.push_back(std::move(listener));
  return bound_addr;
}

void TcpTransport::dial(const wire::Multiaddr& addr, Duration timeout, runtime::DialFn done) {
  const uint64_t id = next_dial_id_++;
  auto op = std::make_shared<DialOp>(ctx_, this, id, std::move(done), addr.to_string());
  dials_.emplace(id, op);
  auto target = parse_tcp_target(addr);
  if (!target) {
    op->fail_later(std::move(target).error());
    return;
  }
  op->start(*target, timeout);
}

void TcpTransport::close_listeners() {
  for (auto& listener : listeners_) listener->close();
  listeners_.clear();
}

}  // namespace aipg::io
