#include "app/json_lines.hpp"

#include <boost/json/serialize.hpp>
#include <cstdio>

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
  return o;
}

}  // namespace aipg::app
