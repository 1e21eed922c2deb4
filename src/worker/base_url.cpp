// parse_base_url and BaseUrl::text (http_client.hpp): kept apart from the Beast code, which is
// slow to compile, and so a test of URLs needs no sockets.
#include <cctype>
#include <charconv>

#include "worker/http_client.hpp"

namespace aipg::worker {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string BaseUrl::text() const {
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + prefix;
}

Result<BaseUrl> parse_base_url(std::string_view url) {
  const std::string quoted = "backend URL '" + std::string(url) + "'";
  auto bad = [&](std::string why) {
    return make_error(Errc::invalid_argument, quoted + ": " + std::move(why));
  };
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return bad("expected http://host:port[/prefix]");
  const std::string scheme = lower(url.substr(0, scheme_end));
  if (scheme == "https") {
    return make_error(Errc::unsupported,
                      quoted +
                          ": https is not supported (plain http only; the inference server "
                          "is expected on this machine or network)");
  }
  if (scheme != "http") return bad("scheme '" + scheme + "' is not http");
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return bad("a query or fragment is not allowed");
  }
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return bad("user information is not allowed (use --backend-key for a key)");
  }
  BaseUrl out;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("'[' without ']' around an IPv6 address");
    out.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad("junk after ']'");
    if (!after.empty()) port_text = after.substr(1);
    if (after == ":") return bad("empty port");
  } else {
    const size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return bad("empty port");
    }
  }
  if (out.host.empty()) return bad("no host");
  if (!port_text.empty()) {
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return bad("port '" + std::string(port_text) + "' is not a number from 1 to 65535");
    }
    out.port = uint16_t(port);
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.prefix = std::string(path);
  return out;
}

}  // namespace aipg::worker
