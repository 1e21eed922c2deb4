#include "app/json_lines.hpp"

#include <boost/json/serialize.hpp>
#include <cstdio>

#include "base/utf8.hpp"

namespace aipg::app {

void emit(const boost::json::object& o) {
  std::string line = boost::json::serialize(o);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

boost::json::array to_json(const std::vector<wire::Multiaddr>& addrs) {
  boost::json::array a;
  for (const auto& m : addrs) a.emplace_back(m.to_string());
  return a;
}

boost::json::array to_json(const std::vector<std::string>& strings) {
  boost::json::array a;
  for (const auto& s : strings) a.emplace_back(s);
  return a;
}

namespace {

bool is_printable_utf8(BytesView b) {
  const std::string_view s = as_chars(b);
  for (size_t i = 0; i < s.size();) {
    const size_t len = utf8_char_length(s, i);
    if (len == 0) return false;
    const auto c = static_cast<uint8_t>(s[i]);
    if (len == 1 && ((c < 0x20 && c != '\t') || c == 0x7f)) return false;
    i += len;
  }
  return true;
}

std::string base64(BytesView b) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((b.size() + 2) / 3 * 4);
  for (size_t i = 0; i < b.size(); i += 3) {
    uint32_t v = uint32_t(b[i]) << 16;
    if (i + 1 < b.size()) v |= uint32_t(b[i + 1]) << 8;
    if (i + 2 < b.size()) v |= b[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < b.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back(i + 2 < b.size() ? kAlphabet[v & 63] : '=');
  }
  return out;
}

}  // namespace

void put_data(boost::json::object& o, BytesView data) {
  if (is_printable_utf8(data)) {
    o["data"] = as_chars(data);
  } else {
    o["data_base64"] = base64(data);
  }
}

boost::json::object peer_json(const char* event, const wire::PeerId& peer,
                              const node::PeerInfo& info) {
  boost::json::object o;
  o["event"] = event;
  o["peer_id"] = peer.to_base58();
  o["agent"] = info.agent_version;
  o["protocol_version"] = info.protocol_version;
  o["protocols"] = to_json(info.protocols);
  o["listen_addrs"] = to_json(info.addrs);
  o["observed_addr"] = info.observed_addr ? boost::json::value(info.observed_addr->to_string())
                                          : boost::json::value(nullptr);
  // From its signed peer record, when it sent one that opened: what it vouches for itself.
  if (info.record_seq) {
    o["signed_peer_record"] = boost::json::object{{"seq", std::to_string(*info.record_seq)},
                                                  {"addrs", to_json(info.certified_addrs)}};
  } else {
    o["signed_peer_record"] = nullptr;
  }
  return o;
}

}  // namespace aipg::app
