// The state of one yamux stream as a Session keeps it. Two small machines run side by side:
// the opening handshake (SYN/ACK) and the closing (FIN/RST). They are independent because the
// spec lets a stream carry data, and even be half-closed, before its SYN is acknowledged.
//
// Handshake ("The receiver must then reply with either a data or window update frame with the
// StreamID along with the ACK flag to accept the stream or with the RST flag to reject"):
//
//   outbound:  open_stream() --SYN sent--> kSynSent --ACK (or any frame) received--> kEstablished
//   inbound:   SYN received --> kSynReceived --ACK sent on our first frame--> kEstablished
//              (at the latest in the next take_output(); see Session)
//
// Closing ("To close a stream, either side sends a data or window update frame along with the
// FIN flag ... Once both sides have closed the connection, the stream is closed"):
//
//                      close_write(): FIN sent
//            kOpen ------------------------------> kLocalClosed
//              |                                        |
//              | FIN received                           | FIN received
//              v                                        v
//        kRemoteClosed -----------------------------> [closed: removed]
//                      close_write(): FIN sent
//
//   from any state: RST sent (reset()) or received, a protocol error, or the open timeout
//   --> [reset: removed]. A removed stream's id is remembered only as "in the past": later
//   frames for it are ignored ("data after RST").
#pragma once

#include <cstdint>

#include "base/time.hpp"

namespace aipg::yamux {

enum class Handshake : uint8_t {
  kSynSent,      // outbound; the peer has not acknowledged yet (counts toward the ACK backlog)
  kSynReceived,  // inbound; our ACK has not gone out yet
  kEstablished,
};

enum class StreamState : uint8_t {
  kOpen,          // both directions open
  kLocalClosed,   // we sent FIN; we may still receive
  kRemoteClosed,  // the peer sent FIN; we may still send
};

// A read-only snapshot for tests and metrics.
struct StreamInfo {
  Handshake handshake;
  StreamState state;
  bool inbound;
  uint32_t send_window;      // bytes we may send before the peer's next window update
  uint32_t recv_window;      // bytes the peer may send before our next window update
  uint32_t recv_window_max;  // current (auto-tuned) size of our receive window
  uint64_t unconsumed;       // delivered to the application, not yet consume()d
};

namespace detail {

struct Stream {
  Handshake handshake;
  StreamState state = StreamState::kOpen;
  bool inbound;
  // Set when a write() was cut short by the send window: report kWritable when it reopens.
  bool want_writable = false;
  uint32_t send_window;
  uint32_t recv_window;
  uint32_t recv_window_max;
  // Consumed by the application (or granted by a larger initial window) but not yet announced
  // to the peer in a window update.
  uint32_t pending_credit = 0;
  uint64_t unconsumed = 0;
  // When our last window update for this stream went out (or the stream opened): the interval
  // between updates, compared to the RTT, drives window auto-tuning.
  Instant last_update_at;
};

}  // namespace detail
}  // namespace aipg::yamux
