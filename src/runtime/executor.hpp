// runtime::Executor — the one strand a node's state lives on. post() runs fn later on it,
// never inline, so a callback can safely post work that touches the caller's state.
#pragma once

#include <functional>

namespace aipg::runtime {

class Executor {
 public:
  virtual ~Executor() = default;
  virtual void post(std::function<void()> fn) = 0;
};

}  // namespace aipg::runtime
