// A tiny blocking HTTP/1.1 client for `aipg demo` (Beast): one request per connection, a
// deadline for the whole exchange, plain http:// only. The demo drives a handful of requests
// one after another, so nothing here needs to be concurrent.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <string>

#include "base/result.hpp"
#include "base/time.hpp"

namespace aipg::app {

struct Url {
  std::string host;
  uint16_t port = 80;
  std::string path;  // without a trailing '/'; empty for the root
};

// http://HOST[:PORT][/PATH]; anything else is an invalid_argument error naming the URL.
Result<Url> parse_url(const std::string& text);

struct HttpReply {
  unsigned status = 0;
  std::string body;
};

// `target` is appended to the URL's path. A non-empty `body` is sent as application/json.
// `interrupted` is asked every 100 ms: when it turns true the request is abandoned (a blocking
// completion may take long, and Ctrl-C must not wait for it).
using Interrupted = std::function<bool()>;
Result<HttpReply> http_call(const Url& url, const std::string& method, const std::string& target,
                            const std::string& body, Duration timeout,
                            const Interrupted& interrupted = nullptr);

// http_call, then the body parsed as JSON; a status other than 2xx is an error quoting the body.
Result<boost::json::value> http_json(const Url& url, const std::string& method,
                                     const std::string& target, const std::string& body,
                                     Duration timeout, const Interrupted& interrupted = nullptr);

}  // namespace aipg::app
