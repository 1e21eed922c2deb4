// api::CorsConfig — Cross-Origin Resource Sharing for browser clients (the AI Horde's web UIs,
// OpenAI clients in a page), per the Fetch standard's CORS protocol.
//
// With allow_origins empty the server adds no CORS headers and routes OPTIONS like any method.
// Otherwise every response carries Access-Control-Allow-Origin: "*" when "*" is listed, else the
// request's Origin when it is listed exactly (with Vary: Origin, so caches keep them apart). A
// preflight (OPTIONS with Origin and Access-Control-Request-Method) on a path the router knows
// is answered by the server itself: 204 with Allow-Methods (the path's methods), Allow-Headers
// and Max-Age; on an unknown path it gets the usual 404.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.hpp"
#include "base/result.hpp"
#include "base/time.hpp"

namespace aipg::api {

struct CorsConfig {
  // "*" or exact origins such as "https://app.example:8443" (scheme, host, optional port).
  std::vector<std::string> allow_origins{"*"};
  // Request headers a browser may send: the AI Horde's apikey and Client-Agent, OpenAI's
  // Authorization, and Content-Type for JSON bodies.
  std::vector<std::string> allow_headers{"apikey", "Client-Agent", "Authorization", "Content-Type"};
  Duration max_age = 600s;  // how long a browser may cache a preflight answer

  bool enabled() const { return !allow_origins.empty(); }
  // Refuses origins that cannot match a browser's Origin header (a path, a trailing slash, no
  // http(s) scheme) and header names that are not HTTP tokens.
  Status validate() const;
};

// The Access-Control-Allow-Origin value for a request from `origin` ("" = none).
std::string cors_allow_origin(const CorsConfig& cors, std::string_view origin);

// Adds Access-Control-Allow-Origin (and Vary: Origin) to a response to `req`, if any applies.
void add_cors_headers(const CorsConfig& cors, const Request& req, http::fields& fields);

// OPTIONS with Origin and Access-Control-Request-Method.
bool is_preflight(const Request& req);

// 204 for a preflight on a path served with `methods` (OPTIONS is added).
Response preflight_response(const CorsConfig& cors, const Request& req,
                            const std::vector<http::verb>& methods);

}  // namespace aipg::api
