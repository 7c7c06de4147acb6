// The reservation store: open a data directory, read snapshots without any
// lock, and change it in write transactions that hold the interprocess lock
// from planning to commit. On-disk format: docs/FORMAT.md.
//
// Thread safety: a store is safe to share between threads; snapshots and
// transactions belong to one thread at a time. Write transactions of all
// threads and processes are serialised by one lock (file lock + in-process
// mutex), so two handles in one process never hold it at once.
//
// Between write transactions a handle keeps the state its last one committed
// (the image mapped, the WAL open, the replayed records), so that its next
// begin_write() reads only the WAL frames appended since, by any process. It
// checks first that the image and the WAL are still the files it read (file
// ids) and that the last frame it saw is unchanged, and loads afresh
// otherwise. So a long-lived handle holds one descriptor and one mapping; an
// image that a checkpoint replaced keeps its disk space until the handle's
// next write transaction or its destruction.
//
// Caveats: local file systems only (fcntl locks and mmap are unreliable on
// NFS); do not edit or truncate trop.db in place (it is only ever replaced by
// rename, which is what makes mapping it safe).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "trop/env.h"
#include "trop/port_range.h"
#include "trop/reservation.h"
#include "trop/status.h"

namespace trop {

// What a successful commit promises (ACID terms).
//   full:   A, C, I and D. The WAL is fdatasync'ed before commit() returns, so
//           a port once reported survives power loss.
//   normal: A, C and I; D only against process crashes. Commits are written but
//           not synced; a power loss may drop the most recent transactions
//           (always a suffix: the store stays consistent).
// A commit that only refreshes last_used_at is never synced in either mode.
enum class durability { full, normal };

struct store_options {
  std::string data_dir;
  durability durability_mode = durability::full;
  // How long begin_write() waits for the lock; zero = try once.
  std::chrono::milliseconds busy_timeout{5000};
  // Whether begin_write() may create the data directory and an empty store.
  bool create_if_missing = true;
  // The WAL is folded into a new image when it grows past this many bytes.
  std::uint64_t checkpoint_bytes = 64 * 1024;
  // Refuse a data directory or store file that another user owns or that
  // group or others may write, and store files that are symbolic links
  // (io_error naming the path). Applies when file_env is nullptr (it selects
  // env::posix_private()); a given env decides for itself.
  bool private_files = true;
  // Whether the handle keeps, between its write transactions, the state its
  // last one committed (see above). A process that writes once (the trop
  // CLI) turns it off and saves identifying the store files on every write.
  bool keep_write_state = true;
  // Not owned; nullptr = env::posix() or env::posix_private(). Must outlive the store.
  env* file_env = nullptr;
};

// The file names inside a data directory.
struct store_paths {
  std::string dir, image, wal, lock;
  explicit store_paths(const std::string& data_dir);
};

class store_state;  // engine-internal: image + replayed WAL

// A consistent, immutable view of the store as of one moment. Reads may meet
// corruption in a block not touched before (checksums are verified lazily):
// every read returns a status.
class snapshot {
 public:
  snapshot();
  ~snapshot();
  snapshot(snapshot&&) noexcept;
  snapshot& operator=(snapshot&&) noexcept;

  result<std::optional<reservation>> find(const reservation_key& key) const;
  result<std::optional<reservation>> find_by_port(std::uint16_t port) const;
  // Visits every record in key order (path, then tag; untagged first). The
  // visitor returns false to stop early.
  status for_each(const std::function<bool(const reservation&)>& visit) const;
  // Visits the records whose path is `path` or lies below it (component-wise:
  // "/a/b" covers "/a/b/c", not "/a/bc"), in key order.
  status for_each_under(const std::string& path,
                        const std::function<bool(const reservation&)>& visit) const;
  // Visits the records that carry a lease, in key order; the visitor returns
  // false to stop early. Cost: one record read per leased record of the
  // image (its lease index lists them) plus the WAL's leased records; it does
  // not scan the other records, so asking "any lapsed leases?" stays cheap
  // in a store of 60,000 sticky reservations.
  status for_each_leased(const std::function<bool(const reservation&)>& visit) const;
  // Whether some record holds `port`.
  result<bool> is_reserved(std::uint16_t port) const;
  // The lowest port p with from <= p <= last that no record holds and
  // `excluded` does not contain; nullopt if none.
  result<std::optional<std::uint16_t>> next_free(std::uint32_t from, std::uint32_t last,
                                                 const exclusion_set& excluded) const;
  std::size_t size() const;
  // The image's format version (0 when the store does not exist yet).
  std::uint32_t format_version() const;

 private:
  friend class store;
  friend class write_transaction;
  friend class transaction_impl;
  std::shared_ptr<store_state> state_;
};

class write_transaction;

// A problem found by validate().
struct validation_report {
  std::size_t records = 0;
  std::size_t wal_frames = 0;
};

class store {
 public:
  // Prepares a handle; touches nothing on disk. Fails only on bad options.
  static result<store> open(store_options options);

  store(store&&) noexcept;
  store& operator=(store&&) noexcept;
  ~store();

  const store_options& options() const;
  const store_paths& paths() const;

  // Whether trop.db exists.
  result<bool> exists() const;

  // A snapshot of everything committed before the call. Takes no lock and
  // never waits for a writer; a missing store reads as empty. Errors:
  // corruption, unsupported_version, foreign_format, io_error.
  result<snapshot> read() const;

  // Takes the write lock (waiting up to busy_timeout) and loads the current
  // state. Creates the data dir and an empty store when missing and
  // create_if_missing is set (else not_found). Errors: busy, not_found,
  // corruption, unsupported_version, foreign_format, io_error.
  result<write_transaction> begin_write() const;

  // A transaction over a fresh snapshot that takes no lock and can never
  // commit (commit() returns invalid_argument): dry-runs run the real
  // planning code on it. Errors: as read().
  result<write_transaction> begin_dry_run() const;

  // Checks every checksum, bound and invariant of the image and the WAL,
  // read-only. not_found if there is no trop.db.
  result<validation_report> validate() const;

  // Deletes the store files (under the write lock) and creates an empty store.
  status recreate() const;

 private:
  struct impl;
  friend class transaction_impl;
  explicit store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

class transaction_impl;

// Changes made under the write lock. Nothing is visible to others until
// commit(); destruction without commit() aborts. The lock is held until the
// transaction is destroyed or committed.
class write_transaction {
 public:
  write_transaction(write_transaction&&) noexcept;
  write_transaction& operator=(write_transaction&&) noexcept;
  ~write_transaction();

  // The state as of begin_write() plus this transaction's own changes.
  const snapshot& view() const;

  // Inserts or replaces the record with r.key. Errors: invalid_argument when
  // r breaks a record invariant; conflict when r.port is held by another key.
  status put(const reservation& r);
  // Removes the record with `key`; removing a missing key is ok.
  status erase(const reservation_key& key);
  // Whether put/erase changed anything yet.
  bool has_changes() const;

  // Whether this is a dry-run transaction (begin_dry_run).
  bool is_dry_run() const;

  // Appends one WAL frame with every change and makes it durable as the
  // durability mode says. On error nothing is committed and the store is as
  // it was. A commit with no changes writes nothing. May fold the WAL into a
  // new image afterwards (a failure there does not undo the commit).
  status commit();
  // Discards the changes and releases the lock.
  void abort();

  // How long begin_write() waited for the lock.
  std::chrono::microseconds lock_wait() const;

 private:
  friend class store;
  explicit write_transaction(std::unique_ptr<transaction_impl> p);
  std::unique_ptr<transaction_impl> impl_;
};

}  // namespace trop
