#include "protocol/gossipsub/codec.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <random>
#include <string>

#include "rpc.pb.h"
#include "wire/varint.hpp"

namespace aipg::gossipsub {
namespace {

// The libprotobuf object equivalent to `rpc`: every field rpc.hpp holds unconditionally is set,
// optional ones only when present. Its serialization is the reference for encode_rpc.
pb::pubsub::RPC to_pb(const Rpc& rpc) {
  auto set_opt = [](auto set, const std::optional<Bytes>& b) {
    if (b) set(std::string(as_chars(*b)));
  };
  pb::pubsub::RPC out;
  for (const SubOpts& s : rpc.subscriptions) {
    auto* p = out.add_subscriptions();
    p->set_subscribe(s.subscribe);
    p->set_topicid(s.topic);
  }
  for (const MessagePtr& m : rpc.publish) {
    auto* p = out.add_publish();
    set_opt([&](std::string v) { p->set_from(v); }, m->from);
    set_opt([&](std::string v) { p->set_data(v); }, m->data);
    set_opt([&](std::string v) { p->set_seqno(v); }, m->seqno);
    p->set_topic(m->topic);
    set_opt([&](std::string v) { p->set_signature(v); }, m->signature);
    set_opt([&](std::string v) { p->set_key(v); }, m->key);
  }
  if (rpc.control) {
    auto* c = out.mutable_control();
    for (const auto& e : rpc.control->ihave) {
      auto* p = c->add_ihave();
      p->set_topicid(e.topic);
      for (const auto& id : e.ids) p->add_messageids(id);
    }
    for (const auto& e : rpc.control->iwant) {
      auto* p = c->add_iwant();
      for (const auto& id : e.ids) p->add_messageids(id);
    }
    for (const auto& e : rpc.control->graft) c->add_graft()->set_topicid(e.topic);
    for (const auto& e : rpc.control->prune) {
      auto* p = c->add_prune();
      p->set_topicid(e.topic);
      for (const auto& peer : e.peers) {
        auto* q = p->add_peers();
        set_opt([&](std::string v) { q->set_peerid(v); }, peer.peer_id);
        set_opt([&](std::string v) { q->set_signedpeerrecord(v); }, peer.signed_peer_record);
      }
      if (e.backoff_seconds) p->set_backoff(*e.backoff_seconds);
    }
    for (const auto& e : rpc.control->idontwant) {
      auto* p = c->add_idontwant();
      for (const auto& id : e.ids) p->add_messageids(id);
    }
  }
  return out;
}

Bytes pb_bytes(const google::protobuf::MessageLite& m) { return to_bytes(m.SerializeAsString()); }

Message make_message(std::optional<Bytes> from, std::optional<Bytes> data,
                     std::optional<Bytes> seqno, TopicId topic,
                     std::optional<Bytes> signature = std::nullopt,
                     std::optional<Bytes> key = std::nullopt) {
  return Message{std::move(from),  std::move(data),      std::move(seqno),
                 std::move(topic), std::move(signature), std::move(key)};
}

// Random RPCs covering absent and empty optionals, empty repeated fields, non-UTF-8 ids,
// multi-byte lengths and varints. Backoffs stay within the default limit so all decode.
class RpcGen {
 public:
  explicit RpcGen(uint32_t seed) : rng_(seed) {}

  Rpc rpc() {
    Rpc r;
    for (size_t i = 0, n = count(); i < n; ++i) r.subscriptions.push_back({coin(), text()});
    for (size_t i = 0, n = count(); i < n; ++i) r.publish.push_back(message());
    if (coin()) {
      ControlMessage& c = r.ctrl();
      for (size_t i = 0, n = count(); i < n; ++i) c.ihave.push_back({text(), ids()});
      for (size_t i = 0, n = count(); i < n; ++i) c.iwant.push_back({ids()});
      for (size_t i = 0, n = count(); i < n; ++i) c.graft.push_back({text()});
      for (size_t i = 0, n = count(); i < n; ++i) {
        ControlPrune p{text(), {}, {}};
        for (size_t j = 0, m = count(); j < m; ++j) p.peers.push_back({opt(), opt()});
        if (coin()) p.backoff_seconds = pick(0, 86400);
        c.prune.push_back(std::move(p));
      }
      for (size_t i = 0, n = count(); i < n; ++i) c.idontwant.push_back({ids()});
    }
    return r;
  }

  MessagePtr message() {
    return std::make_shared<const Message>(Message{opt(), opt(300), opt(), text(), opt(), opt()});
  }

 private:
  bool coin() { return pick(0, 1) == 1; }
  uint64_t pick(uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_);
  }
  size_t count() { return pick(0, 3); }
  Bytes bytes(size_t max) {
    Bytes b(pick(0, max));
    for (auto& x : b) x = uint8_t(pick(0, 255));
    return b;
  }
  std::optional<Bytes> opt(size_t max = 40) {
    if (coin()) return std::nullopt;
    return bytes(max);
  }
  std::string text() {
    std::string s(pick(0, 12), 'a');
    for (auto& c : s) c = char('a' + pick(0, 25));
    return s;
  }
  std::vector<MessageId> ids() {
    std::vector<MessageId> out(count());
    for (auto& id : out) {
      Bytes b = bytes(48);  // arbitrary bytes: go's default ids are not UTF-8
      id.assign(b.begin(), b.end());
    }
    return out;
  }

  std::mt19937 rng_;
};

TEST(CodecLimits, DefaultsAndValidation) {
  const CodecLimits l;
  EXPECT_EQ(l.max_rpc_size, size_t(1) << 20);
  EXPECT_EQ(l.max_prune_backoff_seconds, 86400u);
  EXPECT_TRUE(l.validate().has_value());
  EXPECT_FALSE((CodecLimits{.max_rpc_size = 0}).validate().has_value());
  EXPECT_FALSE((CodecLimits{.max_rpc_size = size_t(INT_MAX) + 1}).validate().has_value());
  EXPECT_FALSE((CodecLimits{.max_prune_backoff_seconds = 0}).validate().has_value());
  EXPECT_FALSE((CodecLimits{.max_prune_backoff_seconds = UINT64_MAX}).validate().has_value());
}

TEST(Codec, EmptyRpcIsEmptyBytes) {
  EXPECT_TRUE(encode_rpc(Rpc{}).empty());
  auto r = decode_rpc({}, {});
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->empty());
  EXPECT_FALSE(r->control.has_value());
}

TEST(Codec, KnownBytes) {
  Rpc r;
  r.subscriptions.push_back({true, "t"});
  r.publish.push_back(
      std::make_shared<const Message>(make_message(std::nullopt, Bytes{0xff}, Bytes{}, "t")));
  r.ctrl().prune.push_back({"t", {}, 300});
  const Bytes want{
      0x0a, 0x05, 0x08, 0x01, 0x12, 0x01, 't',                     // subscriptions
      0x12, 0x08, 0x12, 0x01, 0xff, 0x1a, 0x00, 0x22, 0x01, 't',   // publish (seqno empty)
      0x1a, 0x08, 0x22, 0x06, 0x0a, 0x01, 't',  0x18, 0xac, 0x02,  // control.prune, backoff 300
  };
  EXPECT_EQ(encode_rpc(r), want);
}

TEST(Codec, EncodeMatchesLibprotobufAndRoundTrips) {
  RpcGen gen(20240601);
  for (int i = 0; i < 2000; ++i) {
    const Rpc r = gen.rpc();
    const Bytes enc = encode_rpc(r);
    ASSERT_EQ(enc, pb_bytes(to_pb(r))) << "rpc #" << i;
    ASSERT_EQ(encoded_size(r), enc.size());
    auto back = decode_rpc(enc, {});
    ASSERT_TRUE(back.has_value()) << back.error().to_string();
    ASSERT_TRUE(same_rpc(*back, r)) << "rpc #" << i;
    for (const MessagePtr& m : r.publish) {
      Rpc one;
      one.publish = {m};
      ASSERT_EQ(encoded_size(*m), to_pb(one).publish(0).ByteSizeLong());
    }
  }
}

// A Message alone: the bytes libprotobuf writes for it, and back; no topic or junk is refused.
TEST(Codec, OneMessageMatchesLibprotobufAndRoundTrips) {
  RpcGen gen(77);
  size_t seen = 0;
  for (int i = 0; i < 300; ++i) {
    const Rpc r = gen.rpc();
    for (const MessagePtr& m : r.publish) {
      ++seen;
      Rpc one;
      one.publish = {m};
      const Bytes enc = encode_message(*m);
      ASSERT_EQ(enc, pb_bytes(to_pb(one).publish(0))) << "rpc #" << i;
      auto back = decode_message(enc, {});
      ASSERT_TRUE(back.has_value()) << back.error().to_string();
      Rpc again;
      again.publish = {*back};
      ASSERT_TRUE(same_rpc(again, one)) << "rpc #" << i;
    }
  }
  EXPECT_GT(seen, 100u);
  auto no_topic = decode_message(Bytes{0x12, 0x01, 0xff}, {});
  ASSERT_FALSE(no_topic.has_value());
  EXPECT_NE(no_topic.error().to_string().find("topic"), std::string::npos);
  EXPECT_FALSE(decode_message(Bytes{0xff, 0xff}, {}).has_value());
  CodecLimits small;
  small.max_rpc_size = 4;
  EXPECT_FALSE(decode_message(Bytes(5, 0), small).has_value());
}

TEST(Codec, HugeVarintsMatchLibprotobuf) {
  Rpc r;
  r.ctrl().prune.push_back({"t", {}, UINT64_MAX});  // a 10-byte varint
  r.ctrl().prune.push_back({"", {}, 0});
  EXPECT_EQ(encode_rpc(r), pb_bytes(to_pb(r)));
  // A 200-byte topic and 70000-byte data need 2- and 3-byte lengths.
  r.publish.push_back(std::make_shared<const Message>(
      make_message(std::nullopt, Bytes(70000, 7), std::nullopt, std::string(200, 'x'))));
  EXPECT_EQ(encode_rpc(r), pb_bytes(to_pb(r)));
}

TEST(Codec, AppendFrameIsLengthThenRpc) {
  RpcGen gen(7);
  const Rpc a = gen.rpc(), b = gen.rpc();
  Bytes out{0xee};
  append_frame(out, a);
  append_frame(out, b);
  Bytes want{0xee};
  wire::put_uvarint_frame(want, encode_rpc(a));
  wire::put_uvarint_frame(want, encode_rpc(b));
  EXPECT_EQ(out, want);
}

TEST(Codec, AbsentAndEmptyStayDistinct) {
  Rpc r;
  r.publish.push_back(
      std::make_shared<const Message>(make_message(Bytes{}, std::nullopt, Bytes{1}, "")));
  r.ctrl().prune.push_back({"t", {PxPeer{Bytes{}, std::nullopt}}, std::nullopt});
  r.ctrl().prune.push_back({"t", {}, 0});
  auto back = decode_rpc(encode_rpc(r), {});
  ASSERT_TRUE(back.has_value());
  const Message& m = *back->publish.at(0);
  EXPECT_EQ(m.from, Bytes{});
  EXPECT_EQ(m.data, std::nullopt);
  EXPECT_EQ(m.topic, "");
  EXPECT_EQ(m.signature, std::nullopt);
  EXPECT_EQ(back->control->prune.at(0).peers.at(0).peer_id, Bytes{});
  EXPECT_EQ(back->control->prune.at(0).peers.at(0).signed_peer_record, std::nullopt);
  EXPECT_EQ(back->control->prune.at(0).backoff_seconds, std::nullopt);
  EXPECT_EQ(back->control->prune.at(1).backoff_seconds, 0u);
}

TEST(Codec, MissingFieldsReadAsGoDoes) {
  pb::pubsub::RPC pb;
  pb.add_subscriptions();             // neither subscribe nor topicid
  pb.mutable_control()->add_graft();  // no topicID
  pb.mutable_control()->add_ihave()->add_messageids("x");
  auto r = decode_rpc(pb_bytes(pb), {});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->subscriptions.at(0), (SubOpts{false, ""}));
  EXPECT_EQ(r->control->graft.at(0).topic, "");
  EXPECT_EQ(r->control->ihave.at(0), (ControlIHave{"", {"x"}}));
}

TEST(Codec, EmptyControlIsKept) {
  pb::pubsub::RPC pb;
  pb.mutable_control();
  auto r = decode_rpc(pb_bytes(pb), {});
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(r->control.has_value());
  EXPECT_TRUE(r->control->empty());
  EXPECT_EQ(encode_rpc(*r), (Bytes{0x1a, 0x00}));
}

TEST(Codec, UnknownFieldsAreSkipped) {
  // Field 10 (go's partial-messages extension) and field 7 varint, around a subscription.
  const Bytes in{0x52, 0x01, 0x00, 0x0a, 0x03, 0x12, 0x01, 't', 0x38, 0x05};
  auto r = decode_rpc(in, {});
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  ASSERT_EQ(r->subscriptions.size(), 1u);
  EXPECT_EQ(r->subscriptions[0].topic, "t");
}

TEST(Codec, RefusesOversizedRpc) {
  const Bytes big(2000000, 0);
  auto r = decode_rpc(big, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::too_large);
  EXPECT_EQ(r.error().message, "rpc is 2000000 bytes, limit 1048576");
  // Exactly at the limit is fine (as far as size goes).
  auto at = decode_rpc(Bytes(16, 0), CodecLimits{.max_rpc_size = 16});
  EXPECT_FALSE(!at.has_value() && at.error().code == Errc::too_large);
}

TEST(Codec, RefusesGarbage) {
  for (const Bytes& in : {Bytes{0xff}, Bytes{0x0a, 0x05, 0x08}, Bytes{0x12, 0x80}}) {
    auto r = decode_rpc(in, {});
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::malformed);
  }
}

TEST(Codec, RefusesMessageWithoutTopic) {
  pb::pubsub::RPC pb;
  for (int i = 0; i < 4; ++i) pb.add_publish()->set_topic("t");
  pb.mutable_publish(3)->clear_topic();
  auto r = decode_rpc(pb_bytes(pb), {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::malformed);
  EXPECT_EQ(r.error().message, "publish[3].topic missing");
}

TEST(Codec, RefusesPruneBackoffOverLimit) {
  Rpc rpc;
  rpc.ctrl().prune.push_back({"a", {}, 60});
  rpc.ctrl().prune.push_back({"b", {}, 86401});
  auto r = decode_rpc(encode_rpc(rpc), {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::too_large);
  EXPECT_EQ(r.error().message, "control.prune[1].backoff is 86401 seconds, limit 86400");
  EXPECT_TRUE(decode_rpc(encode_rpc(rpc), {.max_prune_backoff_seconds = 86401}).has_value());
}

TEST(Codec, SigningBytesAreFieldsOneToFour) {
  const Message m =
      make_message(Bytes{1, 2}, Bytes{3}, Bytes(8, 9), "topic", Bytes(64, 5), Bytes{8, 1});
  pb::pubsub::Message pb;
  pb.set_from("\x01\x02");
  pb.set_data("\x03");
  pb.set_seqno(std::string(8, '\x09'));
  pb.set_topic("topic");
  EXPECT_EQ(signing_bytes(m), pb_bytes(pb));

  // Absent fields are left out; the topic is always written, even empty.
  Message bare = make_message(std::nullopt, std::nullopt, std::nullopt, "");
  EXPECT_EQ(signing_bytes(bare), (Bytes{0x22, 0x00}));
  bare.data = Bytes{};
  EXPECT_EQ(signing_bytes(bare), (Bytes{0x12, 0x00, 0x22, 0x00}));
}

// ---- FrameReader ----

Bytes frame(std::string_view body) {
  Bytes out;
  wire::put_uvarint_frame(out, as_bytes(body));
  return out;
}

TEST(FrameReader, ReturnsFramesAsTheyComplete) {
  FrameReader r;
  Bytes stream = frame("hello");
  append(stream, frame(""));
  append(stream, frame(std::string(300, 'z')));  // a two-byte prefix
  std::vector<std::string> got;
  for (uint8_t b : stream) {
    r.feed(BytesView(&b, 1));
    for (;;) {
      auto f = r.next();
      ASSERT_TRUE(f.has_value()) << f.error().to_string();
      if (!*f) break;
      got.emplace_back(as_chars(**f));
    }
  }
  EXPECT_EQ(got, (std::vector<std::string>{"hello", "", std::string(300, 'z')}));
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(FrameReader, IncompleteFrameWaits) {
  FrameReader r;
  const Bytes f = frame("abcdef");
  r.feed(BytesView(f).first(4));
  auto n = r.next();
  ASSERT_TRUE(n.has_value());
  EXPECT_FALSE(n->has_value());
  EXPECT_EQ(r.buffered(), 4u);
  r.feed(BytesView(f).subspan(4));
  n = r.next();
  ASSERT_TRUE(n.has_value() && n->has_value());
  EXPECT_EQ(as_chars(**n), "abcdef");
}

TEST(FrameReader, RefusesOversizedFrameFromPrefixAlone) {
  FrameReader r(CodecLimits{.max_rpc_size = 100});
  Bytes prefix;
  wire::put_uvarint(prefix, 101);
  r.feed(prefix);  // no body at all
  auto n = r.next();
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code, Errc::too_large);
  // The error sticks, whatever comes next.
  r.feed(frame("ok"));
  EXPECT_FALSE(r.next().has_value());

  FrameReader at_limit(CodecLimits{.max_rpc_size = 100});
  at_limit.feed(frame(std::string(100, 'a')));
  auto ok = at_limit.next();
  ASSERT_TRUE(ok.has_value() && ok->has_value());
  EXPECT_EQ((*ok)->size(), 100u);
}

TEST(FrameReader, RefusesMalformedPrefix) {
  FrameReader r;
  r.feed(Bytes(10, 0xff));
  auto n = r.next();
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code, Errc::malformed);
  FrameReader non_minimal;
  non_minimal.feed(Bytes{0x81, 0x00});
  EXPECT_FALSE(non_minimal.next().has_value());
}

TEST(FrameReader, LeftoverBytesSurviveCompaction) {
  FrameReader r;
  Bytes stream;
  for (int i = 0; i < 50; ++i) append(stream, frame(std::to_string(i)));
  int next = 0;
  // Uneven pieces so frames straddle feeds and compaction happens mid-frame.
  for (size_t off = 0; off < stream.size();) {
    const size_t n = std::min<size_t>(7, stream.size() - off);
    r.feed(BytesView(stream).subspan(off, n));
    off += n;
    while (auto f = r.next()) {
      if (!*f) break;
      ASSERT_EQ(as_chars(**f), std::to_string(next));
      ++next;
    }
  }
  EXPECT_EQ(next, 50);
}

TEST(FrameReader, ManySmallFramesTakeLinearTime) {
  // 300k frames in one feed: a reader that moved the rest of the buffer after every frame
  // would copy ~10^11 bytes here and time out.
  constexpr int kFrames = 300000;
  Bytes stream;
  for (int i = 0; i < kFrames; ++i) append(stream, frame("x"));
  FrameReader r;
  r.feed(stream);
  int n = 0;
  while (auto f = r.next()) {
    if (!*f) break;
    ++n;
  }
  EXPECT_EQ(n, kFrames);
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(FrameReader, FramesDecodeToTheRpcs) {
  RpcGen gen(99);
  std::vector<Rpc> sent;
  Bytes stream;
  for (int i = 0; i < 20; ++i) {
    sent.push_back(gen.rpc());
    append_frame(stream, sent.back());
  }
  FrameReader r;
  r.feed(stream);
  for (const Rpc& want : sent) {
    auto f = r.next();
    ASSERT_TRUE(f.has_value() && f->has_value());
    auto got = decode_rpc(**f, {});
    ASSERT_TRUE(got.has_value());
    EXPECT_TRUE(same_rpc(*got, want));
  }
}

}  // namespace
}  // namespace aipg::gossipsub
