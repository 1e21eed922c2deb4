// Host — a libp2p node's shell: listeners, dialing, the set of upgraded connections, the
// protocol handler registry, the peer store, identify and ping. Everything runs on the
// runtime's executor (one owner, no locks). What go-libp2p calls a basic host.
//
// Connections: one or more per peer (a simultaneous dial may create two; both are kept, new
// streams use the oldest). Limits: max_connections total (inbound over it are dropped at once,
// outbound fail with resource_limit), an upgrade timeout, and an idle timeout for connections
// that carry no stream.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"
#include "node/connection.hpp"
#include "node/peer_store.hpp"
#include "node/stream.hpp"
#include "runtime/byte_stream.hpp"
#include "wire/keys.hpp"
#include "wire/multiaddr.hpp"
#include "wire/peer_id.hpp"

namespace aipg::node {

class IdentifyService;
class PingService;

struct HostConfig {
  std::string agent_version = "aipg/0.1.0";
  size_t max_connections = 512;
  Duration dial_timeout = 10s;
  Duration idle_timeout = 5min;  // a connection with no streams for this long is closed
  ConnectionConfig connection{};

  Status validate() const;
};

// Observers of peer events; every method has a no-op default.
class HostObserver {
 public:
  virtual ~HostObserver() = default;
  virtual void on_peer_connected(const wire::PeerId&, Connection&) {}
  virtual void on_peer_identified(const wire::PeerId&, const PeerInfo&) {}
  virtual void on_peer_disconnected(const wire::PeerId&) {}
};

// Counters for metrics and tests; every rejection is counted here once.
struct HostStats {
  uint64_t connections_opened = 0;        // upgrades that completed
  uint64_t upgrades_failed = 0;           // closed before the upgrade completed
  uint64_t inbound_refused_at_limit = 0;  // dropped at accept: max_connections reached
};

using StreamHandler = std::function<void(std::unique_ptr<Stream>)>;
using ConnectCallback = std::function<void(Result<wire::PeerId>)>;

class Host : private ConnectionOwner {
 public:
  Host(runtime::Runtime& rt, wire::KeyPair identity, HostConfig config);
  ~Host() override;

  const wire::PeerId& peer_id() const { return peer_id_; }
  const wire::KeyPair& identity() const { return identity_; }
  runtime::Runtime& runtime() { return rt_; }

  // Binds each address; returns the bound addresses (port 0 resolved), without /p2p/.
  Result<std::vector<wire::Multiaddr>> listen(const std::vector<wire::Multiaddr>& addrs);
  const std::vector<wire::Multiaddr>& listen_addrs() const { return listen_addrs_; }

  // Connects unless already connected. With a /p2p/ suffix the remote must prove that id.
  void connect(const wire::Multiaddr& addr, ConnectCallback cb);
  // Opens a stream to a connected peer (or dials a known address first).
  void new_stream(const wire::PeerId& peer, std::vector<std::string> protocols, StreamCallback cb);
  void set_handler(const std::string& protocol, StreamHandler handler);
  void remove_handler(const std::string& protocol);
  std::vector<std::string> protocols() const;

  void add_observer(HostObserver* o) { observers_.push_back(o); }
  void remove_observer(HostObserver* o);

  bool is_connected(const wire::PeerId& peer) const;
  std::vector<wire::PeerId> connected_peers() const;
  size_t connection_count() const { return conns_.size(); }
  void disconnect(const wire::PeerId& peer);

  PeerStore& peer_store() { return peers_; }
  const HostStats& stats() const { return stats_; }
  PingService& ping() { return *ping_; }
  IdentifyService& identify() { return *identify_; }

  // Stops listening and closes every connection gracefully. Idempotent.
  void close();

 private:
  friend class IdentifyService;
  // ConnectionOwner
  void on_connection_ready(Connection& c) override;
  void on_connection_closed(Connection& c, const Status& reason) override;
  bool supports_protocol(const std::string& protocol) const override;
  void on_inbound_stream(Connection& c, std::unique_ptr<Stream> s) override;

  void accept(std::unique_ptr<runtime::ByteStream> io);
  Connection& add_connection(std::unique_ptr<runtime::ByteStream> io, Direction dir,
                             std::optional<wire::PeerId> expected);
  Connection* find_open(const wire::PeerId& peer) const;
  void sweep_idle();
  void notify_identified(const wire::PeerId& peer, const PeerInfo& info);

  runtime::Runtime& rt_;
  wire::KeyPair identity_;
  wire::PeerId peer_id_;
  HostConfig config_;
  std::array<uint8_t, 32> noise_static_secret_{};
  std::vector<wire::Multiaddr> listen_addrs_;
  PeerStore peers_;
  std::map<std::string, StreamHandler> handlers_;
  std::vector<HostObserver*> observers_;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> conns_;
  // Callbacks waiting for a dial (by connection id) to finish its upgrade.
  std::unordered_map<uint64_t, std::vector<ConnectCallback>> pending_dials_;
  std::unique_ptr<IdentifyService> identify_;
  std::unique_ptr<PingService> ping_;
  runtime::TimerId sweep_timer_ = runtime::kNoTimer;
  HostStats stats_;
  bool closed_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace aipg::node
