// trop's global options, usage errors, help and version (SPEC B §1, §2, A.2 #9, #24).
#include <catch2/catch.hpp>
#include <filesystem>

#include "trop_fixture.h"

using trop::test::process_result;
using trop::test::run_options;
using trop::test::trop_fixture;

namespace {

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

void check_usage_error(const process_result& r) {
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(contains(r.err, "Usage:"));
}

}  // namespace

TEST_CASE("trop without arguments prints usage on stderr and exits 2", "[quick][cli]") {
  trop_fixture fx;
  process_result r = fx.run({});
  check_usage_error(r);
  CHECK(contains(r.err, "reserve"));
}

TEST_CASE("--help and -h print help on stdout and exit 0", "[quick][cli]") {
  trop_fixture fx;
  for (const char* flag : {"--help", "-h"}) {
    process_result r = fx.run({flag});
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "Usage:"));
    for (const char* sub : {"reserve", "release", "list", "assert-data-dir"}) {
      CHECK(contains(r.out, sub));
    }
    CHECK(r.err.empty());
  }
}

TEST_CASE("subcommand --help describes its flags", "[quick][cli]") {
  trop_fixture fx;
  process_result r = fx.run({"reserve", "--help"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "--path"));
  CHECK(contains(r.out, "--dry-run"));
  r = fx.run({"--data-dir", "/x", "release", "-h"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "--untagged-only"));
  CHECK(fx.data_dir_entries().empty());
}

TEST_CASE("--version and -V print the version and exit 0", "[quick][cli]") {
  trop_fixture fx;
  for (const char* flag : {"--version", "-V"}) {
    process_result r = fx.run({flag});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "trop " TROP_VERSION "\n");
    CHECK(r.err.empty());
  }
}

TEST_CASE("usage errors exit 2 with Usage on stderr", "[quick][cli]") {
  trop_fixture fx;
  check_usage_error(fx.run({"no-such-command"}));
  check_usage_error(fx.run({"reserve", "--no-such-flag"}));
  check_usage_error(fx.run({"--no-such-flag", "list"}));
  check_usage_error(fx.run({"list", "extra"}));
  check_usage_error(fx.run({"list", "reserve"}));
  check_usage_error(fx.run({"--quiet"}));
  check_usage_error(fx.run({"reserve", "--path"}));
  check_usage_error(fx.run({"list", "--format", "xml"}));
  // Nothing was created by any of them.
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("an unknown subcommand is named in the error", "[quick][cli]") {
  trop_fixture fx;
  process_result r = fx.run({"--quiet", "frobnicate"});
  check_usage_error(r);
  CHECK(contains(r.err, "frobnicate"));
}

TEST_CASE("global options are accepted before and after the subcommand", "[quick][cli]") {
  trop_fixture fx;
  std::string a = fx.root() + "/a";
  std::string b = fx.root() + "/b";
  std::string c = fx.root() + "/c";
  CHECK(fx.run({"--data-dir", a, "reserve"}).out == "5000\n");
  CHECK(fx.run({"reserve", "--data-dir", b}).out == "5000\n");
  CHECK(fx.run({"reserve", "--data-dir=" + c, "--quiet", "--busy-timeout", "3"}).out == "5000\n");
  CHECK(fx.run({"--busy-timeout=3", "--quiet", "--data-dir", c, "list", "--format", "csv"})
            .exit_code == 0);
  for (const std::string& d : {a, b, c}) {
    CHECK(std::filesystem::exists(d + "/trop.db"));
  }
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("data directory precedence: --data-dir, TROP_DATA_DIR, ~/.trop", "[quick][cli]") {
  trop_fixture fx;
  std::string flag_dir = fx.root() + "/flag";
  run_options env_only;
  CHECK(fx.run({"reserve"}, env_only).exit_code == 0);
  CHECK(std::filesystem::exists(fx.data_dir() + "/trop.db"));

  CHECK(fx.run({"reserve", "--data-dir", flag_dir}).exit_code == 0);
  CHECK(std::filesystem::exists(flag_dir + "/trop.db"));

  run_options no_env;
  no_env.env = {{"TROP_DATA_DIR", std::nullopt}};
  CHECK(fx.run({"reserve"}, no_env).exit_code == 0);
  CHECK(std::filesystem::exists(fx.home() + "/.trop/trop.db"));
}

TEST_CASE("a relative --data-dir is relative to the process cwd", "[quick][cli]") {
  trop_fixture fx;
  CHECK(fx.run({"--data-dir", "rel/store", "reserve"}).exit_code == 0);
  CHECK(std::filesystem::exists(fx.work() + "/rel/store/trop.db"));
}

TEST_CASE("no home and no data directory is a configuration error", "[quick][cli]") {
  trop_fixture fx;
  run_options o;
  o.env = {{"TROP_DATA_DIR", std::nullopt}, {"HOME", std::nullopt}};
  process_result r = fx.run({"list"}, o);
  CHECK(r.exit_code == 7);
  CHECK(r.out.empty());
  CHECK(contains(r.err, "Error: Configuration error: "));
  CHECK(contains(r.err, "HOME"));
}

TEST_CASE("empty path values are usage errors naming the option", "[quick][cli]") {
  trop_fixture fx;
  process_result r = fx.run({"--data-dir", "", "list"});
  check_usage_error(r);
  CHECK(contains(r.err, "--data-dir"));

  r = fx.run({"list", "--data-dir="});
  check_usage_error(r);
  CHECK(contains(r.err, "--data-dir"));

  run_options empty_env;
  empty_env.env = {{"TROP_DATA_DIR", ""}};
  for (const char* sub : {"list", "reserve", "release", "assert-data-dir"}) {
    r = fx.run({sub}, empty_env);
    check_usage_error(r);
    CHECK(contains(r.err, "--data-dir"));
    CHECK(contains(r.err, "TROP_DATA_DIR"));
  }
  // An explicit --data-dir makes the empty variable irrelevant.
  std::string d = fx.root() + "/explicit";
  CHECK(fx.run({"--data-dir", d, "reserve"}, empty_env).exit_code == 0);

  run_options empty_path;
  empty_path.env = {{"TROP_PATH", ""}};
  for (const char* sub : {"reserve", "release"}) {
    r = fx.run({sub}, empty_path);
    check_usage_error(r);
    CHECK(contains(r.err, "--path"));
  }
  r = fx.run({"reserve", "--path", ""});
  check_usage_error(r);
  CHECK(contains(r.err, "--path"));
  r = fx.run({"list", "--filter-path", ""});
  check_usage_error(r);
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("--busy-timeout takes 0..2147483 seconds", "[quick][cli]") {
  trop_fixture fx;
  for (const char* bad : {"-1", "abc", "0x10", "1.5", "4294967296", " 5", ""}) {
    INFO("value: '" << bad << "'");
    check_usage_error(fx.run({"reserve", "--busy-timeout", bad}));
  }
  process_result r = fx.run({"reserve", "--busy-timeout", "2147484"});
  CHECK(r.exit_code == 7);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "Error: Configuration error: validation error for 'maximum_lock_wait_seconds (<command "
        "line>)': must not exceed 2147483 seconds\n");
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
  CHECK(fx.run({"reserve", "--busy-timeout", "2147483"}).out == "5000\n");
  CHECK(fx.run({"reserve", "--busy-timeout", "0"}).out == "5000\n");
}

TEST_CASE("TROP_BUSY_TIMEOUT and its alias are validated", "[quick][cli]") {
  trop_fixture fx;
  run_options o;
  o.env = {{"TROP_BUSY_TIMEOUT", "soon"}};
  process_result r = fx.run({"list"}, o);
  CHECK(r.exit_code == 7);
  CHECK(contains(r.err, "Error: Configuration error: validation error for 'TROP_BUSY_TIMEOUT'"));

  o.env = {{"TROP_MAXIMUM_LOCK_WAIT_SECONDS", "3000000"}};
  r = fx.run({"list"}, o);
  CHECK(r.exit_code == 7);
  CHECK(contains(r.err, "TROP_MAXIMUM_LOCK_WAIT_SECONDS"));
  CHECK(contains(r.err, "must not exceed 2147483 seconds"));

  // The canonical name wins over the alias; the command line wins over both.
  o.env = {{"TROP_BUSY_TIMEOUT", "1"}, {"TROP_MAXIMUM_LOCK_WAIT_SECONDS", "x"}};
  CHECK(fx.run({"list"}, o).exit_code == 0);
  o.env = {{"TROP_BUSY_TIMEOUT", "3000000"}};
  CHECK(fx.run({"list", "--busy-timeout", "1"}, o).exit_code == 0);
}

TEST_CASE("--disable-autoinit and TROP_DISABLE_AUTOINIT refuse a missing store", "[quick][cli]") {
  trop_fixture fx;
  const std::string expected =
      "Error: Data directory not found (use --data-dir or enable auto-init)\n";
  for (const char* sub : {"reserve", "release", "list"}) {
    process_result r = fx.run({"--disable-autoinit", sub});
    CHECK(r.exit_code == 3);
    CHECK(r.out.empty());
    CHECK(r.err == expected);
  }
  run_options o;
  for (const char* v : {"1", "true", "YES", "on"}) {
    o.env = {{"TROP_DISABLE_AUTOINIT", v}};
    process_result r = fx.run({"reserve", "--dry-run"}, o);
    CHECK(r.exit_code == 3);
    CHECK(r.err == expected);
  }
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));

  // An empty existing data directory still counts as missing: the check is on trop.db.
  std::filesystem::create_directories(fx.data_dir());
  CHECK(fx.run({"--disable-autoinit", "list"}).exit_code == 3);
  CHECK(fx.data_dir_entries().empty());

  o.env = {{"TROP_DISABLE_AUTOINIT", "0"}};
  CHECK(fx.run({"reserve"}, o).out == "5000\n");
  // With a store, disabled autoinit changes nothing.
  CHECK(fx.run({"--disable-autoinit", "reserve"}).out == "5000\n");

  o.env = {{"TROP_DISABLE_AUTOINIT", "maybe"}};
  process_result r = fx.run({"list"}, o);
  CHECK(r.exit_code == 7);
  CHECK(r.err ==
        "Error: Configuration error: validation error for 'TROP_DISABLE_AUTOINIT': Invalid "
        "boolean value: 'maybe' (expected true/false/1/0/yes/no/on/off)\n");
}

TEST_CASE("--quiet silences warnings and wins over --verbose", "[quick][cli]") {
  trop_fixture fx;
  CHECK(fx.run({"reserve", "--tag", "a"}).out == "5000\n");
  process_result r = fx.run({"reserve", "--port", "5000", "--quiet", "--verbose"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "5001\n");
  CHECK(r.err.empty());
}

TEST_CASE("--verbose explains decisions on stderr only", "[quick][cli]") {
  trop_fixture fx;
  CHECK(fx.run({"reserve", "--tag", "a"}).out == "5000\n");
  process_result r = fx.run({"-v", "reserve"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "5001\n");
  CHECK(contains(r.err, "write lock acquired after"));
  CHECK(contains(r.err, "5000 skipped: reserved or excluded"));
}

TEST_CASE("a failed stdout write exits 5", "[quick][cli]") {
  if (!std::filesystem::exists("/dev/full")) {
    SUCCEED("no /dev/full here");
    return;
  }
  trop_fixture fx;
  trop::test::process_options p = fx.options({});
  p.argv = {"/bin/sh", "-c",
            std::string("exec \"") + trop::test::trop_binary() + "\" list > /dev/full"};
  process_result r = trop::test::run_process(p);
  CHECK(r.exit_code == 5);
  CHECK(contains(r.err, "Error: I/O error: "));
}

TEST_CASE("--durability and TROP_DURABILITY choose full or normal", "[quick][cli]") {
  trop_fixture fx;
  CHECK(fx.run({"--durability", "normal", "reserve"}).out == "5000\n");
  CHECK(fx.run({"reserve", "--durability", "FULL", "--tag", "a"}).out == "5001\n");
  run_options o;
  o.env = {{"TROP_DURABILITY", "Normal"}};
  CHECK(fx.run({"reserve", "--tag", "b"}, o).out == "5002\n");
  check_usage_error(fx.run({"reserve", "--durability", "fast"}));
  o.env = {{"TROP_DURABILITY", "fast"}};
  process_result r = fx.run({"reserve", "--tag", "c"}, o);
  CHECK(r.exit_code == 7);
  CHECK(r.err ==
        "Error: Configuration error: validation error for 'TROP_DURABILITY': Invalid durability: "
        "'fast' (expected full/normal)\n");
  // An unparsable variable is an error even when the command line overrides it.
  CHECK(fx.run({"reserve", "--tag", "c", "--durability", "normal"}, o).exit_code == 7);
}

TEST_CASE("commands that need no cwd work in a deleted directory", "[quick][cli]") {
  trop_fixture fx;
  std::string doomed = fx.make_dir("doomed");
  auto in_deleted_cwd = [&](const std::string& trop_args) {
    trop::test::process_options p = fx.options({});
    p.argv = {"/bin/sh", "-c",
              "cd '" + doomed + "' && rmdir '" + doomed + "' && exec '" +
                  trop::test::trop_binary() + "' " + trop_args};
    return trop::test::run_process(p);
  };
  process_result r = in_deleted_cwd("reserve");
  CHECK(r.exit_code == 5);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("Error: I/O error: cannot read the current directory: ", 0) == 0);
  std::filesystem::create_directories(doomed);
  r = in_deleted_cwd("reserve --path /abs/elsewhere --allow-unrelated-path");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "5000\n");
  std::filesystem::create_directories(doomed);
  r = in_deleted_cwd("list --format csv");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("5000,/abs/elsewhere,") != std::string::npos);
}
