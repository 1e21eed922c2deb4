#include "api/job_id_text.hpp"

namespace aipg::api {

std::string job_id_text(const grid::JobId& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    const auto b = static_cast<uint8_t>(id[i]);
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::optional<grid::JobId> parse_job_id(std::string_view text) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  const bool dashed = text.size() == 36;
  if (!dashed && text.size() != 32) return std::nullopt;
  grid::JobId id;
  id.reserve(grid::kJobIdSize);
  int high = -1;
  for (size_t i = 0; i < text.size(); ++i) {
    if (dashed && (i == 8 || i == 13 || i == 18 || i == 23)) {
      if (text[i] != '-') return std::nullopt;
      continue;
    }
    const int n = nibble(text[i]);
    if (n < 0) return std::nullopt;
    if (high < 0) {
      high = n;
    } else {
      id += static_cast<char>(high << 4 | n);
      high = -1;
    }
  }
  return id;
}

}  // namespace aipg::api
