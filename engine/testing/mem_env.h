// An in-memory env that models what survives a power loss: each file's last
// synced contents plus the writes made since, and each directory's last
// synced entries plus the creations, renames and removals made since.
// For tests only.
// Thread safety: all methods lock one internal mutex; safe from several threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "trop/env.h"

namespace trop::testing {

// What a seeded power loss did to the unsynced state (for test messages and
// the figures in docs/RELIABILITY.md).
struct power_loss_report {
  std::uint64_t writes_kept = 0;
  std::uint64_t writes_dropped = 0;
  std::uint64_t writes_torn = 0;  // some 512-byte sectors kept, others not
  std::uint64_t truncates_kept = 0;
  std::uint64_t truncates_dropped = 0;
  std::uint64_t dir_ops_kept = 0;
  std::uint64_t dir_ops_undone = 0;

  std::string describe() const;
};

class mem_env final : public env {
 public:
  // Sector size of the power-loss model: a sector is written entirely or not at all.
  static constexpr std::uint64_t kSector = 512;

  result<std::unique_ptr<random_access_file>> open(const std::string& path,
                                                   open_mode mode) override;
  result<std::unique_ptr<mapped_file>> map_read_only(const std::string& path) override;
  status rename(const std::string& from, const std::string& to) override;
  status remove(const std::string& path) override;
  status sync_dir(const std::string& dir) override;
  status create_dirs(const std::string& dir) override;
  result<bool> file_exists(const std::string& path) override;
  result<std::unique_ptr<file_lock>> lock(const std::string& path,
                                          std::chrono::milliseconds timeout) override;
  result<bool> is_network_fs(const std::string&) override { return false; }
  std::int64_t now_unix() override;
  // A serial number given to each file when it is created.
  result<std::optional<file_id>> identify(const std::string& path) override;

  // Every file reverts to its last synced contents and every directory to
  // its last synced entries: the worst case of a power cut.
  void simulate_power_loss();
  // A power cut as a disk with a volatile cache may leave things: the page
  // cache is written back sector by sector in any order, so each 512-byte
  // sector holds its synced bytes plus a prefix of the unsynced writes and
  // truncates that touched it (a write may land whole, not at all, or torn
  // between sectors), bytes the size covers but no surviving write filled
  // read as zero, and the size is that after a prefix of the changes. Of each
  // directory's unsynced creations, renames and removals a prefix survives
  // (journaled file systems keep their order). Deterministic per seed.
  power_loss_report simulate_power_loss(std::uint64_t seed);

  // The current contents of `path` ("" if missing) and whether it exists.
  std::string contents(const std::string& path) const;
  bool has(const std::string& path) const;
  // Replaces a file's contents, current and durable (to plant damage).
  void set_contents(const std::string& path, const std::string& bytes);
  void set_now(std::int64_t t);
  // A deep copy of the whole state (files, directories, unsynced operations,
  // clock); held locks are not copied.
  std::unique_ptr<mem_env> clone() const;
  // Number of unsynced writes and truncates, and of unsynced directory operations.
  std::size_t unsynced_file_ops() const;
  std::size_t unsynced_dir_ops() const;

  struct pending_op {
    bool is_truncate = false;
    std::uint64_t offset = 0;  // write: where; truncate: the new size
    std::string bytes;         // write only
  };
  struct node {
    std::uint64_t serial = 0;  // identify(): unique per created file
    std::string data;
    std::string synced;
    std::vector<pending_op> pending;  // since the last sync, in order
  };

 private:
  struct dir_op {
    enum class kind { create, rename, remove } what = kind::create;
    std::string from, to;  // create/remove: `to` only
    std::shared_ptr<node> n;
  };

  void renumber_files();  // REQUIRES: mu_ held

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<node>> names_;
  std::map<std::string, std::shared_ptr<node>> durable_names_;
  std::map<std::string, std::vector<dir_op>> pending_dir_ops_;  // by directory
  std::map<std::string, bool> dirs_;
  struct lock_state {
    std::timed_mutex mutex;
    std::uint8_t note = 0;  // the lock file's first byte (file_lock::read_note)
  };
  std::map<std::string, std::shared_ptr<lock_state>> locks_;
  std::int64_t now_ = 1'700'000'000;
  std::uint64_t next_serial_ = 1;
};

}  // namespace trop::testing
