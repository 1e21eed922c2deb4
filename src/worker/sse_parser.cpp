#include "worker/sse_parser.hpp"

namespace aipg::worker {

SseParser::SseParser(SseLimits limits)
    : limits_(limits), lines_("sse", limits.max_line_bytes, /*cr_ends_line=*/true) {}

Status SseParser::feed(std::string_view piece, const EventFn& on_event) {
  return lines_.feed(piece, [&](std::string_view line) { return on_line(line, on_event); });
}

Status SseParser::on_line(std::string_view line, const EventFn& on_event) {
  if (line.empty()) {
    // A blank line ends the event; one without data is not dispatched (the format's rule).
    if (!has_data_) {
      event_.clear();
      return ok();
    }
    SseEvent e{std::move(event_), std::move(data_)};
    event_.clear();
    data_.clear();
    has_data_ = false;
    ++events_;
    return on_event(e);
  }
  if (line.front() == ':') return ok();  // a comment
  const size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    const size_t grown = data_.size() + (has_data_ ? 1 : 0) + value.size();
    if (grown > limits_.max_event_bytes) {
      return make_error(Errc::too_large, "sse: event " + std::to_string(events_ + 1) +
                                             " has data over the limit of " +
                                             std::to_string(limits_.max_event_bytes) + " bytes");
    }
    if (has_data_) data_.push_back('\n');
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_.assign(value);
  }
  return ok();
}

}  // namespace aipg::worker
