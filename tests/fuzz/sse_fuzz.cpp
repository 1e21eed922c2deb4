// Fuzzes the SSE parser: small caps so they are reached; the events (or the error) must not
// depend on where the body is cut into pieces, and no event may exceed the data cap.
#include <cstdlib>
#include <string>
#include <vector>

#include "worker/sse_parser.hpp"

namespace {

using namespace aipg;
using namespace aipg::worker;

constexpr SseLimits kLimits{64, 256};

struct Out {
  std::vector<std::string> events;
  bool ok = true;
  Errc code = Errc::internal;
};

Out parse(std::string_view body, size_t step) {
  SseParser p(kLimits);
  Out out;
  for (size_t at = 0; at < body.size(); at += step) {
    Status s = p.feed(body.substr(at, step), [&](const SseEvent& e) {
      if (e.data.size() > kLimits.max_event_bytes) abort();
      out.events.push_back(e.event + '\0' + e.data);
      return ok();
    });
    if (!s) {
      out.ok = false;
      out.code = s.error().code;
      break;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t step = 1 + data[0] % 13;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const Out whole = parse(body, body.size() + 1);
  const Out pieces = parse(body, step);
  if (whole.ok != pieces.ok || whole.events != pieces.events) abort();
  if (!whole.ok && (whole.code != Errc::too_large || pieces.code != Errc::too_large)) abort();
  return 0;
}
