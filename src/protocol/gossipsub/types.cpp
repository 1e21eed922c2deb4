#include "protocol/gossipsub/types.hpp"

namespace aipg::gossipsub {

const char* protocol_id(PeerKind kind) {
  switch (kind) {
    case PeerKind::kFloodsub:
      return kFloodsub;
    case PeerKind::kGossipsubV10:
      return kMeshsubV10;
    case PeerKind::kGossipsubV11:
      return kMeshsubV11;
    case PeerKind::kGossipsubV12:
      return kMeshsubV12;
  }
  return kMeshsubV12;
}

std::optional<PeerKind> peer_kind(std::string_view protocol) {
  if (protocol == kMeshsubV12) return PeerKind::kGossipsubV12;
  if (protocol == kMeshsubV11) return PeerKind::kGossipsubV11;
  if (protocol == kMeshsubV10) return PeerKind::kGossipsubV10;
  if (protocol == kFloodsub) return PeerKind::kFloodsub;
  return std::nullopt;
}

}  // namespace aipg::gossipsub
