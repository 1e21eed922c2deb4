// EchoServer — writes back every byte a stream brings, with backpressure (reading pauses while
// the echo is not yet out), half-closes when the remote does. Ping's listener side is one;
// `/aipg/echo/1.0.0` (a throughput and interop check for operators and tests) is another.
#pragma once

#include <memory>
#include <unordered_map>

#include "node/stream.hpp"
#include "runtime/executor.hpp"

namespace aipg::node {

inline constexpr char kEchoProtocol[] = "/aipg/echo/1.0.0";

class EchoServer {
 public:
  explicit EchoServer(runtime::Executor& executor) : executor_(executor) {}
  void serve(std::unique_ptr<Stream> s);
  size_t active() const { return streams_.size(); }

 private:
  runtime::Executor& executor_;
  std::unordered_map<Stream*, std::unique_ptr<Stream>> streams_;
};

}  // namespace aipg::node
