// `trop compact-exclusions <PATH>` (SPEC B §12.18 with A.2 #5, #6): the
// minimal sorted list, invalid entries as errors, the YAML dry-run, every
// other byte of the file kept, and no store or configuration touched.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "trop_fixture.h"

using trop::test::process_result;
using trop::test::read_file;
using trop::test::run_options;
using trop::test::trop_fixture;
using trop::test::write_file;

TEST_CASE("compact-exclusions merges overlaps and neighbours into a sorted list",
          "[quick][compact-exclusions]") {
  trop_fixture fx;
  const std::string file = fx.work() + "/trop.yaml";
  write_file(file,
             "# ports\nproject: app  # keep me\nexcluded_ports:\n  - 9000\n  - 8082\n"
             "  - start: 8080\n    end: 8081\n  - \"8083..8085\"\n  - 8084\n"
             "ports:\n  min: 5000\n");
  process_result r = fx.run({"compact-exclusions", "trop.yaml"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Compacted 5 exclusions to 2\nUpdated trop.yaml\n");
  CHECK(r.err.empty());
  CHECK(read_file(file) ==
        "# ports\nproject: app  # keep me\nexcluded_ports:\n  - start: 8080\n    end: 8085\n"
        "  - 9000\nports:\n  min: 5000\n");
  // Nothing else is touched: no data directory appears.
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));

  // The result is minimal and sorted: a second run changes nothing.
  r = fx.run({"compact-exclusions", file});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Exclusions already optimal\n");
}

TEST_CASE("compact-exclusions --dry-run prints the new list as YAML and writes nothing",
          "[quick][compact-exclusions]") {
  trop_fixture fx;
  const std::string file = fx.work() + "/trop.yaml";
  const std::string original = "excluded_ports: [9000, 8080, 8081, \"8082..8083\", 10]\n";
  write_file(file, original);
  process_result r = fx.run({"compact-exclusions", "--dry-run", "trop.yaml"});
  CHECK(r.exit_code == 0);
  CHECK(r.out ==
        "Compacted 5 exclusions to 3\nDry run - no changes made\nWould save:\n"
        "excluded_ports:\n  - 10\n  - start: 8080\n    end: 8083\n  - 9000\n");
  CHECK(r.err.empty());
  CHECK(read_file(file) == original);
  // The flow list keeps its style when written.
  r = fx.run({"compact-exclusions", "trop.yaml"});
  CHECK(r.out == "Compacted 5 exclusions to 3\nUpdated trop.yaml\n");
  // Ranges take the spelling the list already used for ranges ("A..B" here).
  CHECK(read_file(file) == "excluded_ports: [10, \"8080..8083\", 9000]\n");
}

TEST_CASE("compact-exclusions: 'already optimal' means exactly the minimal sorted list",
          "[quick][compact-exclusions]") {
  trop_fixture fx;
  const std::string file = fx.work() + "/trop.yaml";
  // Same count before and after, but not sorted: rewritten (A.2 #6).
  write_file(file, "excluded_ports:\n  - 9000\n  - 80\n");
  process_result r = fx.run({"compact-exclusions", file});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Compacted 2 exclusions to 2\nUpdated " + file + "\n");
  CHECK(read_file(file) == "excluded_ports:\n  - 80\n  - 9000\n");
  // A one-port range becomes a single port.
  write_file(file, "excluded_ports:\n  - start: 80\n    end: 80\n");
  r = fx.run({"compact-exclusions", file});
  CHECK(r.out == "Compacted 1 exclusions to 1\nUpdated " + file + "\n");
  CHECK(read_file(file) == "excluded_ports:\n  - 80\n");
  // Already minimal and sorted, in any spelling: untouched, byte for byte.
  const std::string tidy = "excluded_ports:   # tidy\n  - 80  # http\n  - \"8000..8010\"\n";
  write_file(file, tidy);
  r = fx.run({"compact-exclusions", file});
  CHECK(r.out == "Exclusions already optimal\n");
  CHECK(read_file(file) == tidy);
}

TEST_CASE("compact-exclusions without a list says so", "[quick][compact-exclusions]") {
  trop_fixture fx;
  const std::string file = fx.work() + "/trop.yaml";
  for (const std::string text :
       {"project: app\n", "excluded_ports:\n", "excluded_ports: []\n", "# only a comment\n", ""}) {
    write_file(file, text);
    process_result r = fx.run({"compact-exclusions", file});
    INFO(text);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "No exclusions to compact\n");
    CHECK(read_file(file) == text);
  }
}

TEST_CASE("compact-exclusions output ignores --quiet", "[quick][compact-exclusions]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", "excluded_ports: [2, 1]\n");
  process_result r = fx.run({"compact-exclusions", "trop.yaml", "--quiet"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Compacted 2 exclusions to 1\nUpdated trop.yaml\n");
  CHECK(read_file(fx.work() + "/trop.yaml") == "excluded_ports: [{start: 1, end: 2}]\n");
}

TEST_CASE("compact-exclusions: invalid entries are errors, never dropped",
          "[quick][compact-exclusions]") {
  trop_fixture fx;
  const std::string file = fx.work() + "/trop.yaml";
  const std::pair<std::string, std::string> cases[] = {
      {"excluded_ports: [5, 0]\n", "entry 2: Invalid port: 0"},
      {"excluded_ports:\n  - start: 10\n    end: 5\n",
       "entry 1: Invalid range: 10..5 (end < start)"},
      {"excluded_ports: [\"x..y\"]\n",
       "entry 1: expected a port number, a {start, end} mapping or an \"A..B\" string"},
  };
  for (const auto& [text, message] : cases) {
    write_file(file, text);
    process_result r = fx.run({"compact-exclusions", "trop.yaml"});
    INFO(text);
    CHECK(r.exit_code == 7);
    CHECK(r.out.empty());
    CHECK(r.err ==
          "Error: Configuration error: validation error for 'excluded_ports "
          "(trop.yaml)': " +
              message + "\n");
    CHECK(read_file(file) == text);
  }
}

TEST_CASE("compact-exclusions: a YAML error is exit 7, a missing file exit 4",
          "[quick][compact-exclusions]") {
  trop_fixture fx;
  write_file(fx.work() + "/bad.yaml", "excluded_ports: [\n");
  process_result r = fx.run({"compact-exclusions", "bad.yaml"});
  CHECK(r.exit_code == 7);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("Error: Configuration error: Parse error: bad.yaml: invalid YAML", 0) == 0);
  CHECK(read_file(fx.work() + "/bad.yaml") == "excluded_ports: [\n");

  r = fx.run({"compact-exclusions", "missing.yaml"});
  CHECK(r.exit_code == 4);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Invalid arguments: File not found: missing.yaml\n");

  // A directory cannot be read: exit 5.
  fx.make_dir("work/dir.yaml");
  r = fx.run({"compact-exclusions", "dir.yaml"});
  CHECK(r.exit_code == 5);
  CHECK(r.err.rfind("Error: I/O error: cannot read dir.yaml: ", 0) == 0);

  // An empty or missing PATH is a usage error (A.2 #24).
  r = fx.run({"compact-exclusions", ""});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("Usage:") != std::string::npos);
  r = fx.run({"compact-exclusions"});
  CHECK(r.exit_code == 2);
}

TEST_CASE("compact-exclusions refuses what it cannot edit safely", "[quick][compact-exclusions]") {
  trop_fixture fx;
  const std::string file = fx.work() + "/trop.yaml";
  const std::string text = "base: &b [3, 2]\nexcluded_ports: *b\n";
  write_file(file, text);
  process_result r = fx.run({"compact-exclusions", "trop.yaml"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("Error: cannot edit excluded_ports safely: ", 0) == 0);
  CHECK(r.err.find(" in trop.yaml; the file was not changed: edit it by hand\n") !=
        std::string::npos);
  CHECK(read_file(file) == text);
}

TEST_CASE("compact-exclusions keeps the file's mode and ignores the configuration",
          "[quick][compact-exclusions]") {
  trop_fixture fx;
  const std::string file = fx.root() + "/elsewhere.yaml";
  write_file(file, "excluded_ports: [3, 2, 1]\n");
  REQUIRE(::chmod(file.c_str(), 0640) == 0);
  // A broken trop.yaml in the cwd and a bad TROP_* variable do not matter:
  // no configuration is resolved.
  write_file(fx.work() + "/trop.yaml", "ports: [\n");
  run_options opt;
  opt.env = {{"TROP_PORT_MIN", "zero"}};
  process_result r = fx.run({"compact-exclusions", file}, opt);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Compacted 3 exclusions to 1\nUpdated " + file + "\n");
  CHECK(read_file(file) == "excluded_ports: [{start: 1, end: 3}]\n");
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
}
