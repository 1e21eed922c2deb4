// Configuration of a yamux Session: a value type with documented defaults. Call validate() on
// anything built from user input; the Session constructor asserts a valid config.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/result.hpp"
#include "base/time.hpp"

namespace aipg::yamux {

// "When Yamux is initially starts each stream with a 256KB window size." Both sides assume it, so
// a receive window can only be announced larger than this, never smaller.
inline constexpr uint32_t kSpecInitialWindow = 256 * 1024;

struct Config {
  // Receive window granted to the peer when a stream opens. A value above 256 KiB is announced
  // with the SYN/ACK as a window update ("can immediately send a window update as part of the
  // SYN/ACK indicating a larger window"). Must be >= 256 KiB.
  uint32_t initial_stream_window = kSpecInitialWindow;
  // Upper bound for the auto-tuned receive window of one stream. The window doubles at a window
  // update when the previous update went out less than `window_growth_rtts` round trips ago, i.e.
  // when the window, not the application, limits the stream. 16 MiB (go-yamux's default) lets one
  // stream run well above 1 GB/s on loopback. Must be >= initial_stream_window.
  uint32_t max_stream_window = 16 * 1024 * 1024;
  uint32_t window_growth_rtts = 4;
  // Largest payload we put into one Data frame; a write is split into frames of at most
  // min(send window, max_frame_size). Must be in [1, 16 MiB].
  uint32_t max_frame_size = 256 * 1024;

  // Concurrent streams the peer may open; a SYN beyond this is answered with RST (the session
  // stays up). Must be >= 1.
  uint32_t max_inbound_streams = 1000;
  // Concurrent streams we may open; open_stream() fails beyond this. Must be >= 1.
  uint32_t max_outbound_streams = 1000;
  // "Implementations SHOULD at most allow an ACK backlog of 256 streams": outbound streams whose
  // SYN the peer has not acknowledged yet. open_stream() fails beyond this. Must be in [1, 256].
  uint32_t max_ack_backlog = 256;

  // A Ping is sent this long after the previous keepalive ping; 0 disables keepalive.
  Duration keepalive_interval = std::chrono::seconds(30);
  // A ping (keepalive, RTT probe or ping()) unanswered for this long kills the session; 0 means
  // pings never time out. Must be > 0 when keepalive is on, or a dead peer would go unnoticed.
  Duration ping_timeout = std::chrono::seconds(10);
  // An outbound stream whose SYN is not acknowledged (ACK or any frame) within this time is reset
  // and reported as kReset; 0 disables. 75 s as go-yamux.
  Duration stream_open_timeout = std::chrono::seconds(75);
  // Send one Ping when the session starts, so that window auto-tuning has an RTT from the start
  // (without an RTT the windows stay at initial_stream_window until a keepalive ping returns).
  bool measure_rtt = true;
  // Our own pings in flight at once; ping() beyond this is ignored. Must be >= 1.
  uint32_t max_outstanding_pings = 16;

  // Ok, or the first problem found, naming the field and the reason.
  Status validate() const;
};

}  // namespace aipg::yamux
