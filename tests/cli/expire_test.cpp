// `trop expire` (SPEC B §11.2, §12.7, §6 --days, A.1, A.2 #13, #16).
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

// Ages (in days, plus an hour so that a second's drift never matters) of
// records in work/, and one missing directory that is recent.
void seed_ages(const trop_fixture& fx) {
  const std::int64_t hour = 3600;
  fx.seed({aged(fx.work(), "fresh", 5000, 1 * kDay + hour),
           aged(fx.work(), "month", 5001, 29 * kDay + hour, "app"),
           aged(fx.work(), "old", 5002, 45 * kDay + hour, "app"),
           aged(fx.work(), "older", 5003, 31 * kDay + hour),
           aged(fx.work(), "ancient", 5004, 400 * kDay + hour, "legacy"),
           aged(fx.root() + "/gone", std::nullopt, 5005, hour)});
}

}  // namespace

TEST_CASE("expire removes reservations unused for more than 30 days by default",
          "[quick][expire]") {
  trop_fixture fx;
  seed_ages(fx);
  process_result r = fx.run({"expire"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err == "Expired 3 reservation(s) older than 30 days\n");
  // Missing directories are prune's business.
  CHECK(ports(fx.stored()) == std::vector<std::uint16_t>{5005, 5000, 5001});
  const std::string before = store_bytes(fx);
  r = fx.run({"expire"});
  CHECK(r.err == "Expired 0 reservation(s) older than 30 days\n");
  CHECK(store_bytes(fx) == before);
}

TEST_CASE("expire --days sets the threshold", "[quick][expire]") {
  trop_fixture fx;
  seed_ages(fx);
  process_result r = fx.run({"expire", "--days", "100"});
  CHECK(r.err == "Expired 1 reservation(s) older than 100 days\n");
  CHECK(ports(fx.stored()) == std::vector<std::uint16_t>{5005, 5000, 5001, 5002, 5003});
  r = fx.run({"expire", "--days", "1"});
  CHECK(r.err == "Expired 4 reservation(s) older than 1 days\n");
  CHECK(ports(fx.stored()) == std::vector<std::uint16_t>{5005});
  r = fx.run({"expire", "--days", "4294967295"});
  CHECK(r.exit_code == 0);
  CHECK(r.err == "Expired 0 reservation(s) older than 4294967295 days\n");
}

TEST_CASE("expire's default comes from the configuration, --days wins", "[quick][expire]") {
  trop_fixture fx;
  seed_ages(fx);
  std::filesystem::create_directories(fx.data_dir());
  trop::test::write_file(fx.data_dir() + "/config.yaml", "cleanup:\n  expire_after_days: 500\n");
  CHECK(fx.run({"expire", "--dry-run"}).err ==
        "[DRY RUN] Scanning for reservations unused for 500 days...\n"
        "[DRY RUN] Would expire 0 reservation(s) older than 500 days\n");
  trop::test::write_file(fx.work() + "/trop.yaml", "cleanup:\n  expire_after_days: 100\n");
  CHECK(fx.run({"expire", "--dry-run"}).err ==
        "[DRY RUN] Scanning for reservations unused for 100 days...\n"
        "[DRY RUN] Would expire 1 reservation(s) older than 100 days\n");
  trop::test::write_file(fx.work() + "/trop.local.yaml", "cleanup:\n  expire_after_days: 40\n");
  CHECK(fx.run({"expire", "-q", "--dry-run"}).out == "2\n");
  run_options env;
  env.env = {{"TROP_EXPIRE_AFTER_DAYS", "30"}};
  CHECK(fx.run({"expire", "-q", "--dry-run"}, env).out == "3\n");
  CHECK(fx.run({"expire", "-q", "--dry-run", "--days", "2"}, env).out == "4\n");
  // `cleanup: {}` keeps the lower layer's value.
  trop::test::write_file(fx.work() + "/trop.local.yaml", "cleanup: {}\n");
  CHECK(fx.run({"expire", "-q", "--dry-run"}).out == "1\n");
  CHECK(fx.stored().size() == 6);
}

TEST_CASE("expire --days 0 is a configuration error naming the field", "[quick][expire]") {
  trop_fixture fx;
  seed_ages(fx);
  const std::string before = store_bytes(fx);
  for (const char* dry : {"--quiet", "--dry-run"}) {
    process_result r = fx.run({"expire", "--days", "0", dry});
    CHECK(r.exit_code == 7);
    CHECK(r.out.empty());
    CHECK(r.err ==
          "Error: Configuration error: validation error for 'cleanup.expire_after_days (<command "
          "line>)': Must be > 0\n");
  }
  run_options env;
  env.env = {{"TROP_EXPIRE_AFTER_DAYS", "0"}};
  process_result r = fx.run({"expire"}, env);
  CHECK(r.exit_code == 7);
  CHECK(r.err ==
        "Error: Configuration error: validation error for 'cleanup.expire_after_days "
        "(TROP_EXPIRE_AFTER_DAYS)': Must be > 0\n");
  // A valid --days repairs a bad lower layer (only the merged result is checked).
  r = fx.run({"expire", "--days", "1000"}, env);
  CHECK(r.exit_code == 0);
  CHECK(store_bytes(fx) == before);
}

TEST_CASE("expire --days must be an unsigned 32-bit number", "[quick][expire]") {
  trop_fixture fx;
  seed_ages(fx);
  const std::string before = store_bytes(fx);
  for (const char* bad : {"abc", "-1", "4294967296", "1.5", "", " 3", "0x10"}) {
    INFO("--days '" << bad << "'");
    process_result r = fx.run({"expire", "--days", bad});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("Usage: trop expire") != std::string::npos);
  }
  CHECK(fx.run({"expire", "--days"}).exit_code == 2);
  CHECK(store_bytes(fx) == before);
}

TEST_CASE("expire --quiet prints the count on stdout only when not zero", "[quick][expire]") {
  trop_fixture fx;
  seed_ages(fx);
  process_result r = fx.run({"expire", "--quiet"});
  CHECK(r.out == "3\n");
  CHECK(r.err.empty());
  r = fx.run({"expire", "--quiet"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
}

TEST_CASE("expire --verbose lists records oldest first with their age", "[quick][expire]") {
  trop_fixture fx;
  seed_ages(fx);
  const std::string w = fx.work();
  process_result r = fx.run({"expire", "--verbose", "--dry-run"});
  CHECK(r.out.empty());
  CHECK(without_trace(r.err) ==
        "[DRY RUN] Scanning for reservations unused for 30 days...\n"
        "[DRY RUN] Would expire 3 reservation(s) older than 30 days:\n"
        "  - Port 5004: " +
            w +
            " (400 days old, project: legacy)\n"
            "  - Port 5002: " +
            w +
            " (45 days old, project: app)\n"
            "  - Port 5003: " +
            w + " (31 days old, project: -)\n");
  r = fx.run({"expire", "-v"});
  CHECK(without_trace(r.err) ==
        "Expired 3 reservation(s) older than 30 days:\n"
        "  - Port 5004: " +
            w +
            " (400 days old, project: legacy)\n"
            "  - Port 5002: " +
            w +
            " (45 days old, project: app)\n"
            "  - Port 5003: " +
            w + " (31 days old, project: -)\n");
  CHECK(r.err.find("Some(") == std::string::npos);
  r = fx.run({"expire", "-v"});
  CHECK(without_trace(r.err) == "Expired 0 reservation(s) older than 30 days\n");
}

TEST_CASE("expire --dry-run writes nothing and takes no lock", "[quick][expire]") {
  trop_fixture fx;
  seed_ages(fx);
  const std::string before = store_bytes(fx);
  held_lock lock(fx);
  process_result r = fx.run({"expire", "--dry-run", "--busy-timeout", "0"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "[DRY RUN] Scanning for reservations unused for 30 days...\n"
        "[DRY RUN] Would expire 3 reservation(s) older than 30 days\n");
  r = fx.run({"expire", "--dry-run", "-q", "--busy-timeout", "0"});
  CHECK(r.out == "3\n");
  CHECK(r.err.empty());
  r = fx.run({"expire", "--busy-timeout", "0"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: database lock timeout while starting a write transaction after 0s\n");
  CHECK(store_bytes(fx) == before);
}

TEST_CASE("expire --dry-run on a missing store creates nothing", "[quick][expire]") {
  trop_fixture fx;
  CHECK(fx.run({"expire", "--dry-run"}).exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
  process_result r = fx.run({"expire", "--dry-run", "--disable-autoinit"});
  CHECK(r.exit_code == 3);
  r = fx.run({"expire", "--disable-autoinit"});
  CHECK(r.exit_code == 3);
  CHECK(r.err == "Error: Data directory not found (use --data-dir or enable auto-init)\n");
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("expire refuses a corrupt store and leaves it alone", "[quick][expire]") {
  trop_fixture fx;
  std::filesystem::create_directories(fx.data_dir());
  std::string garbage(8192, '\x44');
  trop::test::write_file(fx.data_dir() + "/trop.db", garbage);
  for (const char* flag : {"--dry-run", "--quiet"}) {
    process_result r = fx.run({"expire", flag});
    CHECK(r.exit_code == 6);
    CHECK(r.out.empty());
    CHECK(r.err.find("Error: database corruption detected: ") != std::string::npos);
    CHECK(r.err.find("Make a copy of the data directory") != std::string::npos);
  }
  CHECK(trop::test::read_file(fx.data_dir() + "/trop.db") == garbage);
}
