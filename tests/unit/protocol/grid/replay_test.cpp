// Replays (docs/protocol.md §8): what a node keeps, how it packs it, and how a receiver opens it.
#include "protocol/grid/replay.hpp"

#include <gtest/gtest.h>

#include "protocol/gossipsub/codec.hpp"
#include "protocol/gossipsub/signing.hpp"

namespace aipg::grid {
namespace {

using namespace std::chrono_literals;

const Instant kT0 = Instant{} + std::chrono::hours(1);

wire::KeyPair key(uint8_t n) { return *wire::KeyPair::from_seed(Bytes(32, n)); }

SignedFact fact(uint8_t author, uint64_t seqno, size_t data_bytes = 10) {
  auto m =
      gossipsub::make_signed_message(key(author), "aipg/1/results", Bytes(data_bytes, 7), seqno);
  SignedFact f = *signed_fact(*m);
  f.envelope = gossipsub::encode_message(*m);
  return f;
}

TEST(FactLog, KeepsPacksAndForgets) {
  FactLog log(/*keep_envelopes=*/true);
  for (uint64_t i = 1; i <= 10; ++i) log.record(fact(1, i, 100), kT0 + std::chrono::seconds(i));
  log.record(fact(1, 3, 100), kT0 + 20s);  // known: ignored
  EXPECT_EQ(log.size(), 10u);
  EXPECT_TRUE(log.knows(fact(1, 3).id));
  EXPECT_FALSE(log.knows(fact(2, 3).id));
  // Since kT0 + 5 s: 6 facts, at most 4 per Replay.
  auto r = log.replays_since(kT0 + 5s, 1 << 20, 4);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].messages_size(), 4);
  EXPECT_EQ(r[1].messages_size(), 2);
  EXPECT_EQ(r[0].messages(0), std::string(as_chars(fact(1, 5, 100).envelope)));
  // By bytes: each envelope is over 100 bytes, so at most one per 150.
  EXPECT_EQ(log.replays_since(kT0 + 5s, 150, 100).size(), 6u);
  log.prune(kT0 + 18s, 10s);  // forgets those received at kT0 + 8 s or earlier
  EXPECT_EQ(log.size(), 2u);
  EXPECT_FALSE(log.knows(fact(1, 7).id));
  EXPECT_TRUE(log.replays_since(kT0 + 100s, 1 << 20, 4).empty());
  // A worker keeps ids only: nothing to replay.
  FactLog ids(/*keep_envelopes=*/false);
  ids.record(fact(1, 1), kT0);
  EXPECT_TRUE(ids.knows(fact(1, 1).id));
  EXPECT_TRUE(ids.replays_since(kT0, 1 << 20, 4).empty());
}

// What a node replays when facts it kept unforwarded become valid: those facts by id, in the
// order asked, still kept ones only — also after older facts were pruned.
TEST(FactLog, ReplaysTheFactsAskedForById) {
  FactLog log(/*keep_envelopes=*/true);
  for (uint64_t i = 1; i <= 6; ++i) log.record(fact(1, i), kT0 + std::chrono::seconds(i));
  log.prune(kT0 + 12s, 10s);  // forgets seqnos 1 and 2
  auto r =
      log.replays_of({fact(1, 5).id, fact(1, 1).id, fact(1, 3).id, fact(2, 9).id}, 1 << 20, 10);
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(r[0].messages_size(), 2);
  EXPECT_EQ(r[0].messages(0), std::string(as_chars(fact(1, 5).envelope)));
  EXPECT_EQ(r[0].messages(1), std::string(as_chars(fact(1, 3).envelope)));
  EXPECT_EQ(log.replays_of({fact(1, 4).id, fact(1, 6).id}, 1 << 20, 1).size(), 2u);
  EXPECT_TRUE(log.replays_of({}, 1 << 20, 1).empty());
}

TEST(OpenReplay, VerifiesNewEntriesSkipsKnownOnesAndNamesABadOne) {
  FactLog log(true);
  log.record(fact(1, 1), kT0);
  pb::Replay r;
  for (uint64_t s : {1, 2}) r.add_messages(std::string(as_chars(fact(1, s).envelope)));
  auto opened = open_replay(r, log);
  ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
  ASSERT_EQ(opened->size(), 1u);  // seqno 1 is known
  EXPECT_EQ((*opened)[0].id, fact(1, 2).id);
  EXPECT_EQ((*opened)[0].author, PeerId::from_public_key(key(1).public_key()));
  EXPECT_EQ((*opened)[0].data, Bytes(10, 7));

  // A tampered entry: its data no longer matches the signature.
  auto m = gossipsub::make_signed_message(key(2), "t", Bytes{1, 2, 3}, 9);
  auto forged = std::make_shared<gossipsub::Message>(*m);
  forged->data = Bytes{6, 6, 6};
  r.add_messages(std::string(as_chars(gossipsub::encode_message(*forged))));
  auto bad = open_replay(r, log);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().to_string().find("replay.messages[2]"), std::string::npos);
  EXPECT_NE(bad.error().to_string().find("invalid_signature"), std::string::npos);
  // take_replay: the Replay is rejected and nothing is applied.
  size_t applied = 0;
  auto v = take_replay(r, log, kT0, [&](const SignedFact&) {
    ++applied;
    return Verdict{};
  });
  EXPECT_EQ(v.validation, Validation::kReject);
  EXPECT_EQ(v.reason, Reject::kBadReplay);
  EXPECT_EQ(applied, 0u);
  // Without it, the new fact is applied and recorded unless rejected.
  r.mutable_messages()->RemoveLast();
  v = take_replay(r, log, kT0, [&](const SignedFact&) {
    ++applied;
    return Verdict{Validation::kIgnore, std::nullopt, {}};
  });
  EXPECT_EQ(v.validation, Validation::kAccept);
  EXPECT_EQ(applied, 1u);
  EXPECT_TRUE(log.knows(fact(1, 2).id));
}

}  // namespace
}  // namespace aipg::grid
