// A ByteStream::Handler that records every callback, with optional hooks to act inside them.
#pragma once

#include <functional>
#include <optional>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "runtime/byte_stream.hpp"

namespace aipg::io::testing {

struct RecordingHandler : runtime::ByteStream::Handler {
  Bytes data;
  size_t data_calls = 0;
  size_t drained = 0;
  size_t closed_calls = 0;
  std::optional<Status> closed;
  std::function<void(BytesView)> on_data_hook;
  std::function<void()> on_closed_hook;

  size_t calls() const { return data_calls + drained + closed_calls; }

  void on_data(BytesView d) override {
    ++data_calls;
    append(data, d);
    if (on_data_hook) on_data_hook(d);
  }
  void on_closed(Status reason) override {
    ++closed_calls;
    closed = reason;
    if (on_closed_hook) on_closed_hook();
  }
  void on_drained() override { ++drained; }
};

}  // namespace aipg::io::testing
