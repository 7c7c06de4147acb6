// File-system security of the store (DESIGN.md "Directory mode 0700, files
// 0600"; env::posix_private): what trop creates is private whatever the
// umask, and trop refuses (exit 6, one clear error line, nothing changed) a
// data directory or store file that another user owns or that group or
// others may write, and store files that are symbolic links. CI runs as
// root: ownership is handed to `nobody` with chown, and runs as another user
// go through setpriv.
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "trop_fixture.h"

using trop::test::process_options;
using trop::test::process_result;
using trop::test::read_file;
using trop::test::run_options;
using trop::test::trop_fixture;
namespace fs = std::filesystem;

namespace {

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

bool can_drop_privileges() {
  return ::geteuid() == 0 && ::getpwnam("nobody") != nullptr && ::getgrnam("nogroup") != nullptr &&
         std::system("setpriv --version > /dev/null 2>&1") == 0;
}

uid_t nobody_uid() {
  return ::getpwnam("nobody")->pw_uid;
}
gid_t nogroup_gid() {
  return ::getgrnam("nogroup")->gr_gid;
}

process_result run_as_nobody(const trop_fixture& fx, const std::vector<std::string>& args) {
  process_options o = fx.options(args);
  o.argv.insert(o.argv.begin(), {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"});
  return trop::test::run_process(o);
}

// A store with one reservation, and the bytes of its files.
struct seeded {
  std::string image, wal;
};
seeded seed_store(const trop_fixture& fx) {
  REQUIRE(fx.run({"reserve", "--path", fx.root() + "/a", "--allow-unrelated-path"}).exit_code == 0);
  return {read_file(fx.data_dir() + "/trop.db"), read_file(fx.data_dir() + "/trop.db-wal")};
}

void require_unchanged(const trop_fixture& fx, const seeded& before) {
  CHECK(read_file(fx.data_dir() + "/trop.db") == before.image);
  CHECK(read_file(fx.data_dir() + "/trop.db-wal") == before.wal);
}

// Every store-using command a user would try, read and write.
const std::vector<std::vector<std::string>> kCommands = {
    {"list"},
    {"reserve", "--path", "/tmp/x", "--allow-unrelated-path"},
    {"assert-data-dir", "--validate"},
};

}  // namespace

TEST_CASE("The data directory is created 0700 and the store files 0600, whatever the umask",
          "[quick]") {
  for (mode_t umask_value : {mode_t{022}, mode_t{0}, mode_t{077}}) {
    INFO("umask " << umask_value);
    trop_fixture fx;
    mode_t old = ::umask(umask_value);
    // Missing parents are created too, with the same mode.
    const std::string dir = fx.root() + "/deep/er/data";
    run_options opt;
    opt.env = {{"TROP_DATA_DIR", dir}};
    process_result r =
        fx.run({"reserve", "--path", fx.root() + "/p", "--allow-unrelated-path"}, opt);
    ::umask(old);
    REQUIRE(r.exit_code == 0);
    CHECK(mode_of(fx.root() + "/deep") == 0700);
    CHECK(mode_of(fx.root() + "/deep/er") == 0700);
    CHECK(mode_of(dir) == 0700);
    for (const char* f : {"trop.db", "trop.db-wal", "trop.db-lock"}) {
      INFO(f);
      CHECK(mode_of(dir + "/" + f) == 0600);
    }
  }
}

TEST_CASE("A data directory or store file that group or others may write is refused", "[quick]") {
  for (const std::string target : {"", "/trop.db", "/trop.db-wal", "/trop.db-lock"}) {
    for (unsigned mode : {0777u, 0770u, 0702u}) {
      const bool dir = target.empty();
      const unsigned m = dir ? mode : (mode & 0666u);
      INFO("chmod " << std::oct << m << std::dec << " data dir" << target);
      trop_fixture fx;
      seeded before = seed_store(fx);
      const std::string path = fx.data_dir() + target;
      REQUIRE(::chmod(path.c_str(), m) == 0);
      for (const auto& args : kCommands) {
        if (target == "/trop.db-lock" && args[0] != "reserve") {
          continue;  // only writers open the lock file
        }
        INFO(args[0]);
        process_result r = fx.run(args);
        CHECK(r.exit_code == 6);
        CHECK(r.out.empty());
        char mode_text[8];
        std::snprintf(mode_text, sizeof mode_text, "%04o", m);
        CHECK(r.err == "Error: refusing to use the " +
                           std::string(dir ? "data directory " : "store file ") + path +
                           ": it is writable by group or others (mode " + mode_text +
                           "); run chmod go-w " + path + "\n");
      }
      require_unchanged(fx, before);
      // Fixed as the message says, everything works again.
      REQUIRE(::chmod(path.c_str(), dir ? 0700 : 0600) == 0);
      CHECK(fx.run({"list"}).exit_code == 0);
      CHECK(fx.run({"assert-data-dir", "--validate"}).exit_code == 0);
    }
  }
}

TEST_CASE("A data directory or store file owned by another user is refused", "[quick]") {
  if (!can_drop_privileges()) {
    WARN("skipped: needs root, setpriv and the nobody user");
    return;
  }
  for (const std::string target : {"", "/trop.db", "/trop.db-wal", "/trop.db-lock"}) {
    INFO("chown nobody data dir" << target);
    trop_fixture fx;
    seeded before = seed_store(fx);
    const std::string path = fx.data_dir() + target;
    REQUIRE(::chown(path.c_str(), nobody_uid(), nogroup_gid()) == 0);
    for (const auto& args : kCommands) {
      if (target == "/trop.db-lock" && args[0] != "reserve") {
        continue;
      }
      INFO(args[0]);
      process_result r = fx.run(args);
      CHECK(r.exit_code == 6);
      CHECK(r.out.empty());
      CHECK(r.err == "Error: refusing to use the " +
                         std::string(target.empty() ? "data directory " : "store file ") + path +
                         ": it is owned by uid " + std::to_string(nobody_uid()) +
                         ", not by the current user (uid 0)\n");
    }
    require_unchanged(fx, before);
  }
}

TEST_CASE("A store file that is a symbolic link is refused, wherever it points", "[quick]") {
  trop_fixture fx;
  seeded before = seed_store(fx);
  // Someone else's directory holding a plausible store.
  const std::string other = fx.make_dir("other");
  fs::copy_file(fx.data_dir() + "/trop.db", other + "/trop.db");
  if (::geteuid() == 0 && ::getpwnam("nobody") != nullptr) {
    REQUIRE(::chown(other.c_str(), nobody_uid(), nogroup_gid()) == 0);
    REQUIRE(::chown((other + "/trop.db").c_str(), nobody_uid(), nogroup_gid()) == 0);
  }
  fs::rename(fx.data_dir() + "/trop.db", fx.root() + "/mine.db");
  fs::create_symlink(other + "/trop.db", fx.data_dir() + "/trop.db");
  for (const auto& args : kCommands) {
    INFO(args[0]);
    process_result r = fx.run(args);
    CHECK(r.exit_code == 6);
    CHECK(r.out.empty());
    CHECK(r.err == "Error: refusing to use the store file " + fx.data_dir() +
                       "/trop.db: it is a symbolic link (store files must be regular files)\n");
  }
  // Even a link to the user's own file: store files are never links.
  fs::remove(fx.data_dir() + "/trop.db");
  fs::create_symlink(fx.root() + "/mine.db", fx.data_dir() + "/trop.db");
  CHECK(fx.run({"list"}).exit_code == 6);
  CHECK(fs::is_symlink(fx.data_dir() + "/trop.db"));
  CHECK(read_file(fx.root() + "/mine.db") == before.image);
  // The lock file and the WAL too.
  fs::remove(fx.data_dir() + "/trop.db");
  fs::rename(fx.root() + "/mine.db", fx.data_dir() + "/trop.db");
  fs::rename(fx.data_dir() + "/trop.db-wal", fx.root() + "/mine.wal");
  fs::create_symlink(fx.root() + "/mine.wal", fx.data_dir() + "/trop.db-wal");
  process_result r = fx.run({"list"});
  CHECK(r.exit_code == 6);
  CHECK(r.err == "Error: refusing to use the store file " + fx.data_dir() +
                     "/trop.db-wal: it is a symbolic link (store files must be regular files)\n");
}

TEST_CASE(
    "A data directory that is a symbolic link is followed to a directory of the user's own "
    "and refused into someone else's",
    "[quick]") {
  trop_fixture fx;
  const std::string mine = fx.make_dir("real-data");
  REQUIRE(::chmod(mine.c_str(), 0700) == 0);
  fs::create_symlink(mine, fx.data_dir());
  process_result ok = fx.run({"reserve", "--path", fx.root() + "/p", "--allow-unrelated-path"});
  CHECK(ok.exit_code == 0);
  CHECK(fs::exists(mine + "/trop.db"));
  if (!can_drop_privileges()) {
    WARN("the refusal half is skipped: needs root");
    return;
  }
  REQUIRE(::chown(mine.c_str(), nobody_uid(), nogroup_gid()) == 0);
  process_result r = fx.run({"list"});
  CHECK(r.exit_code == 6);
  CHECK(r.err == "Error: refusing to use the data directory " + fx.data_dir() +
                     ": it is owned by uid " + std::to_string(nobody_uid()) +
                     ", not by the current user (uid 0)\n");
}

TEST_CASE("Another user running trop against a root-owned data directory is refused clearly",
          "[quick]") {
  if (!can_drop_privileges()) {
    WARN("skipped: needs root, setpriv and the nobody user");
    return;
  }
  trop_fixture fx;
  seeded before = seed_store(fx);
  // nobody may reach the data directory and read the files (0755 and 0644),
  // so what stops it is the ownership rule, not a permission error.
  REQUIRE(::chmod(fx.root().c_str(), 0755) == 0);
  REQUIRE(::chmod(fx.data_dir().c_str(), 0755) == 0);
  for (const char* f : {"/trop.db", "/trop.db-wal", "/trop.db-lock"}) {
    REQUIRE(::chmod((fx.data_dir() + f).c_str(), 0644) == 0);
  }
  REQUIRE(fx.run({"list"}).exit_code == 0);  // fine for its owner
  for (const auto& args : kCommands) {
    INFO(args[0]);
    process_result r = run_as_nobody(fx, args);
    CHECK(r.exit_code == 6);
    CHECK(r.out.empty());
    CHECK(r.err == "Error: refusing to use the data directory " + fx.data_dir() +
                       ": it is owned by uid 0, not by the current user (uid " +
                       std::to_string(nobody_uid()) + ")\n");
  }
  require_unchanged(fx, before);
}
