// `trop reserve-group <CONFIG_PATH>` (SPEC B §12.4, §9.4, §13.2, §4.6 with
// A.2 #15, #27-#29, A.3): allocation, refresh, replacement, every output
// format, identifier safety, and concurrent requests.
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

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
using trop::test::write_file;
using namespace std::chrono_literals;

namespace {

// The README example (SPEC B §9.4): web is pinned to 8080, api and db take
// offsets 1 and 2 from base 5000.
const char* kReadmeGroup =
    "project: app\n"
    "reservations:\n"
    "  services:\n"
    "    web: {offset: 0, preferred: 8080}\n"
    "    api: {offset: 1}\n"
    "    db: {offset: 2}\n";

const char* kReadmeExport = "export API=5001\nexport DB=5002\nexport WEB=8080\n";

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

std::string store_bytes(const trop_fixture& fx) {
  return read_file(fx.data_dir() + "/trop.db") + read_file(fx.data_dir() + "/trop.db-wal");
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

run_options with_env(trop::test::env_changes env) {
  run_options o;
  o.env = std::move(env);
  return o;
}

// The shell detection variables removed, so the test's own shell does not leak in.
trop::test::env_changes no_shell_env() {
  return {{"ZSH_VERSION", std::nullopt},
          {"FISH_VERSION", std::nullopt},
          {"PSModulePath", std::nullopt},
          {"SHELL", std::nullopt}};
}

// A git repository skeleton at `dir` on `branch` (what git_inference reads).
void make_repo(const std::string& dir, const std::string& branch) {
  std::filesystem::create_directories(dir + "/.git/objects");
  std::filesystem::create_directories(dir + "/.git/refs/heads");
  write_file(dir + "/.git/HEAD", "ref: refs/heads/" + branch + "\n");
}

}  // namespace

TEST_CASE("reserve-group allocates the README example and prints export lines",
          "[quick][reserve-group]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kReadmeGroup);
  process_result r = fx.run({"reserve-group", "trop.yaml", "--shell", "bash"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == kReadmeExport);
  CHECK(r.err == "Reserved 3 ports.\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 3);
  CHECK(ports_by_tag(rs, fx.work()) ==
        std::map<std::string, std::uint16_t>{{"api", 5001}, {"db", 5002}, {"web", 8080}});
  for (const reservation& r2 : rs) {
    CHECK(r2.project == std::optional<std::string>("app"));
    CHECK_FALSE(r2.task.has_value());  // not a git repository: nothing inferred
    CHECK(r2.created_at == r2.last_used_at);
  }
  // --quiet: the same stdout, nothing on stderr.
  r = fx.run({"reserve-group", "trop.yaml", "--shell", "bash", "--quiet"});
  CHECK(r.out == kReadmeExport);
  CHECK(r.err.empty());
}

TEST_CASE("reserve-group output formats", "[quick][reserve-group]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kReadmeGroup);
  auto out = [&](std::vector<std::string> args, trop::test::env_changes env = {}) {
    args.insert(args.begin(), {"reserve-group", "trop.yaml"});
    trop::test::env_changes all = no_shell_env();
    all.insert(all.end(), env.begin(), env.end());
    process_result r = fx.run(args, with_env(all));
    INFO(r.err);
    CHECK(r.exit_code == 0);
    return r.out;
  };
  const std::string fish = "set -x API 5001\nset -x DB 5002\nset -x WEB 8080\n";
  const std::string powershell = "$env:API=\"5001\"\n$env:DB=\"5002\"\n$env:WEB=\"8080\"\n";

  SECTION("export with --shell, case-insensitive, with aliases") {
    CHECK(out({"--shell", "bash"}) == kReadmeExport);
    CHECK(out({"--shell", "sh"}) == kReadmeExport);
    CHECK(out({"--shell", "ZSH"}) == kReadmeExport);
    CHECK(out({"--shell", "fish"}) == fish);
    CHECK(out({"--shell", "powershell"}) == powershell);
    CHECK(out({"--shell", "pwsh"}) == powershell);
    CHECK(out({"--shell", "PS"}) == powershell);
    CHECK(out({"--format", "export", "--shell", "Fish"}) == fish);
  }
  SECTION("export detects the shell without --shell") {
    CHECK(out({}) == kReadmeExport);  // nothing set: bash
    CHECK(out({}, {{"ZSH_VERSION", "5.9"}, {"FISH_VERSION", "3"}}) == kReadmeExport);
    CHECK(out({}, {{"FISH_VERSION", ""}, {"PSModulePath", "x"}}) == fish);
    CHECK(out({}, {{"PSModulePath", "/opt"}, {"SHELL", "/bin/zsh"}}) == powershell);
    CHECK(out({}, {{"SHELL", "/usr/bin/zsh"}}) == kReadmeExport);
    CHECK(out({}, {{"SHELL", "/usr/local/bin/fish"}}) == fish);
    CHECK(out({}, {{"SHELL", "/usr/bin/pwsh"}}) == powershell);
    CHECK(out({}, {{"SHELL", "/bin/dash"}}) == kReadmeExport);
    // --shell wins over detection.
    CHECK(out({"--shell", "bash"}, {{"FISH_VERSION", "3"}}) == kReadmeExport);
  }
  SECTION("dotenv, json, human") {
    CHECK(out({"--format", "dotenv"}) == "API=5001\nDB=5002\nWEB=8080\n");
    CHECK(out({"--format", "json"}) ==
          "{\n  \"api\": 5001,\n  \"db\": 5002,\n  \"web\": 8080\n}\n");
    CHECK(out({"--format", "human"}) == "Reserved ports:\n  api: 5001\n  db: 5002\n  web: 8080\n");
    // --shell matters only for export: an unknown one is ignored elsewhere.
    CHECK(out({"--format", "json", "--shell", "tcsh"}) ==
          "{\n  \"api\": 5001,\n  \"db\": 5002,\n  \"web\": 8080\n}\n");
  }
}

TEST_CASE("reserve-group: an unknown --shell is exit 6, a bad --format exit 2",
          "[quick][reserve-group]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kReadmeGroup);
  process_result r = fx.run({"reserve-group", "trop.yaml", "--shell", "tcsh"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "Error: validation error for 'shell': unknown shell type 'tcsh': supported shells are "
        "bash, zsh, fish, powershell\n");
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
  for (const char* bad : {"JSON", "yaml", "Export", ""}) {
    r = fx.run({"reserve-group", "trop.yaml", "--format", bad});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(contains(r.err, "Usage:"));
  }
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("reserve-group is idempotent: a compatible group is refreshed",
          "[quick][reserve-group]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kReadmeGroup);
  fx.seed({});
  reservation api;
  api.key = {fx.work(), "api"};
  api.port = 6001;
  api.created_at = api.last_used_at = 1700000000;
  reservation db = api;
  db.key.tag = "db";
  db.port = 6002;
  reservation web = api;
  web.key.tag = "web";
  web.port = 8080;
  fx.seed({api, db, web});
  process_result r = fx.run({"reserve-group", "trop.yaml", "--format", "dotenv"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "API=6001\nDB=6002\nWEB=8080\n");  // stored ports kept (base 6000)
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 3);
  for (const reservation& x : rs) {
    CHECK(x.created_at == 1700000000);
    CHECK(x.last_used_at > 1700000000);
    // A project from trop.yaml is a default for new reservations only (A.2 #28).
    CHECK_FALSE(x.project.has_value());
  }
}

TEST_CASE("reserve-group: derived and explicit environment names", "[quick][reserve-group]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml",
             "reservations:\n  services:\n    my-web: {offset: 0}\n    \"  api  \": {offset: 1}\n"
             "    cache: {offset: 2, env: REDIS_PORT}\n    42: {offset: 3, env: _X42}\n");
  process_result r = fx.run({"reserve-group", "trop.yaml", "--format", "dotenv"});
  CHECK(r.exit_code == 0);
  // Names derive from the trimmed tag (A.2 #27); order is by trimmed tag.
  CHECK(r.out == "_X42=5003\nAPI=5001\nREDIS_PORT=5002\nMY_WEB=5000\n");
  std::vector<reservation> rs = fx.stored();
  CHECK(ports_by_tag(rs, fx.work()) ==
        std::map<std::string, std::uint16_t>{
            {"42", 5003}, {"api", 5001}, {"cache", 5002}, {"my-web", 5000}});
  r = fx.run({"reserve-group", "trop.yaml", "--format", "json"});
  CHECK(r.out ==
        "{\n  \"42\": 5003,\n  \"api\": 5001,\n  \"cache\": 5002,\n  \"my-web\": 5000\n}\n");
}

TEST_CASE("reserve-group rejects unsafe environment names before anything is printed or stored",
          "[quick][reserve-group]") {
  trop_fixture fx;
  const std::string long_name(256, 'A');
  const std::pair<std::string, std::string> cases[] = {
      {"    \"$(touch PWNED)\": {offset: 0}\n", "environment_variable"},
      {"    web: {offset: 0, env: \"X;touch PWNED\"}\n", "reservations.services.env"},
      {"    web: {offset: 0, env: \"1ABC\"}\n", "reservations.services.env"},
      {"    web: {offset: 0, env: " + long_name + "}\n", "reservations.services.env"},
      {"    web: {offset: 0, env: PORT_X}\n    api: {offset: 1, env: port_x}\n",
       "environment_variable"},
      {"    web: {offset: 0}\n    Web: {offset: 1}\n", "environment_variable"},
      {"    caf\xc3\xa9: {offset: 0}\n", "environment_variable"},
  };
  for (const auto& [services, field] : cases) {
    INFO(services);
    write_file(fx.work() + "/trop.yaml", "reservations:\n  services:\n" + services);
    for (const char* format : {"export", "dotenv", "json", "human"}) {
      process_result r = fx.run({"reserve-group", "trop.yaml", "--format", format});
      CHECK(r.exit_code == 7);
      CHECK(r.out.empty());
      CHECK(contains(r.err, "Error: Configuration error: validation error for '" + field));
      for (const char* secret :
           {"PWNED", "touch", "1ABC", "AAAAAAAA", "PORT_X", "port_x", "Web", "caf"}) {
        CHECK_FALSE(contains(r.err, secret));
      }
    }
  }
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
  CHECK_FALSE(std::filesystem::exists(fx.work() + "/PWNED"));
}

TEST_CASE("reserve-group: export and dotenv output are safe to evaluate with hostile tags",
          "[quick][reserve-group]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml",
             "reservations:\n  services:\n"
             "    \"$(touch PWNED1)\": {offset: 0, env: SAFE_A}\n"
             "    \"`touch PWNED2`\": {offset: 1, env: SAFE_B}\n"
             "    \"x\\ny; touch PWNED3\": {offset: 2, env: SAFE_C}\n"
             "    \"it's \\\"quoted\\\"\": {offset: 3, env: SAFE_D}\n"
             "    \"${HOME}|&&>out\": {offset: 4, env: safe_e}\n");
  // Which shell variables change when the output is evaluated (dynamic ones
  // such as RANDOM or BASH_* left out); prints diff lines "> ..." / "< ...".
  const std::string script =
      "snap() { declare -p | grep -v -E '^declare -[-a-zA-Z]* "
      "(_|RANDOM|SRANDOM|SECONDS|LINENO|EPOCHSECONDS|EPOCHREALTIME|BASH_[A-Z_]*|BASHPID|"
      "PIPESTATUS|FUNCNAME|before|after)=' | sort; }\n"
      "before=$(snap)\n"
      "if [ \"$2\" = dotenv ]; then set -a; . \"$1\"; set +a; else eval \"$(cat \"$1\")\"; fi\n"
      "after=$(snap)\n"
      "diff <(printf '%s\\n' \"$before\") <(printf '%s\\n' \"$after\") | grep '^[<>]'\n"
      "exit 0\n";
  const std::string expected =
      "> declare -x SAFE_A=\"5000\"\n"
      "> declare -x SAFE_B=\"5001\"\n"
      "> declare -x SAFE_C=\"5002\"\n"
      "> declare -x SAFE_D=\"5003\"\n"
      "> declare -x safe_e=\"5004\"\n";
  auto changed = [&](const std::string& file, const std::string& mode) {
    process_options p;
    p.argv = {"bash", "-c", script, "bash", file, mode};
    p.cwd = fx.work();
    process_result r = trop::test::run_process(p);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < r.out.size()) {
      std::size_t nl = r.out.find('\n', pos);
      lines.push_back(r.out.substr(pos, nl - pos + 1));
      pos = nl + 1;
    }
    std::sort(lines.begin(), lines.end());
    std::string joined;
    for (const std::string& l : lines) {
      joined += l;
    }
    return joined;
  };

  process_result r = fx.run({"reserve-group", "trop.yaml", "--shell", "bash"});
  REQUIRE(r.exit_code == 0);
  write_file(fx.work() + "/out.sh", r.out);
  CHECK(changed(fx.work() + "/out.sh", "eval") == expected);

  r = fx.run({"reserve-group", "trop.yaml", "--format", "dotenv"});
  REQUIRE(r.exit_code == 0);
  write_file(fx.work() + "/out.env", r.out);
  CHECK(changed(fx.work() + "/out.env", "dotenv") == expected);

  for (const char* f : {"PWNED1", "PWNED2", "PWNED3", "out"}) {
    CHECK_FALSE(std::filesystem::exists(fx.work() + "/" + f));
  }
  // The JSON and human formats escape the tags.
  r = fx.run({"reserve-group", "trop.yaml", "--format", "json"});
  CHECK(contains(r.out, "  \"x\\ny; touch PWNED3\": 5002\n"));
  CHECK(contains(r.out, "  \"it's \\\"quoted\\\"\": 5003,\n"));
  r = fx.run({"reserve-group", "trop.yaml", "--format", "human"});
  CHECK(contains(r.out, "  x\\ny; touch PWNED3: 5002\n"));
}

TEST_CASE("reserve-group: the file must exist and be a regular file (exit 4)",
          "[quick][reserve-group]") {
  trop_fixture fx;
  process_result r = fx.run({"reserve-group", "nope.yaml"});
  CHECK(r.exit_code == 4);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Invalid arguments: Configuration file not found: nope.yaml\n");
  fx.make_dir("work/dir.yaml");
  r = fx.run({"reserve-group", "dir.yaml"});
  CHECK(r.exit_code == 4);
  CHECK(r.err == "Error: Invalid arguments: Path is not a file: dir.yaml\n");
  // Before the configuration: a broken trop.yaml is not even read.
  write_file(fx.work() + "/trop.yaml", "ports: [\n");
  CHECK(fx.run({"reserve-group", "nope.yaml"}).exit_code == 4);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"reserve-group"}, {"reserve-group", ""}}) {
    r = fx.run(args);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "Usage:"));
  }
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("reserve-group: configuration errors are exit 7", "[quick][reserve-group]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kReadmeGroup);
  SECTION("a broken file") {
    write_file(fx.work() + "/trop.yaml", "reservations:\n  services:\n    web: {offset: x}\n");
    process_result r = fx.run({"reserve-group", "trop.yaml"});
    CHECK(r.exit_code == 7);
    CHECK(r.out.empty());
  }
  SECTION("an empty TROP_TASK or --task") {
    CHECK(fx.run({"reserve-group", "trop.yaml"}, with_env({{"TROP_TASK", "  "}})).exit_code == 7);
    CHECK(fx.run({"reserve-group", "trop.yaml", "--task", ""}).exit_code == 7);
    CHECK(fx.run({"reserve-group", "trop.yaml"}, with_env({{"TROP_PROJECT", ""}})).exit_code == 7);
  }
  SECTION("a broken trop.local.yaml sibling") {
    write_file(fx.work() + "/trop.local.yaml", "bogus: 1\n");
    CHECK(fx.run({"reserve-group", "trop.yaml"}).exit_code == 7);
  }
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("reserve-group: no effective group is exit 6", "[quick][reserve-group]") {
  trop_fixture fx;
  const std::string msg =
      "Error: validation error for 'reservations': Effective configuration does not contain a "
      "reservation group\n";
  SECTION("none defined") {
    write_file(fx.work() + "/trop.yaml", "project: app\n");
    process_result r = fx.run({"reserve-group", "trop.yaml"});
    CHECK(r.exit_code == 6);
    CHECK(r.out.empty());
    CHECK(r.err == msg);
  }
  SECTION("cleared by trop.local.yaml with reservations: null") {
    write_file(fx.work() + "/trop.yaml", kReadmeGroup);
    write_file(fx.work() + "/trop.local.yaml", "reservations: null\n");
    process_result r = fx.run({"reserve-group", "trop.yaml"});
    CHECK(r.exit_code == 6);
    CHECK(r.err == msg);
    // Naming the local file brings trop.yaml too: still cleared.
    CHECK(fx.run({"reserve-group", "trop.local.yaml"}).err == msg);
  }
  SECTION("an empty services mapping") {
    write_file(fx.work() + "/trop.yaml", "reservations:\n  services: {}\n");
    process_result r = fx.run({"reserve-group", "trop.yaml"});
    CHECK(r.exit_code == 6);
    CHECK(r.err ==
          "Error: validation error for 'reservations.services': Reservation group must contain "
          "at least one service\n");
  }
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("reserve-group: trop.local.yaml replaces the group of trop.yaml",
          "[quick][reserve-group]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kReadmeGroup);
  write_file(fx.work() + "/trop.local.yaml",
             "reservations:\n  services:\n    only: {offset: 0, env: ONLY_PORT}\n");
  process_result r = fx.run({"reserve-group", "trop.yaml", "--format", "dotenv"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "ONLY_PORT=5000\n");
  CHECK(r.err == "Reserved 1 ports.\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].key.path == fx.work());
  CHECK(rs[0].key.tag == std::optional<std::string>("only"));
  CHECK(rs[0].project == std::optional<std::string>("app"));  // project still from trop.yaml
}

TEST_CASE("reserve-group: any file name is loaded alone; its directory is the group",
          "[quick][reserve-group]") {
  trop_fixture fx;
  std::string dir = fx.make_dir("work/svc");
  write_file(dir + "/services.yaml",
             "reservations:\n  base: 6100\n  services:\n    a: {offset: 0}\n    b: {offset: 5}\n");
  write_file(dir + "/trop.local.yaml", "reservations: null\n");  // not a sibling of services.yaml
  process_result r = fx.run({"reserve-group", "svc/services.yaml", "--format", "dotenv"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "A=6100\nB=6105\n");
  CHECK(ports_by_tag(fx.stored(), dir) ==
        std::map<std::string, std::uint16_t>{{"a", 6100}, {"b", 6105}});
}

TEST_CASE("reserve-group: the group directory is canonical", "[quick][reserve-group]") {
  trop_fixture fx;
  std::string real = fx.make_dir("work/real");
  std::filesystem::create_directory_symlink(real, fx.work() + "/link");
  write_file(real + "/trop.yaml", kReadmeGroup);
  CHECK(fx.run({"reserve-group", "link/trop.yaml"}).exit_code == 0);
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 3);
  CHECK(rs[0].key.path == real);
  // The same group through either spelling.
  CHECK(fx.run({"reserve-group", "real/trop.yaml", "--format", "dotenv"}).out ==
        "API=5001\nDB=5002\nWEB=8080\n");
  CHECK(fx.stored().size() == 3);
}

TEST_CASE("reserve-group: base must lie in the port range; the scan starts at base",
          "[quick][reserve-group]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml",
             "ports: {min: 6000, max: 6100}\nreservations:\n  base: 6050\n  services:\n"
             "    a: {offset: 0}\n    b: {offset: 1}\n");
  process_result r = fx.run({"reserve-group", "trop.yaml", "--format", "dotenv"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "A=6050\nB=6051\n");
  write_file(fx.work() + "/g2.yaml",
             "ports: {min: 6000, max_offset: 100}\nreservations:\n  base: 6101\n  services:\n"
             "    a: {offset: 0}\n");
  r = fx.run({"reserve-group", "g2.yaml"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "Error: validation error for 'reservations.base': Base port 6101 must be within port "
        "range 6000..6100\n");
  r = fx.run({"reserve-group", "g2.yaml"},
             with_env({{"TROP_PORT_MIN", "6102"}, {"TROP_PORT_MAX", "6200"}}));
  CHECK(r.err ==
        "Error: validation error for 'reservations.base': Base port 6101 must be within port "
        "range 6102..6200\n");
  CHECK(fx.stored().size() == 2);
}

TEST_CASE("reserve-group: exclusions and reserved ports move the base; exhaustion is exit 6",
          "[quick][reserve-group]") {
  trop_fixture fx;
  reservation other;
  other.key = {"/elsewhere", std::nullopt};
  other.port = 5001;
  other.created_at = other.last_used_at = 1700000000;
  fx.seed({other});
  write_file(fx.work() + "/trop.yaml",
             "excluded_ports: [5003]\nreservations:\n  services:\n    a: {offset: 0}\n"
             "    b: {offset: 2}\n");
  // Base 5000: a=5000 and b=5002 are free (5001, another key's, is not needed).
  process_result r = fx.run({"reserve-group", "trop.yaml", "--format", "dotenv"});
  CHECK(r.out == "A=5000\nB=5002\n");
  // A second group: 5001 reserved, 5003 excluded -> base 5004 (5004, 5006).
  std::string g2 = fx.make_dir("work/g2");
  write_file(g2 + "/trop.yaml",
             "excluded_ports: [5003]\nreservations:\n  services:\n    a: {offset: 0}\n"
             "    b: {offset: 2}\n");
  r = fx.run({"reserve-group", "g2/trop.yaml", "--format", "dotenv"});
  CHECK(r.out == "A=5004\nB=5006\n");
  // A range too small for the pattern.
  std::string g3 = fx.make_dir("work/g3");
  write_file(g3 + "/trop.yaml",
             "ports: {min: 5000, max: 5008}\nreservations:\n  services:\n    a: {offset: 0}\n"
             "    b: {offset: 2}\n    c: {offset: 8, preferred: 5001}\n");
  const std::string before = store_bytes(fx);
  r = fx.run({"reserve-group", "g3/trop.yaml"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "Error: group allocation failed after attempting 3 service(s): No scanned base can "
        "satisfy the complete offset fallback pattern\n");
  CHECK(store_bytes(fx) == before);
}

TEST_CASE("reserve-group: an occupied port moves the base unless probing is skipped",
          "[quick][reserve-group]") {
  trop_fixture fx;
  trop::testing::bound_socket held(trop::probe_protocol::tcp, trop::probe_family::ipv4, "127.0.0.1",
                                   0, true);
  const int p = held.port();
  if (p > 65000) {
    return;  // no room above it for the range; the kernel rarely hands these out
  }
  write_file(fx.work() + "/trop.yaml", "ports: {min: " + std::to_string(p) +
                                           ", max: " + std::to_string(p + 20) +
                                           "}\nreservations:\n  services:\n    a: {offset: 0}\n");
  process_result r = fx.run({"reserve-group", "trop.yaml", "--format", "dotenv", "--dry-run"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, "  a: " + std::to_string(p + 1) + "\n"));
  r = fx.run({"reserve-group", "trop.yaml", "--format", "dotenv", "--skip-occupancy-check"});
  CHECK(r.out == "A=" + std::to_string(p) + "\n");
}

TEST_CASE("reserve-group: each occupancy flag turns off only its own probes",
          "[quick][reserve-group]") {
  trop_fixture fx;
  trop::testing::bound_socket held(trop::probe_protocol::tcp, trop::probe_family::ipv4, "127.0.0.1",
                                   0, true);
  const int p = held.port();
  if (p > 65000) {
    return;
  }
  write_file(fx.work() + "/trop.yaml", "ports: {min: " + std::to_string(p) +
                                           ", max: " + std::to_string(p + 20) +
                                           "}\nreservations:\n  services:\n    a: {offset: 0}\n");
  auto planned = [&](std::vector<std::string> flags, trop::test::env_changes env = {}) {
    std::vector<std::string> args = {"reserve-group", "trop.yaml", "--dry-run"};
    args.insert(args.end(), flags.begin(), flags.end());
    process_result r = fx.run(args, with_env(env));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::size_t at = r.err.rfind("  a: ");
    REQUIRE(at != std::string::npos);
    return std::stoi(r.err.substr(at + 5)) - p;  // 0: the held port was taken, 1: skipped
  };
  CHECK(planned({}) == 1);
  CHECK(planned({"--skip-occupancy-check"}) == 0);
  CHECK(planned({"--skip-tcp"}) == 0);
  CHECK(planned({"--skip-ipv4"}) == 0);
  CHECK(planned({"--skip-udp"}) == 1);
  CHECK(planned({"--skip-ipv6"}) == 1);
  CHECK(planned({"--check-all-interfaces"}) == 1);
  CHECK(planned({}, {{"TROP_SKIP_OCCUPANCY_CHECK", "true"}}) == 0);
  CHECK(planned({}, {{"TROP_SKIP_TCP", "1"}}) == 0);
}

TEST_CASE("reserve-group: the path guard (exit 1) and its bypasses", "[quick][reserve-group]") {
  trop_fixture fx;
  std::string elsewhere = fx.make_dir("elsewhere");
  write_file(elsewhere + "/trop.yaml", kReadmeGroup);
  process_result r = fx.run({"reserve-group", elsewhere + "/trop.yaml"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: path relationship violation: " + elsewhere + " and " + fx.work() +
                     " are unrelated paths\n");
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
  CHECK(fx.run({"reserve-group", elsewhere + "/trop.yaml", "--allow-unrelated-path"}).exit_code ==
        0);
  CHECK(fx.run({"reserve-group", elsewhere + "/trop.yaml", "--force"}).exit_code == 0);
  CHECK(fx.run({"reserve-group", elsewhere + "/trop.yaml"},
               with_env({{"TROP_ALLOW_UNRELATED_PATH", "true"}}))
            .exit_code == 0);
  // The ancestor of the cwd is related.
  write_file(fx.root() + "/trop.yaml", kReadmeGroup);
  process_result up = fx.run({"reserve-group", "../trop.yaml", "--format", "dotenv"});
  CHECK(up.exit_code == 0);
  CHECK(ports_by_tag(fx.stored(), elsewhere).size() == 3);
}

TEST_CASE("reserve-group: an incompatible stored group is exit 6; --force replaces it",
          "[quick][reserve-group]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kReadmeGroup);
  REQUIRE(fx.run({"reserve-group", "trop.yaml"}).exit_code == 0);
  write_file(fx.work() + "/trop.yaml",
             "project: app\nreservations:\n  services:\n    web: {offset: 0}\n"
             "    worker: {offset: 1}\n");
  const std::string before = store_bytes(fx);
  process_result r = fx.run({"reserve-group", "trop.yaml"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: reservation conflict: existing group at " + fx.work() +
                     " is incompatible: requested service set does not match stored service "
                     "set\n");
  CHECK(store_bytes(fx) == before);

  r = fx.run({"reserve-group", "trop.yaml", "--force", "--format", "dotenv"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "WEB=5000\nWORKER=5001\n");
  std::vector<reservation> rs = fx.stored();
  CHECK(ports_by_tag(rs, fx.work()) ==
        std::map<std::string, std::uint16_t>{{"web", 5000}, {"worker", 5001}});
  for (const reservation& x : rs) {
    CHECK(x.project == std::optional<std::string>("app"));  // stored rows agreed
  }
}

TEST_CASE("reserve-group: changed offsets are incompatible too", "[quick][reserve-group]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml",
             "reservations:\n  base: 5010\n  services:\n    a: {offset: 0}\n    b: {offset: 1}\n");
  REQUIRE(fx.run({"reserve-group", "trop.yaml", "--format", "dotenv"}).out == "A=5010\nB=5011\n");
  write_file(fx.work() + "/trop.yaml",
             "reservations:\n  services:\n    a: {offset: 0}\n    b: {offset: 2}\n");
  process_result r = fx.run({"reserve-group", "trop.yaml"});
  CHECK(r.exit_code == 6);
  CHECK(r.err == "Error: reservation conflict: existing group at " + fx.work() +
                     " is incompatible: stored offset mappings imply different bases (5010 and "
                     "5009)\n");
  // A narrower range puts the stored mapping outside it.
  write_file(fx.work() + "/trop.yaml",
             "ports: {min: 6000}\nreservations:\n  services:\n    a: {offset: 0}\n"
             "    b: {offset: 1}\n");
  r = fx.run({"reserve-group", "trop.yaml"});
  CHECK(r.exit_code == 6);
  CHECK(contains(r.err,
                 "is incompatible: a stored service mapping is outside the current scan "
                 "range\n"));
  // A pinned port that no longer matches its preferred and cannot be an offset.
  write_file(fx.work() + "/trop.yaml",
             "reservations:\n  services:\n    a: {offset: 5011}\n    b: {offset: 1}\n");
  r = fx.run({"reserve-group", "trop.yaml"});
  CHECK(r.exit_code == 6);
  CHECK(
      contains(r.err, "is incompatible: stored port 5010 cannot satisfy requested offset 5011\n"));
  CHECK(fx.run({"reserve-group", "trop.yaml", "--force", "--format", "dotenv"}).exit_code == 6);
  write_file(fx.work() + "/trop.yaml",
             "ports: {min: 6000}\nreservations:\n  services:\n    a: {offset: 0}\n"
             "    b: {offset: 1}\n");
  CHECK(fx.run({"reserve-group", "trop.yaml", "--force", "--format", "dotenv"}).out ==
        "A=6000\nB=6001\n");
}

TEST_CASE("reserve-group: project and task are sticky when given explicitly",
          "[quick][reserve-group]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kReadmeGroup);
  REQUIRE(fx.run({"reserve-group", "trop.yaml", "--task", "t1"}).exit_code == 0);
  for (const reservation& x : fx.stored()) {
    CHECK(x.task == std::optional<std::string>("t1"));
  }
  const std::string before = store_bytes(fx);
  process_result r = fx.run({"reserve-group", "trop.yaml", "--task", "t2"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "Error: cannot change sticky field 'task': Cannot change group task from \"t1\" "
        "to \"t2\" without --force or --allow-task-change (group at " +
            fx.work() + ")\n");
  r = fx.run({"reserve-group", "trop.yaml"}, with_env({{"TROP_TASK", "t3"}}));
  CHECK(r.exit_code == 1);
  r = fx.run({"reserve-group", "trop.yaml"}, with_env({{"TROP_PROJECT", "other"}}));
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "Cannot change group project from \"app\" to \"other\""));
  CHECK(store_bytes(fx) == before);

  // Omitted: the stored task is kept.
  CHECK(fx.run({"reserve-group", "trop.yaml"}).exit_code == 0);
  CHECK(fx.stored()[0].task == std::optional<std::string>("t1"));
  // Permissions authorize their own field only.
  CHECK(
      fx.run({"reserve-group", "trop.yaml", "--task", "t2", "--allow-project-change"}).exit_code ==
      1);
  CHECK(fx.run({"reserve-group", "trop.yaml", "--task", "t2", "--allow-task-change"}).exit_code ==
        0);
  CHECK(fx.run({"reserve-group", "trop.yaml", "--task", "t3", "--allow-change"}).exit_code == 0);
  CHECK(fx.run({"reserve-group", "trop.yaml", "--task", "t4", "--force"}).exit_code == 0);
  CHECK(fx.run({"reserve-group", "trop.yaml", "--allow-project-change"},
               with_env({{"TROP_PROJECT", "p1"}}))
            .exit_code == 0);
  CHECK(fx.run({"reserve-group", "trop.yaml"},
               with_env({{"TROP_PROJECT", "p2"}, {"TROP_ALLOW_PROJECT_CHANGE", "1"}}))
            .exit_code == 0);
  for (const reservation& x : fx.stored()) {
    CHECK(x.task == std::optional<std::string>("t4"));
    CHECK(x.project == std::optional<std::string>("p2"));
  }
  // A project: added to (or changed in) trop.yaml later never breaks a refresh (A.2 #28).
  write_file(fx.work() + "/trop.yaml",
             std::string("project: renamed\n") + (std::string(kReadmeGroup).substr(13)));
  CHECK(fx.run({"reserve-group", "trop.yaml"}).exit_code == 0);
  CHECK(fx.stored()[0].project == std::optional<std::string>("p2"));
}

TEST_CASE("reserve-group: new groups get git inference of project and task (A.2 #29)",
          "[quick][reserve-group]") {
  trop_fixture fx;
  std::string repo = fx.make_dir("work/myrepo");
  make_repo(repo, "feature/x");
  write_file(repo + "/trop.yaml", "reservations:\n  services:\n    web: {offset: 0}\n");
  REQUIRE(fx.run({"reserve-group", "myrepo/trop.yaml"}).exit_code == 0);
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].project == std::optional<std::string>("myrepo"));
  CHECK(rs[0].task == std::optional<std::string>("feature/x"));
  // Explicit values win over inference; a file project is used for new groups.
  std::string repo2 = fx.make_dir("work/other");
  make_repo(repo2, "main");
  write_file(repo2 + "/trop.yaml",
             "project: fromfile\nreservations:\n  services:\n    web: {offset: 0}\n");
  REQUIRE(fx.run({"reserve-group", "other/trop.yaml", "--task", "mine"}).exit_code == 0);
  std::vector<reservation> all = fx.stored();
  auto it = std::find_if(all.begin(), all.end(),
                         [&](const reservation& x) { return x.key.path == repo2; });
  REQUIRE(it != all.end());
  CHECK(it->project == std::optional<std::string>("fromfile"));
  CHECK(it->task == std::optional<std::string>("mine"));
}

TEST_CASE("reserve-group --dry-run plans for real and changes nothing", "[quick][reserve-group]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kReadmeGroup);
  SECTION("a new group, no store: nothing is created") {
    process_result r = fx.run({"reserve-group", "trop.yaml", "--dry-run"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK(r.err == "Dry run - would reserve a new group of 3 service(s) at " + fx.work() +
                       " from trop.yaml:\n  api: 5001\n  db: 5002\n  web: 8080\n");
    CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
  }
  SECTION("a refresh, a replacement, a refused shape") {
    REQUIRE(fx.run({"reserve-group", "trop.yaml"}).exit_code == 0);
    const std::string before = store_bytes(fx);
    process_result r = fx.run({"reserve-group", "trop.yaml", "--dry-run"});
    CHECK(r.err == "Dry run - would refresh the existing group (ports kept) of 3 service(s) at " +
                       fx.work() + " from trop.yaml:\n  api: 5001\n  db: 5002\n  web: 8080\n");
    write_file(fx.work() + "/g.yaml", "reservations:\n  services:\n    solo: {offset: 0}\n");
    r = fx.run({"reserve-group", "g.yaml", "--dry-run"});
    CHECK(r.exit_code == 6);
    CHECK(contains(r.err, "is incompatible"));
    r = fx.run({"reserve-group", "g.yaml", "--dry-run", "--force"});
    CHECK(r.exit_code == 0);
    CHECK(r.err == "Dry run - would replace the incompatible group of 1 service(s) at " +
                       fx.work() + " from g.yaml:\n  solo: 5000\n");
    // Sticky failures exit as a real run would (no stored task -> "x" is a change).
    r = fx.run({"reserve-group", "trop.yaml", "--dry-run", "--task", "x"});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err,
                   "Error: cannot change sticky field 'task': Cannot change group task "
                   "from - to \"x\""));
    CHECK(store_bytes(fx) == before);
  }
  SECTION("without the lock") {
    fx.seed({});
    process_options holder_opts;
    holder_opts.argv = {TROP_LOCK_HOLDER, fx.data_dir(), "60"};
    holder_opts.timeout = 120s;
    child_process holder(holder_opts);
    REQUIRE(holder.read_stdout_line(30s) == std::optional<std::string>("locked"));
    process_result r = fx.run({"reserve-group", "trop.yaml", "--dry-run", "--busy-timeout", "0"});
    CHECK(r.exit_code == 0);
    r = fx.run({"reserve-group", "trop.yaml", "--busy-timeout", "0"});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "Error: database lock timeout while starting a write transaction after 0s\n");
    holder.kill(SIGKILL);
    holder.wait();
    CHECK(fx.stored().empty());
  }
}

TEST_CASE("reserve-group with autoinit disabled and no store exits 3", "[quick][reserve-group]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kReadmeGroup);
  process_result r = fx.run({"reserve-group", "trop.yaml", "--disable-autoinit"});
  CHECK(r.exit_code == 3);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Data directory not found (use --data-dir or enable auto-init)\n");
  CHECK(fx.run({"reserve-group", "trop.yaml", "--disable-autoinit", "--dry-run"}).exit_code == 3);
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("concurrent identical group requests converge on one mapping",
          "[torture][reserve-group]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kReadmeGroup);
  constexpr int kProcs = 12;
  std::vector<std::unique_ptr<child_process>> children;
  for (int i = 0; i < kProcs; ++i) {
    process_options p =
        fx.options({"reserve-group", "trop.yaml", "--shell", "bash", "--busy-timeout", "120"});
    children.push_back(std::make_unique<child_process>(p));
  }
  std::set<std::string> outputs;
  for (auto& c : children) {
    process_result r = c->wait();
    INFO(r.err);
    CHECK(r.exit_code == 0);
    outputs.insert(r.out);
  }
  CHECK(outputs == std::set<std::string>{kReadmeExport});
  std::vector<reservation> rs = fx.stored();
  CHECK(rs.size() == 3);
}

TEST_CASE("concurrent distinct groups get disjoint ports", "[torture][reserve-group]") {
  trop_fixture fx;
  constexpr int kGroups = 12;
  std::vector<std::unique_ptr<child_process>> children;
  for (int i = 0; i < kGroups; ++i) {
    std::string dir = fx.make_dir(std::string("work/g") + std::to_string(i));
    write_file(dir + "/trop.yaml",
               "reservations:\n  services:\n    a: {offset: 0}\n    b: {offset: 1}\n"
               "    c: {offset: 3}\n");
    for (int k = 0; k < 2; ++k) {  // two identical requests per group
      process_options p = fx.options(
          {"reserve-group", dir + "/trop.yaml", "--format", "json", "--busy-timeout", "120"});
      children.push_back(std::make_unique<child_process>(p));
    }
  }
  std::vector<process_result> results;
  for (auto& c : children) {
    results.push_back(c->wait());
    INFO(results.back().err);
    CHECK(results.back().exit_code == 0);
  }
  for (int i = 0; i < kGroups; ++i) {
    CHECK(results[2 * i].out == results[2 * i + 1].out);
  }
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == kGroups * 3);
  std::set<std::uint16_t> ports;
  for (const reservation& r : rs) {
    ports.insert(r.port);
  }
  CHECK(ports.size() == rs.size());
  // Each group kept its offset pattern.
  for (int i = 0; i < kGroups; ++i) {
    auto m = ports_by_tag(rs, fx.work() + std::string("/g") + std::to_string(i));
    REQUIRE(m.size() == 3);
    CHECK(m["b"] == m["a"] + 1);
    CHECK(m["c"] == m["a"] + 3);
  }
}
