// Client-controlled text (a request target, an exception message) made fit for a log line.
// Internal to api/.
#pragma once

#include <string>
#include <string_view>

namespace aipg::api::detail {

// At most `max` bytes of `s`, with bytes outside printable ASCII, '"' and '\' percent-encoded and
// "..." appended if cut. The JSON log format (app/logging.cpp) puts the message in a JSON string
// without escaping, so a quote or a control character from a client would break the line.
std::string log_safe(std::string_view s, size_t max = 256);

}  // namespace aipg::api::detail
