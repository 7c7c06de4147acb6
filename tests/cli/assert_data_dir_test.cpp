// `trop assert-data-dir` (SPEC B §12.11, A.1).
#include <catch2/catch.hpp>
#include <filesystem>

#include "trop_fixture.h"

using trop::test::process_result;
using trop::test::read_file;
using trop::test::run_options;
using trop::test::trop_fixture;

namespace {

void check_ok(const process_result& r) {
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
}

}  // namespace

TEST_CASE("assert-data-dir tests existence", "[quick][assert-data-dir]") {
  trop_fixture fx;
  process_result r = fx.run({"assert-data-dir"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Assertion failed: data directory not found at " + fx.data_dir() + "\n");
  check_ok(fx.run({"assert-data-dir", "--not"}));
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));

  std::filesystem::create_directories(fx.data_dir());
  check_ok(fx.run({"assert-data-dir"}));
  r = fx.run({"assert-data-dir", "--not"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Assertion failed: data directory exists at " + fx.data_dir() + "\n");
  CHECK(fx.data_dir_entries().empty());
}

TEST_CASE("assert-data-dir counts any kind of entry", "[quick][assert-data-dir]") {
  trop_fixture fx;
  trop::test::write_file(fx.data_dir(), "not a directory");
  check_ok(fx.run({"assert-data-dir"}));
}

TEST_CASE("assert-data-dir resolves its own --data-dir first", "[quick][assert-data-dir]") {
  trop_fixture fx;
  std::string a = fx.make_dir("a");
  std::string missing = fx.root() + "/missing";
  check_ok(fx.run({"assert-data-dir", "--data-dir", a}));
  check_ok(fx.run({"--data-dir", missing, "assert-data-dir", "--data-dir", a}));
  process_result r = fx.run({"--data-dir", a, "assert-data-dir", "--data-dir", missing});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "Error: Assertion failed: data directory not found at " + missing + "\n");
  check_ok(fx.run({"--data-dir", a, "assert-data-dir"}));
  run_options o;
  o.env = {{"TROP_DATA_DIR", a}};
  check_ok(fx.run({"assert-data-dir"}, o));
  o.env = {{"TROP_DATA_DIR", std::nullopt}};
  r = fx.run({"assert-data-dir"}, o);
  CHECK(r.err == "Error: Assertion failed: data directory not found at " + fx.home() + "/.trop\n");
}

TEST_CASE("assert-data-dir without --validate reads no configuration", "[quick][assert-data-dir]") {
  trop_fixture fx;
  run_options o;
  o.env = {{"TROP_BUSY_TIMEOUT", "bogus"}};
  CHECK(fx.run({"assert-data-dir", "--not"}, o).exit_code == 0);
  CHECK(fx.run({"assert-data-dir", "--validate"}, o).exit_code == 7);
}

TEST_CASE("assert-data-dir --validate accepts a sound store", "[quick][assert-data-dir]") {
  trop_fixture fx;
  REQUIRE(fx.run({"reserve"}).exit_code == 0);
  REQUIRE(fx.run({"reserve", "--tag", "x"}).exit_code == 0);
  std::vector<std::string> entries = fx.data_dir_entries();
  std::string before = read_file(fx.data_dir() + "/trop.db");
  check_ok(fx.run({"assert-data-dir", "--validate"}));
  process_result r = fx.run({"assert-data-dir", "--validate", "--not"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "Error: Assertion failed: data directory exists at " + fx.data_dir() + "\n");
  CHECK(fx.data_dir_entries() == entries);
  CHECK(read_file(fx.data_dir() + "/trop.db") == before);
}

TEST_CASE("assert-data-dir --validate on a missing directory is 'not found'",
          "[quick][assert-data-dir]") {
  trop_fixture fx;
  process_result r = fx.run({"assert-data-dir", "--validate"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "Error: Assertion failed: data directory not found at " + fx.data_dir() + "\n");
  check_ok(fx.run({"assert-data-dir", "--validate", "--not"}));
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("assert-data-dir --validate refuses a directory without trop.db",
          "[quick][assert-data-dir]") {
  trop_fixture fx;
  std::filesystem::create_directories(fx.data_dir());
  const std::string expected =
      "Error: database corruption detected: the selected data directory does not contain " +
      fx.data_dir() +
      "/trop.db; restore a known-good database or recreate disposable reservations. trop did "
      "not initialize or modify the data directory\n";
  for (bool negate : {false, true}) {
    std::vector<std::string> args = {"assert-data-dir", "--validate"};
    if (negate) {
      args.push_back("--not");  // never inverts a validation failure
    }
    process_result r = fx.run(args);
    CHECK(r.exit_code == 6);
    CHECK(r.out.empty());
    CHECK(r.err == expected);
  }
  CHECK(fx.data_dir_entries().empty());
}

TEST_CASE("assert-data-dir --validate reports corruption with exit 6", "[quick][assert-data-dir]") {
  trop_fixture fx;
  REQUIRE(fx.run({"reserve"}).exit_code == 0);
  std::string path = fx.data_dir() + "/trop.db";
  std::string bytes = read_file(path);
  REQUIRE(bytes.size() > 100);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x40);
  bytes[60] = static_cast<char>(bytes[60] ^ 0x01);
  trop::test::write_file(path, bytes);
  for (bool negate : {false, true}) {
    std::vector<std::string> args = {"assert-data-dir", "--validate"};
    if (negate) {
      args.push_back("--not");
    }
    process_result r = fx.run(args);
    CHECK(r.exit_code == 6);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("Error: database corruption detected: ", 0) == 0);
  }
  CHECK(read_file(path) == bytes);
}

TEST_CASE("assert-data-dir --validate refuses a SQLite store", "[quick][assert-data-dir]") {
  trop_fixture fx;
  std::filesystem::create_directories(fx.data_dir());
  std::string sqlite = std::string("SQLite format 3", 16) + std::string(4096, '\0');
  trop::test::write_file(fx.data_dir() + "/trop.db", sqlite);
  process_result r = fx.run({"assert-data-dir", "--validate"});
  CHECK(r.exit_code == 6);
  CHECK(r.err.find("SQLite") != std::string::npos);
  CHECK(read_file(fx.data_dir() + "/trop.db") == sqlite);
}
