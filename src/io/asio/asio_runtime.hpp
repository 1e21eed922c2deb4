// io::AsioRuntime — the real runtime::Runtime: one io_context and the clock, timers, rng,
// executor and TCP transport on it. One thread runs the context (one owner per node).
//
// Destroy every stream and everything holding runtime() before the AsioRuntime: the transport
// and timers go first, then the io_context (which releases what in-flight handlers still hold).
#pragma once

#include <functional>
#include <memory>

#include "base/time.hpp"
#include "runtime/byte_stream.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace aipg::io {

class TcpTransport;

class AsioRuntime {
 public:
  AsioRuntime();
  ~AsioRuntime();
  AsioRuntime(const AsioRuntime&) = delete;
  AsioRuntime& operator=(const AsioRuntime&) = delete;

  runtime::Runtime runtime();
  boost::asio::io_context& context();
  TcpTransport& tcp();

  // Runs handlers on the calling thread until stop(); idle time does not end it.
  void run();
  // Makes run()/run_for()/run_until() return soon; callable from any thread.
  void stop();
  // Runs handlers for `d` (or until stop()).
  void run_for(Duration d);
  // Runs handlers until pred() holds, `limit` has passed or stop(); returns pred(). For tests
  // and tools: bounded waits without sleeping.
  bool run_until(const std::function<bool()>& pred, Duration limit);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aipg::io
