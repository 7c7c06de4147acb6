// A decorator env that numbers every durable operation (write, sync, truncate,
// rename, remove, directory sync) and can fail one of them, or simulate a
// crash there: that operation and every later one fail without effect
// (a write at the crash point may first land torn, half written).
// For tests only. Thread safety: counters are atomic; configure before use.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "trop/env.h"

namespace trop::testing {

class fault_env final : public env {
 public:
  explicit fault_env(env* base) : base_(base) {}

  enum class op_kind { write, sync, truncate, rename, remove, sync_dir, any };

  // The n-th durable operation (1-based) and all later ones fail as a crash
  // would stop the process. With torn_write, a write at n first lands half.
  void crash_at(std::uint64_t n, bool torn_write = false) {
    crash_at_ = n;
    torn_ = torn_write;
  }
  // The n-th operation of `kind` fails with `code` (not executed); with
  // persistent, every later one of that kind fails too.
  void fail_at(op_kind kind, std::uint64_t n, bool persistent = false) {
    fail_kind_ = kind;
    fail_at_ = n;
    fail_persistent_ = persistent;
  }
  std::uint64_t ops() const { return ops_; }
  bool crashed() const { return crashed_; }

  // Called by wrapped files; returns the status to fail with, or ok to proceed.
  status before(op_kind kind, const std::string& what, bool* torn);

  result<std::unique_ptr<random_access_file>> open(const std::string& path,
                                                   open_mode mode) override;
  result<std::unique_ptr<mapped_file>> map_read_only(const std::string& path) override {
    return base_->map_read_only(path);
  }
  status rename(const std::string& from, const std::string& to) override;
  status remove(const std::string& path) override;
  status sync_dir(const std::string& dir) override;
  status create_dirs(const std::string& dir) override { return base_->create_dirs(dir); }
  result<bool> file_exists(const std::string& path) override { return base_->file_exists(path); }
  result<std::unique_ptr<file_lock>> lock(const std::string& path,
                                          std::chrono::milliseconds timeout) override {
    return base_->lock(path, timeout);
  }
  result<bool> is_network_fs(const std::string& path) override {
    return base_->is_network_fs(path);
  }
  std::int64_t now_unix() override { return base_->now_unix(); }

 private:
  env* base_;
  std::atomic<std::uint64_t> ops_{0};
  std::atomic<std::uint64_t> kind_count_[7] = {};
  std::uint64_t crash_at_ = 0;
  bool torn_ = false;
  std::atomic<bool> crashed_{false};
  op_kind fail_kind_ = op_kind::any;
  std::uint64_t fail_at_ = 0;
  bool fail_persistent_ = false;
};

}  // namespace trop::testing
