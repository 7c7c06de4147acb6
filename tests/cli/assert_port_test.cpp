// `trop assert-port <PORT>` (SPEC B §12.10, §6, A.1).
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>

#include "../net/net_fixture.h"
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

reservation record(const std::string& path, std::uint16_t port) {
  reservation r;
  r.key.path = path;
  r.port = port;
  r.created_at = 1700000000;
  r.last_used_at = 1700000000;
  return r;
}

void check_usage_error(const process_result& r, const std::string& detail) {
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("error: ", 0) == 0);
  CHECK(r.err.find(detail) != std::string::npos);
  CHECK(r.err.find("Usage:") != std::string::npos);
}

}  // namespace

TEST_CASE("assert-port succeeds silently for a reserved port", "[quick][assert-port]") {
  trop_fixture fx;
  fx.seed({record(fx.work(), 5003), record("/srv/x", 65535)});
  for (const char* port : {"5003", "65535", "+5003", "005003"}) {
    INFO("port " << port);
    process_result r = fx.run({"assert-port", port});
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK(r.err.empty());
  }
}

TEST_CASE("assert-port fails with exit 1 for a port that is not reserved", "[quick][assert-port]") {
  trop_fixture fx;
  fx.seed({record(fx.work(), 5003)});
  process_result r = fx.run({"assert-port", "5004"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Assertion failed: port 5004 is not reserved\n");
  r = fx.run({"assert-port", "1", "--quiet"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "Error: Assertion failed: port 1 is not reserved\n");
}

TEST_CASE("assert-port --not inverts the assertion", "[quick][assert-port]") {
  trop_fixture fx;
  fx.seed({record(fx.work(), 5003)});
  process_result r = fx.run({"assert-port", "--not", "5004"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
  r = fx.run({"assert-port", "5003", "--not"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Assertion failed: port 5003 is reserved\n");
}

TEST_CASE("assert-port 0 is exit 4", "[quick][assert-port]") {
  trop_fixture fx;
  for (const char* zero : {"0", "00", "+0"}) {
    for (bool negate : {false, true}) {
      std::vector<std::string> args = {"assert-port", zero};
      if (negate) {
        args.push_back("--not");
      }
      process_result r = fx.run(args);
      CHECK(r.exit_code == 4);
      CHECK(r.out.empty());
      CHECK(r.err == "Error: Invalid arguments: invalid port 0: port 0 is invalid\n");
    }
  }
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("assert-port parses PORT as a u16: anything else is a usage error",
          "[quick][assert-port]") {
  trop_fixture fx;
  check_usage_error(fx.run({"assert-port", "abc"}),
                    "invalid value 'abc' for '<PORT>': invalid digit found in string");
  check_usage_error(fx.run({"assert-port", "65536"}),
                    "invalid value '65536' for '<PORT>': 65536 is not in 0..=65535");
  check_usage_error(fx.run({"assert-port", "99999999999999999999"}), "is not in 0..=65535");
  check_usage_error(fx.run({"assert-port", "50x00"}), "invalid digit found in string");
  check_usage_error(fx.run({"assert-port", "--", "-1"}), "invalid digit found in string");
  check_usage_error(fx.run({"assert-port", "5 000"}), "invalid digit found in string");
  check_usage_error(fx.run({"assert-port", ""}), "cannot parse integer from empty string");
  check_usage_error(fx.run({"assert-port", "+"}), "invalid digit found in string");
  check_usage_error(fx.run({"assert-port"}), "PORT");
  check_usage_error(fx.run({"assert-port", "5000", "5001"}), "5001");
  check_usage_error(fx.run({"assert-port", "5000", "--bogus"}), "--bogus");
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("assert-port checks the store only, never occupancy", "[quick][assert-port]") {
  trop_fixture fx;
  trop::testing::bound_socket held(trop::probe_protocol::tcp, trop::probe_family::ipv4, "127.0.0.1",
                                   0, true);
  const std::string port = std::to_string(held.port());
  process_result r = fx.run({"assert-port", port});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "Error: Assertion failed: port " + port + " is not reserved\n");
  CHECK(fx.run({"assert-port", "--not", port}).exit_code == 0);
}

TEST_CASE("assert-port on a missing store creates nothing", "[quick][assert-port]") {
  trop_fixture fx;
  CHECK(fx.run({"assert-port", "5000"}).exit_code == 1);
  CHECK(fx.run({"assert-port", "5000", "--not"}).exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("assert-port with autoinit disabled and no store exits 3", "[quick][assert-port]") {
  trop_fixture fx;
  process_result r = fx.run({"assert-port", "5000", "--disable-autoinit"});
  CHECK(r.exit_code == 3);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Data directory not found (use --data-dir or enable auto-init)\n");
  run_options o;
  o.env = {{"TROP_DISABLE_AUTOINIT", "1"}};
  CHECK(fx.run({"assert-port", "--not", "5000"}, o).exit_code == 3);
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("assert-port: configuration errors come before the port-0 check",
          "[quick][assert-port]") {
  trop_fixture fx;
  trop::test::write_file(fx.work() + "/trop.yaml", "bogus_key: 1\n");
  process_result r = fx.run({"assert-port", "0"});
  CHECK(r.exit_code == 7);
  CHECK(r.err.rfind("Error: Configuration error: ", 0) == 0);
  // A.2 #12: TROP_PROJECT is not read by assert-port.
  std::filesystem::remove(fx.work() + "/trop.yaml");
  run_options o;
  o.env = {{"TROP_PROJECT", " "}};
  CHECK(fx.run({"assert-port", "5000", "--not"}, o).exit_code == 0);
}

TEST_CASE("assert-port refuses a corrupt store and leaves it alone", "[quick][assert-port]") {
  trop_fixture fx;
  std::filesystem::create_directories(fx.data_dir());
  std::string garbage(8192, '\x33');
  trop::test::write_file(fx.data_dir() + "/trop.db", garbage);
  process_result r = fx.run({"assert-port", "5000"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("Error: database corruption detected: ", 0) == 0);
  CHECK(read_file(fx.data_dir() + "/trop.db") == garbage);
}

TEST_CASE("assert-port never waits for a writer", "[torture][assert-port]") {
  trop_fixture fx;
  fx.seed({record(fx.work(), 5003)});
  process_options holder_opts;
  holder_opts.argv = {TROP_LOCK_HOLDER, fx.data_dir(), "60"};
  holder_opts.timeout = 120s;
  child_process holder(holder_opts);
  REQUIRE(holder.read_stdout_line(30s) == std::optional<std::string>("locked"));
  process_result r = fx.run({"assert-port", "5003", "--busy-timeout", "0"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  r = fx.run({"assert-port", "5004", "--not", "--busy-timeout", "0"});
  CHECK(r.exit_code == 0);
  CHECK(r.elapsed < 900ms);
}
