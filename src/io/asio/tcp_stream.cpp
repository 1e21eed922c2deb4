#include "io/asio/tcp_stream.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <span>
#include <vector>

#include "io/asio/make_tcp_stream.hpp"
#include "io/asio/tcp_address.hpp"

namespace aipg::io {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

// Large enough that one read drains what loopback or a fast link delivers per wakeup; allocated
// once per stream (on start) and reused, so the read path never allocates.
constexpr size_t kReadBufferSize = 256 * 1024;
// Bound on close(): flushing to a peer that does not read, or waiting for an EOF that never comes.
constexpr auto kCloseTimeout = std::chrono::seconds(5);

}  // namespace

// Completion handlers capture a shared_ptr to the Impl: it keeps the socket and the buffers valid
// for as long as Asio may touch them. The TcpStream holds the other reference and, when destroyed,
// sets `detached` and closes the socket; every handler checks `detached` before and after calling
// into the user's handler, so nothing is called once the TcpStream is gone, and the Impl is freed
// when the last in-flight handler completes (or is destroyed with the io_context).
struct TcpStream::Impl : std::enable_shared_from_this<Impl> {
  enum class State { open, flushing, draining, closed };

  Impl(tcp::socket s, wire::Multiaddr local, wire::Multiaddr remote)
      : socket(std::move(s)),
        close_timer(socket.get_executor()),
        local_addr(std::move(local)),
        remote_addr(std::move(remote)),
        remote_text(remote_addr.to_string()) {}

  tcp::socket socket;
  asio::steady_timer close_timer;
  wire::Multiaddr local_addr;
  wire::Multiaddr remote_addr;
  std::string remote_text;

  Handler* handler = nullptr;
  bool detached = false;
  bool started = false;
  State state = State::open;
  std::optional<Status> undelivered_close;  // closed before start(): delivered by start()

  // Read side.
  std::unique_ptr<uint8_t[]> read_buf;
  bool reading = false;
  bool paused = false;
  bool discarding = false;  // close() was called: bytes read are dropped
  bool peer_eof = false;
  // A read that completed while paused, handed to on_read() again by resume_reading().
  bool stashed = false;
  error_code stashed_ec;
  size_t stashed_n = 0;

  // Write side: `queue` collects write()s while `inflight` is being sent.
  std::vector<Bytes> queue;
  std::vector<Bytes> inflight;
  std::vector<asio::const_buffer> gather;
  size_t pending = 0;  // bytes in queue + inflight
  size_t inflight_bytes = 0;
  bool writing = false;
  bool flushed = false;  // close() got everything out and shut down our side

  bool gone() const { return detached || state == State::closed; }

  void maybe_read() {
    if (reading || stashed || peer_eof || state == State::closed) return;
    if (!discarding && (!started || paused)) return;
    if (!read_buf) read_buf = std::make_unique_for_overwrite<uint8_t[]>(kReadBufferSize);
    reading = true;
    socket.async_read_some(asio::buffer(read_buf.get(), kReadBufferSize),
                           [self = shared_from_this()](const error_code& ec, size_t n) {
                             self->reading = false;
                             self->on_read(ec, n);
                           });
  }

  void on_read(const error_code& ec, size_t n) {
    if (gone()) return;
    const bool eof = ec == asio::error::eof;
    if (!ec || eof) {
      if (paused && !discarding) {
        stashed = true;
        stashed_ec = ec;
        stashed_n = n;
        return;
      }
      if (!ec) {
        if (!discarding) {
          handler->on_data(BytesView(read_buf.get(), n));
          if (gone()) return;  // the handler aborted or destroyed us
        }
        maybe_read();
        return;
      }
      peer_eof = true;
      if (state == State::open) {
        begin_close();
      } else if (state == State::draining) {
        finish(ok());
      }  // flushing: after_flush() sees peer_eof
      return;
    }
    finish(io_error("read from", remote_text, ec));
  }

  void write(Bytes data) {
    if (state != State::open || data.empty()) return;
    pending += data.size();
    queue.push_back(std::move(data));
    if (!writing) start_write();
  }

  void start_write() {
    std::swap(queue, inflight);  // inflight is empty here; queue keeps its capacity
    gather.clear();
    inflight_bytes = 0;
    for (const Bytes& b : inflight) {
      gather.emplace_back(b.data(), b.size());
      inflight_bytes += b.size();
    }
    writing = true;
    // A span, not the vector, so async_write copies two words instead of the buffer list.
    asio::async_write(socket, std::span<const asio::const_buffer>(gather),
                      [self = shared_from_this()](const error_code& ec, size_t) {
                        self->writing = false;
                        self->on_written(ec);
                      });
  }

  void on_written(const error_code& ec) {
    inflight.clear();
    if (gone()) return;
    if (ec) {
      finish(io_error("write to", remote_text, ec));
      return;
    }
    pending -= inflight_bytes;
    inflight_bytes = 0;
    if (!queue.empty()) {
      start_write();
    } else if (state == State::flushing) {
      after_flush();
    } else if (handler != nullptr) {
      handler->on_drained();
    }
  }

  void begin_close() {
    state = State::flushing;
    if (!writing) after_flush();
  }

  void after_flush() {
    error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    flushed = true;
    state = State::draining;
    if (peer_eof) {
      finish(ok());
    } else {
      maybe_read();
    }
  }

  void close() {
    if (state != State::open) return;
    discarding = true;
    if (stashed) {  // undelivered bytes are dropped; an undelivered EOF still counts
      stashed = false;
      if (stashed_ec == asio::error::eof) peer_eof = true;
    }
    close_timer.expires_after(kCloseTimeout);
    close_timer.async_wait([self = shared_from_this()](const error_code& ec) {
      if (ec || self->gone()) return;
      self->finish(self->flushed ? ok()
                                 : make_error(Errc::timeout,
                                              "close " + self->remote_text + ": flush timed out"));
    });
    begin_close();
    maybe_read();
  }

  // The one way to the closed state. on_closed() is posted so that it never runs inside a call
  // the user made into the stream (close(), abort(), write()).
  void finish(Status reason) {
    state = State::closed;
    error_code ignored;
    close_timer.cancel();
    socket.close(ignored);  // in-flight operations complete with operation_aborted
    queue.clear();
    pending = 0;
    if (!started) {
      undelivered_close = std::move(reason);
      return;
    }
    post_closed(std::move(reason));
  }

  void post_closed(Status reason) {
    asio::post(socket.get_executor(), [self = shared_from_this(), reason = std::move(reason)] {
      if (!self->detached && self->handler != nullptr) self->handler->on_closed(reason);
    });
  }

  void resume() {
    if (!paused) return;
    paused = false;
    if (state == State::closed) return;
    if (stashed) {
      // Not inline: resume_reading() may be called from inside a callback.
      asio::post(socket.get_executor(), [self = shared_from_this()] {
        if (self->gone() || self->paused || !self->stashed) return;
        self->stashed = false;
        self->on_read(self->stashed_ec, self->stashed_n);
      });
    } else {
      maybe_read();
    }
  }

  void detach() {
    detached = true;
    handler = nullptr;
    if (state != State::closed) {
      state = State::closed;
      error_code ignored;
      close_timer.cancel();
      socket.close(ignored);
    }
    queue.clear();
    pending = 0;
  }
};

TcpStream::TcpStream(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

TcpStream::~TcpStream() {
  if (impl_) impl_->detach();
}

void TcpStream::start(Handler* handler) {
  if (impl_->started) return;
  impl_->handler = handler;
  impl_->started = true;
  if (impl_->undelivered_close) {
    impl_->post_closed(std::move(*impl_->undelivered_close));
    impl_->undelivered_close.reset();
    return;
  }
  impl_->maybe_read();
}

void TcpStream::write(Bytes data) { impl_->write(std::move(data)); }

size_t TcpStream::pending_write_bytes() const { return impl_->pending; }

void TcpStream::pause_reading() { impl_->paused = true; }

void TcpStream::resume_reading() { impl_->resume(); }

void TcpStream::close() { impl_->close(); }

void TcpStream::abort() {
  if (impl_->state == Impl::State::closed) return;
  impl_->finish(make_error(Errc::closed, "tcp stream to " + impl_->remote_text + " aborted"));
}

const wire::Multiaddr& TcpStream::local_addr() const { return impl_->local_addr; }

const wire::Multiaddr& TcpStream::remote_addr() const { return impl_->remote_addr; }

Result<std::unique_ptr<TcpStream>> make_tcp_stream(tcp::socket socket) {
  error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  if (ec) return io_error("set TCP_NODELAY on", "socket", ec);
  const tcp::endpoint local = socket.local_endpoint(ec);
  if (ec) return io_error("local address of", "socket", ec);
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) return io_error("remote address of", "socket", ec);
  AIPG_TRY_ASSIGN(auto local_addr, multiaddr_of(local));
  AIPG_TRY_ASSIGN(auto remote_addr, multiaddr_of(remote));
  return std::make_unique<TcpStream>(std::make_shared<TcpStream::Impl>(
      std::move(socket), std::move(local_addr), std::move(remote_addr)));
}

}  // namespace aipg::io
