// Machine-readable output: one JSON object per line on stdout, flushed at once, so that tests
// and scripts can follow a running command.
#pragma once

#include <boost/json/object.hpp>

#include "node/host.hpp"

namespace aipg::app {

void emit(const boost::json::object& o);
boost::json::array to_json(const std::vector<wire::Multiaddr>& addrs);
boost::json::array to_json(const std::vector<std::string>& strings);
// {"event": event, "peer_id", "agent", "protocol_version", "protocols", "listen_addrs",
// "observed_addr"}
// Sets o["data"] to the text when `data` is valid UTF-8 without control characters (tab
// excepted), else o["data_base64"] to its base64.
void put_data(boost::json::object& o, BytesView data);

boost::json::object peer_json(const char* event, const wire::PeerId& peer,
                              const node::PeerInfo& info);

}  // namespace aipg::app
