// SseParser — Server-Sent Events (the WHATWG event-stream format that OpenAI-compatible servers
// stream with), sans-IO: fed the body in whatever pieces the network gives, it reports each
// complete event. Lines end at LF, CRLF or CR; `data:` lines accumulate (joined by "\n") until a
// blank line ends the event; `:` lines are comments (keep-alives); `event:` names the event;
// other fields are ignored. Caps on a line and on one event's data bound memory.
#pragma once

#include <functional>
#include <string>

#include "worker/line_reader.hpp"

namespace aipg::worker {

struct SseEvent {
  std::string event;  // "" unless an `event:` line named it
  std::string data;
  // OpenAI's end-of-stream marker, `data: [DONE]`.
  bool is_done() const { return data == "[DONE]"; }
};

struct SseLimits {
  size_t max_line_bytes = 1 << 20;
  size_t max_event_bytes = 4 << 20;
};

class SseParser {
 public:
  using EventFn = std::function<Status(const SseEvent&)>;

  explicit SseParser(SseLimits limits = {});

  // Reports each event the piece completes; the first error (a cap, or `on_event`'s) ends the
  // stream: feed no more after one.
  Status feed(std::string_view piece, const EventFn& on_event);
  // Bytes of an event not yet ended by a blank line. At the end of the stream they are dropped,
  // as the format says; a caller may treat them as a stream cut short.
  bool pending() const { return !lines_.partial().empty() || has_data_ || !event_.empty(); }
  size_t events() const { return events_; }

 private:
  Status on_line(std::string_view line, const EventFn& on_event);

  SseLimits limits_;
  LineReader lines_;
  std::string event_;
  std::string data_;
  bool has_data_ = false;
  size_t events_ = 0;
};

}  // namespace aipg::worker
