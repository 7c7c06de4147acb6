// The merge rules of SPEC B §4.7, validation of the merged result and the
// group rules of §4.6 (with A.2 #27).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "config_test_util.h"

namespace {

using trop::config_error;
using trop::config_layer;
using trop::config_origin;
using trop::effective_config;
using trop::exclusion_entry;
using trop::format_config_error;
using trop::group_state;
using trop::reservation_group;
using trop::service_def;
using trop::testing::any_contains;
using trop::testing::lines;

config_layer file_layer(config_origin kind, std::string path) {
  config_layer l;
  l.kind = kind;
  l.origin = std::move(path);
  return l;
}

config_layer yaml(const std::string& text, config_origin kind, const std::string& path) {
  trop::layer_outcome r = trop::load_config_text(text, path, kind);
  INFO(lines(r.errors));
  REQUIRE(r.ok());
  return r.layer;
}

config_layer cli_layer() {
  return file_layer(config_origin::command_line, std::string(trop::kOriginCommandLine));
}

config_layer env_layer(std::initializer_list<std::pair<const std::string, std::string>> vars,
                       bool uses_project_task = false) {
  trop::testing::fake_env env(vars);
  trop::layer_outcome r = trop::read_env_layer(env.lookup(), uses_project_task);
  INFO(lines(r.errors));
  REQUIRE(r.ok());
  return r.layer;
}

service_def svc(std::string tag, std::optional<std::uint16_t> offset = {},
                std::optional<std::uint16_t> preferred = {}, std::optional<std::string> env = {}) {
  service_def s;
  s.tag = std::move(tag);
  s.offset = offset;
  s.preferred = preferred;
  s.env = std::move(env);
  return s;
}

std::vector<config_error> check_group(std::vector<service_def> services,
                                      std::optional<std::uint16_t> base = {}) {
  reservation_group g;
  g.base = base;
  g.services = std::move(services);
  return trop::validate_group(g, "/p/trop.yaml");
}

TEST_CASE("Defaults when no layer sets anything", "[quick]") {
  effective_config c = trop::merge_layers({});
  REQUIRE(trop::validate_effective(c).empty());
  CHECK(c.range() == trop::port_range{5000, 7000});
  CHECK(c.exclusions.empty());
  CHECK(c.expire_after_days == 30u);
  CHECK(c.maximum_lock_wait_seconds == 5u);
  CHECK(c.busy_timeout_seconds() == 5u);
  CHECK(c.output == trop::output_format::table);
  CHECK(c.durability_mode == trop::durability::full);
  CHECK_FALSE(c.project);
  CHECK_FALSE(c.group);
  CHECK(c.occupancy == trop::occupancy_settings{});
  CHECK(c.source_of("ports.min").name == "<built-in defaults>");
  CHECK(c.source_of("ports.min").kind == config_origin::defaults);
}

TEST_CASE("Precedence: defaults < user < project < local < environment < command line", "[quick]") {
  std::vector<config_layer> layers = {
      yaml("maximum_lock_wait_seconds: 1\noutput_format: csv\ncleanup: {expire_after_days: 2}\n"
           "disable_autoprune: true\n",
           config_origin::user_file, "/d/config.yaml"),
      yaml("maximum_lock_wait_seconds: 2\noutput_format: tsv\nproject: proj\n",
           config_origin::project_file, "/p/trop.yaml"),
      yaml("maximum_lock_wait_seconds: 3\nproject: local\n", config_origin::local_file,
           "/p/trop.local.yaml"),
      env_layer({{"TROP_BUSY_TIMEOUT", "4"}}),
  };
  config_layer cli = cli_layer();
  cli.output = trop::output_format::json;
  layers.push_back(cli);

  effective_config c = trop::merge_layers(layers);
  REQUIRE(trop::validate_effective(c).empty());
  CHECK(c.maximum_lock_wait_seconds == 4u);
  CHECK(c.source_of("maximum_lock_wait_seconds").name == "TROP_BUSY_TIMEOUT");
  CHECK(c.source_of("maximum_lock_wait_seconds").kind == config_origin::environment);
  CHECK(c.output == trop::output_format::json);
  CHECK(c.source_of("output_format").name == "<command line>");
  CHECK(c.project == "local");
  CHECK(c.project_source().kind == config_origin::local_file);
  CHECK(c.project_source().name == "/p/trop.local.yaml");
  CHECK(c.expire_after_days == 2u);
  CHECK(c.source_of("cleanup.expire_after_days").name == "/d/config.yaml");
  CHECK(c.disable_autoprune);
}

TEST_CASE("ports: min always overrides; the upper bound is max xor max_offset", "[quick]") {
  config_layer base = yaml("ports: {min: 6000, max: 6500}\n", config_origin::project_file, "/p/a");

  SECTION("a layer with only max_offset clears the inherited max") {
    config_layer top =
        yaml("ports: {min: 6100, max_offset: 10}\n", config_origin::local_file, "/p/b");
    effective_config c = trop::merge_layers(std::vector{base, top});
    REQUIRE(trop::validate_effective(c).empty());
    CHECK(c.port_min == 6100);
    CHECK_FALSE(c.port_max);
    CHECK(c.port_max_offset == 10);
    CHECK(c.range() == trop::port_range{6100, 6110});
  }
  SECTION("a layer with only max clears an inherited max_offset") {
    config_layer mid =
        yaml("ports: {min: 6000, max_offset: 10}\n", config_origin::project_file, "/p/a");
    config_layer top = yaml("ports: {min: 6001, max: 6200}\n", config_origin::local_file, "/p/b");
    effective_config c = trop::merge_layers(std::vector{mid, top});
    REQUIRE(trop::validate_effective(c).empty());
    CHECK_FALSE(c.port_max_offset);
    CHECK(c.range() == trop::port_range{6001, 6200});
  }
  SECTION("a layer with neither inherits both") {
    config_layer top = yaml("ports: {min: 6200}\n", config_origin::local_file, "/p/b");
    effective_config c = trop::merge_layers(std::vector{base, top});
    REQUIRE(trop::validate_effective(c).empty());
    CHECK(c.range() == trop::port_range{6200, 6500});
    CHECK(c.source_of("ports.max").name == "/p/a");
    CHECK(c.source_of("ports.min").name == "/p/b");
  }
  SECTION("a layer with both sets both, and the merged result fails") {
    config_layer both = file_layer(config_origin::local_file, "/p/b");
    both.port_max = 6300;
    both.port_max_offset = 5;
    effective_config c = trop::merge_layers(std::vector{base, both});
    std::vector<config_error> errors = trop::validate_effective(c);
    REQUIRE(errors.size() == 1);
    CHECK(format_config_error(errors[0]) ==
          "validation error for 'ports (/p/b)': max and max_offset are mutually exclusive; set "
          "only one of them");
  }
  SECTION("--min overrides min only; --max overrides max and clears max_offset") {
    config_layer offset =
        yaml("ports: {min: 6000, max_offset: 10}\n", config_origin::project_file, "/p/a");
    config_layer cli = cli_layer();
    cli.port_min = 6005;
    effective_config c = trop::merge_layers(std::vector{offset, cli});
    REQUIRE(trop::validate_effective(c).empty());
    CHECK(c.range() == trop::port_range{6005, 6015});
    cli.port_max = 6100;
    c = trop::merge_layers(std::vector{offset, cli});
    REQUIRE(trop::validate_effective(c).empty());
    CHECK_FALSE(c.port_max_offset);
    CHECK(c.range() == trop::port_range{6005, 6100});
    CHECK(c.source_of("ports.max").name == "<command line>");
  }
  SECTION("TROP_PORT_MAX sets max and clears max_offset; TROP_PORT_MAX_OFFSET wins over it") {
    config_layer offset =
        yaml("ports: {min: 6000, max_offset: 10}\n", config_origin::project_file, "/p/a");
    effective_config c =
        trop::merge_layers(std::vector{offset, env_layer({{"TROP_PORT_MAX", "6400"}})});
    REQUIRE(trop::validate_effective(c).empty());
    CHECK(c.range() == trop::port_range{6000, 6400});
    c = trop::merge_layers(
        std::vector{base, env_layer({{"TROP_PORT_MAX", "6400"}, {"TROP_PORT_MAX_OFFSET", "20"}})});
    REQUIRE(trop::validate_effective(c).empty());
    CHECK_FALSE(c.port_max);
    CHECK(c.range() == trop::port_range{6000, 6020});
    CHECK(c.source_of("ports.max_offset").name == "TROP_PORT_MAX_OFFSET");
  }
}

TEST_CASE("An invalid intermediate combination is repaired by a higher layer", "[quick]") {
  config_layer file = yaml("ports: {min: 7000, max: 8000}\n", config_origin::project_file, "/p/a");
  config_layer env = env_layer({{"TROP_PORT_MAX", "6000"}});

  effective_config c = trop::merge_layers(std::vector{file, env});
  std::vector<config_error> errors = trop::validate_effective(c);
  REQUIRE(errors.size() == 1);
  // The error names the source that last set the offending field.
  CHECK(format_config_error(errors[0]) ==
        "validation error for 'ports.max (TROP_PORT_MAX)': max (6000) must be greater than or "
        "equal to min (7000)");

  config_layer cli = cli_layer();
  cli.port_max = 9000;
  c = trop::merge_layers(std::vector{file, env, cli});
  REQUIRE(trop::validate_effective(c).empty());
  CHECK(c.range() == trop::port_range{7000, 9000});
}

TEST_CASE("Merged-validation errors name their source", "[quick]") {
  config_layer cli = cli_layer();
  cli.maximum_lock_wait_seconds = 2147484;
  effective_config c = trop::merge_layers(std::vector{cli});
  std::vector<config_error> errors = trop::validate_effective(c);
  REQUIRE(errors.size() == 1);
  CHECK(format_config_error(errors[0]) ==
        "validation error for 'maximum_lock_wait_seconds (<command line>)': must not exceed "
        "2147483 seconds");

  c = trop::merge_layers(std::vector{env_layer({{"TROP_MAXIMUM_LOCK_WAIT_SECONDS", "3000000"}})});
  errors = trop::validate_effective(c);
  REQUIRE(errors.size() == 1);
  CHECK(format_config_error(errors[0]) ==
        "validation error for 'maximum_lock_wait_seconds (TROP_MAXIMUM_LOCK_WAIT_SECONDS)': must "
        "not exceed 2147483 seconds");

  c = trop::merge_layers(std::vector{env_layer({{"TROP_EXPIRE_AFTER_DAYS", "0"}})});
  errors = trop::validate_effective(c);
  REQUIRE(errors.size() == 1);
  CHECK(format_config_error(errors[0]) ==
        "validation error for 'cleanup.expire_after_days (TROP_EXPIRE_AFTER_DAYS)': Must be > 0");

  c = trop::merge_layers(std::vector{env_layer({{"TROP_PORT_MIN", "0"}})});
  errors = trop::validate_effective(c);
  REQUIRE(errors.size() == 1);
  CHECK(format_config_error(errors[0]) ==
        "validation error for 'ports.min (TROP_PORT_MIN)': Must be between 1 and 65535");

  c = trop::merge_layers(std::vector{env_layer({{"TROP_EXCLUDED_PORTS", "5000, 0, 9..3"}})});
  errors = trop::validate_effective(c);
  REQUIRE(errors.size() == 2);
  CHECK(format_config_error(errors[0]) ==
        "validation error for 'excluded_ports (TROP_EXCLUDED_PORTS)': Invalid port: 0");
  CHECK(format_config_error(errors[1]) ==
        "validation error for 'excluded_ports (TROP_EXCLUDED_PORTS)': Invalid range: 9..3 (end < "
        "start)");
}

TEST_CASE("Exclusions accumulate across every layer", "[quick]") {
  std::vector<config_layer> layers = {
      yaml("excluded_ports: [5001]\n", config_origin::user_file, "/d/config.yaml"),
      yaml("excluded_ports: [5002, \"5010..5012\"]\n", config_origin::project_file, "/p/trop.yaml"),
      yaml("excluded_ports: [{start: 5011, end: 5020}]\n", config_origin::local_file,
           "/p/trop.local.yaml"),
      env_layer({{"TROP_EXCLUDED_PORTS", "5030,5040..5041"}}),
  };
  config_layer cli = cli_layer();
  cli.excluded_ports.push_back(exclusion_entry::single(5050));
  layers.push_back(cli);
  effective_config c = trop::merge_layers(layers);
  REQUIRE(trop::validate_effective(c).empty());
  REQUIRE(c.excluded_ports.size() == 7);
  CHECK(c.excluded_ports[0].origin == "/d/config.yaml");
  CHECK(c.excluded_ports[4].origin == "TROP_EXCLUDED_PORTS");
  CHECK(c.excluded_ports[6].origin == "<command line>");
  std::vector<trop::port_range> merged = {
      {5001, 5002}, {5010, 5020}, {5030, 5030}, {5040, 5041}, {5050, 5050}};
  CHECK(c.exclusions.ranges() == merged);
}

TEST_CASE("reservations: omitted inherits, a mapping replaces, null clears", "[quick]") {
  config_layer project = yaml("reservations:\n  services: {web: {offset: 0}, api: {offset: 1}}\n",
                              config_origin::project_file, "/p/trop.yaml");

  effective_config c = trop::merge_layers(
      std::vector{project, yaml("project: x\n", config_origin::local_file, "/p/trop.local.yaml")});
  REQUIRE(c.group);
  CHECK(c.group->services.size() == 2);
  CHECK(c.group_file == "/p/trop.yaml");
  CHECK(c.group_origin == config_origin::project_file);

  c = trop::merge_layers(
      std::vector{project, yaml("reservations:\n  services: {db: {}}\n", config_origin::local_file,
                                "/p/trop.local.yaml")});
  REQUIRE(c.group);
  REQUIRE(c.group->services.size() == 1);  // replaced whole, never merged by service
  CHECK(c.group->services[0].tag == "db");
  CHECK(c.group_file == "/p/trop.local.yaml");
  CHECK(c.group_origin == config_origin::local_file);

  c = trop::merge_layers(std::vector{
      project, yaml("reservations: ~\n", config_origin::local_file, "/p/trop.local.yaml")});
  CHECK_FALSE(c.group);
  CHECK(c.group_file.empty());
  CHECK(c.source_of("reservations").name == "/p/trop.local.yaml");
}

TEST_CASE("A user-file reservations: null is inert", "[quick]") {
  config_layer user = yaml("reservations: null\n", config_origin::user_file, "/d/config.yaml");
  config_layer project =
      yaml("reservations:\n  services: {web: {}}\n", config_origin::project_file, "/p/trop.yaml");
  // Only the precedence order matters; apply the user layer after the project
  // one to show that even then it clears nothing.
  effective_config c = trop::merge_layers(std::vector{project, user});
  REQUIRE(c.group);
  CHECK(c.group_file == "/p/trop.yaml");
}

TEST_CASE("cleanup {} keeps the lower value; occupancy leaves override one by one", "[quick]") {
  effective_config c = trop::merge_layers(std::vector{
      yaml("cleanup: {expire_after_days: 9}\noccupancy_check: {skip_tcp: true, skip_udp: true}\n",
           config_origin::user_file, "/d/config.yaml"),
      yaml("cleanup: {}\noccupancy_check: {skip_udp: false, check_all_interfaces: true}\n",
           config_origin::project_file, "/p/trop.yaml"),
      env_layer({{"TROP_SKIP_IPV6", "yes"}}),
  });
  REQUIRE(trop::validate_effective(c).empty());
  CHECK(c.expire_after_days == 9u);
  CHECK(c.occupancy.skip_tcp);
  CHECK_FALSE(c.occupancy.skip_udp);
  CHECK(c.occupancy.check_all_interfaces);
  CHECK(c.occupancy.skip_ip6);
  CHECK_FALSE(c.occupancy.skip_ip4);
  CHECK_FALSE(c.occupancy.skip);

  c.occupancy.skip = true;
  trop::occupancy_policy p = c.occupancy.policy();
  CHECK(p.skip_ip4);
  CHECK(p.skip_ip6);
  CHECK(p.skip_tcp);
  CHECK(p.skip_udp);
  CHECK(p.check_all_interfaces);
}

TEST_CASE("Change permissions: allow_change widens both", "[quick]") {
  effective_config c;
  CHECK_FALSE(c.may_change_project());
  c.allow_change_task = true;
  CHECK(c.may_change_task());
  CHECK_FALSE(c.may_change_project());
  c.allow_change = true;
  CHECK(c.may_change_project());
}

TEST_CASE("Project and task: trimmed, validated, cleared by the command line", "[quick]") {
  effective_config c = trop::merge_layers(
      std::vector{yaml("project: file-proj\n", config_origin::project_file, "/p/trop.yaml"),
                  env_layer({{"TROP_PROJECT", "  env proj  "}, {"TROP_TASK", "\tt1\n"}}, true)});
  REQUIRE(trop::validate_effective(c).empty());
  CHECK(c.project == "env proj");
  CHECK(c.task == "t1");
  CHECK(c.project_source().kind == config_origin::environment);
  CHECK(c.project_source().name == "TROP_PROJECT");
  CHECK(c.task_source().name == "TROP_TASK");

  config_layer cli = cli_layer();
  cli.clear_project = true;
  cli.task = "cli-task";
  c = trop::merge_layers(
      std::vector{yaml("project: file-proj\n", config_origin::project_file, "/p/trop.yaml"), cli});
  REQUIRE(trop::validate_effective(c).empty());
  CHECK_FALSE(c.project);
  CHECK(c.project_cleared);
  CHECK(c.project_source().kind == config_origin::command_line);
  CHECK(c.task == "cli-task");

  cli = cli_layer();
  cli.project = std::string(256, 'p');
  cli.task = "   ";
  c = trop::merge_layers(std::vector{cli});
  std::vector<config_error> errors = trop::validate_effective(c);
  INFO(lines(errors));
  REQUIRE(errors.size() == 2);
  CHECK(format_config_error(errors[0]) ==
        "validation error for 'project (<command line>)': Cannot exceed 255 characters");
  CHECK(format_config_error(errors[1]) ==
        "validation error for 'task (<command line>)': Cannot be empty or only whitespace");

  cli.project = std::string("a\0b", 3);
  cli.task = " " + std::string(255, 't') + " ";  // 255 bytes after trimming: fine
  c = trop::merge_layers(std::vector{cli});
  errors = trop::validate_effective(c);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "Cannot contain NUL bytes");
}

TEST_CASE("Group: tags must be unique after trimming and valid identifiers", "[quick]") {
  CHECK(check_group({svc("web", 0), svc("api", 1)}).empty());
  std::vector<config_error> e = check_group({svc("web", 0, {}, "A"), svc("  web\t", 1, {}, "B")});
  REQUIRE(e.size() == 1);
  CHECK(e[0].field == "reservations.services.tag");
  CHECK(e[0].message == "Services #1 and #2 have the same tag after trimming");
  // Tags compare exactly (case matters), only their env names compare without case.
  e = check_group({svc("web", 0, {}, "A"), svc("Web", 1, {}, "B")});
  CHECK(e.empty());

  e = check_group({svc(" ", 0, {}, "A")});
  REQUIRE(e.size() == 1);
  CHECK(e[0].message == "Service #1: tag cannot be empty or only whitespace");
  e = check_group({svc(std::string(256, 'a'), 0, {}, "A")});
  REQUIRE(e.size() == 1);
  CHECK(e[0].message == "Service #1: tag cannot exceed 255 characters");
  CHECK(check_group({svc(" " + std::string(255, 'a') + " ", 0)}).empty());
  e = check_group({svc(std::string("a\0b", 3), 0, {}, "A")});
  REQUIRE(e.size() == 1);
  CHECK(e[0].message == "Service #1: tag cannot contain NUL bytes");
}

TEST_CASE("Group: effective offsets and preferred ports are unique", "[quick]") {
  std::vector<config_error> e = check_group({svc("a"), svc("b")});
  REQUIRE(e.size() == 1);
  CHECK(e[0].field == "reservations.services.offset");
  CHECK(e[0].message == "Services #1 and #2 have the same offset 0 (a missing offset counts as 0)");
  // A missing offset is 0 even for a service with a preferred port.
  e = check_group({svc("a", 0), svc("b", {}, 8080)});
  REQUIRE(e.size() == 1);
  CHECK(e[0].field == "reservations.services.offset");

  e = check_group({svc("a", 0, 8080), svc("b", 1, 8080)});
  REQUIRE(e.size() == 1);
  CHECK(e[0].field == "reservations.services.preferred");
  CHECK(e[0].message == "Services #1 and #2 have the same preferred port 8080");

  e = check_group({svc("a", 0, 0)});
  REQUIRE(e.size() == 1);
  CHECK(e[0].message == "Service #1: preferred port must be between 1 and 65535");
  // Preferred ports may lie anywhere in 1..65535, base too (range checked at plan time).
  CHECK(check_group({svc("a", 0, 1), svc("b", 1, 65535)}, 65535).empty());
  e = check_group({svc("a", 0)}, 0);
  REQUIRE(e.size() == 1);
  CHECK(e[0].field == "reservations.base");
}

TEST_CASE("Group: environment names, explicit or derived from the trimmed tag", "[quick]") {
  CHECK(trop::derive_env_name("web") == "WEB");
  CHECK(trop::derive_env_name("api-gateway") == "API_GATEWAY");
  CHECK(trop::derive_env_name("  web  ") == "WEB");  // A.2 #27
  CHECK(trop::derive_env_name("_x9") == "_X9");
  CHECK_FALSE(trop::derive_env_name("9lives"));
  CHECK_FALSE(trop::derive_env_name("a.b"));
  CHECK_FALSE(trop::derive_env_name("caf\xc3\xa9"));
  CHECK_FALSE(trop::derive_env_name(std::string(256, 'a')));
  CHECK(trop::is_valid_env_name(std::string(255, 'A')));
  CHECK_FALSE(trop::is_valid_env_name(""));
  CHECK_FALSE(trop::is_valid_env_name("A B"));

  CHECK(check_group({svc(" web ", 0)}).empty());
  std::vector<config_error> e = check_group({svc("9lives", 0)});
  REQUIRE(e.size() == 1);
  CHECK(e[0].field == "environment_variable");
  CHECK(check_group({svc("9lives", 0, {}, "NINE")}).empty());
  CHECK(check_group({svc("caf\xc3\xa9", 0, {}, "CAFE")}).empty());

  e = check_group({svc("web", 0, {}, "1BAD")});
  REQUIRE(e.size() == 1);
  CHECK(e[0].field == "reservations.services.env");
  CHECK(e[0].message ==
        "Service #1: env must match [A-Za-z_][A-Za-z0-9_]* and be at most 255 bytes");
  e = check_group({svc("web", 0, {},
                       "W\xc3\x89"
                       "B")});
  REQUIRE(e.size() == 1);
  CHECK(e[0].field == "reservations.services.env");

  // Resolved names are unique without regard to case.
  e = check_group({svc("web", 0), svc("api", 1, {}, "Web")});
  REQUIRE(e.size() == 1);
  CHECK(e[0].field == "environment_variable");
  CHECK(e[0].message ==
        "Services #1 and #2 resolve to the same environment variable name (names are compared "
        "case-insensitively)");
  e = check_group({svc("a-b", 0), svc("a_b", 1)});
  REQUIRE(e.size() == 1);
  CHECK(e[0].field == "environment_variable");

  CHECK(trop::resolved_env_name(svc("web", 0, {}, "PORT_WEB")) == "PORT_WEB");
  CHECK(trop::resolved_env_name(svc("web")) == "WEB");
  CHECK_FALSE(trop::resolved_env_name(svc("web", 0, {}, "bad name")));
}

TEST_CASE("Group diagnostics never echo the tag or the env text", "[quick]") {
  const std::string evil = "$(touch /tmp/pwned)\n\x1b[2J";
  std::vector<std::vector<service_def>> groups = {
      {svc(evil, 0)},
      {svc(evil, 0, {}, "OK"), svc(evil, 1, {}, "OK2")},
      {svc(evil, 0, {}, evil)},
      {svc("  " + evil, 0, {}, "A"), svc("x", 0, {}, "a")},
      {svc(std::string(300, 'x') + evil, 0)},
  };
  for (const auto& services : groups) {
    std::vector<config_error> e = check_group(services);
    REQUIRE_FALSE(e.empty());
    for (const config_error& err : e) {
      std::string text = format_config_error(err);
      CHECK(text.find("touch") == std::string::npos);
      CHECK(text.find('\x1b') == std::string::npos);
      CHECK(text.find('\n') == std::string::npos);
      CHECK(text.find("xxxx") == std::string::npos);
    }
  }
}

TEST_CASE("The merged group is validated again", "[quick]") {
  config_layer l = file_layer(config_origin::project_file, "/p/trop.yaml");
  l.reservations_state = group_state::defined;
  l.reservations.services = {svc("a"), svc("b")};
  effective_config c = trop::merge_layers(std::vector{l});
  std::vector<config_error> errors = trop::validate_effective(c);
  REQUIRE(errors.size() == 1);
  CHECK(format_config_error(errors[0]) ==
        "validation error for 'reservations.services.offset (/p/trop.yaml)': Services #1 and #2 "
        "have the same offset 0 (a missing offset counts as 0)");
}

TEST_CASE("Identifier rules and trimming", "[quick]") {
  CHECK(trop::trim_whitespace(" \t\r\n\f\vx y\v ") == "x y");
  CHECK(trop::trim_whitespace("   ").empty());
  CHECK_FALSE(trop::check_identifier("ok"));
  CHECK(trop::check_identifier("") == "Cannot be empty or only whitespace");
  CHECK(trop::check_identifier(std::string(256, 'x')) == "Cannot exceed 255 characters");
  CHECK_FALSE(trop::check_identifier("  " + std::string(255, 'x') + "  "));
}

}  // namespace
