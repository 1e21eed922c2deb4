// aipg echo / aipg perf: throughput and correctness checks against any libp2p peer.
//  echo: N concurrent /aipg/echo/1.0.0 streams, each writing B bytes of a distinct pattern and
//        verifying every byte that comes back.
//  perf: libp2p's /perf/1.0.0, an upload and then a download of N bytes on one stream each.
#include "app/client_run.hpp"
#include "app/commands.hpp"
#include "app/json_lines.hpp"
#include "base/log.hpp"
#include "node/echo_server.hpp"
#include "node/perf_service.hpp"

namespace aipg::app {
namespace {

// xorshift32, seeded per stream: the same pattern the js peer uses is not needed, only a
// distinct one per stream, so a mix-up between streams is caught.
void fill_pattern(Bytes& b, uint32_t seed) {
  uint32_t x = seed * 2654435761u + 1;
  for (auto& v : b) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    v = uint8_t(x);
  }
}

class EchoRun : public ClientRun {
 public:
  EchoRun(io::AsioRuntime& ar, node::Host& host, const EchoOptions& o)
      : ClientRun(ar, host, seconds(o.timeout_s)), o_(o) {}

 private:
  struct One {
    std::unique_ptr<node::Stream> stream;
    Bytes expected;
    size_t received = 0;
    bool closed = false;
  };

  void on_ready(const wire::PeerId&, const node::PeerInfo&) override {
    arm("echo", step_timeout() * 10);
    start_ = host().runtime().clock.now();
    streams_.resize(o_.streams);
    for (int i = 0; i < o_.streams; ++i) {
      host().new_stream(
          remote(), {node::kEchoProtocol},
          [this, i](Result<std::unique_ptr<node::Stream>> r) { opened(i, std::move(r)); });
    }
  }

  void opened(int i, Result<std::unique_ptr<node::Stream>> r) {
    if (!r) return fail("echo stream " + std::to_string(i) + ": " + r.error().to_string());
    One& one = streams_[i];
    one.stream = std::move(*r);
    one.expected.resize(o_.bytes);
    fill_pattern(one.expected, uint32_t(i));
    node::Stream* s = one.stream.get();
    s->set_on_closed([this, i](Status st) {
      if (!st) return fail("echo stream " + std::to_string(i) + ": " + st.error().to_string());
      One& one = streams_[i];
      if (one.received != one.expected.size()) {
        return fail("echo stream " + std::to_string(i) + ": got " + std::to_string(one.received) +
                    " of " + std::to_string(one.expected.size()) + " bytes");
      }
      one.closed = true;
      if (++closed_ == o_.streams) done();
    });
    s->set_on_data([this, i](BytesView d) {
      One& one = streams_[i];
      if (one.received + d.size() > one.expected.size() ||
          !std::equal(d.begin(), d.end(), one.expected.begin() + one.received)) {
        return fail("echo stream " + std::to_string(i) + ": wrong bytes at offset " +
                    std::to_string(one.received));
      }
      one.received += d.size();
    });
    s->write(one.expected);
    s->close_write();
  }

  void done() {
    const double secs =
        std::chrono::duration<double>(host().runtime().clock.now() - start_).count();
    emit({{"event", "echo"},
          {"streams", o_.streams},
          {"bytes_each", o_.bytes},
          {"ok", true},
          {"seconds", secs}});
    finish(0);
  }

  const EchoOptions& o_;
  std::vector<One> streams_;
  int closed_ = 0;
  Instant start_{};
};

class PerfRun : public ClientRun {
 public:
  PerfRun(io::AsioRuntime& ar, node::Host& host, const PerfOptions& o)
      : ClientRun(ar, host, seconds(o.timeout_s)), o_(o), perf_(host) {}

 private:
  void on_ready(const wire::PeerId&, const node::PeerInfo&) override {
    arm("perf upload", step_timeout() * 10);
    perf_.run(remote(), o_.bytes, 0, [this](Result<node::PerfResult> r) {
      if (!r) return fail("perf upload: " + r.error().to_string());
      report("upload", r->uploaded, r->elapsed);
      arm("perf download", step_timeout() * 10);
      perf_.run(remote(), 0, o_.bytes, [this](Result<node::PerfResult> r) {
        if (!r) return fail("perf download: " + r.error().to_string());
        if (r->downloaded != o_.bytes) {
          return fail("perf download: got " + std::to_string(r->downloaded) + " bytes");
        }
        report("download", r->downloaded, r->elapsed);
        finish(0);
      });
    });
  }
  void report(const char* direction, uint64_t bytes, Duration elapsed) {
    const double secs = std::chrono::duration<double>(elapsed).count();
    emit({{"event", "perf"},
          {"protocol", node::kPerfProtocol},
          {"direction", direction},
          {"bytes", bytes},
          {"seconds", secs},
          {"mib_per_s", secs > 0 ? double(bytes) / (1 << 20) / secs : 0.0}});
  }
  const PerfOptions& o_;
  node::PerfService perf_;
};

}  // namespace

int run_echo(const EchoOptions& o) { return run_client<EchoRun>(o); }
int run_perf(const PerfOptions& o) { return run_client<PerfRun>(o); }

}  // namespace aipg::app
