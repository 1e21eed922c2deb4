// multistream-select 1.0 messages (multiformats/multistream-select): "Every multistream message
// is a length-prefixed-message" — `uvarint(len) ‖ text ‖ '\n'` — and "this character [the '\n']
// is included in the byte count that is accounted by the prepended varint". So `na` travels as
// `03 6e 61 0a` and the header as `13 "/multistream/1.0.0" 0a`.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace aipg::multistream {

inline constexpr std::string_view kHeader = "/multistream/1.0.0";
inline constexpr std::string_view kNotAvailable = "na";
inline constexpr std::string_view kList = "ls";

// The largest `len` (text plus the newline) we accept or send. The spec sets no limit;
// go-multistream (lpReadBuf: `length > 1024` → ErrTooLarge) and js-libp2p (MAX_PROTOCOL_LENGTH =
// 1024, checked on the data length) both refuse anything longer, so a longer message could never be
// agreed on anyway.
inline constexpr size_t kMaxMessageSize = 1024;

// Appends one framed message. `text` must satisfy check_protocol_id() (or be one of the fixed
// messages above).
void put_message(Bytes& out, std::string_view text);

// One message read from the front of a buffer: `text` excludes the newline and points into the
// buffer that was read; `consumed` counts the length prefix, the text and the newline.
struct Message {
  std::string_view text;
  size_t consumed;
};

// Returns nullopt while `in` holds only part of a message (read more and call again), an Error when
// the bytes can never be a valid message: a bad varint, a length of 0 or over kMaxMessageSize
// (refused as soon as the prefix is read, before the body arrives), or a body that does not end in
// '\n'.
Result<std::optional<Message>> read_message(BytesView in);

// A protocol id we may propose or echo: 1 to kMaxMessageSize - 1 bytes, no '\n' (the spec's framing
// has no escaping, and a peer splitting on the newline would misread it).
Status check_protocol_id(std::string_view id);

// `text` made safe for an error message: non-printable bytes as \xNN, cut after 64 bytes, quoted.
std::string quote(std::string_view text);

}  // namespace aipg::multistream
