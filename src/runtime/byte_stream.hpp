// runtime::ByteStream and StreamTransport — reliable ordered byte pipes (TCP in io/asio,
// simulated pipes in io/sim). Everything runs on the node's executor; no locks.
//
// Contract of a ByteStream:
//  - start(handler) begins reading; handler->on_data() is called with what arrived (any split);
//    on_closed() is called exactly once, with ok() on a clean EOF or an Error otherwise, after
//    which no callback runs. Destroying the ByteStream aborts it and no callback runs after.
//  - write() queues bytes (ownership moves in); on_drained() runs when the queue becomes empty,
//    so a caller can apply backpressure on pending_write_bytes().
//  - pause_reading()/resume_reading() stop and restart on_data delivery (backpressure upward).
//  - close() flushes queued writes, then closes; abort() drops them and on_closed(Errc::closed)
//    follows (posted, never inside the call). write() after close() or abort() is ignored.
#pragma once

#include <functional>
#include <memory>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "runtime/clock.hpp"
#include "runtime/executor.hpp"
#include "runtime/rng.hpp"
#include "runtime/timers.hpp"
#include "wire/multiaddr.hpp"

namespace aipg::runtime {

class ByteStream {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void on_data(BytesView data) = 0;
    virtual void on_closed(Status reason) = 0;
    virtual void on_drained() {}
  };

  virtual ~ByteStream() = default;
  virtual void start(Handler* handler) = 0;
  virtual void write(Bytes data) = 0;
  virtual size_t pending_write_bytes() const = 0;
  virtual void pause_reading() = 0;
  virtual void resume_reading() = 0;
  virtual void close() = 0;
  virtual void abort() = 0;
  virtual const wire::Multiaddr& local_addr() const = 0;
  virtual const wire::Multiaddr& remote_addr() const = 0;
};

using AcceptFn = std::function<void(std::unique_ptr<ByteStream>)>;
using DialFn = std::function<void(Result<std::unique_ptr<ByteStream>>)>;

class StreamTransport {
 public:
  virtual ~StreamTransport() = default;
  // Binds and listens; returns the bound address (port 0 resolved). Accepted streams are handed
  // to on_accept, not yet started.
  virtual Result<wire::Multiaddr> listen(const wire::Multiaddr& addr, AcceptFn on_accept) = 0;
  // Connects to an /ip4|ip6|dns4|dns6/…/tcp/… address (a trailing /p2p/ is ignored here);
  // done() runs exactly once, with Errc::timeout after `timeout`.
  virtual void dial(const wire::Multiaddr& addr, Duration timeout, DialFn done) = 0;
  // Stops every listener; established streams are not touched.
  virtual void close_listeners() = 0;
};

// The bundle a node is built on: the real one in io/asio, the simulated one in io/sim.
struct Runtime {
  Clock& clock;
  Timers& timers;
  Rng& rng;
  Executor& executor;
  StreamTransport& transport;
};

}  // namespace aipg::runtime
