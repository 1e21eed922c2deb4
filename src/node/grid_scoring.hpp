// The gossipsub settings every grid role runs (`aipg node`, `aipg worker`, `aipg bootstrap`, and
// the grid scenarios of both simulators): the router's defaults with peer scoring on.
//
// Contract (docs/protocol.md §7):
// - P5 is the role's own tally of each peer's rule breaking (ApiNodeCore/WorkerCore
//   app_score: ≤ 0, decaying), weighted 1, so that a few rejected messages of its own cross
//   gossip_threshold.
// - The grid topics (aipg/1/workers, aipg/1/nodes, aipg/1/results, and every
//   aipg/1/jobs/<model>, scored by prefix since models come and go at run time) are scored with
//   P4 (invalid message deliveries): a peer that forwards a message the grid validator rejects
//   loses score, whoever authored it. P1 and P2 give honest mesh peers a positive score
//   (bounded by topic_score_cap); P3/P3b stay off (the grid's message rate is not known).
// - An honest peer never scores below 0: every term an honest peer can earn is ≥ 0.
// - The result always passes GossipsubConfig::validate().
#pragma once

#include <functional>

#include "protocol/gossipsub/config.hpp"
#include "wire/peer_id.hpp"

namespace aipg::node {

using AppScoreFn = std::function<double(const wire::PeerId&)>;

// The score parameters alone (P1–P7 as above; no app score function).
gossipsub::PeerScoreParams grid_peer_score_params();
// The parameters of one grid topic.
gossipsub::TopicScoreParams grid_topic_score_params();
// The whole router configuration of a grid role; `app_score` is P5 (empty: 0 for everyone).
gossipsub::GossipsubConfig grid_gossipsub_config(AppScoreFn app_score);

}  // namespace aipg::node
