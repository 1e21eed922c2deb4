// Signed peer records: the signed envelope of libp2p RFC 0002 carrying the routing-state record
// of RFC 0003 (domain "libp2p-peer-record", payload type 0x0301), as identify's
// `signedPeerRecord` and gossipsub PX carry them. A record says, signed by the peer itself, at
// which addresses it can be reached; `seq` orders a peer's records (a higher one replaces it).
//
// The signature covers, each length-prefixed with an unsigned varint: the domain, the payload
// type and the payload. Opening checks that signature, that the payload type is a peer record's,
// and that the record's peer id is the signing key's.
#pragma once

#include <cstdint>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "wire/keys.hpp"
#include "wire/multiaddr.hpp"
#include "wire/peer_id.hpp"

namespace aipg::wire {

inline constexpr std::string_view kPeerRecordDomain = "libp2p-peer-record";
inline const Bytes kPeerRecordPayloadType = {0x03, 0x01};  // multicodec libp2p-peer-record

struct PeerRecord {
  PeerId peer_id;
  uint64_t seq = 0;
  std::vector<Multiaddr> addrs;
};

// The Envelope protobuf of `record`, signed with `key` (whose peer id the record must carry).
Bytes seal_peer_record(const KeyPair& key, const PeerRecord& record);

// Parses and checks an Envelope protobuf. Errors say which part is wrong: the envelope, its
// key, its payload type, the signature, the record, or a peer id that is not the signer's.
// Addresses that do not parse are an error too (a signer that writes junk is not to be trusted
// with the rest).
Result<PeerRecord> open_peer_record(BytesView envelope);

}  // namespace aipg::wire
