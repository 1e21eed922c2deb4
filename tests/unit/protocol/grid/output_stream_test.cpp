#include "protocol/grid/output_stream.hpp"

#include <gtest/gtest.h>

#include "test_ids.hpp"
#include "wire/varint.hpp"

namespace aipg::grid {
namespace {

using testing::job;

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(OutputStream, ReadsTheRunAndItsPiecesAcrossAnySplit) {
  const Bytes all = cat({encode_stream_open(job(7), 2, 1), encode_stream_piece("Hello"),
                         encode_stream_piece(", wörld")});
  for (size_t cut = 0; cut <= all.size(); ++cut) {
    SCOPED_TRACE(cut);
    OutputStreamReader r;
    auto first = r.feed(BytesView(all).subspan(0, cut));
    auto second = r.feed(BytesView(all).subspan(cut));
    ASSERT_TRUE(first && second);
    auto opened = first->opened ? first->opened : second->opened;
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->job_id, job(7));
    EXPECT_EQ(opened->attempt, 2u);
    EXPECT_EQ(opened->generation, 1u);
    std::string text;
    for (const auto& p : first->text) text += p;
    for (const auto& p : second->text) text += p;
    EXPECT_EQ(text, "Hello, wörld");
  }
}

TEST(OutputStream, SplitsLongPiecesAtCharacterBoundaries) {
  OutputStreamLimits small{.max_frame_bytes = 40, .max_text_bytes = 1000};
  std::string text;
  for (int i = 0; i < 30; ++i) text += "é";  // 2 bytes each: a cut must not fall inside one
  OutputStreamReader r(small);
  auto ev = r.feed(cat({encode_stream_open(job(1), 0, 0), encode_stream_piece(text, small)}));
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_GT(ev->text.size(), 1u);
  std::string joined;
  for (const auto& p : ev->text) joined += p;
  EXPECT_EQ(joined, text);
}

TEST(OutputStream, RefusesWhatBreaksTheRules) {
  {
    OutputStreamReader r;
    auto ev = r.feed(encode_stream_piece("no run named"));
    ASSERT_FALSE(ev);
    EXPECT_EQ(ev.error().message,
              "stream frame: the first must name a job (job_id of 16 bytes, got 0)");
  }
  {
    OutputStreamReader r;
    auto ev = r.feed(cat({encode_stream_open(job(1), 0, 0), encode_stream_open(job(2), 0, 0)}));
    ASSERT_FALSE(ev);
    EXPECT_EQ(ev.error().message, "stream frame: a job_id after the first frame");
  }
  {
    OutputStreamReader r({.max_frame_bytes = 1024, .max_text_bytes = 10});
    auto ev = r.feed(cat({encode_stream_open(job(1), 0, 0), encode_stream_piece("0123456789x")}));
    ASSERT_FALSE(ev);
    EXPECT_EQ(ev.error().message, "stream: text is over 10 bytes");
  }
  {
    OutputStreamReader r({.max_frame_bytes = 8, .max_text_bytes = 100});
    auto ev = r.feed(encode_stream_open(job(1), 0, 0));  // 22 bytes: over the frame limit
    EXPECT_FALSE(ev);
  }
  {
    Bytes junk;
    wire::put_uvarint_frame(junk, Bytes{0xff, 0xff, 0xff});
    OutputStreamReader r;
    auto ev = r.feed(junk);
    ASSERT_FALSE(ev);
    EXPECT_EQ(ev.error().message, "stream frame: not a StreamFrame");
  }
}

}  // namespace
}  // namespace aipg::grid
