#include "stand_in_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>

namespace aipg::worker::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

struct StandIn::State {
  explicit State(asio::io_context& io)
      : acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {}
  tcp::acceptor acceptor;
  std::function<Reply(const Seen&)> reply;
  std::vector<Seen> seen;
  bool sent_all = false;
  bool client_gone = false;
};

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::string head_of(const Reply& r) {
  std::string h = "HTTP/1.1 " + std::to_string(r.status) + " " +
                  (r.status == 200 ? "OK" : "Something") + "\r\n";
  h += "Content-Type: " + r.content_type + "\r\n";
  if (r.chunked) {
    h += "Transfer-Encoding: chunked\r\n";
  } else {
    h += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  }
  h += "Connection: close\r\n\r\n";
  if (!r.chunked) h += r.body;
  return h;
}

std::string chunk_of(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

asio::awaitable<bool> send(tcp::socket& s, std::string bytes) {
  auto [ec, n] = co_await asio::async_write(s, asio::buffer(bytes), kTuple);
  co_return !ec;
}

asio::awaitable<void> serve(std::shared_ptr<StandIn::State> st, tcp::socket s) {
  beast::flat_buffer buf;
  http::request<http::string_body> req;
  auto [ec, n] = co_await http::async_read(s, buf, req, kTuple);
  if (ec) co_return;
  Seen seen{std::string(req.method_string()), std::string(req.target()), req.body(),
            std::string(req[http::field::authorization])};
  st->seen.push_back(seen);
  const Reply r = st->reply(seen);
  st->sent_all = false;
  if (!co_await send(s, head_of(r))) {
    st->client_gone = true;
    co_return;
  }
  asio::steady_timer timer(s.get_executor());
  for (size_t i = 0; r.chunked && i < r.chunks.size(); ++i) {
    if (i > 0 && r.gap > Duration::zero()) {
      timer.expires_after(r.gap);
      co_await timer.async_wait(kTuple);
    }
    if (!co_await send(s, chunk_of(r.chunks[i]))) {
      st->client_gone = true;
      co_return;
    }
  }
  if (r.hang) {
    // Nothing more; a read ends when the client closes.
    char byte;
    co_await s.async_read_some(asio::buffer(&byte, 1), kTuple);
    st->client_gone = true;
    co_return;
  }
  if (r.chunked && !r.cut && !co_await send(s, "0\r\n\r\n")) {
    st->client_gone = true;
    co_return;
  }
  st->sent_all = !r.cut;
  boost::system::error_code ignored;
  s.shutdown(tcp::socket::shutdown_send, ignored);
  s.close(ignored);
}

asio::awaitable<void> accept_loop(std::shared_ptr<StandIn::State> st) {
  for (;;) {
    auto [ec, s] = co_await st->acceptor.async_accept(kTuple);
    if (ec) co_return;
    asio::co_spawn(st->acceptor.get_executor(), serve(st, std::move(s)), asio::detached);
  }
}

}  // namespace

StandIn::StandIn(asio::io_context& io) : state_(std::make_shared<State>(io)) {
  asio::co_spawn(io, accept_loop(state_), asio::detached);
}

StandIn::~StandIn() {
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
}

BaseUrl StandIn::url() const {
  return BaseUrl{"127.0.0.1", state_->acceptor.local_endpoint().port(), ""};
}

void StandIn::set_reply(std::function<Reply(const Seen&)> reply) {
  state_->reply = std::move(reply);
}
const std::vector<Seen>& StandIn::seen() const { return state_->seen; }
bool StandIn::sent_all() const { return state_->sent_all; }
bool StandIn::client_gone() const { return state_->client_gone; }

uint16_t closed_port(asio::io_context& io) {
  tcp::acceptor a(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  const uint16_t port = a.local_endpoint().port();
  a.close();
  return port;
}

bool run_until(asio::io_context& io, const std::function<bool()>& pred, Duration limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred() && std::chrono::steady_clock::now() < end) {
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(10));
  }
  return pred();
}

void run_for(asio::io_context& io, Duration d) {
  run_until(
      io, [] { return false; }, d);
}

std::vector<std::string> split(const std::string& text, size_t size) {
  std::vector<std::string> out;
  for (size_t at = 0; at < text.size(); at += size) out.push_back(text.substr(at, size));
  return out;
}

}  // namespace aipg::worker::testing
