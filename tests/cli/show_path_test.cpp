// `trop show-path` (SPEC B §12.14, §5, A.2 #24).
#include <catch2/catch.hpp>
#include <filesystem>

#include "trop_fixture.h"

using trop::test::process_result;
using trop::test::run_options;
using trop::test::trop_fixture;

TEST_CASE("show-path prints the canonical cwd", "[quick][show-path]") {
  trop_fixture fx;
  process_result r = fx.run({"show-path"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == fx.work() + "\n");
  CHECK(r.err.empty());
  // Reached through a symlink (and $PWD saying so), the physical path is shown.
  std::string real = fx.make_dir("real/dir");
  std::filesystem::create_directory_symlink(real, fx.root() + "/link");
  run_options o;
  o.cwd = fx.root() + "/link";
  CHECK(fx.run({"show-path"}, o).out == real + "\n");
  CHECK(fx.run({"show-path", "--canonicalize"}, o).out == real + "\n");
}

TEST_CASE("show-path --path normalizes without touching the file system", "[quick][show-path]") {
  trop_fixture fx;
  std::string real = fx.make_dir("real");
  std::filesystem::create_directory_symlink(real, fx.work() + "/link");
  CHECK(fx.run({"show-path", "--path", "link"}).out == fx.work() + "/link\n");
  CHECK(fx.run({"show-path", "--path", "./a/../link//"}).out == fx.work() + "/link\n");
  CHECK(fx.run({"show-path", "--path", "/no/such/../thing"}).out == "/no/thing\n");
  CHECK(fx.run({"show-path", "--path", "/"}).out == "/\n");
  CHECK(fx.run({"show-path", "--path", "~"}).out == fx.home() + "\n");
  CHECK(fx.run({"show-path", "--path", "~/x/y"}).out == fx.home() + "/x/y\n");
}

TEST_CASE("show-path --canonicalize resolves symlinks and needs the path", "[quick][show-path]") {
  trop_fixture fx;
  std::string real = fx.make_dir("real");
  std::filesystem::create_directory_symlink(real, fx.work() + "/link");
  process_result r = fx.run({"show-path", "--path", "link", "--canonicalize"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == real + "\n");
  r = fx.run({"show-path", "--canonicalize", "--path", fx.work() + "/missing"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: path not found: " + fx.work() + "/missing\n");
}

TEST_CASE("show-path: bad paths exit 6, empty ones are usage errors", "[quick][show-path]") {
  trop_fixture fx;
  process_result r = fx.run({"show-path", "--path", "~other/x"});
  CHECK(r.exit_code == 6);
  CHECK(r.err == "Error: invalid path ~other/x: ~user syntax is not supported; use ~ or ~/path\n");
  r = fx.run({"show-path", "--path", "/a/../.."});
  CHECK(r.exit_code == 6);
  CHECK(r.err ==
        "Error: invalid path /a/../..: Path contains too many '..' components (escapes root)\n");
  r = fx.run({"show-path", "--path", ""});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("--path") != std::string::npos);
  CHECK(r.err.find("Usage:") != std::string::npos);
  run_options o;
  o.env = {{"HOME", std::nullopt}};
  r = fx.run({"show-path", "--path", "~/x"}, o);
  CHECK(r.exit_code == 7);
  CHECK(r.err.find("HOME") != std::string::npos);
}

TEST_CASE("show-path ignores TROP_PATH and the configuration", "[quick][show-path]") {
  trop_fixture fx;
  trop::test::write_file(fx.work() + "/trop.yaml", "{broken\n");
  run_options o;
  // Not even an empty TROP_PATH (a usage error for reserve) matters here.
  o.env = {{"TROP_PATH", ""}, {"TROP_BUSY_TIMEOUT", "x"}};
  process_result r = fx.run({"show-path"}, o);
  CHECK(r.exit_code == 0);
  CHECK(r.out == fx.work() + "\n");
  o.env = {{"TROP_PATH", "/elsewhere"}};
  CHECK(fx.run({"show-path"}, o).out == fx.work() + "\n");
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("show-path in a deleted directory", "[quick][show-path]") {
  trop_fixture fx;
  std::string doomed = fx.make_dir("doomed");
  auto in_deleted_cwd = [&](const std::string& args) {
    trop::test::process_options p = fx.options({});
    p.argv = {"/bin/sh", "-c",
              "cd '" + doomed + "' && rmdir '" + doomed + "' && exec '" +
                  trop::test::trop_binary() + "' " + args};
    return trop::test::run_process(p);
  };
  // The cwd is needed and cannot be read: an I/O error.
  process_result r = in_deleted_cwd("show-path");
  CHECK(r.exit_code == 5);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("Error: I/O error: cannot read the current directory: ", 0) == 0);
  // An absolute --path needs no cwd.
  std::filesystem::create_directories(doomed);
  r = in_deleted_cwd("show-path --path /abs/x/..");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "/abs\n");
}
