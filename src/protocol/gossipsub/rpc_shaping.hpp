// Shaping the RPCs the router queues before they leave: estimating their size, removing what
// a peer's protocol version does not know, and splitting what would exceed the peer's frame
// limit. The estimate is an upper bound of the protobuf encoding (every tag and length counted
// at its widest), so a split RPC always fits.
#pragma once

#include <cstddef>
#include <vector>

#include "protocol/gossipsub/router.hpp"
#include "protocol/gossipsub/rpc.hpp"

namespace aipg::gossipsub {

size_t approx_size(const Message& m);
size_t approx_size(const ControlMessage& c);
// Subscriptions and control together.
size_t rpc_head_size(const Rpc& rpc);

// Floodsub peers get no control; v1.0 peers no PRUNE backoff/PX and no IDONTWANT; v1.1 peers
// no IDONTWANT.
void strip_for(Rpc& rpc, PeerKind kind);

// Appends `o` to `result`, as several RPCs when its estimated size exceeds `limit`: the first
// carries the subscriptions and control, the messages are packed in order after them.
void split_rpc(Outgoing o, size_t limit, std::vector<Outgoing>& result);

}  // namespace aipg::gossipsub
