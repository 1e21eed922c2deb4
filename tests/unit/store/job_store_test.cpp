#include "store/job_store.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace aipg::store {

// gtest prints records of a failed comparison with these.
bool operator==(const OwnRecord& a, const OwnRecord& b) {
  return a.job_id == b.job_id && a.data == b.data && a.wall_ms == b.wall_ms;
}
bool operator==(const FactRecord& a, const FactRecord& b) {
  return a.msg_id == b.msg_id && a.job_id == b.job_id && a.wall_ms == b.wall_ms &&
         a.envelope == b.envelope;
}

namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

// A fresh directory per test, removed at the end.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("aipg_store_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter));
    fs::create_directories(dir_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

 private:
  fs::path dir_;
};

std::unique_ptr<JobStore> open_ok(const std::string& path, bool sync_full = true,
                                  int busy_timeout_ms = 5000) {
  auto s = JobStore::open(StoreConfig{path, sync_full, busy_timeout_ms});
  EXPECT_TRUE(s) << s.error().to_string();
  return s ? std::move(s).value() : nullptr;
}

OwnRecord own(std::string job, std::string data, int64_t ms) {
  return OwnRecord{std::move(job), to_bytes(data), ms};
}
FactRecord fact(std::string msg, std::string job, std::string envelope, int64_t ms) {
  return FactRecord{std::move(msg), std::move(job), ms, to_bytes(envelope)};
}

// A second connection to the same file, as another process would have.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDb() { sqlite3_close(db_); }
  void exec(const char* sql) {
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
  }
  std::string text(const char* sql) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql, -1, &s, nullptr), SQLITE_OK);
    std::string out;
    if (sqlite3_step(s) == SQLITE_ROW)
      out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

TEST(JobStore, RoundTripsRecordsWithBinaryIds) {
  TempDir dir;
  auto store = open_ok(dir.file("jobs.db"));
  ASSERT_TRUE(store);
  const std::string job_a = "a\0b"s, job_b = "a"s, job_c = "\0"s;
  std::vector<OwnRecord> owns = {own(job_a, "announce\0x"s, 1700000000123), own(job_b, "", -5),
                                 own(job_c, "\xff\x00\x01"s, 0)};
  std::vector<FactRecord> facts = {fact("m\0\0"s, job_a, "env\0elope"s, 42),
                                   fact("m\0"s, job_c, "", 43), fact("m"s, job_b, "e", 44)};
  for (const auto& r : owns) ASSERT_TRUE(store->put_own(r));
  ASSERT_TRUE(store->put_facts(facts));

  auto loaded = store->load();
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  EXPECT_EQ(loaded->own, owns);
  EXPECT_EQ(loaded->facts, facts);

  // Three ids that a C string would all cut to "a" or "": kept apart, in std::string order.
  auto ids = store->job_ids();
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, (std::vector<std::string>{job_c, job_b, job_a}));
}

TEST(JobStore, KeepsInsertionOrder) {
  TempDir dir;
  auto store = open_ok(dir.file("jobs.db"));
  ASSERT_TRUE(store);
  std::vector<OwnRecord> owns;
  std::vector<FactRecord> facts;
  // Ids and times deliberately out of order, so no other column could explain the order.
  for (int i = 0; i < 20; ++i) {
    owns.push_back(own("job" + std::to_string((i * 7) % 20), "d" + std::to_string(i), 100 - i));
    facts.push_back(fact("msg" + std::to_string(19 - i), "job" + std::to_string(i % 3),
                         "e" + std::to_string(i), 100 - i));
  }
  for (const auto& r : owns) ASSERT_TRUE(store->put_own(r));
  ASSERT_TRUE(store->put_facts({facts.begin(), facts.begin() + 10}));
  ASSERT_TRUE(store->put_facts({facts.begin() + 10, facts.end()}));

  // Rows deleted from the end and the middle: later rows still come after the survivors.
  ASSERT_TRUE(store->forget_jobs({"job0", "job19"}));
  std::erase_if(owns, [](const OwnRecord& r) { return r.job_id == "job0" || r.job_id == "job19"; });
  std::erase_if(facts, [](const FactRecord& r) { return r.job_id == "job0"; });
  owns.push_back(own("late", "x", 0));
  facts.push_back(fact("aaa", "late", "y", 0));
  ASSERT_TRUE(store->put_own(owns.back()));
  ASSERT_TRUE(store->put_facts({facts.back()}));

  auto loaded = store->load();
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->own, owns);
  EXPECT_EQ(loaded->facts, facts);
}

TEST(JobStore, IgnoresAMsgIdAlreadyStored) {
  TempDir dir;
  auto store = open_ok(dir.file("jobs.db"));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put_facts({fact("m1", "j", "first", 1), fact("m2", "j", "first", 2)}));
  // m2 again from an earlier batch, m3 twice in one batch: the first copy stays.
  ASSERT_TRUE(store->put_facts(
      {fact("m2", "j", "second", 3), fact("m3", "j", "first", 4), fact("m3", "k", "second", 5)}));

  auto loaded = store->load();
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->facts,
            (std::vector<FactRecord>{fact("m1", "j", "first", 1), fact("m2", "j", "first", 2),
                                     fact("m3", "j", "first", 4)}));
  EXPECT_EQ(store->stats().fact_rows, 3u);
  EXPECT_EQ(store->stats().commits, 2u);
  // Job k's only fact was a duplicate: k has no rows.
  EXPECT_EQ(*store->job_ids(), (std::vector<std::string>{"j"}));
}

TEST(JobStore, ForgetJobsRemovesOnlyThoseJobs) {
  TempDir dir;
  auto store = open_ok(dir.file("jobs.db"));
  ASSERT_TRUE(store);
  for (std::string j : {"A"s, "B"s, "C"s, "A\0"s}) {
    ASSERT_TRUE(store->put_own(own(j, "announce " + j, 1)));
    ASSERT_TRUE(store->put_own(own(j, "cancel " + j, 2)));
    ASSERT_TRUE(store->put_facts({fact("claim " + j, j, "c", 3), fact("result " + j, j, "r", 4)}));
  }
  EXPECT_EQ(store->stats().own_rows, 8u);
  EXPECT_EQ(store->stats().fact_rows, 8u);

  ASSERT_TRUE(store->forget_jobs({"A", "C", "never stored"}));

  auto loaded = store->load();
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->own, (std::vector<OwnRecord>{own("B", "announce B", 1), own("B", "cancel B", 2),
                                                 own("A\0"s, "announce A\0"s, 1),
                                                 own("A\0"s, "cancel A\0"s, 2)}));
  EXPECT_EQ(loaded->facts,
            (std::vector<FactRecord>{fact("claim B", "B", "c", 3), fact("result B", "B", "r", 4),
                                     fact("claim A\0"s, "A\0"s, "c", 3),
                                     fact("result A\0"s, "A\0"s, "r", 4)}));
  EXPECT_EQ(*store->job_ids(), (std::vector<std::string>{"A\0"s, "B"}));
  EXPECT_EQ(store->stats().own_rows, 4u);
  EXPECT_EQ(store->stats().fact_rows, 4u);

  // A forgotten fact's msg_id may be stored again (a replay after the job was forgotten).
  ASSERT_TRUE(store->put_facts({fact("claim A", "A", "again", 5)}));
  EXPECT_EQ(store->load()->facts.back(), fact("claim A", "A", "again", 5));
}

TEST(JobStore, ReopenAfterCloseKeepsData) {
  TempDir dir;
  const std::string path = dir.file("jobs.db");
  std::vector<OwnRecord> owns = {own("j1\0"s, "a", 1), own("j2", "b", 2)};
  std::vector<FactRecord> facts = {fact("m1", "j1\0"s, "f", 3)};
  {
    auto store = open_ok(path, /*sync_full=*/false);
    ASSERT_TRUE(store);
    for (const auto& r : owns) ASSERT_TRUE(store->put_own(r));
    ASSERT_TRUE(store->put_facts(facts));
  }
  auto store = open_ok(path);
  ASSERT_TRUE(store);
  auto loaded = store->load();
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->own, owns);
  EXPECT_EQ(loaded->facts, facts);
  EXPECT_EQ(store->stats().own_rows, 2u);
  EXPECT_EQ(store->stats().fact_rows, 1u);
  EXPECT_EQ(store->stats().commits, 0u);
  // A reopened store keeps appending after what was there.
  ASSERT_TRUE(store->put_own(own("j3", "c", 4)));
  EXPECT_EQ(store->load()->own.back(), own("j3", "c", 4));
  EXPECT_EQ(RawDb(path).text("PRAGMA journal_mode"), "wal");
}

class KilledWriter : public testing::TestWithParam<bool> {};

// The child writes and is SIGKILLed without closing anything: no destructor, no checkpoint. Every
// put_own that returned OK must be found by the next process.
TEST_P(KilledWriter, EveryAcknowledgedRecordSurvives) {
  TempDir dir;
  const std::string path = dir.file("jobs.db");
  constexpr int kRecords = 100;
  auto record = [](int i) { return own("job\0"s + std::to_string(i % 7), std::to_string(i), i); };

  pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    auto store = JobStore::open(StoreConfig{path, GetParam()});
    if (!store) _exit(2);
    for (int i = 0; i < kRecords; ++i) {
      if (!(*store)->put_own(record(i))) _exit(3);
    }
    if (!(*store)->put_facts({fact("m", "job\0"s, "e", 1)})) _exit(4);
    kill(getpid(), SIGKILL);
    _exit(5);  // not reached
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  // Exit codes 2–4 mean the child's writes failed; only the kill means all were acknowledged.
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  ASSERT_EQ(WTERMSIG(status), SIGKILL);
  // The records are still only in the WAL (a clean close would have checkpointed and removed
  // it), so the reopen below goes through WAL recovery.
  ASSERT_TRUE(fs::exists(path + "-wal"));
  EXPECT_GT(fs::file_size(path + "-wal"), 0u);

  auto store = open_ok(path, GetParam());
  ASSERT_TRUE(store);
  auto loaded = store->load();
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  ASSERT_EQ(loaded->own.size(), size_t(kRecords));
  for (int i = 0; i < kRecords; ++i) EXPECT_EQ(loaded->own[i], record(i)) << i;
  EXPECT_EQ(loaded->facts, (std::vector<FactRecord>{fact("m", "job\0"s, "e", 1)}));
}

INSTANTIATE_TEST_SUITE_P(SyncFullAndNormal, KilledWriter, testing::Bool(),
                         [](const auto& info) { return info.param ? "full" : "normal"; });

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(JobStore, RefusesAFileThatIsNotADatabase) {
  TempDir dir;
  for (std::string garbage : {std::string(4096, 'x'), "hello\0world"s}) {
    const std::string path = dir.file("garbage" + std::to_string(garbage.size()));
    write_file(path, garbage);
    auto s = JobStore::open(StoreConfig{path});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::io);
    EXPECT_NE(s.error().message.find(path), std::string::npos) << s.error().message;
    EXPECT_NE(s.error().message.find("not a database"), std::string::npos) << s.error().message;
    // Refused, not repaired: the file is as it was.
    std::ifstream in(path, std::ios::binary);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), garbage);
  }
}

TEST(JobStore, RefusesANewerSchemaVersion) {
  TempDir dir;
  const std::string path = dir.file("jobs.db");
  {
    auto store = open_ok(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->put_own(own("j", "d", 1)));
  }
  RawDb(path).exec("PRAGMA user_version = 2");
  auto s = JobStore::open(StoreConfig{path});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::unsupported);
  EXPECT_EQ(s.error().message, "store: open " + path +
                                   ": schema version 2 is newer than this build's 1; refusing "
                                   "to open it");
  // The data is left alone.
  EXPECT_EQ(RawDb(path).text("SELECT count(*) FROM own"), "1");
}

TEST(JobStore, RefusesADatabaseOfSomethingElse) {
  TempDir dir;
  const std::string path = dir.file("other.db");
  RawDb(path).exec("CREATE TABLE own(x)");
  auto s = JobStore::open(StoreConfig{path});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::unsupported);
  EXPECT_NE(s.error().message.find(path), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("something else"), std::string::npos) << s.error().message;
  EXPECT_EQ(RawDb(path).text("PRAGMA user_version"), "0");
  EXPECT_EQ(RawDb(path).text("PRAGMA journal_mode"), "delete");
}

TEST(JobStore, OpenFailsWhenTheDirectoryIsMissing) {
  TempDir dir;
  const std::string path = dir.file("no/such/dir/jobs.db");
  auto s = JobStore::open(StoreConfig{path});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::io);
  EXPECT_EQ(s.error().message, "store: open " + path + ": unable to open database file");
}

TEST(StoreConfig, Validates) {
  EXPECT_TRUE(StoreConfig{"x.db"}.validate());
  auto empty = JobStore::open(StoreConfig{});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, Errc::invalid_argument);
  EXPECT_FALSE((StoreConfig{"x.db", true, -1}.validate()));
}

// Another connection holds the write lock past the busy timeout: a write failure SQLite reports
// for real, and that works as root too (file modes would not stop root).
TEST(JobStore, AFailedWriteMarksTheStoreUnhealthyUntilAWriteSucceeds) {
  TempDir dir;
  const std::string path = dir.file("jobs.db");
  auto store = open_ok(path, true, /*busy_timeout_ms=*/20);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put_own(own("j", "before", 1)));
  ASSERT_TRUE(store->put_facts({fact("m0", "j", "e", 1)}));
  EXPECT_TRUE(store->healthy());

  RawDb other(path);
  other.exec("BEGIN IMMEDIATE");

  Status s = store->put_own(own("j", "during", 2));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::io);
  EXPECT_EQ(s.error().message, "store: put_own " + path + ": database is locked");
  EXPECT_FALSE(store->healthy());
  Status f = store->put_facts({fact("m1", "j", "e", 2)});
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().message, "store: put_facts: begin " + path + ": database is locked");
  EXPECT_FALSE(store->forget_jobs({"j"}));
  EXPECT_FALSE(store->healthy());
  EXPECT_EQ(store->stats().write_errors, 3u);
  EXPECT_EQ(store->stats().own_rows, 1u);
  EXPECT_EQ(store->stats().fact_rows, 1u);
  // Reads go on under another writer's lock (WAL).
  auto during = store->load();
  ASSERT_TRUE(during) << during.error().to_string();
  EXPECT_EQ(during->own.size(), 1u);

  other.exec("ROLLBACK");
  ASSERT_TRUE(store->put_own(own("j", "after", 3)));
  EXPECT_TRUE(store->healthy());
  EXPECT_EQ(store->stats().commits, 3u);
  auto loaded = store->load();
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->own, (std::vector<OwnRecord>{own("j", "before", 1), own("j", "after", 3)}));
  EXPECT_EQ(loaded->facts, (std::vector<FactRecord>{fact("m0", "j", "e", 1)}));
}

TEST(JobStore, EmptyWritesAreNoOps) {
  TempDir dir;
  auto store = open_ok(dir.file("jobs.db"));
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->put_facts({}));
  EXPECT_TRUE(store->forget_jobs({}));
  EXPECT_EQ(store->stats().commits, 0u);
  auto loaded = store->load();
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(loaded->own.empty());
  EXPECT_TRUE(loaded->facts.empty());
  EXPECT_TRUE(store->job_ids()->empty());
}

}  // namespace
}  // namespace aipg::store
