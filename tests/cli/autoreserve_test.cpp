// `trop autoreserve` (SPEC B §12.5 with A.2 #14, #15, #27-#29): the group of
// the nearest trop.yaml / trop.local.yaml from the cwd.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "trop_fixture.h"

using trop::reservation;
using trop::test::process_result;
using trop::test::read_file;
using trop::test::run_options;
using trop::test::trop_fixture;
using trop::test::write_file;

namespace {

const char* kGroup =
    "project: app\n"
    "reservations:\n"
    "  services:\n"
    "    web: {offset: 0}\n"
    "    api: {offset: 1}\n";

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

run_options in_dir(const std::string& dir) {
  run_options o;
  o.cwd = dir;
  o.env = {{"SHELL", std::nullopt},
           {"ZSH_VERSION", std::nullopt},
           {"FISH_VERSION", std::nullopt},
           {"PSModulePath", std::nullopt}};
  return o;
}

std::map<std::string, std::uint16_t> ports_by_tag(const std::vector<reservation>& rs,
                                                  const std::string& path) {
  std::map<std::string, std::uint16_t> out;
  for (const reservation& r : rs) {
    if (r.key.path == path && r.key.tag) {
      out[*r.key.tag] = r.port;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("autoreserve reserves the group of the cwd's trop.yaml", "[quick][autoreserve]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kGroup);
  process_result r = fx.run({"autoreserve"}, in_dir(fx.work()));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "export API=5001\nexport WEB=5000\n");
  // A.2 #14: no quotes around the path.
  CHECK(r.err == "Discovered config: " + fx.work() + "/trop.yaml\nReserved 2 ports.\n");
  CHECK(ports_by_tag(fx.stored(), fx.work()) ==
        std::map<std::string, std::uint16_t>{{"api", 5001}, {"web", 5000}});
  r = fx.run({"autoreserve", "--quiet", "--format", "dotenv"}, in_dir(fx.work()));
  CHECK(r.out == "API=5001\nWEB=5000\n");
  CHECK(r.err.empty());
}

TEST_CASE("autoreserve walks up from a subdirectory; the group is the file's directory",
          "[quick][autoreserve]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kGroup);
  std::string deep = fx.make_dir("work/a/b/c");
  process_result r = fx.run({"autoreserve", "--format", "json"}, in_dir(deep));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "{\n  \"api\": 5001,\n  \"web\": 5000\n}\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 2);
  CHECK(rs[0].key.path == fx.work());
  // The same group from the directory itself.
  CHECK(fx.run({"autoreserve", "--format", "human"}, in_dir(fx.work())).out ==
        "Reserved ports:\n  api: 5001\n  web: 5000\n");
  CHECK(fx.stored().size() == 2);
}

TEST_CASE("autoreserve: the nearest directory with either file wins", "[quick][autoreserve]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kGroup);
  std::string sub = fx.make_dir("work/sub");
  // A trop.local.yaml alone stops the walk; it has no group -> exit 6.
  write_file(sub + "/trop.local.yaml", "project: other\n");
  process_result r = fx.run({"autoreserve"}, in_dir(sub));
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "Error: validation error for 'reservations': Effective configuration does not contain a "
        "reservation group\n");
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("autoreserve: trop.local.yaml replaces or clears the group", "[quick][autoreserve]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kGroup);
  SECTION("replaces") {
    write_file(fx.work() + "/trop.local.yaml",
               "reservations:\n  services:\n    mine: {offset: 0, env: MINE}\n");
    process_result r = fx.run({"autoreserve", "--format", "dotenv"}, in_dir(fx.work()));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "MINE=5000\n");
    CHECK(r.err == "Discovered config: " + fx.work() + "/trop.local.yaml\nReserved 1 ports.\n");
  }
  SECTION("clears with reservations: null") {
    write_file(fx.work() + "/trop.local.yaml", "reservations: null\n");
    process_result r = fx.run({"autoreserve"}, in_dir(fx.work()));
    CHECK(r.exit_code == 6);
    CHECK(r.out.empty());
    CHECK(contains(r.err, "Effective configuration does not contain a reservation group"));
  }
  SECTION("a user config.yaml cannot define or clear it") {
    std::filesystem::create_directories(fx.data_dir());
    write_file(fx.data_dir() + "/config.yaml", "reservations: null\n");
    process_result r = fx.run({"autoreserve", "--format", "dotenv"}, in_dir(fx.work()));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "API=5001\nWEB=5000\n");
  }
}

TEST_CASE("autoreserve without any project file is exit 4", "[quick][autoreserve]") {
  trop_fixture fx;
  // The fixture lives under a temporary directory without trop.yaml above it.
  process_result r = fx.run({"autoreserve"}, in_dir(fx.work()));
  CHECK(r.exit_code == 4);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Invalid arguments: No trop configuration file found (searched from: " +
                     fx.work() + ")\n");
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("autoreserve --dry-run", "[quick][autoreserve]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kGroup);
  process_result r = fx.run({"autoreserve", "--dry-run"}, in_dir(fx.work()));
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err == "Discovered config: " + fx.work() +
                     "/trop.yaml\nDry run - would reserve a new group of 2 service(s) at " +
                     fx.work() + " from " + fx.work() + "/trop.yaml:\n  api: 5001\n  web: 5000\n");
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
  CHECK(fx.run({"autoreserve", "--dry-run", "--quiet"}, in_dir(fx.work())).err.empty());
}

TEST_CASE("autoreserve flags: shell, task, force, occupancy, usage", "[quick][autoreserve]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kGroup);
  process_result r =
      fx.run({"autoreserve", "--shell", "fish", "--task", "t1", "--skip-occupancy-check"},
             in_dir(fx.work()));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "set -x API 5001\nset -x WEB 5000\n");
  for (const reservation& x : fx.stored()) {
    CHECK(x.task == std::optional<std::string>("t1"));
  }
  r = fx.run({"autoreserve", "--task", "t2"}, in_dir(fx.work()));
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "cannot change sticky field 'task'"));
  CHECK(fx.run({"autoreserve", "--task", "t2", "--force"}, in_dir(fx.work())).exit_code == 0);
  r = fx.run({"autoreserve", "--shell", "csh"}, in_dir(fx.work()));
  CHECK(r.exit_code == 6);
  CHECK(r.err == "Discovered config: " + fx.work() +
                     "/trop.yaml\nError: validation error for 'shell': unknown shell type 'csh': "
                     "supported shells are bash, zsh, fish, powershell\n");
  CHECK(fx.run({"autoreserve", "--format", "yaml"}, in_dir(fx.work())).exit_code == 2);
  CHECK(fx.run({"autoreserve", "trop.yaml"}, in_dir(fx.work())).exit_code == 2);
  // Incompatible shape: exit 6; --force replaces.
  write_file(fx.work() + "/trop.yaml", "reservations:\n  services:\n    solo: {offset: 0}\n");
  r = fx.run({"autoreserve"}, in_dir(fx.work()));
  CHECK(r.exit_code == 6);
  CHECK(
      contains(r.err, "is incompatible: requested service set does not match stored service set"));
  r = fx.run({"autoreserve", "--force", "--format", "dotenv"}, in_dir(fx.work()));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "SOLO=5000\n");
}

TEST_CASE("autoreserve: configuration errors are exit 7", "[quick][autoreserve]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", "reservations:\n  services:\n    \"a b\": {offset: 0}\n");
  process_result r = fx.run({"autoreserve"}, in_dir(fx.work()));
  CHECK(r.exit_code == 7);
  CHECK(r.out.empty());
  CHECK(contains(r.err, "environment_variable"));
  CHECK_FALSE(contains(r.err, "a b"));
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}
