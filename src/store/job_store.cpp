#include "store/job_store.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <utility>

namespace aipg::store {
namespace {

// PRAGMA user_version of the schema below. Raise it with every schema change, and migrate
// from each older version in JobStore::init.
constexpr int64_t kSchemaVersion = 1;

// seq is the rowid (INTEGER PRIMARY KEY): a new row gets max(rowid)+1, so ORDER BY seq is
// insertion order even after deletes. AUTOINCREMENT would only add "never reuse", not needed.
constexpr const char* kSchema = R"sql(
CREATE TABLE own (
  seq INTEGER PRIMARY KEY,
  job_id BLOB NOT NULL,
  data BLOB NOT NULL,
  wall_ms INTEGER NOT NULL
);
CREATE INDEX own_by_job ON own(job_id);
CREATE TABLE facts (
  seq INTEGER PRIMARY KEY,
  msg_id BLOB NOT NULL UNIQUE,
  job_id BLOB NOT NULL,
  wall_ms INTEGER NOT NULL,
  envelope BLOB NOT NULL
);
CREATE INDEX facts_by_job ON facts(job_id);
PRAGMA user_version = 1;
)sql";

Result<int64_t> query_int(const Db& db, std::string_view sql, std::string_view what) {
  AIPG_TRY_ASSIGN(Statement s, Statement::prepare(db, sql));
  AIPG_TRY_ASSIGN(bool row, s.step(what));
  if (!row) return make_error(Errc::internal, fmt::format("store: {}: no row", what));
  return s.column_int64(0);
}

BytesView blob(const std::string& s) { return as_bytes(s); }
std::string to_string(BytesView b) { return std::string(as_chars(b)); }

}  // namespace

Status StoreConfig::validate() const {
  if (path.empty()) return make_error(Errc::invalid_argument, "store: path is empty");
  if (busy_timeout_ms < 0) {
    return make_error(Errc::invalid_argument, "store: busy_timeout_ms is negative");
  }
  return ok();
}

Result<std::unique_ptr<JobStore>> JobStore::open(const StoreConfig& config) {
  AIPG_TRY(config.validate());
  AIPG_TRY_ASSIGN(Db db, Db::open(config.path));
  // Constructed before the statements are prepared: they point at the store's own Db.
  std::unique_ptr<JobStore> store(new JobStore(std::move(db)));
  AIPG_TRY(store->init(config));
  AIPG_TRY(store->prepare_statements());
  AIPG_TRY(store->count_rows());
  return store;
}

Status JobStore::init(const StoreConfig& config) {
  sqlite3_busy_timeout(db_.get(), config.busy_timeout_ms);
  AIPG_TRY(db_.exec(config.sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
                    "open: synchronous"));
  {
    // Under the write lock, so two processes creating the same new file cannot both create.
    // The first read of the file: a file that is not a database fails here.
    AIPG_TRY_ASSIGN(Transaction tx, Transaction::begin(db_, "open"));
    AIPG_TRY_ASSIGN(int64_t version, query_int(db_, "PRAGMA user_version", "open: user_version"));
    if (version < 0 || version > kSchemaVersion) {
      return make_error(Errc::unsupported,
                        fmt::format("store: open {}: schema version {} is newer than this "
                                    "build's {}; refusing to open it",
                                    path(), version, kSchemaVersion));
    }
    if (version == 0) {
      AIPG_TRY_ASSIGN(int64_t objects,
                      query_int(db_, "SELECT count(*) FROM sqlite_schema", "open: read schema"));
      if (objects != 0) {
        return make_error(Errc::unsupported,
                          fmt::format("store: open {}: a database of something else (it has "
                                      "tables but no schema version); refusing to open it",
                                      path()));
      }
      AIPG_TRY(db_.exec(kSchema, "open: create schema"));
    }
    AIPG_TRY(tx.commit("open"));
  }
  // After the checks above, so that a database we refuse is left in its own journal mode. The
  // mode is persistent; the pragma answers with the mode in force, which is not WAL on a
  // filesystem or build that cannot do it.
  AIPG_TRY_ASSIGN(Statement wal, Statement::prepare(db_, "PRAGMA journal_mode=WAL"));
  AIPG_TRY_ASSIGN(bool row, wal.step("open: journal_mode"));
  std::string mode = row ? to_string(wal.column_blob(0)) : "";
  if (mode != "wal") {
    return make_error(Errc::io,
                      fmt::format("store: open {}: journal_mode is \"{}\", not wal", path(), mode));
  }
  return ok();
}

Status JobStore::prepare_statements() {
  AIPG_TRY_ASSIGN(insert_own_,
                  Statement::prepare(db_, "INSERT INTO own(job_id, data, wall_ms) VALUES(?,?,?)"));
  AIPG_TRY_ASSIGN(insert_fact_, Statement::prepare(db_,
                                                   "INSERT OR IGNORE INTO facts(msg_id, job_id, "
                                                   "wall_ms, envelope) VALUES(?,?,?,?)"));
  AIPG_TRY_ASSIGN(delete_own_, Statement::prepare(db_, "DELETE FROM own WHERE job_id = ?"));
  AIPG_TRY_ASSIGN(delete_facts_, Statement::prepare(db_, "DELETE FROM facts WHERE job_id = ?"));
  AIPG_TRY_ASSIGN(select_own_,
                  Statement::prepare(db_, "SELECT job_id, data, wall_ms FROM own ORDER BY seq"));
  AIPG_TRY_ASSIGN(select_facts_, Statement::prepare(db_,
                                                    "SELECT msg_id, job_id, wall_ms, envelope "
                                                    "FROM facts ORDER BY seq"));
  // Ids are BLOBs, so ORDER BY compares them with memcmp: the order of std::string's <.
  AIPG_TRY_ASSIGN(select_job_ids_,
                  Statement::prepare(db_,
                                     "SELECT job_id FROM own UNION SELECT job_id FROM facts "
                                     "ORDER BY 1"));
  return ok();
}

Status JobStore::count_rows() {
  AIPG_TRY_ASSIGN(int64_t own, query_int(db_, "SELECT count(*) FROM own", "open: count own"));
  AIPG_TRY_ASSIGN(int64_t facts, query_int(db_, "SELECT count(*) FROM facts", "open: count facts"));
  stats_.own_rows = uint64_t(own);
  stats_.fact_rows = uint64_t(facts);
  return ok();
}

Status JobStore::wrote(Status s) {
  healthy_ = bool(s);
  if (s) {
    ++stats_.commits;
  } else {
    ++stats_.write_errors;
  }
  return s;
}

Status JobStore::put_own(const OwnRecord& r) {
  // A single INSERT outside BEGIN is its own transaction: committed (and synced) when it is done.
  auto write = [&]() -> Status {
    Statement::Reset reset(insert_own_);
    AIPG_TRY(insert_own_.bind_blob(1, blob(r.job_id), "put_own"));
    AIPG_TRY(insert_own_.bind_blob(2, r.data, "put_own"));
    AIPG_TRY(insert_own_.bind_int64(3, r.wall_ms, "put_own"));
    AIPG_TRY(insert_own_.run("put_own"));
    ++stats_.own_rows;
    return ok();
  };
  return wrote(write());
}

Status JobStore::put_facts(const std::vector<FactRecord>& rs) {
  if (rs.empty()) return ok();
  auto write = [&]() -> Status {
    AIPG_TRY_ASSIGN(Transaction tx, Transaction::begin(db_, "put_facts"));
    uint64_t added = 0;
    for (const FactRecord& r : rs) {
      Statement::Reset reset(insert_fact_);
      AIPG_TRY(insert_fact_.bind_blob(1, blob(r.msg_id), "put_facts"));
      AIPG_TRY(insert_fact_.bind_blob(2, blob(r.job_id), "put_facts"));
      AIPG_TRY(insert_fact_.bind_int64(3, r.wall_ms, "put_facts"));
      AIPG_TRY(insert_fact_.bind_blob(4, r.envelope, "put_facts"));
      AIPG_TRY(insert_fact_.run("put_facts"));
      added += uint64_t(insert_fact_.changes());  // 0 when the msg_id was there already
    }
    AIPG_TRY(tx.commit("put_facts"));
    stats_.fact_rows += added;
    return ok();
  };
  return wrote(write());
}

Status JobStore::forget_jobs(const std::vector<std::string>& job_ids) {
  if (job_ids.empty()) return ok();
  auto write = [&]() -> Status {
    AIPG_TRY_ASSIGN(Transaction tx, Transaction::begin(db_, "forget_jobs"));
    uint64_t own = 0, facts = 0;
    for (const std::string& id : job_ids) {
      {
        Statement::Reset reset(delete_own_);
        AIPG_TRY(delete_own_.bind_blob(1, blob(id), "forget_jobs"));
        AIPG_TRY(delete_own_.run("forget_jobs"));
        own += uint64_t(delete_own_.changes());
      }
      Statement::Reset reset(delete_facts_);
      AIPG_TRY(delete_facts_.bind_blob(1, blob(id), "forget_jobs"));
      AIPG_TRY(delete_facts_.run("forget_jobs"));
      facts += uint64_t(delete_facts_.changes());
    }
    AIPG_TRY(tx.commit("forget_jobs"));
    stats_.own_rows -= own;
    stats_.fact_rows -= facts;
    return ok();
  };
  return wrote(write());
}

Result<Loaded> JobStore::load() const {
  Loaded out;
  {
    Statement::Reset reset(select_own_);
    for (;;) {
      AIPG_TRY_ASSIGN(bool row, select_own_.step("load"));
      if (!row) break;
      BytesView data = select_own_.column_blob(1);
      out.own.push_back(OwnRecord{to_string(select_own_.column_blob(0)),
                                  Bytes(data.begin(), data.end()), select_own_.column_int64(2)});
    }
  }
  Statement::Reset reset(select_facts_);
  for (;;) {
    AIPG_TRY_ASSIGN(bool row, select_facts_.step("load"));
    if (!row) break;
    BytesView envelope = select_facts_.column_blob(3);
    out.facts.push_back(
        FactRecord{to_string(select_facts_.column_blob(0)), to_string(select_facts_.column_blob(1)),
                   select_facts_.column_int64(2), Bytes(envelope.begin(), envelope.end())});
  }
  return out;
}

Result<std::vector<std::string>> JobStore::job_ids() const {
  std::vector<std::string> out;
  Statement::Reset reset(select_job_ids_);
  for (;;) {
    AIPG_TRY_ASSIGN(bool row, select_job_ids_.step("job_ids"));
    if (!row) break;
    out.push_back(to_string(select_job_ids_.column_blob(0)));
  }
  return out;
}

}  // namespace aipg::store
