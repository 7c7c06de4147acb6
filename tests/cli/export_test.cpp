// `trop export` (SPEC A.1): every reservation as JSON with RFC 3339 timestamps.
#include <signal.h>

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
using trop::test::trop_fixture;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kJan15 = 1705314645;    // 2024-01-15 10:30:45 UTC
constexpr std::int64_t kLeapDay = 1709251199;  // 2024-02-29 23:59:59 UTC

reservation record(const std::string& path, std::optional<std::string> tag, std::uint16_t port,
                   std::optional<std::string> project = std::nullopt,
                   std::optional<std::string> task = std::nullopt) {
  reservation r;
  r.key.path = path;
  r.key.tag = std::move(tag);
  r.port = port;
  r.project = std::move(project);
  r.task = std::move(task);
  r.created_at = kJan15;
  r.last_used_at = kLeapDay;
  return r;
}

}  // namespace

TEST_CASE("export of a missing store is an empty array and creates nothing", "[quick][export]") {
  trop_fixture fx;
  process_result r = fx.run({"export"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "[]\n");
  CHECK(r.err.empty());
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("export writes list objects in key order with full paths and RFC 3339 times",
          "[quick][export]") {
  trop_fixture fx;
  fx.seed({record(fx.home() + "/x", std::nullopt, 5001),
           record(fx.home() + "/app", "web", 5000, "app", "main")});
  process_result r = fx.run({"export"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out ==
        "[\n"
        "  {\n"
        "    \"port\": 5000,\n"
        "    \"path\": \"" +
            fx.home() +
            "/app\",\n"
            "    \"tag\": \"web\",\n"
            "    \"project\": \"app\",\n"
            "    \"task\": \"main\",\n"
            "    \"created_at\": \"2024-01-15T10:30:45Z\",\n"
            "    \"last_used_at\": \"2024-02-29T23:59:59Z\"\n"
            "  },\n"
            "  {\n"
            "    \"port\": 5001,\n"
            "    \"path\": \"" +
            fx.home() +
            "/x\",\n"
            "    \"tag\": null,\n"
            "    \"project\": null,\n"
            "    \"task\": null,\n"
            "    \"created_at\": \"2024-01-15T10:30:45Z\",\n"
            "    \"last_used_at\": \"2024-02-29T23:59:59Z\"\n"
            "  }\n"
            "]\n");
}

TEST_CASE("export escapes control characters JSON-style", "[quick][export]") {
  trop_fixture fx;
  fx.seed({record("/p", "a\"b\\c\nd\te", 5000)});
  process_result r = fx.run({"export"});
  CHECK(r.out.find("\"tag\": \"a\\\"b\\\\c\\nd\\te\",\n") != std::string::npos);
}

TEST_CASE("export reads a snapshot: no lock wait, not even at --busy-timeout 0",
          "[quick][export]") {
  trop_fixture fx;
  fx.seed({record("/p", std::nullopt, 5000)});
  process_options holder_opts;
  holder_opts.argv = {TROP_LOCK_HOLDER, fx.data_dir(), "60"};
  holder_opts.timeout = 120s;
  child_process holder(holder_opts);
  REQUIRE(holder.read_stdout_line(30s) == std::optional<std::string>("locked"));
  process_result r = fx.run({"export", "--busy-timeout", "0"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"port\": 5000") != std::string::npos);
  holder.kill(SIGKILL);
  holder.wait();
}

TEST_CASE("export exit codes: autoinit disabled 3, usage 2, bad configuration 7",
          "[quick][export]") {
  trop_fixture fx;
  process_result r = fx.run({"export", "--disable-autoinit"});
  CHECK(r.exit_code == 3);
  CHECK(r.out.empty());
  r = fx.run({"export", "extra"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  trop::test::write_file(fx.work() + "/trop.yaml", "bogus: 1\n");
  r = fx.run({"export"});
  CHECK(r.exit_code == 7);
  CHECK(r.out.empty());
}

TEST_CASE("export of a corrupt store exits 6 and prints nothing", "[quick][export]") {
  trop_fixture fx;
  fx.seed({record("/p", std::nullopt, 5000)});
  // A corrupt image: exit 6, stdout empty (nothing half-written).
  std::string image = fx.data_dir() + "/trop.db";
  std::string bytes = trop::test::read_file(image);
  REQUIRE(bytes.size() > 64);
  for (std::size_t i = 0; i < 64; ++i) {
    bytes[i] = static_cast<char>(bytes[i] ^ 0x5A);
  }
  trop::test::write_file(image, bytes);
  process_result r = fx.run({"export"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
}
