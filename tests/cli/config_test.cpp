// Configuration through the binary (SPEC B §4, §6, A.1, A.2 #10-#13, #24):
// every layer at once, the merge rules, discovery, error messages with their
// source and position, --verbose, and bad input of every kind leaving the
// store as it was.
#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>

#include "cleanup_util.h"
#include "trop_fixture.h"

using trop::reservation;
using trop::test::aged;
using trop::test::env_changes;
using trop::test::held_lock;
using trop::test::process_result;
using trop::test::run_options;
using trop::test::store_bytes;
using trop::test::trop_fixture;
using trop::test::write_file;

namespace {

run_options with_env(env_changes env, std::string cwd = {}) {
  run_options o;
  o.env = std::move(env);
  o.cwd = std::move(cwd);
  return o;
}

// The user file lives in the data directory, which the fixture does not create.
void write_user_config(const trop_fixture& fx, const std::string& text) {
  std::filesystem::create_directories(fx.data_dir());
  write_file(fx.data_dir() + "/config.yaml", text);
}

// The effective allocation range "MIN-MAX": with every port excluded, a dry-run
// reserve reports the range it searched in its exhaustion error.
std::string effective_range(const trop_fixture& fx, std::vector<std::string> extra = {},
                            env_changes env = {}) {
  // A tag nobody uses: a new key always allocates.
  std::vector<std::string> args{"reserve", "--dry-run", "--disable-autoclean", "--tag", "probe"};
  args.insert(args.end(), extra.begin(), extra.end());
  env.emplace_back("TROP_EXCLUDED_PORTS", "1..65535");
  process_result r = fx.run(args, with_env(env));
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 6);
  std::smatch m;
  std::regex re("^Error: port range ([0-9]+-[0-9]+) exhausted");
  REQUIRE(std::regex_search(r.err, m, re));
  return m[1].str();
}

// The port a dry-run reserve would pick (from its stderr line).
std::string dry_port(const trop_fixture& fx, std::vector<std::string> extra = {},
                     env_changes env = {}) {
  std::vector<std::string> args{"reserve", "--dry-run", "--tag", "probe"};
  args.insert(args.end(), extra.begin(), extra.end());
  process_result r = fx.run(args, with_env(std::move(env)));
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  std::smatch m;
  std::regex re("^Dry run - would reserve port ([0-9]+) for ");
  REQUIRE(std::regex_search(r.err, m, re));
  return m[1].str();
}

std::vector<std::string> loaded_files(const std::string& err) {
  std::vector<std::string> out;
  const std::string prefix = "trop: loaded configuration ";
  std::size_t at = 0;
  while ((at = err.find(prefix, at)) != std::string::npos) {
    std::size_t end = err.find('\n', at);
    out.push_back(err.substr(at + prefix.size(), end - at - prefix.size()));
    at = end;
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// Precedence with every layer present

TEST_CASE("ports: command line > environment > local > project > user > defaults",
          "[quick][config]") {
  trop_fixture fx;
  CHECK(effective_range(fx) == "5000-7000");
  write_user_config(fx, "ports:\n  min: 6000\n  max: 6100\n");
  CHECK(effective_range(fx) == "6000-6100");
  write_file(fx.work() + "/trop.yaml", "ports:\n  min: 6100\n  max: 6200\n");
  CHECK(effective_range(fx) == "6100-6200");
  write_file(fx.work() + "/trop.local.yaml", "ports:\n  min: 6200\n  max: 6300\n");
  CHECK(effective_range(fx) == "6200-6300");
  const env_changes env{{"TROP_PORT_MIN", "6300"}, {"TROP_PORT_MAX", "6400"}};
  CHECK(effective_range(fx, {}, env) == "6300-6400");
  CHECK(effective_range(fx, {"--min", "6400", "--max", "6500"}, env) == "6400-6500");
  // Each flag overrides only its own leaf.
  CHECK(effective_range(fx, {"--max", "6350"}, env) == "6300-6350");
  CHECK(effective_range(fx, {"--min", "6350"}, env) == "6350-6400");
  // The lowest free port follows the same range.
  CHECK(dry_port(fx, {"--min", "6400", "--max", "6500"}, env) == "6400");
  CHECK(dry_port(fx, {}, env) == "6300");
  CHECK(dry_port(fx) == "6200");
}

TEST_CASE("ports: a layer's min always overrides; the upper bound follows the max rules",
          "[quick][config]") {
  trop_fixture fx;
  write_user_config(fx, "ports:\n  min: 5000\n  max: 5010\n");
  // A layer with only min inherits the upper bound.
  write_file(fx.work() + "/trop.yaml", "ports:\n  min: 5005\n");
  CHECK(effective_range(fx) == "5005-5010");
  // max_offset replaces an inherited max ...
  write_file(fx.work() + "/trop.yaml", "ports:\n  min: 5000\n  max_offset: 2\n");
  CHECK(effective_range(fx) == "5000-5002");
  // ... and a later max replaces an inherited max_offset.
  write_file(fx.work() + "/trop.local.yaml", "ports:\n  min: 5000\n  max: 5020\n");
  CHECK(effective_range(fx) == "5000-5020");
  write_file(fx.work() + "/trop.local.yaml", "ports:\n  min: 5001\n");
  CHECK(effective_range(fx) == "5001-5003");  // min + the inherited offset
  // Environment: TROP_PORT_MAX clears the offset; TROP_PORT_MAX_OFFSET wins over both.
  CHECK(effective_range(fx, {}, {{"TROP_PORT_MAX", "6000"}}) == "5001-6000");
  CHECK(effective_range(fx, {}, {{"TROP_PORT_MAX", "6000"}, {"TROP_PORT_MAX_OFFSET", "9"}}) ==
        "5001-5010");
  // --max clears an inherited max_offset, wherever it came from.
  CHECK(effective_range(fx, {"--max", "5100"}, {{"TROP_PORT_MAX_OFFSET", "9"}}) == "5001-5100");
  CHECK(effective_range(fx, {"--max", "5100"}) == "5001-5100");
}

TEST_CASE("ports: only the merged result is validated, naming the source", "[quick][config]") {
  trop_fixture fx;
  write_user_config(fx, "ports:\n  min: 7000\n");
  // 7000-7000 is valid; an environment max below it is not ...
  CHECK(effective_range(fx) == "7000-7000");
  process_result r = fx.run({"reserve"}, with_env({{"TROP_PORT_MAX", "6000"}}));
  CHECK(r.exit_code == 7);
  CHECK(r.err ==
        "Error: Configuration error: validation error for 'ports.max (TROP_PORT_MAX)': max (6000) "
        "must be greater than or equal to min (7000)\n");
  // ... unless a higher layer repairs the combination.
  CHECK(effective_range(fx, {"--max", "9000"}, {{"TROP_PORT_MAX", "6000"}}) == "7000-9000");
  // Both bounds in one file is an error of that file, with its position.
  write_file(fx.work() + "/trop.yaml", "ports:\n  min: 5000\n  max: 6000\n  max_offset: 3\n");
  r = fx.run({"reserve"});
  CHECK(r.exit_code == 7);
  CHECK(r.err == "Error: Configuration error: validation error for 'ports (" + fx.work() +
                     "/trop.yaml)': max and max_offset are mutually exclusive; set only one of "
                     "them at line 4 column 3\n");
  // The offset may not run past 65535.
  write_file(fx.work() + "/trop.yaml", "ports:\n  min: 65000\n  max_offset: 536\n");
  r = fx.run({"reserve"});
  CHECK(r.exit_code == 7);
  CHECK(r.err.find("min (65000) + max_offset (536) exceeds 65535") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(fx.data_dir() + "/trop.db"));
}

TEST_CASE("excluded_ports accumulate across user, project, local and environment",
          "[quick][config]") {
  trop_fixture fx;
  write_user_config(fx, "excluded_ports:\n  - 5000\n");
  write_file(fx.work() + "/trop.yaml", "excluded_ports:\n  - \"5001..5002\"\n");
  write_file(fx.work() + "/trop.local.yaml", "excluded_ports:\n  - {start: 5003, end: 5004}\n");
  const env_changes env{{"TROP_EXCLUDED_PORTS", " 5005 , 5006..5007,, "}};
  CHECK(dry_port(fx, {}, env) == "5008");
  CHECK(dry_port(fx) == "5005");
  // Exclusions may lie outside the range and overlap; nothing resets a lower layer's list.
  write_file(fx.work() + "/trop.local.yaml", "excluded_ports: []\n");
  CHECK(dry_port(fx) == "5003");
  write_file(fx.work() + "/trop.local.yaml", "excluded_ports:\n  - 9000\n  - 5001\n");
  CHECK(dry_port(fx) == "5003");
  // A preferred port in an exclusion falls back with the A.2 #2 warning.
  process_result r = fx.run({"reserve", "--port", "9000"});
  CHECK(r.out == "5003\n");
  CHECK(r.err == "Warning: preferred port 9000 is excluded; reserved 5003 instead\n");
}

TEST_CASE("booleans: each layer overrides the one below, flags win", "[quick][config]") {
  trop_fixture fx;
  const std::string other = fx.make_dir("elsewhere");
  auto guarded = [&](std::vector<std::string> extra = {}, env_changes env = {}) {
    std::vector<std::string> args{"reserve", "--dry-run", "--path", other};
    args.insert(args.end(), extra.begin(), extra.end());
    return fx.run(args, with_env(std::move(env))).exit_code;
  };
  CHECK(guarded() == 1);
  write_user_config(fx, "allow_unrelated_path: true\n");
  CHECK(guarded() == 0);
  write_file(fx.work() + "/trop.yaml", "allow_unrelated_path: false\n");
  CHECK(guarded() == 1);
  write_file(fx.work() + "/trop.local.yaml", "allow_unrelated_path: true\n");
  CHECK(guarded() == 0);
  CHECK(guarded({}, {{"TROP_ALLOW_UNRELATED_PATH", "off"}}) == 1);
  CHECK(guarded({"--allow-unrelated-path"}, {{"TROP_ALLOW_UNRELATED_PATH", "0"}}) == 0);
  // A layer without the key inherits it.
  write_file(fx.work() + "/trop.local.yaml", "project: p\n");
  CHECK(guarded() == 1);
  // Environment spellings are case-insensitive.
  for (const char* yes : {"TRUE", "Yes", "on", "1"}) {
    CHECK(guarded({}, {{"TROP_ALLOW_UNRELATED_PATH", yes}}) == 0);
  }
  // disable_autoinit from the user file.
  trop_fixture fresh;
  write_user_config(fresh, "disable_autoinit: true\n");
  process_result r = fresh.run({"reserve"});
  CHECK(r.exit_code == 3);
  CHECK(r.err == "Error: Data directory not found (use --data-dir or enable auto-init)\n");
  write_file(fresh.work() + "/trop.yaml", "disable_autoinit: false\n");
  CHECK(fresh.run({"reserve"}).exit_code == 0);
  CHECK(fresh.run({"list"}, with_env({{"TROP_DISABLE_AUTOINIT", "1"}})).exit_code == 0);
}

TEST_CASE("maximum_lock_wait_seconds: flag > TROP_BUSY_TIMEOUT > alias > files",
          "[quick][config]") {
  trop_fixture fx;
  fx.seed({aged(fx.work(), std::nullopt, 5000, 0)});
  held_lock lock(fx);
  const std::string msg = "Error: database lock timeout while starting a write transaction after ";
  write_user_config(fx, "maximum_lock_wait_seconds: 1\n");
  CHECK(fx.run({"release"}).err == msg + "1s\n");
  write_file(fx.work() + "/trop.yaml", "maximum_lock_wait_seconds: 0\n");
  CHECK(fx.run({"release"}).err == msg + "0s\n");
  CHECK(fx.run({"release"}, with_env({{"TROP_MAXIMUM_LOCK_WAIT_SECONDS", "1"}})).err ==
        msg + "1s\n");
  CHECK(fx.run({"release"},
               with_env({{"TROP_MAXIMUM_LOCK_WAIT_SECONDS", "1"}, {"TROP_BUSY_TIMEOUT", "0"}}))
            .err == msg + "0s\n");
  CHECK(fx.run({"release", "--busy-timeout", "0"}, with_env({{"TROP_BUSY_TIMEOUT", "1"}})).err ==
        msg + "0s\n");
  write_file(fx.work() + "/trop.yaml", "maximum_lock_wait_seconds: 2147484\n");
  process_result r = fx.run({"release"});
  CHECK(r.exit_code == 7);
  CHECK(r.err == "Error: Configuration error: validation error for 'maximum_lock_wait_seconds (" +
                     fx.work() +
                     "/trop.yaml)': must not exceed 2147483 seconds at line 1 column 1\n");
  CHECK(fx.stored().size() == 1);
}

TEST_CASE("output_format sets list's default format; --format wins", "[quick][config]") {
  trop_fixture fx;
  fx.seed({aged(fx.work(), std::nullopt, 5000, 0)});
  auto first_line = [&](std::vector<std::string> extra = {}, env_changes env = {}) {
    std::vector<std::string> args{"list"};
    args.insert(args.end(), extra.begin(), extra.end());
    process_result r = fx.run(args, with_env(std::move(env)));
    REQUIRE(r.exit_code == 0);
    return r.out.substr(0, r.out.find('\n'));
  };
  const std::string table = "PORT\tPATH\tTAG\tPROJECT\tTASK\tCREATED_AT\tLAST_USED_AT";
  const std::string csv = "port,path,tag,project,task,created_at,last_used_at";
  const std::string tsv = "port\tpath\ttag\tproject\ttask\tcreated_at\tlast_used_at";
  CHECK(first_line() == table);
  write_user_config(fx, "output_format: json\n");
  CHECK(first_line() == "[");
  write_file(fx.work() + "/trop.yaml", "output_format: csv\n");
  CHECK(first_line() == csv);
  write_file(fx.work() + "/trop.local.yaml", "output_format: tsv\n");
  CHECK(first_line() == tsv);
  CHECK(first_line({}, {{"TROP_OUTPUT_FORMAT", "Json"}}) == "[");
  CHECK(first_line({"--format", "table"}, {{"TROP_OUTPUT_FORMAT", "json"}}) == table);
  CHECK(first_line({"--format", "CSV"}) == csv);
  // YAML spellings are lowercase only; the environment is case-insensitive.
  write_file(fx.work() + "/trop.local.yaml", "output_format: Table\n");
  process_result r = fx.run({"list"});
  CHECK(r.exit_code == 7);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Configuration error: validation error for '" + fx.work() +
                     "/trop.local.yaml': Invalid YAML: output_format: unknown variant `Table`, "
                     "expected one of `table`, `json`, `csv`, `tsv` at line 1 column 16\n");
  std::filesystem::remove(fx.work() + "/trop.local.yaml");
  r = fx.run({"list"}, with_env({{"TROP_OUTPUT_FORMAT", "xml"}}));
  CHECK(r.exit_code == 7);
  CHECK(r.err ==
        "Error: Configuration error: validation error for 'TROP_OUTPUT_FORMAT': Invalid output "
        "format: 'xml' (expected table/json/csv/tsv)\n");
  r = fx.run({"list", "--format", "xml"});
  CHECK(r.exit_code == 2);
}

// ---------------------------------------------------------------------------
// Discovery and --verbose

TEST_CASE("discovery stops at the first directory with a project file", "[quick][config]") {
  trop_fixture fx;
  const std::string top = fx.make_dir("work/top");
  const std::string mid = fx.make_dir("work/top/mid");
  const std::string leaf = fx.make_dir("work/top/mid/leaf");
  write_user_config(fx, "ports:\n  min: 6000\n  max: 6999\n");
  write_file(top + "/trop.yaml", "project: top\nports:\n  min: 6100\n");
  write_file(top + "/trop.local.yaml", "ports:\n  min: 6150\n");
  write_file(mid + "/trop.local.yaml", "excluded_ports: [6000]\n");

  // From leaf: mid has only trop.local.yaml, so top's files are never read.
  process_result r = fx.run({"reserve", "--verbose"}, with_env({}, leaf));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "6001\n");
  CHECK(loaded_files(r.err) ==
        std::vector<std::string>{fx.data_dir() + "/config.yaml", mid + "/trop.local.yaml"});
  CHECK_FALSE(fx.stored()[0].project.has_value());

  // From top: both of its files, project then local.
  r = fx.run({"reserve", "--verbose"}, with_env({}, top));
  CHECK(r.out == "6150\n");
  CHECK(loaded_files(r.err) == std::vector<std::string>{fx.data_dir() + "/config.yaml",
                                                        top + "/trop.yaml",
                                                        top + "/trop.local.yaml"});
  // Above top: no project file (work/ has none), only the user file.
  r = fx.run({"list", "-v"});
  CHECK(loaded_files(r.err) == std::vector<std::string>{fx.data_dir() + "/config.yaml"});
  // --quiet silences the trace.
  r = fx.run({"list", "-v", "-q"}, with_env({}, top));
  CHECK(r.err.empty());
}

TEST_CASE("discovery starts at the canonical cwd, not the symlinked one", "[quick][config]") {
  trop_fixture fx;
  const std::string real = fx.make_dir("real/proj");
  fx.make_dir("links");
  std::filesystem::create_directory_symlink(real, fx.root() + "/links/proj");
  write_file(fx.root() + "/real/trop.yaml", "project: physical\n");
  write_file(fx.root() + "/links/trop.yaml", "project: logical\n");
  CHECK(fx.run({"reserve"}, with_env({}, fx.root() + "/links/proj")).exit_code == 0);
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].key.path == real);
  CHECK(rs[0].project == std::optional<std::string>("physical"));
}

TEST_CASE("a directory named trop.yaml is found and fails to read", "[quick][config]") {
  trop_fixture fx;
  fx.make_dir("work/trop.yaml");
  process_result r = fx.run({"list"});
  CHECK(r.exit_code == 7);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Configuration error: invalid path " + fx.work() +
                     "/trop.yaml: Failed to read configuration file: Is a directory (os error "
                     "21)\n");
}

TEST_CASE("empty and comment-only files are empty configurations", "[quick][config]") {
  trop_fixture fx;
  write_user_config(fx, "");
  write_file(fx.work() + "/trop.yaml", "# nothing here\n\n");
  write_file(fx.work() + "/trop.local.yaml", "---\n");
  CHECK(dry_port(fx) == "5000");
  write_file(fx.work() + "/trop.yaml", "{\"ports\": {\"min\": 5500, \"max\": 5600}}\n");
  CHECK(effective_range(fx) == "5500-5600");  // JSON is YAML
}

// ---------------------------------------------------------------------------
// Errors: exit 7 naming the file or variable, the field and the position;
// the store is left exactly as it was.

namespace {

struct bad_config {
  const char* file;  // "trop.yaml", "trop.local.yaml", "config.yaml" (user) or "" (env only)
  std::string text;
  env_changes env;
  std::string message;  // after "Error: Configuration error: "; <W> = work dir, <D> = data dir
};

std::string expand(std::string s, const trop_fixture& fx) {
  for (auto [key, value] : {std::pair<std::string, std::string>{"<W>", fx.work()},
                            std::pair<std::string, std::string>{"<D>", fx.data_dir()}}) {
    for (std::size_t at; (at = s.find(key)) != std::string::npos;) {
      s.replace(at, key.size(), value);
    }
  }
  return s;
}

}  // namespace

TEST_CASE("configuration errors exit 7 with file, field and position, and change nothing",
          "[quick][config]") {
  const bad_config cases[] = {
      // YAML syntax, unknown keys, wrong types: the file, the key path, line and column.
      {"trop.yaml",
       "ports: [\n",
       {},
       "validation error for '<W>/trop.yaml': Invalid YAML: end of sequence flow not found at "
       "line 2 column 1"},
      {"trop.yaml",
       "portz: 3\n",
       {},
       "validation error for '<W>/trop.yaml': Invalid YAML: unknown field `portz`, expected one "
       "of `project`, `ports`, `excluded_ports`, `cleanup`, `occupancy_check`, `reservations`, "
       "`disable_autoinit`, `disable_autoprune`, `disable_autoexpire`, `allow_unrelated_path`, "
       "`allow_change_project`, `allow_change_task`, `allow_change`, "
       "`maximum_lock_wait_seconds`, `output_format`, `durability` at line 1 column 1"},
      {"trop.local.yaml",
       "ports:\n  min: 5000\n  foo: 1\n",
       {},
       "validation error for '<W>/trop.local.yaml': Invalid YAML: ports: unknown field `foo`, "
       "expected one of `min`, `max`, `max_offset` at line 3 column 3"},
      {"config.yaml",
       "cleanup:\n  expire_after_days: 3\n  x: 1\n",
       {},
       "validation error for '<D>/config.yaml': Invalid YAML: cleanup: unknown field `x`, "
       "expected one of `expire_after_days` at line 3 column 3"},
      {"trop.yaml",
       "ports: 5\n",
       {},
       "validation error for '<W>/trop.yaml': Invalid YAML: ports: invalid type: a number, "
       "expected a mapping at line 1 column 8"},
      {"trop.yaml",
       "ports:\n  min: \"5000\"\n",
       {},
       "validation error for '<W>/trop.yaml': Invalid YAML: ports.min: invalid type: a quoted "
       "string, expected an integer from 0 to 65535 at line 2 column 8"},
      {"trop.yaml",
       "ports:\n  min: 70000\n",
       {},
       "validation error for '<W>/trop.yaml': Invalid YAML: ports.min: invalid value: integer "
       "`70000`, expected an integer from 0 to 65535 at line 2 column 8"},
      {"trop.yaml",
       "disable_autoprune: yes\n",
       {},
       "validation error for '<W>/trop.yaml': Invalid YAML: disable_autoprune: invalid type: a "
       "string, expected a boolean (true or false) at line 1 column 20"},
      {"trop.yaml",
       "project: [a]\n",
       {},
       "validation error for '<W>/trop.yaml': Invalid YAML: project: invalid type: a sequence, "
       "expected a string at line 1 column 10"},
      {"trop.yaml",
       "project: \"\xff\"\n",
       {},
       "validation error for '<W>/trop.yaml': Invalid YAML: invalid UTF-8 at line 1 column 11"},
      // Value rules: the field and the file, then the position.
      {"trop.yaml",
       "ports:\n  min: 0\n",
       {},
       "validation error for 'ports.min (<W>/trop.yaml)': Must be between 1 and 65535 at line 2 "
       "column 3"},
      {"trop.yaml",
       "ports:\n  min: 5000\n  max: 4000\n",
       {},
       "validation error for 'ports.max (<W>/trop.yaml)': max (4000) must be greater than or "
       "equal to min (5000) at line 3 column 3"},
      {"trop.yaml",
       "excluded_ports:\n  - 0\n",
       {},
       "validation error for 'excluded_ports (<W>/trop.yaml)': Invalid port: 0 at line 2 column "
       "5"},
      {"trop.local.yaml",
       "excluded_ports:\n  - 5000..4000\n",
       {},
       "validation error for 'excluded_ports (<W>/trop.local.yaml)': Invalid range: 5000..4000 "
       "(end < start) at line 2 column 5"},
      {"trop.yaml",
       "cleanup:\n  expire_after_days: 0\n",
       {},
       "validation error for 'cleanup.expire_after_days (<W>/trop.yaml)': Must be > 0 at line 2 "
       "column 3"},
      {"trop.yaml",
       "project: \"  \"\n",
       {},
       "validation error for 'project (<W>/trop.yaml)': Cannot be empty or only whitespace at "
       "line 1 column 1"},
      {"config.yaml",
       "project: x\n",
       {},
       "validation error for 'project (<D>/config.yaml)': project is only valid in "
       "trop.yaml/trop.local.yaml, not user config.yaml at line 1 column 1"},
      {"config.yaml",
       "reservations:\n  services:\n    web: {}\n",
       {},
       "validation error for 'reservations (<D>/config.yaml)': reservations is only valid in "
       "trop.yaml/trop.local.yaml, not user config.yaml at line 1 column 1"},
      // Environment variables: the variable and the rule.
      {"",
       "",
       {{"TROP_PORT_MIN", "abc"}},
       "validation error for 'TROP_PORT_MIN': Invalid port number"},
      {"",
       "",
       {{"TROP_PORT_MAX", "70000"}},
       "validation error for 'TROP_PORT_MAX': Invalid port number"},
      {"",
       "",
       {{"TROP_PORT_MIN", "0"}},
       "validation error for 'ports.min (TROP_PORT_MIN)': Must be between 1 and 65535"},
      {"",
       "",
       {{"TROP_PORT_MAX_OFFSET", "x"}},
       "validation error for 'TROP_PORT_MAX_OFFSET': Invalid port offset"},
      {"",
       "",
       {{"TROP_PORT_MAX_OFFSET", "0"}},
       "validation error for 'ports.max_offset (TROP_PORT_MAX_OFFSET)': Must be > 0"},
      {"",
       "",
       {{"TROP_EXCLUDED_PORTS", "5000..4000"}},
       "validation error for 'excluded_ports (TROP_EXCLUDED_PORTS)': Invalid range: 5000..4000 "
       "(end < start)"},
      {"",
       "",
       {{"TROP_EXCLUDED_PORTS", "0"}},
       "validation error for 'excluded_ports (TROP_EXCLUDED_PORTS)': Invalid port: 0"},
      {"",
       "",
       {{"TROP_EXCLUDED_PORTS", "70000"}},
       "validation error for 'TROP_EXCLUDED_PORTS': Invalid port exclusion: '70000' (expected N "
       "or A..B)"},
      {"",
       "",
       {{"TROP_EXCLUDED_PORTS", "5000 ..5010"}},
       "validation error for 'TROP_EXCLUDED_PORTS': Invalid port exclusion: '5000 ..5010' "
       "(expected N or A..B)"},
      {"",
       "",
       {{"TROP_EXPIRE_AFTER_DAYS", "soon"}},
       "validation error for 'TROP_EXPIRE_AFTER_DAYS': Must be a positive integer"},
      {"",
       "",
       {{"TROP_DISABLE_AUTOPRUNE", "maybe"}},
       "validation error for 'TROP_DISABLE_AUTOPRUNE': Invalid boolean value: 'maybe' (expected "
       "true/false/1/0/yes/no/on/off)"},
      {"",
       "",
       {{"TROP_SKIP_IPV6", ""}},
       "validation error for 'TROP_SKIP_IPV6': Invalid boolean value: '' (expected "
       "true/false/1/0/yes/no/on/off)"},
      {"",
       "",
       {{"TROP_BUSY_TIMEOUT", "-1"}},
       "validation error for 'TROP_BUSY_TIMEOUT': Invalid number of seconds: '-1' (expected an "
       "integer from 0 to 2147483)"},
      {"",
       "",
       {{"TROP_BUSY_TIMEOUT", "2147484"}},
       "validation error for 'maximum_lock_wait_seconds (TROP_BUSY_TIMEOUT)': must not exceed "
       "2147483 seconds"},
      {"",
       "",
       {{"TROP_OUTPUT_FORMAT", "yaml"}},
       "validation error for 'TROP_OUTPUT_FORMAT': Invalid output format: 'yaml' (expected "
       "table/json/csv/tsv)"},
      {"",
       "",
       {{"TROP_PROJECT", " "}},
       "validation error for 'project (TROP_PROJECT)': Cannot be empty or only whitespace"},
  };
  const std::vector<std::vector<std::string>> commands = {{"reserve"}, {"release"},   {"prune"},
                                                          {"expire"},  {"autoclean"}, {"list"}};
  for (const bad_config& c : cases) {
    trop_fixture fx;
    fx.seed({aged(fx.work(), std::nullopt, 5000, 90 * trop::test::kDay),
             aged(fx.root() + "/gone", "x", 5001, 0)});
    const std::string before = store_bytes(fx);
    std::string file = c.file;
    if (file == "config.yaml") {
      write_user_config(fx, c.text);
    } else if (!file.empty()) {
      write_file(fx.work() + "/" + file, c.text);
    }
    const std::string expected =
        std::string("Error: Configuration error: ") + expand(c.message, fx) + "\n";
    for (const std::vector<std::string>& cmd : commands) {
      // TROP_PROJECT is read by reserve only (A.2 #12).
      bool project_var = !c.env.empty() && c.env[0].first == "TROP_PROJECT";
      if (project_var && cmd[0] != "reserve") {
        if (cmd[0] == "list") {
          CHECK(fx.run(cmd, with_env(c.env)).exit_code == 0);
        }
        continue;
      }
      INFO("trop " << cmd[0] << " with " << (file.empty() ? c.env[0].first : file));
      process_result r = fx.run(cmd, with_env(c.env));
      CHECK(r.exit_code == 7);
      CHECK(r.out.empty());
      CHECK(r.err == expected);
    }
    CHECK(store_bytes(fx) == before);
  }
}

TEST_CASE("several problems: the first is shown with a count of the rest", "[quick][config]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml",
             "ports:\n  min: 0\nexcluded_ports: [0]\ncleanup:\n  "
             "expire_after_days: 0\n");
  process_result r = fx.run({"list"});
  CHECK(r.exit_code == 7);
  CHECK(r.err == "Error: Configuration error: validation error for 'ports.min (" + fx.work() +
                     "/trop.yaml)': Must be between 1 and 65535 at line 2 column 3 (and 2 more "
                     "problems)\n");
}

// ---------------------------------------------------------------------------
// Bad input everywhere else

TEST_CASE("empty and whitespace tags are exit 4 for reserve and release (A.2 #10)",
          "[quick][config]") {
  trop_fixture fx;
  fx.seed({aged(fx.work(), "web", 5000, 0)});
  const std::string before = store_bytes(fx);
  for (const char* cmd : {"reserve", "release"}) {
    for (const char* tag : {"", " ", "\t\n ", "\v\f\r"}) {
      for (bool dry : {false, true}) {
        std::vector<std::string> args{cmd, "--tag", tag};
        if (dry) {
          args.push_back("--dry-run");
        }
        process_result r = fx.run(args);
        CHECK(r.exit_code == 4);
        CHECK(r.out.empty());
        CHECK(r.err ==
              "Error: Invalid arguments: validation error for 'tag': tag must be non-empty after "
              "trimming whitespace\n");
      }
    }
  }
  CHECK(store_bytes(fx) == before);
}

TEST_CASE("invalid ports on the command line: exit 4 for reserve, usage errors elsewhere",
          "[quick][config]") {
  trop_fixture fx;
  fx.seed({aged(fx.work(), std::nullopt, 5000, 0)});
  const std::string before = store_bytes(fx);
  for (const char* flag : {"--port", "--min", "--max"}) {
    for (const char* value : {"0", "70000", "5000..4000", "abc", " 5000"}) {
      INFO(flag << " " << value);
      process_result r = fx.run({"reserve", flag, value});
      CHECK(r.exit_code == 4);
      CHECK(r.out.empty());
      CHECK(r.err.rfind("Error: Invalid arguments: ", 0) == 0);
    }
  }
  for (const char* value : {"0", "x", "-3"}) {
    process_result r = fx.run({"expire", "--days", value});
    CHECK(r.exit_code == (std::string(value) == "0" ? 7 : 2));
    CHECK(r.out.empty());
  }
  for (const char* value : {"abc", "-1", "4294967296"}) {
    CHECK(fx.run({"list", "--busy-timeout", value}).exit_code == 2);
  }
  CHECK(store_bytes(fx) == before);
}

TEST_CASE(
    "non-UTF-8 input: explicit and implicit paths exit 6, text values exit 2, "
    "environment values are unset",
    "[quick][config]") {
  trop_fixture fx;
  fx.seed({aged(fx.work(), std::nullopt, 5000, 0)});
  const std::string before = store_bytes(fx);
  const std::string bad = fx.work() + "/bad\xff" + "name";
  const std::string shown = fx.work() + "/bad\\xffname";
  process_result r = fx.run({"reserve", "--path", bad});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: invalid path " + shown + ": Path contains invalid UTF-8\n");
  r = fx.run({"release", "--path", bad});
  CHECK(r.exit_code == 6);
  r = fx.run({"reserve"}, with_env({{"TROP_PATH", bad}}));
  CHECK(r.exit_code == 6);
  CHECK(r.err == "Error: invalid path " + shown + ": Path contains invalid UTF-8\n");
  r = fx.run({"list", "--filter-path", bad});
  CHECK(r.exit_code == 6);

  // The cwd itself (the implicit path) follows the same rule.
  std::filesystem::create_directories(bad);
  for (const char* cmd : {"reserve", "release"}) {
    r = fx.run({cmd}, with_env({}, bad));
    CHECK(r.exit_code == 6);
    CHECK(r.err == "Error: invalid path " + shown + ": Path contains invalid UTF-8\n");
  }

  // Text values: refused while parsing, as the original's argument parser does.
  for (const char* flag : {"--tag", "--project", "--task"}) {
    r = fx.run({"reserve", flag, "x\xfe"});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(std::string("error: ") + flag + ": invalid UTF-8") == 0);
  }

  // Configuration variables that are not UTF-8 count as unset.
  CHECK(dry_port(fx, {}, {{"TROP_PORT_MIN", "6\xff"}}) == "5001");
  CHECK(dry_port(fx, {}, {{"TROP_EXCLUDED_PORTS", "5001\xff"}}) == "5001");
  r = fx.run({"reserve", "--tag", "t"}, with_env({{"TROP_PROJECT", "p\xff"}}));
  CHECK(r.out == "5001\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 2);
  CHECK_FALSE(rs[1].project.has_value());
  // A file with invalid UTF-8 is a syntax error of that file.
  write_file(fx.work() + "/trop.local.yaml", "# caf\xe9\n");
  r = fx.run({"list"});
  CHECK(r.exit_code == 7);
  CHECK(r.err == "Error: Configuration error: validation error for '" + fx.work() +
                     "/trop.local.yaml': Invalid YAML: invalid UTF-8 at line 1 column 6\n");
}

TEST_CASE("--verbose names the configuration files read, in precedence order", "[quick][config]") {
  trop_fixture fx;
  write_user_config(fx, "ports: {min: 5100}\n");
  write_file(fx.work() + "/trop.yaml", "project: app\n");
  write_file(fx.work() + "/trop.local.yaml", "excluded_ports: [5100]\n");
  const std::vector<std::string> all{fx.data_dir() + "/config.yaml", fx.work() + "/trop.yaml",
                                     fx.work() + "/trop.local.yaml"};
  for (const char* cmd : {"reserve", "release", "list", "prune", "expire", "autoclean"}) {
    INFO(cmd);
    process_result r = fx.run({cmd, "--verbose"});
    CHECK(r.exit_code == 0);
    CHECK(loaded_files(r.err) == all);
  }
  // Commands without configuration read none.
  process_result r = fx.run({"assert-data-dir", "-v"});
  CHECK(loaded_files(r.err).empty());
}
