#include "protocol/gossipsub/mcache.hpp"

#include <string>

namespace aipg::gossipsub {

Result<void> MessageCacheConfig::validate() const {
  if (gossip == 0) {
    return make_error(Errc::invalid_argument,
                      "mcache: gossip must be at least 1 (no window to advertise from)");
  }
  if (history < gossip) {
    return make_error(Errc::invalid_argument,
                      "mcache: history (" + std::to_string(history) + ") must be >= gossip (" +
                          std::to_string(gossip) +
                          "): ids advertised in IHAVE must still be served to IWANT");
  }
  if (max_iwant_transmissions == 0) {
    return make_error(Errc::invalid_argument,
                      "mcache: max_iwant_transmissions must be at least 1 or IWANT never works");
  }
  return {};
}

}  // namespace aipg::gossipsub
