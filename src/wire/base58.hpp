// base58btc (the Bitcoin alphabet), the text form of peer ids and of multibase 'z'.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace aipg::wire {

std::string base58_encode(BytesView in);
// Rejects characters outside the alphabet and inputs over max_len characters (decoding is
// quadratic, so a limit keeps hostile inputs cheap).
Result<Bytes> base58_decode(std::string_view in, size_t max_len = 256);

// RFC 4648 base32, lower case, no padding: multibase 'b', used by CIDv1 peer ids.
std::string base32_encode(BytesView in);
Result<Bytes> base32_decode(std::string_view in);

}  // namespace aipg::wire
