// `trop assert-reservation` (SPEC B §12.9, A.1, A.2 #10, #12).
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

reservation record(const std::string& path, std::optional<std::string> tag, std::uint16_t port) {
  reservation r;
  r.key.path = path;
  r.key.tag = std::move(tag);
  r.port = port;
  r.created_at = 1700000000;
  r.last_used_at = 1700000000;
  return r;
}

const char* kEmptyTag =
    "Error: Invalid arguments: validation error for 'tag': tag must be non-empty after trimming "
    "whitespace\n";

}  // namespace

TEST_CASE("assert-reservation prints the port of an existing reservation",
          "[quick][assert-reservation]") {
  trop_fixture fx;
  fx.seed({record(fx.work(), std::nullopt, 5003), record(fx.work(), "web", 5007)});
  process_result r = fx.run({"assert-reservation"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "5003\n");
  CHECK(r.err.empty());
  r = fx.run({"assert-reservation", "--tag", "web"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "5007\n");
  CHECK(r.err.empty());
}

TEST_CASE("assert-reservation --quiet keeps stdout empty", "[quick][assert-reservation]") {
  trop_fixture fx;
  fx.seed({record(fx.work(), std::nullopt, 5003)});
  process_result r = fx.run({"assert-reservation", "--quiet"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
  r = fx.run({"--quiet", "--verbose", "assert-reservation"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
}

TEST_CASE("assert-reservation fails with exit 1 when there is no reservation",
          "[quick][assert-reservation]") {
  trop_fixture fx;
  fx.seed({record(fx.work(), "web", 5007)});
  process_result r = fx.run({"assert-reservation"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Assertion failed: no reservation found for " + fx.work() + "\n");
  r = fx.run({"assert-reservation", "--tag", "api"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Assertion failed: no reservation found for " + fx.work() + ":api\n");
  // --quiet does not hide the error line.
  r = fx.run({"assert-reservation", "--tag", "api", "--quiet"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "Error: Assertion failed: no reservation found for " + fx.work() + ":api\n");
}

TEST_CASE("assert-reservation --not inverts the assertion", "[quick][assert-reservation]") {
  trop_fixture fx;
  fx.seed({record(fx.work(), "web", 5007)});
  process_result r = fx.run({"assert-reservation", "--not"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
  r = fx.run({"assert-reservation", "--not", "--tag", "web"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Assertion failed: reservation exists for " + fx.work() + ":web\n");
}

TEST_CASE("assert-reservation trims the tag; an empty tag is exit 4",
          "[quick][assert-reservation]") {
  trop_fixture fx;
  fx.seed({record(fx.work(), "web", 5007)});
  process_result r = fx.run({"assert-reservation", "--tag", "  web\t"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "5007\n");
  for (const char* tag : {"", "   ", "\t\n"}) {
    INFO("tag '" << tag << "'");
    for (bool negate : {false, true}) {
      std::vector<std::string> args = {"assert-reservation", "--tag", tag};
      if (negate) {
        args.push_back("--not");
      }
      r = fx.run(args);
      CHECK(r.exit_code == 4);  // A.2 #10 (the original said 6)
      CHECK(r.out.empty());
      CHECK(r.err == kEmptyTag);
    }
  }
}

TEST_CASE("assert-reservation --path is normalized, not canonicalized",
          "[quick][assert-reservation]") {
  trop_fixture fx;
  std::string real = fx.make_dir("real");
  std::filesystem::create_directory_symlink(real, fx.work() + "/link");
  fx.seed({record(fx.work() + "/link", std::nullopt, 5001), record(real, std::nullopt, 5002)});
  // Relative to the process cwd, '.' and '..' resolved lexically, the symlink kept.
  process_result r = fx.run({"assert-reservation", "--path", "./sub/../link/"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "5001\n");
  r = fx.run({"assert-reservation", "--path", real});
  CHECK(r.out == "5002\n");
  // A path need not exist, and no path guard applies to assertions.
  r = fx.run({"assert-reservation", "--path", "/nowhere/at/all"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "Error: Assertion failed: no reservation found for /nowhere/at/all\n");
}

TEST_CASE("assert-reservation without --path uses the canonical cwd",
          "[quick][assert-reservation]") {
  trop_fixture fx;
  std::string real = fx.make_dir("real");
  std::string link = fx.root() + "/link";
  std::filesystem::create_directory_symlink(real, link);
  fx.seed({record(real, std::nullopt, 5002)});
  run_options o;
  o.cwd = link;
  process_result r = fx.run({"assert-reservation"}, o);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "5002\n");
}

TEST_CASE("assert-reservation reads TROP_PATH; --path wins over it",
          "[quick][assert-reservation]") {
  trop_fixture fx;
  fx.seed({record("/srv/a", std::nullopt, 5001), record("/srv/b", std::nullopt, 5002)});
  run_options o;
  o.env = {{"TROP_PATH", "/srv/a"}};
  CHECK(fx.run({"assert-reservation"}, o).out == "5001\n");
  CHECK(fx.run({"assert-reservation", "--path", "/srv/b"}, o).out == "5002\n");
  o.env = {{"TROP_PATH", "/srv/x/../b"}};
  CHECK(fx.run({"assert-reservation"}, o).out == "5002\n");
}

TEST_CASE("assert-reservation: empty path values are usage errors, bad paths exit 6",
          "[quick][assert-reservation]") {
  trop_fixture fx;
  process_result r = fx.run({"assert-reservation", "--path", ""});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("--path") != std::string::npos);
  CHECK(r.err.find("Usage:") != std::string::npos);
  run_options o;
  o.env = {{"TROP_PATH", ""}};
  r = fx.run({"assert-reservation"}, o);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("TROP_PATH") != std::string::npos);
  r = fx.run({"assert-reservation", "--path", "~someone/x"});
  CHECK(r.exit_code == 6);
  CHECK(r.err ==
        "Error: invalid path ~someone/x: ~user syntax is not supported; use ~ or ~/path\n");
  r = fx.run({"assert-reservation", "--path", "/../.."});
  CHECK(r.exit_code == 6);
  CHECK(r.err.find("too many '..'") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("assert-reservation on a missing store creates nothing", "[quick][assert-reservation]") {
  trop_fixture fx;
  process_result r = fx.run({"assert-reservation", "--tag", "x"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "Error: Assertion failed: no reservation found for " + fx.work() + ":x\n");
  CHECK(fx.run({"assert-reservation", "--not"}).exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
  // An existing but empty data directory stays empty too.
  std::filesystem::create_directories(fx.data_dir());
  CHECK(fx.run({"assert-reservation", "--not"}).exit_code == 0);
  CHECK(fx.data_dir_entries().empty());
}

TEST_CASE("assert-reservation with autoinit disabled and no store exits 3",
          "[quick][assert-reservation]") {
  trop_fixture fx;
  for (bool negate : {false, true}) {
    std::vector<std::string> args = {"assert-reservation", "--disable-autoinit"};
    if (negate) {
      args.push_back("--not");
    }
    process_result r = fx.run(args);
    CHECK(r.exit_code == 3);
    CHECK(r.out.empty());
    CHECK(r.err == "Error: Data directory not found (use --data-dir or enable auto-init)\n");
  }
  run_options o;
  o.env = {{"TROP_DISABLE_AUTOINIT", "true"}};
  CHECK(fx.run({"assert-reservation"}, o).exit_code == 3);
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("assert-reservation resolves the discovered configuration",
          "[quick][assert-reservation]") {
  trop_fixture fx;
  fx.seed({record(fx.work(), std::nullopt, 5003)});
  // A.2 #12: TROP_PROJECT / TROP_TASK are not this command's business.
  run_options o;
  o.env = {{"TROP_PROJECT", ""}, {"TROP_TASK", "   "}};
  CHECK(fx.run({"assert-reservation"}, o).out == "5003\n");
  // A broken project file or variable is a configuration error.
  o.env = {{"TROP_BUSY_TIMEOUT", "soon"}};
  process_result r = fx.run({"assert-reservation"}, o);
  CHECK(r.exit_code == 7);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("Error: Configuration error: ", 0) == 0);
  trop::test::write_file(fx.work() + "/trop.yaml", "ports: [1, 2\n");
  r = fx.run({"assert-reservation"});
  CHECK(r.exit_code == 7);
  CHECK(r.out.empty());
  CHECK(r.err.rfind(
            "Error: Configuration error: validation error for '" + fx.work() + "/trop.yaml'", 0) ==
        0);
}

TEST_CASE("assert-reservation refuses a corrupt store and leaves it alone",
          "[quick][assert-reservation]") {
  trop_fixture fx;
  std::filesystem::create_directories(fx.data_dir());
  std::string garbage(8192, '\x5a');
  trop::test::write_file(fx.data_dir() + "/trop.db", garbage);
  process_result r = fx.run({"assert-reservation", "--not"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("Error: database corruption detected: ", 0) == 0);
  CHECK(read_file(fx.data_dir() + "/trop.db") == garbage);
}

TEST_CASE("assert-reservation never waits for a writer", "[torture][assert-reservation]") {
  trop_fixture fx;
  fx.seed({record(fx.work(), std::nullopt, 5003)});
  process_options holder_opts;
  holder_opts.argv = {TROP_LOCK_HOLDER, fx.data_dir(), "60"};
  holder_opts.timeout = 120s;
  child_process holder(holder_opts);
  REQUIRE(holder.read_stdout_line(30s) == std::optional<std::string>("locked"));
  process_result r = fx.run({"assert-reservation", "--busy-timeout", "0"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "5003\n");
  CHECK(r.err.empty());
  r = fx.run({"assert-reservation", "--busy-timeout", "0", "--not", "--tag", "x"});
  CHECK(r.exit_code == 0);
  CHECK(r.elapsed < 900ms);
}
