#include "wire/peer_record.hpp"

#include "envelope.pb.h"
#include "wire/varint.hpp"

namespace aipg::wire {
namespace {

// What the signature covers (RFC 0002): each part prefixed with its length as a uvarint.
Bytes signed_bytes(BytesView payload_type, BytesView payload) {
  Bytes out;
  put_uvarint_frame(out, as_bytes(kPeerRecordDomain));
  put_uvarint_frame(out, payload_type);
  put_uvarint_frame(out, payload);
  return out;
}

Error bad(const std::string& why, Errc code = Errc::malformed) {
  return make_error(code, "signed peer record: " + why);
}

}  // namespace

Bytes seal_peer_record(const KeyPair& key, const PeerRecord& record) {
  pb::record::PeerRecord r;
  r.set_peer_id(std::string(as_chars(record.peer_id.multihash())));
  r.set_seq(record.seq);
  for (const Multiaddr& a : record.addrs) {
    r.add_addresses()->set_multiaddr(std::string(as_chars(a.bytes())));
  }
  const std::string payload = r.SerializeAsString();
  const Ed25519Signature sig = key.sign(signed_bytes(kPeerRecordPayloadType, as_bytes(payload)));
  pb::record::Envelope e;
  const Bytes pk = key.public_key().to_protobuf();
  e.set_public_key(std::string(as_chars(pk)));
  e.set_payload_type(std::string(as_chars(kPeerRecordPayloadType)));
  e.set_payload(payload);
  e.set_signature(std::string(as_chars(BytesView(sig.data(), sig.size()))));
  const std::string out = e.SerializeAsString();
  return Bytes(out.begin(), out.end());
}

Result<PeerRecord> open_peer_record(BytesView envelope) {
  pb::record::Envelope e;
  if (!e.ParseFromArray(envelope.data(), static_cast<int>(envelope.size()))) {
    return bad("the envelope does not parse");
  }
  auto key = PublicKey::from_protobuf(as_bytes(e.public_key()));
  if (!key) return bad("public_key: " + key.error().message, key.error().code);
  if (e.payload_type() != as_chars(kPeerRecordPayloadType)) {
    return bad("payload_type is not a peer record's (0x0301)", Errc::unsupported);
  }
  if (!key->verify(signed_bytes(as_bytes(e.payload_type()), as_bytes(e.payload())),
                   as_bytes(e.signature()))) {
    return bad("the signature does not verify", Errc::auth_failed);
  }
  pb::record::PeerRecord r;
  if (!r.ParseFromString(e.payload())) return bad("the record does not parse");
  auto id = PeerId::from_multihash(as_bytes(r.peer_id()));
  if (!id) return bad("peer_id: " + id.error().message);
  if (!id->matches(*key)) {
    return bad("peer_id " + id->to_base58() + " is not the signer's", Errc::auth_failed);
  }
  PeerRecord out{*id, r.seq(), {}};
  for (int i = 0; i < r.addresses_size(); ++i) {
    auto a = Multiaddr::from_bytes(as_bytes(r.addresses(i).multiaddr()));
    if (!a) return bad("addresses[" + std::to_string(i) + "]: " + a.error().message);
    out.addrs.push_back(std::move(*a));
  }
  return out;
}

}  // namespace aipg::wire
