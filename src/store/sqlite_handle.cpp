#include "store/sqlite_handle.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <utility>

#include "base/log.hpp"

namespace aipg::store {

Result<Db> Db::open(const std::string& path) {
  sqlite3* db = nullptr;
  // NOMUTEX: a store is used from one thread, so SQLite's per-connection mutex is only cost.
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    // The handle usually exists even on failure and carries the message; it must still be closed.
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return make_error(Errc::io, fmt::format("store: open {}: {}", path, msg));
  }
  sqlite3_extended_result_codes(db, 1);
  return Db(db, path);
}

Db::Db(Db&& o) noexcept : db_(std::exchange(o.db_, nullptr)), path_(std::move(o.path_)) {}

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(o.db_, nullptr);
    path_ = std::move(o.path_);
  }
  return *this;
}

// close_v2 defers the close until every statement is finalized, so member order cannot leak.
Db::~Db() { sqlite3_close_v2(db_); }

Error Db::error(std::string_view what) const {
  return make_error(Errc::io, fmt::format("store: {} {}: {}", what, path_,
                                          db_ ? sqlite3_errmsg(db_) : "not open"));
}

Status Db::exec(const char* sql, std::string_view what) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return error(what);
  return ok();
}

Result<Statement> Statement::prepare(const Db& db, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db.get(), sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT,
                              &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return db.error(fmt::format("prepare \"{}\"", sql));
  }
  return Statement(stmt, &db);
}

Statement::Statement(Statement&& o) noexcept
    : stmt_(std::exchange(o.stmt_, nullptr)), db_(std::exchange(o.db_, nullptr)) {}

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(o.stmt_, nullptr);
    db_ = std::exchange(o.db_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Status Statement::bind_blob(int index, BytesView value, std::string_view what) {
  // A null data pointer would bind SQL NULL, not an empty blob, and empty spans may carry one.
  int rc = value.empty()
               ? sqlite3_bind_zeroblob(stmt_, index, 0)
               : sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_STATIC);
  if (rc != SQLITE_OK) return db_->error(what);
  return ok();
}

Status Statement::bind_int64(int index, int64_t value, std::string_view what) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) return db_->error(what);
  return ok();
}

Result<bool> Statement::step(std::string_view what) {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->error(what);
}

Status Statement::run(std::string_view what) {
  AIPG_TRY_ASSIGN(bool row, step(what));
  if (row) return make_error(Errc::internal, fmt::format("store: {}: unexpected row", what));
  return ok();
}

int64_t Statement::column_int64(int index) const { return sqlite3_column_int64(stmt_, index); }

BytesView Statement::column_blob(int index) const {
  // The pointer first, then the size: that is the order SQLite documents as safe.
  auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, index));
  auto n = size_t(sqlite3_column_bytes(stmt_, index));
  if (!p) return {};
  return {p, n};
}

int64_t Statement::changes() const { return sqlite3_changes64(db_->get()); }

void Statement::reset() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Result<Transaction> Transaction::begin(Db& db, std::string_view what) {
  AIPG_TRY(db.exec("BEGIN IMMEDIATE", fmt::format("{}: begin", what)));
  return Transaction(&db);
}

Status Transaction::commit(std::string_view what) {
  AIPG_TRY(db_->exec("COMMIT", fmt::format("{}: commit", what)));
  db_ = nullptr;
  return ok();
}

Transaction::~Transaction() {
  // A failed statement or COMMIT may already have ended the transaction (SQLite rolls back by
  // itself on some errors); ROLLBACK then would only add a second, misleading error.
  if (!db_ || sqlite3_get_autocommit(db_->get())) return;
  if (auto s = db_->exec("ROLLBACK", "rollback"); !s) log::warn("{}", s.error().message);
}

}  // namespace aipg::store
