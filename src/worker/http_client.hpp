// A small HTTP/1.1 client for the inference backends, on Boost.Beast and Asio coroutines on the
// node's io_context: one request per connection, the response body handed over piece by piece
// as it arrives (chunked or with a Content-Length), so that a streamed generation can be passed
// on before it ends. Plain http only: inference servers sit on the worker's own machine or
// network, and TLS would bring a second dependency for no use here.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "base/time.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace aipg::worker {

// http://host[:port][/prefix] — where a backend's API lives; `prefix` has no trailing '/'.
struct BaseUrl {
  std::string host;
  uint16_t port = 80;
  std::string prefix;
  std::string text() const;  // http://host:port/prefix
};

// Errors say what is wrong and with which part (https, no host, a bad port, a query...).
Result<BaseUrl> parse_base_url(std::string_view url);

struct HttpRequest {
  std::string method = "GET";  // GET or POST
  std::string path;            // appended to the base URL's prefix, e.g. "/v1/models"
  std::string body;            // sent as application/json when not empty
  std::string bearer;          // Authorization: Bearer …, when not empty
};

struct HttpLimits {
  Duration connect_timeout = std::chrono::seconds(10);
  // The longest silence while waiting for the head or the next piece of the body: a server
  // loading a model can take a while before the first byte, so this is generous by default.
  Duration idle_timeout = std::chrono::seconds(120);
  size_t max_header_bytes = 64 << 10;
  size_t max_body_bytes = 16 << 20;
};

// Gets each piece of a 2xx response's body; an error it returns ends the call with that error.
using BodyFn = std::function<Status(std::string_view piece)>;
// The call's end: ok when the whole body was read, or why not.
using EndFn = std::function<void(Status)>;

class HttpCall {
 public:
  // Starts a call on `io`; it never calls back from inside start(). Each of `on_body` and
  // `on_end` is called on `io`'s thread, `on_end` exactly once, unless cancel() came first.
  // A non-2xx answer ends the call with an error naming the status and the body's first bytes.
  static std::shared_ptr<HttpCall> start(boost::asio::io_context& io, const BaseUrl& base,
                                         HttpRequest request, HttpLimits limits, BodyFn on_body,
                                         EndFn on_end);
  // Closes the connection; no callback runs after this returns (also when called from inside
  // on_body). Idempotent.
  void cancel();

  struct State;
  explicit HttpCall(std::shared_ptr<State> state) : state_(std::move(state)) {}

 private:
  std::shared_ptr<State> state_;
};

}  // namespace aipg::worker
