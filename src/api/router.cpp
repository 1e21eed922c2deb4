#include "api/router.hpp"

#include <algorithm>
#include <optional>

#include "base/log.hpp"

namespace aipg::api {

namespace {

// The path's segments: "/a/b?x=1" → {"a", "b"}; "/" → {}. Nullopt unless it starts with '/'
// (absolute-form and "*" targets name no route of ours).
std::optional<std::vector<std::string_view>> split_path(std::string_view target) {
  const size_t q = target.find_first_of("?#");
  if (q != std::string_view::npos) target = target.substr(0, q);
  if (target.empty() || target[0] != '/') return std::nullopt;
  target.remove_prefix(1);
  std::vector<std::string_view> out;
  if (target.empty()) return out;
  for (;;) {
    const size_t slash = target.find('/');
    out.push_back(target.substr(0, slash));
    if (slash == std::string_view::npos) break;
    target.remove_prefix(slash + 1);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex_value(s[i + 1]);
    const int lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += char(hi * 16 + lo);
    i += 2;
  }
  return out;
}

}  // namespace

void Router::add(http::verb method, std::string pattern, Handler h) {
  auto fail = [&](const char* why) {
    log::error("router: pattern '{}' not added: {}", pattern, why);
  };
  if (pattern.empty() || pattern[0] != '/') return fail("it must start with '/'");
  if (pattern.find_first_of("?#") != std::string::npos) return fail("it has a query or fragment");
  const auto raw = split_path(pattern);
  std::vector<Segment> segments;
  for (const std::string_view s : *raw) {
    if (s.empty()) return fail("it has an empty segment");
    if (s.front() == '{' || s.back() == '}') {
      if (s.size() < 3 || s.front() != '{' || s.back() != '}') {
        return fail("a parameter must be a whole segment {name}");
      }
      std::string name(s.substr(1, s.size() - 2));
      if (name.find_first_of("{}") != std::string::npos) return fail("a parameter name has braces");
      for (const auto& seg : segments) {
        if (seg.is_param && seg.text == name) return fail("a parameter name is used twice");
      }
      segments.push_back({true, std::move(name)});
    } else {
      if (s.find_first_of("{}") != std::string_view::npos) {
        return fail("a parameter must be a whole segment {name}");
      }
      segments.push_back({false, std::string(s)});
    }
  }
  for (Route& r : routes_) {
    if (r.method == method && r.pattern == pattern) {
      r.handler = std::move(h);
      return;
    }
  }
  routes_.push_back(Route{method, std::move(pattern), std::move(segments), std::move(h)});
}

namespace {

template <class Route>
bool path_matches(const Route& r, const std::vector<std::string_view>& path) {
  if (r.segments.size() != path.size()) return false;
  for (size_t i = 0; i < path.size(); ++i) {
    if (r.segments[i].is_param ? path[i].empty() : r.segments[i].text != path[i]) return false;
  }
  return true;
}

// True when a is more specific than b: a literal where b has a parameter, at the first segment
// where they differ in kind.
template <class Route>
bool more_specific(const Route& a, const Route& b) {
  for (size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
    if (a.segments[i].is_param != b.segments[i].is_param) return !a.segments[i].is_param;
  }
  return false;
}

}  // namespace

RouteMatch Router::match(http::verb method, std::string_view target) const {
  RouteMatch m;
  const auto path = split_path(target);
  if (!path) return m;
  const Route* best = nullptr;
  for (const Route& r : routes_) {
    if (!path_matches(r, *path)) continue;
    if (std::find(m.allowed.begin(), m.allowed.end(), r.method) == m.allowed.end()) {
      m.allowed.push_back(r.method);
    }
    if (r.method == method && (best == nullptr || more_specific(r, *best))) best = &r;
  }
  if (best == nullptr) {
    m.kind = m.allowed.empty() ? RouteMatch::Kind::not_found : RouteMatch::Kind::method_not_allowed;
    return m;
  }
  m.kind = RouteMatch::Kind::found;
  m.allowed.clear();
  m.handler = &best->handler;
  m.pattern = best->pattern;
  for (size_t i = 0; i < path->size(); ++i) {
    if (!best->segments[i].is_param) continue;
    const std::string_view raw = (*path)[i];
    auto decoded = percent_decode(raw);
    m.params[best->segments[i].text] = decoded ? std::move(*decoded) : std::string(raw);
  }
  return m;
}

std::vector<http::verb> Router::methods_for(std::string_view target) const {
  std::vector<http::verb> out;
  const auto path = split_path(target);
  if (!path) return out;
  for (const Route& r : routes_) {
    if (path_matches(r, *path) && std::find(out.begin(), out.end(), r.method) == out.end()) {
      out.push_back(r.method);
    }
  }
  return out;
}

}  // namespace aipg::api
