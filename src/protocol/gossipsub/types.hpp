// Vocabulary shared by the gossipsub router's parts (libp2p/specs pubsub/gossipsub).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "wire/peer_id.hpp"

namespace aipg::gossipsub {

using TopicId = std::string;
// Message ids are opaque bytes (go's default is from ‖ seqno); kept in a std::string so they
// hash and compare cheaply and can be map keys.
using MessageId = std::string;
using wire::PeerId;

inline constexpr char kMeshsubV12[] = "/meshsub/1.2.0";
inline constexpr char kMeshsubV11[] = "/meshsub/1.1.0";
inline constexpr char kMeshsubV10[] = "/meshsub/1.0.0";
inline constexpr char kFloodsub[] = "/floodsub/1.0.0";

// What the router knows a peer speaks, from the protocol its stream negotiated.
enum class PeerKind { kFloodsub, kGossipsubV10, kGossipsubV11, kGossipsubV12 };

}  // namespace aipg::gossipsub

namespace aipg::gossipsub {

// The protocol id a peer kind negotiates, and back (nullopt for ids that are not pubsub).
const char* protocol_id(PeerKind kind);
std::optional<PeerKind> peer_kind(std::string_view protocol);

}  // namespace aipg::gossipsub
