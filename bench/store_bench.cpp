// JobStore write rates on the machine's disk: put_own (one transaction each) with synchronous
// FULL (fsync at every commit) and NORMAL, and put_facts in batches of 100 (one transaction per
// batch). Records are the sizes an API node writes: a ~300-byte own message, ~500-byte facts.
// The database lives in a fresh directory under $TMPDIR (or /tmp), removed at the end. Run:
//   build/release/bench/store_bench
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "store/job_store.hpp"

namespace {

using namespace aipg;
using namespace aipg::store;
namespace fs = std::filesystem;

class BenchDir {
 public:
  BenchDir() {
    static int counter = 0;
    dir_ = fs::temp_directory_path() /
           ("aipg_store_bench_" + std::to_string(getpid()) + "_" + std::to_string(++counter));
    fs::create_directories(dir_);
  }
  ~BenchDir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string file() const { return (dir_ / "jobs.db").string(); }

 private:
  fs::path dir_;
};

std::unique_ptr<JobStore> open_or_skip(benchmark::State& state, const std::string& path,
                                       bool sync_full) {
  auto s = JobStore::open(StoreConfig{path, sync_full});
  if (!s) {
    state.SkipWithError(s.error().to_string().c_str());
    return nullptr;
  }
  return std::move(s).value();
}

void BM_PutOwn(benchmark::State& state) {
  BenchDir dir;
  auto store = open_or_skip(state, dir.file(), state.range(0) != 0);
  if (!store) return;
  OwnRecord r{std::string(32, 'j'), Bytes(300, 'd'), 1700000000000};
  uint64_t n = 0;
  for (auto _ : state) {
    r.job_id[0] = char(++n);
    if (!store->put_own(r)) state.SkipWithError("put_own failed");
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
}
BENCHMARK(BM_PutOwn)->ArgName("sync_full")->Arg(1)->Arg(0)->UseRealTime();

void BM_PutFacts100(benchmark::State& state) {
  BenchDir dir;
  auto store = open_or_skip(state, dir.file(), state.range(0) != 0);
  if (!store) return;
  std::vector<FactRecord> batch(100);
  for (auto& f : batch) {
    f.msg_id = std::string(40, 'm');
    f.job_id = std::string(32, 'j');
    f.envelope = Bytes(500, 'e');
    f.wall_ms = 1700000000000;
  }
  uint64_t n = 0;
  for (auto _ : state) {
    // Fresh msg_ids each batch, so every row is inserted rather than ignored.
    for (auto& f : batch) f.msg_id.replace(0, 8, reinterpret_cast<const char*>(&++n), 8);
    if (!store->put_facts(batch)) state.SkipWithError("put_facts failed");
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(batch.size()));
}
BENCHMARK(BM_PutFacts100)->ArgName("sync_full")->Arg(1)->Arg(0)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
