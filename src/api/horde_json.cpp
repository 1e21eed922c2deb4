#include "api/horde_json.hpp"

#include "api/job_id_text.hpp"

namespace aipg::api {

namespace json = boost::json;

json::object horde_status(const grid::JobView& v, const QueueInfo& q,
                          const grid::PeerDirectory& dir) {
  size_t finished = 0, processing = 0, waiting = 0;
  json::array gens;
  for (const grid::GenerationView& g : v.generations) {
    if (g.result) {
      ++finished;
      json::object o;
      o["text"] = g.result->text();
      o["model"] = g.result->model().empty() ? v.announce->model() : g.result->model();
      o["seed"] = g.result->seed();
      const std::string worker = g.result_author ? g.result_author->to_base58() : "";
      o["worker_id"] = worker;
      const grid::pb::WorkerAdvert* a =
          g.result_author ? dir.worker_advert(*g.result_author) : nullptr;
      o["worker_name"] = a && !a->name().empty() ? a->name() : worker;
      o["state"] = "ok";
      o["gen_metadata"] = json::array();
      o["tokens"] = g.result->tokens();
      o["finish_reason"] = g.result->finish_reason();
      gens.push_back(std::move(o));
    } else if (g.winner && v.state == grid::JobState::kProcessing) {
      ++processing;
    } else {
      ++waiting;
    }
  }
  const bool done = v.state == grid::JobState::kDone;
  const bool faulted = v.state == grid::JobState::kFaulted || v.state == grid::JobState::kCancelled;
  // One worker can run every generation (one claim per generation: docs/protocol.md §4).
  const bool possible = done || faulted || q.workers > 0;
  json::object o;
  o["id"] = job_id_text(v.id);
  o["finished"] = finished;
  o["processing"] = faulted ? 0 : processing;
  o["restarted"] = v.attempt;
  o["waiting"] = faulted ? 0 : waiting;
  o["done"] = done;
  o["faulted"] = faulted;
  o["wait_time"] = static_cast<int64_t>(q.eta_s);
  o["queue_position"] = q.position;
  o["kudos"] = 0.0;
  o["is_possible"] = possible;
  o["state"] = grid::to_string(v.state);
  o["model"] = v.announce->model();
  if (v.state == grid::JobState::kCancelled) {
    o["message"] = "cancelled: " + v.reason;
  } else if (faulted) {
    o["message"] = "faulted: " + v.reason;
  } else if (!possible) {
    o["message"] = "no live worker serves model " + v.announce->model() +
                   " now; the request waits until one comes or its ttl ends";
  }
  o["generations"] = std::move(gens);
  return o;
}

json::object horde_worker(const grid::PeerId& id, const grid::pb::WorkerAdvert& a, bool online) {
  json::array models;
  uint32_t max_length = 0, max_context = 0;
  for (const grid::pb::ModelInfo& m : a.models()) {
    models.emplace_back(m.name());
    max_length = std::max(max_length, m.max_length());
    max_context = std::max(max_context, m.max_context_length());
  }
  json::object o;
  o["type"] = "text";
  o["name"] = a.name().empty() ? id.to_base58() : a.name();
  o["id"] = id.to_base58();
  o["online"] = online;
  o["models"] = std::move(models);
  o["max_length"] = max_length;
  o["max_context_length"] = max_context;
  o["threads"] = a.slots_total();
  o["slots_free"] = a.slots_free();
  o["healthy"] = a.healthy();
  o["maintenance_mode"] = !a.healthy();
  o["bridge_agent"] = a.backend_kind() + ":" + a.version();
  o["trusted"] = false;
  o["kudos_rewards"] = 0.0;
  return o;
}

json::object horde_model(const std::string& name, const grid::ModelStats& s) {
  json::object o;
  o["name"] = name;
  o["count"] = s.workers;
  o["queued"] = s.queued;
  o["jobs"] = s.queued + s.processing;
  o["processing"] = s.processing;
  o["eta"] = s.workers == 0 ? 0 : static_cast<int64_t>(10 * s.queued / s.workers);
  o["performance"] = 0.0;
  o["type"] = "text";
  return o;
}

}  // namespace aipg::api
