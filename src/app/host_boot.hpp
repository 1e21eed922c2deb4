// What every long-running role does first: read the key, parse --listen and --bootstrap, build
// the host and discovery configs, and after binding announce where it listens (one log line and
// one JSON `listening` line, DESIGN.md §1). Errors name the flag.
#pragma once

#include <vector>

#include "app/commands.hpp"
#include "base/result.hpp"
#include "node/discovery.hpp"
#include "node/host.hpp"

namespace aipg::app {

struct HostPlan {
  wire::KeyPair key;
  std::vector<wire::Multiaddr> listen;
  node::HostConfig host;
  node::DiscoveryConfig discovery;
};

Result<HostPlan> plan_host(const HostOptions& o);

// Binds the plan's addresses; on success logs the ready line, emits
// {"event":"listening","peer_id","addrs"} and returns the full addresses (with /p2p/).
Result<std::vector<wire::Multiaddr>> listen_and_announce(node::Host& host,
                                                         const std::vector<wire::Multiaddr>& at);
// The announcement alone, for addresses already bound (`full`: with /p2p/).
void announce_listening(const node::Host& host, const std::vector<wire::Multiaddr>& full);

}  // namespace aipg::app
