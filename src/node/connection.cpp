#include "node/connection.hpp"

#include <algorithm>

#include "base/log.hpp"

namespace aipg::node {
namespace {

// Stop taking stream writes while this much is queued on the socket: per-stream yamux windows
// bound each stream, this bounds the connection as a whole.
constexpr size_t kMaxQueuedOnSocket = 8 << 20;

uint64_t next_connection_id() {
  static uint64_t id = 0;
  return ++id;
}

}  // namespace

Connection::Connection(ConnectionOwner& owner, runtime::Runtime& rt,
                       std::unique_ptr<runtime::ByteStream> io, Params params)
    : owner_(owner),
      rt_(rt),
      io_(std::move(io)),
      params_(std::move(params)),
      id_(next_connection_id()) {}

Connection::~Connection() {
  *alive_ = false;
  if (timer_ != runtime::kNoTimer) rt_.timers.cancel(timer_);
  // Streams that outlive us must not call back into a dead connection.
  for (auto& [id, slot] : slots_) {
    if (slot.stream) slot.stream->conn_ = nullptr;
  }
}

void Connection::start() {
  const Instant t = now();
  last_stream_activity_ = t;
  handshake_deadline_ = t + params_.config.handshake_timeout;
  io_->start(this);
  if (params_.direction == Direction::kOutbound) {
    sec_dialer_ = std::make_unique<multistream::Dialer>(std::vector<std::string>{kNoiseProtocol});
    Bytes out;
    sec_dialer_->take_output(out);
    send_raw(std::move(out));
  } else {
    sec_listener_ = std::make_unique<multistream::Listener>(
        [](const std::string& p) { return p == kNoiseProtocol; });
  }
  arm_timer();
}

// ---- inbound bytes -------------------------------------------------------------------------

void Connection::on_data(BytesView data) {
  if (state_ == State::kClosed) return;
  auto alive = alive_;
  Status s = feed(data);
  if (!*alive) return;
  if (!s) {
    fail(std::move(s).error());
    return;
  }
  flush();
  arm_timer();
}

Status Connection::feed(BytesView data) {
  switch (state_) {
    case State::kSecurityNegotiation:
      return feed_security(data);
    case State::kHandshake:
      return feed_handshake(data);
    case State::kMuxerNegotiation:
    case State::kOpen:
      // No re-entry is possible here (socket callbacks come only from the event loop), so the
      // scratch buffer can be decrypted into and fed on directly.
      plain_in_.clear();
      AIPG_TRY(transport_->decrypt(data, plain_in_));
      return plain_in_.empty() ? ok() : feed_plaintext(plain_in_);
    case State::kClosed:
      return ok();
  }
  return ok();
}

Status Connection::feed_security(BytesView data) {
  Bytes out;
  bool done;
  Bytes leftover;
  if (sec_dialer_) {
    AIPG_TRY(sec_dialer_->on_bytes(data));
    sec_dialer_->take_output(out);
    done = sec_dialer_->done();
    if (done) leftover = sec_dialer_->take_leftover();
  } else {
    AIPG_TRY(sec_listener_->on_bytes(data));
    sec_listener_->take_output(out);
    done = sec_listener_->done();
    if (done) leftover = sec_listener_->take_leftover();
  }
  send_raw(std::move(out));
  if (!done) return ok();
  sec_dialer_.reset();
  sec_listener_.reset();
  return start_handshake(std::move(leftover));
}

Status Connection::start_handshake(Bytes leftover) {
  state_ = State::kHandshake;
  noise::HandshakeParams hp;
  hp.identity = params_.identity;
  hp.static_secret = params_.noise_static_secret;
  rt_.rng.fill(MutBytesView(hp.ephemeral_secret.data(), hp.ephemeral_secret.size()));
  hp.expected_remote = params_.expected_remote;
  const bool initiator = params_.direction == Direction::kOutbound;
  handshake_ = std::make_unique<noise::Handshake>(
      initiator ? noise::Role::kInitiator : noise::Role::kResponder, std::move(hp));
  if (initiator) AIPG_TRY(handshake_->start());
  Bytes out;
  handshake_->take_output(out);
  send_raw(std::move(out));
  if (!leftover.empty()) return feed_handshake(leftover);
  return ok();
}

Status Connection::feed_handshake(BytesView data) {
  AIPG_TRY(handshake_->on_bytes(data));
  Bytes out;
  handshake_->take_output(out);
  send_raw(std::move(out));
  if (!handshake_->done()) return ok();
  AIPG_TRY_ASSIGN(noise::HandshakeResult r, handshake_->finish());
  handshake_.reset();
  remote_ = std::move(r.remote);
  remote_key_ = std::move(r.remote_key);
  transport_.emplace(std::move(r.transport));
  state_ = State::kMuxerNegotiation;
  if (params_.direction == Direction::kOutbound) {
    mux_dialer_ = std::make_unique<multistream::Dialer>(std::vector<std::string>{kYamuxProtocol});
    mux_dialer_->take_output(plain_out_);
  } else {
    mux_listener_ = std::make_unique<multistream::Listener>(
        [](const std::string& p) { return p == kYamuxProtocol; });
  }
  if (!r.leftover.empty()) {
    Bytes plain;
    AIPG_TRY(transport_->decrypt(r.leftover, plain));
    if (!plain.empty()) return feed_plaintext(plain);
  }
  return ok();
}

Status Connection::feed_plaintext(BytesView plain) {
  if (state_ == State::kMuxerNegotiation) return feed_muxer_negotiation(plain);
  return feed_yamux(plain);
}

Status Connection::feed_muxer_negotiation(BytesView plain) {
  bool done;
  Bytes leftover;
  if (mux_dialer_) {
    AIPG_TRY(mux_dialer_->on_bytes(plain));
    mux_dialer_->take_output(plain_out_);
    done = mux_dialer_->done();
    if (done) leftover = mux_dialer_->take_leftover();
  } else {
    AIPG_TRY(mux_listener_->on_bytes(plain));
    mux_listener_->take_output(plain_out_);
    done = mux_listener_->done();
    if (done) leftover = mux_listener_->take_leftover();
  }
  if (!done) return ok();
  mux_dialer_.reset();
  mux_listener_.reset();
  return start_yamux(std::move(leftover));
}

Status Connection::start_yamux(Bytes leftover) {
  const bool client = params_.direction == Direction::kOutbound;
  yamux_ = std::make_unique<yamux::Session>(client ? yamux::Role::kClient : yamux::Role::kServer,
                                            params_.config.yamux, now());
  state_ = State::kOpen;
  auto alive = alive_;
  owner_.on_connection_ready(*this);
  if (!*alive || state_ == State::kClosed) return ok();
  if (!leftover.empty()) return feed_yamux(leftover);
  return ok();
}

Status Connection::feed_yamux(BytesView plain) {
  Status s = yamux_->on_bytes(plain, now());
  // Deliver whatever was decoded before a protocol error; the error closes us afterwards.
  process_yamux_events();
  return s;
}

void Connection::process_yamux_events() {
  auto alive = alive_;
  while (*alive && state_ == State::kOpen) {
    auto ev = yamux_->poll_event();
    if (!ev) break;
    switch (ev->kind) {
      case yamux::Event::Kind::kStreamOpened: {
        Slot slot;
        slot.owned.reset(new Stream(this, ev->stream_id, remote_, remote_addr()));
        slot.stream = slot.owned.get();
        slot.listener = std::make_unique<multistream::Listener>(
            [this](const std::string& p) { return owner_.supports_protocol(p); });
        slot.deadline = now() + params_.config.stream_negotiation_timeout;
        slots_.emplace(ev->stream_id, std::move(slot));
        break;
      }
      case yamux::Event::Kind::kData:
        on_stream_data(ev->stream_id, ev->data);
        break;
      case yamux::Event::Kind::kWritable: {
        auto it = slots_.find(ev->stream_id);
        if (it != slots_.end() && it->second.stream && !it->second.owned) {
          it->second.stream->on_writable();
        }
        break;
      }
      case yamux::Event::Kind::kRemoteClosed: {
        auto it = slots_.find(ev->stream_id);
        if (it == slots_.end()) break;
        if (it->second.owned) {
          // FIN before negotiation finished: the stream is useless.
          Slot slot = std::move(it->second);
          slots_.erase(it);
          yamux_->reset(ev->stream_id);
          if (slot.cb)
            slot.cb(make_error(Errc::closed, "stream closed during protocol negotiation"));
        } else {
          it->second.stream->on_remote_fin();
        }
        break;
      }
      case yamux::Event::Kind::kReset: {
        auto it = slots_.find(ev->stream_id);
        if (it == slots_.end()) break;
        Slot slot = std::move(it->second);
        slots_.erase(it);
        if (slot.owned) {
          if (slot.cb)
            slot.cb(make_error(Errc::closed, "stream reset during protocol negotiation"));
        } else if (slot.stream) {
          slot.stream->conn_ = nullptr;
          slot.stream->on_terminated(make_error(Errc::closed, "stream reset by peer"));
        }
        break;
      }
      default:
        break;  // ping RTTs and go-away need no action here
    }
  }
}

void Connection::on_stream_data(uint32_t id, BytesView data) {
  auto it = slots_.find(id);
  if (it == slots_.end()) {
    yamux_->consume(id, data.size(), now());
    return;
  }
  Slot& slot = it->second;
  last_stream_activity_ = now();
  if (!slot.owned) {
    slot.stream->deliver(data);
    return;
  }
  Status s = slot.dialer ? slot.dialer->on_bytes(data) : slot.listener->on_bytes(data);
  Bytes out;
  if (slot.dialer)
    slot.dialer->take_output(out);
  else
    slot.listener->take_output(out);
  // Negotiation messages are tiny next to the 256 KiB initial window.
  if (!out.empty()) (void)yamux_->write(id, out);
  if (!s) {
    log::debug("conn {} stream {}: negotiation failed: {}", id_, id, s.error().to_string());
    Slot dead = std::move(slot);
    slots_.erase(it);
    yamux_->reset(id);
    if (dead.cb) dead.cb(std::move(s).error());
    return;
  }
  const bool done = slot.dialer ? slot.dialer->done() : slot.listener->done();
  if (!done) {
    yamux_->consume(id, data.size(), now());
    return;
  }
  finish_negotiation(id, slot);
}

void Connection::finish_negotiation(uint32_t id, Slot& slot) {
  std::string protocol = slot.dialer ? slot.dialer->protocol() : slot.listener->protocol();
  Bytes leftover = slot.dialer ? slot.dialer->take_leftover() : slot.listener->take_leftover();
  slot.dialer.reset();
  slot.listener.reset();
  slot.deadline = kNever;
  std::unique_ptr<Stream> stream = std::move(slot.owned);
  StreamCallback cb = std::move(slot.cb);
  stream->mark_open(std::move(protocol));
  if (!leftover.empty()) stream->deliver(leftover);  // held until the user sets on_data
  if (cb) {
    cb(std::move(stream));
  } else {
    owner_.on_inbound_stream(*this, std::move(stream));
  }
}

// ---- outbound ------------------------------------------------------------------------------

void Connection::open_stream(std::vector<std::string> protocols, StreamCallback cb) {
  if (state_ != State::kOpen) {
    cb(make_error(Errc::closed, "connection is not open"));
    return;
  }
  auto id = yamux_->open_stream(now());
  if (!id) {
    cb(std::move(id).error());
    return;
  }
  Slot slot;
  slot.owned.reset(new Stream(this, *id, remote_, remote_addr()));
  slot.stream = slot.owned.get();
  slot.dialer = std::make_unique<multistream::Dialer>(std::move(protocols));
  slot.cb = std::move(cb);
  slot.deadline = now() + params_.config.stream_negotiation_timeout;
  Bytes out;
  slot.dialer->take_output(out);
  (void)yamux_->write(*id, out);
  slots_.emplace(*id, std::move(slot));
  flush();
  arm_timer();
}

size_t Connection::yamux_write(uint32_t id, BytesView data) {
  if (state_ != State::kOpen) return 0;
  if (io_->pending_write_bytes() > kMaxQueuedOnSocket) {
    blocked_.push_back(id);
    return 0;
  }
  auto n = yamux_->write(id, data);
  if (!n) return 0;
  flush();
  return *n;
}

void Connection::yamux_close_write(uint32_t id) {
  if (state_ != State::kOpen) return;
  (void)yamux_->close_write(id);
  flush();
}

void Connection::yamux_reset(uint32_t id) {
  if (state_ != State::kOpen) return;
  yamux_->reset(id);
  flush();
}

void Connection::yamux_consume(uint32_t id, size_t n) {
  if (state_ != State::kOpen || n == 0) return;
  yamux_->consume(id, n, now());
  flush();
}

void Connection::stream_destroyed(uint32_t id) {
  slots_.erase(id);
  last_stream_activity_ = now();
}

void Connection::stream_finished(uint32_t id) {
  // Both directions closed cleanly: the slot is no longer needed, the Stream object may live on.
  auto it = slots_.find(id);
  if (it != slots_.end() && !it->second.owned) slots_.erase(it);
  last_stream_activity_ = now();
}

void Connection::on_drained() {
  if (blocked_.empty() || state_ != State::kOpen) return;
  std::vector<uint32_t> retry;
  retry.swap(blocked_);
  std::sort(retry.begin(), retry.end());
  retry.erase(std::unique(retry.begin(), retry.end()), retry.end());
  auto alive = alive_;
  for (uint32_t id : retry) {
    if (!*alive || state_ != State::kOpen) return;
    auto it = slots_.find(id);
    if (it != slots_.end() && it->second.stream && !it->second.owned)
      it->second.stream->on_writable();
  }
}

void Connection::flush() {
  if (state_ == State::kClosed) return;
  if (yamux_) yamux_->take_output(plain_out_);
  if (plain_out_.empty() || !transport_) return;
  Bytes frames;
  frames.reserve(plain_out_.size() + plain_out_.size() / 4096 + 64);
  Status s = transport_->encrypt(plain_out_, frames);
  plain_out_.clear();
  if (!s) {
    fail(std::move(s).error());
    return;
  }
  io_->write(std::move(frames));
}

void Connection::send_raw(Bytes bytes) {
  if (!bytes.empty()) io_->write(std::move(bytes));
}

// ---- closing and timers --------------------------------------------------------------------

void Connection::on_closed(Status reason) {
  if (state_ == State::kClosed) return;
  fail(reason ? make_error(Errc::closed, "connection closed by peer") : std::move(reason).error());
}

void Connection::close(Status reason) {
  if (state_ == State::kClosed) return;
  if (yamux_ && state_ == State::kOpen) {
    yamux_->go_away(yamux::GoAwayCode::kNormal);
    flush();
  }
  io_->close();
  terminate(std::move(reason), /*abort_io=*/false);
}

void Connection::fail(Status reason) { terminate(std::move(reason), /*abort_io=*/true); }

void Connection::terminate(Status reason, bool abort_io) {
  if (state_ == State::kClosed) return;
  const bool was_open = state_ == State::kOpen;
  if (was_open && yamux_ && abort_io && !yamux_->is_dead()) {
    // A protocol error may have queued a GoAway: send it before dropping the socket.
    yamux_->take_output(plain_out_);
  }
  if (abort_io && transport_ && !plain_out_.empty()) {
    Bytes frames;
    if (transport_->encrypt(plain_out_, frames)) io_->write(std::move(frames));
    plain_out_.clear();
    io_->close();
  } else if (abort_io) {
    io_->abort();
  }
  state_ = State::kClosed;
  if (timer_ != runtime::kNoTimer) {
    rt_.timers.cancel(timer_);
    timer_ = runtime::kNoTimer;
  }
  Status why = reason ? make_error(Errc::closed, "connection closed") : reason;
  auto slots = std::move(slots_);
  slots_.clear();
  for (auto& [id, slot] : slots) {
    if (slot.stream) slot.stream->conn_ = nullptr;
  }
  for (auto& [id, slot] : slots) {
    if (slot.owned) {
      if (slot.cb) slot.cb(why.error());
    } else if (slot.stream) {
      slot.stream->on_terminated(why);
    }
  }
  // The owner usually destroys us in on_connection_closed: never do that inside our own stack.
  std::weak_ptr<bool> alive = alive_;
  rt_.executor.post([this, alive, why = std::move(why)] {
    auto a = alive.lock();
    if (!a || !*a) return;
    owner_.on_connection_closed(*this, why);
  });
}

void Connection::arm_timer() {
  if (state_ == State::kClosed) return;
  Instant at = kNever;
  if (state_ != State::kOpen) at = handshake_deadline_;
  if (yamux_) at = std::min(at, yamux_->next_deadline());
  for (auto& [id, slot] : slots_) {
    if (slot.owned) at = std::min(at, slot.deadline);
  }
  if (at == timer_at_) return;
  if (timer_ != runtime::kNoTimer) rt_.timers.cancel(timer_);
  timer_ = runtime::kNoTimer;
  timer_at_ = at;
  if (at == kNever) return;
  timer_ = rt_.timers.schedule_at(at, [this] {
    timer_ = runtime::kNoTimer;
    timer_at_ = kNever;
    on_timer();
  });
}

void Connection::on_timer() {
  const Instant t = now();
  if (state_ == State::kClosed) return;
  if (state_ != State::kOpen) {
    if (t >= handshake_deadline_) {
      fail(make_error(Errc::timeout, "connection upgrade did not finish in time"));
      return;
    }
  } else {
    yamux_->on_timeout(t);
    std::vector<uint32_t> expired;
    for (auto& [id, slot] : slots_) {
      if (slot.owned && slot.deadline <= t) expired.push_back(id);
    }
    for (uint32_t id : expired) {
      auto it = slots_.find(id);
      if (it == slots_.end()) continue;
      Slot slot = std::move(it->second);
      slots_.erase(it);
      yamux_->reset(id);
      if (slot.cb) slot.cb(make_error(Errc::timeout, "protocol negotiation timed out"));
    }
    auto alive = alive_;
    process_yamux_events();
    if (!*alive) return;
    if (yamux_->is_dead()) {
      fail(make_error(Errc::timeout, "yamux keepalive failed"));
      return;
    }
    flush();
  }
  arm_timer();
}

}  // namespace aipg::node
