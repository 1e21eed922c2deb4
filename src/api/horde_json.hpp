// The AI Horde's response bodies, from the grid's state (docs/http-api.md has the mapping).
// Pure functions: what a job, a worker or a model looks like to an AI Horde client.
#pragma once

#include <boost/json/object.hpp>
#include <map>

#include "api/grid_gateway.hpp"
#include "protocol/grid/peer_directory.hpp"

namespace aipg::api {

// GET /api/v2/generate/text/status/{id}: RequestStatusKobold.
//   done        every generation has its result
//   faulted     ttl expired, attempts exhausted, or cancelled (with "message" saying which)
//   finished / processing / waiting   generations with a result / with a winner running / else
//   restarted   re-announces so far (the attempt number)
//   is_possible false while fewer live workers serve the model than the job has generations
//               (each generation runs on a different worker; "message" says so)
boost::json::object horde_status(const grid::JobView& v, const QueueInfo& q,
                                 const grid::PeerDirectory& dir);

// One element of GET /api/v2/workers (WorkerDetails).
boost::json::object horde_worker(const grid::PeerId& id, const grid::pb::WorkerAdvert& a,
                                 bool online);

// One element of GET /api/v2/status/models (ActiveModel).
boost::json::object horde_model(const std::string& name, const grid::ModelStats& s);

}  // namespace aipg::api
