// PeerStore — what the host knows about other peers: addresses (from dials, identify and later
// peer exchange), protocols and agent from identify, and public keys. Bounded: the oldest
// unconnected peers are forgotten first when max_peers is reached.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/time.hpp"
#include "wire/keys.hpp"
#include "wire/multiaddr.hpp"
#include "wire/peer_id.hpp"

namespace aipg::node {

struct PeerInfo {
  std::vector<wire::Multiaddr> addrs;
  std::vector<std::string> protocols;
  std::string agent_version;
  std::string protocol_version;
  std::optional<wire::PublicKey> public_key;
  std::optional<wire::Multiaddr> observed_addr;  // how the peer sees us
  // From its signed peer record (identify): addresses the peer itself vouches for, and the
  // record's seq (a record with a lower one is older and ignored).
  std::vector<wire::Multiaddr> certified_addrs;
  std::optional<uint64_t> record_seq;
  Bytes signed_record;  // that record as the peer sent it, to hand on in gossipsub PX
  Instant last_seen{};
  bool identified = false;
};

class PeerStore {
 public:
  explicit PeerStore(size_t max_peers = 10000, size_t max_addrs_per_peer = 16)
      : max_peers_(max_peers), max_addrs_(max_addrs_per_peer) {}

  // Adds an address (deduplicated, bounded per peer); the /p2p/ suffix is stripped.
  void add_addr(const wire::PeerId& peer, const wire::Multiaddr& addr, Instant now);
  void set_identify(const wire::PeerId& peer, PeerInfo info, Instant now);
  void touch(const wire::PeerId& peer, Instant now);

  const PeerInfo* find(const wire::PeerId& peer) const;
  bool supports(const wire::PeerId& peer, const std::string& protocol) const;
  size_t size() const { return peers_.size(); }
  std::vector<wire::PeerId> peers() const;

 private:
  PeerInfo& entry(const wire::PeerId& peer, Instant now);
  void evict_if_full();

  size_t max_peers_;
  size_t max_addrs_;
  std::unordered_map<wire::PeerId, PeerInfo> peers_;
};

}  // namespace aipg::node
