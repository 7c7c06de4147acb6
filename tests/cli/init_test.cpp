// `trop init` (SPEC B §12.19, §4.3, §4.4, A.1, A.2 #23): creating the store,
// --overwrite, --with-config and its template, --dry-run, and failures that
// leave everything as it was.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <sstream>

#include "trop/config.h"
#include "trop/formats/config_loader.h"
#include "trop/formats/config_yaml.h"
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
using namespace std::chrono_literals;
using strings = std::vector<std::string>;

namespace {

reservation record(const std::string& path, std::uint16_t port) {
  reservation r;
  r.key.path = path;
  r.port = port;
  r.created_at = 1700000000;
  r.last_used_at = 1700000000;
  return r;
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// The template with every example line uncommented: "#key" and "#  key"
// lines lose their '#'; prose lines ("#", "# text") stay comments.
std::string uncomment_examples(const std::string& text) {
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) {
    const bool example = line.size() > 1 && line[0] == '#' &&
                         (line[1] != ' ' || line.compare(0, 3, "#  ") == 0) && line[1] != '#';
    out += example ? line.substr(1) : line;
    out += '\n';
  }
  return out;
}

// Runs trop as nobody:nogroup (CI runs as root, where permissions never fail).
process_result run_unprivileged(const trop_fixture& fx, const strings& args) {
  process_options p = fx.options(args);
  p.argv.insert(p.argv.begin(), {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"});
  return trop::test::run_process(p);
}

}  // namespace

TEST_CASE("init creates the data directory and an empty store", "[quick][init]") {
  trop_fixture fx;
  process_result r = fx.run({"init"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out == "Initialized trop in: " + fx.data_dir() +
                     "\n  - Created data directory\n  - Created database\n");
  CHECK(std::filesystem::is_regular_file(fx.data_dir() + "/trop.db"));
  CHECK(mode_of(fx.data_dir()) == 0700);
  CHECK(mode_of(fx.data_dir() + "/trop.db") == 0600);
  CHECK_FALSE(std::filesystem::exists(fx.data_dir() + "/config.yaml"));
  CHECK(fx.stored().empty());
  CHECK(fx.run({"assert-data-dir", "--validate"}).exit_code == 0);
  // The store works; a second init refuses to touch it.
  CHECK(fx.run({"reserve"}).out == "5000\n");
}

TEST_CASE("init in an existing empty directory creates only the store", "[quick][init]") {
  trop_fixture fx;
  std::filesystem::create_directories(fx.data_dir());
  process_result r = fx.run({"init"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Initialized trop in: " + fx.data_dir() + "\n  - Created database\n");
  CHECK(std::filesystem::exists(fx.data_dir() + "/trop.db"));
}

TEST_CASE("init refuses an existing store and changes nothing", "[quick][init]") {
  trop_fixture fx;
  fx.seed({record("/srv/a", 5001)});
  const std::string db = fx.data_dir() + "/trop.db";
  const std::string before = read_file(db);
  strings entries = fx.data_dir_entries();
  for (const strings& args : {strings{"init"}, strings{"init", "--with-config"}}) {
    process_result r = fx.run(args);
    CHECK(r.exit_code == 6);
    CHECK(r.out.empty());
    CHECK(r.err == "Error: validation error for 'database': Database already exists at " + db +
                       ". Use --overwrite to replace it.\n");
  }
  CHECK(read_file(db) == before);
  CHECK(fx.data_dir_entries() == entries);
  CHECK(fx.stored().size() == 1);
}

TEST_CASE("init --overwrite replaces a store: 'Recreated database'", "[quick][init]") {
  trop_fixture fx;
  fx.seed({record("/srv/a", 5001), record("/srv/b", 5002)});
  process_result r = fx.run({"init", "--overwrite"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Initialized trop in: " + fx.data_dir() + "\n  - Recreated database\n");
  CHECK(fx.stored().empty());
  CHECK(fx.run({"assert-data-dir", "--validate"}).exit_code == 0);
  // Even a store trop cannot read is replaced: that is what --overwrite asks.
  trop::test::write_file(fx.data_dir() + "/trop.db", std::string(4096, '\x5a'));
  r = fx.run({"init", "--overwrite"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Initialized trop in: " + fx.data_dir() + "\n  - Recreated database\n");
  CHECK(fx.run({"list", "--format", "json"}).out == "[]\n");
}

TEST_CASE("init --overwrite without a store says 'Created database' (A.2 #23)", "[quick][init]") {
  trop_fixture fx;
  process_result r = fx.run({"init", "--overwrite"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Initialized trop in: " + fx.data_dir() +
                     "\n  - Created data directory\n  - Created database\n");
  r = fx.run({"init", "--overwrite"});
  CHECK(r.out == "Initialized trop in: " + fx.data_dir() + "\n  - Recreated database\n");
}

TEST_CASE("init --with-config writes a template that is an empty configuration", "[quick][init]") {
  trop_fixture fx;
  process_result r = fx.run({"init", "--with-config"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out == "Initialized trop in: " + fx.data_dir() +
                     "\n  - Created data directory\n  - Created database\n"
                     "  - Created default configuration file\n");
  const std::string cfg = fx.data_dir() + "/config.yaml";
  REQUIRE(std::filesystem::is_regular_file(cfg));
  CHECK(mode_of(cfg) == 0600);
  for (const std::string& name : fx.data_dir_entries()) {
    CHECK(name.rfind("config.yaml.tmp", 0) == std::string::npos);  // no temp file left
  }
  // Only comments (and blank lines).
  std::istringstream lines(read_file(cfg));
  for (std::string line; std::getline(lines, line);) {
    INFO(line);
    CHECK((line.empty() || line[0] == '#'));
  }
  // The project's loader reads it as a user file without any problem or value.
  trop::layer_outcome loaded = trop::load_config_file(cfg, trop::config_origin::user_file);
  CHECK(loaded.ok());
  CHECK(loaded.layer.positions.empty());
  CHECK_FALSE(loaded.layer.port_min);
  CHECK(loaded.layer.reservations_state == trop::group_state::absent);
  // And trop itself runs with it.
  r = fx.run({"list"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(fx.run({"reserve"}).out == "5000\n");
}

TEST_CASE("the config template documents every key with its default", "[quick][init]") {
  trop_fixture fx;
  REQUIRE(fx.run({"init", "--with-config"}).exit_code == 0);
  const std::string text = uncomment_examples(read_file(fx.data_dir() + "/config.yaml"));
  INFO(text);
  // Syntax and types of every example (a project file may hold every key).
  trop::layer_outcome o =
      trop::parse_config_yaml(text, "template.yaml", trop::config_origin::project_file);
  for (const trop::config_error& e : o.errors) {
    UNSCOPED_INFO(trop::format_config_error(e));
  }
  REQUIRE(o.ok());
  const trop::config_layer& l = o.layer;
  CHECK(l.project == std::optional<std::string>("my-app"));
  CHECK(l.port_min == std::optional<std::uint16_t>(trop::kDefaultPortMin));
  CHECK(l.port_max == std::optional<std::uint16_t>(trop::kDefaultPortMax));
  CHECK(l.port_max_offset.has_value());
  CHECK(l.excluded_ports.size() == 3);
  CHECK(l.expire_after_days == std::optional<std::uint32_t>(trop::kDefaultExpireAfterDays));
  for (const std::optional<bool>* leaf :
       {&l.occupancy.skip, &l.occupancy.skip_ip4, &l.occupancy.skip_ip6, &l.occupancy.skip_tcp,
        &l.occupancy.skip_udp, &l.occupancy.check_all_interfaces, &l.disable_autoinit,
        &l.disable_autoprune, &l.disable_autoexpire, &l.allow_unrelated_path,
        &l.allow_change_project, &l.allow_change_task, &l.allow_change}) {
    CHECK(*leaf == std::optional<bool>(false));  // every boolean key, shown with its default
  }
  CHECK(l.maximum_lock_wait_seconds == std::optional<std::uint64_t>(trop::kDefaultLockWaitSeconds));
  CHECK(l.output == std::optional<trop::output_format>(trop::output_format::table));
  CHECK(l.durability_mode == std::optional<trop::durability>(trop::durability::full));
  REQUIRE(l.reservations_state == trop::group_state::defined);
  CHECK(l.reservations.base.has_value());
  REQUIRE(l.reservations.services.size() == 2);
  const trop::service_def& web = l.reservations.services[0];
  CHECK((web.offset && web.preferred && web.env));

  // The example values are valid too: only `max` and `max_offset` exclude
  // each other, as the template says.
  std::string one_bound;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find("max_offset:") == std::string::npos) {
      one_bound += line + "\n";
    }
  }
  trop::layer_outcome v =
      trop::load_config_text(one_bound, "trop.yaml", trop::config_origin::project_file);
  for (const trop::config_error& e : v.errors) {
    UNSCOPED_INFO(trop::format_config_error(e));
  }
  CHECK(v.ok());
}

TEST_CASE("init --with-config never overwrites a config.yaml", "[quick][init]") {
  trop_fixture fx;
  std::filesystem::create_directories(fx.data_dir());
  const std::string cfg = fx.data_dir() + "/config.yaml";
  trop::test::write_file(cfg, "ports:\n  min: 6000\n");
  process_result r = fx.run({"init", "--with-config"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Initialized trop in: " + fx.data_dir() +
                     "\n  - Created database\n  - Configuration file already exists (not "
                     "overwritten)\n");
  CHECK(read_file(cfg) == "ports:\n  min: 6000\n");
  // init read no YAML: an invalid user file does not stop it either.
  trop::test::write_file(cfg, "ports: [broken\n");
  r = fx.run({"init", "--overwrite", "--with-config"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Initialized trop in: " + fx.data_dir() +
                     "\n  - Recreated database\n  - Configuration file already exists (not "
                     "overwritten)\n");
  CHECK(read_file(cfg) == "ports: [broken\n");
}

TEST_CASE("init --dry-run describes the plan and changes nothing", "[quick][init]") {
  trop_fixture fx;
  const std::string dir = fx.data_dir();
  const std::string db = dir + "/trop.db";
  const std::string cfg = dir + "/config.yaml";
  const std::string head =
      "Dry-run mode: no changes will be made\n\nWould initialize trop in: " + dir + "\n";

  process_result r = fx.run({"init", "--dry-run"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out ==
        head + "  - Create data directory: " + dir + "\n  - Create database: " + db + "\n");
  r = fx.run({"init", "--dry-run", "--with-config", "--overwrite"});
  CHECK(r.out == head + "  - Create data directory: " + dir + "\n  - Create database: " + db +
                     "\n  - Create configuration file: " + cfg + "\n");
  CHECK_FALSE(std::filesystem::exists(dir));

  std::filesystem::create_directories(dir);
  r = fx.run({"init", "--dry-run", "--with-config"});
  CHECK(r.out == head + "  - Data directory already exists: " + dir + "\n  - Create database: " +
                     db + "\n  - Create configuration file: " + cfg + "\n");
  CHECK(fx.data_dir_entries().empty());

  fx.seed({record("/srv/a", 5001)});
  trop::test::write_file(cfg, "# mine\n");
  const strings entries = fx.data_dir_entries();
  const std::string before = read_file(db);
  r = fx.run({"init", "--dry-run", "--with-config"});
  CHECK(r.exit_code == 0);  // the ERROR line is part of the plan, not a failure
  CHECK(r.out == head + "  - Data directory already exists: " + dir +
                     "\n  - ERROR: Database already exists (use --overwrite to replace): " + db +
                     "\n  - Configuration file already exists (will not overwrite): " + cfg + "\n");
  r = fx.run({"init", "--dry-run", "--overwrite"});
  CHECK(r.out == head + "  - Data directory already exists: " + dir +
                     "\n  - Remove existing database: " + db + "\n  - Create new database: " + db +
                     "\n");
  CHECK(fx.data_dir_entries() == entries);
  CHECK(read_file(db) == before);
  CHECK(read_file(cfg) == "# mine\n");
  CHECK(fx.stored().size() == 1);
}

TEST_CASE("init has its own --data-dir, which beats the global one", "[quick][init]") {
  trop_fixture fx;
  const std::string mine = fx.root() + "/mine";
  const std::string global = fx.root() + "/global";
  process_result r = fx.run({"--data-dir", global, "init", "--data-dir", mine});
  CHECK(r.exit_code == 0);
  CHECK(r.out ==
        "Initialized trop in: " + mine + "\n  - Created data directory\n  - Created database\n");
  CHECK(std::filesystem::exists(mine + "/trop.db"));
  CHECK_FALSE(std::filesystem::exists(global));
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));  // TROP_DATA_DIR lost too
  // The global option and TROP_DATA_DIR still work when init's is absent.
  CHECK(fx.run({"init", "--dry-run", "--data-dir", "rel"})
            .out.find("Would initialize trop in: rel\n") != std::string::npos);
  r = fx.run({"--data-dir", global, "init"});
  CHECK(r.exit_code == 0);
  CHECK(std::filesystem::exists(global + "/trop.db"));
  r = fx.run({"init", "--data-dir", ""});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--data-dir") != std::string::npos);
}

TEST_CASE("init uses defaults, environment and command line, and no YAML", "[quick][init]") {
  trop_fixture fx;
  // An invalid variable fails before anything is created.
  for (const auto& [name, value] : {std::pair<std::string, std::string>{"TROP_BUSY_TIMEOUT", "abc"},
                                    {"TROP_DURABILITY", "eventually"},
                                    {"TROP_PORT_MIN", "0x10"}}) {
    INFO(name);
    run_options o;
    o.env = {{name, value}};
    process_result r = fx.run({"init", "--with-config"}, o);
    CHECK(r.exit_code == 7);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("Error: Configuration error: ", 0) == 0);
    CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
  }
  process_result r = fx.run({"init", "--busy-timeout", "2147484"});
  CHECK(r.exit_code == 7);
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
  // Project files are never read.
  trop::test::write_file(fx.work() + "/trop.yaml", "unknown_key: [\n");
  run_options o;
  o.env = {{"TROP_PROJECT", ""}, {"TROP_TASK", " "}};  // not read either (A.2 #12)
  r = fx.run({"init"}, o);
  CHECK(r.exit_code == 0);
  CHECK(std::filesystem::exists(fx.data_dir() + "/trop.db"));
}

TEST_CASE("init prints to stdout even with --quiet; --disable-autoinit has no effect",
          "[quick][init]") {
  trop_fixture fx;
  process_result r = fx.run({"init", "--quiet", "--disable-autoinit"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out == "Initialized trop in: " + fx.data_dir() +
                     "\n  - Created data directory\n  - Created database\n");
  run_options o;
  o.env = {{"TROP_DISABLE_AUTOINIT", "true"}};
  r = fx.run({"init", "--overwrite", "--verbose"}, o);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Initialized trop in: " + fx.data_dir() + "\n  - Recreated database\n");
}

TEST_CASE("init refuses a data directory path that is not a directory", "[quick][init]") {
  trop_fixture fx;
  trop::test::write_file(fx.data_dir(), "a file");
  process_result r = fx.run({"init", "--with-config"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: invalid path " + fx.data_dir() +
                     ": the data directory exists and is not a directory\n");
  r = fx.run({"init", "--dry-run"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("  - ERROR: Data directory path exists and is not a directory: " +
                   fx.data_dir() + "\n") != std::string::npos);
  CHECK(read_file(fx.data_dir()) == "a file");
}

TEST_CASE("a failed init leaves the file system as it was", "[quick][init]") {
  if (::geteuid() != 0) {
    WARN("skipped: needs root to drop privileges with setpriv");
    return;
  }
  trop_fixture fx;
  // nobody may enter the fixture but not write in `locked`.
  std::filesystem::permissions(fx.root(), std::filesystem::perms(0755));
  const std::string locked = fx.make_dir("locked");
  std::filesystem::permissions(locked, std::filesystem::perms(0755));

  process_result r = run_unprivileged(fx, {"init", "--data-dir", locked + "/data"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err.find("Permission denied") != std::string::npos);
  CHECK(std::filesystem::is_empty(locked));

  // An existing directory: the template cannot be written (exit 5, I/O) ...
  r = run_unprivileged(fx, {"init", "--with-config", "--data-dir", locked});
  CHECK(r.exit_code == 5);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("Error: I/O error: cannot create " + locked + "/config.yaml.tmp-", 0) == 0);
  CHECK(std::filesystem::is_empty(locked));
  // ... nor the store (exit 6).
  r = run_unprivileged(fx, {"init", "--data-dir", locked});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(std::filesystem::is_empty(locked));
}

TEST_CASE("init --overwrite waits for the write lock and gives up unchanged", "[torture][init]") {
  trop_fixture fx;
  fx.seed({record("/srv/a", 5001)});
  process_options holder_opts;
  holder_opts.argv = {TROP_LOCK_HOLDER, fx.data_dir(), "60"};
  holder_opts.timeout = 120s;
  child_process holder(holder_opts);
  REQUIRE(holder.read_stdout_line(30s) == std::optional<std::string>("locked"));
  const strings entries = fx.data_dir_entries();
  process_result r = fx.run({"init", "--overwrite", "--with-config", "--busy-timeout", "0"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: database lock timeout while starting a write transaction after 0s\n");
  CHECK(fx.data_dir_entries() == entries);  // no config.yaml, no temp file
  r = fx.run({"init", "--overwrite", "--busy-timeout", "1"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "Error: database lock timeout while starting a write transaction after 1s\n");
  CHECK(r.elapsed >= 900ms);
  CHECK(fx.stored().size() == 1);
}
