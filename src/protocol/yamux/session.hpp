// yamux Session (hashicorp/yamux spec.md, libp2p/specs yamux, protocol id /yamux/1.0.0): many
// logical streams over one reliable, ordered connection. Sans-IO: the caller feeds received bytes
// and the current time, and takes back events, bytes to send and the next deadline. No clock, no
// sockets, no threads; one owner calls everything.
//
// Rules this implements, in the spec's words where it has them:
// - "The client side should use odd ID's, and the server even"; a SYN with our parity, or for a
//   stream that is open, is a protocol error; frames other than Ping/Go Away on StreamID 0 are too.
// - Opening: our SYN goes out at once, as a Window Update, from open_stream(); we may write before
//   the ACK arrives. The peer's SYN is answered with ACK on our first frame for that stream, or in
//   the next take_output() if the application sends nothing first.
// - "Implementations SHOULD at most allow an ACK backlog of 256 streams" (Config::max_ack_backlog).
// - Flow control: "each stream [starts] with a 256KB window size. There is no window size for the
//   session." Only Data bytes count. Data beyond our receive window is a protocol error. Our window
//   reopens only as the application consume()s (back-pressure), in updates of at least half the
//   window, and doubles up to Config::max_stream_window when updates come faster than a few RTTs.
// - Ping: a SYN ping is echoed with ACK and the same opaque value; our pings measure the RTT.
//   Keepalive pings every Config::keepalive_interval; an unanswered ping kills the session.
// - Go Away received: no new streams either way; existing streams continue. Sent (go_away()): the
//   same, and new SYNs from the peer are refused with RST.
// - A protocol error queues Go Away(protocol error); the session is dead from then on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "protocol/yamux/config.hpp"
#include "protocol/yamux/frame.hpp"
#include "protocol/yamux/stream_state.hpp"

namespace aipg::yamux {

// The dialer of the connection is the client and uses odd stream ids; the listener even.
enum class Role { kClient, kServer };

struct Event {
  enum class Kind {
    kStreamOpened,   // the peer opened stream_id (inbound); write, consume, close or reset it
    kData,           // data for stream_id; call consume() once the application has taken it
    kWritable,       // stream_id's send window reopened after a write() was cut short
    kRemoteClosed,   // the peer sent FIN on stream_id: no more data will come
    kReset,          // stream_id was reset by the peer (or refused, or its SYN timed out)
    kPingRtt,        // one of our pings came back after `rtt`
    kGoAway,         // the peer sent Go Away with `code`; no new streams
    kSessionClosed,  // the session is dead (`reason`); every open stream got a kReset before it
  };
  Kind kind;
  uint32_t stream_id = 0;
  Bytes data{};
  Duration rtt{};
  GoAwayCode code = GoAwayCode::kNormal;
  std::string reason{};
};

class Session {
 public:
  // `cfg` must be valid (Config::validate()); with cfg.measure_rtt an RTT ping is queued now.
  Session(Role role, Config cfg, Instant now);

  // Feeds bytes received from the (decrypted) connection; frames may be split anywhere across
  // calls. Data is delivered as kData events as it arrives, even mid-frame. An error means the
  // peer broke the protocol: Go Away(protocol error) is queued, the session is dead; the caller
  // flushes the output and closes the connection.
  Status on_bytes(BytesView in, Instant now);

  // Opens an outbound stream and queues its SYN now. Errors: dead session or Go Away sent or
  // received (closed), max_outbound_streams or the ACK backlog reached, ids exhausted
  // (resource_limit).
  Result<uint32_t> open_stream(Instant now);

  // Queues up to min(data.size(), send window) bytes as Data frames of at most max_frame_size;
  // returns how many were taken (maybe 0). The caller keeps the rest and retries after kWritable.
  // Errors (closed): unknown or removed stream, write side already closed, dead session.
  Result<size_t> write(uint32_t id, BytesView data);

  // Half-close: queues FIN. Errors as write(); closing twice is an error too.
  Status close_write(uint32_t id);

  // Queues RST and forgets the stream. No event is raised for it, and events for it that are
  // still queued (kData) should be dropped by the caller. Unknown ids are ignored.
  void reset(uint32_t id);

  // The application has taken n bytes of stream id's data: they count toward the next window
  // update (sent once at least half the window is consumed). `now` drives window auto-tuning:
  // it must be the time of consumption, not of arrival, or a slow reader would look fast.
  void consume(uint32_t id, size_t n, Instant now);

  // Sends a Ping; its RTT comes back as kPingRtt. Ignored when max_outstanding_pings are in
  // flight or the session is dead.
  void ping(Instant now);

  // Queues Go Away(code) once; no new streams from then on, existing ones continue.
  void go_away(GoAwayCode code);

  std::optional<Event> poll_event();

  // Appends everything queued for sending to `out` (swapped in when `out` is empty, so the
  // buffer is handed over without a copy and `out`'s capacity is reused for the next round).
  void take_output(Bytes& out);
  bool has_output() const { return !out_.empty() || !pending_acks_.empty(); }

  // The earliest of: the next keepalive ping, the oldest ping's timeout, the oldest un-ACKed
  // stream's open timeout; kNever if none (or the session is dead).
  Instant next_deadline() const;
  void on_timeout(Instant now);

  bool is_dead() const { return dead_; }
  size_t stream_count() const { return streams_.size(); }
  // Latest RTT sample from our pings, if any.
  std::optional<Duration> rtt() const { return rtt_; }
  std::optional<StreamInfo> stream_info(uint32_t id) const;
  Role role() const { return role_; }

 private:
  using Stream = detail::Stream;

  Status handle_header(const Header& h);
  Status handle_stream_frame(const Header& h);
  void handle_ping(const Header& h);
  void deliver(BytesView chunk);
  void finish_data_frame();
  void on_remote_fin(uint32_t id, Stream& s);
  void on_remote_rst(uint32_t id);
  Stream* find(uint32_t id);
  bool is_remote_id(uint32_t id) const { return (id & 1u) == (role_ == Role::kServer ? 1u : 0u); }
  bool was_opened(uint32_t id) const;
  void mark_established(Stream& s);
  void remove(uint32_t id);
  uint16_t take_handshake_flags(Stream& s);
  // A window update carrying extra_flags, plus ACK and the pending credit if the ACK is owed.
  void send_ack(uint32_t id, Stream& s, uint16_t extra_flags);
  void maybe_send_window_update(uint32_t id, Stream& s);
  void send_frame(FrameType t, uint16_t f, uint32_t id, uint32_t length);
  void send_ping(Instant now);
  void prune_open_deadlines();
  Status fail(Errc code, std::string message);
  void die(const std::string& reason);

  Role role_;
  Config cfg_;
  Instant now_;
  bool dead_ = false;
  bool local_goaway_ = false;
  bool remote_goaway_ = false;

  std::unordered_map<uint32_t, Stream> streams_;
  uint32_t next_outbound_id_;
  uint32_t max_inbound_id_ = 0;  // highest id the peer has opened
  uint32_t inbound_count_ = 0;
  uint32_t outbound_count_ = 0;
  uint32_t ack_backlog_ = 0;  // our streams in Handshake::kSynSent
  // Outbound streams in kSynSent with their open deadlines, oldest first; stale entries (acked or
  // removed streams) are dropped lazily.
  std::deque<std::pair<Instant, uint32_t>> open_deadlines_;
  // Inbound streams that still owe the peer an ACK; flushed by take_output().
  std::vector<uint32_t> pending_acks_;

  // Input: a header split across calls collects here; then the body of a Data frame streams
  // through to its stream.
  uint8_t hdr_buf_[kHeaderSize];
  size_t hdr_len_ = 0;
  Header cur_;
  uint32_t body_left_ = 0;

  Bytes out_;
  std::deque<Event> events_;

  struct OutstandingPing {
    uint32_t opaque;
    Instant sent_at;
  };
  std::vector<OutstandingPing> pings_;  // oldest first
  uint32_t next_ping_opaque_ = 1;
  Instant next_keepalive_ = kNever;
  std::optional<Duration> rtt_;
};

}  // namespace aipg::yamux
