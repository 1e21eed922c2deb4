#include "protocol/multistream/message.hpp"

#include "wire/varint.hpp"

namespace aipg::multistream {

void put_message(Bytes& out, std::string_view text) {
  wire::put_uvarint(out, text.size() + 1);
  append(out, as_bytes(text));
  out.push_back('\n');
}

Result<std::optional<Message>> read_message(BytesView in) {
  auto frame = wire::read_uvarint_frame(in, kMaxMessageSize);
  if (!frame) {
    Error e = std::move(frame).error();
    e.message = "message: " + e.message;
    return e;
  }
  if (!*frame) return std::optional<Message>();
  BytesView body = (*frame)->payload;
  // An empty body cannot carry the newline the spec puts at the end of every message.
  if (body.empty() || body.back() != '\n') {
    return make_error(Errc::malformed, "message does not end with a newline");
  }
  return std::optional<Message>(Message{as_chars(body.first(body.size() - 1)), (*frame)->consumed});
}

Status check_protocol_id(std::string_view id) {
  if (id.empty()) return make_error(Errc::invalid_argument, "empty protocol id");
  if (id.size() + 1 > kMaxMessageSize) {
    return make_error(Errc::invalid_argument, "protocol id of " + std::to_string(id.size()) +
                                                  " bytes is over " +
                                                  std::to_string(kMaxMessageSize - 1));
  }
  if (id.find('\n') != std::string_view::npos) {
    return make_error(Errc::invalid_argument, "protocol id " + quote(id) + " contains a newline");
  }
  return ok();
}

std::string quote(std::string_view text) {
  constexpr size_t kMaxShown = 64;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s = "'";
  for (size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      s += char(c);
    } else {
      s += "\\x";
      s += kHex[c >> 4];
      s += kHex[c & 0xf];
    }
  }
  s += '\'';
  if (text.size() > kMaxShown) s += "… (" + std::to_string(text.size()) + " bytes)";
  return s;
}

}  // namespace aipg::multistream
