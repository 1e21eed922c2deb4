#include "protocol/yamux/config.hpp"

#include <string>

namespace aipg::yamux {
namespace {

Error bad(const std::string& field, const std::string& why) {
  return make_error(Errc::invalid_argument, "yamux config: " + field + " " + why);
}

}  // namespace

Status Config::validate() const {
  if (initial_stream_window < kSpecInitialWindow) {
    // The peer assumes 256 KiB and may send that much before hearing from us.
    return bad("initial_stream_window", "must be at least 262144 (the spec's initial window)");
  }
  if (max_stream_window < initial_stream_window) {
    return bad("max_stream_window", "must be at least initial_stream_window");
  }
  if (max_frame_size == 0 || max_frame_size > 16 * 1024 * 1024) {
    return bad("max_frame_size", "must be in [1, 16777216]");
  }
  if (max_inbound_streams == 0) return bad("max_inbound_streams", "must be at least 1");
  if (max_outbound_streams == 0) return bad("max_outbound_streams", "must be at least 1");
  if (max_ack_backlog == 0 || max_ack_backlog > 256) {
    return bad("max_ack_backlog", "must be in [1, 256] (the spec's ACK backlog)");
  }
  if (keepalive_interval < Duration::zero()) return bad("keepalive_interval", "is negative");
  if (ping_timeout < Duration::zero()) return bad("ping_timeout", "is negative");
  if (stream_open_timeout < Duration::zero()) return bad("stream_open_timeout", "is negative");
  if (keepalive_interval > Duration::zero() && ping_timeout == Duration::zero()) {
    return bad("ping_timeout", "must be > 0 when keepalive is on (else a dead peer goes unseen)");
  }
  if (max_outstanding_pings == 0) return bad("max_outstanding_pings", "must be at least 1");
  return ok();
}

}  // namespace aipg::yamux
