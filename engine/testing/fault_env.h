// A decorator env that numbers every durable operation (write, sync, truncate,
// rename, remove, directory sync) and can fail one of them, or simulate a
// crash there: that operation and every later one fail without effect
// (a write at the crash point may first land torn, half written). It can also
// fail the n-th call of one kind (opens and maps included) with a chosen
// error, once or persistently, and keeps a trace of every call.
// For tests only. Thread safety: counters are atomic and the trace is locked;
// configure before use.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "trop/env.h"

namespace trop::testing {

class fault_env final : public env {
 public:
  explicit fault_env(env* base) : base_(base) {}

  // open and mmap are not durable operations: they are counted per kind but
  // do not advance ops() (the crash numbering).
  enum class op_kind { write, sync, truncate, rename, remove, sync_dir, open, mmap, any };
  static constexpr int kKinds = 9;
  static const char* kind_name(op_kind k);

  // How an injected failure looks to the caller.
  enum class fault_mode {
    eio,          // "Input/output error", nothing done
    enospc,       // "No space left on device", nothing done
    eintr,        // "Interrupted system call", nothing done
    short_write,  // writes: the first half lands, then ENOSPC; other kinds: as enospc
  };
  static const char* mode_name(fault_mode m);

  // The n-th durable operation (1-based) and all later ones fail as a crash
  // would stop the process. With torn_write, a write at n first lands half.
  void crash_at(std::uint64_t n, bool torn_write = false) {
    crash_at_ = n;
    torn_ = torn_write;
  }
  // The n-th operation of `kind` fails with `mode` (not executed); with
  // persistent, every later one of that kind fails too.
  void fail_at(op_kind kind, std::uint64_t n, bool persistent = false,
               fault_mode mode = fault_mode::eio) {
    fail_kind_ = kind;
    fail_at_ = n;
    fail_persistent_ = persistent;
    fail_mode_ = mode;
  }
  // Stops failing (a persistent fault ends, e.g. the disk got space again).
  void heal() { fail_at_ = 0; }
  std::uint64_t ops() const { return ops_; }
  std::uint64_t count(op_kind kind) const { return kind_count_[static_cast<int>(kind)]; }
  std::uint64_t injected() const { return injected_; }
  bool crashed() const { return crashed_; }

  // One call seen by the env, in order.
  struct event {
    op_kind kind;
    std::string path;
    bool failed;
  };
  std::vector<event> trace() const;
  void clear_trace();

  // What before() decided for a call.
  struct decision {
    status st;                 // ok: proceed
    bool torn = false;         // crash at a write: land half of it first
    bool short_write = false;  // injected short write: land half of it first
  };
  // Called by wrapped files; returns the status to fail with, or ok to proceed.
  decision before(op_kind kind, const std::string& op_name, const std::string& path);
  void record(op_kind kind, const std::string& path, bool failed);

  result<std::unique_ptr<random_access_file>> open(const std::string& path,
                                                   open_mode mode) override;
  result<std::unique_ptr<mapped_file>> map_read_only(const std::string& path) override;
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
  status check_directory(const std::string& dir) override { return base_->check_directory(dir); }
  std::int64_t now_unix() override { return base_->now_unix(); }
  result<std::optional<file_id>> identify(const std::string& path) override {
    return base_->identify(path);
  }

 private:
  env* base_;
  std::atomic<std::uint64_t> ops_{0};
  std::atomic<std::uint64_t> kind_count_[kKinds] = {};
  std::atomic<std::uint64_t> injected_{0};
  std::uint64_t crash_at_ = 0;
  bool torn_ = false;
  std::atomic<bool> crashed_{false};
  op_kind fail_kind_ = op_kind::any;
  std::atomic<std::uint64_t> fail_at_{0};
  bool fail_persistent_ = false;
  fault_mode fail_mode_ = fault_mode::eio;
  mutable std::mutex trace_mu_;
  std::vector<event> trace_;
};

}  // namespace trop::testing
