// aipg bootstrap: a plain mesh peer with a stable address that others dial first (DESIGN.md §1).
// It relays the grid's topics and so judges what it relays exactly as an API node does (a relay
// that forwarded junk would be scored down by everyone), but takes no jobs and advertises none.
#include "app/commands.hpp"
#include "app/grid_host.hpp"
#include "app/json_lines.hpp"
#include "app/role_config.hpp"
#include "base/log.hpp"
#include "node/api_node_service.hpp"

namespace aipg::app {

int run_bootstrap(const HostOptions& o) {
  auto gh = GridHost::create(o);
  if (!gh) {
    log::error("{}", gh.error().message);
    return gh.error().code == Errc::invalid_argument ? 2 : 1;
  }
  GridHost& g = **gh;
  grid::ApiNodeCore core(g.host().peer_id(), bootstrap_config(), g.rt().rng);
  g.set_app_score([&](const wire::PeerId& p) { return core.app_score(p, g.rt().clock.now()); });
  node::ApiNodeService service(g.rt(), g.pubsub(), core);
  if (auto bound = g.start(); !bound) {
    log::error("{}", bound.error().message);
    return 1;
  }
  service.start();
  g.run_until_signal(nullptr);
  emit({{"event", "stopped"}});
  return 0;
}

}  // namespace aipg::app
