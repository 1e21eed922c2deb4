// api::Router — maps (method, path) to a Handler.
//
// Patterns are '/'-separated segments, each a literal or a {name} that matches one non-empty
// segment, e.g. "/api/v2/generate/text/status/{id}"; "/" is the root. The query string is ignored
// for matching. Matching is exact: "/a/" does not match "/a". Path parameters are percent-decoded
// (a segment with a bad escape is passed as it came). When several patterns match, the one with a
// literal at the first segment where they differ wins ("/workers/me" over "/workers/{id}").
//
// A Handler is a coroutine; the server co_awaits it on the connection's coroutine. It must answer
// through the ResponseWriter exactly once (send, or start_events … finish_events). It may wait
// (timers, conditions) before answering: other connections go on meanwhile. A lambda handler's
// captures live in the Router, so the Router must outlive the server's connections.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.hpp"

namespace aipg::api {

class ResponseWriter;

using Handler =
    std::function<boost::asio::awaitable<void>(const Request&, RequestContext&, ResponseWriter&)>;

struct RouteMatch {
  enum class Kind { found, method_not_allowed, not_found };
  Kind kind = Kind::not_found;
  const Handler* handler = nullptr;           // found
  std::string_view pattern;                   // found; valid while the Router lives
  std::map<std::string, std::string> params;  // found
  std::vector<http::verb> allowed;            // method_not_allowed: the path's methods
};

class Router {
 public:
  // Adding the same method and pattern again replaces the handler. A malformed pattern (no
  // leading '/', an empty segment, an empty or unclosed {name}, a name used twice) is a bug in
  // our code: it is logged at error and not added.
  void add(http::verb method, std::string pattern, Handler h);

  RouteMatch match(http::verb method, std::string_view target) const;
  // The methods served on the path of `target` (empty if the path is unknown).
  std::vector<http::verb> methods_for(std::string_view target) const;
  size_t size() const { return routes_.size(); }

 private:
  struct Segment {
    bool is_param;
    std::string text;  // the literal, or the parameter's name
  };
  struct Route {
    http::verb method;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
  };

  std::vector<Route> routes_;
};

}  // namespace aipg::api
