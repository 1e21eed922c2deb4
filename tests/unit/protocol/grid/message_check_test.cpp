#include "protocol/grid/message_check.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <limits>

#include "test_ids.hpp"
#include "wire/multiaddr.hpp"

namespace aipg::grid {
namespace {

using testing::peer;

const WallTime kNow = WallTime{} + std::chrono::milliseconds(1'700'000'000'000);
constexpr uint64_t kNowMs = 1'700'000'000'000;

std::string mh(uint8_t n) { return std::string(as_chars(peer(n).multihash())); }

pb::JobAnnounce good_announce() {
  pb::JobAnnounce a;
  a.set_job_id(std::string(kJobIdSize, 'j'));
  a.set_nonce(std::string(kNonceSize, 'n'));
  a.set_origin(mh(1));
  a.set_model("org/model:7b");
  a.set_kind(pb::JOB_KIND_TEXT);
  a.set_prompt("Once upon a time");
  a.mutable_params()->set_max_length(512);
  a.mutable_params()->set_max_context_length(4096);
  a.set_n(2);
  a.set_created_ms(kNowMs);
  a.set_ttl_ms(600'000);
  a.set_claim_window_ms(1000);
  a.set_lease_ms(120'000);
  a.set_max_attempts(3);
  a.set_attempt(1);
  a.add_excluded(mh(9));
  return a;
}

pb::GridMessage wrap(const pb::JobAnnounce& a) {
  pb::GridMessage m;
  *m.mutable_announce() = a;
  return m;
}

pb::GridMessage good_claim() {
  pb::GridMessage m;
  m.mutable_claim()->set_job_id(std::string(kJobIdSize, 'j'));
  m.mutable_claim()->set_attempt(2);
  return m;
}

pb::GridMessage good_result() {
  pb::GridMessage m;
  auto* r = m.mutable_result();
  r->set_job_id(std::string(kJobIdSize, 'j'));
  r->set_attempt(0);
  r->set_generation(1);
  r->set_text("The end.");
  r->set_model("llama3:8b");
  r->set_finish_reason("stop");
  return m;
}

pb::GridMessage good_failed() {
  pb::GridMessage m;
  m.mutable_failed()->set_job_id(std::string(kJobIdSize, 'j'));
  m.mutable_failed()->set_generation(19);
  m.mutable_failed()->set_reason("backend timed out");
  return m;
}

pb::GridMessage good_cancel() {
  pb::GridMessage m;
  m.mutable_cancel()->set_job_id(std::string(kJobIdSize, 'j'));
  m.mutable_cancel()->set_reason("client went away");
  return m;
}

pb::GridMessage good_worker_advert() {
  pb::GridMessage m;
  auto* w = m.mutable_worker_advert();
  w->add_models()->set_name("org/model:7b");
  w->add_models()->set_name("llama3:8b");
  w->set_slots_total(4);
  w->set_slots_free(4);
  w->set_healthy(true);
  w->set_name("worker one");
  return m;
}

pb::GridMessage good_node_advert() {
  pb::GridMessage m;
  m.mutable_node_advert()->set_http_url("https://grid.example.org");
  return m;
}

Checked check(const pb::GridMessage& m, const CheckLimits& limits = {}) {
  return check_message(encode_message(m, kNow), kNow, limits);
}

// Serialised as is: no version or sent_ms filled in.
Bytes raw(const pb::GridMessage& m) {
  std::string s = m.SerializeAsString();
  return to_bytes(s);
}

void expect_ok(const pb::GridMessage& m) {
  Checked c = check(m);
  EXPECT_EQ(c.outcome, CheckOutcome::kOk) << c.detail;
  EXPECT_TRUE(c.detail.empty()) << c.detail;
  EXPECT_EQ(c.message.body_case(), m.body_case());
}

void expect_reject(const Checked& c, Reject reason, const std::string& detail) {
  EXPECT_EQ(c.outcome, CheckOutcome::kReject);
  EXPECT_EQ(c.reason, reason) << to_string(c.reason) << ": " << c.detail;
  EXPECT_EQ(c.detail, detail);
}

TEST(GridMessageCheck, DefaultLimitsAreValid) { EXPECT_TRUE(CheckLimits{}.validate()); }

TEST(GridMessageCheck, LimitsThatCannotWorkAreRefused) {
  auto refused = [](std::function<void(CheckLimits&)> change, const std::string& what) {
    CheckLimits l;
    change(l);
    auto r = l.validate();
    ASSERT_FALSE(r) << what;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
  };
  refused([](CheckLimits& l) { l.max_message_size = 0; }, "max_message_size");
  refused([](CheckLimits& l) { l.max_n = 0; }, "max_n");
  refused([](CheckLimits& l) { l.max_attempts = 0; }, "max_attempts");
  refused([](CheckLimits& l) { l.max_length = 0; }, "max_length");
  refused([](CheckLimits& l) { l.max_ttl_ms = 0; }, "max_ttl_ms");
  refused([](CheckLimits& l) { l.max_lease_ms = 0; }, "max_lease_ms");
  refused([](CheckLimits& l) { l.max_name_bytes = 0; }, "max_name_bytes");
  refused([](CheckLimits& l) { l.max_skew = Duration::zero(); }, "max_skew");
  refused([](CheckLimits& l) { l.max_prompt_bytes = l.max_message_size + 1; }, "max_prompt_bytes");
  refused([](CheckLimits& l) { l.max_text_bytes = l.max_message_size + 1; }, "max_text_bytes");
}

TEST(GridMessageCheck, EncodeSetsVersionAndSentMs) {
  pb::GridMessage m = good_claim();
  m.set_version(7);
  m.set_sent_ms(1);
  pb::GridMessage back;
  Bytes b = encode_message(m, kNow);
  ASSERT_TRUE(back.ParseFromArray(b.data(), static_cast<int>(b.size())));
  EXPECT_EQ(back.version(), 1u);
  EXPECT_EQ(back.sent_ms(), kNowMs);
  EXPECT_EQ(back.claim().attempt(), 2u);
}

TEST(GridMessageCheck, EveryGoodBodyPasses) {
  expect_ok(wrap(good_announce()));
  expect_ok(good_claim());
  expect_ok(good_result());
  expect_ok(good_failed());
  expect_ok(good_cancel());
  expect_ok(good_worker_advert());
  expect_ok(good_node_advert());
  Checked c = check(wrap(good_announce()));
  EXPECT_EQ(c.message.announce().model(), "org/model:7b");
  EXPECT_EQ(c.message.sent_ms(), kNowMs);
}

TEST(GridMessageCheck, SizeIsCheckedBeforeParsing) {
  Bytes junk((256 << 10) + 1, 0xff);  // would not parse either
  expect_reject(check_message(junk, kNow), Reject::kTooLarge,
                "message is 262145 bytes, limit 262144");
  CheckLimits small;
  small.max_message_size = 10;
  Bytes good = encode_message(good_result(), kNow);
  expect_reject(check_message(good, kNow, small), Reject::kTooLarge,
                "message is " + std::to_string(good.size()) + " bytes, limit 10");
  small.max_message_size = good.size();
  EXPECT_EQ(check_message(good, kNow, small).outcome, CheckOutcome::kOk);
}

TEST(GridMessageCheck, GarbageIsMalformed) {
  expect_reject(check_message(Bytes{0xff, 0xff, 0xff}, kNow), Reject::kMalformed,
                "not a GridMessage");
  // A body field whose length runs past the end.
  expect_reject(check_message(Bytes{0x62, 0x10, 0x0a}, kNow), Reject::kMalformed,
                "not a GridMessage");
}

// proto3 strings must be UTF-8: protobuf refuses to parse anything else (and logs it).
TEST(GridMessageCheck, InvalidUtf8InAStringIsMalformed) {
  pb::GridMessage m = good_cancel();
  m.mutable_cancel()->set_reason("\xff\xfe");
  expect_reject(check(m), Reject::kMalformed, "not a GridMessage");
}

TEST(GridMessageCheck, NewerVersionIsIgnoredWhateverItHolds) {
  pb::GridMessage m;
  m.set_version(2);  // no sent_ms, no body: still not ours to judge
  Checked c = check_message(raw(m), kNow);
  EXPECT_EQ(c.outcome, CheckOutcome::kIgnore);
  EXPECT_EQ(c.detail, "version is 2, we speak 1");
  m = wrap(pb::JobAnnounce{});  // an announce we would reject in version 1
  m.set_version(3);
  EXPECT_EQ(check_message(raw(m), kNow).outcome, CheckOutcome::kIgnore);
}

TEST(GridMessageCheck, UnknownBodyIsIgnored) {
  EXPECT_EQ(check(pb::GridMessage{}).outcome, CheckOutcome::kIgnore);
  // Field 99 (a body from the future), length-delimited, 2 bytes.
  Bytes b = encode_message(pb::GridMessage{}, kNow);
  append(b, Bytes{0x9a, 0x06, 0x02, 0x08, 0x01});
  Checked c = check_message(b, kNow);
  EXPECT_EQ(c.outcome, CheckOutcome::kIgnore);
  EXPECT_EQ(c.detail, "no body we know");
}

TEST(GridMessageCheck, VersionAndSentMsAreRequired) {
  pb::GridMessage m = good_claim();
  m.set_sent_ms(kNowMs);
  expect_reject(check_message(raw(m), kNow), Reject::kMissingField, "version is missing");
  m.set_version(1);
  m.set_sent_ms(0);
  expect_reject(check_message(raw(m), kNow), Reject::kMissingField, "sent_ms is missing");
}

TEST(GridMessageCheck, SkewEdges) {
  pb::GridMessage m = good_claim();
  m.set_version(1);
  auto at = [&](uint64_t sent_ms) {
    m.set_sent_ms(sent_ms);
    return check_message(raw(m), kNow);
  };
  EXPECT_EQ(at(kNowMs + 30'000).outcome, CheckOutcome::kOk);
  EXPECT_EQ(at(kNowMs - 30'000).outcome, CheckOutcome::kOk);
  expect_reject(at(kNowMs + 30'001), Reject::kSkew,
                "sent_ms is 30001 ms ahead of our clock, limit 30000 ms");
  expect_reject(at(kNowMs - 30'001), Reject::kSkew,
                "sent_ms is 30001 ms behind our clock, limit 30000 ms");
  // No overflow at the ends of the range.
  EXPECT_EQ(at(std::numeric_limits<uint64_t>::max()).reason, Reject::kSkew);
  EXPECT_EQ(at(1).reason, Reject::kSkew);
  CheckLimits loose;
  loose.max_skew = std::chrono::minutes(10);
  m.set_sent_ms(kNowMs - 60'000);
  EXPECT_EQ(check_message(raw(m), kNow, loose).outcome, CheckOutcome::kOk);
}

struct AnnounceCase {
  const char* name;
  std::function<void(pb::JobAnnounce&)> change;
  Reject reason;
  std::string detail;
};

TEST(GridMessageCheck, AnnounceRejections) {
  const std::string long_name(257, 'm');
  const AnnounceCase cases[] = {
      {"no job id", [](auto& a) { a.clear_job_id(); }, Reject::kMissingField,
       "announce.job_id is missing"},
      {"short job id", [](auto& a) { a.set_job_id(std::string(15, 'j')); }, Reject::kBadField,
       "announce.job_id is 15 bytes, must be 16"},
      {"no nonce", [](auto& a) { a.clear_nonce(); }, Reject::kMissingField,
       "announce.nonce is missing"},
      {"long nonce", [](auto& a) { a.set_nonce(std::string(33, 'n')); }, Reject::kBadField,
       "announce.nonce is 33 bytes, must be 32"},
      {"no origin", [](auto& a) { a.clear_origin(); }, Reject::kMissingField,
       "announce.origin is missing"},
      {"no model", [](auto& a) { a.clear_model(); }, Reject::kMissingField,
       "announce.model is missing"},
      {"long model", [&](auto& a) { a.set_model(long_name); }, Reject::kTooLarge,
       "announce.model is 257 bytes, limit 256"},
      {"image", [](auto& a) { a.set_kind(pb::JOB_KIND_IMAGE); }, Reject::kBadField,
       "announce.kind: image jobs not supported yet"},
      {"unknown kind", [](auto& a) { a.set_kind(static_cast<pb::JobKind>(7)); }, Reject::kBadField,
       "announce.kind is 7, not a known job kind"},
      {"long prompt", [](auto& a) { a.set_prompt(std::string((64 << 10) + 1, 'p')); },
       Reject::kTooLarge, "announce.prompt is 65537 bytes, limit 65536"},
      {"no params", [](auto& a) { a.clear_params(); }, Reject::kBadField,
       "announce.params.max_length is 0, must be 1..4096"},
      {"long max_length", [](auto& a) { a.mutable_params()->set_max_length(4097); },
       Reject::kBadField, "announce.params.max_length is 4097, must be 1..4096"},
      {"long context", [](auto& a) { a.mutable_params()->set_max_context_length(32769); },
       Reject::kBadField, "announce.params.max_context_length is 32769, must be 0..32768"},
      {"n 0", [](auto& a) { a.set_n(0); }, Reject::kBadField, "announce.n is 0, must be 1..20"},
      {"n 21", [](auto& a) { a.set_n(21); }, Reject::kBadField, "announce.n is 21, must be 1..20"},
      {"no ttl", [](auto& a) { a.set_ttl_ms(0); }, Reject::kBadField,
       "announce.ttl_ms is 0, must be 1..86400000"},
      {"long ttl", [](auto& a) { a.set_ttl_ms(86'400'001); }, Reject::kBadField,
       "announce.ttl_ms is 86400001, must be 1..86400000"},
      {"long claim window", [](auto& a) { a.set_claim_window_ms(10'001); }, Reject::kBadField,
       "announce.claim_window_ms is 10001, must be 0..10000"},
      {"no lease", [](auto& a) { a.set_lease_ms(0); }, Reject::kBadField,
       "announce.lease_ms is 0, must be 1..86400000"},
      {"long lease", [](auto& a) { a.set_lease_ms(86'400'001); }, Reject::kBadField,
       "announce.lease_ms is 86400001, must be 1..86400000"},
      {"no attempts", [](auto& a) { a.set_max_attempts(0); }, Reject::kBadField,
       "announce.max_attempts is 0, must be 1..10"},
      {"many attempts", [](auto& a) { a.set_max_attempts(11); }, Reject::kBadField,
       "announce.max_attempts is 11, must be 1..10"},
      {"attempt past max", [](auto& a) { a.set_attempt(3); }, Reject::kBadField,
       "announce.attempt is 3, must be 0..2"},
      {"many excluded",
       [](auto& a) {
         for (int i = 0; i < 256; ++i) a.add_excluded(mh(static_cast<uint8_t>(i)));
       },
       Reject::kTooLarge, "announce.excluded has 257 entries, limit 256"},
      {"bad excluded", [](auto& a) { a.add_excluded("\x12\x20short"); }, Reject::kBadField, ""},
      {"message without role", [](auto& a) { a.add_messages()->set_content("hi"); },
       Reject::kMissingField, "announce.messages[0].role is missing"},
      {"many messages",
       [](auto& a) {
         for (int i = 0; i < 1025; ++i) a.add_messages()->set_role("user");
       },
       Reject::kTooLarge, "announce.messages has 1025 entries, limit 1024"},
      {"long messages",
       [](auto& a) {
         for (int i = 0; i < 2; ++i) {
           pb::ChatMessage* m = a.add_messages();
           m->set_role("user");
           m->set_content(std::string(32 << 10, 'x'));
         }
         a.mutable_messages(1)->mutable_content()->push_back('y');
       },
       Reject::kTooLarge, "announce.messages contents is 65537 bytes, limit 65536"},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    pb::JobAnnounce a = good_announce();
    tc.change(a);
    Checked c = check(wrap(a));
    EXPECT_EQ(c.outcome, CheckOutcome::kReject);
    EXPECT_EQ(c.reason, tc.reason) << c.detail;
    if (!tc.detail.empty()) {
      EXPECT_EQ(c.detail, tc.detail);
    }
  }
}

TEST(GridMessageCheck, AnnouncePeerIdsMustParse) {
  pb::JobAnnounce a = good_announce();
  a.set_origin("not a multihash");
  Checked c = check(wrap(a));
  EXPECT_EQ(c.reason, Reject::kBadField);
  EXPECT_TRUE(c.detail.starts_with("announce.origin is not a peer id: ")) << c.detail;
  a = good_announce();
  a.add_excluded("\x12\x20short");
  c = check(wrap(a));
  EXPECT_EQ(c.reason, Reject::kBadField);
  EXPECT_TRUE(c.detail.starts_with("announce.excluded[1] is not a peer id: ")) << c.detail;
}

TEST(GridMessageCheck, AnnounceOriginAddrsMustBeMultiaddrs) {
  pb::JobAnnounce a = good_announce();
  const std::string addr(as_chars(wire::Multiaddr::parse("/ip4/127.0.0.1/tcp/4001")->bytes()));
  a.add_origin_addrs(addr);
  expect_ok(wrap(a));
  a.add_origin_addrs("junk");
  Checked c = check(wrap(a));
  EXPECT_EQ(c.reason, Reject::kBadField);
  EXPECT_TRUE(c.detail.starts_with("announce.origin_addrs[1] is not a multiaddr: ")) << c.detail;
  a = good_announce();
  for (int i = 0; i < 17; ++i) a.add_origin_addrs(addr);
  expect_reject(check(wrap(a)), Reject::kTooLarge,
                "announce.origin_addrs has 17 entries, limit 16");
}

TEST(GridMessageCheck, AnnounceEdgesPass) {
  pb::JobAnnounce a = good_announce();
  a.set_prompt(std::string(64 << 10, 'p'));
  a.clear_excluded();
  for (int i = 0; i < 256; ++i) a.add_excluded(mh(static_cast<uint8_t>(i)));
  a.mutable_params()->set_max_length(4096);
  a.mutable_params()->set_max_context_length(0);  // unspecified
  a.set_n(20);
  a.set_ttl_ms(86'400'000);
  a.set_claim_window_ms(0);
  a.set_max_attempts(10);
  a.set_attempt(9);
  a.set_model(std::string(256, 'm'));
  expect_ok(wrap(a));
}

TEST(GridMessageCheck, ClaimRejections) {
  pb::GridMessage m = good_claim();
  m.mutable_claim()->clear_job_id();
  expect_reject(check(m), Reject::kMissingField, "claim.job_id is missing");
  m.mutable_claim()->set_job_id(std::string(17, 'j'));
  expect_reject(check(m), Reject::kBadField, "claim.job_id is 17 bytes, must be 16");
  m = good_claim();
  m.mutable_claim()->set_attempt(10);
  expect_reject(check(m), Reject::kBadField, "claim.attempt is 10, must be 0..9");
}

TEST(GridMessageCheck, CancelRejections) {
  pb::GridMessage m = good_cancel();
  m.mutable_cancel()->set_job_id("x");
  expect_reject(check(m), Reject::kBadField, "cancel.job_id is 1 bytes, must be 16");
  m = good_cancel();
  m.mutable_cancel()->set_reason(std::string(257, 'r'));
  expect_reject(check(m), Reject::kTooLarge, "cancel.reason is 257 bytes, limit 256");
}

TEST(GridMessageCheck, ResultRejections) {
  pb::GridMessage m = good_result();
  m.mutable_result()->clear_job_id();
  expect_reject(check(m), Reject::kMissingField, "result.job_id is missing");
  m = good_result();
  m.mutable_result()->set_attempt(10);
  expect_reject(check(m), Reject::kBadField, "result.attempt is 10, must be 0..9");
  m = good_result();
  m.mutable_result()->set_generation(20);
  expect_reject(check(m), Reject::kBadField, "result.generation is 20, must be 0..19");
  m = good_result();
  m.mutable_result()->set_text(std::string((200 << 10) + 1, 't'));
  expect_reject(check(m), Reject::kTooLarge, "result.text is 204801 bytes, limit 204800");
  m = good_result();
  m.mutable_result()->set_model(std::string(257, 'm'));
  expect_reject(check(m), Reject::kTooLarge, "result.model is 257 bytes, limit 256");
  m = good_result();
  m.mutable_result()->set_finish_reason(std::string(257, 'f'));
  expect_reject(check(m), Reject::kTooLarge, "result.finish_reason is 257 bytes, limit 256");
  m = good_result();
  m.mutable_result()->set_content_hash("abc");
  expect_reject(check(m), Reject::kBadField, "result.content_hash is 3 bytes, must be 32");
  m.mutable_result()->set_content_hash(std::string(32, 'h'));
  expect_ok(m);
  m.mutable_result()->set_text(std::string(200 << 10, 't'));
  expect_ok(m);
}

TEST(GridMessageCheck, FailedRejections) {
  pb::GridMessage m = good_failed();
  m.mutable_failed()->set_job_id(std::string(32, 'j'));
  expect_reject(check(m), Reject::kBadField, "failed.job_id is 32 bytes, must be 16");
  m = good_failed();
  m.mutable_failed()->set_attempt(10);
  expect_reject(check(m), Reject::kBadField, "failed.attempt is 10, must be 0..9");
  m = good_failed();
  m.mutable_failed()->set_generation(20);
  expect_reject(check(m), Reject::kBadField, "failed.generation is 20, must be 0..19");
  m = good_failed();
  m.mutable_failed()->set_reason(std::string(257, 'r'));
  expect_reject(check(m), Reject::kTooLarge, "failed.reason is 257 bytes, limit 256");
}

TEST(GridMessageCheck, WorkerAdvertRejections) {
  pb::GridMessage m = good_worker_advert();
  for (int i = 0; i < 63; ++i) m.mutable_worker_advert()->add_models()->set_name("x");
  expect_reject(check(m), Reject::kTooLarge, "worker_advert.models has 65 entries, limit 64");
  m = good_worker_advert();
  m.mutable_worker_advert()->add_models();
  expect_reject(check(m), Reject::kMissingField, "worker_advert.models[2].name is missing");
  m = good_worker_advert();
  m.mutable_worker_advert()->mutable_models(0)->set_name(std::string(257, 'm'));
  expect_reject(check(m), Reject::kTooLarge,
                "worker_advert.models[0].name is 257 bytes, limit 256");
  m = good_worker_advert();
  m.mutable_worker_advert()->set_slots_free(5);
  expect_reject(check(m), Reject::kBadField, "worker_advert.slots_free is 5, limit slots_total 4");
  m = good_worker_advert();
  m.mutable_worker_advert()->set_name(std::string(257, 'n'));
  expect_reject(check(m), Reject::kTooLarge, "worker_advert.name is 257 bytes, limit 256");
  m = good_worker_advert();
  m.mutable_worker_advert()->clear_models();  // a worker with nothing to serve (yet) is fine
  expect_ok(m);
}

TEST(GridMessageCheck, NodeAdvertRejections) {
  pb::GridMessage m = good_node_advert();
  m.mutable_node_advert()->set_http_url(std::string(257, 'u'));
  expect_reject(check(m), Reject::kTooLarge, "node_advert.http_url is 257 bytes, limit 256");
  m = good_node_advert();
  m.mutable_node_advert()->set_version(std::string(257, 'v'));
  expect_reject(check(m), Reject::kTooLarge, "node_advert.version is 257 bytes, limit 256");
  m = good_node_advert();
  m.mutable_node_advert()->add_stale(std::string(16, 'j'));
  expect_ok(m);
  m.mutable_node_advert()->add_stale(std::string(15, 'j'));
  expect_reject(check(m), Reject::kBadField, "node_advert.stale[1] is 15 bytes, must be 16");
  m = good_node_advert();
  for (int i = 0; i < 17; ++i) m.mutable_node_advert()->add_stale(std::string(16, 'j'));
  expect_reject(check(m), Reject::kTooLarge, "node_advert.stale has 17 entries, limit 16");
  m = good_node_advert();
  m.mutable_node_advert()->add_recent()->set_job_id("short");
  expect_reject(check(m), Reject::kBadField, "node_advert.recent[0].job_id is 5 bytes, must be 16");
}

}  // namespace
}  // namespace aipg::grid
