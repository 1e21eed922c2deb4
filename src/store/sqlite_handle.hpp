// Small RAII wrappers over the sqlite3 C API: a connection (Db), a prepared statement
// (Statement) and a write transaction (Transaction). Every failure becomes an Errc::io Error
// that names the operation, the database path and SQLite's own message; nothing throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace aipg::store {

// One sqlite3 connection; closed on destruction. Not thread-safe: one thread uses it.
class Db {
 public:
  // Opens (creating if missing) the database file at path for reading and writing.
  static Result<Db> open(const std::string& path);

  Db() = default;
  Db(Db&& o) noexcept;
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  sqlite3* get() const { return db_; }
  const std::string& path() const { return path_; }

  // "store: <what> <path>: <sqlite3_errmsg>", as Errc::io.
  Error error(std::string_view what) const;
  // Runs SQL that returns no rows (pragmas, schema, BEGIN/COMMIT).
  Status exec(const char* sql, std::string_view what);

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_ = nullptr;
  std::string path_;
};

// A prepared statement, finalized on destruction. The Db must outlive it.
class Statement {
 public:
  // Prepared as persistent: the store keeps its statements for the connection's lifetime.
  static Result<Statement> prepare(const Db& db, std::string_view sql);

  Statement() = default;
  Statement(Statement&& o) noexcept;
  Statement& operator=(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters count from 1, as in SQL. The bytes must stay alive until the statement is reset:
  // they are not copied.
  Status bind_blob(int index, BytesView value, std::string_view what);
  Status bind_int64(int index, int64_t value, std::string_view what);

  // True when a row is ready to read, false when the statement is done.
  Result<bool> step(std::string_view what);
  // Steps a statement that returns no rows.
  Status run(std::string_view what);

  int64_t column_int64(int index) const;
  // Valid until the next step or reset.
  BytesView column_blob(int index) const;

  // Rows changed by the last completed INSERT, UPDATE or DELETE on this connection.
  int64_t changes() const;

  // Back to the start with no bindings. A statement left mid-way would keep its read snapshot
  // (and so block WAL checkpoints) or its error; Reset makes sure it is not.
  void reset();

  // Resets the statement when the scope ends, however the scope ends.
  class Reset {
   public:
    explicit Reset(Statement& s) : s_(s) {}
    Reset(const Reset&) = delete;
    Reset& operator=(const Reset&) = delete;
    ~Reset() { s_.reset(); }

   private:
    Statement& s_;
  };

 private:
  Statement(sqlite3_stmt* stmt, const Db* db) : stmt_(stmt), db_(db) {}

  sqlite3_stmt* stmt_ = nullptr;
  const Db* db_ = nullptr;
};

// A write transaction, rolled back on destruction unless committed.
class Transaction {
 public:
  // BEGIN IMMEDIATE takes the write lock up front: a busy database is waited for (busy_timeout)
  // at the start instead of failing half-way when a read would have to become a write.
  static Result<Transaction> begin(Db& db, std::string_view what);

  Transaction(Transaction&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status commit(std::string_view what);

 private:
  explicit Transaction(Db* db) : db_(db) {}

  Db* db_;  // null once committed or rolled back
};

}  // namespace aipg::store
