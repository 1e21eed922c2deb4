#include "node/identify_service.hpp"

#include "base/log.hpp"
#include "node/host.hpp"
#include "wire/varint.hpp"

namespace aipg::node {

IdentifyService::IdentifyService(Host& host) : host_(host) {
  host_.set_handler(identify::kProtocolId,
                    [this](std::unique_ptr<Stream> s) { serve(std::move(s)); });
  host_.set_handler(identify::kPushProtocolId,
                    [this](std::unique_ptr<Stream> s) { read_message(std::move(s), true); });
}

const Bytes& IdentifyService::our_record() {
  std::vector<wire::Multiaddr> addrs = host_.listen_addrs();
  if (record_.empty() || addrs != record_addrs_) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        host_.runtime().clock.wall_now().time_since_epoch());
    record_seq_ = std::max(record_seq_ + 1, uint64_t(std::max<int64_t>(ms.count(), 0)));
    record_addrs_ = std::move(addrs);
    record_ =
        wire::seal_peer_record(host_.identity(), {host_.peer_id(), record_seq_, record_addrs_});
  }
  return record_;
}

identify::Message IdentifyService::our_message(const wire::Multiaddr& observed) {
  identify::Message m;
  m.protocol_version = identify::kProtocolVersion;
  m.agent_version = host_.config_.agent_version;
  m.public_key = host_.identity().public_key();
  m.listen_addrs = host_.listen_addrs();
  m.observed_addr = observed;
  m.protocols = host_.protocols();
  m.signed_peer_record = our_record();
  return m;
}

void IdentifyService::serve(std::unique_ptr<Stream> s) {
  Stream* raw = s.get();
  Bytes frame;
  wire::put_uvarint_frame(frame, identify::encode(our_message(raw->remote_addr())));
  raw->set_on_closed([this, raw](Status) { retire(raw); });
  raw->set_on_data([](BytesView) {});  // the requester sends nothing; ignore it if it does
  active_.emplace(raw, std::move(s));
  raw->write(frame);
  raw->close_write();
}

void IdentifyService::on_connected(Connection& c) {
  c.open_stream({identify::kProtocolId}, [this](Result<std::unique_ptr<Stream>> r) {
    if (!r) {
      log::debug("identify request failed: {}", r.error().to_string());
      return;
    }
    read_message(std::move(*r), false);
  });
}

void IdentifyService::read_message(std::unique_ptr<Stream> s, bool push) {
  Stream* raw = s.get();
  auto buf = std::make_shared<Bytes>();
  raw->set_on_closed([this, raw](Status) { retire(raw); });
  raw->set_on_eof([this, raw, buf] {
    auto frame = wire::read_uvarint_frame(*buf, identify::kMaxMessageSize);
    Status bad = ok();
    if (!frame) {
      bad = std::move(frame).error();
    } else if (!*frame) {
      bad = make_error(Errc::malformed, "identify: stream ended inside the message");
    } else {
      auto m = identify::decode((*frame)->payload);
      if (m) {
        record(raw->remote_peer(), std::move(*m));
      } else {
        bad = std::move(m).error();
      }
    }
    if (!bad) {
      ++rejected_;
      log::info("identify from {} rejected: {}", raw->remote_peer().to_base58(),
                bad.error().to_string());
    }
    raw->close_write();
  });
  raw->set_on_data([this, raw, buf](BytesView d) {
    if (buf->size() + d.size() > identify::kMaxMessageSize + wire::kMaxVarintBytes) {
      ++rejected_;
      log::info("identify from {} rejected: over {} bytes", raw->remote_peer().to_base58(),
                identify::kMaxMessageSize);
      raw->reset();
      retire(raw);
      return;
    }
    append(*buf, d);
  });
  (void)push;
  active_.emplace(raw, std::move(s));
}

void IdentifyService::record(const wire::PeerId& peer, identify::Message m) {
  if (m.public_key && !peer.matches(*m.public_key)) {
    ++rejected_;
    log::info("identify from {} rejected: its public key is not the connection's",
              peer.to_base58());
    return;
  }
  ++received_;
  PeerInfo info;
  info.addrs = std::move(m.listen_addrs);
  info.protocols = std::move(m.protocols);
  info.agent_version = std::move(m.agent_version);
  info.protocol_version = std::move(m.protocol_version);
  info.public_key = std::move(m.public_key);
  info.observed_addr = std::move(m.observed_addr);
  if (m.signed_peer_record) {
    auto r = wire::open_peer_record(*m.signed_peer_record);
    if (r && r->peer_id == peer) {
      info.certified_addrs = std::move(r->addrs);
      info.record_seq = r->seq;
      info.signed_record = *m.signed_peer_record;
    } else {
      ++records_rejected_;
      log::info("identify from {}: signed peer record ignored: {}", peer.to_base58(),
                r ? "it is another peer's" : r.error().message);
    }
  }
  host_.peer_store().set_identify(peer, std::move(info), host_.runtime().clock.now());
  if (const PeerInfo* stored = host_.peer_store().find(peer))
    host_.notify_identified(peer, *stored);
}

void IdentifyService::retire(Stream* s) {
  auto it = active_.find(s);
  if (it == active_.end()) return;
  // We may be inside one of the stream's own callbacks.
  std::unique_ptr<Stream> doomed = std::move(it->second);
  active_.erase(it);
  runtime::destroy_later(host_.runtime().executor, std::move(doomed));
}

}  // namespace aipg::node
