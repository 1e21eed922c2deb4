#include "protocol/yamux/frame.hpp"

#include <string>

namespace aipg::yamux {

void encode_header(const Header& h, uint8_t* out) {
  out[0] = h.version;
  out[1] = static_cast<uint8_t>(h.type);
  put_be16(out + 2, h.flags);
  put_be32(out + 4, h.stream_id);
  put_be32(out + 8, h.length);
}

void append_header(Bytes& out, const Header& h) {
  uint8_t buf[kHeaderSize];
  encode_header(h, buf);
  out.insert(out.end(), buf, buf + kHeaderSize);
}

Result<Header> parse_header(BytesView in) {
  if (in.size() < kHeaderSize) {
    return make_error(Errc::malformed,
                      "yamux: header needs 12 bytes, got " + std::to_string(in.size()));
  }
  const uint8_t* p = in.data();
  if (p[0] != kVersion) {
    return make_error(Errc::unsupported,
                      "yamux: frame version " + std::to_string(p[0]) + " (only 0 is defined)");
  }
  if (p[1] > static_cast<uint8_t>(FrameType::kGoAway)) {
    return make_error(Errc::malformed, "yamux: unknown frame type " + std::to_string(p[1]));
  }
  Header h;
  h.version = p[0];
  h.type = static_cast<FrameType>(p[1]);
  h.flags = get_be16(p + 2);
  h.stream_id = get_be32(p + 4);
  h.length = get_be32(p + 8);
  return h;
}

const char* frame_type_name(FrameType t) {
  switch (t) {
    case FrameType::kData:
      return "Data";
    case FrameType::kWindowUpdate:
      return "WindowUpdate";
    case FrameType::kPing:
      return "Ping";
    case FrameType::kGoAway:
      return "GoAway";
  }
  return "unknown";
}

}  // namespace aipg::yamux
