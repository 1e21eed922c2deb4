// The stream formats of the HTTP backends: SSE and NDJSON give the same events however the body
// is cut into pieces (every single cut point, and byte by byte), and their caps hold.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "worker/ndjson_parser.hpp"
#include "worker/sse_parser.hpp"

namespace aipg::worker {
namespace {

struct SseOut {
  std::vector<std::string> events;  // "event|data"
  Status status;
};

SseOut sse_in_pieces(const std::vector<std::string_view>& pieces, SseLimits limits = {}) {
  SseParser p(limits);
  SseOut out;
  for (std::string_view piece : pieces) {
    out.status = p.feed(piece, [&](const SseEvent& e) {
      out.events.push_back(e.event + "|" + e.data);
      return ok();
    });
    if (!out.status) break;
  }
  return out;
}

// Every way of cutting `body` in two, and byte by byte, gives `want`.
void expect_sse_any_split(std::string_view body, const std::vector<std::string>& want) {
  for (size_t cut = 0; cut <= body.size(); ++cut) {
    SseOut out = sse_in_pieces({body.substr(0, cut), body.substr(cut)});
    ASSERT_TRUE(out.status) << out.status.error().message;
    EXPECT_EQ(out.events, want) << "cut at " << cut;
  }
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < body.size(); ++i) bytes.push_back(body.substr(i, 1));
  EXPECT_EQ(sse_in_pieces(bytes).events, want) << "byte by byte";
}

TEST(Sse, EventsCommentsAndDoneWithLf) {
  const std::string body =
      ": keep-alive\n\n"
      "data: {\"a\":1}\n\n"
      "event: ping\ndata:x\n\n"
      "data: line one\ndata: line two\n\n"
      "id: 7\nretry: 10\n\n"  // no data: not an event
      "data: [DONE]\n\n";
  expect_sse_any_split(body, {"|{\"a\":1}", "ping|x", "|line one\nline two", "|[DONE]"});
}

TEST(Sse, CrLfAndLoneCrEndLines) {
  expect_sse_any_split("data: a\r\n\r\ndata: b\r\rdata: c\n\r\n", {"|a", "|b", "|c"});
}

TEST(Sse, FieldWithoutColonAndValueSpaces) {
  // Only the first space after the colon is dropped; "data" alone is an empty data line.
  expect_sse_any_split("data:  two spaces\n\ndata\n\n", {"| two spaces", "|"});
}

TEST(Sse, DoneMarker) {
  SseEvent e{"", "[DONE]"};
  EXPECT_TRUE(e.is_done());
  e.data = "[DONE] ";
  EXPECT_FALSE(e.is_done());
}

TEST(Sse, UnfinishedEventIsPendingNotReported) {
  SseParser p;
  size_t n = 0;
  ASSERT_TRUE(p.feed("data: a\n\ndata: b\n", [&](const SseEvent&) {
    ++n;
    return ok();
  }));
  EXPECT_EQ(n, 1u);
  EXPECT_TRUE(p.pending());
}

TEST(Sse, LineCapSaysWhichLineAndLimit) {
  SseLimits limits{16, 1024};
  SseOut out = sse_in_pieces({"data: short\n\n", "data: this line is much too long"}, limits);
  ASSERT_FALSE(out.status);
  EXPECT_EQ(out.status.error().code, Errc::too_large);
  EXPECT_EQ(out.status.error().message, "sse: line 3 over the limit of 16 bytes");
  // The same when the long line arrives a byte at a time.
  SseParser p(limits);
  Status s;
  for (char c : std::string(40, 'x')) {
    s = p.feed(std::string_view(&c, 1), [](const SseEvent&) { return ok(); });
    if (!s) break;
  }
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::too_large);
}

TEST(Sse, EventCap) {
  SseOut out = sse_in_pieces({"data: 0123456789\ndata: 0123456789\ndata: 0123\n\n"}, {64, 24});
  ASSERT_FALSE(out.status);
  EXPECT_EQ(out.status.error().code, Errc::too_large);
  EXPECT_EQ(out.status.error().message, "sse: event 1 has data over the limit of 24 bytes");
}

TEST(Sse, CallbackErrorStopsTheStream) {
  SseParser p;
  size_t n = 0;
  Status s = p.feed("data: 1\n\ndata: 2\n\n", [&](const SseEvent&) -> Status {
    ++n;
    return make_error(Errc::malformed, "no");
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "no");
  EXPECT_EQ(n, 1u);
}

struct NdOut {
  std::vector<std::string> objects;
  Status status;
};

NdOut nd_in_pieces(const std::vector<std::string_view>& pieces, size_t cap = 1 << 20) {
  NdjsonParser p(cap);
  NdOut out;
  auto on = [&](boost::json::object& o) {
    out.objects.push_back(boost::json::serialize(o));
    return ok();
  };
  for (std::string_view piece : pieces) {
    out.status = p.feed(piece, on);
    if (!out.status) return out;
  }
  out.status = p.finish(on);
  return out;
}

TEST(Ndjson, AnySplitGivesTheSameObjects) {
  const std::string body =
      "{\"response\":\"He\",\"done\":false}\n"
      "\n"
      "{\"response\":\"llo \\u00e9\",\"done\":false}\r\n"
      "  \n"
      "{\"done\":true,\"eval_count\":2}\n";
  const std::vector<std::string> want = {R"({"response":"He","done":false})",
                                         R"({"response":"llo é","done":false})",
                                         R"({"done":true,"eval_count":2})"};
  for (size_t cut = 0; cut <= body.size(); ++cut) {
    std::string_view b = body;
    NdOut out = nd_in_pieces({b.substr(0, cut), b.substr(cut)});
    ASSERT_TRUE(out.status) << out.status.error().message;
    EXPECT_EQ(out.objects, want) << "cut at " << cut;
  }
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < body.size(); ++i) bytes.push_back(std::string_view(body).substr(i, 1));
  EXPECT_EQ(nd_in_pieces(bytes).objects, want);
}

TEST(Ndjson, LastLineWithoutNewlineCountsAtFinish) {
  NdOut out = nd_in_pieces({"{\"a\":1}\n{\"b\":", "2}"});
  ASSERT_TRUE(out.status);
  EXPECT_EQ(out.objects, (std::vector<std::string>{R"({"a":1})", R"({"b":2})"}));
}

TEST(Ndjson, BadJsonNamesTheLine) {
  NdOut out = nd_in_pieces({"{\"a\":1}\n{\"b\": nope}\n"});
  ASSERT_FALSE(out.status);
  EXPECT_EQ(out.status.error().code, Errc::malformed);
  EXPECT_NE(out.status.error().message.find("ndjson: line 2 is not JSON"), std::string::npos)
      << out.status.error().message;
  out = nd_in_pieces({"[1,2]\n"});
  ASSERT_FALSE(out.status);
  EXPECT_EQ(out.status.error().message, "ndjson: line 1 is not a JSON object");
  out = nd_in_pieces({"{\"a\":1} {\"b\":2}\n"});  // two values on a line
  ASSERT_FALSE(out.status);
  EXPECT_EQ(out.status.error().code, Errc::malformed);
}

TEST(Ndjson, LineCap) {
  NdOut out = nd_in_pieces({"{\"a\":1}\n", "{\"long\":\"", std::string(100, 'x')}, 32);
  ASSERT_FALSE(out.status);
  EXPECT_EQ(out.status.error().code, Errc::too_large);
  EXPECT_EQ(out.status.error().message, "ndjson: line 2 over the limit of 32 bytes");
}

}  // namespace
}  // namespace aipg::worker
