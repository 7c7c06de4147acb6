#include "sqlite_reserve.h"

#include <sqlite3.h>

namespace trop::bench {
namespace {

// The original tool's schema (version 2), reduced to what reserve touches:
// one row per (path, tag) with a unique port, and a metadata table holding
// the schema version that every open reads. Untagged keys store tag ''.
constexpr const char* kSchema = R"(
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS reservations (
  path TEXT NOT NULL,
  tag TEXT NOT NULL DEFAULT '',
  port INTEGER NOT NULL,
  project TEXT,
  task TEXT,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  UNIQUE (path, tag)
);
CREATE UNIQUE INDEX IF NOT EXISTS reservations_port ON reservations (port);
CREATE TABLE IF NOT EXISTS metadata (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO metadata (key, value) VALUES ('schema_version', '2');
)";

// SQLITE_STATIC (a null destructor: the text outlives the statement's use)
// without the macro's C-style cast.
constexpr sqlite3_destructor_type kStatic = nullptr;

// Steps a statement that returns no row; resets it either way.
int step_done(sqlite3_stmt* s) {
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  return rc;
}

}  // namespace

std::string sqlite_store::create(const std::string& db_path) {
  sqlite3* db = nullptr;
  std::string err;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    err = std::string("open ") + db_path + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
  } else {
    char* msg = nullptr;
    if (sqlite3_exec(db, kSchema, nullptr, nullptr, &msg) != SQLITE_OK) {
      err = std::string("schema: ") + (msg ? msg : "unknown error");
      sqlite3_free(msg);
    }
  }
  sqlite3_close(db);
  return err;
}

sqlite_store::sqlite_store(const std::string& db_path, bool full,
                           std::chrono::milliseconds busy_timeout) {
  if (sqlite3_open_v2(db_path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    error_ = last_error("open");
    return;
  }
  // SQLite's own busy handler: sleeps and polls (1, 2, 5, 10 ... 100 ms)
  // until the lock is free or the timeout has passed, as the original does.
  sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout.count()));
  if (!exec("PRAGMA journal_mode=WAL") ||
      !exec(full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL") ||
      !exec("PRAGMA foreign_keys=ON") ||
      !exec("SELECT value FROM metadata WHERE key = 'schema_version'")) {
    return;
  }
  struct {
    sqlite3_stmt** into;
    const char* sql;
  } statements[] = {
      {&begin_, "BEGIN IMMEDIATE"},
      {&commit_, "COMMIT"},
      {&rollback_, "ROLLBACK"},
      {&find_, "SELECT port FROM reservations WHERE path = ?1 AND tag = ''"},
      {&touch_, "UPDATE reservations SET last_used_at = ?2 WHERE path = ?1 AND tag = ''"},
      {&ports_, "SELECT port FROM reservations WHERE port BETWEEN ?1 AND ?2 ORDER BY port"},
      {&insert_,
       "INSERT INTO reservations (path, tag, port, project, task, created_at, last_used_at) "
       "VALUES (?1, '', ?2, NULL, NULL, ?3, ?3)"},
  };
  for (auto& s : statements) {
    if (sqlite3_prepare_v2(db_, s.sql, -1, s.into, nullptr) != SQLITE_OK) {
      error_ = last_error(s.sql);
      return;
    }
  }
}

sqlite_store::~sqlite_store() {
  for (sqlite3_stmt* s : {begin_, commit_, rollback_, find_, touch_, ports_, insert_}) {
    sqlite3_finalize(s);
  }
  sqlite3_close(db_);
}

bool sqlite_store::exec(const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    error_ = std::string(sql) + ": " + (msg ? msg : "unknown error");
    sqlite3_free(msg);
    return false;
  }
  return true;
}

std::string sqlite_store::last_error(const char* what) const {
  return std::string(what) + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory");
}

sqlite_reserve_result sqlite_store::reserve(const std::string& path, std::uint32_t min_port,
                                            std::uint32_t max_port, std::int64_t now) {
  sqlite_reserve_result r;
  if (!error_.empty()) {
    r.error = error_;
    return r;
  }
  const auto t0 = std::chrono::steady_clock::now();
  int rc = step_done(begin_);
  r.lock_wait =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
  if (rc != SQLITE_DONE) {
    r.busy = rc == SQLITE_BUSY;
    r.error = last_error("BEGIN IMMEDIATE");
    return r;
  }
  auto fail = [&](const char* what) {
    r.error = last_error(what);
    step_done(rollback_);
    return r;
  };

  sqlite3_bind_text(find_, 1, path.data(), static_cast<int>(path.size()), kStatic);
  rc = sqlite3_step(find_);
  if (rc == SQLITE_ROW) {
    r.existed = true;
    r.port = static_cast<std::uint16_t>(sqlite3_column_int(find_, 0));
  }
  sqlite3_reset(find_);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return fail("select key");
  }
  if (r.existed) {
    sqlite3_bind_text(touch_, 1, path.data(), static_cast<int>(path.size()), kStatic);
    sqlite3_bind_int64(touch_, 2, now);
    if (step_done(touch_) != SQLITE_DONE) {
      return fail("update last_used_at");
    }
  } else {
    // The lowest port of the range that no row holds: walk the reserved
    // ports in order until the first gap.
    std::uint32_t candidate = min_port;
    sqlite3_bind_int64(ports_, 1, min_port);
    sqlite3_bind_int64(ports_, 2, max_port);
    while ((rc = sqlite3_step(ports_)) == SQLITE_ROW) {
      const auto p = static_cast<std::uint32_t>(sqlite3_column_int(ports_, 0));
      if (p > candidate) {
        break;
      }
      candidate = p + 1;
    }
    sqlite3_reset(ports_);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      return fail("select ports");
    }
    if (candidate > max_port) {
      r.exhausted = true;
      step_done(rollback_);
      return r;
    }
    sqlite3_bind_text(insert_, 1, path.data(), static_cast<int>(path.size()), kStatic);
    sqlite3_bind_int(insert_, 2, static_cast<int>(candidate));
    sqlite3_bind_int64(insert_, 3, now);
    if (step_done(insert_) != SQLITE_DONE) {
      return fail("insert");
    }
    r.port = static_cast<std::uint16_t>(candidate);
  }
  if (step_done(commit_) != SQLITE_DONE) {
    return fail("COMMIT");
  }
  r.ok = true;
  return r;
}

int sqlite_store::port_of(const std::string& path) {
  if (!error_.empty()) {
    return -1;
  }
  sqlite3_bind_text(find_, 1, path.data(), static_cast<int>(path.size()), kStatic);
  int rc = sqlite3_step(find_);
  int port = rc == SQLITE_ROW ? sqlite3_column_int(find_, 0) : rc == SQLITE_DONE ? 0 : -1;
  sqlite3_reset(find_);
  return port;
}

bool sqlite_store::release(const std::string& path) {
  if (!error_.empty()) {
    return false;
  }
  sqlite3_stmt* s = nullptr;
  bool ok = sqlite3_prepare_v2(db_, "DELETE FROM reservations WHERE path = ?1 AND tag = ''", -1, &s,
                               nullptr) == SQLITE_OK;
  if (ok) {
    sqlite3_bind_text(s, 1, path.data(), static_cast<int>(path.size()), kStatic);
    ok = sqlite3_step(s) == SQLITE_DONE;
  }
  sqlite3_finalize(s);
  return ok;
}

std::string sqlite_store::insert_all(
    const std::string& db_path, const std::vector<std::pair<std::string, std::uint16_t>>& rows) {
  sqlite_store conn(db_path, false, std::chrono::milliseconds(5000));
  if (!conn.error().empty()) {
    return conn.error();
  }
  if (!conn.exec("BEGIN IMMEDIATE")) {
    return conn.error();
  }
  for (const auto& [path, port] : rows) {
    sqlite3_bind_text(conn.insert_, 1, path.data(), static_cast<int>(path.size()), kStatic);
    sqlite3_bind_int(conn.insert_, 2, port);
    sqlite3_bind_int64(conn.insert_, 3, 1700000000);
    if (step_done(conn.insert_) != SQLITE_DONE) {
      return conn.last_error("insert");
    }
  }
  if (!conn.exec("COMMIT") || !conn.exec("PRAGMA wal_checkpoint(TRUNCATE)")) {
    return conn.error();
  }
  return "";
}

std::string check_sqlite_store(const std::string& db_path, std::size_t expected) {
  sqlite3* db = nullptr;
  std::string err;
  auto single = [&](const char* sql, std::string* text) -> bool {
    sqlite3_stmt* s = nullptr;
    bool ok =
        sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW;
    if (ok) {
      const unsigned char* v = sqlite3_column_text(s, 0);
      *text = v ? reinterpret_cast<const char*>(v) : "";
    } else {
      err = std::string(sql) + ": " + sqlite3_errmsg(db);
    }
    sqlite3_finalize(s);
    return ok;
  };
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    err = "open " + db_path;
  } else {
    std::string integrity, rows, ports;
    if (single("PRAGMA integrity_check", &integrity) &&
        single("SELECT count(*) FROM reservations", &rows) &&
        single("SELECT count(DISTINCT port) FROM reservations", &ports)) {
      if (integrity != "ok") {
        err = "integrity_check: " + integrity;
      } else if (rows != std::to_string(expected)) {
        err = "expected " + std::to_string(expected) + " rows, found " + rows;
      } else if (ports != rows) {
        err = rows + " rows hold only " + ports + " distinct ports";
      }
    }
  }
  sqlite3_close(db);
  return err.empty() ? err : db_path + ": " + err;
}

}  // namespace trop::bench
