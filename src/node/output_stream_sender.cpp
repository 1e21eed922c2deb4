#include "node/output_stream_sender.hpp"

#include "base/log.hpp"

namespace aipg::node {

OutputStreamSender::OutputStreamSender(Host& host, size_t max_pending_bytes)
    : host_(host), max_pending_bytes_(max_pending_bytes) {}

OutputStreamSender::~OutputStreamSender() { *alive_ = false; }

void OutputStreamSender::begin(const grid::RunKey& key, const wire::PeerId& origin,
                               const std::vector<wire::Multiaddr>& addrs) {
  if (origin.multihash().empty() || origin == host_.peer_id()) return;
  if (!host_.is_connected(origin)) {
    for (const wire::Multiaddr& a : addrs) {
      host_.peer_store().add_addr(origin, a, host_.runtime().clock.now());
    }
  }
  Out& o = runs_[key];
  o.pending = grid::encode_stream_open(key.job_id, key.attempt, key.generation);
  host_.new_stream(origin, {grid::kOutputStreamProtocol},
                   [this, key, alive = alive_](Result<std::unique_ptr<Stream>> r) {
                     if (*alive) opened(key, std::move(r));
                   });
}

void OutputStreamSender::opened(const grid::RunKey& key, Result<std::unique_ptr<Stream>> r) {
  auto it = runs_.find(key);
  if (!r) {
    ++stats_.open_failed;
    log::debug("output stream for job {} not opened: {}", to_hex(as_bytes(key.job_id)),
               r.error().message);
    if (it != runs_.end()) runs_.erase(it);
    return;
  }
  if (it == runs_.end()) {  // aborted meanwhile
    (*r)->reset();
    retire(std::move(*r));
    return;
  }
  ++stats_.opened;
  Out& o = it->second;
  o.stream = std::move(*r);
  o.stream->set_on_closed([this, key, alive = alive_](Status) {
    if (!*alive) return;
    // The origin refused or went away: nothing more to send for this run.
    if (auto it = runs_.find(key); it != runs_.end()) {
      retire(std::move(it->second.stream));
      runs_.erase(it);
    }
  });
  o.stream->write(o.pending);
  o.pending = {};
  if (o.ended) {
    std::unique_ptr<Stream> s = std::move(o.stream);
    runs_.erase(it);
    close(std::move(s));
  }
}

void OutputStreamSender::piece(const grid::RunKey& key, std::string_view text) {
  auto it = runs_.find(key);
  if (it == runs_.end() || text.empty()) return;
  Out& o = it->second;
  ++stats_.pieces;
  stats_.bytes += text.size();
  const Bytes frames = grid::encode_stream_piece(text);
  if (o.stream) {
    o.stream->write(frames);
    return;
  }
  if (o.pending.size() + frames.size() > max_pending_bytes_) {
    // The origin is slow to reach: a gap would make the rest useless, so stop streaming.
    ++stats_.overflowed;
    runs_.erase(it);  // the open callback finds nothing and resets the stream
    return;
  }
  o.pending.insert(o.pending.end(), frames.begin(), frames.end());
}

void OutputStreamSender::end(const grid::RunKey& key) {
  auto it = runs_.find(key);
  if (it == runs_.end()) return;
  if (!it->second.stream) {
    it->second.ended = true;  // closed once open
    return;
  }
  std::unique_ptr<Stream> s = std::move(it->second.stream);
  runs_.erase(it);
  close(std::move(s));
}

void OutputStreamSender::abort(const grid::RunKey& key) {
  auto it = runs_.find(key);
  if (it == runs_.end()) return;
  std::unique_ptr<Stream> s = std::move(it->second.stream);
  runs_.erase(it);
  if (s) {
    s->reset();
    retire(std::move(s));
  }
}

// Half-closes and keeps the stream until the origin closes its side too (destroying an open
// stream would reset it and could lose the last pieces).
void OutputStreamSender::close(std::unique_ptr<Stream> s) {
  const uint64_t id = next_closing_++;
  s->set_on_closed([this, id, alive = alive_](Status) {
    if (!*alive) return;
    if (auto it = closing_.find(id); it != closing_.end()) {
      retire(std::move(it->second));
      closing_.erase(it);
    }
  });
  s->close_write();
  closing_[id] = std::move(s);
  if (closing_.size() > 64) {  // an origin that never closes its side must not pile them up
    auto oldest = closing_.begin();
    oldest->second->reset();
    retire(std::move(oldest->second));
    closing_.erase(oldest);
  }
}

void OutputStreamSender::retire(std::unique_ptr<Stream> s) {
  // We may be inside one of the stream's callbacks.
  runtime::destroy_later(host_.runtime().executor, std::move(s));
}

}  // namespace aipg::node
