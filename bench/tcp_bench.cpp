// Raw io::TcpStream throughput over 127.0.0.1 in one process: one thread runs the io_context,
// on which a writer keeps up to 8 MiB queued (refilling on on_drained) and a reader counts what
// on_data delivers. Each write is a fresh Bytes (allocated and filled), as an upper layer's
// frames would be. Run:
//   build/release/bench/tcp_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstring>
#include <memory>

#include "io/asio/asio_runtime.hpp"
#include "io/asio/tcp_transport.hpp"
#include "wire/multiaddr.hpp"

namespace {

using namespace aipg;

constexpr size_t kPerIteration = 256u * 1024 * 1024;
constexpr size_t kWindow = 8u * 1024 * 1024;

struct Reader : runtime::ByteStream::Handler {
  size_t received = 0;
  bool failed = false;
  void on_data(BytesView d) override { received += d.size(); }
  void on_closed(Status) override { failed = true; }
};

struct Writer : runtime::ByteStream::Handler {
  runtime::ByteStream* stream = nullptr;
  Bytes pattern;
  size_t to_send = 0;
  bool failed = false;

  void pump() {
    while (to_send > 0 && stream->pending_write_bytes() < kWindow) {
      const size_t n = std::min(pattern.size(), to_send);
      Bytes chunk(pattern.begin(), pattern.begin() + n);
      stream->write(std::move(chunk));
      to_send -= n;
    }
  }
  void on_data(BytesView) override {}
  void on_closed(Status) override { failed = true; }
  void on_drained() override { pump(); }
};

void BM_TcpStreamThroughput(benchmark::State& state) {
  const size_t chunk = size_t(state.range(0));
  io::AsioRuntime rt;
  std::unique_ptr<runtime::ByteStream> client, server;
  auto bound = rt.tcp().listen(*wire::Multiaddr::parse("/ip4/127.0.0.1/tcp/0"),
                               [&](auto s) { server = std::move(s); });
  if (!bound) {
    state.SkipWithError(bound.error().to_string().c_str());
    return;
  }
  rt.tcp().dial(*bound, 5s, [&](Result<std::unique_ptr<runtime::ByteStream>> r) {
    if (r) client = std::move(*r);
  });
  if (!rt.run_until([&] { return client && server; }, 5s)) {
    state.SkipWithError("no connection");
    return;
  }
  Writer writer;
  writer.stream = client.get();
  writer.pattern.assign(chunk, 0x5a);
  Reader reader;
  client->start(&writer);
  server->start(&reader);

  size_t target = 0;
  for (auto _ : state) {
    target += kPerIteration;
    writer.to_send = kPerIteration;
    writer.pump();
    if (!rt.run_until([&] { return reader.received >= target || reader.failed; }, 60s) ||
        reader.failed || writer.failed) {
      state.SkipWithError("transfer stalled or failed");
      break;
    }
  }
  state.SetBytesProcessed(int64_t(reader.received));
  client.reset();
  server.reset();
}
BENCHMARK(BM_TcpStreamThroughput)
    ->Arg(16 * 1024)
    ->Arg(64 * 1024)
    ->Arg(256 * 1024)
    ->Arg(1024 * 1024)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  // glibc returns the freed 8 MiB window to the kernel (trim) or serves big chunks by mmap, and
  // every refill then page-faults fresh zeroed pages: that measures the allocator, not the
  // stream. Keep freed memory in the heap, as a long-running node's allocator would.
  mallopt(M_MMAP_THRESHOLD, 64 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
