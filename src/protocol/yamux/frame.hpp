// yamux framing (hashicorp/yamux spec.md, libp2p/specs yamux): every frame starts with a 12-byte
// header, all fields big-endian:
//
//   Version (8 bits) | Type (8 bits) | Flags (16 bits) | StreamID (32 bits) | Length (32 bits)
//
// "The meaning of the length field depends on the message type": Data — the number of payload
// bytes following the header; Window Update — a delta to the sender's window; Ping — an opaque
// value, echoed back; Go Away — an error code. Ping and Go Away always use StreamID 0.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace aipg::yamux {

inline constexpr char kProtocolId[] = "/yamux/1.0.0";
inline constexpr size_t kHeaderSize = 12;
// "At the current time, the field is always set to 0, to indicate the initial version."
inline constexpr uint8_t kVersion = 0;

enum class FrameType : uint8_t {
  kData = 0,          // payload of `length` bytes follows
  kWindowUpdate = 1,  // `length` is a window delta
  kPing = 2,          // `length` is an opaque value; SYN = request, ACK = response
  kGoAway = 3,        // `length` is a GoAwayCode
};

// Flags may be combined. SYN/ACK/FIN/RST "may be sent with a data or window update message";
// SYN/ACK also mark a ping as request/response.
namespace flags {
inline constexpr uint16_t kSyn = 0x1;  // start of a new stream (or a ping request)
inline constexpr uint16_t kAck = 0x2;  // acknowledges a new stream (or a ping response)
inline constexpr uint16_t kFin = 0x4;  // half-close: the sender will send no further data
inline constexpr uint16_t kRst = 0x8;  // reset the stream immediately
}  // namespace flags

// "The Length should be set to one of the following to provide an error code". A peer may send
// another value; it is carried through unchanged (enum class holds any uint32_t).
enum class GoAwayCode : uint32_t {
  kNormal = 0,
  kProtocolError = 1,
  kInternalError = 2,
};

struct Header {
  uint8_t version = kVersion;
  FrameType type = FrameType::kData;
  uint16_t flags = 0;
  uint32_t stream_id = 0;
  uint32_t length = 0;

  bool has(uint16_t f) const { return (flags & f) != 0; }
  friend bool operator==(const Header&, const Header&) = default;
};

// Writes exactly kHeaderSize bytes at `out`.
void encode_header(const Header& h, uint8_t* out);
// Appends the 12 header bytes to `out`.
void append_header(Bytes& out, const Header& h);

// Parses the first kHeaderSize bytes of `in`. Errors: `in` shorter than a header (malformed), a
// version other than 0 (unsupported), a type other than 0..3 (malformed). Unknown flag bits are
// ignored, as other implementations do, so that a future flag does not break the session.
Result<Header> parse_header(BytesView in);

const char* frame_type_name(FrameType t);

}  // namespace aipg::yamux
