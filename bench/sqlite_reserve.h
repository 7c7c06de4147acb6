// The SQLite baseline: the original tool's reserve transaction on SQLite
// (WAL journal, BEGIN IMMEDIATE, look up the key, find the lowest free port
// with a query over the reserved ports, insert, commit), with SQLite's own
// busy handler for the lock wait. Used in-process by `concurrent
// --vs-sqlite` and by the trop_bench_sqlite_reserve helper executable.
// Built only when SQLite's development files are present; never linked into
// trop or trop::engine.
// Thread safety: a sqlite_store is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace trop::bench {

// The outcome of one reserve.
struct sqlite_reserve_result {
  bool ok = false;
  bool exhausted = false;
  bool busy = false;     // BEGIN IMMEDIATE gave up: SQLITE_BUSY after the busy timeout
  bool existed = false;  // the key was reserved already (its port is returned)
  std::uint16_t port = 0;
  std::chrono::microseconds lock_wait{0};  // time spent in BEGIN IMMEDIATE
  std::string error;
};

// One connection to a baseline database, with its statements prepared.
class sqlite_store {
 public:
  // Creates the schema (reservations + metadata, WAL journal) in `db_path`
  // if missing. Returns "" or an error message.
  static std::string create(const std::string& db_path);

  // Opens a connection as the original tool does on every run: busy timeout
  // (SQLite's own busy handler), journal_mode=WAL, synchronous=FULL (`full`)
  // or NORMAL, foreign keys on, and a schema-version read. Check error().
  sqlite_store(const std::string& db_path, bool full, std::chrono::milliseconds busy_timeout);
  ~sqlite_store();
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  const std::string& error() const { return error_; }

  // The reserve transaction for an untagged key: BEGIN IMMEDIATE; select the
  // key; if present refresh last_used_at, else select the reserved ports in
  // [min_port, max_port] in order, take the lowest gap and insert; COMMIT.
  sqlite_reserve_result reserve(const std::string& path, std::uint32_t min_port,
                                std::uint32_t max_port, std::int64_t now);

  // The port stored for `path` (0 if none, -1 on error).
  int port_of(const std::string& path);
  // Deletes the untagged key `path` (in its own transaction); false on error.
  bool release(const std::string& path);

  // Inserts (path, port) rows in one transaction (a store of a given size).
  static std::string insert_all(const std::string& db_path,
                                const std::vector<std::pair<std::string, std::uint16_t>>& rows);

 private:
  bool exec(const char* sql);
  std::string last_error(const char* what) const;

  sqlite3* db_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* rollback_ = nullptr;
  sqlite3_stmt* find_ = nullptr;
  sqlite3_stmt* touch_ = nullptr;
  sqlite3_stmt* ports_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  std::string error_;
};

// Checks a baseline database after a run: integrity_check ok, `expected`
// rows, no port twice. Returns "" or what is wrong.
std::string check_sqlite_store(const std::string& db_path, std::size_t expected);

}  // namespace trop::bench
