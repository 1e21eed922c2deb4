// aipg pubsub: join the gossipsub mesh, print every received message as a JSON line and publish
// each stdin line to --pub (DESIGN.md §1). How an operator checks a mesh by hand, and how tests
// outside C++ drive the router.
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/streambuf.hpp>

#include "app/commands.hpp"
#include "app/host_boot.hpp"
#include "app/json_lines.hpp"
#include "app/pubsub_bench.hpp"
#include "base/log.hpp"
#include "io/asio/asio_runtime.hpp"
#include "node/gossipsub_service.hpp"
#include "protocol/gossipsub/message_id.hpp"

namespace aipg::app {
namespace {

using gossipsub::GossipsubConfig;

Result<GossipsubConfig> pubsub_config(const PubsubOptions& o) {
  GossipsubConfig cfg;
  if (o.d) cfg.d = *o.d;
  if (o.d_lo) cfg.d_lo = *o.d_lo;
  if (o.d_hi) cfg.d_hi = *o.d_hi;
  // A gossip-only node (d = 0) has no outbound quota and keeps no peers by score.
  if (cfg.d_out > 0 && (cfg.d_out >= cfg.d_lo || cfg.d_out > cfg.d / 2)) {
    cfg.d_out = cfg.d_lo == 0 ? 0 : std::min(cfg.d_lo - 1, cfg.d / 2);
  }
  cfg.d_score = std::min(cfg.d_score, cfg.d_hi);
  if (o.message_id == "content") {
    cfg.message_id = gossipsub::content_message_id;
  } else if (o.message_id != "default") {
    return make_error(Errc::invalid_argument,
                      "--message-id must be default or content, got " + o.message_id);
  }
  if (o.score) {
    gossipsub::PeerScoreParams params = gossipsub::default_peer_score_params();
    for (const auto& t : o.sub) params.topics[t] = gossipsub::default_topic_score_params();
    cfg.score = std::move(params);
  }
  if (auto s = cfg.validate(); !s) return s.error();
  return cfg;
}

std::string hex_or_empty(const std::optional<Bytes>& b) { return b ? to_hex(*b) : std::string(); }

void print_message(const gossipsub::Delivery& d) {
  const gossipsub::Message& m = *d.message;
  boost::json::object o{{"event", "message"}, {"topic", m.topic}};
  if (m.from) {
    auto from = wire::PeerId::from_multihash(*m.from);
    o["from"] = from ? from->to_base58() : to_hex(*m.from);
  }
  o["seqno"] = hex_or_empty(m.seqno);
  o["id"] = gossipsub::message_id_hex(d.id);
  o["received_from"] = d.source.to_base58();
  put_data(o, m.data ? BytesView(*m.data) : BytesView());
  emit(o);
}

void print_scores(const node::GossipsubService& ps) {
  const auto& r = ps.router();
  boost::json::object scores, mesh;
  for (const auto& p : r.peers()) scores[p.to_base58()] = ps.score(p);
  for (const auto& t : r.topics()) {
    boost::json::array a;
    for (const auto& p : r.mesh_peers(t)) a.emplace_back(p.to_base58());
    mesh[t] = std::move(a);
  }
  emit({{"event", "scores"}, {"scores", std::move(scores)}, {"mesh", std::move(mesh)}});
}

// A background job's stdin is /dev/null, at EOF from the start; only a pipe, socket or
// terminal is read, so `aipg pubsub … &` keeps running.
bool stdin_is_interactive() {
  struct stat st {};
  if (fstat(0, &st) != 0) return false;
  return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || isatty(0);
}

class StdinPublisher {
 public:
  StdinPublisher(boost::asio::io_context& io, node::GossipsubService& ps, std::string topic,
                 std::function<void()> on_eof)
      : in_(io, ::dup(0)), ps_(ps), topic_(std::move(topic)), on_eof_(std::move(on_eof)) {}

  void start() { read(); }

 private:
  void read() {
    boost::asio::async_read_until(in_, buf_, '\n', [this](boost::system::error_code ec, size_t n) {
      if (!ec) {
        publish(take(n - 1));
        buf_.consume(1);  // the newline
        read();
        return;
      }
      // EOF (or a read error): what is left is a last line without its newline.
      if (buf_.size() > 0) publish(take(buf_.size()));
      on_eof_();
    });
  }

  // The first `n` buffered bytes, consumed.
  std::string take(size_t n) {
    std::string s(n, '\0');
    boost::asio::buffer_copy(boost::asio::buffer(s), buf_.data(), n);
    buf_.consume(n);
    return s;
  }

  void publish(const std::string& line) {
    if (topic_.empty()) return;
    auto id = ps_.publish(topic_, to_bytes(line));
    if (!id) {
      log::warn("publish to {}: {}", topic_, id.error().message);
      emit({{"event", "publish_failed"}, {"topic", topic_}, {"message", id.error().message}});
      return;
    }
    emit({{"event", "published"},
          {"topic", topic_},
          {"id", gossipsub::message_id_hex(*id)},
          {"peers", ps_.router().topic_peers(topic_).size()}});
  }

  boost::asio::posix::stream_descriptor in_;
  boost::asio::streambuf buf_;
  node::GossipsubService& ps_;
  std::string topic_;
  std::function<void()> on_eof_;
};

// `connected` / `disconnected` lines, so scripts can wait for the mesh to be possible.
class ConnectionPrinter : public node::HostObserver {
 public:
  void on_peer_connected(const wire::PeerId& p, node::Connection&) override {
    emit({{"event", "connected"}, {"peer_id", p.to_base58()}});
  }
  void on_peer_disconnected(const wire::PeerId& p) override {
    emit({{"event", "disconnected"}, {"peer_id", p.to_base58()}});
  }
};

}  // namespace

int run_pubsub(const PubsubOptions& o) {
  auto plan = plan_host(o.host);
  if (!plan) {
    log::error("{}", plan.error().message);
    return plan.error().code == Errc::invalid_argument ? 2 : 1;
  }
  auto cfg = pubsub_config(o);
  if (!cfg) {
    log::error("{}", cfg.error().message);
    return 2;
  }
  io::AsioRuntime ar;
  runtime::Runtime rt = ar.runtime();
  node::Host host(rt, std::move(plan->key), plan->host);
  node::GossipsubService ps(host, std::move(*cfg));
  ConnectionPrinter printer;
  host.add_observer(&printer);
  node::Discovery discovery(host, plan->discovery);
  // Mesh members are what the grid runs on: never trimmed for connection count.
  discovery.set_protect([&ps](const wire::PeerId& p) { return ps.in_mesh(p); });
  ps.set_on_px(
      [&discovery](const std::vector<wire::PeerId>& peers) { discovery.add_candidates(peers); });
  std::optional<BenchReceiver> bench_rx;
  std::function<void(const char*)> stop_fn;
  if (o.bench_receive > 0) {
    bench_rx.emplace(o.bench_receive);
    ps.set_on_message([&](const gossipsub::Delivery& d) {
      if (bench_rx->on_message(d, rt.clock.wall_now()) && stop_fn) stop_fn("bench done");
    });
  } else if (!o.quiet) {
    ps.set_on_message(print_message);
  }
  if (auto bound = listen_and_announce(host, plan->listen); !bound) {
    log::error("{}", bound.error().message);
    return 1;
  }
  for (const auto& t : o.sub) {
    ps.subscribe(t);
    emit({{"event", "subscribed"}, {"topic", t}});
  }
  ps.start();
  discovery.start();

  std::optional<runtime::TimerId> score_timer;
  std::function<void()> score_tick = [&] {
    print_scores(ps);
    score_timer = rt.timers.schedule_at(rt.clock.now() + 1s, score_tick);
  };
  if (o.print_scores) score_timer = rt.timers.schedule_at(rt.clock.now() + 1s, score_tick);

  bool stopping = false;
  auto stop = [&](const char* why) {
    if (stopping) return;
    stopping = true;
    log::info("stopping: {}", why);
    // A second for the last published messages to leave, then close gracefully.
    rt.timers.schedule_at(rt.clock.now() + o.linger, [&] {
      if (score_timer) rt.timers.cancel(*score_timer);
      host.close();
      rt.timers.schedule_at(rt.clock.now() + 200ms, [&ar] { ar.stop(); });
    });
  };
  stop_fn = stop;
  if (o.bench_publish > 0) {
    if (o.pub.empty()) {
      log::error("--bench-publish needs --pub TOPIC");
      return 2;
    }
    start_bench_publisher(rt, ps,
                          BenchPublishOptions{o.pub, o.bench_publish, o.bench_size, o.bench_rate},
                          [&] { stop("bench done"); });
  }
  std::optional<StdinPublisher> stdin_pub;
  if (o.bench_publish == 0 && stdin_is_interactive()) {
    stdin_pub.emplace(ar.context(), ps, o.pub, [&] { stop("stdin closed"); });
    stdin_pub->start();
  } else if (!o.pub.empty() && o.bench_publish == 0) {
    log::warn("--pub {}: stdin is not a pipe or terminal, nothing will be published", o.pub);
  }
  boost::asio::signal_set signals(ar.context(), SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) stop("signal");
  });
  ar.run();
  host.remove_observer(&printer);
  emit({{"event", "stopped"}});
  return 0;
}

}  // namespace aipg::app
