#include "wire/varint.hpp"

#include <string>

namespace aipg::wire {

void put_uvarint(Bytes& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(uint8_t(v) | 0x80);
    v >>= 7;
  }
  out.push_back(uint8_t(v));
}

size_t uvarint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

Result<std::optional<Varint>> read_uvarint(BytesView in) {
  uint64_t v = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    if (i == kMaxVarintBytes) {
      return make_error(Errc::malformed, "varint: longer than 9 bytes");
    }
    const uint8_t b = in[i];
    v |= uint64_t(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      // The spec requires the minimal encoding: a trailing zero byte would be a second encoding
      // of the same number.
      if (b == 0 && i > 0) return make_error(Errc::malformed, "varint: not minimally encoded");
      return std::optional<Varint>(Varint{v, i + 1});
    }
  }
  if (in.size() >= kMaxVarintBytes)
    return make_error(Errc::malformed, "varint: longer than 9 bytes");
  return std::optional<Varint>();
}

Result<std::optional<Frame>> read_uvarint_frame(BytesView in, size_t max_len) {
  auto r = read_uvarint(in);
  if (!r) return std::move(r).error();
  if (!*r) return std::optional<Frame>();
  const Varint len = **r;
  if (len.value > max_len) {
    return make_error(Errc::too_large, "frame of " + std::to_string(len.value) +
                                           " bytes exceeds the limit of " +
                                           std::to_string(max_len));
  }
  if (in.size() - len.size < len.value) return std::optional<Frame>();
  return std::optional<Frame>(Frame{in.subspan(len.size, len.value), len.size + size_t(len.value)});
}

void put_uvarint_frame(Bytes& out, BytesView payload) {
  put_uvarint(out, payload.size());
  append(out, payload);
}

}  // namespace aipg::wire
