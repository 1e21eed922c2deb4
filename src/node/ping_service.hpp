// PingService — /ipfs/ping/1.0.0: echoes whatever a peer sends on its ping streams, and pings
// peers on request (one stream per ping call, a timeout on each).
#pragma once

#include <functional>
#include <memory>
#include <unordered_map>

#include "node/echo_server.hpp"
#include "node/stream.hpp"
#include "protocol/ping/ping.hpp"
#include "runtime/timers.hpp"

namespace aipg::node {

class Host;

class PingService {
 public:
  using Callback = std::function<void(Result<Duration>)>;
  explicit PingService(Host& host);
  ~PingService();

  // Sends one ping on a fresh stream; cb runs once with the round trip or the error.
  void ping(const wire::PeerId& peer, Callback cb, Duration timeout = 10s);

 private:
  struct Outgoing;
  void finish(uint64_t id, Result<Duration> r);
  void retire(std::unique_ptr<Stream> s);

  Host& host_;
  EchoServer echo_;  // the listener's side of ping is an echo
  std::unordered_map<uint64_t, std::unique_ptr<Outgoing>> outgoing_;
  uint64_t next_id_ = 1;
};

}  // namespace aipg::node
