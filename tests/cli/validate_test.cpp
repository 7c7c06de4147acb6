// `trop validate <CONFIG_PATH>` (SPEC B §12.16): every problem of one file,
// each with its field and line; no store, no configuration resolved.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "trop_fixture.h"

using trop::test::process_result;
using trop::test::run_options;
using trop::test::trop_fixture;
using trop::test::write_file;

TEST_CASE("validate accepts a valid file", "[quick][validate]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml",
             "# comment\nproject: app\nports:\n  min: 6000\n  max_offset: 100\nexcluded_ports:\n"
             "  - 6001\n  - \"6010..6020\"\nreservations:\n  base: 6000\n  services:\n"
             "    web: {offset: 0}\n    api: {offset: 1, env: API_PORT}\n");
  process_result r = fx.run({"validate", "trop.yaml"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Configuration is valid\n");
  CHECK(r.err.empty());
  write_file(fx.work() + "/empty.yaml", "# nothing\n");
  CHECK(fx.run({"validate", "empty.yaml"}).out == "Configuration is valid\n");
  // Nothing else is touched: no data directory appears.
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("validate lists every syntax problem with its line", "[quick][validate]") {
  trop_fixture fx;
  write_file(fx.work() + "/bad.yaml", "ports:\n  min: \"5000\"\n  bogus: 1\nfoo: 2\n");
  process_result r = fx.run({"validate", "bad.yaml"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "Parse error in bad.yaml: ports.min: invalid type: a quoted string, expected an integer "
        "from 0 to 65535 at line 2 column 8\n"
        "Parse error in bad.yaml: ports: unknown field `bogus`, expected one of `min`, `max`, "
        "`max_offset` at line 3 column 3\n"
        "Parse error in bad.yaml: unknown field `foo`, expected one of `project`, `ports`, "
        "`excluded_ports`, `cleanup`, `occupancy_check`, `reservations`, `disable_autoinit`, "
        "`disable_autoprune`, `disable_autoexpire`, `allow_unrelated_path`, "
        "`allow_change_project`, `allow_change_task`, `allow_change`, "
        "`maximum_lock_wait_seconds`, `output_format`, `durability` at line 4 column 1\n"
        "Error: Configuration file is invalid\n");
  write_file(fx.work() + "/broken.yaml", "ports: [\n");
  r = fx.run({"validate", "broken.yaml"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.rfind("Parse error in broken.yaml: ", 0) == 0);
  CHECK(r.err.find(" at line ") != std::string::npos);
  CHECK(r.err.substr(r.err.find('\n') + 1) == "Error: Configuration file is invalid\n");
}

TEST_CASE("validate lists every value problem with field and line", "[quick][validate]") {
  trop_fixture fx;
  write_file(fx.work() + "/v.yaml",
             "ports:\n  min: 0\ncleanup:\n  expire_after_days: 0\nproject: \"  \"\n");
  process_result r = fx.run({"validate", "v.yaml"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "Validation error: validation error for 'ports.min (v.yaml)': Must be between 1 and "
        "65535 at line 2 column 3\n"
        "Validation error: validation error for 'cleanup.expire_after_days (v.yaml)': Must be > "
        "0 at line 4 column 3\n"
        "Validation error: validation error for 'project (v.yaml)': Cannot be empty or only "
        "whitespace at line 5 column 1\n"
        "Error: Configuration validation failed\n");
}

TEST_CASE("validate: syntax and value problems together count as an invalid file",
          "[quick][validate]") {
  trop_fixture fx;
  write_file(fx.work() + "/mixed.yaml", "ports:\n  min: 0\n  max: 70000\n");
  process_result r = fx.run({"validate", "mixed.yaml"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("Validation error: validation error for 'ports.min (mixed.yaml)'") !=
        std::string::npos);
  CHECK(r.err.find("Parse error in mixed.yaml: ports.max: ") != std::string::npos);
  CHECK(r.err.find("at line 3 column 8\n") != std::string::npos);
  CHECK(r.err.substr(r.err.size() - 37) == "Error: Configuration file is invalid\n");
}

TEST_CASE("validate checks config.yaml as a user file, any other name as a project file",
          "[quick][validate]") {
  trop_fixture fx;
  const std::string text = "project: app\nreservations:\n  services:\n    web: {}\n";
  fx.make_dir("u");
  write_file(fx.root() + "/u/config.yaml", text);
  write_file(fx.root() + "/u/trop.yaml", text);
  write_file(fx.root() + "/u/config.yml", text);
  process_result r = fx.run({"validate", fx.root() + "/u/config.yaml"});
  CHECK(r.exit_code == 1);
  const std::string f = fx.root() + "/u/config.yaml";
  CHECK(r.err == "Validation error: validation error for 'project (" + f +
                     ")': project is only valid in trop.yaml/trop.local.yaml, not user "
                     "config.yaml at line 1 column 1\n"
                     "Validation error: validation error for 'reservations (" +
                     f +
                     ")': reservations is only valid in trop.yaml/trop.local.yaml, not user "
                     "config.yaml at line 2 column 1\n"
                     "Error: Configuration validation failed\n");
  CHECK(fx.run({"validate", fx.root() + "/u/trop.yaml"}).exit_code == 0);
  CHECK(fx.run({"validate", fx.root() + "/u/config.yml"}).exit_code == 0);
}

TEST_CASE("validate never echoes a group tag or env text", "[quick][validate]") {
  trop_fixture fx;
  write_file(fx.work() + "/g.yaml",
             "reservations:\n  services:\n    \"$(touch pwned)\":\n      env: \"1`id`\"\n"
             "    \"b\\nc;x\": {offset: 1}\n    \"B-C;X\": {offset: 2, env: SAFE}\n"
             "    safe: {offset: 3, env: safe}\n");
  process_result r = fx.run({"validate", "g.yaml"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  for (const char* secret : {"touch", "pwned", "`id`", "1`", "b\\nc", ";x", "SAFE", "safe:"}) {
    INFO(secret);
    CHECK(r.err.find(secret) == std::string::npos);
  }
  CHECK(r.err.find("reservations.services.env (g.yaml)") != std::string::npos);
  CHECK(r.err.find("environment_variable (g.yaml)") != std::string::npos);
  CHECK(r.err.find("at line 3 column 5") != std::string::npos);
  CHECK(r.err.substr(r.err.size() - 39) == "Error: Configuration validation failed\n");
}

TEST_CASE("validate: a missing file is exit 4, an unreadable one exit 5", "[quick][validate]") {
  trop_fixture fx;
  process_result r = fx.run({"validate", "nope.yaml"});
  CHECK(r.exit_code == 4);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Invalid arguments: File not found: nope.yaml\n");

  fx.make_dir("work/dir.yaml");
  r = fx.run({"validate", "dir.yaml"});
  CHECK(r.exit_code == 5);
  CHECK(r.err == "Error: I/O error: cannot read dir.yaml: Is a directory (os error 21)\n");
}

TEST_CASE("validate: a file the user may not read is exit 5", "[quick][validate]") {
  trop_fixture fx;
  if (::geteuid() != 0) {
    // Not root: a plain mode change is enough.
    write_file(fx.work() + "/secret.yaml", "ports: {min: 6000}\n");
    ::chmod((fx.work() + "/secret.yaml").c_str(), 0);
    process_result r = fx.run({"validate", "secret.yaml"});
    CHECK(r.exit_code == 5);
    return;
  }
  // Root reads everything: drop to nobody, who may traverse the tree but not read the file.
  ::chmod(fx.root().c_str(), 0755);
  ::chmod(fx.work().c_str(), 0755);
  write_file(fx.work() + "/secret.yaml", "ports: {min: 6000}\n");
  ::chmod((fx.work() + "/secret.yaml").c_str(), 0600);
  trop::test::process_options p = fx.options({"validate", "secret.yaml"});
  p.argv.insert(p.argv.begin(), {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"});
  process_result r = trop::test::run_process(p);
  CHECK(r.exit_code == 5);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: I/O error: cannot read secret.yaml: Permission denied (os error 13)\n");
}

TEST_CASE("validate resolves no configuration: broken files and variables around it are ignored",
          "[quick][validate]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", "ports: [\n");
  write_file(fx.work() + "/ok.yaml", "ports: {min: 6000}\n");
  run_options o;
  o.env = {{"TROP_PORT_MIN", "abc"}, {"TROP_PROJECT", ""}, {"TROP_BUSY_TIMEOUT", "x"}};
  process_result r = fx.run({"validate", "ok.yaml"}, o);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Configuration is valid\n");
  // Only that one file: its trop.local.yaml sibling is not loaded either.
  write_file(fx.work() + "/trop.local.yaml", "bogus: 1\n");
  write_file(fx.work() + "/trop.yaml", "ports: {min: 6000}\n");
  CHECK(fx.run({"validate", "trop.yaml"}).exit_code == 0);
}

TEST_CASE("validate usage errors exit 2", "[quick][validate]") {
  trop_fixture fx;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"validate"}, {"validate", ""}, {"validate", "a", "b"}}) {
    process_result r = fx.run(args);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("Usage:") != std::string::npos);
  }
}
