// io::TcpTransport — runtime::StreamTransport over TCP.
//
// listen(): /ip4|ip6/<addr>/tcp/<port> (port 0 picks one; the bound address is returned), with
// SO_REUSEADDR, then an accept loop that hands each connection to on_accept as a TcpStream (not
// started). Transient accept errors (out of descriptors) retry after 50 ms instead of spinning.
// dial(): /ip4|ip6 connect directly; /dns4|dns6|dns names go through Asio's async resolver (v4,
// v6 or either) and each resolved address is tried in turn; one timer bounds resolve + connect.
// Every stream gets TCP_NODELAY.
//
// done() of a dial and on_accept are never called inside listen()/dial(). Destroying the
// transport stops every listener and abandons every dial in flight: none of their callbacks run
// afterwards. Established streams are independent of the transport.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "runtime/byte_stream.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace aipg::io {

class TcpTransport final : public runtime::StreamTransport {
 public:
  explicit TcpTransport(boost::asio::io_context& ctx);
  ~TcpTransport() override;
  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;

  Result<wire::Multiaddr> listen(const wire::Multiaddr& addr, runtime::AcceptFn on_accept) override;
  // A timeout <= 0 means no deadline.
  void dial(const wire::Multiaddr& addr, Duration timeout, runtime::DialFn done) override;
  void close_listeners() override;

 private:
  struct Listener;
  struct DialOp;

  boost::asio::io_context& ctx_;
  std::vector<std::shared_ptr<Listener>> listeners_;
  std::unordered_map<uint64_t, std::shared_ptr<DialOp>> dials_;
  uint64_t next_dial_id_ = 1;
};

}  // namespace aipg::io
