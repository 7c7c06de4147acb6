// An in-memory env that models what survives a power loss: each file's last
// synced contents and each directory's last synced entries. For tests only.
// Thread safety: all methods lock one internal mutex; safe from several threads.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "trop/env.h"

namespace trop::testing {

class mem_env final : public env {
 public:
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

  // Every file reverts to its last synced contents and every directory to
  // its last synced entries, as after a power cut.
  void simulate_power_loss();
  // The current contents of `path` ("" if missing) and whether it exists.
  std::string contents(const std::string& path) const;
  bool has(const std::string& path) const;
  // Replaces a file's contents, current and durable (to plant damage).
  void set_contents(const std::string& path, const std::string& bytes);
  void set_now(std::int64_t t);

  struct node {
    std::string data;
    std::string synced;
  };

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<node>> names_;
  std::map<std::string, std::shared_ptr<node>> durable_names_;
  std::map<std::string, bool> dirs_;
  std::map<std::string, std::shared_ptr<std::timed_mutex>> locks_;
  std::int64_t now_ = 1'700'000'000;
};

}  // namespace trop::testing
