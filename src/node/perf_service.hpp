// PerfService — libp2p's perf protocol (/perf/1.0.0, libp2p/specs perf/perf.md), the standard
// way libp2p implementations measure throughput against each other:
// the client writes the number of bytes it wants back (u64, big-endian), then its upload, then
// closes its write side; the server reads everything, then writes the requested bytes and closes.
#pragma once

#include <functional>
#include <memory>
#include <unordered_map>

#include "base/time.hpp"
#include "node/stream.hpp"

namespace aipg::node {

class Host;

inline constexpr char kPerfProtocol[] = "/perf/1.0.0";

struct PerfResult {
  uint64_t uploaded = 0;
  uint64_t downloaded = 0;
  Duration elapsed{};  // stream open → the server's EOF (upload accepted, download complete)
};

class PerfService {
 public:
  using Callback = std::function<void(Result<PerfResult>)>;
  // Registers the server side on `host`.
  explicit PerfService(Host& host);
  ~PerfService();
  // Runs one measurement on a fresh stream.
  void run(const wire::PeerId& peer, uint64_t upload, uint64_t download, Callback cb);

 private:
  struct Server;
  struct Client;
  void serve(std::unique_ptr<Stream> s);
  void retire_server(Server* s);
  void retire_client(Client* c);

  Host& host_;
  std::unordered_map<Server*, std::unique_ptr<Server>> servers_;
  std::unordered_map<Client*, std::unique_ptr<Client>> clients_;
};

}  // namespace aipg::node
