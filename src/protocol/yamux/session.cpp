#include "protocol/yamux/session.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <limits>

namespace aipg::yamux {
namespace {

std::string sid(uint32_t id) { return "stream " + std::to_string(id); }

}  // namespace

Session::Session(Role role, Config cfg, Instant now)
    : role_(role), cfg_(cfg), now_(now), next_outbound_id_(role == Role::kClient ? 1 : 2) {
  assert(cfg_.validate());
  // Most sessions move little data; the buffer grows geometrically when one does not.
  out_.reserve(4096);
  if (cfg_.keepalive_interval > Duration::zero()) next_keepalive_ = now + cfg_.keepalive_interval;
  if (cfg_.measure_rtt) send_ping(now);
}

// ---------------------------------------------------------------------------------------------
// Input

Status Session::on_bytes(BytesView in, Instant now) {
  if (dead_) return make_error(Errc::closed, "yamux: session is closed");
  now_ = now;
  const uint8_t* p = in.data();
  size_t left = in.size();
  while (left > 0) {
    if (body_left_ > 0) {
      // Data is handed on as it arrives rather than after the whole frame: a 256 KiB frame
      // split over several Noise messages needs no reassembly buffer.
      size_t n = std::min<size_t>(body_left_, left);
      deliver(BytesView(p, n));
      p += n;
      left -= n;
      body_left_ -= static_cast<uint32_t>(n);
      if (body_left_ == 0) finish_data_frame();
      continue;
    }
    const uint8_t* hp;
    if (hdr_len_ == 0 && left >= kHeaderSize) {
      hp = p;  // the common case: parse in place
      p += kHeaderSize;
      left -= kHeaderSize;
    } else {
      size_t n = std::min(kHeaderSize - hdr_len_, left);
      std::memcpy(hdr_buf_ + hdr_len_, p, n);
      hdr_len_ += n;
      p += n;
      left -= n;
      if (hdr_len_ < kHeaderSize) break;
      hdr_len_ = 0;
      hp = hdr_buf_;
    }
    auto h = parse_header(BytesView(hp, kHeaderSize));
    if (!h) return fail(h.error().code, h.error().message);
    AIPG_TRY(handle_header(*h));
  }
  return ok();
}

Status Session::handle_header(const Header& h) {
  switch (h.type) {
    case FrameType::kPing:
      if (h.stream_id != 0) {
        return fail(Errc::protocol_violation, "yamux: Ping on " + sid(h.stream_id));
      }
      handle_ping(h);
      return ok();
    case FrameType::kGoAway:
      if (h.stream_id != 0) {
        return fail(Errc::protocol_violation, "yamux: GoAway on " + sid(h.stream_id));
      }
      remote_goaway_ = true;
      events_.push_back(Event{.kind = Event::Kind::kGoAway, .code = GoAwayCode(h.length)});
      return ok();
    case FrameType::kData:
    case FrameType::kWindowUpdate:
      return handle_stream_frame(h);
  }
  return ok();
}

void Session::handle_ping(const Header& h) {
  if (h.has(flags::kSyn)) {
    send_frame(FrameType::kPing, flags::kAck, 0, h.length);
  } else if (h.has(flags::kAck)) {
    auto it = std::find_if(pings_.begin(), pings_.end(),
                           [&](const OutstandingPing& op) { return op.opaque == h.length; });
    if (it == pings_.end()) return;  // not ours, or already timed out: nothing to measure
    rtt_ = now_ - it->sent_at;
    pings_.erase(it);
    events_.push_back(Event{.kind = Event::Kind::kPingRtt, .rtt = *rtt_});
  }
}

Status Session::handle_stream_frame(const Header& h) {
  const uint32_t id = h.stream_id;
  const char* type = frame_type_name(h.type);
  if (id == 0)
    return fail(Errc::protocol_violation, std::string("yamux: ") + type + " on stream 0");
  cur_ = h;
  Stream* s = nullptr;
  if (h.has(flags::kSyn)) {
    if (!is_remote_id(id)) {
      return fail(Errc::protocol_violation,
                  "yamux: SYN for " + sid(id) + ", which has our parity (wrong stream id parity)");
    }
    if (streams_.count(id) != 0) {
      return fail(Errc::protocol_violation, "yamux: SYN for " + sid(id) + ", which is open");
    }
    // Ids need not arrive in order (an implementation that sends SYN lazily with the first data
    // may reorder them), so only a SYN for a live stream is refused as a duplicate.
    max_inbound_id_ = std::max(max_inbound_id_, id);
    if (h.has(flags::kRst)) {
      // Opened and reset in one frame: there is nothing to keep.
    } else if (local_goaway_ || remote_goaway_ || inbound_count_ >= cfg_.max_inbound_streams) {
      // "reply ... with the RST flag to reject the stream"; the session itself is fine.
      send_frame(FrameType::kWindowUpdate, flags::kRst, id, 0);
    } else {
      auto [it, _] = streams_.emplace(
          id, Stream{.handshake = Handshake::kSynReceived,
                     .inbound = true,
                     .send_window = kSpecInitialWindow,
                     .recv_window = kSpecInitialWindow,
                     .recv_window_max = cfg_.initial_stream_window,
                     // A larger initial window is granted with our ACK.
                     .pending_credit = cfg_.initial_stream_window - kSpecInitialWindow,
                     .last_update_at = now_});
      s = &it->second;
      ++inbound_count_;
      pending_acks_.push_back(id);
      events_.push_back(Event{.kind = Event::Kind::kStreamOpened, .stream_id = id});
    }
  } else {
    s = find(id);
    if (s == nullptr && !was_opened(id)) {
      return fail(Errc::protocol_violation,
                  std::string("yamux: ") + type + " for " + sid(id) + ", which was never opened");
    }
    // Otherwise s == nullptr means a stream we reset or closed: "data after RST" is ignored.
  }

  if (s != nullptr) {
    if (h.has(flags::kRst)) {
      on_remote_rst(id);
      s = nullptr;
    } else {
      // An ACK accepts our stream; any other frame from the peer on it shows it did too.
      if (s->handshake == Handshake::kSynSent) mark_established(*s);
      if (h.type == FrameType::kWindowUpdate) {
        uint64_t w = uint64_t(s->send_window) + h.length;
        if (w > std::numeric_limits<uint32_t>::max()) {
          return fail(Errc::protocol_violation,
                      "yamux: window update overflows the send window of " + sid(id));
        }
        s->send_window = static_cast<uint32_t>(w);
        if (s->want_writable && s->send_window > 0) {
          s->want_writable = false;
          events_.push_back(Event{.kind = Event::Kind::kWritable, .stream_id = id});
        }
      } else {
        if (h.length > 0 && s->state == StreamState::kRemoteClosed) {
          return fail(Errc::protocol_violation, "yamux: data after FIN on " + sid(id));
        }
        if (h.length > s->recv_window) {
          return fail(Errc::protocol_violation, "yamux: " + std::to_string(h.length) +
                                                    " bytes of data exceed the receive "
                                                    "window of " +
                                                    std::to_string(s->recv_window) + " on " +
                                                    sid(id));
        }
        s->recv_window -= h.length;
      }
    }
  }

  if (h.type == FrameType::kData) {
    // The body follows, for the stream or (stream gone) to be skipped; FIN applies after it.
    body_left_ = h.length;
    if (body_left_ == 0) finish_data_frame();
  } else if (s != nullptr && h.has(flags::kFin)) {
    on_remote_fin(id, *s);
  }
  return ok();
}

void Session::deliver(BytesView chunk) {
  const uint32_t id = cur_.stream_id;
  Stream* s = find(id);
  if (s == nullptr) return;  // refused, reset by either side meanwhile, or long gone
  s->unconsumed += chunk.size();
  // Frames that arrive together for one stream become one event: fewer, larger reads.
  if (!events_.empty() && events_.back().kind == Event::Kind::kData &&
      events_.back().stream_id == id) {
    append(events_.back().data, chunk);
    return;
  }
  events_.push_back(Event{
      .kind = Event::Kind::kData, .stream_id = id, .data = Bytes(chunk.begin(), chunk.end())});
}

void Session::finish_data_frame() {
  if (!cur_.has(flags::kFin) || cur_.has(flags::kRst)) return;
  if (Stream* s = find(cur_.stream_id)) on_remote_fin(cur_.stream_id, *s);
}

void Session::on_remote_fin(uint32_t id, Stream& s) {
  if (s.state == StreamState::kRemoteClosed) return;  // a repeated FIN changes nothing
  events_.push_back(Event{.kind = Event::Kind::kRemoteClosed, .stream_id = id});
  if (s.state == StreamState::kLocalClosed) {
    remove(id);  // "Once both sides have closed the connection, the stream is closed."
  } else {
    s.state = StreamState::kRemoteClosed;
  }
}

void Session::on_remote_rst(uint32_t id) {
  events_.push_back(Event{.kind = Event::Kind::kReset, .stream_id = id});
  remove(id);
}

// ---------------------------------------------------------------------------------------------
// Application calls

Result<uint32_t> Session::open_stream(Instant now) {
  if (dead_) return make_error(Errc::closed, "yamux: session is closed");
  now_ = now;
  if (local_goaway_ || remote_goaway_) {
    return make_error(Errc::closed, "yamux: go away was sent or received; no new streams");
  }
  if (outbound_count_ >= cfg_.max_outbound_streams) {
    return make_error(Errc::resource_limit, "yamux: max_outbound_streams (" +
                                                std::to_string(cfg_.max_outbound_streams) +
                                                ") streams are open");
  }
  if (ack_backlog_ >= cfg_.max_ack_backlog) {
    return make_error(Errc::resource_limit, "yamux: " + std::to_string(ack_backlog_) +
                                                " opened streams are not acknowledged yet");
  }
  if (next_outbound_id_ > std::numeric_limits<uint32_t>::max()) {
    return make_error(Errc::resource_limit, "yamux: stream ids are exhausted");
  }
  const auto id = static_cast<uint32_t>(next_outbound_id_);
  next_outbound_id_ += 2;
  streams_.emplace(id, Stream{.handshake = Handshake::kSynSent,
                              .inbound = false,
                              .send_window = kSpecInitialWindow,
                              .recv_window = cfg_.initial_stream_window,
                              .recv_window_max = cfg_.initial_stream_window,
                              .last_update_at = now});
  ++outbound_count_;
  ++ack_backlog_;
  if (cfg_.stream_open_timeout > Duration::zero()) {
    open_deadlines_.emplace_back(now + cfg_.stream_open_timeout, id);
  }
  // The SYN goes out now rather than with the first data so that ids reach the peer in order.
  send_frame(FrameType::kWindowUpdate, flags::kSyn, id,
             cfg_.initial_stream_window - kSpecInitialWindow);
  return id;
}

Result<size_t> Session::write(uint32_t id, BytesView data) {
  if (dead_) return make_error(Errc::closed, "yamux: session is closed");
  Stream* s = find(id);
  if (s == nullptr) return make_error(Errc::closed, "yamux: " + sid(id) + " is not open");
  if (s->state == StreamState::kLocalClosed) {
    return make_error(Errc::closed, "yamux: write after close_write on " + sid(id));
  }
  const size_t n = std::min<size_t>(data.size(), s->send_window);
  if (n < data.size()) s->want_writable = true;
  if (n == 0) return size_t{0};
  uint16_t f = 0;
  if (s->handshake == Handshake::kSynReceived) {
    if (cfg_.initial_stream_window > kSpecInitialWindow) {
      send_ack(id, *s, 0);  // a larger initial window needs a window update to announce it
    } else {
      f = take_handshake_flags(*s);
    }
  }
  const size_t frames = (n + cfg_.max_frame_size - 1) / cfg_.max_frame_size;
  const size_t need = out_.size() + n + frames * kHeaderSize;
  // Reserve geometrically: an exact reserve per write would reallocate on every call.
  if (out_.capacity() < need) out_.reserve(std::max(need, out_.capacity() * 2));
  const uint8_t* p = data.data();
  size_t left = n;
  while (left > 0) {
    const auto chunk = static_cast<uint32_t>(std::min<size_t>(left, cfg_.max_frame_size));
    send_frame(FrameType::kData, f, id, chunk);
    out_.insert(out_.end(), p, p + chunk);
    f = 0;
    p += chunk;
    left -= chunk;
  }
  s->send_window -= static_cast<uint32_t>(n);
  return n;
}

Status Session::close_write(uint32_t id) {
  if (dead_) return make_error(Errc::closed, "yamux: session is closed");
  Stream* s = find(id);
  if (s == nullptr) return make_error(Errc::closed, "yamux: " + sid(id) + " is not open");
  if (s->state == StreamState::kLocalClosed) {
    return make_error(Errc::closed, "yamux: close_write twice on " + sid(id));
  }
  send_ack(id, *s, flags::kFin);
  if (s->state == StreamState::kRemoteClosed) {
    remove(id);
  } else {
    s->state = StreamState::kLocalClosed;
  }
  return ok();
}

void Session::reset(uint32_t id) {
  if (dead_ || find(id) == nullptr) return;
  send_frame(FrameType::kWindowUpdate, flags::kRst, id, 0);
  remove(id);
}

void Session::consume(uint32_t id, size_t n, Instant now) {
  if (dead_) return;
  now_ = now;
  Stream* s = find(id);
  if (s == nullptr) return;
  n = std::min<uint64_t>(n, s->unconsumed);
  s->unconsumed -= n;
  // After the peer's FIN no data can come, so a window update would be wasted.
  if (s->state == StreamState::kRemoteClosed) return;
  s->pending_credit += static_cast<uint32_t>(n);
  maybe_send_window_update(id, *s);
}

void Session::ping(Instant now) {
  if (dead_) return;
  now_ = now;
  send_ping(now);
}

void Session::go_away(GoAwayCode code) {
  if (dead_ || local_goaway_) return;
  local_goaway_ = true;
  send_frame(FrameType::kGoAway, 0, 0, static_cast<uint32_t>(code));
}

std::optional<Event> Session::poll_event() {
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void Session::take_output(Bytes& out) {
  // Inbound streams the application has not written to yet are acknowledged here, so an ACK
  // rides on the application's first frame when it answers at once and costs a frame otherwise.
  for (uint32_t id : pending_acks_) {
    Stream* s = find(id);
    if (s != nullptr && s->handshake == Handshake::kSynReceived) send_ack(id, *s, 0);
  }
  pending_acks_.clear();
  if (out.empty()) {
    out.swap(out_);
  } else {
    out.insert(out.end(), out_.begin(), out_.end());
  }
  out_.clear();
}

// ---------------------------------------------------------------------------------------------
// Timers

Instant Session::next_deadline() const {
  if (dead_) return kNever;
  Instant d = kNever;
  if (cfg_.keepalive_interval > Duration::zero()) d = std::min(d, next_keepalive_);
  if (cfg_.ping_timeout > Duration::zero() && !pings_.empty()) {
    d = std::min(d, pings_.front().sent_at + cfg_.ping_timeout);
  }
  if (!open_deadlines_.empty()) d = std::min(d, open_deadlines_.front().first);
  return d;
}

void Session::on_timeout(Instant now) {
  if (dead_) return;
  now_ = now;
  if (cfg_.ping_timeout > Duration::zero() && !pings_.empty() &&
      now >= pings_.front().sent_at + cfg_.ping_timeout) {
    // The connection (or the peer) is gone; a Go Away would not arrive either.
    die("yamux: ping timeout");
    return;
  }
  if (cfg_.keepalive_interval > Duration::zero() && now >= next_keepalive_) {
    if (pings_.empty()) send_ping(now);  // a ping in flight already proves liveness
    next_keepalive_ = now + cfg_.keepalive_interval;
  }
  while (!open_deadlines_.empty() && open_deadlines_.front().first <= now) {
    const uint32_t id = open_deadlines_.front().second;
    open_deadlines_.pop_front();
    Stream* s = find(id);
    if (s == nullptr || s->handshake != Handshake::kSynSent) continue;
    send_frame(FrameType::kWindowUpdate, flags::kRst, id, 0);
    events_.push_back(Event{.kind = Event::Kind::kReset, .stream_id = id});
    remove(id);
  }
}

std::optional<StreamInfo> Session::stream_info(uint32_t id) const {
  auto it = streams_.find(id);
  if (it == streams_.end()) return std::nullopt;
  const Stream& s = it->second;
  return StreamInfo{s.handshake,   s.state,           s.inbound,   s.send_window,
                    s.recv_window, s.recv_window_max, s.unconsumed};
}

// ---------------------------------------------------------------------------------------------
// Helpers

Session::Stream* Session::find(uint32_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : &it->second;
}

bool Session::was_opened(uint32_t id) const {
  return is_remote_id(id) ? id <= max_inbound_id_ : id < next_outbound_id_;
}

void Session::mark_established(Stream& s) {
  s.handshake = Handshake::kEstablished;
  --ack_backlog_;
  prune_open_deadlines();
}

void Session::remove(uint32_t id) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  if (it->second.inbound) {
    --inbound_count_;
  } else {
    --outbound_count_;
    if (it->second.handshake == Handshake::kSynSent) --ack_backlog_;
  }
  streams_.erase(it);
  prune_open_deadlines();
}

void Session::prune_open_deadlines() {
  while (!open_deadlines_.empty()) {
    const Stream* s = find(open_deadlines_.front().second);
    if (s != nullptr && s->handshake == Handshake::kSynSent) break;
    open_deadlines_.pop_front();
  }
}

uint16_t Session::take_handshake_flags(Stream& s) {
  if (s.handshake != Handshake::kSynReceived) return 0;
  s.handshake = Handshake::kEstablished;
  return flags::kAck;
}

void Session::send_ack(uint32_t id, Stream& s, uint16_t extra_flags) {
  const uint16_t f = extra_flags | take_handshake_flags(s);
  uint32_t delta = 0;
  if ((f & flags::kAck) != 0) {
    // Whatever credit is pending (a larger initial window) goes out with the ACK.
    delta = s.pending_credit;
    s.pending_credit = 0;
    s.recv_window += delta;
  }
  send_frame(FrameType::kWindowUpdate, f, id, delta);
}

void Session::maybe_send_window_update(uint32_t id, Stream& s) {
  // Updates of at least half the window keep the sender busy with few frames.
  if (s.pending_credit < s.recv_window_max / 2) return;
  uint32_t delta = s.pending_credit;
  // Auto-tuning: half a window consumed within a few RTTs means the window, not the reader,
  // limits this stream, so double it (bounded by max_stream_window). A slow reader never
  // consumes that fast and keeps the small window, which bounds its buffered data.
  if (rtt_ && s.recv_window_max < cfg_.max_stream_window &&
      now_ - s.last_update_at < *rtt_ * cfg_.window_growth_rtts) {
    const auto grown = static_cast<uint32_t>(
        std::min<uint64_t>(uint64_t(s.recv_window_max) * 2, cfg_.max_stream_window));
    delta += grown - s.recv_window_max;
    s.recv_window_max = grown;
  }
  const uint16_t f = take_handshake_flags(s);
  s.pending_credit = 0;
  s.recv_window += delta;
  s.last_update_at = now_;
  send_frame(FrameType::kWindowUpdate, f, id, delta);
}

void Session::send_frame(FrameType t, uint16_t f, uint32_t id, uint32_t length) {
  append_header(out_, Header{.type = t, .flags = f, .stream_id = id, .length = length});
}

void Session::send_ping(Instant now) {
  if (pings_.size() >= cfg_.max_outstanding_pings) return;
  const uint32_t opaque = next_ping_opaque_++;
  pings_.push_back(OutstandingPing{opaque, now});
  send_frame(FrameType::kPing, flags::kSyn, 0, opaque);
}

Status Session::fail(Errc code, std::string message) {
  send_frame(FrameType::kGoAway, 0, 0, static_cast<uint32_t>(GoAwayCode::kProtocolError));
  die(message);
  return make_error(code, std::move(message));
}

void Session::die(const std::string& reason) {
  if (dead_) return;
  dead_ = true;
  std::vector<uint32_t> ids;
  ids.reserve(streams_.size());
  for (const auto& [id, _] : streams_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());  // a stable order for the application and for tests
  for (uint32_t id : ids) events_.push_back(Event{.kind = Event::Kind::kReset, .stream_id = id});
  streams_.clear();
  inbound_count_ = outbound_count_ = ack_backlog_ = 0;
  open_deadlines_.clear();
  pending_acks_.clear();
  pings_.clear();
  body_left_ = 0;
  hdr_len_ = 0;
  events_.push_back(Event{.kind = Event::Kind::kSessionClosed, .reason = reason});
}

}  // namespace aipg::yamux
