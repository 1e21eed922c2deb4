// LineReader — cuts a byte stream that arrives in arbitrary pieces into lines, sans-IO. A line
// ends at LF (a CR before it is dropped) and, for SSE, also at a lone CR; a CR at the end of one
// piece and an LF at the start of the next still make one line end. A line longer than the cap
// is an error: a server that never sends a newline must not grow our memory without bound.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace aipg::worker {

class LineReader {
 public:
  using LineFn = std::function<Status(std::string_view line)>;

  // `what` names the stream in errors ("sse", "ndjson").
  LineReader(std::string what, size_t max_line_bytes, bool cr_ends_line);

  // Calls `on_line` for each line the piece completes; stops at the first error, its own (a line
  // over the cap) or `on_line`'s. After an error the reader must not be fed again.
  Status feed(std::string_view piece, const LineFn& on_line);
  // The bytes of a line not yet ended.
  const std::string& partial() const { return partial_; }
  size_t lines() const { return lines_; }

 private:
  Status too_long() const;

  std::string what_;
  size_t max_line_;
  bool cr_ends_line_;
  bool skip_lf_ = false;  // the last byte was a CR that ended a line
  std::string partial_;
  size_t lines_ = 0;
};

}  // namespace aipg::worker
