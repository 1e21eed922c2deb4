// detail::ServerCore — what an HttpServer shares with its accept and connection coroutines.
// Internal to api/.
//
// The coroutines hold it by shared_ptr because they can outlive the HttpServer (until the
// io_context runs them to their end or is destroyed). ~HttpServer detaches it: router and
// registry become null, and a coroutine that resumes afterwards touches neither.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/cors.hpp"
#include "api/http_limits.hpp"
#include "api/metrics.hpp"
#include "api/router.hpp"

namespace aipg::api::detail {

// A request or connection the server refuses by itself; `reason` is the metric label.
struct Rejection {
  const char* reason;
  http::status status;
  const char* rc;
};
inline constexpr Rejection kBadRequest{"bad_request", http::status::bad_request, "BadRequest"};
inline constexpr Rejection kHeaderTooLarge{
    "header_too_large", http::status::request_header_fields_too_large, "HeaderTooLarge"};
inline constexpr Rejection kBodyTooLarge{"body_too_large", http::status::payload_too_large,
                                         "BodyTooLarge"};
inline constexpr Rejection kHeaderTimeout{"header_timeout", http::status::request_timeout,
                                          "RequestTimeout"};
inline constexpr Rejection kBodyTimeout{"body_timeout", http::status::request_timeout,
                                        "RequestTimeout"};
inline constexpr Rejection kTooManyConnections{
    "too_many_connections", http::status::service_unavailable, "TooManyConnections"};
inline constexpr Rejection kTooManyFromIp{"too_many_connections_per_ip",
                                          http::status::service_unavailable, "TooManyConnections"};
inline constexpr const Rejection* kAllRejections[] = {
    &kBadRequest,  &kHeaderTooLarge,     &kBodyTooLarge, &kHeaderTimeout,
    &kBodyTimeout, &kTooManyConnections, &kTooManyFromIp};

struct ServerCore {
  ServerCore(boost::asio::io_context& io_, const Router& router_, HttpLimits limits_,
             CorsConfig cors_, Registry& registry_);

  boost::asio::io_context& io;
  const Router* router;  // null once detached
  Registry* registry;    // null once detached
  const HttpLimits limits;
  const CorsConfig cors;
  bool closing = false;

  size_t connections = 0;  // accepted, not yet ended
  size_t refusing = 0;     // refuse_connection coroutines under way
  std::unordered_map<std::string, size_t> per_ip;
  // The per-request metrics, looked up once per (route, code) and route: the registry's lookup
  // (validation, label sorting) costs more than the rest of a small request.
  std::unordered_map<std::string, Counter*> request_counters;
  std::unordered_map<std::string, Histogram*> request_durations;
  // One per coroutine (accept loops, connections, refusals), emitted by close() unless `done`.
  // co_spawn's cancellation handler may post the emission on to the coroutine, and the posted
  // function points into the signal: so a finished coroutine's entry is marked done and only
  // erased by a function posted after it, never at once.
  struct Tracked {
    boost::asio::cancellation_signal signal;
    bool done = false;
  };
  std::map<uint64_t, Tracked> tracked;
  uint64_t next_id = 1;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors;

  bool detached() const { return registry == nullptr; }
  void detach() {
    router = nullptr;
    registry = nullptr;
  }
  // No-ops once detached.
  void count_rejection(const Rejection& r);
  void update_connections_gauge();
};

// An accepted connection's share of ServerCore's counts, taken on construction and given back
// when the coroutine frame holding it is destroyed (also when it never ran).
class ConnectionSlot {
 public:
  ConnectionSlot(std::shared_ptr<ServerCore> core, std::string ip);
  ConnectionSlot(ConnectionSlot&& o) noexcept = default;
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ~ConnectionSlot();

  ServerCore& core() const { return *core_; }
  const std::string& ip() const { return ip_; }

 private:
  std::shared_ptr<ServerCore> core_;  // null when moved from
  std::string ip_;
};

// The connection's whole life: requests in turn until close, error, timeout or server close.
boost::asio::awaitable<void> run_connection(ConnectionSlot slot,
                                            boost::asio::ip::tcp::socket socket);

// Answers `why` (503) without reading a request, then closes. At most kMaxRefusing at once: past
// that a connection over the limits is closed without an answer, so a flood cannot hold more
// descriptors than the limits allow plus these.
inline constexpr size_t kMaxRefusing = 64;
boost::asio::awaitable<void> refuse_connection(std::shared_ptr<ServerCore> core,
                                               boost::asio::ip::tcp::socket socket, std::string ip,
                                               const Rejection& why);

}  // namespace aipg::api::detail
