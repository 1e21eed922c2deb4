#include "protocol/ping/ping.hpp"

#include <algorithm>

namespace aipg::ping {

Bytes PingClient::start(const std::array<uint8_t, kPayloadSize>& payload, Instant now) {
  sent_.push_back(Sent{payload, now});
  return Bytes(payload.begin(), payload.end());
}

Result<std::vector<Duration>> PingClient::on_bytes(BytesView in, Instant now) {
  if (buf_.size() + in.size() > sent_.size() * kPayloadSize) {
    return make_error(Errc::protocol_violation, "ping: peer sent bytes that were not asked for");
  }
  append(buf_, in);
  std::vector<Duration> rtts;
  size_t off = 0;
  while (buf_.size() - off >= kPayloadSize) {
    const Sent& s = sent_.front();
    if (!std::equal(s.payload.begin(), s.payload.end(), buf_.begin() + off)) {
      return make_error(Errc::protocol_violation, "ping: echo does not match the payload");
    }
    rtts.push_back(now - s.at);
    sent_.pop_front();
    off += kPayloadSize;
  }
  buf_.erase(buf_.begin(), buf_.begin() + off);
  return rtts;
}

}  // namespace aipg::ping
