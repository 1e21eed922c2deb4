// aipg node: an API node (DESIGN.md §1): the HTTP APIs (AI Horde v2, OpenAI-compatible,
// operations) in front of the grid, with its job book in SQLite. On start it restores what the
// store holds and publishes again the announces of its jobs still open.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <filesystem>

#include "api/access.hpp"
#include "api/grid_gateway.hpp"
#include "api/http_server.hpp"
#include "api/node_api.hpp"
#include "app/commands.hpp"
#include "app/grid_host.hpp"
#include "app/json_lines.hpp"
#include "app/role_config.hpp"
#include "app/version.hpp"
#include "base/log.hpp"
#include "node/output_stream_receiver.hpp"
#include "protocol/grid/message_check.hpp"
#include "protocol/grid/topics.hpp"
#include "store/job_store.hpp"

namespace aipg::app {
namespace {

Result<std::pair<std::string, uint16_t>> parse_http(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return make_error(Errc::invalid_argument, "--http " + text + ": expected HOST:PORT");
  }
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = text.substr(colon + 1);
  char* end = nullptr;
  const unsigned long p = std::strtoul(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p > 65535) {
    return make_error(Errc::invalid_argument, "--http " + text + ": the port must be 0..65535");
  }
  return std::pair{host, static_cast<uint16_t>(p)};
}

Result<std::unique_ptr<store::JobStore>> open_store(const NodeOptions& o) {
  if (o.data_dir.empty()) return std::unique_ptr<store::JobStore>();
  std::error_code ec;
  std::filesystem::create_directories(o.data_dir, ec);
  if (ec) return make_error(Errc::io, "--data-dir " + o.data_dir + ": " + ec.message());
  store::StoreConfig sc;
  sc.path = (std::filesystem::path(o.data_dir) / "jobs.db").string();
  sc.sync_full = o.sync == "full";
  return store::JobStore::open(sc);
}

int64_t unix_ms(WallTime t) { return static_cast<int64_t>(grid::to_unix_ms(t)); }

// What the store held, as the core persisted it.
std::vector<grid::Persist> stored_records(const store::Loaded& l) {
  std::vector<grid::Persist> out;
  out.reserve(l.own.size() + l.facts.size());
  auto wall = [](int64_t ms) { return WallTime{} + std::chrono::milliseconds(ms); };
  for (const store::OwnRecord& r : l.own) {
    out.push_back({grid::Persist::Kind::kOwn, r.job_id, {}, r.data, wall(r.wall_ms)});
  }
  for (const store::FactRecord& r : l.facts) {
    out.push_back({grid::Persist::Kind::kFact, r.job_id, r.msg_id, r.envelope, wall(r.wall_ms)});
  }
  return out;
}

// Own records one by one (each durable when put_own returns), facts in one transaction.
Status write_records(store::JobStore& db, std::vector<grid::Persist> records) {
  std::vector<store::FactRecord> facts;
  for (grid::Persist& p : records) {
    if (p.kind == grid::Persist::Kind::kOwn) {
      AIPG_TRY(db.put_own({std::move(p.job_id), std::move(p.data), unix_ms(p.wall)}));
    } else {
      facts.push_back(
          {std::move(p.msg_id), std::move(p.job_id), unix_ms(p.wall), std::move(p.data)});
    }
  }
  if (facts.empty()) return ok();
  return db.put_facts(facts);
}

// Stored jobs the book has forgotten (finished and past keep_finished) leave the store.
void prune_store(store::JobStore& db, const grid::ApiNodeCore& core, Instant now) {
  auto ids = db.job_ids();
  if (!ids) return;
  std::vector<std::string> gone;
  for (const std::string& id : *ids) {
    if (!core.job_status(id, now)) gone.push_back(id);
  }
  if (gone.empty()) return;
  if (Status s = db.forget_jobs(gone); !s) log::warn("{}", s.error().to_string());
}

void add_grid_metrics(api::Registry& reg, GridHost& g, grid::ApiNodeCore& core,
                      node::ApiNodeService& service, api::GridGateway& gateway) {
  reg.add_collector([&](api::Exposition& e) {
    const Instant now = g.rt().clock.now();
    std::map<std::string, size_t> by_state;
    for (const char* s : {"queued", "claimed", "processing", "done", "cancelled", "faulted"}) {
      by_state[s] = 0;
    }
    core.for_each_status(
        now, [&](const grid::JobId&, const grid::JobStatus& st, const grid::pb::JobAnnounce&) {
          ++by_state[grid::to_string(st.state)];
        });
    for (const auto& [state, n] : by_state) {
      e.gauge("aipg_jobs", "Jobs in this node's book, by state", double(n), {{"state", state}});
    }
    e.gauge("aipg_peers", "Connected peers", double(g.host().connection_count()));
    const auto& r = g.pubsub().router();
    for (const auto& t : r.topics()) {
      e.gauge("aipg_mesh_peers", "Gossipsub mesh size by topic", double(r.mesh_peers(t).size()),
              {{"topic", t}});
    }
    const auto& ps = g.pubsub().stats();
    e.counter("aipg_pubsub_frames_total", "Gossipsub RPC frames", double(ps.frames_in),
              {{"direction", "in"}});
    e.counter("aipg_pubsub_frames_total", "Gossipsub RPC frames", double(ps.frames_out),
              {{"direction", "out"}});
    e.counter("aipg_pubsub_bytes_total", "Gossipsub bytes", double(ps.bytes_in),
              {{"direction", "in"}});
    e.counter("aipg_pubsub_bytes_total", "Gossipsub bytes", double(ps.bytes_out),
              {{"direction", "out"}});
    e.counter("aipg_grid_messages_in_total", "Grid messages judged",
              double(service.stats().messages_in));
    e.counter("aipg_grid_messages_out_total", "Grid messages published",
              double(service.stats().published));
    for (const auto& [reason, n] : core.rejections()) {
      e.counter("aipg_grid_rejected_total", "Grid messages rejected, by reason", double(n),
                {{"reason", reason}});
    }
    for (const auto& [reason, n] : core.ignored()) {
      e.counter("aipg_grid_ignored_total",
                "Grid facts turned down without blame (not forwarded, not scored), by reason",
                double(n), {{"reason", reason}});
    }
    for (const auto& [verdict, n] : service.stats().validation) {
      e.counter("aipg_grid_validation_total", "Validation results of grid messages", double(n),
                {{"result", verdict}});
    }
    e.gauge("aipg_workers_live", "Live workers known",
            double(core.directory().live_workers(now).size()));
    e.gauge("aipg_api_nodes_live", "Live API nodes known",
            double(core.directory().live_nodes(now).size()));
    e.counter("aipg_jobs_submitted_total", "Jobs accepted here", double(gateway.stats().submitted));
    e.counter("aipg_store_errors_total", "Store writes that failed",
              double(gateway.stats().store_errors));
  });
}

// This machine's IPv4 interface addresses but loopback.
std::vector<std::string> interface_ips() {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK)) {
      continue;
    }
    char text[INET_ADDRSTRLEN];
    const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
    if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof text)) out.emplace_back(text);
  }
  freeifaddrs(list);
  return out;
}

// Where workers dial for output streams (NodeAdvert.addrs): --announce-addr when given, else the
// bound addresses, with 0.0.0.0 ("every interface here", no address to dial from elsewhere) as
// each interface's address.
Result<std::vector<std::string>> stream_addrs(const NodeOptions& o,
                                              const std::vector<wire::Multiaddr>& bound) {
  std::vector<std::string> out;
  for (const std::string& text : o.announce_addrs) {
    auto a = wire::Multiaddr::parse(text);
    if (!a)
      return make_error(Errc::invalid_argument,
                        "--announce-addr " + text + ": " + a.error().message);
    out.emplace_back(as_chars(a->bytes()));
  }
  if (!out.empty()) return out;
  for (const wire::Multiaddr& a : bound) {
    const std::optional<std::string> ip = a.ip();
    const std::optional<uint16_t> port = a.tcp_port();
    if (ip && *ip == "0.0.0.0" && port) {
      for (const std::string& local : interface_ips()) {
        auto m = wire::Multiaddr::parse("/ip4/" + local + "/tcp/" + std::to_string(*port));
        if (m) out.emplace_back(as_chars(m->bytes()));
      }
      continue;
    }
    if (ip && *ip == "::") continue;
    out.emplace_back(as_chars(a.bytes()));
  }
  if (out.size() > 16) out.resize(16);  // CheckLimits::max_addrs
  return out;
}

void add_output_metrics(api::Registry& reg, const node::OutputStreamReceiver& output) {
  reg.add_collector([&](api::Exposition& e) {
    const node::OutputStreamStats& s = output.stats();
    e.gauge("aipg_output_streams", "Workers' output streams open here",
            double(output.open_streams()));
    for (auto [result, n] :
         {std::pair{"accepted", s.accepted}, std::pair{"refused_at_limit", s.refused_at_limit},
          std::pair{"broken", s.broken}, std::pair{"not_wanted", s.refused_by_sink}}) {
      e.counter("aipg_output_streams_total", "Workers' output streams, by how they went", double(n),
                {{"result", result}});
    }
    e.counter("aipg_output_stream_bytes_total", "Streamed output received", double(s.bytes));
  });
}

}  // namespace

int run_node(const NodeOptions& o) {
  auto http_at = parse_http(o.http);
  if (!http_at) {
    log::error("{}", http_at.error().message);
    return 2;
  }
  api::AccessConfig ac;
  ac.key_file = o.api_keys;
  ac.require_key = o.require_key;
  ac.per_key_submits = {o.rate_submits, o.rate_submits_burst};
  ac.per_ip_requests = {o.rate_ip, o.rate_ip_burst};
  auto access = api::Access::create(ac);
  if (!access) {
    log::error("{}", access.error().to_string());
    return 2;
  }
  auto store = open_store(o);
  if (!store) {
    log::error("{}", store.error().to_string());
    return 1;
  }
  auto gh = GridHost::create(o.host);
  if (!gh) {
    log::error("{}", gh.error().message);
    return gh.error().code == Errc::invalid_argument ? 2 : 1;
  }
  GridHost& g = **gh;

  auto cfg = api_node_config(o, *store != nullptr);
  if (!cfg) {
    log::error("grid settings: {}", cfg.error().message);
    return 2;
  }
  grid::ApiNodeCore core(g.host().peer_id(), *cfg, g.rt().rng);
  g.set_app_score([&](const wire::PeerId& p) { return core.app_score(p, g.rt().clock.now()); });

  grid::Publishes restored;
  if (*store) {
    auto loaded = (*store)->load();
    if (!loaded) {
      log::error("{}", loaded.error().to_string());
      return 1;
    }
    const Instant now = g.rt().clock.now();
    auto r = core.restore(stored_records(*loaded), now, g.rt().clock.wall_now());
    log::info("store {}: restored {} own record(s) and {} fact(s), skipped {}", (*store)->path(),
              r.own, r.facts, r.skipped);
    restored = std::move(r.publishes);
  }
  node::ApiNodeService service(g.rt(), g.pubsub(), core);
  store::JobStore* db = store->get();
  api::GridGateway::WriteFn write;
  if (db) write = [db](std::vector<grid::Persist> r) { return write_records(*db, std::move(r)); };
  api::GridGateway gateway(g.rt(), service, write);
  service.set_on_persist([&](std::vector<grid::Persist> p) { gateway.persist(std::move(p)); });
  service.set_on_change([&](std::vector<grid::JobId> jobs) { gateway.changed(jobs); });
  node::OutputStreamReceiver output(
      g.host(), [&](const wire::PeerId& p, const grid::OutputStreamReader::Opened& run,
                    std::vector<std::string> pieces) {
        return gateway.on_output(p, run, std::move(pieces));
      });

  api::Registry metrics;
  const std::vector<double> latency_buckets = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                               2.5,  5,     10,   30,  60,   300};
  gateway.set_latency_histograms(
      &metrics.histogram("aipg_claim_latency_seconds",
                         "Submit to the first claim that counts, jobs accepted here",
                         latency_buckets),
      &metrics.histogram("aipg_job_latency_seconds", "Submit to done, jobs accepted here",
                         latency_buckets));
  add_grid_metrics(metrics, g, core, service, gateway);
  add_output_metrics(metrics, output);

  api::NodeApiConfig nc;
  nc.version = kVersion;
  nc.limits.max_prompt_bytes = o.max_prompt_bytes;
  api::NodeApi napi{nc, gateway, *access, metrics, nullptr};
  napi.not_ready = [&] {
    std::vector<std::string> why;
    if (g.host().connection_count() == 0) why.push_back("no peers connected");
    if (g.pubsub().router().topic_peers(grid::kWorkersTopic).empty()) {
      why.push_back("no peer on " + std::string(grid::kWorkersTopic));
    }
    if (!gateway.store_healthy()) why.push_back("the store failed its last write");
    return why;
  };
  api::Router router;
  api::add_horde_routes(router, napi);
  api::add_openai_routes(router, napi);
  api::add_ops_routes(router, napi);
  api::HttpLimits limits;
  limits.max_body_bytes = o.max_body_bytes;
  limits.header_timeout = std::chrono::milliseconds(o.http_header_timeout_ms);
  api::CorsConfig cors;
  cors.allow_origins = o.cors_origins;
  api::HttpServer http(g.asio().context(), router, limits, cors, metrics);
  auto bound_http = http.listen(http_at->first, http_at->second);
  if (!bound_http) {
    log::error("--http {}: {}", o.http, bound_http.error().message);
    return 1;
  }
  auto bound = g.start();
  if (!bound) {
    log::error("{}", bound.error().message);
    return 1;
  }
  auto announce = stream_addrs(o, *bound);
  if (!announce) {
    log::error("{}", announce.error().message);
    return 2;
  }
  core.set_stream_addrs(std::move(*announce));
  service.start(std::move(restored));

  std::function<void()> prune = [&] {
    if (db) prune_store(*db, core, g.rt().clock.now());
    g.rt().timers.schedule_at(g.rt().clock.now() + std::chrono::minutes(1), prune);
  };
  g.rt().timers.schedule_at(g.rt().clock.now() + std::chrono::minutes(1), prune);

  const std::string http_text =
      bound_http->address().to_string() + ":" + std::to_string(bound_http->port());
  log::info("node ready: peer id {}, http {}", g.host().peer_id().to_base58(), http_text);
  emit({{"event", "node_ready"}, {"peer_id", g.host().peer_id().to_base58()}, {"http", http_text}});
  g.run_until_signal([&] { http.close(); });
  emit({{"event", "stopped"}});
  return 0;
}

}  // namespace aipg::app
