// The Env seam: every file-system operation of the store goes through this
// interface, so tests can run the engine on memory and inject faults.
// Thread safety: implementations are safe to call from several threads; a
// single random_access_file is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "trop/status.h"

namespace trop {

// An open file with positional I/O. Errors name the file and the operation.
class random_access_file {
 public:
  virtual ~random_access_file() = default;

  // Reads up to out.size() bytes at `offset`; *read is what was read (short at end of file).
  virtual status read_at(std::uint64_t offset, std::span<std::byte> out, std::size_t* read) = 0;
  // Writes all of `data` at `offset` (retrying short writes and EINTR).
  virtual status write_at(std::uint64_t offset, std::span<const std::byte> data) = 0;
  // fdatasync: the data and the size reach stable storage. A failure is final:
  // callers must not retry it and must not trust the unsynced data.
  virtual status sync_data() = 0;
  virtual status truncate(std::uint64_t size) = 0;
  virtual result<std::uint64_t> size() = 0;
};

// A read-only view of a whole file's bytes. The bytes stay valid for the
// lifetime of this object. Files mapped this way are only ever replaced by
// rename, never shortened, so the view cannot fault.
class mapped_file {
 public:
  virtual ~mapped_file() = default;
  virtual std::span<const std::byte> bytes() const = 0;
};

// An exclusive, process-to-process lock on a file. Released by the destructor.
class file_lock {
 public:
  virtual ~file_lock() = default;
  // A one-byte note that the holder leaves for the next holder in the lock
  // file's first byte. It is never synced: it tells a writer what a previous
  // writer that died left in the page cache, which a power loss erases
  // anyway (docs/FORMAT.md "Commit"). Missing or unreadable reads as 0;
  // a failed write is ignored (the note only ever asks for more syncing).
  virtual std::uint8_t read_note() { return 0; }
  virtual void write_note(std::uint8_t value) { (void)value; }
};

// Which file a name refers to (device and inode on POSIX). Two files that
// exist at the same time never share one; a file's id stays its own while any
// handle keeps it open or mapped, even after it is renamed over or removed.
struct file_id {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  friend bool operator==(const file_id&, const file_id&) = default;
};

enum class open_mode {
  read_only,        // fails with not_found if missing
  read_write,       // creates the file (mode 0600) if missing
  create_truncate,  // creates or empties the file (mode 0600)
};

class env {
 public:
  virtual ~env() = default;

  // The process-wide POSIX implementation. Never deleted.
  static env* posix();
  // The POSIX implementation for a private store (DESIGN.md: directory 0700,
  // files 0600), used when store_options::private_files is set: files are
  // opened with O_NOFOLLOW and must be regular files owned by the effective
  // user and not writable by group or others, and check_directory() holds
  // the data directory to the same rule. Violations are io_error with a
  // message that names the path and the fix. Never deleted.
  static env* posix_private();

  virtual result<std::unique_ptr<random_access_file>> open(const std::string& path,
                                                           open_mode mode) = 0;
  // Maps `path` read-only. not_found if it does not exist; an empty file maps to no bytes.
  virtual result<std::unique_ptr<mapped_file>> map_read_only(const std::string& path) = 0;
  // Atomically replaces `to` with `from`. Durable only after sync_dir() of the parent.
  virtual status rename(const std::string& from, const std::string& to) = 0;
  // Removes a file; removing a missing file is ok.
  virtual status remove(const std::string& path) = 0;
  // fsync of a directory, making renames, creations and removals in it durable.
  virtual status sync_dir(const std::string& dir) = 0;
  // Creates `dir` and missing parents with mode 0700; an existing directory is ok.
  virtual status create_dirs(const std::string& dir) = 0;
  virtual result<bool> file_exists(const std::string& path) = 0;
  // Takes the exclusive lock on `path` (created 0600 if missing), waiting at
  // most `timeout` (zero = try once). busy on timeout. The wait blocks in the
  // kernel and returns as soon as the holder releases.
  virtual result<std::unique_ptr<file_lock>> lock(const std::string& path,
                                                  std::chrono::milliseconds timeout) = 0;
  // True when `path` lies on a network file system (NFS, CIFS, ...), where
  // fcntl locks and mmap are unreliable.
  virtual result<bool> is_network_fs(const std::string& path) = 0;
  // Seconds since the Unix epoch.
  virtual std::int64_t now_unix() = 0;
  // The id of the file `path` names, not following a final symbolic link
  // (not_found if none). nullopt when this
  // env cannot tell, which turns off what relies on it (a store handle then
  // reloads its state for every write transaction).
  virtual result<std::optional<file_id>> identify(const std::string& path) {
    (void)path;
    return std::optional<file_id>();
  }
  // Whether the store may trust `dir` (see posix_private()); ok when it does
  // not exist yet. The default trusts everything.
  virtual status check_directory(const std::string& dir) {
    (void)dir;
    return status::ok();
  }
};

}  // namespace trop
