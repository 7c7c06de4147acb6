// `trop exclude <PORT_OR_RANGE>` (SPEC B §12.17 with A.2 #4, #5): the
// argument rules, the reserved-port check, the target file (project local,
// project, --global), edits that keep every other byte, refusals and write
// failures that leave the file alone, and a store that is read, never created.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>

#include "cleanup_util.h"
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

reservation record_at(const std::string& path, std::uint16_t port) {
  reservation r;
  r.key.path = path;
  r.port = port;
  r.created_at = 1700000000;
  r.last_used_at = 1700000000;
  return r;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("exclude adds to trop.yaml and keeps every other byte", "[quick][exclude]") {
  trop_fixture fx;
  const std::string file = fx.work() + "/trop.yaml";
  const std::string original = "# my project\nproject: app   # the name\nports:\n  min: 5000\n";
  write_file(file, original);

  process_result r = fx.run({"exclude", "8080"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Added exclusion to " + file + "\n");
  CHECK(r.err.empty());
  CHECK(read_file(file) == original + "excluded_ports:\n  - 8080\n");

  // The same entry again: nothing changes.
  r = fx.run({"exclude", "8080"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Exclusion already exists in " + file + "\n");
  CHECK(read_file(file) == original + "excluded_ports:\n  - 8080\n");

  // A range is a different entry from a single port, even a one-port range.
  r = fx.run({"exclude", "8080..8080"});
  CHECK(r.out == "Added exclusion to " + file + "\n");
  r = fx.run({"exclude", "9000..9010"});
  CHECK(r.out == "Added exclusion to " + file + "\n");
  CHECK(read_file(file) == original +
                               "excluded_ports:\n  - 8080\n  - start: 8080\n    end: 8080\n"
                               "  - start: 9000\n    end: 9010\n");
  r = fx.run({"exclude", "9000..9010"});
  CHECK(r.out == "Exclusion already exists in " + file + "\n");

  // The result is a valid configuration that trop reads back.
  CHECK(fx.run({"validate", "trop.yaml"}).out == "Configuration is valid\n");
}

TEST_CASE("exclude appends to an existing list, comments and order kept", "[quick][exclude]") {
  trop_fixture fx;
  const std::string file = fx.work() + "/trop.yaml";
  write_file(file,
             "excluded_ports:   # busy ones\n  - 5001   # db\n  - \"5010..5020\"\nproject: app\n");
  process_result r = fx.run({"exclude", "6000"});
  CHECK(r.exit_code == 0);
  CHECK(read_file(file) ==
        "excluded_ports:   # busy ones\n  - 5001   # db\n  - \"5010..5020\"\n  - 6000\n"
        "project: app\n");
  // "A..B" written as a string is the same entry as the range argument.
  r = fx.run({"exclude", "5010..5020"});
  CHECK(r.out == "Exclusion already exists in " + file + "\n");
}

TEST_CASE("exclude prefers trop.local.yaml and discovers from a subdirectory", "[quick][exclude]") {
  trop_fixture fx;
  const std::string project = fx.work() + "/trop.yaml";
  const std::string local = fx.work() + "/trop.local.yaml";
  write_file(project, "project: app\n");
  write_file(local, "# private\n");
  const std::string sub = fx.make_dir("work/a/b");

  run_options in_sub;
  in_sub.cwd = sub;
  process_result r = fx.run({"exclude", "7001"}, in_sub);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Added exclusion to " + local + "\n");
  CHECK(read_file(local) == "# private\nexcluded_ports:\n  - 7001\n");
  CHECK(read_file(project) == "project: app\n");

  // Without the local file, trop.yaml is the target.
  std::filesystem::remove(local);
  r = fx.run({"exclude", "7002"}, in_sub);
  CHECK(r.out == "Added exclusion to " + project + "\n");
  CHECK(read_file(project) == "project: app\nexcluded_ports:\n  - 7002\n");

  // The nearest directory with a project file wins (only one level counts).
  write_file(sub + "/trop.yaml", "");
  r = fx.run({"exclude", "7003"}, in_sub);
  CHECK(r.out == "Added exclusion to " + sub + "/trop.yaml\n");
  CHECK(read_file(project) == "project: app\nexcluded_ports:\n  - 7002\n");
}

TEST_CASE("exclude without a project file fails and suggests --global", "[quick][exclude]") {
  trop_fixture fx;
  process_result r = fx.run({"exclude", "8080"});
  CHECK(r.exit_code == 4);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "Error: Invalid arguments: No project configuration file (trop.yaml or "
        "trop.local.yaml) found in " +
            fx.work() + " or its parents; create one, or use --global to write to " +
            fx.data_dir() + "/config.yaml\n");
  CHECK_FALSE(std::filesystem::exists(fx.work() + "/trop.yaml"));
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("exclude --global writes the user config.yaml, created private", "[quick][exclude]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", "project: app\n");
  const std::string user = fx.data_dir() + "/config.yaml";

  process_result r = fx.run({"exclude", "--global", "5555"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Added exclusion to " + user + "\n");
  CHECK(read_file(user) == "excluded_ports:\n  - 5555\n");
  CHECK(mode_of(user) == 0600);
  CHECK(mode_of(fx.data_dir()) == 0700);
  // Only the configuration file appeared: the store is read, never created.
  CHECK(fx.data_dir_entries() == std::vector<std::string>{"config.yaml"});
  CHECK(read_file(fx.work() + "/trop.yaml") == "project: app\n");

  // An existing file keeps its bytes and its mode.
  write_file(user, "# mine\ndisable_autoprune: true\n");
  REQUIRE(::chmod(user.c_str(), 0640) == 0);
  r = fx.run({"exclude", "5556..5560", "--global"});
  CHECK(r.exit_code == 0);
  CHECK(read_file(user) ==
        "# mine\ndisable_autoprune: true\nexcluded_ports:\n  - start: 5556\n    end: 5560\n");
  CHECK(mode_of(user) == 0640);
}

TEST_CASE("exclude refuses reserved ports unless --force", "[quick][exclude]") {
  trop_fixture fx;
  const std::string file = fx.work() + "/trop.yaml";
  write_file(file, "project: app\n");
  fx.seed({record_at(fx.work() + "/a", 5005), record_at(fx.work() + "/b", 5003)});

  process_result r = fx.run({"exclude", "5003"});
  CHECK(r.exit_code == 4);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Invalid arguments: Port 5003 is reserved. Use --force to override.\n");
  // A range names its lowest reserved port.
  r = fx.run({"exclude", "5000..5010"});
  CHECK(r.exit_code == 4);
  CHECK(r.err == "Error: Invalid arguments: Port 5003 is reserved. Use --force to override.\n");
  CHECK(read_file(file) == "project: app\n");

  r = fx.run({"exclude", "5000..5010", "--force"});
  CHECK(r.exit_code == 0);
  CHECK(read_file(file) == "project: app\nexcluded_ports:\n  - start: 5000\n    end: 5010\n");
  CHECK(fx.stored().size() == 2);
}

TEST_CASE("exclude rejects bad arguments with exit 4 and changes nothing", "[quick][exclude]") {
  trop_fixture fx;
  const std::string file = fx.work() + "/trop.yaml";
  write_file(file, "project: app\n");
  const std::pair<std::string, std::string> cases[] = {
      {"abc", "Invalid port number"},         {"", "Invalid port number"},
      {"65536", "Invalid port number"},       {"-5", "Invalid port number"},
      {" 8080", "Invalid port number"},  // no trimming
      {"8080 ..8090", "Invalid port number"}, {"8080..", "Invalid port number"},
      {"1..2..3", "Invalid port number"},     {"0", "Invalid port: 0"},
      {"0..10", "Invalid start port: 0"},     {"10..5", "Invalid range: 10..5 (end < start)"},
  };
  for (const auto& [arg, message] : cases) {
    process_result r = fx.run({"exclude", arg});
    INFO(arg);
    CHECK(r.exit_code == 4);
    CHECK(r.out.empty());
    CHECK(r.err == "Error: Invalid arguments: " + message + "\n");
  }
  CHECK(read_file(file) == "project: app\n");
  // A leading '+' is a number, as Rust's u16 parser has it.
  CHECK(fx.run({"exclude", "+8080"}).exit_code == 0);
  CHECK(read_file(file) == "project: app\nexcluded_ports:\n  - 8080\n");
  // A missing argument is a usage error.
  process_result r = fx.run({"exclude"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("Usage:") != std::string::npos);
}

TEST_CASE("exclude: a broken configuration is exit 7 and nothing changes", "[quick][exclude]") {
  trop_fixture fx;
  const std::string file = fx.work() + "/trop.yaml";
  write_file(file, "ports: [\n");
  process_result r = fx.run({"exclude", "8080"});
  CHECK(r.exit_code == 7);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("Error: Configuration error: ", 0) == 0);
  CHECK(read_file(file) == "ports: [\n");
  // A broken user file fails --global the same way.
  write_file(file, "project: app\n");
  fx.make_dir("data");
  write_file(fx.data_dir() + "/config.yaml", "excluded_ports: [0]\n");
  r = fx.run({"exclude", "--global", "8080"});
  CHECK(r.exit_code == 7);
  CHECK(read_file(fx.data_dir() + "/config.yaml") == "excluded_ports: [0]\n");
}

TEST_CASE("exclude refuses a file it cannot edit safely and leaves it alone", "[quick][exclude]") {
  trop_fixture fx;
  const std::string file = fx.work() + "/trop.yaml";
  // JSON is valid configuration, but its one-line flow mapping cannot take
  // a new key without rewriting it.
  const std::string json = "{\"project\": \"app\", \"ports\": {\"min\": 5000}}\n";
  write_file(file, json);
  process_result r = fx.run({"exclude", "8080"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("Error: cannot edit excluded_ports safely: ", 0) == 0);
  CHECK(r.err.find(" in " + file + "; the file was not changed: edit it by hand\n") !=
        std::string::npos);
  CHECK(read_file(file) == json);
}

TEST_CASE("exclude keeps the mode and follows a symlink", "[quick][exclude]") {
  trop_fixture fx;
  const std::string real = fx.root() + "/shared.yaml";
  write_file(real, "project: app\n");
  REQUIRE(::chmod(real.c_str(), 0604) == 0);
  std::filesystem::create_symlink(real, fx.work() + "/trop.yaml");
  process_result r = fx.run({"exclude", "8080"});
  CHECK(r.exit_code == 0);
  CHECK(std::filesystem::is_symlink(fx.work() + "/trop.yaml"));
  CHECK(read_file(real) == "project: app\nexcluded_ports:\n  - 8080\n");
  CHECK(mode_of(real) == 0604);
  // No temporary file is left behind.
  for (const auto& e : std::filesystem::directory_iterator(fx.root())) {
    CHECK(e.path().filename().string().find(".trop-") == std::string::npos);
  }
}

TEST_CASE("exclude --quiet prints nothing", "[quick][exclude]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", "");
  process_result r = fx.run({"exclude", "8080", "--quiet"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
  r = fx.run({"-q", "exclude", "8080"});
  CHECK(r.out.empty());
  CHECK(read_file(fx.work() + "/trop.yaml") == "excluded_ports:\n  - 8080\n");
}

TEST_CASE("exclude with autoinit disabled and no store is exit 3", "[quick][exclude]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", "");
  process_result r = fx.run({"exclude", "8080", "--disable-autoinit"});
  CHECK(r.exit_code == 3);
  CHECK(r.err == "Error: Data directory not found (use --data-dir or enable auto-init)\n");
  CHECK(read_file(fx.work() + "/trop.yaml").empty());
}

TEST_CASE("exclude: a file it may not replace is exit 5 and stays (run as nobody)",
          "[quick][exclude]") {
  if (!trop::test::can_drop_privileges()) {
    WARN("skipped: needs root, setpriv and the nobody user");
    return;
  }
  trop_fixture fx;
  const std::string file = fx.work() + "/trop.yaml";
  write_file(file, "project: app\n");
  REQUIRE(::chmod(fx.work().c_str(), 0755) == 0);
  REQUIRE(::chmod(file.c_str(), 0644) == 0);
  trop::test::hand_data_dir_to_nobody(fx);
  process_result r = trop::test::run_as_nobody(fx, {"exclude", "8080"});
  CHECK(r.exit_code == 5);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: I/O error: cannot write " + file + ": Permission denied (os error 13)\n");
  CHECK(read_file(file) == "project: app\n");
}

TEST_CASE("exclude never waits for a writer", "[torture][exclude]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", "");
  fx.seed({record_at(fx.work() + "/a", 5003)});
  process_options holder_opts;
  holder_opts.argv = {TROP_LOCK_HOLDER, fx.data_dir(), "60"};
  holder_opts.timeout = 120s;
  child_process holder(holder_opts);
  REQUIRE(holder.read_stdout_line(30s) == std::optional<std::string>("locked"));
  process_result r = fx.run({"exclude", "6000", "--busy-timeout", "0"});
  CHECK(r.exit_code == 0);
  CHECK(r.elapsed < 900ms);
  // The reserved-port check reads the store all the same.
  r = fx.run({"exclude", "5003", "--busy-timeout", "0"});
  CHECK(r.exit_code == 4);
  CHECK(read_file(fx.work() + "/trop.yaml") == "excluded_ports:\n  - 6000\n");
}
