// UTF-8 well-formedness, one character at a time (RFC 3629): peers' and backends' bytes are
// checked before they become JSON text or proto3 strings.
#pragma once

#include <cstddef>
#include <string_view>

namespace aipg {

// The length (1–4) of the well-formed UTF-8 character that starts at s[i], or 0 when none does:
// a stray continuation byte, a truncated sequence, an overlong form, a surrogate, or a value
// past U+10FFFF. i < s.size().
size_t utf8_char_length(std::string_view s, size_t i);

}  // namespace aipg
