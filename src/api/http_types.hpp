// The HTTP message types every handler sees, and the per-request context the server fills in.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <map>
#include <string>

#include "base/time.hpp"

namespace aipg::api {

namespace http = boost::beast::http;

// A whole request, body included (bounded by HttpLimits::max_body_bytes).
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

struct RequestContext {
  std::string remote_ip;                      // the TCP peer; IPv4-mapped IPv6 shown as IPv4
  std::map<std::string, std::string> params;  // path parameters, percent-decoded: {"id", "…"}
  // The matched pattern, for metrics and logs; "unmatched" when none matched (404, 405) and
  // "preflight" for a CORS preflight the server answered.
  std::string route = "unmatched";
  Instant started;  // steady clock, when the request was complete
};

}  // namespace aipg::api
