// Helpers shared by the prune, expire and autoclean integration tests:
// records with chosen ages, the store's bytes, a held write lock, running
// trop as an unprivileged user, and stderr without the --verbose trace lines.
// Thread safety: used from the test thread only.
#pragma once

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "trop_fixture.h"

#ifndef TROP_LOCK_HOLDER
#error "TROP_LOCK_HOLDER must name the lock holder helper"
#endif

namespace trop::test {

inline constexpr std::int64_t kDay = 86400;

inline std::int64_t now_unix() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

// A record last used `age_seconds` ago (created a day before that).
inline reservation aged(const std::string& path, std::optional<std::string> tag, std::uint16_t port,
                        std::int64_t age_seconds,
                        std::optional<std::string> project = std::nullopt) {
  reservation r;
  r.key.path = path;
  r.key.tag = std::move(tag);
  r.port = port;
  r.project = std::move(project);
  r.last_used_at = now_unix() - age_seconds;
  r.created_at = r.last_used_at - kDay;
  return r;
}

// trop.db and trop.db-wal, concatenated: equal bytes = nothing written.
inline std::string store_bytes(const trop_fixture& fx) {
  return read_file(fx.data_dir() + "/trop.db") + "|" + read_file(fx.data_dir() + "/trop.db-wal");
}

// stderr without the "trop: " decision lines of --verbose.
inline std::string without_trace(const std::string& err) {
  std::istringstream in(err);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("trop: ", 0) != 0) {
      out += line + "\n";
    }
  }
  return out;
}

// Holds the store's write lock (trop_test_lock_holder) while alive.
class held_lock {
 public:
  explicit held_lock(const trop_fixture& fx) {
    using namespace std::chrono_literals;
    process_options o;
    o.argv = {TROP_LOCK_HOLDER, fx.data_dir(), "60"};
    o.timeout = 120s;
    holder_ = std::make_unique<child_process>(o);
    if (holder_->read_stdout_line(30s) != std::optional<std::string>("locked")) {
      process_result r = holder_->wait();
      FAIL("the lock holder did not take the lock: exit " << r.exit_code << ", " << r.err);
    }
  }

 private:
  std::unique_ptr<child_process> holder_;
};

// Whether the tests can drop privileges (they run as root in CI).
inline bool can_drop_privileges() {
  return ::geteuid() == 0 && ::getpwnam("nobody") != nullptr && ::getgrnam("nogroup") != nullptr &&
         std::system("setpriv --version > /dev/null 2>&1") == 0;
}

// Makes the fixture usable by `nobody`: the temporary root becomes
// traversable and the data directory (created if needed) with every file in
// it is handed to nobody:nogroup.
inline void hand_data_dir_to_nobody(const trop_fixture& fx) {
  namespace fs = std::filesystem;
  const passwd* pw = ::getpwnam("nobody");
  const group* gr = ::getgrnam("nogroup");
  REQUIRE(pw != nullptr);
  REQUIRE(gr != nullptr);
  REQUIRE(::chmod(fx.root().c_str(), 0755) == 0);
  fs::create_directories(fx.data_dir());
  REQUIRE(::chown(fx.data_dir().c_str(), pw->pw_uid, gr->gr_gid) == 0);
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(fx.data_dir())) {
    REQUIRE(::lchown(e.path().c_str(), pw->pw_uid, gr->gr_gid) == 0);
  }
}

// Runs trop as nobody:nogroup without supplementary groups.
inline process_result run_as_nobody(const trop_fixture& fx, const std::vector<std::string>& args,
                                    const run_options& opt = {}) {
  process_options o = fx.options(args, opt);
  o.argv.insert(o.argv.begin(), {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"});
  return run_process(o);
}

// <root>/locked/proj: a directory nobody cannot stat (its parent is 0700 and
// owned by root), so inspecting it fails with EACCES.
inline std::string make_unreadable_dir(const trop_fixture& fx) {
  std::string dir = fx.make_dir("locked/proj");
  REQUIRE(::chmod((fx.root() + "/locked").c_str(), 0700) == 0);
  return dir;
}

}  // namespace trop::test
