// `trop list-projects` (SPEC B §12.20, §7.2, A.1, A.2 #12).
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
using trop::test::run_options;
using trop::test::trop_fixture;
using namespace std::chrono_literals;

namespace {

reservation record(const std::string& path, std::uint16_t port,
                   std::optional<std::string> project) {
  reservation r;
  r.key.path = path;
  r.port = port;
  r.project = std::move(project);
  r.created_at = 1700000000;
  r.last_used_at = 1700000000;
  return r;
}

}  // namespace

TEST_CASE("list-projects prints each distinct project once, byte-wise sorted",
          "[quick][list-projects]") {
  trop_fixture fx;
  fx.seed({record("/p/1", 5001, "beta"), record("/p/2", 5002, "alpha"),
           record("/p/3", 5003, "beta"), record("/p/4", 5004, "Zed"),
           record("/p/5", 5005, "\xc3\xa9t\xc3\xa9"), record("/p/6", 5006, std::nullopt),
           record("/p/7", 5007, "alpha-2"), record("/p/8", 5008, "_x")});
  process_result r = fx.run({"list-projects"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  // 'Z' (0x5A) < '_' (0x5F) < 'a' (0x61) < 0xC3: bytes, not locale or case.
  CHECK(r.out == "Zed\n_x\nalpha\nalpha-2\nbeta\n\xc3\xa9t\xc3\xa9\n");
}

TEST_CASE("list-projects prints nothing when no reservation has a project",
          "[quick][list-projects]") {
  trop_fixture fx;
  fx.seed({record("/p/1", 5001, std::nullopt)});
  process_result r = fx.run({"list-projects"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
}

TEST_CASE("list-projects escapes control characters so each project is one line",
          "[quick][list-projects]") {
  trop_fixture fx;
  fx.seed({record("/p/1", 5001, "two\nlines"), record("/p/2", 5002, "tab\there")});
  CHECK(fx.run({"list-projects"}).out == "tab\\there\ntwo\\nlines\n");
}

TEST_CASE("list-projects sees what reserve recorded", "[quick][list-projects]") {
  trop_fixture fx;
  REQUIRE(fx.run({"reserve", "--project", "  web  "}).exit_code == 0);
  REQUIRE(fx.run({"reserve", "--tag", "db", "--project", "api"}).exit_code == 0);
  CHECK(fx.run({"list-projects"}).out == "api\nweb\n");
}

TEST_CASE("list-projects on a missing store creates nothing", "[quick][list-projects]") {
  trop_fixture fx;
  process_result r = fx.run({"list-projects"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("list-projects with autoinit disabled and no store exits 3", "[quick][list-projects]") {
  trop_fixture fx;
  process_result r = fx.run({"list-projects", "--disable-autoinit"});
  CHECK(r.exit_code == 3);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Data directory not found (use --data-dir or enable auto-init)\n");
  trop::test::write_file(fx.work() + "/trop.yaml", "disable_autoinit: true\n");
  CHECK(fx.run({"list-projects"}).exit_code == 3);
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("list-projects resolves the discovered configuration", "[quick][list-projects]") {
  trop_fixture fx;
  fx.seed({record("/p/1", 5001, "a")});
  run_options o;
  o.env = {{"TROP_TASK", ""}, {"TROP_PROJECT", ""}};  // A.2 #12: not read here
  CHECK(fx.run({"list-projects"}, o).out == "a\n");
  o.env = {{"TROP_DISABLE_AUTOPRUNE", "perhaps"}};
  process_result r = fx.run({"list-projects"}, o);
  CHECK(r.exit_code == 7);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "Error: Configuration error: validation error for 'TROP_DISABLE_AUTOPRUNE': Invalid "
        "boolean value: 'perhaps' (expected true/false/1/0/yes/no/on/off)\n");
}

TEST_CASE("list-projects takes no arguments", "[quick][list-projects]") {
  trop_fixture fx;
  process_result r = fx.run({"list-projects", "--format", "json"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("Usage:") != std::string::npos);
}

TEST_CASE("list-projects refuses a corrupt store and leaves it alone", "[quick][list-projects]") {
  trop_fixture fx;
  std::filesystem::create_directories(fx.data_dir());
  std::string garbage(8192, '\x44');
  trop::test::write_file(fx.data_dir() + "/trop.db", garbage);
  process_result r = fx.run({"list-projects"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("Error: database corruption detected: ", 0) == 0);
  CHECK(read_file(fx.data_dir() + "/trop.db") == garbage);
}

TEST_CASE("list-projects never waits for a writer", "[torture][list-projects]") {
  trop_fixture fx;
  fx.seed({record("/p/1", 5001, "a")});
  process_options holder_opts;
  holder_opts.argv = {TROP_LOCK_HOLDER, fx.data_dir(), "60"};
  holder_opts.timeout = 120s;
  child_process holder(holder_opts);
  REQUIRE(holder.read_stdout_line(30s) == std::optional<std::string>("locked"));
  process_result r = fx.run({"list-projects", "--busy-timeout", "0"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "a\n");
  CHECK(r.elapsed < 900ms);
}
