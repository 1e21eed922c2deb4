// Connection — one TCP (or simulated) byte stream upgraded to a secure, multiplexed libp2p
// connection, and the streams on it. It glues the sans-IO cores together; no protocol rule
// lives here.
//
//   kSecurityNegotiation ──mss "/noise"──▶ kHandshake ──Noise XX──▶ kMuxerNegotiation
//        (plaintext)                         (noise frames)          (mss "/yamux/1.0.0",
//        encrypted)
//                                                                          │
//   kClosed ◀──── any error, timeout, EOF, close() ──── kOpen ◀────────────┘ (yamux, encrypted)
//
// Bytes that arrive with the last message of one step (peers pipeline) are handed to the next
// step, never dropped. Each step has its own output path: plaintext before the handshake ends,
// noise transport frames after.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"
#include "node/stream.hpp"
#include "protocol/multistream/negotiator.hpp"
#include "protocol/noise/handshake.hpp"
#include "protocol/noise/transport.hpp"
#include "protocol/yamux/session.hpp"
#include "runtime/byte_stream.hpp"
#include "wire/keys.hpp"
#include "wire/peer_id.hpp"

namespace aipg::node {

inline constexpr char kNoiseProtocol[] = "/noise";
inline constexpr char kYamuxProtocol[] = "/yamux/1.0.0";

enum class Direction { kInbound, kOutbound };

struct ConnectionConfig {
  Duration handshake_timeout = 10s;  // TCP accepted → yamux running
  Duration stream_negotiation_timeout = 10s;
  yamux::Config yamux{};
};

class Connection;

// What a Connection needs from its owner (the Host).
class ConnectionOwner {
 public:
  virtual ~ConnectionOwner() = default;
  virtual void on_connection_ready(Connection& c) = 0;
  virtual void on_connection_closed(Connection& c, const Status& reason) = 0;
  virtual bool supports_protocol(const std::string& protocol) const = 0;
  virtual void on_inbound_stream(Connection& c, std::unique_ptr<Stream> s) = 0;
};

using StreamCallback = std::function<void(Result<std::unique_ptr<Stream>>)>;

class Connection : public runtime::ByteStream::Handler {
 public:
  enum class State { kSecurityNegotiation, kHandshake, kMuxerNegotiation, kOpen, kClosed };

  struct Params {
    Direction direction;
    const wire::KeyPair* identity;
    std::array<uint8_t, 32> noise_static_secret;  // the host's X25519 static key
    std::optional<wire::PeerId> expected_remote;  // outbound: the dialled /p2p/ id
    ConnectionConfig config;
  };

  Connection(ConnectionOwner& owner, runtime::Runtime& rt, std::unique_ptr<runtime::ByteStream> io,
             Params params);
  ~Connection() override;

  void start();
  // Opens a yamux stream and negotiates the first protocol of `protocols` the peer accepts.
  void open_stream(std::vector<std::string> protocols, StreamCallback cb);
  // Sends yamux GoAway, flushes, closes. on_connection_closed follows (posted, never inline).
  void close(Status reason);

  State state() const { return state_; }
  Direction direction() const { return params_.direction; }
  const wire::PeerId& remote_peer() const { return remote_; }
  const std::optional<wire::PublicKey>& remote_key() const { return remote_key_; }
  const wire::Multiaddr& remote_addr() const { return io_->remote_addr(); }
  const wire::Multiaddr& local_addr() const { return io_->local_addr(); }
  size_t stream_count() const { return slots_.size(); }
  uint64_t id() const { return id_; }
  // When a stream last opened, closed or carried data: a connection idle since then (keepalive
  // pings do not count) is closed by the host after its idle timeout.
  Instant last_stream_activity() const { return last_stream_activity_; }

  // ByteStream::Handler
  void on_data(BytesView data) override;
  void on_closed(Status reason) override;
  void on_drained() override;

 private:
  friend class Stream;
  struct Slot {
    Stream* stream = nullptr;
    std::unique_ptr<Stream> owned;  // held here while negotiating
    std::unique_ptr<multistream::Dialer> dialer;
    std::unique_ptr<multistream::Listener> listener;
    StreamCallback cb;  // outbound only
    Instant deadline = kNever;
  };

  // Steps of the upgrade.
  Status feed(BytesView data);
  Status feed_security(BytesView data);
  Status feed_handshake(BytesView data);
  Status feed_plaintext(BytesView plain);
  Status feed_muxer_negotiation(BytesView plain);
  Status feed_yamux(BytesView plain);
  Status start_handshake(Bytes leftover);
  Status start_yamux(Bytes leftover);
  void process_yamux_events();
  void on_stream_data(uint32_t id, BytesView data);
  void finish_negotiation(uint32_t id, Slot& slot);

  // Output.
  void flush();
  void send_raw(Bytes bytes);

  // Called by Stream: the yamux operations on its id. yamux_write returns the bytes yamux
  // took (bounded by the peer's window and by what is queued on the socket).
  size_t yamux_write(uint32_t id, BytesView data);
  void yamux_close_write(uint32_t id);
  void yamux_reset(uint32_t id);
  void yamux_consume(uint32_t id, size_t n);
  void stream_finished(uint32_t id);
  void stream_destroyed(uint32_t id);

  void fail(Status reason);
  void terminate(Status reason, bool abort_io);
  void arm_timer();
  void on_timer();
  Instant now() const { return rt_.clock.now(); }

  ConnectionOwner& owner_;
  runtime::Runtime& rt_;
  std::unique_ptr<runtime::ByteStream> io_;
  Params params_;
  uint64_t id_;
  State state_ = State::kSecurityNegotiation;
  wire::PeerId remote_;
  std::optional<wire::PublicKey> remote_key_;

  std::unique_ptr<multistream::Dialer> sec_dialer_;
  std::unique_ptr<multistream::Listener> sec_listener_;
  std::unique_ptr<noise::Handshake> handshake_;
  std::optional<noise::Transport> transport_;
  std::unique_ptr<multistream::Dialer> mux_dialer_;
  std::unique_ptr<multistream::Listener> mux_listener_;
  std::unique_ptr<yamux::Session> yamux_;

  std::unordered_map<uint32_t, Slot> slots_;
  Bytes plain_out_;                // plaintext waiting for encryption
  Bytes cipher_out_;               // scratch for encrypted frames
  Bytes plain_in_;                 // scratch for decrypted bytes
  std::vector<uint32_t> blocked_;  // streams refused a write while the socket queue was full
  Instant handshake_deadline_;
  Instant last_stream_activity_;
  runtime::TimerId timer_ = runtime::kNoTimer;
  Instant timer_at_ = kNever;
  bool close_reported_ = false;
  // Guards against the Connection being torn down from inside one of its own callbacks.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace aipg::node
