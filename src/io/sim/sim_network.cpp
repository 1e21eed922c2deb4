#include "io/sim/sim_network.hpp"

#include <algorithm>
#include <deque>

namespace aipg::io::sim {
namespace {

struct Pipe;

// One end of a simulated connection.
class SimStream final : public runtime::ByteStream {
 public:
  SimStream(SimLoop& loop, Duration latency, wire::Multiaddr local, wire::Multiaddr remote)
      : loop_(loop), latency_(latency), local_(std::move(local)), remote_(std::move(remote)) {}
  ~SimStream() override {
    *alive_ = false;
    if (!closed_) send_control(/*reset=*/true);
  }

  void link(SimStream* peer, std::shared_ptr<bool> peer_alive) {
    peer_ = peer;
    peer_alive_ = std::move(peer_alive);
  }
  std::shared_ptr<bool> alive() const { return alive_; }

  void start(Handler* h) override {
    handler_ = h;
    drain_inbox();
  }
  void write(Bytes data) override {
    if (closed_ || write_closed_ || data.empty()) return;
    schedule_delivery([data = std::move(data)](SimStream& to) { to.receive_data(data); });
    // No socket buffer in the simulation: the write is "sent" at once.
    auto alive = alive_;
    loop_.post([this, alive] {
      if (*alive && handler_ && !closed_) handler_->on_drained();
    });
  }
  size_t pending_write_bytes() const override { return 0; }
  void pause_reading() override { paused_ = true; }
  void resume_reading() override {
    paused_ = false;
    auto alive = alive_;
    loop_.post([this, alive] {
      if (*alive) drain_inbox();
    });
  }
  void close() override {
    if (closed_ || write_closed_) return;
    write_closed_ = true;
    send_control(/*reset=*/false);
  }
  void abort() override {
    if (closed_) return;
    closed_ = true;
    send_control(/*reset=*/true);
    auto alive = alive_;
    loop_.post([this, alive] {
      if (*alive && handler_) handler_->on_closed(make_error(Errc::closed, "aborted"));
    });
  }
  const wire::Multiaddr& local_addr() const override { return local_; }
  const wire::Multiaddr& remote_addr() const override { return remote_; }

 private:
  struct Item {
    Bytes data;
    int control = 0;  // 0 data, 1 EOF, 2 reset
  };

  template <class F>
  void schedule_delivery(F&& f) {
    // In order: never before the previous delivery on this direction.
    Instant at = std::max(loop_.now() + latency_, last_delivery_);
    last_delivery_ = at;
    SimStream* peer = peer_;
    std::weak_ptr<bool> peer_alive = peer_alive_;
    loop_.schedule_at(at, [peer, peer_alive, f = std::forward<F>(f)]() mutable {
      auto a = peer_alive.lock();
      if (a && *a) f(*peer);
    });
  }
  void send_control(bool reset) {
    if (!peer_) return;
    schedule_delivery([reset](SimStream& to) { to.receive_control(reset ? 2 : 1); });
  }
  void receive_data(const Bytes& d) {
    inbox_.push_back(Item{d, 0});
    drain_inbox();
  }
  void receive_control(int c) {
    inbox_.push_back(Item{{}, c});
    drain_inbox();
  }
  void drain_inbox() {
    auto alive = alive_;
    while (*alive && handler_ && !paused_ && !closed_ && !inbox_.empty()) {
      Item it = std::move(inbox_.front());
      inbox_.pop_front();
      if (it.control == 0) {
        handler_->on_data(it.data);
      } else {
        closed_ = true;
        handler_->on_closed(it.control == 1 ? Status()
                                            : make_error(Errc::closed, "connection reset by peer"));
      }
    }
  }

  SimLoop& loop_;
  Duration latency_;
  wire::Multiaddr local_, remote_;
  SimStream* peer_ = nullptr;
  std::weak_ptr<bool> peer_alive_;
  Handler* handler_ = nullptr;
  std::deque<Item> inbox_;
  Instant last_delivery_{};
  bool paused_ = false;
  bool closed_ = false;
  bool write_closed_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

wire::Multiaddr tcp_addr(const std::string& ip, uint16_t port) {
  return *wire::Multiaddr::parse("/ip4/" + ip + "/tcp/" + std::to_string(port));
}

}  // namespace

std::unique_ptr<SimTransport> SimNetwork::add_node() {
  const uint32_t n = next_node_++;
  return std::make_unique<SimTransport>(
      *this, "127.1." + std::to_string((n >> 8) & 255) + "." + std::to_string(n & 255));
}

SimTransport::~SimTransport() {
  *alive_ = false;
  close_listeners();
}

Result<wire::Multiaddr> SimTransport::listen(const wire::Multiaddr& addr,
                                             runtime::AcceptFn on_accept) {
  auto port = addr.tcp_port();
  if (!port) return make_error(Errc::unsupported, "sim: can only listen on /ip4/…/tcp/…");
  uint16_t p = *port ? *port : next_port_++;
  std::string key = ip_ + ":" + std::to_string(p);
  if (net_.listeners_.count(key)) return make_error(Errc::io, "sim: address in use: " + key);
  net_.listeners_[key] = {this, std::move(on_accept)};
  listening_.push_back(key);
  return tcp_addr(ip_, p);
}

void SimTransport::dial(const wire::Multiaddr& addr, Duration timeout, runtime::DialFn done) {
  auto ip = addr.ip();
  auto port = addr.tcp_port();
  SimLoop& loop = net_.loop_;
  const Duration lat = net_.latency_;
  std::weak_ptr<bool> alive = alive_;
  if (!ip || !port) {
    loop.post([done = std::move(done)] {
      done(make_error(Errc::unsupported, "sim: can only dial /ip4/…/tcp/…"));
    });
    return;
  }
  std::string key = *ip + ":" + std::to_string(*port);
  const uint16_t local_port = next_port_++;
  // SYN reaches the listener after one latency; SYN-ACK is back after two.
  loop.schedule_at(loop.now() + lat, [this, alive, key, local_port, lat, timeout, &loop,
                                      done = std::move(done)]() mutable {
    if (alive.expired() || !*alive.lock()) return;
    auto it = net_.listeners_.find(key);
    if (it == net_.listeners_.end()) {
      loop.schedule_at(loop.now() + lat, [alive, key, done = std::move(done)] {
        if (alive.expired()) return;
        done(make_error(Errc::io, "sim: connection refused by " + key));
      });
      return;
    }
    auto [server_tr, accept] = it->second;
    auto colon = key.find(':');
    wire::Multiaddr server_addr =
        tcp_addr(key.substr(0, colon), uint16_t(std::stoi(key.substr(colon + 1))));
    wire::Multiaddr client_addr = tcp_addr(ip_, local_port);
    auto client = std::make_unique<SimStream>(loop, lat, client_addr, server_addr);
    auto server = std::make_unique<SimStream>(loop, lat, server_addr, client_addr);
    client->link(server.get(), server->alive());
    server->link(client.get(), client->alive());
    accept(std::move(server));
    // std::function needs copyable captures: hold the client end in a shared box.
    auto box = std::make_shared<std::unique_ptr<SimStream>>(std::move(client));
    loop.schedule_at(loop.now() + lat, [alive, box, done = std::move(done)]() mutable {
      if (alive.expired()) return;
      done(std::unique_ptr<runtime::ByteStream>(std::move(*box)));
    });
  });
  (void)timeout;  // a simulated dial always answers within two latencies
}

void SimTransport::close_listeners() {
  for (auto& key : listening_) net_.listeners_.erase(key);
  listening_.clear();
}

}  // namespace aipg::io::sim
