// PeerStore and signed peer records: a newer record's certified addresses replace an older
// one's; an identify without a record, or with an older one, leaves them.
#include "node/peer_store.hpp"

#include <gtest/gtest.h>

namespace aipg::node {
namespace {

const Instant kT0 = Instant{} + std::chrono::hours(1);

wire::PeerId peer() {
  return wire::PeerId::from_public_key(wire::KeyPair::from_seed(Bytes(32, 3)).value().public_key());
}

PeerInfo with_record(uint64_t seq, const char* addr) {
  PeerInfo i;
  i.record_seq = seq;
  i.certified_addrs = {wire::Multiaddr::parse(addr).value()};
  return i;
}

TEST(PeerStore, TheNewestSignedRecordsAddressesStay) {
  PeerStore s;
  s.set_identify(peer(), with_record(5, "/ip4/10.0.0.1/tcp/1"), kT0);
  s.set_identify(peer(), PeerInfo{}, kT0);  // no record this time
  ASSERT_EQ(s.find(peer())->record_seq, 5u);
  s.set_identify(peer(), with_record(4, "/ip4/10.0.0.9/tcp/9"), kT0);  // older
  EXPECT_EQ(s.find(peer())->certified_addrs[0].to_string(), "/ip4/10.0.0.1/tcp/1");
  s.set_identify(peer(), with_record(6, "/ip4/10.0.0.2/tcp/2"), kT0);
  EXPECT_EQ(s.find(peer())->record_seq, 6u);
  EXPECT_EQ(s.find(peer())->certified_addrs[0].to_string(), "/ip4/10.0.0.2/tcp/2");
}

}  // namespace
}  // namespace aipg::node
