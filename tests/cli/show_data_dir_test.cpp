// `trop show-data-dir` (SPEC B §12.13, §2.2, A.2 #22, #24).
#include <catch2/catch.hpp>
#include <filesystem>

#include "trop_fixture.h"

using trop::test::process_result;
using trop::test::run_options;
using trop::test::trop_fixture;

TEST_CASE("show-data-dir prints TROP_DATA_DIR verbatim", "[quick][show-data-dir]") {
  trop_fixture fx;
  process_result r = fx.run({"show-data-dir"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == fx.data_dir() + "\n");
  CHECK(r.err.empty());
  run_options o;
  o.env = {{"TROP_DATA_DIR", "rel/./x/"}};  // not normalized, not made absolute
  CHECK(fx.run({"show-data-dir"}, o).out == "rel/./x/\n");
}

TEST_CASE("show-data-dir: --data-dir beats TROP_DATA_DIR, which beats ~/.trop",
          "[quick][show-data-dir]") {
  trop_fixture fx;
  CHECK(fx.run({"--data-dir", "/x/y", "show-data-dir"}).out == "/x/y\n");
  CHECK(fx.run({"show-data-dir", "--data-dir", "../z"}).out == "../z\n");
  run_options o;
  o.env = {{"TROP_DATA_DIR", std::nullopt}};
  CHECK(fx.run({"show-data-dir"}, o).out == fx.home() + "/.trop\n");
  o.env = {{"TROP_DATA_DIR", std::nullopt}, {"HOME", "/home/someone/"}};
  CHECK(fx.run({"show-data-dir"}, o).out == "/home/someone/.trop\n");
}

TEST_CASE("show-data-dir without a home is exit 7 with a clear message", "[quick][show-data-dir]") {
  trop_fixture fx;
  for (const char* home : {static_cast<const char*>(""), static_cast<const char*>(nullptr)}) {
    run_options o;
    o.env = {{"TROP_DATA_DIR", std::nullopt},
             {"HOME", home == nullptr ? std::nullopt : std::optional<std::string>(home)}};
    process_result r = fx.run({"show-data-dir"}, o);
    CHECK(r.term_signal == 0);  // A.2 #22: never a crash (the original panicked, exit 101)
    CHECK(r.exit_code == 7);
    CHECK(r.out.empty());
    CHECK(r.err ==
          "Error: Configuration error: Could not determine the trop data directory: HOME is not "
          "set; use --data-dir or TROP_DATA_DIR\n");
  }
  // --data-dir needs no home.
  run_options o;
  o.env = {{"TROP_DATA_DIR", std::nullopt}, {"HOME", std::nullopt}};
  CHECK(fx.run({"show-data-dir", "--data-dir", "/d"}, o).out == "/d\n");
}

TEST_CASE("show-data-dir: an empty data directory value is a usage error",
          "[quick][show-data-dir]") {
  trop_fixture fx;
  run_options o;
  o.env = {{"TROP_DATA_DIR", ""}};
  process_result r = fx.run({"show-data-dir"}, o);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("--data-dir") != std::string::npos);
  CHECK(r.err.find("Usage:") != std::string::npos);
  r = fx.run({"show-data-dir", "--data-dir", ""});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
}

TEST_CASE("show-data-dir reads no configuration and creates nothing", "[quick][show-data-dir]") {
  trop_fixture fx;
  trop::test::write_file(fx.work() + "/trop.yaml", "not: [valid\n");
  run_options o;
  o.env = {{"TROP_BUSY_TIMEOUT", "never"}, {"TROP_PROJECT", ""}};
  process_result r = fx.run({"show-data-dir", "--disable-autoinit"}, o);
  CHECK(r.exit_code == 0);
  CHECK(r.out == fx.data_dir() + "\n");
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("show-data-dir works in a deleted directory", "[quick][show-data-dir]") {
  trop_fixture fx;
  std::string doomed = fx.make_dir("doomed");
  trop::test::process_options p = fx.options({});
  p.argv = {"/bin/sh", "-c",
            "cd '" + doomed + "' && rmdir '" + doomed + "' && exec '" + trop::test::trop_binary() +
                "' show-data-dir"};
  process_result r = trop::test::run_process(p);
  CHECK(r.exit_code == 0);
  CHECK(r.out == fx.data_dir() + "\n");
}

TEST_CASE("show-data-dir takes no arguments", "[quick][show-data-dir]") {
  trop_fixture fx;
  process_result r = fx.run({"show-data-dir", "extra"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("Usage:") != std::string::npos);
}
