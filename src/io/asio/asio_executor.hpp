// io::AsioExecutor — runtime::Executor over an io_context. The node runs the context on one
// thread, so posting onto it is posting onto the node's strand.
#pragma once

#include <functional>

#include "runtime/executor.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace aipg::io {

class AsioExecutor final : public runtime::Executor {
 public:
  explicit AsioExecutor(boost::asio::io_context& ctx) : ctx_(ctx) {}
  // Never runs fn inline, even when called from the context's thread.
  void post(std::function<void()> fn) override;

 private:
  boost::asio::io_context& ctx_;
};

}  // namespace aipg::io
