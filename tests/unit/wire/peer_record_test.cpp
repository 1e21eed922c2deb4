// Signed peer records (RFC 0002 envelope, RFC 0003 record): what we seal opens, and every way an
// envelope can lie is refused with an error that names what is wrong.
#include "wire/peer_record.hpp"

#include <gtest/gtest.h>

#include "envelope.pb.h"

namespace aipg::wire {
namespace {

KeyPair key(uint8_t n) { return KeyPair::from_seed(Bytes(32, n)).value(); }

PeerRecord record_of(const KeyPair& k) {
  return {PeerId::from_public_key(k.public_key()),
          7,
          {Multiaddr::parse("/ip4/127.0.0.1/tcp/4001").value(),
           Multiaddr::parse("/ip4/10.0.0.2/tcp/4002").value()}};
}

pb::record::Envelope parse(const Bytes& b) {
  pb::record::Envelope e;
  EXPECT_TRUE(e.ParseFromArray(b.data(), int(b.size())));
  return e;
}

Bytes bytes_of(const pb::record::Envelope& e) {
  const std::string s = e.SerializeAsString();
  return Bytes(s.begin(), s.end());
}

TEST(PeerRecord, WhatWeSealOpens) {
  const KeyPair k = key(1);
  const Bytes sealed = seal_peer_record(k, record_of(k));
  auto opened = open_peer_record(sealed);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(opened->peer_id, PeerId::from_public_key(k.public_key()));
  EXPECT_EQ(opened->seq, 7u);
  ASSERT_EQ(opened->addrs.size(), 2u);
  EXPECT_EQ(opened->addrs[1].to_string(), "/ip4/10.0.0.2/tcp/4002");
  // The wire form the RFC gives: the signer's key, payload type 0x0301.
  const pb::record::Envelope e = parse(sealed);
  EXPECT_EQ(as_bytes(e.public_key()).size(), 36u);
  EXPECT_EQ(e.payload_type(), std::string("\x03\x01", 2));
  EXPECT_EQ(e.signature().size(), 64u);
}

TEST(PeerRecord, ATamperedPayloadOrAnotherDomainsTypeIsRefused) {
  const KeyPair k = key(1);
  pb::record::Envelope e = parse(seal_peer_record(k, record_of(k)));
  pb::record::Envelope changed = e;
  changed.mutable_payload()->back() ^= 1;
  auto r = open_peer_record(bytes_of(changed));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::auth_failed);
  EXPECT_EQ(r.error().message, "signed peer record: the signature does not verify");
  changed = e;
  changed.set_payload_type("\x03\x02");
  r = open_peer_record(bytes_of(changed));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unsupported);
}

TEST(PeerRecord, ARecordForAnotherPeerIsRefused) {
  const KeyPair k = key(1);
  const KeyPair other = key(2);
  // Signed by k, but claiming to be other's: a peer may only vouch for its own addresses.
  const Bytes sealed = seal_peer_record(k, record_of(other));
  auto r = open_peer_record(sealed);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::auth_failed);
  EXPECT_NE(r.error().message.find("is not the signer's"), std::string::npos) << r.error().message;
}

TEST(PeerRecord, JunkIsAnErrorNotACrash) {
  EXPECT_FALSE(open_peer_record(Bytes{0xff, 0xff, 0xff}));
  EXPECT_FALSE(open_peer_record(Bytes{}));
  const KeyPair k = key(1);
  pb::record::Envelope e = parse(seal_peer_record(k, record_of(k)));
  e.set_public_key("not a key");
  auto r = open_peer_record(bytes_of(e));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().message.starts_with("signed peer record: public_key: "))
      << r.error().message;
}

}  // namespace
}  // namespace aipg::wire
