// identify (/ipfs/id/1.0.0, libp2p/specs identify): the message codec. The responder writes one
// uvarint-length-prefixed Identify protobuf and closes the stream; /ipfs/id/push/1.0.0 carries
// the same message unprompted when something changes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "wire/keys.hpp"
#include "wire/multiaddr.hpp"

namespace aipg::identify {

inline constexpr char kProtocolId[] = "/ipfs/id/1.0.0";
inline constexpr char kPushProtocolId[] = "/ipfs/id/push/1.0.0";
inline constexpr char kProtocolVersion[] = "ipfs/0.1.0";
// An identify message lists addresses and protocols; 64 KiB is far above any real one (go
// allows 2 KiB per signed record plus the rest) and bounds what a peer can make us hold.
inline constexpr size_t kMaxMessageSize = 64 * 1024;
inline constexpr size_t kMaxAddrs = 64;
inline constexpr size_t kMaxProtocols = 256;
inline constexpr size_t kMaxProtocolLength = 1024;

struct Message {
  std::string protocol_version;
  std::string agent_version;
  std::optional<wire::PublicKey> public_key;
  std::vector<wire::Multiaddr> listen_addrs;
  std::optional<wire::Multiaddr> observed_addr;
  std::vector<std::string> protocols;
  // signedPeerRecord: a signed envelope (wire/peer_record.hpp) of the sender's addresses, kept
  // as bytes here; the receiver opens and checks it.
  std::optional<Bytes> signed_peer_record;
};

// Protobuf bytes, without the length prefix.
Bytes encode(const Message& m);

// Decodes a whole Identify protobuf. Addresses that do not parse are skipped (peers may list
// transports we do not know); a public key that is present must be valid; over-limit counts
// are refused.
Result<Message> decode(BytesView pb);

}  // namespace aipg::identify
