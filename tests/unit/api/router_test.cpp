// Router: pattern matching, path parameters, specificity, 405 lists; config validation.
#include "api/router.hpp"

#include <gtest/gtest.h>

#include "api/cors.hpp"
#include "api/http_limits.hpp"

namespace aipg::api {
namespace {

Handler noop() {
  return [](const Request&, RequestContext&, ResponseWriter&) -> boost::asio::awaitable<void> {
    co_return;
  };
}

TEST(Router, MatchesLiteralsAndParamsAndIgnoresTheQuery) {
  Router r;
  r.add(http::verb::get, "/api/v2/generate/text/status/{id}", noop());
  r.add(http::verb::get, "/", noop());
  auto m = r.match(http::verb::get, "/api/v2/generate/text/status/abc-123?x=1&y=2");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_EQ(m.pattern, "/api/v2/generate/text/status/{id}");
  EXPECT_EQ(m.params, (std::map<std::string, std::string>{{"id", "abc-123"}}));
  EXPECT_NE(m.handler, nullptr);
  EXPECT_EQ(r.match(http::verb::get, "/").kind, RouteMatch::Kind::found);
  EXPECT_EQ(r.match(http::verb::get, "/?q").kind, RouteMatch::Kind::found);
  EXPECT_EQ(r.match(http::verb::get, "/api/v2/generate/text/status/").kind,
            RouteMatch::Kind::not_found);
  EXPECT_EQ(r.match(http::verb::get, "/api/v2/generate/text/status/a/b").kind,
            RouteMatch::Kind::not_found);
  EXPECT_EQ(r.match(http::verb::get, "/api/v2/generate/text/status").kind,
            RouteMatch::Kind::not_found);
  EXPECT_EQ(r.match(http::verb::get, "*").kind, RouteMatch::Kind::not_found);
  EXPECT_EQ(r.match(http::verb::get, "http://host/").kind, RouteMatch::Kind::not_found);
}

TEST(Router, DecodesParamsAndKeepsBadEscapesAsTheyCame) {
  Router r;
  r.add(http::verb::get, "/models/{name}/{rest}", noop());
  auto m = r.match(http::verb::get, "/models/koboldcpp%2Fllama%203/100%");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_EQ(m.params["name"], "koboldcpp/llama 3");
  EXPECT_EQ(m.params["rest"], "100%");
}

TEST(Router, ALiteralBeatsAParamAndMethodsAreListed) {
  Router r;
  r.add(http::verb::get, "/workers/{id}", noop());
  r.add(http::verb::get, "/workers/me", noop());
  r.add(http::verb::delete_, "/workers/{id}", noop());
  auto me = r.match(http::verb::get, "/workers/me");
  ASSERT_EQ(me.kind, RouteMatch::Kind::found);
  EXPECT_EQ(me.pattern, "/workers/me");
  EXPECT_TRUE(me.params.empty());
  auto other = r.match(http::verb::get, "/workers/w1");
  EXPECT_EQ(other.pattern, "/workers/{id}");
  // DELETE /workers/me goes to the route that serves DELETE.
  auto del = r.match(http::verb::delete_, "/workers/me");
  ASSERT_EQ(del.kind, RouteMatch::Kind::found);
  EXPECT_EQ(del.params["id"], "me");
  auto post = r.match(http::verb::post, "/workers/me");
  EXPECT_EQ(post.kind, RouteMatch::Kind::method_not_allowed);
  EXPECT_EQ(post.allowed, (std::vector<http::verb>{http::verb::get, http::verb::delete_}));
  EXPECT_EQ(r.methods_for("/workers/w1?x"),
            (std::vector<http::verb>{http::verb::get, http::verb::delete_}));
  EXPECT_TRUE(r.methods_for("/nothing").empty());
}

TEST(Router, AddingTheSameRouteReplacesItAndBadPatternsAreRefused) {
  Router r;
  r.add(http::verb::get, "/a", noop());
  r.add(http::verb::get, "/a", noop());
  EXPECT_EQ(r.size(), 1u);
  r.add(http::verb::get, "a", noop());
  r.add(http::verb::get, "/a//b", noop());
  r.add(http::verb::get, "/a/{}", noop());
  r.add(http::verb::get, "/a/x{id}", noop());
  r.add(http::verb::get, "/a/{id", noop());
  r.add(http::verb::get, "/a/{id}/{id}", noop());
  r.add(http::verb::get, "/a?x", noop());
  EXPECT_EQ(r.size(), 1u);
}

TEST(HttpLimits, DefaultsAreValidAndBadValuesAreNamed) {
  EXPECT_TRUE(HttpLimits{}.validate());
  auto expect_refused = [](HttpLimits l, std::string_view field) {
    auto s = l.validate();
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::invalid_argument);
    EXPECT_NE(s.error().message.find(field), std::string::npos) << s.error().message;
  };
  HttpLimits l;
  l.max_header_bytes = 100;
  expect_refused(l, "max_header_bytes");
  l = {};
  l.max_body_bytes = 0;
  expect_refused(l, "max_body_bytes");
  l = {};
  l.header_timeout = Duration::zero();
  expect_refused(l, "header_timeout");
  l = {};
  l.idle_timeout = std::chrono::hours(25);
  expect_refused(l, "idle_timeout");
  l = {};
  l.write_timeout = -1s;
  expect_refused(l, "write_timeout");
  l = {};
  l.max_connections = 0;
  expect_refused(l, "max_connections");
  l = {};
  l.max_connections_per_ip = 0;
  expect_refused(l, "max_connections_per_ip");
}

TEST(Cors, ValidatesOriginsAndChoosesTheAllowOrigin) {
  EXPECT_TRUE(CorsConfig{}.validate());
  CorsConfig exact;
  exact.allow_origins = {"https://app.example", "http://localhost:3000"};
  EXPECT_TRUE(exact.validate());
  EXPECT_EQ(cors_allow_origin(exact, "https://app.example"), "https://app.example");
  EXPECT_EQ(cors_allow_origin(exact, "https://evil.example"), "");
  EXPECT_EQ(cors_allow_origin(exact, ""), "");
  EXPECT_EQ(cors_allow_origin(CorsConfig{}, "https://any.example"), "*");
  CorsConfig bad;
  bad.allow_origins = {"https://app.example/"};
  EXPECT_FALSE(bad.validate());
  bad.allow_origins = {"app.example"};
  EXPECT_FALSE(bad.validate());
  bad = {};
  bad.allow_headers = {"bad header"};
  EXPECT_FALSE(bad.validate());
}

}  // namespace
}  // namespace aipg::api
