// SimStream — one end of a simulated connection (see SimNetwork). Bytes written at one end are
// delivered to the other in order, at the time the link's latency, jitter and bandwidth say.
#pragma once

#include <deque>
#include <memory>

#include "io/sim/sim_network.hpp"

namespace aipg::io::sim {

class SimStream final : public runtime::ByteStream {
 public:
  SimStream(SimNetwork& net, std::string local_ip, wire::Multiaddr local, std::string remote_ip,
            wire::Multiaddr remote);
  ~SimStream() override;

  void link(SimStream* peer, std::shared_ptr<bool> peer_alive);
  std::shared_ptr<bool> alive() const { return alive_; }
  const std::string& local_ip() const { return local_ip_; }
  const std::string& remote_ip() const { return remote_ip_; }

  void start(Handler* h) override;
  void write(Bytes data) override;
  size_t pending_write_bytes() const override { return 0; }
  void pause_reading() override { paused_ = true; }
  void resume_reading() override;
  void close() override;
  void abort() override;
  const wire::Multiaddr& local_addr() const override { return local_; }
  const wire::Multiaddr& remote_addr() const override { return remote_; }

  // Fault injection (SimNetwork): both ends hear a reset; `silent` ends hear nothing (crash).
  void break_link(bool silent);

 private:
  enum class Control { kData, kEof, kReset };
  struct Item {
    Bytes data;
    Control control = Control::kData;
  };
  void send(Item item);
  void receive(Item item);
  void drain_inbox();
  void deliver_closed(Status s);

  SimNetwork& net_;
  uint64_t serial_;  // SimNetwork::streams_ key
  std::string local_ip_, remote_ip_;
  wire::Multiaddr local_, remote_;
  SimStream* peer_ = nullptr;
  std::weak_ptr<bool> peer_alive_;
  Handler* handler_ = nullptr;
  std::deque<Item> inbox_;
  Instant link_free_at_{};   // serialization: when the link can start the next write
  Instant last_delivery_{};  // delivery order on this direction
  bool paused_ = false;
  bool closed_ = false;  // no more callbacks
  bool write_closed_ = false;
  bool silent_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace aipg::io::sim
