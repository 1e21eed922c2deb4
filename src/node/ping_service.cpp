#include "node/ping_service.hpp"

#include "node/host.hpp"

namespace aipg::node {

struct PingService::Outgoing {
  Callback cb;
  std::unique_ptr<Stream> stream;
  ping::PingClient client;
  runtime::TimerId timer = runtime::kNoTimer;
};

PingService::PingService(Host& host) : host_(host), echo_(host.runtime().executor) {
  host_.set_handler(ping::kProtocolId,
                    [this](std::unique_ptr<Stream> s) { echo_.serve(std::move(s)); });
}

PingService::~PingService() {
  for (auto& [id, o] : outgoing_) {
    if (o->timer != runtime::kNoTimer) host_.runtime().timers.cancel(o->timer);
  }
}

void PingService::ping(const wire::PeerId& peer, Callback cb, Duration timeout) {
  const uint64_t id = next_id_++;
  auto o = std::make_unique<Outgoing>();
  o->cb = std::move(cb);
  o->timer = host_.runtime().timers.schedule_at(host_.runtime().clock.now() + timeout, [this, id] {
    auto it = outgoing_.find(id);
    if (it != outgoing_.end()) it->second->timer = runtime::kNoTimer;
    finish(id, make_error(Errc::timeout, "ping: no answer in time"));
  });
  outgoing_.emplace(id, std::move(o));
  host_.new_stream(peer, {ping::kProtocolId}, [this, id](Result<std::unique_ptr<Stream>> r) {
    auto it = outgoing_.find(id);
    if (it == outgoing_.end()) return;  // timed out already; the stream is dropped (reset)
    if (!r) {
      finish(id, std::move(r).error());
      return;
    }
    Outgoing& o = *it->second;
    o.stream = std::move(*r);
    Stream* s = o.stream.get();
    s->set_on_closed([this, id](Status st) {
      finish(id, st ? make_error(Errc::closed, "ping: stream closed before the echo")
                    : std::move(st).error());
    });
    s->set_on_data([this, id](BytesView d) {
      auto it = outgoing_.find(id);
      if (it == outgoing_.end()) return;
      auto rtts = it->second->client.on_bytes(d, host_.runtime().clock.now());
      if (!rtts) {
        finish(id, std::move(rtts).error());
      } else if (!rtts->empty()) {
        finish(id, rtts->front());
      }
    });
    std::array<uint8_t, ping::kPayloadSize> payload;
    host_.runtime().rng.fill(MutBytesView(payload.data(), payload.size()));
    s->write(o.client.start(payload, host_.runtime().clock.now()));
  });
}

void PingService::finish(uint64_t id, Result<Duration> r) {
  auto it = outgoing_.find(id);
  if (it == outgoing_.end()) return;
  std::unique_ptr<Outgoing> o = std::move(it->second);
  outgoing_.erase(it);
  if (o->timer != runtime::kNoTimer) host_.runtime().timers.cancel(o->timer);
  if (o->stream) {
    o->stream->close_write();
    retire(std::move(o->stream));
  }
  o->cb(std::move(r));
}

void PingService::retire(std::unique_ptr<Stream> s) {
  // We may be inside one of the stream's callbacks: destroy it after they return.
  runtime::destroy_later(host_.runtime().executor, std::move(s));
}

}  // namespace aipg::node
