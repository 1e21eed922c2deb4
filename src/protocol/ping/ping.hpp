// ping (/ipfs/ping/1.0.0, libp2p/specs ping): the dialer writes 32 random bytes, the listener
// echoes them; the round trip is the time between. Several pings may share one stream.
// PingClient is the dialer's side, sans-IO: the caller supplies the random payload and times.
#pragma once

#include <array>
#include <deque>
#include <optional>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/time.hpp"

namespace aipg::ping {

inline constexpr char kProtocolId[] = "/ipfs/ping/1.0.0";
inline constexpr size_t kPayloadSize = 32;

class PingClient {
 public:
  // Returns the bytes to write for one ping.
  Bytes start(const std::array<uint8_t, kPayloadSize>& payload, Instant now);
  // Feeds echoed bytes; returns the round-trip times of pings completed by them. A wrong echo is
  // an error (the peer is not speaking ping).
  Result<std::vector<Duration>> on_bytes(BytesView in, Instant now);
  size_t outstanding() const { return sent_.size(); }

 private:
  struct Sent {
    std::array<uint8_t, kPayloadSize> payload;
    Instant at;
  };
  std::deque<Sent> sent_;
  Bytes buf_;
};

}  // namespace aipg::ping
