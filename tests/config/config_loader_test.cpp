// Discovery (SPEC B §4.2), scopes (§4.3), the whole pipeline and the error
// texts (§4.9), on real files in temporary directories.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "config_test_util.h"

namespace {

using trop::config_error_kind;
using trop::config_origin;
using trop::config_outcome;
using trop::config_request;
using trop::config_scope;
using trop::format_config_error;
using trop::load_config;
using trop::loaded_file;
using trop::testing::fake_env;
using trop::testing::lines;
using trop::testing::temp_dir;

config_request request_for(const temp_dir& t, const std::string& cwd_rel,
                           config_scope scope = config_scope::discover) {
  config_request r;
  r.data_dir = t.path() + "/data";
  r.cwd = t.path() + "/" + cwd_rel;
  r.scope = scope;
  return r;
}

TEST_CASE("Discovery stops at the first directory with either project file", "[quick]") {
  temp_dir t;
  t.write("trop.yaml", "project: top\n");
  t.write("a/trop.local.yaml", "project: a-local\n");
  t.mkdir("a/b/c");

  std::optional<trop::project_files> f = trop::discover_project_files(t.path() + "/a/b/c");
  REQUIRE(f);
  CHECK(f->dir == t.path() + "/a");
  CHECK_FALSE(f->project);  // trop.yaml at the top is never reached
  CHECK(f->local == t.path() + "/a/trop.local.yaml");

  config_outcome o = load_config(request_for(t, "a/b/c"));
  INFO(lines(o.errors));
  REQUIRE(o.ok());
  CHECK(o.config.project == "a-local");
  CHECK(o.project_dir == t.path() + "/a");
  CHECK(o.files ==
        std::vector<loaded_file>{{t.path() + "/a/trop.local.yaml", config_origin::local_file}});

  f = trop::discover_project_files(t.path());
  REQUIRE(f);
  CHECK(f->project == t.path() + "/trop.yaml");
  CHECK_FALSE(f->local);
}

TEST_CASE("Discovery with no project file anywhere loads only the user file", "[quick]") {
  temp_dir t;
  t.mkdir("x/y");
  t.write("data/config.yaml", "ports: {min: 7000}\n");
  // The temp dir's ancestors (/tmp, /) hold no trop.yaml on a sane machine.
  REQUIRE_FALSE(trop::discover_project_files(t.path() + "/x/y"));
  config_outcome o = load_config(request_for(t, "x/y"));
  INFO(lines(o.errors));
  REQUIRE(o.ok());
  CHECK(o.project_dir.empty());
  CHECK(o.files ==
        std::vector<loaded_file>{{t.path() + "/data/config.yaml", config_origin::user_file}});
  CHECK(o.config.range() == trop::port_range{7000, 7000});
}

TEST_CASE("A directory named trop.yaml is found, then fails to read", "[quick]") {
  temp_dir t;
  t.mkdir("proj/trop.yaml");
  t.mkdir("proj/sub");
  config_outcome o = load_config(request_for(t, "proj/sub"));
  REQUIRE(o.errors.size() == 1);
  CHECK(o.errors[0].kind == config_error_kind::read);
  CHECK(format_config_error(o.errors[0]) ==
        "invalid path " + t.path() +
            "/proj/trop.yaml: Failed to read configuration file: Is a directory (os error 21)");
  CHECK(o.project_dir == t.path() + "/proj");
}

TEST_CASE("Explicit-file mode loads trop.yaml's sibling, and nothing else", "[quick]") {
  temp_dir t;
  t.write("g/trop.yaml", "project: p\nreservations:\n  services: {web: {}}\n");
  t.write("g/trop.local.yaml", "reservations:\n  services: {api: {}}\n");
  t.write("g/other.yaml", "reservations:\n  services: {db: {}}\n");
  t.write("cwd/trop.yaml", "project: from-cwd\n");  // never walked in explicit mode

  config_request r = request_for(t, "cwd", config_scope::explicit_project);
  r.explicit_file = "../g/trop.yaml";
  config_outcome o = load_config(r);
  INFO(lines(o.errors));
  REQUIRE(o.ok());
  REQUIRE(o.files.size() == 2);
  CHECK(o.files[0].kind == config_origin::project_file);
  CHECK(o.files[1] ==
        loaded_file{t.path() + "/cwd/../g/trop.local.yaml", config_origin::local_file});
  CHECK(o.config.project == "p");
  REQUIRE(o.config.group);
  CHECK(o.config.group->services[0].tag == "api");
  CHECK(o.config.group_file == t.path() + "/cwd/../g/trop.local.yaml");
  CHECK(o.config.group_origin == config_origin::local_file);

  // Naming the local file brings trop.yaml as the project layer.
  r.explicit_file = t.path() + "/g/trop.local.yaml";
  o = load_config(r);
  REQUIRE(o.ok());
  CHECK(o.files ==
        std::vector<loaded_file>{{t.path() + "/g/trop.yaml", config_origin::project_file},
                                 {t.path() + "/g/trop.local.yaml", config_origin::local_file}});

  // Any other name is loaded alone, as the project layer.
  r.explicit_file = "../g/other.yaml";
  o = load_config(r);
  REQUIRE(o.ok());
  CHECK(o.files ==
        std::vector<loaded_file>{{t.path() + "/cwd/../g/other.yaml", config_origin::project_file}});
  CHECK(o.config.group->services[0].tag == "db");
  CHECK_FALSE(o.config.project);

  // A missing explicit file is a read error (the CLI checks existence first).
  r.explicit_file = "missing.yaml";
  o = load_config(r);
  REQUIRE(o.errors.size() == 1);
  CHECK(format_config_error(o.errors[0]).find("No such file or directory (os error 2)") !=
        std::string::npos);
}

TEST_CASE("Precedence with every layer present", "[quick]") {
  temp_dir t;
  t.write("data/config.yaml",
          "maximum_lock_wait_seconds: 1\noutput_format: csv\nexcluded_ports: [6001]\n"
          "allow_change: true\n");
  t.write("p/trop.yaml",
          "maximum_lock_wait_seconds: 2\nports: {min: 6000, max: 6100}\nexcluded_ports: [6002]\n"
          "project: proj\n");
  t.write(
      "p/trop.local.yaml",
      "maximum_lock_wait_seconds: 3\nports: {min: 6000, max_offset: 50}\nexcluded_ports: [6003]\n");
  fake_env env{{"TROP_BUSY_TIMEOUT", "4"},
               {"TROP_EXCLUDED_PORTS", "6004"},
               {"TROP_OUTPUT_FORMAT", "tsv"},
               {"TROP_PROJECT", "env-proj"}};
  config_request r = request_for(t, "p");
  r.getenv = env.lookup();
  r.command_line.maximum_lock_wait_seconds = 5;
  r.command_line.port_min = 6010;
  config_outcome o = load_config(r);
  INFO(lines(o.errors));
  REQUIRE(o.ok());
  CHECK(o.files.size() == 3);
  CHECK(o.config.maximum_lock_wait_seconds == 5u);
  CHECK(o.config.source_of("maximum_lock_wait_seconds").name == "<command line>");
  CHECK(o.config.range() == trop::port_range{6010, 6060});
  CHECK(o.config.output == trop::output_format::tsv);
  CHECK(o.config.allow_change);
  CHECK(o.config.exclusions.ranges() == std::vector<trop::port_range>{{6001, 6004}});
  // TROP_PROJECT is ignored unless the command uses project/task.
  CHECK(o.config.project == "proj");
  r.uses_project_task = true;
  o = load_config(r);
  REQUIRE(o.ok());
  CHECK(o.config.project == "env-proj");
}

TEST_CASE("Scopes: defaults+env+CLI reads no YAML; none reads nothing", "[quick]") {
  temp_dir t;
  t.write("data/config.yaml", "bogus: 1\n");
  t.write("p/trop.yaml", "bogus: 1\n");
  fake_env env{{"TROP_PORT_MIN", "6000"}};

  config_request r = request_for(t, "p", config_scope::defaults_env_cli);
  r.getenv = env.lookup();
  config_outcome o = load_config(r);
  REQUIRE(o.ok());
  CHECK(o.files.empty());
  CHECK(o.config.port_min == 6000);

  fake_env bad{{"TROP_PORT_MIN", "x"}};
  r.getenv = bad.lookup();
  CHECK_FALSE(load_config(r).ok());
  r.scope = config_scope::none;
  o = load_config(r);
  REQUIRE(o.ok());
  CHECK(o.files.empty());
  CHECK(o.config.port_min == 5000);

  // Discover reads both broken files and reports both.
  r.scope = config_scope::discover;
  r.getenv = env.lookup();
  o = load_config(r);
  REQUIRE(o.errors.size() == 2);
  CHECK(o.errors[0].source == t.path() + "/data/config.yaml");
  CHECK(o.errors[1].source == t.path() + "/p/trop.yaml");
  CHECK(o.files.size() == 2);
}

TEST_CASE("File problems are reported before any merged check", "[quick]") {
  temp_dir t;
  t.write("p/trop.yaml", "ports: {min: 0}\n");
  fake_env env{{"TROP_SKIP_TCP", "perhaps"}, {"TROP_EXPIRE_AFTER_DAYS", "0"}};
  config_request r = request_for(t, "p");
  r.getenv = env.lookup();
  config_outcome o = load_config(r);
  INFO(lines(o.errors));
  REQUIRE(o.errors.size() == 2);
  CHECK(format_config_error(o.errors[0]) == "validation error for 'ports.min (" + t.path() +
                                                "/p/trop.yaml)': Must be between 1 and "
                                                "65535");
  CHECK(format_config_error(o.errors[1]) ==
        "validation error for 'TROP_SKIP_TCP': Invalid boolean value: 'perhaps' (expected "
        "true/false/1/0/yes/no/on/off)");
}

TEST_CASE("The user file's forbidden keys fail the whole load", "[quick]") {
  temp_dir t;
  const std::string user = t.write("data/config.yaml", "project: nope\n");
  t.mkdir("p");
  config_outcome o = load_config(request_for(t, "p"));
  REQUIRE(o.errors.size() == 1);
  CHECK(format_config_error(o.errors[0]) ==
        "validation error for 'project (" + user +
            ")': project is only valid in trop.yaml/trop.local.yaml, not user config.yaml");
}

TEST_CASE("The command-line layer is always labelled <command line>", "[quick]") {
  temp_dir t;
  t.mkdir("p");
  config_request r = request_for(t, "p");
  r.command_line.origin = "something else";
  r.command_line.kind = config_origin::project_file;
  r.command_line.expire_after_days = 0;
  config_outcome o = load_config(r);
  REQUIRE(o.errors.size() == 1);
  CHECK(format_config_error(o.errors[0]) ==
        "validation error for 'cleanup.expire_after_days (<command line>)': Must be > 0");
}

TEST_CASE("An unreadable file is a read error", "[quick]") {
  if (::geteuid() == 0) {
    SUCCEED("root reads every file; the directory case above covers read errors");
    return;
  }
  temp_dir t;
  std::string p = t.write("p/trop.yaml", "project: x\n");
  ::chmod(p.c_str(), 0);
  config_outcome o = load_config(request_for(t, "p"));
  REQUIRE(o.errors.size() == 1);
  CHECK(format_config_error(o.errors[0]).find("Permission denied (os error 13)") !=
        std::string::npos);
}

TEST_CASE("Error shapes of SPEC B §4.9", "[quick]") {
  trop::config_error e;
  e.kind = config_error_kind::read;
  e.source = "/x/trop.yaml";
  e.message = "Failed to read configuration file: Is a directory (os error 21)";
  CHECK(format_config_error(e) ==
        "invalid path /x/trop.yaml: Failed to read configuration file: Is a directory (os error "
        "21)");
  e.kind = config_error_kind::syntax;
  e.message = "did not find expected key";
  e.line = 3;
  e.column = 4;
  CHECK(format_config_error(e) ==
        "validation error for '/x/trop.yaml': Invalid YAML: did not find expected key at line 3 "
        "column 4");
  CHECK(trop::describe_syntax_error(e) == "did not find expected key at line 3 column 4");
  e.kind = config_error_kind::value;
  e.field = "ports.min";
  e.message = "Must be between 1 and 65535";
  CHECK(format_config_error(e) ==
        "validation error for 'ports.min (/x/trop.yaml)': Must be between 1 and 65535");
  e.source.clear();
  e.field = "TROP_PORT_MIN";
  e.message = "Invalid port number";
  CHECK(format_config_error(e) == "validation error for 'TROP_PORT_MIN': Invalid port number");
}

TEST_CASE("Paths: the user file and explicit files", "[quick]") {
  CHECK(trop::user_config_path("/home/u/.trop") == "/home/u/.trop/config.yaml");
  CHECK(trop::user_config_path("/home/u/.trop/") == "/home/u/.trop/config.yaml");
  trop::project_files f = trop::explicit_project_files("/nowhere/x.yml", "/cwd");
  CHECK(f.dir == "/nowhere");
  CHECK(f.project == "/nowhere/x.yml");
  CHECK_FALSE(f.local);
  f = trop::explicit_project_files("trop.yaml", "/");
  CHECK(f.project == "/trop.yaml");
  CHECK(f.dir == "/");
}

}  // namespace
