// `trop migrate` (SPEC B §12.21, A.1: dry-run on a snapshot, one transaction).
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>

#include "trop_fixture.h"

#ifndef TROP_LOCK_HOLDER
#error "TROP_LOCK_HOLDER must name the lock holder helper"
#endif

using trop::reservation;
using trop::test::child_process;
using trop::test::process_options;
using trop::test::process_result;
using trop::test::read_file;
using trop::test::trop_fixture;
using namespace std::chrono_literals;

namespace {

reservation record(const std::string& path, std::optional<std::string> tag, std::uint16_t port,
                   std::optional<std::string> project = std::nullopt,
                   std::optional<std::string> task = std::nullopt) {
  reservation r;
  r.key.path = path;
  r.key.tag = std::move(tag);
  r.port = port;
  r.project = std::move(project);
  r.task = std::move(task);
  r.created_at = 1700000000;
  r.last_used_at = 1700000500;
  return r;
}

const reservation* find(const std::vector<reservation>& rs, const std::string& path,
                        std::optional<std::string> tag = std::nullopt) {
  for (const reservation& r : rs) {
    if (r.key.path == path && r.key.tag == tag) {
      return &r;
    }
  }
  return nullptr;
}

std::string store_bytes(const trop_fixture& fx) {
  return read_file(fx.data_dir() + "/trop.db") + read_file(fx.data_dir() + "/trop.db-wal");
}

// <work>/a (untagged, web), <work>/a/sub, <work>/ab (shares the prefix only).
void seed_tree(const trop_fixture& fx) {
  fx.seed({record(fx.work() + "/a", std::nullopt, 5000),
           record(fx.work() + "/a", "web", 5001, "app", "main"),
           record(fx.work() + "/a/sub", std::nullopt, 5002),
           record(fx.work() + "/ab", std::nullopt, 5003)});
}

}  // namespace

TEST_CASE("migrate moves every tag at exactly --from and keeps all fields", "[quick][migrate]") {
  trop_fixture fx;
  seed_tree(fx);
  process_result r = fx.run({"migrate", "--from", "a", "--to", "b"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  const std::string a = fx.work() + "/a";
  const std::string b = fx.work() + "/b";
  CHECK(r.err ==
        "Migration plan:\n"
        "  From: " +
            a +
            "\n"
            "  To:   " +
            b +
            "\n"
            "  Mode: exact\n"
            "\n"
            "Reservations to migrate (2):\n"
            "  " +
            a + " -> " + b +
            " (port 5000)\n"
            "  " +
            a + " -> " + b +
            " (port 5001, tag: web, project: app)\n"
            "\n"
            "Migration complete:\n"
            "  Migrated: 2 reservation(s)\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 4);
  CHECK(find(rs, a) == nullptr);
  CHECK(find(rs, a, "web") == nullptr);
  REQUIRE(find(rs, b) != nullptr);
  CHECK(*find(rs, b) == record(b, std::nullopt, 5000));
  REQUIRE(find(rs, b, "web") != nullptr);
  CHECK(*find(rs, b, "web") == record(b, "web", 5001, "app", "main"));
  // Not recursive: the descendant and the prefix sibling stay.
  CHECK(find(rs, a + "/sub") != nullptr);
  CHECK(find(rs, fx.work() + "/ab") != nullptr);
}

TEST_CASE("migrate --recursive moves descendants component-wise", "[quick][migrate]") {
  trop_fixture fx;
  seed_tree(fx);
  process_result r = fx.run({"migrate", "--from", "a", "--to", "x/y", "--recursive"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("  Mode: recursive\n") != std::string::npos);
  CHECK(r.err.find("Reservations to migrate (3):\n") != std::string::npos);
  CHECK(r.err.find("  " + fx.work() + "/a/sub -> " + fx.work() + "/x/y/sub (port 5002)\n") !=
        std::string::npos);
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 4);
  CHECK(find(rs, fx.work() + "/x/y") != nullptr);
  CHECK(find(rs, fx.work() + "/x/y", "web") != nullptr);
  REQUIRE(find(rs, fx.work() + "/x/y/sub") != nullptr);
  CHECK(find(rs, fx.work() + "/x/y/sub")->port == 5002);
  CHECK(find(rs, fx.work() + "/ab") != nullptr);  // /a is not a prefix of /ab
}

TEST_CASE("migrate of a path without reservations", "[quick][migrate]") {
  trop_fixture fx;
  seed_tree(fx);
  const std::string before = store_bytes(fx);
  SECTION("exact mode: not found, exit 6") {
    process_result r = fx.run({"migrate", "--from", "nothing", "--to", "b"});
    CHECK(r.exit_code == 6);
    CHECK(r.out.empty());
    CHECK(r.err == "Error: not found: reservation at " + fx.work() + "/nothing\n");
  }
  SECTION("recursive mode: nothing to migrate, exit 0") {
    process_result r = fx.run({"migrate", "--from", "nothing", "--to", "b", "--recursive"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK(r.err == "Migration plan:\n  From: " + fx.work() + "/nothing\n  To:   " + fx.work() +
                       "/b\n  Mode: recursive\n\nNo reservations to migrate.\n");
  }
  SECTION("recursive and quiet: the destination on stdout all the same") {
    process_result r =
        fx.run({"migrate", "--from", "nothing", "--to", "b", "--recursive", "--quiet"});
    CHECK(r.exit_code == 0);
    CHECK(r.out == fx.work() + "/b\n");
    CHECK(r.err.empty());
  }
  CHECK(store_bytes(fx) == before);
}

TEST_CASE("migrate refuses conflicts at the destination unless --force", "[quick][migrate]") {
  trop_fixture fx;
  seed_tree(fx);
  fx.seed({record(fx.work() + "/b", "web", 6000), record(fx.work() + "/b", "other", 6001)});
  const std::string before = store_bytes(fx);
  process_result r = fx.run({"migrate", "--from", "a", "--to", "b"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  // Raised before any display.
  CHECK(r.err ==
        "Error: reservation conflict: Found 1 conflicting reservation(s) at destination. Use "
        "--force to overwrite.\n");
  CHECK(store_bytes(fx) == before);

  r = fx.run({"migrate", "--from", "a", "--to", "b", "--force"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("Conflicts at destination (1) (will be overwritten):\n  " + fx.work() +
                   "/b\n    (tag: web)\n\n") != std::string::npos);
  CHECK(
      r.err.find("Migration complete:\n  Migrated: 2 reservation(s)\n  Conflicts resolved: 1\n") !=
      std::string::npos);
  std::vector<reservation> rs = fx.stored();
  REQUIRE(find(rs, fx.work() + "/b", "web") != nullptr);
  CHECK(find(rs, fx.work() + "/b", "web")->port == 5001);  // the moved record won
  CHECK(find(rs, fx.work() + "/b", "other") != nullptr);   // not in the way: kept
  CHECK(rs.size() == 5);
}

TEST_CASE("migrate --dry-run shows the plan and changes nothing", "[quick][migrate]") {
  trop_fixture fx;
  seed_tree(fx);
  const std::string before = store_bytes(fx);
  process_result r = fx.run({"migrate", "--from", "a", "--to", "b", "--dry-run"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.find("Reservations to migrate (2):\n") != std::string::npos);
  CHECK(r.err.size() >= 28);
  CHECK(r.err.substr(r.err.size() - 28) == "\nDry run - no changes made.\n");
  CHECK(store_bytes(fx) == before);

  // Conflicts fail a dry-run as they fail a real run.
  fx.seed({record(fx.work() + "/b", std::nullopt, 6000)});
  r = fx.run({"migrate", "--from", "a", "--to", "b", "--dry-run"});
  CHECK(r.exit_code == 6);
  CHECK(r.err.rfind("Error: reservation conflict: Found 1 conflicting", 0) == 0);

  // Quiet dry-run: no display and no destination on stdout (that follows a live run only).
  r = fx.run({"migrate", "--from", "a", "--to", "c", "--dry-run", "--quiet"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
}

TEST_CASE("migrate --dry-run creates nothing and needs no lock", "[quick][migrate]") {
  trop_fixture fx;
  SECTION("no store: exact mode finds nothing, and nothing is created") {
    process_result r = fx.run({"migrate", "--from", "a", "--to", "b", "--dry-run"});
    CHECK(r.exit_code == 6);
    CHECK(r.err == "Error: not found: reservation at " + fx.work() + "/a\n");
    CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
  }
  SECTION("a writer holds the lock") {
    seed_tree(fx);
    process_options holder_opts;
    holder_opts.argv = {TROP_LOCK_HOLDER, fx.data_dir(), "60"};
    holder_opts.timeout = 120s;
    child_process holder(holder_opts);
    REQUIRE(holder.read_stdout_line(30s) == std::optional<std::string>("locked"));
    process_result r =
        fx.run({"migrate", "--from", "a", "--to", "b", "--dry-run", "--busy-timeout", "0"});
    CHECK(r.exit_code == 0);
    r = fx.run({"migrate", "--from", "a", "--to", "b", "--busy-timeout", "0"});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "Error: database lock timeout while starting a write transaction after 0s\n");
    holder.kill(SIGKILL);
    holder.wait();
    CHECK(find(fx.stored(), fx.work() + "/a") != nullptr);
  }
}

TEST_CASE("migrate --quiet prints the destination after a live run", "[quick][migrate]") {
  trop_fixture fx;
  seed_tree(fx);
  process_result r = fx.run({"migrate", "--from", "a/", "--to", "./x/../b//", "--quiet"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == fx.work() + "/b\n");
  CHECK(r.err.empty());
  CHECK(find(fx.stored(), fx.work() + "/b", "web") != nullptr);
}

TEST_CASE("migrate paths are explicit: normalized, no guard, symlinks kept", "[quick][migrate]") {
  trop_fixture fx;
  std::string elsewhere = fx.make_dir("elsewhere");
  fx.seed({record(elsewhere, std::nullopt, 5000)});
  std::filesystem::create_directory_symlink(elsewhere, fx.root() + "/link");
  // Unrelated to the cwd: migrate has no path guard.
  process_result r = fx.run({"migrate", "--from", elsewhere, "--to", fx.root() + "/link"});
  CHECK(r.exit_code == 0);
  CHECK(find(fx.stored(), fx.root() + "/link") != nullptr);  // not resolved to elsewhere
  r = fx.run({"migrate", "--from", "~/x", "--to", "~/y", "--recursive"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("  From: " + fx.home() + "/x\n  To:   " + fx.home() + "/y\n") !=
        std::string::npos);
  r = fx.run({"migrate", "--from", "/../..", "--to", "b"});
  CHECK(r.exit_code == 6);
  CHECK(r.err.find("too many '..'") != std::string::npos);
}

TEST_CASE("migrate usage errors exit 2", "[quick][migrate]") {
  trop_fixture fx;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"migrate", "--to", "b"},
        {"migrate", "--from", "a"},
        {"migrate", "--from", "", "--to", "b"},
        {"migrate", "--from", "a", "--to", ""},
        {"migrate", "--from", "a", "--to", "b", "--bogus"}}) {
    process_result r = fx.run(args);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("Usage:") != std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("migrate with autoinit disabled and no store exits 3", "[quick][migrate]") {
  trop_fixture fx;
  process_result r = fx.run({"migrate", "--from", "a", "--to", "b", "--disable-autoinit"});
  CHECK(r.exit_code == 3);
  CHECK(r.err == "Error: Data directory not found (use --data-dir or enable auto-init)\n");
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("migrate reads the discovered configuration (exit 7 on a broken file)",
          "[quick][migrate]") {
  trop_fixture fx;
  seed_tree(fx);
  trop::test::write_file(fx.work() + "/trop.yaml", "ports: [\n");
  process_result r = fx.run({"migrate", "--from", "a", "--to", "b"});
  CHECK(r.exit_code == 7);
  CHECK(r.err.rfind("Error: Configuration error: ", 0) == 0);
  CHECK(find(fx.stored(), fx.work() + "/a") != nullptr);
}
