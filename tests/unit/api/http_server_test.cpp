// HttpServer over real sockets on 127.0.0.1: routing, the server's own errors, limits and
// timeouts, concurrency (slow clients and slow handlers), Server-Sent Events, CORS, metrics.
// Everything runs on one io_context driven by the test, bounded by deadlines; waits are on
// conditions, never on durations.
#include "api/http_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <optional>
#include <stdexcept>

#include "api/metrics_handler.hpp"
#include "api/response_writer.hpp"
#include "api/responses.hpp"

namespace aipg::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace json = boost::json;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::string get(std::string_view target, std::string_view extra_fields = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra_fields) +
         "\r\n";
}

asio::awaitable<tcp::socket> connect(tcp::endpoint ep) {
  tcp::socket s(co_await asio::this_coro::executor);
  co_await s.async_connect(ep, asio::use_awaitable);
  co_return s;
}

asio::awaitable<void> send(tcp::socket& s, std::string bytes) {
  co_await asio::async_write(s, asio::buffer(bytes), asio::use_awaitable);
}

// One response; `buf` keeps whatever follows it.
asio::awaitable<Response> receive(tcp::socket& s, beast::flat_buffer& buf) {
  Response r;
  co_await http::async_read(s, buf, r, asio::use_awaitable);
  co_return r;
}

// Everything until the server closes (EOF or reset).
asio::awaitable<std::string> read_rest(tcp::socket& s, beast::flat_buffer& buf) {
  std::string out = beast::buffers_to_string(buf.data());
  buf.consume(buf.size());
  char tmp[4096];
  for (;;) {
    auto [ec, n] = co_await s.async_read_some(asio::buffer(tmp), kTuple);
    if (ec) break;
    out.append(tmp, n);
  }
  co_return out;
}

asio::awaitable<Response> exchange(tcp::endpoint ep, std::string request) {
  tcp::socket s = co_await connect(ep);
  co_await send(s, std::move(request));
  beast::flat_buffer buf;
  co_return co_await receive(s, buf);
}

// Polls `pred` on the io_context (1 ms steps) for at most `limit`.
asio::awaitable<bool> wait_for(std::function<bool()> pred, Duration limit = 5s) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  const auto deadline = Clock::now() + limit;
  while (!pred()) {
    if (Clock::now() >= deadline) co_return false;
    t.expires_after(1ms);
    co_await t.async_wait(asio::use_awaitable);
  }
  co_return true;
}

// The AI Horde error shape, with `message_part` somewhere in the message.
void expect_error(const Response& r, http::status status, std::string_view rc,
                  std::string_view message_part) {
  EXPECT_EQ(r.result(), status);
  EXPECT_EQ(r[http::field::content_type], "application/json");
  boost::system::error_code ec;
  const json::value v = json::parse(r.body(), ec);
  ASSERT_FALSE(ec) << r.body();
  ASSERT_TRUE(v.is_object()) << r.body();
  EXPECT_EQ(v.as_object().size(), 2u) << r.body();
  EXPECT_EQ(v.at("rc").as_string(), rc) << r.body();
  const std::string message(v.at("message").as_string());
  EXPECT_NE(message.find(message_part), std::string::npos) << message;
}

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    router_.add(
        http::verb::get, "/api/v2/generate/text/status/{id}",
        [](const Request& req, RequestContext& ctx, ResponseWriter& w) -> asio::awaitable<void> {
          json::object o;
          o["id"] = ctx.params.at("id");
          o["route"] = ctx.route;
          o["remote_ip"] = ctx.remote_ip;
          co_await w.send(json_response(http::status::ok, o, req));
        });
    router_.add(
        http::verb::post, "/echo",
        [](const Request& req, RequestContext&, ResponseWriter& w) -> asio::awaitable<void> {
          co_await w.send(text_response(http::status::ok, req.body(), "text/plain", req));
        });
  }

  ~HttpServerTest() override {
    if (server_) {
      server_->close();
      EXPECT_TRUE(run_until([this] { return server_->connections() == 0; }, 5s))
          << server_->connections() << " connections left after close()";
    }
  }

  void start() {
    server_ = std::make_unique<HttpServer>(io_, router_, limits_, cors_, registry_);
    auto ep = server_->listen("127.0.0.1", 0);
    ASSERT_TRUE(ep) << ep.error().to_string();
    ep_ = *ep;
    EXPECT_NE(ep_.port(), 0);
  }

  bool run_until(const std::function<bool()>& pred, Duration limit) {
    const auto deadline = Clock::now() + limit;
    while (!pred()) {
      if (Clock::now() >= deadline) return false;
      if (io_.stopped()) io_.restart();
      io_.run_one_for(std::chrono::milliseconds(20));
    }
    return true;
  }

  // Runs a test coroutine to its end, at most `limit`; its exceptions are test failures.
  template <class T>
  T run(asio::awaitable<T> a, Duration limit = 10s) {
    struct Outcome {
      bool done = false;
      std::exception_ptr error;
      std::optional<T> value;
    };
    auto out = std::make_shared<Outcome>();
    asio::co_spawn(io_, std::move(a), [out](std::exception_ptr e, T v) {
      out->done = true;
      out->error = e;
      if (!e) out->value = std::move(v);
    });
    EXPECT_TRUE(run_until([&] { return out->done; }, limit)) << "the test coroutine did not end";
    if (out->error) {
      try {
        std::rethrow_exception(out->error);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "the test coroutine threw: " << e.what();
      }
    }
    return out->value ? std::move(*out->value) : T{};
  }

  double metric(const std::string& line_prefix) {
    const std::string text = registry_.render();
    const size_t at = text.find(line_prefix + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + line_prefix.size() + 1));
  }

  asio::io_context io_;
  Router router_;
  Registry registry_;
  HttpLimits limits_;
  CorsConfig cors_;
  std::unique_ptr<HttpServer> server_;
  tcp::endpoint ep_;
};

TEST_F(HttpServerTest, RoutesWithPathParams) {
  start();
  const Response r = run(exchange(ep_, get("/api/v2/generate/text/status/abc-123?x=1")));
  EXPECT_EQ(r.result(), http::status::ok);
  EXPECT_EQ(r[http::field::content_type], "application/json");
  EXPECT_EQ(r[http::field::content_length], std::to_string(r.body().size()));
  EXPECT_EQ(json::parse(r.body()),
            json::parse(R"({"id":"abc-123","route":"/api/v2/generate/text/status/{id}",)"
                        R"("remote_ip":"127.0.0.1"})"));
}

TEST_F(HttpServerTest, NotFoundAndMethodNotAllowedInTheRcShape) {
  start();
  const Response missing = run(exchange(ep_, get("/api/v2/nothing?apikey=secret")));
  expect_error(missing, http::status::not_found, "NotFound", "/api/v2/nothing");
  EXPECT_EQ(missing.body().find("secret"), std::string::npos) << "the query is not echoed";
  const Response wrong =
      run(exchange(ep_, "DELETE /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n"));
  expect_error(wrong, http::status::method_not_allowed, "MethodNotAllowed", "DELETE");
  EXPECT_EQ(wrong[http::field::allow], "POST");
}

TEST_F(HttpServerTest, KeepAliveServesSequentialAndPipelinedRequestsOnOneConnection) {
  start();
  auto client = [this]() -> asio::awaitable<std::vector<std::string>> {
    std::vector<std::string> ids;
    tcp::socket s = co_await connect(ep_);
    beast::flat_buffer buf;
    co_await send(s, get("/api/v2/generate/text/status/one"));
    Response a = co_await receive(s, buf);
    EXPECT_TRUE(a.keep_alive());
    ids.emplace_back(json::parse(a.body()).at("id").as_string());
    co_await send(s, get("/api/v2/generate/text/status/two"));
    ids.emplace_back(json::parse((co_await receive(s, buf)).body()).at("id").as_string());
    // Pipelined: both requests in one write, answered in order.
    co_await send(s, get("/api/v2/generate/text/status/three") +
                         "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 4\r\n\r\nfour");
    ids.emplace_back(json::parse((co_await receive(s, buf)).body()).at("id").as_string());
    ids.push_back((co_await receive(s, buf)).body());
    EXPECT_EQ(server_->connections(), 1u);
    co_return ids;
  };
  EXPECT_EQ(run(client()), (std::vector<std::string>{"one", "two", "three", "four"}));
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  start();
  auto client = [this]() -> asio::awaitable<std::string> {
    tcp::socket s = co_await connect(ep_);
    beast::flat_buffer buf;
    co_await send(s, get("/api/v2/generate/text/status/x", "Connection: close\r\n"));
    Response r = co_await receive(s, buf);
    EXPECT_EQ(r.result(), http::status::ok);
    EXPECT_FALSE(r.keep_alive());
    co_return co_await read_rest(s, buf);
  };
  EXPECT_EQ(run(client()), "");
}

TEST_F(HttpServerTest, BodyOverTheLimitGets413NamingTheLimit) {
  limits_.max_body_bytes = 1024;
  start();
  auto client = [this]() -> asio::awaitable<std::pair<Response, std::string>> {
    tcp::socket s = co_await connect(ep_);
    co_await send(s, "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 2000\r\n\r\n" +
                         std::string(2000, 'x'));
    beast::flat_buffer buf;
    Response r = co_await receive(s, buf);
    co_return std::pair{std::move(r), co_await read_rest(s, buf)};
  };
  auto [r, rest] = run(client());
  expect_error(r, http::status::payload_too_large, "BodyTooLarge", "1024 bytes");
  EXPECT_FALSE(r.keep_alive());
  EXPECT_EQ(rest, "");
  EXPECT_EQ(metric("aipg_http_rejections_total{reason=\"body_too_large\"}"), 1);

  // A chunked body is cut at the limit too; one under the limit is served.
  const Response chunked = run(exchange(
      ep_, "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
               std::string(0x800, 'y') + "\r\n0\r\n\r\n"));
  expect_error(chunked, http::status::payload_too_large, "BodyTooLarge", "1024 bytes");
  const Response fine =
      run(exchange(ep_, "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 1024\r\n\r\n" +
                            std::string(1024, 'z')));
  EXPECT_EQ(fine.result(), http::status::ok);
  EXPECT_EQ(fine.body(), std::string(1024, 'z'));
}

TEST_F(HttpServerTest, ExpectContinueGetsAnInterimAnswer) {
  start();
  auto client = [this]() -> asio::awaitable<std::string> {
    tcp::socket s = co_await connect(ep_);
    co_await send(s,
                  "POST /echo HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\n"
                  "Content-Length: 5\r\n\r\n");
    beast::flat_buffer buf;
    http::response_parser<http::empty_body> interim;
    co_await http::async_read_header(s, buf, interim, asio::use_awaitable);
    EXPECT_EQ(interim.get().result(), http::status::continue_);
    co_await send(s, "hello");
    co_return (co_await receive(s, buf)).body();
  };
  EXPECT_EQ(run(client()), "hello");
}

TEST_F(HttpServerTest, HeadOverTheLimitGets431) {
  limits_.max_header_bytes = 1024;
  start();
  const Response r = run(exchange(ep_, get("/echo", "X-Big: " + std::string(2000, 'b') + "\r\n")));
  expect_error(r, http::status::request_header_fields_too_large, "HeaderTooLarge", "1024 bytes");
  EXPECT_EQ(metric("aipg_http_rejections_total{reason=\"header_too_large\"}"), 1);
}

TEST_F(HttpServerTest, MalformedRequestLineGets400ThenClose) {
  start();
  auto client = [this]() -> asio::awaitable<std::pair<Response, std::string>> {
    tcp::socket s = co_await connect(ep_);
    co_await send(s, "GET /a b c HTTP/1.1\r\nHost: test\r\n\r\n");
    beast::flat_buffer buf;
    Response r = co_await receive(s, buf);
    co_return std::pair{std::move(r), co_await read_rest(s, buf)};
  };
  auto [r, rest] = run(client());
  expect_error(r, http::status::bad_request, "BadRequest", "malformed");
  EXPECT_FALSE(r.keep_alive());
  EXPECT_EQ(rest, "");
  EXPECT_EQ(metric("aipg_http_rejections_total{reason=\"bad_request\"}"), 1);
}

TEST_F(HttpServerTest, SlowlorisGets408AfterTheHeaderTimeoutWhileOthersAreServed) {
  limits_.header_timeout = 200ms;
  start();
  bool slow_answered = false;
  auto slowloris = [&]() -> asio::awaitable<std::tuple<Response, std::string, Duration>> {
    const auto began = Clock::now();
    tcp::socket s = co_await connect(ep_);
    co_await send(s, "GET /api/v2/generate/text/status/x HTTP/1.1\r\nHost: te");
    beast::flat_buffer buf;
    Response r = co_await receive(s, buf);
    slow_answered = true;
    const Duration took = Clock::now() - began;
    co_return std::tuple{std::move(r), co_await read_rest(s, buf), took};
  };
  auto test = [&]() -> asio::awaitable<std::tuple<Response, std::string, Duration>> {
    auto ex = co_await asio::this_coro::executor;
    std::optional<std::tuple<Response, std::string, Duration>> slow;
    asio::co_spawn(ex, slowloris(), [&](std::exception_ptr e, auto v) {
      if (!e) slow = std::move(v);
    });
    // Another client, on the same server meanwhile, is answered before the slow one's 408.
    const Response other = co_await exchange(ep_, get("/api/v2/generate/text/status/y"));
    EXPECT_EQ(other.result(), http::status::ok);
    EXPECT_FALSE(slow_answered);
    EXPECT_TRUE(co_await wait_for([&] { return slow.has_value(); }));
    std::tuple<Response, std::string, Duration> result;
    if (slow) result = std::move(*slow);
    co_return result;
  };
  auto [r, rest, took] = run(test());
  expect_error(r, http::status::request_timeout, "RequestTimeout", "200 ms");
  EXPECT_FALSE(r.keep_alive());
  EXPECT_EQ(rest, "");
  EXPECT_GE(took, 200ms);
  EXPECT_EQ(metric("aipg_http_rejections_total{reason=\"header_timeout\"}"), 1);
}

TEST_F(HttpServerTest, AConnectionThatSendsNothingIsClosedQuietly) {
  limits_.header_timeout = 100ms;
  start();
  auto client = [this]() -> asio::awaitable<std::string> {
    tcp::socket s = co_await connect(ep_);
    beast::flat_buffer buf;
    co_return co_await read_rest(s, buf);
  };
  EXPECT_EQ(run(client()), "");
  EXPECT_EQ(metric("aipg_http_rejections_total{reason=\"header_timeout\"}"), 0);
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  limits_.idle_timeout = 100ms;
  start();
  auto client = [this]() -> asio::awaitable<std::string> {
    tcp::socket s = co_await connect(ep_);
    beast::flat_buffer buf;
    co_await send(s, get("/api/v2/generate/text/status/x"));
    EXPECT_EQ((co_await receive(s, buf)).result(), http::status::ok);
    co_return co_await read_rest(s, buf);
  };
  EXPECT_EQ(run(client()), "");
}

TEST_F(HttpServerTest, BodyLateGets408) {
  limits_.body_timeout = 100ms;
  start();
  auto client = [this]() -> asio::awaitable<Response> {
    tcp::socket s = co_await connect(ep_);
    co_await send(s, "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nhalf");
    beast::flat_buffer buf;
    co_return co_await receive(s, buf);
  };
  expect_error(run(client()), http::status::request_timeout, "RequestTimeout", "body");
  EXPECT_EQ(metric("aipg_http_rejections_total{reason=\"body_timeout\"}"), 1);
}

TEST_F(HttpServerTest, ASlowHandlerDoesNotBlockAnotherRequest) {
  asio::steady_timer gate(io_);
  gate.expires_at(asio::steady_timer::time_point::max());
  bool slow_entered = false;
  router_.add(http::verb::get, "/slow",
              [&](const Request& req, RequestContext&, ResponseWriter& w) -> asio::awaitable<void> {
                slow_entered = true;
                co_await gate.async_wait(kTuple);  // until the test opens the gate
                co_await w.send(text_response(http::status::ok, "slow", "text/plain", req));
              });
  router_.add(http::verb::get, "/fast",
              [](const Request& req, RequestContext&, ResponseWriter& w) -> asio::awaitable<void> {
                co_await w.send(text_response(http::status::ok, "fast", "text/plain", req));
              });
  start();
  auto test = [&]() -> asio::awaitable<std::vector<std::string>> {
    std::vector<std::string> order;
    std::optional<Response> slow;
    asio::co_spawn(co_await asio::this_coro::executor, exchange(ep_, get("/slow")),
                   [&](std::exception_ptr e, Response r) {
                     if (!e) slow = std::move(r);
                     order.push_back("slow");
                   });
    EXPECT_TRUE(co_await wait_for([&] { return slow_entered; }));
    const Response fast = co_await exchange(ep_, get("/fast"));
    EXPECT_EQ(fast.body(), "fast");
    order.push_back("fast");
    EXPECT_EQ(server_->connections(), 2u);
    gate.cancel();
    EXPECT_TRUE(co_await wait_for([&] { return order.size() == 2; }));
    EXPECT_EQ(slow ? slow->body() : "", "slow");
    co_return order;
  };
  EXPECT_EQ(run(test()), (std::vector<std::string>{"fast", "slow"}));
}

TEST_F(HttpServerTest, ServerSentEventsStreamAndTheConnectionStaysUsable) {
  router_.add(http::verb::get, "/events",
              [](const Request& req, RequestContext&, ResponseWriter& w) -> asio::awaitable<void> {
                EXPECT_TRUE(co_await w.start_events());
                asio::steady_timer pause(co_await asio::this_coro::executor);
                for (const char* e : {"one", "two", "three\nfour"}) {
                  EXPECT_TRUE(co_await w.send_event(e));
                  pause.expires_after(1ms);
                  co_await pause.async_wait(kTuple);
                }
                co_await w.finish_events();
                EXPECT_FALSE(co_await w.send_event("late"));
              });
  start();
  auto client = [this]() -> asio::awaitable<std::pair<Response, Response>> {
    tcp::socket s = co_await connect(ep_);
    beast::flat_buffer buf;
    co_await send(s, get("/events", "Accept: text/event-stream\r\n"));
    Response events = co_await receive(s, buf);
    co_await send(s, get("/api/v2/generate/text/status/after"));
    Response after = co_await receive(s, buf);
    co_return std::pair{std::move(events), std::move(after)};
  };
  auto [events, after] = run(client());
  EXPECT_EQ(events.result(), http::status::ok);
  EXPECT_EQ(events[http::field::content_type], "text/event-stream");
  EXPECT_EQ(events[http::field::cache_control], "no-cache");
  EXPECT_TRUE(events.chunked());
  EXPECT_EQ(events.body(), "data: one\n\ndata: two\n\ndata: three\ndata: four\n\n");
  EXPECT_EQ(after.result(), http::status::ok);
  EXPECT_EQ(metric("aipg_http_requests_total{code=\"200\",route=\"/events\"}"), 1);
}

TEST_F(HttpServerTest, ServerSentEventsToAnHttp10ClientEndWithTheConnection) {
  router_.add(http::verb::get, "/events",
              [](const Request&, RequestContext&, ResponseWriter& w) -> asio::awaitable<void> {
                EXPECT_TRUE(co_await w.start_events());
                EXPECT_TRUE(co_await w.send_event("only"));
                co_await w.finish_events();
              });
  start();
  auto client = [this]() -> asio::awaitable<std::string> {
    tcp::socket s = co_await connect(ep_);
    co_await send(s, "GET /events HTTP/1.0\r\n\r\n");
    beast::flat_buffer buf;
    co_return co_await read_rest(s, buf);
  };
  const std::string raw = run(client());
  EXPECT_TRUE(raw.starts_with("HTTP/1.0 200 OK\r\n")) << raw;
  EXPECT_EQ(raw.find("chunked"), std::string::npos) << raw;
  EXPECT_TRUE(raw.ends_with("\r\n\r\ndata: only\n\n")) << raw;
}

TEST_F(HttpServerTest, SendEventFailsOnceTheClientWentAway) {
  std::optional<Status> failure;
  bool gone = false;
  router_.add(http::verb::get, "/events",
              [&](const Request&, RequestContext&, ResponseWriter& w) -> asio::awaitable<void> {
                EXPECT_TRUE(co_await w.start_events());
                asio::steady_timer pause(co_await asio::this_coro::executor);
                for (int i = 0; i < 5000; ++i) {
                  Status s = co_await w.send_event("tick " + std::to_string(i));
                  if (!s) {
                    failure = std::move(s);
                    break;
                  }
                  pause.expires_after(1ms);
                  co_await pause.async_wait(kTuple);
                }
                gone = w.client_gone();
              });
  start();
  auto client = [&]() -> asio::awaitable<bool> {
    tcp::socket s = co_await connect(ep_);
    beast::flat_buffer buf;
    co_await send(s, get("/events"));
    http::response_parser<http::string_body> head;
    co_await http::async_read_header(s, buf, head, asio::use_awaitable);
    EXPECT_EQ(head.get()[http::field::content_type], "text/event-stream");
    s.close();
    co_return co_await wait_for([&] { return failure.has_value(); });
  };
  EXPECT_TRUE(run(client()));
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->error().code, Errc::closed);
  EXPECT_TRUE(gone);
}

TEST_F(HttpServerTest, AClientThatDoesNotReadIsDroppedAfterTheWriteTimeout) {
  limits_.write_timeout = 100ms;
  std::optional<Status> failure;
  size_t sent = 0;
  router_.add(http::verb::get, "/flood",
              [&](const Request&, RequestContext&, ResponseWriter& w) -> asio::awaitable<void> {
                EXPECT_TRUE(co_await w.start_events());
                const std::string block(64 << 10, 'x');
                // Until the socket buffers are full and a write stalls for write_timeout.
                for (int i = 0; i < 100000; ++i) {
                  Status s = co_await w.send_event(block);
                  if (!s) {
                    failure = std::move(s);
                    break;
                  }
                  sent += block.size();
                }
              });
  start();
  auto client = [&]() -> asio::awaitable<bool> {
    tcp::socket s = co_await connect(ep_);
    co_await send(s, get("/flood"));
    // Never reads; stays connected until the server gave up.
    const bool gave_up = co_await wait_for([&] { return failure.has_value(); }, 20s);
    EXPECT_TRUE(co_await wait_for([this] { return server_->connections() == 0; }));
    co_return gave_up;
  };
  EXPECT_TRUE(run(client(), 30s));
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->error().code, Errc::closed);
  EXPECT_GT(sent, 0u);
}

TEST_F(HttpServerTest, CorsPreflightAndTheHeaderOnResponses) {
  start();
  const Response pre =
      run(exchange(ep_,
                   "OPTIONS /echo HTTP/1.1\r\nHost: test\r\n"
                   "Origin: https://ui.example\r\n"
                   "Access-Control-Request-Method: POST\r\n"
                   "Access-Control-Request-Headers: apikey, content-type\r\n\r\n"));
  EXPECT_EQ(pre.result(), http::status::no_content);
  EXPECT_EQ(pre[http::field::access_control_allow_origin], "*");
  EXPECT_EQ(pre[http::field::access_control_allow_methods], "POST, OPTIONS");
  EXPECT_EQ(pre[http::field::access_control_allow_headers],
            "apikey, Client-Agent, Authorization, Content-Type");
  EXPECT_EQ(pre[http::field::access_control_max_age], "600");
  EXPECT_EQ(pre.count(http::field::content_length), 0u);
  EXPECT_TRUE(pre.body().empty());

  const Response normal =
      run(exchange(ep_, get("/api/v2/generate/text/status/x", "Origin: https://ui.example\r\n")));
  EXPECT_EQ(normal[http::field::access_control_allow_origin], "*");
  // The server's own errors carry it too, so a page can read them.
  const Response missing = run(exchange(ep_, get("/missing", "Origin: https://ui.example\r\n")));
  EXPECT_EQ(missing[http::field::access_control_allow_origin], "*");
}

TEST_F(HttpServerTest, CorsWithExactOriginsEchoesOnlyThose) {
  cors_.allow_origins = {"https://ui.example"};
  start();
  const Response ok =
      run(exchange(ep_, get("/api/v2/generate/text/status/x", "Origin: https://ui.example\r\n")));
  EXPECT_EQ(ok[http::field::access_control_allow_origin], "https://ui.example");
  EXPECT_EQ(ok[http::field::vary], "Origin");
  const Response other =
      run(exchange(ep_, get("/api/v2/generate/text/status/x", "Origin: https://evil.example\r\n")));
  EXPECT_EQ(other.result(), http::status::ok);
  EXPECT_EQ(other.count(http::field::access_control_allow_origin), 0u);
}

TEST_F(HttpServerTest, WithoutCorsThereAreNoHeadersAndOptionsIsRoutedLikeAnyMethod) {
  cors_.allow_origins = {};
  start();
  const Response pre = run(exchange(ep_,
                                    "OPTIONS /echo HTTP/1.1\r\nHost: test\r\n"
                                    "Origin: https://ui.example\r\n"
                                    "Access-Control-Request-Method: POST\r\n\r\n"));
  expect_error(pre, http::status::method_not_allowed, "MethodNotAllowed", "OPTIONS");
  EXPECT_EQ(pre.count(http::field::access_control_allow_origin), 0u);
}

TEST_F(HttpServerTest, PerIpConnectionLimitGets503) {
  limits_.max_connections_per_ip = 2;
  start();
  auto test = [this]() -> asio::awaitable<std::pair<Response, Response>> {
    tcp::socket a = co_await connect(ep_);
    tcp::socket b = co_await connect(ep_);
    EXPECT_TRUE(co_await wait_for([this] { return server_->connections() == 2; }));
    tcp::socket c = co_await connect(ep_);
    beast::flat_buffer buf;
    Response refused = co_await receive(c, buf);
    EXPECT_EQ(co_await read_rest(c, buf), "");
    EXPECT_EQ(server_->connections(), 2u);
    a.close();
    EXPECT_TRUE(co_await wait_for([this] { return server_->connections() == 1; }));
    Response served = co_await exchange(ep_, get("/api/v2/generate/text/status/x"));
    co_return std::pair{std::move(refused), std::move(served)};
  };
  auto [refused, served] = run(test());
  expect_error(refused, http::status::service_unavailable, "TooManyConnections",
               "over 2 connections from 127.0.0.1");
  EXPECT_FALSE(refused.keep_alive());
  EXPECT_EQ(served.result(), http::status::ok);
  EXPECT_EQ(metric("aipg_http_rejections_total{reason=\"too_many_connections_per_ip\"}"), 1);
}

TEST_F(HttpServerTest, ConnectionLimitGets503) {
  limits_.max_connections = 1;
  start();
  auto test = [this]() -> asio::awaitable<Response> {
    tcp::socket a = co_await connect(ep_);
    EXPECT_TRUE(co_await wait_for([this] { return server_->connections() == 1; }));
    co_return co_await exchange(ep_, get("/api/v2/generate/text/status/x"));
  };
  expect_error(run(test()), http::status::service_unavailable, "TooManyConnections",
               "over 1 connections");
  EXPECT_EQ(metric("aipg_http_rejections_total{reason=\"too_many_connections\"}"), 1);
}

TEST_F(HttpServerTest, AHandlerThatThrowsOrSendsNothingGets500) {
  router_.add(http::verb::get, "/throws",
              [](const Request&, RequestContext&, ResponseWriter&) -> asio::awaitable<void> {
                throw std::runtime_error("boom \"quoted\"");
                co_return;
              });
  router_.add(
      http::verb::get, "/silent",
      [](const Request&, RequestContext&, ResponseWriter&) -> asio::awaitable<void> { co_return; });
  start();
  auto test = [this]() -> asio::awaitable<std::pair<Response, Response>> {
    tcp::socket s = co_await connect(ep_);
    beast::flat_buffer buf;
    co_await send(s, get("/throws"));
    Response thrown = co_await receive(s, buf);
    // The connection survives a failed handler.
    co_await send(s, get("/silent"));
    Response silent = co_await receive(s, buf);
    co_return std::pair{std::move(thrown), std::move(silent)};
  };
  auto [thrown, silent] = run(test());
  expect_error(thrown, http::status::internal_server_error, "InternalError", "internal error");
  EXPECT_EQ(thrown.body().find("boom"), std::string::npos) << "no internals leak to the client";
  expect_error(silent, http::status::internal_server_error, "InternalError", "internal error");
  EXPECT_EQ(metric("aipg_http_requests_total{code=\"500\",route=\"/throws\"}"), 1);
}

TEST_F(HttpServerTest, MetricsCountRequestsByRouteAndCode) {
  router_.add(http::verb::get, "/metrics", metrics_handler(registry_));
  registry_.add_collector([](Exposition& e) { e.gauge("aipg_test_jobs", "Jobs.", 7); });
  start();
  auto test = [this]() -> asio::awaitable<Response> {
    tcp::socket s = co_await connect(ep_);
    beast::flat_buffer buf;
    co_await send(s, get("/api/v2/generate/text/status/a"));
    co_await receive(s, buf);
    co_await send(s, get("/api/v2/generate/text/status/b"));
    co_await receive(s, buf);
    co_await send(s, get("/nowhere"));
    co_await receive(s, buf);
    co_await send(s, get("/metrics"));
    co_return co_await receive(s, buf);
  };
  const Response r = run(test());
  EXPECT_EQ(r.result(), http::status::ok);
  EXPECT_EQ(r[http::field::content_type], kPrometheusContentType);
  const std::string& text = r.body();
  auto has = [&](std::string_view line) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  };
  has("# TYPE aipg_http_requests_total counter\n");
  has("aipg_http_requests_total{code=\"200\",route=\"/api/v2/generate/text/status/{id}\"} 2\n");
  has("aipg_http_requests_total{code=\"404\",route=\"unmatched\"} 1\n");
  has("# TYPE aipg_http_request_duration_seconds histogram\n");
  has("aipg_http_request_duration_seconds_bucket{route=\"/api/v2/generate/text/status/{id}\","
      "le=\"+Inf\"} 2\n");
  has("aipg_http_request_duration_seconds_count{route=\"unmatched\"} 1\n");
  has("# TYPE aipg_http_connections gauge\naipg_http_connections 1\n");
  has("aipg_http_rejections_total{reason=\"bad_request\"} 0\n");
  has("aipg_test_jobs 7\n");
  // The /metrics request itself is counted once it is answered.
  EXPECT_EQ(metric("aipg_http_requests_total{code=\"200\",route=\"/metrics\"}"), 1);
}

TEST_F(HttpServerTest, CloseEndsIdleConnectionsAndWaitingHandlers) {
  bool entered = false;
  bool handler_done = false;
  router_.add(http::verb::get, "/wait",
              [&](const Request&, RequestContext&, ResponseWriter&) -> asio::awaitable<void> {
                entered = true;
                asio::steady_timer forever(co_await asio::this_coro::executor);
                forever.expires_at(asio::steady_timer::time_point::max());
                co_await forever.async_wait(kTuple);
                handler_done = true;
              });
  start();
  auto test = [this, &entered]() -> asio::awaitable<std::pair<std::string, std::string>> {
    tcp::socket idle = co_await connect(ep_);
    tcp::socket waiting = co_await connect(ep_);
    co_await send(waiting, get("/wait"));
    EXPECT_TRUE(co_await wait_for([&] { return entered && server_->connections() == 2; }));
    server_->close();
    beast::flat_buffer b1, b2;
    std::string idle_rest = co_await read_rest(idle, b1);
    std::string waiting_rest = co_await read_rest(waiting, b2);
    EXPECT_TRUE(co_await wait_for([this] { return server_->connections() == 0; }));
    co_return std::pair{idle_rest, waiting_rest};
  };
  auto [idle_rest, waiting_rest] = run(test());
  EXPECT_EQ(idle_rest, "");
  EXPECT_EQ(waiting_rest, "");
  EXPECT_TRUE(handler_done);
  EXPECT_FALSE(server_->listen("127.0.0.1", 0));
}

TEST_F(HttpServerTest, ListenRefusesBadSettings) {
  server_ = std::make_unique<HttpServer>(io_, router_, limits_, cors_, registry_);
  EXPECT_EQ(server_->listen("localhost", 0).error().code, Errc::invalid_argument);
  HttpLimits bad;
  bad.max_connections = 0;
  HttpServer refused(io_, router_, bad, cors_, registry_);
  auto r = refused.listen("127.0.0.1", 0);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("max_connections"), std::string::npos);
}

}  // namespace
}  // namespace aipg::api
