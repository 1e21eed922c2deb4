// Stream — one negotiated yamux stream as the application sees it: a protocol id, the remote
// peer, and a byte pipe with backpressure both ways.
//
//   kNegotiating ──(multistream done)──▶ kOpen ──(close_write)──▶ kWriteClosed ─┐
//        │                                 │ ◀── on_eof (remote FIN) keeps writes open   │
//        └───────(refused / reset / connection lost)────▶ kClosed ◀──(reset)───────────┘
//
// Receive side: data arriving before a data callback is set, or while paused, is held and
// delivered later; the yamux receive window is only reopened for bytes actually delivered, so
// a slow reader slows the sender instead of growing memory.
// Send side: write() never refuses; bytes beyond the peer's window wait in the stream and go
// out as the window opens; pending_write_bytes() and on_drained let a writer hold back
// (on_drained runs only after a write had to wait, never inside write()).
// The Stream is owned by whoever holds the unique_ptr; destroying an open stream resets it.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "wire/multiaddr.hpp"
#include "wire/peer_id.hpp"

namespace aipg::node {

class Connection;

class Stream {
 public:
  enum class State { kNegotiating, kOpen, kWriteClosed, kClosed };

  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Callbacks. Setting on_data delivers any bytes held so far; set on_eof and on_closed first.
  // on_eof runs once after the remote's FIN and every byte before it was delivered.
  // on_closed runs once, when the stream can carry nothing more: ok() after both sides closed
  // cleanly, else the reason (reset, connection lost).
  void set_on_data(std::function<void(BytesView)> fn);
  void set_on_eof(std::function<void()> fn);
  void set_on_closed(std::function<void(Status)> fn);
  void set_on_drained(std::function<void()> fn);

  void write(BytesView data);
  void close_write();  // half-close (yamux FIN) once pending bytes are out
  void reset();        // abortive close (yamux RST)
  void pause_reading();
  void resume_reading();

  State state() const { return state_; }
  bool remote_closed() const { return remote_eof_; }
  size_t pending_write_bytes() const { return pending_out_.size() - pending_out_pos_; }
  const std::string& protocol() const { return protocol_; }
  const wire::PeerId& remote_peer() const { return remote_; }
  const wire::Multiaddr& remote_addr() const { return remote_addr_; }
  uint32_t id() const { return id_; }

 private:
  friend class Connection;
  Stream(Connection* conn, uint32_t id, wire::PeerId remote, wire::Multiaddr remote_addr);

  // Called by the Connection.
  void deliver(BytesView data);  // negotiated data from yamux
  void on_writable();
  void on_remote_fin();
  void on_terminated(Status reason);  // reset by the peer or the connection is gone
  void mark_open(std::string protocol);
  void flush_pending();
  void maybe_finish();

  Connection* conn_;
  uint32_t id_;
  wire::PeerId remote_;
  wire::Multiaddr remote_addr_;
  std::string protocol_;
  State state_ = State::kNegotiating;

  std::function<void(BytesView)> on_data_;
  std::function<void()> on_eof_;
  std::function<void(Status)> on_closed_;
  std::function<void()> on_drained_;

  Bytes held_in_;  // received but not yet delivered (no callback yet, or paused)
  bool paused_ = false;
  bool remote_eof_ = false;
  bool eof_reported_ = false;
  bool fin_wanted_ = false;
  bool fin_sent_ = false;
  bool drained_owed_ = false;  // a write had to wait: on_drained is due once it is out
  Bytes pending_out_;          // accepted by write(), not yet accepted by yamux
  size_t pending_out_pos_ = 0;
  // Callbacks may destroy the stream; code that runs after one checks this first.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace aipg::node
