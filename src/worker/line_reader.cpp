#include "worker/line_reader.hpp"

namespace aipg::worker {

LineReader::LineReader(std::string what, size_t max_line_bytes, bool cr_ends_line)
    : what_(std::move(what)), max_line_(max_line_bytes), cr_ends_line_(cr_ends_line) {}

Status LineReader::too_long() const {
  return make_error(Errc::too_large, what_ + ": line " + std::to_string(lines_ + 1) +
                                         " over the limit of " + std::to_string(max_line_) +
                                         " bytes");
}

Status LineReader::feed(std::string_view piece, const LineFn& on_line) {
  size_t at = 0;
  while (at < piece.size()) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (piece[at] == '\n') {
        ++at;
        continue;
      }
    }
    const std::string_view rest = piece.substr(at);
    const size_t end = rest.find_first_of(cr_ends_line_ ? std::string_view("\r\n", 2) : "\n");
    if (end == std::string_view::npos) {
      if (partial_.size() + rest.size() > max_line_) return too_long();
      partial_.append(rest);
      return ok();
    }
    if (partial_.size() + end > max_line_) return too_long();
    std::string_view line = rest.substr(0, end);
    if (rest[end] == '\r') skip_lf_ = true;
    at += end + 1;
    ++lines_;
    Status s;
    if (partial_.empty()) {
      if (!cr_ends_line_ && !line.empty() && line.back() == '\r') line.remove_suffix(1);
      s = on_line(line);
    } else {
      partial_.append(line);
      if (!cr_ends_line_ && partial_.back() == '\r') partial_.pop_back();
      // Moved out first: on_line may not see the buffer it is being filled into.
      std::string whole = std::move(partial_);
      partial_.clear();
      s = on_line(whole);
    }
    if (!s) return s;
  }
  return ok();
}

}  // namespace aipg::worker
