// Unsigned varint (multiformats/unsigned-varint): LEB128, at most 9 bytes (63 bits), minimal
// encoding required. Used for multistream, multiaddr codes, multihash and length-prefixed frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace aipg::wire {

inline constexpr size_t kMaxVarintBytes = 9;

struct Varint {
  uint64_t value;
  size_t size;  // bytes consumed
};

// Appends the encoding of v.
void put_uvarint(Bytes& out, uint64_t v);
size_t uvarint_size(uint64_t v);

// Decodes from the front of `in`. Returns std::nullopt when `in` ends before the varint does
// (read more and try again); an Error when the bytes can never form a valid varint.
Result<std::optional<Varint>> read_uvarint(BytesView in);

// Length-prefixed frame: uvarint(len) ‖ payload. Returns nullopt until the whole frame is there;
// an Error when the varint is bad or len > max_len (the frame must then be refused).
struct Frame {
  BytesView payload;
  size_t consumed;  // prefix + payload
};
Result<std::optional<Frame>> read_uvarint_frame(BytesView in, size_t max_len);
void put_uvarint_frame(Bytes& out, BytesView payload);

}  // namespace aipg::wire
