// IdentifyService — runs /ipfs/id/1.0.0 on every connection: answers the remote's request with
// our Identify message, asks the remote for its own as soon as a connection is up, accepts
// /ipfs/id/push/1.0.0 updates, and records what it learns in the peer store. js-libp2p opens
// gossipsub streams only after identify lists the protocol, so this must be right and prompt.
// Each message carries our signed peer record, and a peer's record is checked and its
// addresses kept as certified (libp2p RFC 0003).
#pragma once

#include <memory>
#include <unordered_map>

#include "node/connection.hpp"
#include "node/stream.hpp"
#include "protocol/identify/identify.hpp"
#include "wire/peer_record.hpp"

namespace aipg::node {

class Host;

class IdentifyService {
 public:
  explicit IdentifyService(Host& host);

  void on_connected(Connection& c);
  identify::Message our_message(const wire::Multiaddr& observed);
  // Counters for tests and metrics.
  uint64_t received() const { return received_; }
  uint64_t rejected() const { return rejected_; }
  // Signed peer records that came with identify and did not open (bad signature, not the
  // connection's peer, junk): the rest of the message is still taken.
  uint64_t records_rejected() const { return records_rejected_; }

 private:
  void serve(std::unique_ptr<Stream> s);
  // Reads one length-prefixed Identify message until the remote closes, then records it.
  void read_message(std::unique_ptr<Stream> s, bool push);
  void record(const wire::PeerId& peer, identify::Message m);
  void retire(Stream* s);
  // Our signed peer record of our listen addresses, sealed again when they change (seq: the
  // wall clock in ms, never going back, as js-libp2p does).
  const Bytes& our_record();

  Host& host_;
  std::unordered_map<Stream*, std::unique_ptr<Stream>> active_;
  uint64_t received_ = 0;
  uint64_t rejected_ = 0;
  uint64_t records_rejected_ = 0;
  std::vector<wire::Multiaddr> record_addrs_;
  uint64_t record_seq_ = 0;
  Bytes record_;
};

}  // namespace aipg::node
