#include "api/cors.hpp"

#include <algorithm>
#include <chrono>

namespace aipg::api {

namespace {

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += ", ";
    out += p;
  }
  return out;
}

}  // namespace

Status CorsConfig::validate() const {
  for (const auto& o : allow_origins) {
    if (o == "*") continue;
    const bool http = o.starts_with("http://");
    const bool https = o.starts_with("https://");
    const size_t host_at = http ? 7 : (https ? 8 : 0);
    if (host_at == 0 || o.size() == host_at) {
      return make_error(Errc::invalid_argument,
                        "cors: origin '" + o + "' is not \"*\" nor http(s)://host[:port]");
    }
    if (o.find('/', host_at) != std::string::npos) {
      return make_error(
          Errc::invalid_argument,
          "cors: origin '" + o + "' has a path or a trailing slash; a browser's Origin never does");
    }
  }
  for (const auto& h : allow_headers) {
    if (h.empty() || !std::all_of(h.begin(), h.end(), is_token_char)) {
      return make_error(Errc::invalid_argument,
                        "cors: allow_headers entry '" + h + "' is not a header name");
    }
  }
  if (max_age < Duration::zero()) {
    return make_error(Errc::invalid_argument, "cors: max_age must not be negative");
  }
  return ok();
}

std::string cors_allow_origin(const CorsConfig& cors, std::string_view origin) {
  for (const auto& o : cors.allow_origins) {
    if (o == "*") return "*";
  }
  if (origin.empty()) return {};
  for (const auto& o : cors.allow_origins) {
    if (o == origin) return o;
  }
  return {};
}

void add_cors_headers(const CorsConfig& cors, const Request& req, http::fields& fields) {
  if (!cors.enabled()) return;
  const std::string allow = cors_allow_origin(cors, req[http::field::origin]);
  if (allow.empty()) return;
  fields.set(http::field::access_control_allow_origin, allow);
  if (allow != "*") fields.set(http::field::vary, "Origin");
}

bool is_preflight(const Request& req) {
  return req.method() == http::verb::options && req.count(http::field::origin) > 0 &&
         req.count(http::field::access_control_request_method) > 0;
}

Response preflight_response(const CorsConfig& cors, const Request& req,
                            const std::vector<http::verb>& methods) {
  Response res(http::status::no_content, req.version());
  add_cors_headers(cors, req, res);
  std::vector<std::string> names;
  for (const auto m : methods) {
    if (m != http::verb::options) names.emplace_back(http::to_string(m));
  }
  names.emplace_back("OPTIONS");
  res.set(http::field::access_control_allow_methods, join(names));
  res.set(http::field::access_control_allow_headers, join(cors.allow_headers));
  res.set(http::field::access_control_max_age,
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(cors.max_age).count()));
  return res;
}

}  // namespace aipg::api
