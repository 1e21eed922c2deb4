#include "app/host_boot.hpp"

#include <boost/json/serialize.hpp>

#include "app/json_lines.hpp"
#include "app/key_file.hpp"
#include "app/version.hpp"
#include "base/log.hpp"

namespace aipg::app {

Result<HostPlan> plan_host(const HostOptions& o) {
  AIPG_TRY_ASSIGN(auto key, load_or_create_key(o.key_file));
  HostPlan plan{std::move(key), {}, {}, {}};
  for (const auto& text : o.listen) {
    auto ma = wire::Multiaddr::parse(text);
    if (!ma)
      return make_error(Errc::invalid_argument, "--listen " + text + ": " + ma.error().message);
    plan.listen.push_back(std::move(*ma));
  }
  plan.host.agent_version = kAgentVersion;
  plan.host.max_connections = o.max_connections;
  if (auto s = plan.host.validate(); !s) return s.error();
  for (const auto& text : o.bootstrap) {
    auto ma = wire::Multiaddr::parse(text);
    if (!ma) {
      return make_error(Errc::invalid_argument, "--bootstrap " + text + ": " + ma.error().message);
    }
    plan.discovery.bootstrap.push_back(std::move(*ma));
  }
  if (auto s = plan.discovery.validate(); !s) {
    return make_error(Errc::invalid_argument, "--bootstrap: " + s.error().message);
  }
  return plan;
}

Result<std::vector<wire::Multiaddr>> listen_and_announce(node::Host& host,
                                                         const std::vector<wire::Multiaddr>& at) {
  auto bound = host.listen(at);
  if (!bound) return make_error(bound.error().code, "listen: " + bound.error().message);
  std::vector<wire::Multiaddr> full;
  for (const auto& a : *bound) full.push_back(a.with_p2p(host.peer_id().multihash()));
  announce_listening(host, full);
  return full;
}

void announce_listening(const node::Host& host, const std::vector<wire::Multiaddr>& full) {
  log::info("ready: peer id {}, listening on {}", host.peer_id().to_base58(),
            boost::json::serialize(to_json(full)));
  emit({{"event", "listening"}, {"peer_id", host.peer_id().to_base58()}, {"addrs", to_json(full)}});
}

}  // namespace aipg::app
