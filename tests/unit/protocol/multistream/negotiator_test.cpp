#include "protocol/multistream/negotiator.hpp"

#include <gtest/gtest.h>

#include <random>

namespace aipg::multistream {
namespace {

Bytes msgs(std::initializer_list<std::string_view> texts) {
  Bytes b;
  for (auto t : texts) put_message(b, t);
  return b;
}

Bytes out_of(Negotiator& n) {
  Bytes b;
  n.take_output(b);
  return b;
}

std::function<bool(const std::string&)> only(std::vector<std::string> ids) {
  return [ids = std::move(ids)](const std::string& p) {
    for (const auto& id : ids) {
      if (id == p) return true;
    }
    return false;
  };
}

// Shuttles bytes between the two until neither has anything to say. Returns false on an error.
bool run(Dialer& d, Listener& l) {
  for (int round = 0; round < 100; ++round) {
    Bytes to_l = out_of(d);
    Bytes to_d = out_of(l);
    if (to_l.empty() && to_d.empty()) return true;
    if (!to_l.empty() && !l.on_bytes(to_l)) return false;
    if (!to_d.empty() && !d.on_bytes(to_d)) return false;
  }
  return false;
}

TEST(Multistream, DialerPipelinesHeaderAndFirstProposal) {
  Dialer d({"/noise", "/tls/1.0.0"});
  EXPECT_EQ(d.state(), State::kAwaitHeader);
  EXPECT_EQ(out_of(d), msgs({kHeader, "/noise"}));
  EXPECT_TRUE(out_of(d).empty());  // taken once
}

TEST(Multistream, ExactWireBytesOfTheKnownExchange) {
  Dialer d({"/yamux/1.0.0"});
  Bytes sent = out_of(d);
  Bytes expected;
  ASSERT_TRUE(from_hex("132f6d756c746973747265616d2f312e302e300a", expected));
  expected.push_back(0x0d);  // len("/yamux/1.0.0\n") = 13
  append(expected, as_bytes("/yamux/1.0.0\n"));
  EXPECT_EQ(to_hex(sent), to_hex(expected));

  Listener l(only({"/yamux/1.0.0"}));
  ASSERT_TRUE(l.on_bytes(sent));
  EXPECT_EQ(to_hex(out_of(l)), to_hex(expected));  // header echoed, then the proposal echoed
  EXPECT_TRUE(l.done());
  EXPECT_EQ(l.protocol(), "/yamux/1.0.0");
}

TEST(Multistream, BackToBack) {
  Dialer d({"/noise"});
  Listener l(only({"/noise"}));
  ASSERT_TRUE(run(d, l));
  EXPECT_TRUE(d.done());
  EXPECT_TRUE(l.done());
  EXPECT_EQ(d.protocol(), "/noise");
  EXPECT_EQ(l.protocol(), "/noise");
  EXPECT_TRUE(d.take_leftover().empty());
  EXPECT_TRUE(l.take_leftover().empty());
}

TEST(Multistream, NaThenSecondProtocol) {
  Dialer d({"/meshsub/1.2.0", "/meshsub/1.1.0"});
  Listener l(only({"/meshsub/1.1.0"}));
  ASSERT_TRUE(l.on_bytes(out_of(d)));
  Bytes answer = out_of(l);
  EXPECT_EQ(answer, msgs({kHeader, kNotAvailable}));
  ASSERT_TRUE(d.on_bytes(answer));
  EXPECT_EQ(d.state(), State::kAwaitAnswer);
  Bytes second = out_of(d);
  EXPECT_EQ(second, msgs({"/meshsub/1.1.0"}));  // no second header
  ASSERT_TRUE(l.on_bytes(second));
  EXPECT_TRUE(l.done());
  ASSERT_TRUE(d.on_bytes(out_of(l)));
  EXPECT_TRUE(d.done());
  EXPECT_EQ(d.protocol(), "/meshsub/1.1.0");
}

TEST(Multistream, NoneSupported) {
  Dialer d({"/a", "/b"});
  Listener l(only({"/c"}));
  EXPECT_FALSE(run(d, l));
  EXPECT_TRUE(d.failed());
  ASSERT_TRUE(d.error());
  EXPECT_EQ(d.error()->code, Errc::unsupported);
  EXPECT_EQ(d.error()->message, "multistream: peer supports none of: /a, /b");
  EXPECT_FALSE(l.done());
  EXPECT_FALSE(l.failed());  // the listener just waits; the dialer closes
  // Once failed, always failed, with the same reason.
  auto again = d.on_bytes(msgs({"/a"}));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message, d.error()->message);
}

TEST(Multistream, DialerWithoutProtocolsFailsAtOnce) {
  Dialer d({});
  EXPECT_TRUE(d.failed());
  EXPECT_TRUE(out_of(d).empty());
  EXPECT_FALSE(d.on_bytes(msgs({kHeader})));
  Dialer bad({"/ok", "/with\nnewline"});
  EXPECT_TRUE(bad.failed());
  EXPECT_EQ(bad.error()->code, Errc::invalid_argument);
  EXPECT_TRUE(out_of(bad).empty());
}

// Every way of cutting the exchange into reads gives the same result.
TEST(Multistream, ByteAtATime) {
  Dialer d({"/x", "/ipfs/ping/1.0.0"});
  Listener l(only({"/ipfs/ping/1.0.0"}));
  for (int round = 0; round < 10 && !(d.done() && l.done()); ++round) {
    for (uint8_t b : out_of(d)) ASSERT_TRUE(l.on_bytes(BytesView(&b, 1)));
    for (uint8_t b : out_of(l)) ASSERT_TRUE(d.on_bytes(BytesView(&b, 1)));
  }
  EXPECT_TRUE(d.done());
  EXPECT_TRUE(l.done());
  EXPECT_EQ(d.protocol(), "/ipfs/ping/1.0.0");
}

TEST(Multistream, EmptyReadsAreHarmless) {
  Listener l(only({"/p"}));
  ASSERT_TRUE(l.on_bytes({}));
  EXPECT_EQ(l.state(), State::kAwaitHeader);
  EXPECT_TRUE(out_of(l).empty());
}

TEST(Multistream, ListenerKeepsApplicationDataPipelinedAfterTheProposal) {
  // What js does optimistically: header, proposal and the first application bytes in one write.
  Bytes in = msgs({kHeader, "/echo/1.0.0"});
  const Bytes app = {'h', 'e', 'l', 'l', 'o', 0x00, 0x13, '\n'};
  append(in, app);
  Listener l(only({"/echo/1.0.0"}));
  ASSERT_TRUE(l.on_bytes(in));
  EXPECT_TRUE(l.done());
  EXPECT_EQ(l.take_leftover(), app);
  EXPECT_TRUE(l.take_leftover().empty());
  // Bytes fed after done() are leftover too, in order.
  ASSERT_TRUE(l.on_bytes(msgs({kHeader})));
  EXPECT_EQ(l.take_leftover(), msgs({kHeader}));
}

TEST(Multistream, DialerKeepsApplicationDataAfterTheEcho) {
  Dialer d({"/noise"});
  (void)out_of(d);
  // Application data that looks like a multistream message must not be read as one.
  Bytes in = msgs({kHeader, "/noise", kNotAvailable});
  const Bytes app = msgs({kNotAvailable});
  ASSERT_TRUE(d.on_bytes(in));
  EXPECT_TRUE(d.done());
  EXPECT_EQ(d.take_leftover(), app);
}

TEST(Multistream, LeftoverSurvivesAnySplit) {
  Bytes in = msgs({kHeader, kNotAvailable, "/b"});
  Bytes app(3000);
  for (size_t i = 0; i < app.size(); ++i) app[i] = uint8_t(i * 7);
  append(in, app);
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    Dialer d({"/a", "/b"});
    size_t off = 0;
    Bytes leftover;
    while (off < in.size()) {
      size_t n = std::min<size_t>(in.size() - off, 1 + rng() % 40);
      ASSERT_TRUE(d.on_bytes(BytesView(in).subspan(off, n)));
      off += n;
      if (d.done()) append(leftover, d.take_leftover());
    }
    ASSERT_TRUE(d.done()) << trial;
    EXPECT_EQ(leftover, app) << trial;
    EXPECT_EQ(out_of(d), msgs({kHeader, "/a", "/b"}));
  }
}

TEST(Multistream, ListenerRejectsWrongHeader) {
  Listener l(only({"/p"}));
  auto s = l.on_bytes(msgs({"/multistream/2.0.0", "/p"}));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::unsupported);
  EXPECT_EQ(s.error().message,
            "multistream: expected /multistream/1.0.0, got '/multistream/2.0.0'");
  EXPECT_TRUE(l.failed());
  EXPECT_TRUE(out_of(l).empty());
}

TEST(Multistream, DialerRejectsWrongHeaderAndEscapesIt) {
  Dialer d({"/p"});
  (void)out_of(d);
  auto s = d.on_bytes(msgs({std::string_view("GET /\x01", 6)}));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "multistream: expected /multistream/1.0.0, got 'GET /\\x01'");
}

TEST(Multistream, DialerRejectsAnAnswerThatIsNeitherEchoNorNa) {
  Dialer d({"/p"});
  (void)out_of(d);
  auto s = d.on_bytes(msgs({kHeader, "/q"}));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::protocol_violation);
  EXPECT_EQ(s.error().message, "multistream: proposed '/p', got '/q'");
}

TEST(Multistream, MalformedInputs) {
  struct Case {
    const char* name;
    const char* hex;
    Errc code;
  };
  const Case cases[] = {
      {"varint longer than 9 bytes", "ffffffffffffffffffff", Errc::malformed},
      {"varint not minimal", "9300", Errc::malformed},
      {"no newline", "036e6178", Errc::malformed},
      {"zero length", "00", Errc::malformed},
      {"length over 1024", "8108", Errc::too_large},
      {"huge length", "ffffffffffffffff7f", Errc::too_large},
  };
  for (const auto& c : cases) {
    Bytes in;
    ASSERT_TRUE(from_hex(c.hex, in));
    Listener l(only({"/p"}));
    auto s = l.on_bytes(in);
    ASSERT_FALSE(s) << c.name;
    EXPECT_EQ(s.error().code, c.code) << c.name << ": " << s.error().message;
    EXPECT_EQ(s.error().message.rfind("multistream: ", 0), 0u) << s.error().message;
    Dialer d({"/p"});
    ASSERT_FALSE(d.on_bytes(in)) << c.name;
    // The same garbage after a valid header.
    Listener l2(only({"/p"}));
    Bytes after = msgs({kHeader});
    append(after, in);
    ASSERT_FALSE(l2.on_bytes(after)) << c.name;
  }
}

TEST(Multistream, ListenerGivesUpAfterTooManyRefusals) {
  Listener l(only({"/p"}));
  ASSERT_TRUE(l.on_bytes(msgs({kHeader})));
  (void)out_of(l);
  for (size_t i = 0; i < kMaxRefusals; ++i) {
    ASSERT_TRUE(l.on_bytes(msgs({"/nope/" + std::to_string(i)}))) << i;
    EXPECT_EQ(out_of(l), msgs({kNotAvailable}));
  }
  auto s = l.on_bytes(msgs({"/nope/last"}));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::resource_limit);
  EXPECT_TRUE(out_of(l).empty());
}

TEST(Multistream, ListenerAnswersNaToNonsenseProposals) {
  Listener l([](const std::string&) { return true; });  // even a yes-to-all predicate
  ASSERT_TRUE(l.on_bytes(msgs({kHeader, ""})));
  EXPECT_EQ(out_of(l), msgs({kHeader, kNotAvailable}));
  EXPECT_FALSE(l.done());
}

TEST(Multistream, ListenerWithAListAnswersLs) {
  Listener l(std::vector<std::string>{"/a", "/bb"});
  ASSERT_TRUE(l.on_bytes(msgs({kHeader, kList})));
  Bytes expected = msgs({kHeader});
  // js-libp2p's form: one message holding each id as a message of its own.
  Bytes body = msgs({"/a", "/bb"});
  put_message(expected, as_chars(body));
  EXPECT_EQ(to_hex(out_of(l)), to_hex(expected));
  ASSERT_TRUE(l.on_bytes(msgs({"/bb"})));
  EXPECT_TRUE(l.done());
  EXPECT_EQ(l.protocol(), "/bb");
}

TEST(Multistream, ListenerWithAPredicateAnswersLsWithNa) {
  Listener l(only({"/a"}));
  ASSERT_TRUE(l.on_bytes(msgs({kHeader, kList})));
  EXPECT_EQ(out_of(l), msgs({kHeader, kNotAvailable}));
}

TEST(Multistream, LsAnswerStaysUnderTheMessageLimit) {
  std::vector<std::string> many;
  for (int i = 0; i < 200; ++i) many.push_back("/some/long/protocol/name/" + std::to_string(i));
  Listener l(many);
  ASSERT_TRUE(l.on_bytes(msgs({kHeader, kList})));
  Bytes out = out_of(l);
  Bytes header = msgs({kHeader});
  auto m = read_message(BytesView(out).subspan(header.size()));
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->has_value());
  EXPECT_EQ(header.size() + (*m)->consumed, out.size());
}

TEST(Multistream, StateNames) {
  EXPECT_STREQ(state_name(State::kAwaitProposal), "await-proposal");
  EXPECT_STREQ(state_name(State::kFailed), "failed");
}

}  // namespace
}  // namespace aipg::multistream
