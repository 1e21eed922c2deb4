#include "protocol/identify/identify.hpp"

#include "identify.pb.h"

namespace aipg::identify {

Bytes encode(const Message& m) {
  aipg::pb::identify::Identify msg;
  msg.set_protocolversion(m.protocol_version);
  msg.set_agentversion(m.agent_version);
  if (m.public_key) {
    Bytes k = m.public_key->to_protobuf();
    msg.set_publickey(k.data(), k.size());
  }
  for (const auto& a : m.listen_addrs) msg.add_listenaddrs(a.bytes().data(), a.bytes().size());
  if (m.observed_addr) {
    msg.set_observedaddr(m.observed_addr->bytes().data(), m.observed_addr->bytes().size());
  }
  for (const auto& p : m.protocols) msg.add_protocols(p);
  if (m.signed_peer_record) {
    msg.set_signedpeerrecord(m.signed_peer_record->data(), m.signed_peer_record->size());
  }
  Bytes out(msg.ByteSizeLong());
  msg.SerializeToArray(out.data(), int(out.size()));
  return out;
}

Result<Message> decode(BytesView pb) {
  if (pb.size() > kMaxMessageSize) {
    return make_error(Errc::too_large, "identify: message of " + std::to_string(pb.size()) +
                                           " bytes exceeds " + std::to_string(kMaxMessageSize));
  }
  aipg::pb::identify::Identify msg;
  if (!msg.ParseFromArray(pb.data(), int(pb.size()))) {
    return make_error(Errc::malformed, "identify: not a valid Identify protobuf");
  }
  if (msg.listenaddrs_size() > int(kMaxAddrs)) {
    return make_error(Errc::too_large,
                      "identify: more than " + std::to_string(kMaxAddrs) + " listen addresses");
  }
  if (msg.protocols_size() > int(kMaxProtocols)) {
    return make_error(Errc::too_large,
                      "identify: more than " + std::to_string(kMaxProtocols) + " protocols");
  }
  Message m;
  m.protocol_version = msg.protocolversion();
  m.agent_version = msg.agentversion();
  if (msg.has_publickey()) {
    AIPG_TRY_ASSIGN(m.public_key, wire::PublicKey::from_protobuf(as_bytes(msg.publickey())));
  }
  for (const auto& a : msg.listenaddrs()) {
    if (auto ma = wire::Multiaddr::from_bytes(as_bytes(a)))
      m.listen_addrs.push_back(std::move(*ma));
  }
  if (msg.has_observedaddr()) {
    if (auto ma = wire::Multiaddr::from_bytes(as_bytes(msg.observedaddr()))) {
      m.observed_addr = std::move(*ma);
    }
  }
  for (const auto& p : msg.protocols()) {
    if (p.size() > kMaxProtocolLength) {
      return make_error(Errc::too_large, "identify: a protocol id is over " +
                                             std::to_string(kMaxProtocolLength) + " bytes");
    }
    m.protocols.push_back(p);
  }
  if (msg.has_signedpeerrecord()) {
    const BytesView r = as_bytes(msg.signedpeerrecord());
    m.signed_peer_record = Bytes(r.begin(), r.end());
  }
  return m;
}

}  // namespace aipg::identify
