// JobStore: an API node's job book on disk, in one SQLite database (WAL mode). Two tables: what
// the node published itself about each job (own), and the signed facts it kept from the grid
// (facts). A restarted node loads both and replays them to rebuild its book.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "store/sqlite_handle.hpp"

namespace aipg::store {

struct StoreConfig {
  std::string path;  // database file; its directory must exist
  // FULL: a commit is durable even on power loss (fsync at every commit). NORMAL: it survives a
  // crash of the process but the last commits may be lost on power loss.
  bool sync_full = true;
  // How long a write waits for another connection's lock before failing.
  int busy_timeout_ms = 5000;

  Status validate() const;
};

// What an API node published itself about a job (the GridMessage bytes of its JobAnnounce,
// JobCancel, re-announce …), in order.
struct OwnRecord {
  std::string job_id;
  Bytes data;
  int64_t wall_ms = 0;
};

// A signed fact from the grid, as its author published it (the pubsub Message protobuf bytes).
struct FactRecord {
  std::string msg_id;
  std::string job_id;
  int64_t wall_ms = 0;
  Bytes envelope;
};

struct Loaded {
  std::vector<OwnRecord> own;     // in insertion order
  std::vector<FactRecord> facts;  // in insertion order
};

struct StoreStats {
  uint64_t own_rows = 0;
  uint64_t fact_rows = 0;
  uint64_t commits = 0;       // write transactions that committed
  uint64_t write_errors = 0;  // writes that failed
};

// Ids (job_id, msg_id) are raw bytes and may hold NUL bytes: they are stored as BLOBs. Not
// thread-safe: one thread owns a store.
class JobStore {
 public:
  // Opens or creates the database: schema, WAL mode, synchronous, busy timeout. Refuses a file
  // that is not a database, a database written by a newer schema, and a database of something
  // else (tables but no schema version of ours).
  static Result<std::unique_ptr<JobStore>> open(const StoreConfig& config);

  JobStore(const JobStore&) = delete;
  JobStore& operator=(const JobStore&) = delete;

  // One transaction; durable (as sync_full says) when it returns OK.
  Status put_own(const OwnRecord& r);
  // One transaction; a msg_id already stored is ignored (so is a repeat within rs).
  Status put_facts(const std::vector<FactRecord>& rs);
  // Everything, each table in insertion order.
  Result<Loaded> load() const;
  // Distinct job ids found in either table, sorted bytewise.
  Result<std::vector<std::string>> job_ids() const;
  // Deletes both tables' rows of these jobs in one transaction.
  Status forget_jobs(const std::vector<std::string>& job_ids);

  const StoreStats& stats() const { return stats_; }
  // False after a write failed, until a later write succeeds (for /readyz).
  bool healthy() const { return healthy_; }
  const std::string& path() const { return db_.path(); }

 private:
  explicit JobStore(Db db) : db_(std::move(db)) {}

  Status init(const StoreConfig& config);
  Status prepare_statements();
  Status count_rows();
  // Bookkeeping of every write: stats and health.
  Status wrote(Status s);

  Db db_;  // first member: destroyed after the statements (close_v2 would wait for them anyway)
  // Prepared once, reused for every call. Mutable: stepping a statement is not a logical change.
  Statement insert_own_;
  Statement insert_fact_;
  Statement delete_own_;
  Statement delete_facts_;
  mutable Statement select_own_;
  mutable Statement select_facts_;
  mutable Statement select_job_ids_;
  StoreStats stats_;
  bool healthy_ = true;
};

}  // namespace aipg::store
