// `trop prune` (SPEC B §11.1, §12.6, A.1, A.2 #13, #16).
#include <catch2/catch.hpp>
#include <filesystem>

#include "cleanup_util.h"
#include "trop_fixture.h"

using trop::reservation;
using trop::test::aged;
using trop::test::held_lock;
using trop::test::kDay;
using trop::test::process_result;
using trop::test::read_file;
using trop::test::run_options;
using trop::test::store_bytes;
using trop::test::trop_fixture;
using trop::test::without_trace;

namespace {

// Keys of the stored records as "<path>[:<tag>]", in key order.
std::vector<std::string> keys(const std::vector<reservation>& rs) {
  std::vector<std::string> out;
  for (const reservation& r : rs) {
    out.push_back(to_display(r.key));
  }
  return out;
}

// work (kept, two tags), gone (missing, two tags), file (a regular file),
// dangling (a symlink to nothing).
void seed_mixed(const trop_fixture& fx) {
  namespace fs = std::filesystem;
  trop::test::write_file(fx.root() + "/file", "x");
  fs::create_symlink(fx.root() + "/nowhere", fx.root() + "/dangling");
  fx.seed({aged(fx.work(), std::nullopt, 5000, 0), aged(fx.work(), "db", 5001, 0),
           aged(fx.root() + "/gone", std::nullopt, 5002, 0, "app"),
           aged(fx.root() + "/gone", "web", 5003, 0),
           aged(fx.root() + "/file", std::nullopt, 5004, 0),
           aged(fx.root() + "/dangling", "x", 5005, 0)});
}

}  // namespace

TEST_CASE("prune removes every tag of paths that are gone, files and dangling links",
          "[quick][prune]") {
  trop_fixture fx;
  seed_mixed(fx);
  process_result r = fx.run({"prune"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err == "Removed 4 reservation(s) for non-existent paths\n");
  CHECK(keys(fx.stored()) == std::vector<std::string>{fx.work(), fx.work() + ":db"});
  // Nothing left to prune: the store is not written again.
  std::string before = store_bytes(fx);
  r = fx.run({"prune"});
  CHECK(r.exit_code == 0);
  CHECK(r.err == "Removed 0 reservation(s) for non-existent paths\n");
  CHECK(store_bytes(fx) == before);
}

TEST_CASE("prune never looks at age", "[quick][prune]") {
  trop_fixture fx;
  fx.seed({aged(fx.work(), std::nullopt, 5000, 400 * kDay)});
  CHECK(fx.run({"prune"}).err == "Removed 0 reservation(s) for non-existent paths\n");
  CHECK(fx.stored().size() == 1);
}

TEST_CASE("prune --quiet prints the count on stdout only when something was removed",
          "[quick][prune]") {
  trop_fixture fx;
  seed_mixed(fx);
  process_result r = fx.run({"prune", "--quiet"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "4\n");
  CHECK(r.err.empty());
  r = fx.run({"prune", "-q"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
}

TEST_CASE("prune --verbose lists what it removed without debug syntax", "[quick][prune]") {
  trop_fixture fx;
  seed_mixed(fx);
  process_result r = fx.run({"prune", "--verbose"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  const std::string root = fx.root();
  CHECK(without_trace(r.err) ==
        "Removed 4 reservation(s):\n"
        "  - Port 5005: " +
            root +
            "/dangling (tag: x, project: -)\n"
            "  - Port 5004: " +
            root +
            "/file (tag: -, project: -)\n"
            "  - Port 5002: " +
            root +
            "/gone (tag: -, project: app)\n"
            "  - Port 5003: " +
            root + "/gone (tag: web, project: -)\n");
  CHECK(r.err.find("Some(") == std::string::npos);
  CHECK(r.err.find("None") == std::string::npos);
  // The decisions of A.2 #13: the lock wait of the write transaction.
  CHECK(r.err.find("trop: write lock acquired after ") != std::string::npos);
  // Nothing removed: the plain summary, no empty list.
  r = fx.run({"prune", "-v"});
  CHECK(without_trace(r.err) == "Removed 0 reservation(s) for non-existent paths\n");
  // --quiet wins over --verbose.
  fx.seed({aged(fx.root() + "/gone2", std::nullopt, 6000, 0)});
  r = fx.run({"prune", "-v", "-q"});
  CHECK(r.out == "1\n");
  CHECK(r.err.empty());
}

TEST_CASE("prune --verbose escapes control characters", "[quick][prune]") {
  trop_fixture fx;
  fx.seed({aged(fx.root() + "/gone\nline", "a\tb", 5000, 0, "p\x1b")});
  process_result r = fx.run({"prune", "-v"});
  CHECK(without_trace(r.err) == "Removed 1 reservation(s):\n  - Port 5000: " + fx.root() +
                                    "/gone\\nline (tag: a\\tb, project: p\\x1B)\n");
}

TEST_CASE("prune --dry-run reports the same selection and writes nothing", "[quick][prune]") {
  trop_fixture fx;
  seed_mixed(fx);
  const std::string before = store_bytes(fx);
  process_result r = fx.run({"prune", "--dry-run"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "[DRY RUN] Scanning for reservations with non-existent paths...\n"
        "[DRY RUN] Would remove 4 reservation(s) for non-existent paths\n");
  r = fx.run({"prune", "--dry-run", "--verbose"});
  CHECK(without_trace(r.err) ==
        "[DRY RUN] Scanning for reservations with non-existent paths...\n"
        "[DRY RUN] Would remove 4 reservation(s):\n"
        "  - Port 5005: " +
            fx.root() +
            "/dangling (tag: x, project: -)\n"
            "  - Port 5004: " +
            fx.root() +
            "/file (tag: -, project: -)\n"
            "  - Port 5002: " +
            fx.root() +
            "/gone (tag: -, project: app)\n"
            "  - Port 5003: " +
            fx.root() + "/gone (tag: web, project: -)\n");
  r = fx.run({"prune", "--dry-run", "--quiet"});
  CHECK(r.out == "4\n");
  CHECK(r.err.empty());
  CHECK(store_bytes(fx) == before);
  CHECK(fx.stored().size() == 6);
}

TEST_CASE("prune --dry-run takes no lock; a live prune waits for it and times out",
          "[quick][prune]") {
  trop_fixture fx;
  seed_mixed(fx);
  const std::string before = store_bytes(fx);
  held_lock lock(fx);
  process_result r = fx.run({"prune", "--dry-run", "--busy-timeout", "0"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("Would remove 4 reservation(s)") != std::string::npos);
  r = fx.run({"prune", "--busy-timeout", "0"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: database lock timeout while starting a write transaction after 0s\n");
  run_options env_timeout;
  env_timeout.env = {{"TROP_BUSY_TIMEOUT", "1"}};
  r = fx.run({"prune", "--quiet"}, env_timeout);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: database lock timeout while starting a write transaction after 1s\n");
  CHECK(store_bytes(fx) == before);
}

TEST_CASE("prune --dry-run never creates a store", "[quick][prune]") {
  trop_fixture fx;
  process_result r = fx.run({"prune", "--dry-run"});
  CHECK(r.exit_code == 0);
  CHECK(r.err ==
        "[DRY RUN] Scanning for reservations with non-existent paths...\n"
        "[DRY RUN] Would remove 0 reservation(s) for non-existent paths\n");
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("prune without a store: autoinit creates one, disabled autoinit exits 3",
          "[quick][prune]") {
  trop_fixture fx;
  process_result r = fx.run({"prune", "--disable-autoinit", "--quiet"});
  CHECK(r.exit_code == 3);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Data directory not found (use --data-dir or enable auto-init)\n");
  // The scanning line comes before the store is opened (SPEC B §12.6).
  r = fx.run({"prune", "--disable-autoinit", "--dry-run"});
  CHECK(r.exit_code == 3);
  CHECK(r.err ==
        "[DRY RUN] Scanning for reservations with non-existent paths...\n"
        "Error: Data directory not found (use --data-dir or enable auto-init)\n");
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
  r = fx.run({"prune"});
  CHECK(r.exit_code == 0);
  CHECK(std::filesystem::exists(fx.data_dir() + "/trop.db"));
}

TEST_CASE("prune keeps a symlink loop and explains why", "[quick][prune]") {
  trop_fixture fx;
  namespace fs = std::filesystem;
  fs::create_symlink(fx.root() + "/loop-b", fx.root() + "/loop-a");
  fs::create_symlink(fx.root() + "/loop-a", fx.root() + "/loop-b");
  fx.seed({aged(fx.root() + "/loop-a", std::nullopt, 5000, 0),
           aged(fx.root() + "/loop-a", "t", 5001, 0), aged(fx.root() + "/gone", "t", 5002, 0)});
  const std::string warning = "Warning: could not inspect reserved directory " + fx.root() +
                              "/loop-a (symlink loop: Too many levels of symbolic links); "
                              "reservation preserved by prune. Repair the symlink loop, then "
                              "retry.\n";
  process_result r = fx.run({"prune", "--dry-run"});
  CHECK(r.exit_code == 0);
  CHECK(r.err == "[DRY RUN] Scanning for reservations with non-existent paths...\n" + warning +
                     "[DRY RUN] Would remove 1 reservation(s) for non-existent paths\n");
  r = fx.run({"prune"});
  CHECK(r.exit_code == 0);
  // One warning per distinct path, not per record.
  CHECK(r.err == warning + "Removed 1 reservation(s) for non-existent paths\n");
  CHECK(fx.stored().size() == 2);
  r = fx.run({"prune", "--quiet"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
}

TEST_CASE("prune keeps a directory it may not inspect (run as nobody)", "[quick][prune]") {
  if (!trop::test::can_drop_privileges()) {
    WARN("skipped: needs root, setpriv and the nobody user");
    return;
  }
  trop_fixture fx;
  std::string hidden = trop::test::make_unreadable_dir(fx);
  fx.seed({aged(hidden, std::nullopt, 5000, 0), aged(fx.root() + "/gone", std::nullopt, 5001, 0),
           aged(fx.work(), std::nullopt, 5002, 0)});
  trop::test::hand_data_dir_to_nobody(fx);
  const std::string warning =
      "Warning: could not inspect reserved directory " + hidden +
      " (permission denied: Permission denied); reservation preserved by prune. Restore access "
      "to the path and its parents, then retry.\n";

  process_result r = trop::test::run_as_nobody(fx, {"prune", "--dry-run"});
  CHECK(r.exit_code == 0);
  CHECK(r.err == "[DRY RUN] Scanning for reservations with non-existent paths...\n" + warning +
                     "[DRY RUN] Would remove 1 reservation(s) for non-existent paths\n");
  r = trop::test::run_as_nobody(fx, {"prune"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err == warning + "Removed 1 reservation(s) for non-existent paths\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 2);
  CHECK(rs[0].key.path == hidden);
  CHECK(rs[1].key.path == fx.work());
  // --quiet hides the warning too.
  r = trop::test::run_as_nobody(fx, {"prune", "-q"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
}

TEST_CASE("prune refuses a corrupt store and leaves it alone", "[quick][prune]") {
  trop_fixture fx;
  std::filesystem::create_directories(fx.data_dir());
  std::string garbage(8192, '\x33');
  trop::test::write_file(fx.data_dir() + "/trop.db", garbage);
  for (const char* flag : {"--dry-run", "--quiet"}) {
    process_result r = fx.run({"prune", flag});
    CHECK(r.exit_code == 6);
    CHECK(r.out.empty());
    CHECK(r.err.find("Error: database corruption detected: ") != std::string::npos);
    CHECK(r.err.find("Make a copy of the data directory") != std::string::npos);
  }
  CHECK(read_file(fx.data_dir() + "/trop.db") == garbage);
}

TEST_CASE("prune reports a configuration error before anything else", "[quick][prune]") {
  trop_fixture fx;
  seed_mixed(fx);
  const std::string before = store_bytes(fx);
  trop::test::write_file(fx.work() + "/trop.yaml", "ports:\n  min: 0\n");
  process_result r = fx.run({"prune", "--dry-run"});
  CHECK(r.exit_code == 7);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("Error: Configuration error: validation error for 'ports.min (" + fx.work() +
                        "/trop.yaml)': ",
                    0) == 0);
  CHECK(r.err.find("DRY RUN") == std::string::npos);
  CHECK(fx.run({"prune"}).exit_code == 7);
  CHECK(store_bytes(fx) == before);
}

TEST_CASE("prune takes no options but --dry-run and the globals", "[quick][prune]") {
  trop_fixture fx;
  process_result r = fx.run({"prune", "--days", "3"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("Usage: trop prune") != std::string::npos);
  r = fx.run({"prune", "--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("--dry-run") != std::string::npos);
}
