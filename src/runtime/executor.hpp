// runtime::Executor — the one strand a node's state lives on. post() runs fn later on it,
// never inline, so a callback can safely post work that touches the caller's state.
#pragma once

#include <functional>
#include <memory>

namespace aipg::runtime {

class Executor {
 public:
  virtual ~Executor() = default;
  virtual void post(std::function<void()> fn) = 0;
};

// Destroys `p` once the current handler has returned: for an object (a stream, a session) whose
// own callback we may be inside.
template <class T>
void destroy_later(Executor& executor, std::unique_ptr<T> p) {
  std::shared_ptr<T> doomed(std::move(p));
  executor.post([doomed] {});
}

}  // namespace aipg::runtime
