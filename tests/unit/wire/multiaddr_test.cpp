#include "wire/multiaddr.hpp"

#include <gtest/gtest.h>

#include <unordered_set>

#include "wire/base58.hpp"
#include "wire/peer_id.hpp"
#include "wire/varint.hpp"

namespace aipg::wire {
namespace {

// The js-libp2p peer id of the Ed25519 seed 00…01 (see peer_id_test.cpp).
constexpr char kEdId[] = "12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp";
// A sha2-256 peer id (an RSA key), from the old IPFS bootstrap list.
constexpr char kShaId[] = "QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN";

Bytes hex(std::string_view h) {
  Bytes b;
  EXPECT_TRUE(from_hex(h, b)) << h;
  return b;
}

Multiaddr ma(std::string_view text) {
  auto m = Multiaddr::parse(text);
  EXPECT_TRUE(m) << text << ": " << m.error().message;
  return m ? *m : Multiaddr();
}

// Parses `text`, checks it prints back unchanged and that its bytes decode to the same address.
void expect_round_trip(std::string_view text) {
  SCOPED_TRACE(text);
  auto m = Multiaddr::parse(text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->to_string(), text);
  auto again = Multiaddr::from_bytes(m->bytes());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, *m);
  EXPECT_EQ(again->to_string(), text);
}

void expect_parse_error(std::string_view text, std::string_view message_part,
                        Errc code = Errc::malformed) {
  SCOPED_TRACE(text);
  auto m = Multiaddr::parse(text);
  ASSERT_FALSE(m) << "parsed as " << m->to_string();
  EXPECT_EQ(m.error().code, code) << m.error().message;
  EXPECT_NE(m.error().message.find(message_part), std::string::npos) << m.error().message;
}

void expect_bytes_error(std::string_view h, std::string_view message_part) {
  SCOPED_TRACE(h);
  auto m = Multiaddr::from_bytes(hex(h));
  ASSERT_FALSE(m) << "decoded as " << m->to_string();
  EXPECT_NE(m.error().message.find(message_part), std::string::npos) << m.error().message;
}

TEST(Multiaddr, KnownVectors) {
  EXPECT_EQ(to_hex(ma("/ip4/127.0.0.1/tcp/4001").bytes()), "047f000001060fa1");
  // From multiformats/multiaddr test/multiaddr.feature.
  EXPECT_EQ(to_hex(ma("/ip4/192.0.2.42/tcp/443").bytes()), "04c000022a0601bb");
  EXPECT_EQ(to_hex(ma("/ip6/::1/tcp/80").bytes()), "29" + std::string(30, '0') + "01" + "060050");
  EXPECT_EQ(to_hex(ma("/dns4/example.com/tcp/443").bytes()),
            "360b" + to_hex(as_bytes("example.com")) + "0601bb");
  EXPECT_EQ(to_hex(ma("/udp/1/quic-v1").bytes()), "91020001cd03");
}

TEST(Multiaddr, PeerIdComponent) {
  const std::string text = std::string("/ip4/1.2.3.4/tcp/1/p2p/") + kEdId;
  Multiaddr m = ma(text);
  auto mh = m.p2p_multihash();
  ASSERT_TRUE(mh);
  ASSERT_EQ(mh->size(), 38u);
  EXPECT_EQ(to_hex(BytesView(*mh).first(6)), "002408011220");
  auto id = PeerId::parse(kEdId);
  ASSERT_TRUE(id);
  EXPECT_EQ(*mh, id->multihash());
  // 0x01a5 = 421 → a5 03, then the uvarint length 38 = 0x26.
  EXPECT_EQ(to_hex(m.bytes()),
            "04010203040600"
            "01"
            "a50326" +
                to_hex(*mh));
  expect_round_trip(text);
}

TEST(Multiaddr, RoundTrips) {
  for (std::string_view text : {
           "/ip4/0.0.0.0/tcp/0",
           "/ip4/255.255.255.255/udp/65535",
           "/ip6/::/tcp/4001",
           "/ip6/2001:db8::8a2e:370:7334/tcp/1",
           "/ip6/::ffff:1.2.3.4/tcp/5",
           "/dns/localhost/tcp/1",
           "/dns6/a.b.c/udp/9/quic-v1",
           "/dnsaddr/bootstrap.libp2p.io",
           "/ip4/10.0.0.1/udp/4001/quic-v1/webtransport",
           "/ip4/10.0.0.1/tcp/443/tls/ws",
           "/ip4/10.0.0.1/tcp/443/wss",
           "/ip4/10.0.0.1/udp/1/quic",
           "/ip4/10.0.0.1/tcp/1/noise",
           "/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN",
           "/ip4/1.2.3.4/tcp/1/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN/p2p-circuit/p2p/"
           "12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp",
       }) {
    expect_round_trip(text);
  }
}

TEST(Multiaddr, CanonicalisesWhatItReads) {
  EXPECT_EQ(ma(std::string("/ipfs/") + kShaId).to_string(), std::string("/p2p/") + kShaId);
  EXPECT_EQ(ma("/ip6/0:0:0:0:0:0:0:1/tcp/080").to_string(), "/ip6/::1/tcp/80");
  EXPECT_EQ(ma("/ip6/2001:DB8::1/udp/1").to_string(), "/ip6/2001:db8::1/udp/1");
}

TEST(Multiaddr, PeerIdAsCid) {
  auto id = PeerId::parse(kEdId);
  ASSERT_TRUE(id);
  const std::string cid = id->to_cid();
  ASSERT_EQ(cid[0], 'b');
  Multiaddr from_cid = ma("/ip4/1.2.3.4/tcp/1/p2p/" + cid);
  EXPECT_EQ(from_cid, ma(std::string("/ip4/1.2.3.4/tcp/1/p2p/") + kEdId));
  // The same CID in multibase 'z' (base58btc).
  Bytes raw;
  put_uvarint(raw, 1);
  put_uvarint(raw, 0x72);
  append(raw, id->multihash());
  EXPECT_EQ(ma("/p2p/z" + base58_encode(raw)).p2p_multihash(), id->multihash());
  // A CID of another codec (dag-pb 0x70) is not a peer id.
  Bytes dag_pb;
  put_uvarint(dag_pb, 1);
  put_uvarint(dag_pb, 0x70);
  append(dag_pb, id->multihash());
  expect_parse_error("/p2p/b" + base32_encode(dag_pb), "libp2p-key");
  Bytes v0 = raw;
  v0[0] = 0;
  expect_parse_error("/p2p/b" + base32_encode(v0), "version 1");
}

TEST(Multiaddr, Components) {
  Multiaddr m = ma(std::string("/dns4/example.com/tcp/443/wss/p2p/") + kEdId);
  auto cs = m.components();
  ASSERT_EQ(cs.size(), 4u);
  EXPECT_EQ(cs[0].code, kMaDns4);
  EXPECT_EQ(cs[0].name, "dns4");
  EXPECT_EQ(as_chars(cs[0].value), "example.com");
  EXPECT_EQ(cs[1].code, kMaTcp);
  EXPECT_EQ(to_hex(cs[1].value), "01bb");
  EXPECT_EQ(cs[2].name, "wss");
  EXPECT_TRUE(cs[2].value.empty());
  EXPECT_EQ(cs[3].name, "p2p");
  EXPECT_EQ(cs[3].value.size(), 38u);
}

TEST(Multiaddr, Helpers) {
  Multiaddr v4 = ma("/ip4/127.0.0.1/tcp/4001");
  EXPECT_EQ(v4.host_kind(), HostKind::kIp4);
  EXPECT_EQ(v4.ip(), "127.0.0.1");
  EXPECT_EQ(v4.tcp_port(), 4001);
  EXPECT_EQ(v4.udp_port(), std::nullopt);
  EXPECT_EQ(v4.dns_name(), std::nullopt);
  Multiaddr v6 = ma("/ip6/fe80::1/udp/53/quic-v1");
  EXPECT_EQ(v6.host_kind(), HostKind::kIp6);
  EXPECT_EQ(v6.ip(), "fe80::1");
  EXPECT_EQ(v6.udp_port(), 53);
  EXPECT_EQ(v6.tcp_port(), std::nullopt);
  Multiaddr dns = ma("/dns6/example.org/tcp/1");
  EXPECT_EQ(dns.host_kind(), HostKind::kDns6);
  EXPECT_EQ(dns.ip(), std::nullopt);
  EXPECT_EQ(dns.dns_name(), "example.org");
  EXPECT_EQ(ma("/dns/x/tcp/1").host_kind(), HostKind::kDns);
  EXPECT_EQ(ma("/dns4/x/tcp/1").host_kind(), HostKind::kDns4);
  EXPECT_EQ(ma("/dnsaddr/x").host_kind(), HostKind::kDnsaddr);
  EXPECT_EQ(ma(std::string("/p2p/") + kEdId).host_kind(), HostKind::kNone);
}

TEST(Multiaddr, P2pEncapsulation) {
  Multiaddr base = ma("/ip4/1.2.3.4/tcp/1");
  auto id = PeerId::parse(kEdId);
  ASSERT_TRUE(id);
  Multiaddr full = base.with_p2p(id->multihash());
  EXPECT_EQ(full.to_string(), std::string("/ip4/1.2.3.4/tcp/1/p2p/") + kEdId);
  EXPECT_EQ(full.decapsulate_p2p(), base);
  EXPECT_EQ(base.decapsulate_p2p(), base);
  EXPECT_EQ(base.p2p_multihash(), std::nullopt);
  // Replacing, not stacking.
  auto sha = PeerId::parse(kShaId);
  ASSERT_TRUE(sha);
  EXPECT_EQ(full.with_p2p(sha->multihash()).to_string(),
            std::string("/ip4/1.2.3.4/tcp/1/p2p/") + kShaId);
  // Only a trailing /p2p counts: a relay's id in the middle is part of the path.
  Multiaddr relayed = ma(std::string("/p2p/") + kShaId + "/p2p-circuit");
  EXPECT_EQ(relayed.p2p_multihash(), std::nullopt);
  EXPECT_EQ(relayed.decapsulate_p2p(), relayed);

  auto joined = base.encapsulate(ma("/tls/ws"));
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->to_string(), "/ip4/1.2.3.4/tcp/1/tls/ws");
}

TEST(Multiaddr, EncapsulateKeepsTheSizeBound) {
  std::string long_name(255, 'a');
  std::string text;
  for (int i = 0; i < 3; ++i) text += "/dns/" + long_name;
  Multiaddr big = ma(text);  // 3 × 258 bytes
  auto too_big = big.encapsulate(ma("/dns/" + long_name));
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code, Errc::too_large);
}

TEST(Multiaddr, EqualityAndHashing) {
  std::unordered_set<Multiaddr> set;
  set.insert(ma("/ip4/1.2.3.4/tcp/1"));
  set.insert(ma("/ip4/1.2.3.4/tcp/01"));  // same address
  set.insert(ma("/ip4/1.2.3.4/udp/1"));
  EXPECT_EQ(set.size(), 2u);
  EXPECT_NE(ma("/ip4/1.2.3.4/tcp/1"), ma("/ip4/1.2.3.4/tcp/2"));
  EXPECT_EQ(ma(std::string("/ipfs/") + kShaId), ma(std::string("/p2p/") + kShaId));
}

TEST(Multiaddr, RejectsBadText) {
  expect_parse_error("", "does not start with '/'");
  expect_parse_error("ip4/1.2.3.4", "does not start with '/'");
  expect_parse_error("/", "empty");
  expect_parse_error("/ip4/1.2.3.4/", "trailing '/'");
  expect_parse_error("/ip4//tcp/1", "/ip4: '' is not an IPv4 address");
  expect_parse_error("//ip4/1.2.3.4", "empty component");
  expect_parse_error("/ip4", "/ip4: missing value");
  expect_parse_error("/ip4/1.2.3", "/ip4: '1.2.3' is not an IPv4 address");
  expect_parse_error("/ip4/1.2.3.256", "not an IPv4 address");
  expect_parse_error("/ip4/::1", "not an IPv4 address");
  expect_parse_error(std::string_view("/ip4/1.2.3.4\0junk", 17), "not an IPv4 address");
  expect_parse_error("/ip6/1.2.3.4", "/ip6: '1.2.3.4' is not an IPv6 address");
  expect_parse_error("/ip6/fe80::1%eth0", "not an IPv6 address");
  expect_parse_error("/ip6/::1::2", "not an IPv6 address");
  expect_parse_error("/ip4/1.2.3.4/tcp/70000", "multiaddr /tcp: port 70000 out of range");
  expect_parse_error("/ip4/1.2.3.4/udp/99999999999999999999999", "/udp: port");
  expect_parse_error("/ip4/1.2.3.4/tcp/-1", "/tcp: port '-1' is not a number");
  expect_parse_error("/ip4/1.2.3.4/tcp/http", "/tcp: port 'http' is not a number");
  expect_parse_error("/ip4/1.2.3.4/tcp/+1", "is not a number");
  expect_parse_error("/ip4/1.2.3.4/tcp", "/tcp: missing value");
  expect_parse_error("/ip4/1.2.3.4/sctp/1", "unknown protocol 'sctp'", Errc::unsupported);
  expect_parse_error("/quic-v1/1", "unknown protocol '1'", Errc::unsupported);
  expect_parse_error("/dns4/" + std::string(256, 'a'), "/dns4: name of 256 bytes");
  expect_parse_error("/dns4/a b", "/dns4: name 'a b' contains a byte");
  expect_parse_error("/p2p/notbase58!", "/p2p:");
  expect_parse_error("/p2p/0OIl", "not base58btc");
  expect_parse_error("/p2p/" + std::string(200, 'Q'), "too long");
  // Valid base58, but not a peer id multihash.
  expect_parse_error("/p2p/" + base58_encode(hex("1202aabb")), "sha2-256 multihash of 2 bytes");
  expect_parse_error("/p2p/" + base58_encode(hex("1303aabbcc")), "multihash code 19",
                     Errc::unsupported);
  expect_parse_error("/p2p/" + base58_encode(hex("0003aabb")), "says 3 digest bytes, has 2");
  expect_parse_error("/p2p/" + base58_encode(hex("0000")), "identity multihash of 0 bytes");
  expect_parse_error("/p2p/" + base58_encode(hex("002b" + std::string(86, '1'))),
                     "identity multihash of 43 bytes");
  std::string huge;
  for (int i = 0; i < 5; ++i) huge += "/dns/" + std::string(255, 'x');
  expect_parse_error(huge, "over 1024 bytes", Errc::too_large);
}

TEST(Multiaddr, RejectsBadBytes) {
  expect_bytes_error("", "empty");
  expect_bytes_error("047f0000010610", "/tcp: truncated value");
  expect_bytes_error("047f00000106", "/tcp: truncated value");
  expect_bytes_error("047f00000180", "truncated protocol code");
  expect_bytes_error("047f0000", "/ip4: truncated value");
  expect_bytes_error("047f0000010600500000", "unknown protocol code 0");  // trailing garbage
  expect_bytes_error("8480808080808080808001", "bad protocol code");
  expect_bytes_error("1100", "unknown protocol code 17");
  expect_bytes_error("36", "/dns4: bad value length");
  expect_bytes_error("360561", "/dns4: value of 5 bytes but only 1 left");
  expect_bytes_error("3600", "/dns4: name of 0 bytes");
  expect_bytes_error(
      "3601"
      "2f",
      "contains a byte that is not allowed");
  expect_bytes_error(
      "3601"
      "00",
      "contains a byte that is not allowed");
  expect_bytes_error(
      "a50304"
      "1302aabb",
      "multihash code 19");
  expect_bytes_error(
      "a50302"
      "1200",
      "sha2-256 multihash of 0 bytes");
  Bytes big;
  for (int i = 0; i < 300; ++i) append(big, hex("047f000001"));
  auto m = Multiaddr::from_bytes(big);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::too_large);
}

TEST(Multiaddr, BytesDecodeLikeText) {
  auto m = Multiaddr::from_bytes(hex("047f000001060fa1"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to_string(), "/ip4/127.0.0.1/tcp/4001");
  auto q = Multiaddr::from_bytes(hex("91020001cd03"));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->to_string(), "/udp/1/quic-v1");
}

}  // namespace
}  // namespace aipg::wire
