// `trop autoclean` (SPEC B §11.3, §12.8, A.1, A.2 #13, #16).
#include <catch2/catch.hpp>
#include <filesystem>

#include "cleanup_util.h"
#include "trop_fixture.h"

using trop::reservation;
using trop::test::aged;
using trop::test::held_lock;
using trop::test::kDay;
using trop::test::process_result;
using trop::test::run_options;
using trop::test::store_bytes;
using trop::test::trop_fixture;
using trop::test::without_trace;

namespace {

std::vector<std::uint16_t> ports(const std::vector<reservation>& rs) {
  std::vector<std::uint16_t> out;
  for (const reservation& r : rs) {
    out.push_back(r.port);
  }
  return out;
}

// Two missing paths (one of them also old), two old records of live
// directories, two fresh ones.
void seed_mixed(const trop_fixture& fx) {
  const std::int64_t hour = 3600;
  fx.make_dir("work/a");
  fx.seed({aged(fx.work(), std::nullopt, 5000, hour),
           aged(fx.work(), "old", 5001, 50 * kDay + hour, "app"),
           aged(fx.work() + "/a", "older", 5002, 90 * kDay + hour),
           aged(fx.work() + "/a", "fresh", 5003, 2 * kDay + hour),
           aged(fx.root() + "/gone", "web", 5004, hour, "app"),
           aged(fx.root() + "/gone-old", std::nullopt, 5005, 70 * kDay + hour)});
}

}  // namespace

TEST_CASE("autoclean prunes and expires in one pass, counting a record once",
          "[quick][autoclean]") {
  trop_fixture fx;
  seed_mixed(fx);
  process_result r = fx.run({"autoclean"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  // gone-old is both missing and old: counted as pruned.
  CHECK(r.err == "Removed 4 total reservation(s) (pruned: 2, expired: 2)\n");
  CHECK(ports(fx.stored()) == std::vector<std::uint16_t>{5000, 5003});
  const std::string before = store_bytes(fx);
  r = fx.run({"autoclean"});
  CHECK(r.err == "Removed 0 total reservation(s) (pruned: 0, expired: 0)\n");
  CHECK(store_bytes(fx) == before);
}

TEST_CASE("autoclean --verbose lists pruned then expired reservations", "[quick][autoclean]") {
  trop_fixture fx;
  seed_mixed(fx);
  const std::string w = fx.work();
  const std::string root = fx.root();
  const std::string listing =
      "  Pruned: 2 (non-existent paths)\n"
      "  Expired: 2 (old reservations)\n"
      "\n"
      "Pruned reservations:\n"
      "  - Port 5004: " +
      root +
      "/gone\n"
      "  - Port 5005: " +
      root +
      "/gone-old\n"
      "\n"
      "Expired reservations:\n"
      "  - Port 5002: " +
      w +
      "/a (90 days old)\n"
      "  - Port 5001: " +
      w + " (50 days old)\n";
  process_result r = fx.run({"autoclean", "--verbose", "--dry-run"});
  CHECK(r.out.empty());
  CHECK(without_trace(r.err) ==
        "[DRY RUN] Performing combined cleanup...\n"
        "[DRY RUN] Would remove 4 total reservation(s):\n" +
            listing);
  r = fx.run({"autoclean", "-v"});
  CHECK(without_trace(r.err) == "Removed 4 total reservation(s):\n" + listing);
  CHECK(r.err.find("trop: write lock acquired after ") != std::string::npos);
  r = fx.run({"autoclean", "-v"});
  CHECK(without_trace(r.err) ==
        "Removed 0 total reservation(s):\n  Pruned: 0 (non-existent paths)\n  Expired: 0 (old "
        "reservations)\n");
}

TEST_CASE("autoclean --verbose omits an empty section", "[quick][autoclean]") {
  trop_fixture fx;
  fx.seed({aged(fx.root() + "/gone", std::nullopt, 5000, 0)});
  process_result r = fx.run({"autoclean", "-v"});
  CHECK(without_trace(r.err) ==
        "Removed 1 total reservation(s):\n  Pruned: 1 (non-existent paths)\n  Expired: 0 (old "
        "reservations)\n\nPruned reservations:\n  - Port 5000: " +
            fx.root() + "/gone\n");
}

TEST_CASE("autoclean --quiet prints the total on stdout only when not zero", "[quick][autoclean]") {
  trop_fixture fx;
  seed_mixed(fx);
  process_result r = fx.run({"autoclean", "-q", "--dry-run"});
  CHECK(r.out == "4\n");
  CHECK(r.err.empty());
  r = fx.run({"autoclean", "-q", "-v"});
  CHECK(r.out == "4\n");
  CHECK(r.err.empty());
  r = fx.run({"autoclean", "-q"});
  CHECK(r.out.empty());
  CHECK(r.err.empty());
}

TEST_CASE("autoclean --days overrides the threshold; 0 is exit 7", "[quick][autoclean]") {
  trop_fixture fx;
  seed_mixed(fx);
  const std::string before = store_bytes(fx);
  CHECK(fx.run({"autoclean", "--dry-run", "--days", "60"}).err ==
        "[DRY RUN] Performing combined cleanup...\n"
        "[DRY RUN] Would remove 3 total reservation(s) (pruned: 2, expired: 1)\n");
  trop::test::write_file(fx.work() + "/trop.yaml", "cleanup:\n  expire_after_days: 1\n");
  CHECK(fx.run({"autoclean", "--dry-run", "-q"}).out == "5\n");
  CHECK(fx.run({"autoclean", "--dry-run", "-q", "--days", "365"}).out == "2\n");
  process_result r = fx.run({"autoclean", "--days", "0"});
  CHECK(r.exit_code == 7);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "Error: Configuration error: validation error for 'cleanup.expire_after_days (<command "
        "line>)': Must be > 0\n");
  r = fx.run({"autoclean", "--days", "x"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("Usage: trop autoclean") != std::string::npos);
  CHECK(store_bytes(fx) == before);
}

TEST_CASE("autoclean keeps uninspectable paths and warns", "[quick][autoclean]") {
  trop_fixture fx;
  namespace fs = std::filesystem;
  fs::create_symlink(fx.root() + "/loop", fx.root() + "/loop");
  fx.seed({aged(fx.root() + "/loop", std::nullopt, 5000, 0),
           aged(fx.root() + "/gone", std::nullopt, 5001, 0)});
  const std::string warning = "Warning: could not inspect reserved directory " + fx.root() +
                              "/loop (symlink loop: Too many levels of symbolic links); "
                              "reservation preserved by prune. Repair the symlink loop, then "
                              "retry.\n";
  process_result r = fx.run({"autoclean", "--dry-run"});
  CHECK(r.err == "[DRY RUN] Performing combined cleanup...\n" + warning +
                     "[DRY RUN] Would remove 1 total reservation(s) (pruned: 1, expired: 0)\n");
  r = fx.run({"autoclean"});
  CHECK(r.err == warning + "Removed 1 total reservation(s) (pruned: 1, expired: 0)\n");
  CHECK(ports(fx.stored()) == std::vector<std::uint16_t>{5000});
}

TEST_CASE("autoclean as nobody keeps a directory it may not inspect", "[quick][autoclean]") {
  if (!trop::test::can_drop_privileges()) {
    WARN("skipped: needs root, setpriv and the nobody user");
    return;
  }
  trop_fixture fx;
  std::string hidden = trop::test::make_unreadable_dir(fx);
  fx.seed({aged(hidden, "t", 5000, 0), aged(fx.root() + "/gone", std::nullopt, 5001, 0),
           aged(fx.work(), std::nullopt, 5002, 90 * kDay)});
  trop::test::hand_data_dir_to_nobody(fx);
  process_result r = trop::test::run_as_nobody(fx, {"autoclean"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err == "Warning: could not inspect reserved directory " + hidden +
                     " (permission denied: Permission denied); reservation preserved by prune. "
                     "Restore access to the path and its parents, then retry.\n"
                     "Removed 2 total reservation(s) (pruned: 1, expired: 1)\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].key.path == hidden);
}

TEST_CASE("autoclean --dry-run takes no lock and writes nothing", "[quick][autoclean]") {
  trop_fixture fx;
  seed_mixed(fx);
  const std::string before = store_bytes(fx);
  {
    held_lock lock(fx);
    process_result r = fx.run({"autoclean", "--dry-run", "--busy-timeout", "0"});
    CHECK(r.exit_code == 0);
    CHECK(r.err ==
          "[DRY RUN] Performing combined cleanup...\n"
          "[DRY RUN] Would remove 4 total reservation(s) (pruned: 2, expired: 2)\n");
    r = fx.run({"autoclean", "--busy-timeout", "0"});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "Error: database lock timeout while starting a write transaction after 0s\n");
  }
  CHECK(store_bytes(fx) == before);
  trop_fixture empty;
  CHECK(empty.run({"autoclean", "--dry-run"}).exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(empty.data_dir()));
  CHECK(empty.run({"autoclean", "--disable-autoinit"}).exit_code == 3);
  CHECK_FALSE(std::filesystem::exists(empty.data_dir()));
}

TEST_CASE("autoclean refuses a corrupt store and leaves it alone", "[quick][autoclean]") {
  trop_fixture fx;
  std::filesystem::create_directories(fx.data_dir());
  std::string garbage(8192, '\x55');
  trop::test::write_file(fx.data_dir() + "/trop.db", garbage);
  for (const char* flag : {"--dry-run", "--quiet"}) {
    process_result r = fx.run({"autoclean", flag});
    CHECK(r.exit_code == 6);
    CHECK(r.out.empty());
    CHECK(r.err.find("Error: database corruption detected: ") != std::string::npos);
    CHECK(r.err.find("Make a copy of the data directory") != std::string::npos);
  }
  CHECK(trop::test::read_file(fx.data_dir() + "/trop.db") == garbage);
}
