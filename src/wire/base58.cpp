#include "wire/base58.hpp"

#include <array>

namespace aipg::wire {
namespace {

constexpr char kAlphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

constexpr std::array<int8_t, 128> make_index() {
  std::array<int8_t, 128> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 58; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = int8_t(i);
  return t;
}
constexpr auto kIndex = make_index();

constexpr char kBase32[] = "abcdefghijklmnopqrstuvwxyz234567";

}  // namespace

std::string base58_encode(BytesView in) {
  size_t zeros = 0;
  while (zeros < in.size() && in[zeros] == 0) ++zeros;
  // log(256)/log(58) ≈ 1.366
  std::vector<uint8_t> digits((in.size() - zeros) * 138 / 100 + 1, 0);
  size_t len = 0;
  for (size_t i = zeros; i < in.size(); ++i) {
    int carry = in[i];
    size_t j = 0;
    for (auto it = digits.rbegin(); (carry != 0 || j < len) && it != digits.rend(); ++it, ++j) {
      carry += 256 * (*it);
      *it = uint8_t(carry % 58);
      carry /= 58;
    }
    len = j;
  }
  std::string out(zeros, '1');
  auto it = digits.begin() + (digits.size() - len);
  for (; it != digits.end(); ++it) out.push_back(kAlphabet[*it]);
  return out;
}

Result<Bytes> base58_decode(std::string_view in, size_t max_len) {
  if (in.size() > max_len) {
    return make_error(Errc::too_large, "base58: " + std::to_string(in.size()) +
                                           " characters exceed the limit of " +
                                           std::to_string(max_len));
  }
  size_t ones = 0;
  while (ones < in.size() && in[ones] == '1') ++ones;
  // log(58)/log(256) ≈ 0.733
  std::vector<uint8_t> b256((in.size() - ones) * 733 / 1000 + 1, 0);
  size_t len = 0;
  for (size_t i = ones; i < in.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    const int v = c < 128 ? kIndex[c] : -1;
    if (v < 0)
      return make_error(Errc::malformed, "base58: invalid character at " + std::to_string(i));
    int carry = v;
    size_t j = 0;
    for (auto it = b256.rbegin(); (carry != 0 || j < len) && it != b256.rend(); ++it, ++j) {
      carry += 58 * (*it);
      *it = uint8_t(carry % 256);
      carry /= 256;
    }
    len = j;
  }
  Bytes out(ones, 0);
  out.insert(out.end(), b256.end() - len, b256.end());
  return out;
}

std::string base32_encode(BytesView in) {
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (uint8_t b : in) {
    buf = (buf << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32[(buf >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32[(buf << (5 - bits)) & 31]);
  return out;
}

Result<Bytes> base32_decode(std::string_view in) {
  Bytes out;
  uint32_t buf = 0;
  int bits = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    int v;
    if (c >= 'a' && c <= 'z')
      v = c - 'a';
    else if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= '2' && c <= '7')
      v = c - '2' + 26;
    else
      return make_error(Errc::malformed, "base32: invalid character at " + std::to_string(i));
    buf = (buf << 5) | uint32_t(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(uint8_t(buf >> (bits - 8)));
      bits -= 8;
    }
  }
  // Leftover bits must be zero padding of fewer than 5 bits' worth.
  if (bits >= 5 || (buf & ((1u << bits) - 1)) != 0) {
    return make_error(Errc::malformed, "base32: non-canonical trailing bits");
  }
  return out;
}

}  // namespace aipg::wire
