// io::TcpStream — runtime::ByteStream over a connected TCP socket (TCP_NODELAY on).
//
//   open ──close()──► flushing ──queue empty: shutdown(SEND)──► draining ──peer EOF──► closed
//    │  ──peer EOF──► flushing (then closed once the queue is flushed)                   ▲
//    └──── read/write error, abort(), close timeout ─────────────────────────────────────┘
//
// Reads go into one 256 KiB buffer per stream, reused for the stream's life, and on_data() is
// called synchronously from the read completion with a view into it (valid during the call only).
// Writes queue their Bytes; one gathered async_write sends everything queued at a time, and
// on_drained() runs when the queue is empty again.
//
// Beyond the ByteStream contract:
//  - on_closed() is always delivered from the context, never inside a call into the stream;
//    abort() reports Errc::closed, a flush or drain taking over 5 s after close() reports
//    Errc::timeout (or ok if everything was flushed and only the peer's EOF is missing).
//  - After close(), write() is ignored, incoming bytes are discarded (read only to see the
//    peer's EOF, so that our last bytes are not lost to a reset) and on_drained() is not called.
//  - On the peer's EOF the queued writes are still flushed before on_closed(ok); write() from
//    then on is ignored (libp2p never half-closes a TCP connection).
//  - Destroying the stream is abort() without on_closed(); the socket and buffers are released
//    once the in-flight operations have completed or the io_context is destroyed. Streams must
//    not outlive their io_context.
#pragma once

#include <memory>

#include "runtime/byte_stream.hpp"

namespace aipg::io {

class TcpStream final : public runtime::ByteStream {
 public:
  // The socket and its state; shared with in-flight completion handlers only (see tcp_stream.cpp).
  struct Impl;
  explicit TcpStream(std::shared_ptr<Impl> impl);
  ~TcpStream() override;
  TcpStream(const TcpStream&) = delete;
  TcpStream& operator=(const TcpStream&) = delete;

  void start(Handler* handler) override;
  void write(Bytes data) override;
  size_t pending_write_bytes() const override;
  void pause_reading() override;
  void resume_reading() override;
  void close() override;
  void abort() override;
  const wire::Multiaddr& local_addr() const override;
  const wire::Multiaddr& remote_addr() const override;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace aipg::io
