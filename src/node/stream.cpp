#include "node/stream.hpp"

#include "node/connection.hpp"

namespace aipg::node {

Stream::Stream(Connection* conn, uint32_t id, wire::PeerId remote, wire::Multiaddr remote_addr)
    : conn_(conn), id_(id), remote_(std::move(remote)), remote_addr_(std::move(remote_addr)) {}

Stream::~Stream() {
  *alive_ = false;
  if (!conn_) return;
  if (state_ != State::kClosed) conn_->yamux_reset(id_);
  conn_->stream_destroyed(id_);
}

void Stream::set_on_data(std::function<void(BytesView)> fn) {
  on_data_ = std::move(fn);
  if (!paused_) resume_reading();
}

void Stream::set_on_eof(std::function<void()> fn) { on_eof_ = std::move(fn); }

void Stream::set_on_closed(std::function<void(Status)> fn) { on_closed_ = std::move(fn); }
void Stream::set_on_drained(std::function<void()> fn) { on_drained_ = std::move(fn); }

void Stream::deliver(BytesView data) {
  if (!on_data_ || paused_ || !held_in_.empty()) {
    // Hold it, and leave the window closed for it: the sender slows down instead of us
    // buffering without bound.
    append(held_in_, data);
    return;
  }
  Connection* conn = conn_;
  const uint32_t id = id_;
  on_data_(data);
  // The callback may have destroyed the stream: only the copies are used from here. The
  // connection itself is never destroyed inside a callback (its teardown is posted).
  if (conn) conn->yamux_consume(id, data.size());
}

void Stream::pause_reading() { paused_ = true; }

void Stream::resume_reading() {
  paused_ = false;
  if (on_data_ && !held_in_.empty()) {
    Bytes held = std::move(held_in_);
    held_in_.clear();
    Connection* conn = conn_;
    const uint32_t id = id_;
    auto alive = alive_;
    on_data_(held);
    if (conn) conn->yamux_consume(id, held.size());
    if (!*alive) return;
  }
  maybe_finish();
}

void Stream::write(BytesView data) {
  if (state_ == State::kClosed || fin_wanted_) return;
  if (pending_write_bytes() == 0 && conn_) {
    // Nothing queued: hand the caller's bytes straight to yamux and keep only the rest, which
    // saves a copy of everything the window admits.
    const size_t n = conn_->yamux_write(id_, data);
    data = data.subspan(n);
    if (data.empty()) return;
    pending_out_.clear();
    pending_out_pos_ = 0;
    drained_owed_ = true;
  }
  append(pending_out_, data);
  flush_pending();
}

void Stream::flush_pending() {
  while (conn_ && pending_out_pos_ < pending_out_.size()) {
    size_t n = conn_->yamux_write(id_, BytesView(pending_out_).subspan(pending_out_pos_));
    if (n == 0) {
      // Window closed or socket queue full: on_writable() resumes, and the writer hears
      // on_drained once everything is out.
      drained_owed_ = true;
      return;
    }
    pending_out_pos_ += n;
  }
  if (!conn_) return;
  pending_out_.clear();
  pending_out_pos_ = 0;
  if (fin_wanted_ && !fin_sent_) {
    fin_sent_ = true;
    state_ = State::kWriteClosed;
    conn_->yamux_close_write(id_);
    maybe_finish();
    return;
  }
}

void Stream::on_writable() {
  auto alive = alive_;
  flush_pending();  // may finish the stream, and its on_closed may destroy it
  if (!*alive) return;
  // Only a write that had to wait is reported, and never from inside write() itself: a writer
  // that writes again from on_drained must not recurse into its own loop.
  if (drained_owed_ && pending_write_bytes() == 0 && state_ != State::kClosed) {
    drained_owed_ = false;
    if (on_drained_) on_drained_();
  }
}

void Stream::close_write() {
  if (state_ == State::kClosed || fin_wanted_) return;
  fin_wanted_ = true;
  flush_pending();
}

void Stream::reset() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  if (conn_) {
    conn_->yamux_reset(id_);
    conn_->stream_destroyed(id_);
    conn_ = nullptr;
  }
}

void Stream::mark_open(std::string protocol) {
  protocol_ = std::move(protocol);
  state_ = State::kOpen;
}

void Stream::on_remote_fin() {
  remote_eof_ = true;
  maybe_finish();
}

void Stream::maybe_finish() {
  // EOF is reported only after every held byte was delivered, to a reader that is attached.
  if (!remote_eof_ || !held_in_.empty() || paused_ || !on_data_) return;
  if (!eof_reported_) {
    eof_reported_ = true;
    if (on_eof_) {
      auto alive = alive_;
      on_eof_();
      if (!*alive) return;
    }
  }
  if (fin_sent_ && state_ != State::kClosed) {
    state_ = State::kClosed;
    if (conn_) {
      conn_->stream_finished(id_);
      conn_ = nullptr;
    }
    if (on_closed_) on_closed_(ok());
  }
}

void Stream::on_terminated(Status reason) {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  conn_ = nullptr;
  if (on_closed_) on_closed_(std::move(reason));
}

}  // namespace aipg::node
