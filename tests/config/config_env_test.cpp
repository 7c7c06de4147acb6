// The environment layer: every variable of SPEC B §4.8 and its error text.
#include <catch2/catch.hpp>

#include <string>

#include "config_test_util.h"

namespace {

using trop::config_error;
using trop::config_origin;
using trop::exclusion_entry;
using trop::format_config_error;
using trop::layer_outcome;
using trop::read_env_layer;
using trop::testing::fake_env;
using trop::testing::lines;

layer_outcome read(std::initializer_list<std::pair<const std::string, std::string>> vars,
                   bool uses_project_task = true) {
  fake_env env(vars);
  return read_env_layer(env.lookup(), uses_project_task);
}

// The one error message line of a single bad variable.
std::string error_of(const std::string& name, const std::string& value) {
  layer_outcome r = read({{name, value}});
  INFO(name << "=" << value);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].field == name);
  CHECK(r.errors[0].source.empty());
  return format_config_error(r.errors[0]);
}

TEST_CASE("No variables: an empty environment layer", "[quick]") {
  layer_outcome r = read({});
  REQUIRE(r.ok());
  CHECK(r.layer.kind == config_origin::environment);
  CHECK(r.layer.origin == "<environment>");
  CHECK_FALSE(r.layer.project);
  CHECK_FALSE(r.layer.port_min);
  CHECK(r.layer.excluded_ports.empty());
}

TEST_CASE("Boolean variables: every spelling and the error text", "[quick]") {
  struct var {
    const char* name;
    std::optional<bool> trop::config_layer::*member;
  };
  using L = trop::config_layer;
  for (var v : {var{"TROP_DISABLE_AUTOINIT", &L::disable_autoinit},
                var{"TROP_DISABLE_AUTOPRUNE", &L::disable_autoprune},
                var{"TROP_DISABLE_AUTOEXPIRE", &L::disable_autoexpire},
                var{"TROP_ALLOW_UNRELATED_PATH", &L::allow_unrelated_path},
                var{"TROP_ALLOW_PROJECT_CHANGE", &L::allow_change_project},
                var{"TROP_ALLOW_CHANGE_PROJECT", &L::allow_change_project},
                var{"TROP_ALLOW_TASK_CHANGE", &L::allow_change_task},
                var{"TROP_ALLOW_CHANGE_TASK", &L::allow_change_task},
                var{"TROP_ALLOW_CHANGE", &L::allow_change}}) {
    INFO(v.name);
    for (const char* t : {"true", "TRUE", "1", "yes", "Yes", "on", "ON"}) {
      layer_outcome r = read({{v.name, t}});
      REQUIRE(r.ok());
      CHECK(r.layer.*v.member == true);
    }
    for (const char* f : {"false", "False", "0", "no", "NO", "off", "Off"}) {
      layer_outcome r = read({{v.name, f}});
      REQUIRE(r.ok());
      CHECK(r.layer.*v.member == false);
    }
    for (const char* bad : {"", "maybe", " true", "2", "y"}) {
      CHECK(error_of(v.name, bad) == std::string("validation error for '") + v.name +
                                         "': Invalid boolean value: '" + bad +
                                         "' (expected true/false/1/0/yes/no/on/off)");
    }
  }
}

TEST_CASE("Occupancy variables map to their leaves", "[quick]") {
  layer_outcome r = read({{"TROP_SKIP_OCCUPANCY_CHECK", "1"},
                          {"TROP_SKIP_IPV4", "0"},
                          {"TROP_SKIP_IPV6", "yes"},
                          {"TROP_SKIP_TCP", "no"},
                          {"TROP_SKIP_UDP", "on"},
                          {"TROP_CHECK_ALL_INTERFACES", "true"}});
  REQUIRE(r.ok());
  CHECK(r.layer.occupancy.skip == true);
  CHECK(r.layer.occupancy.skip_ip4 == false);
  CHECK(r.layer.occupancy.skip_ip6 == true);
  CHECK(r.layer.occupancy.skip_tcp == false);
  CHECK(r.layer.occupancy.skip_udp == true);
  CHECK(r.layer.occupancy.check_all_interfaces == true);
  CHECK(r.layer.origin_of("occupancy_check.skip_ip6") == "TROP_SKIP_IPV6");
  for (const char* name : {"TROP_SKIP_OCCUPANCY_CHECK", "TROP_SKIP_IPV4", "TROP_SKIP_IPV6",
                           "TROP_SKIP_TCP", "TROP_SKIP_UDP", "TROP_CHECK_ALL_INTERFACES"}) {
    CHECK(error_of(name, "x").find("Invalid boolean value: 'x'") != std::string::npos);
  }
}

TEST_CASE("Canonical change-permission variables win over their aliases", "[quick]") {
  layer_outcome r =
      read({{"TROP_ALLOW_PROJECT_CHANGE", "true"}, {"TROP_ALLOW_CHANGE_PROJECT", "garbage"}});
  REQUIRE(r.ok());
  CHECK(r.layer.allow_change_project == true);
  CHECK(r.layer.origin_of("allow_change_project") == "TROP_ALLOW_PROJECT_CHANGE");
  r = read({{"TROP_ALLOW_CHANGE_TASK", "1"}});
  REQUIRE(r.ok());
  CHECK(r.layer.allow_change_task == true);
  CHECK(r.layer.origin_of("allow_change_task") == "TROP_ALLOW_CHANGE_TASK");
}

TEST_CASE("Port variables: u16 with the texts of the contract", "[quick]") {
  layer_outcome r = read({{"TROP_PORT_MIN", "6000"}, {"TROP_PORT_MAX", "+6500"}});
  REQUIRE(r.ok());
  CHECK(r.layer.port_min == 6000);
  CHECK(r.layer.port_max == 6500);
  CHECK(r.layer.origin_of("ports.min") == "TROP_PORT_MIN");
  // 0 parses here and fails the merged validation.
  CHECK(read({{"TROP_PORT_MIN", "0"}}).layer.port_min == 0);
  CHECK(read({{"TROP_PORT_MAX", "065535"}}).layer.port_max == 65535);

  for (const char* bad : {"", "65536", "-1", "abc", " 5000", "5000 ", "0x10", "5e3"}) {
    CHECK(error_of("TROP_PORT_MIN", bad) ==
          "validation error for 'TROP_PORT_MIN': Invalid port number");
    CHECK(error_of("TROP_PORT_MAX", bad) ==
          "validation error for 'TROP_PORT_MAX': Invalid port number");
    CHECK(error_of("TROP_PORT_MAX_OFFSET", bad) ==
          "validation error for 'TROP_PORT_MAX_OFFSET': Invalid port offset");
  }

  r = read({{"TROP_PORT_MAX", "6500"}, {"TROP_PORT_MAX_OFFSET", "10"}});
  REQUIRE(r.ok());
  CHECK_FALSE(r.layer.port_max);  // processed after TROP_PORT_MAX, so it wins
  CHECK(r.layer.port_max_offset == 10);
}

TEST_CASE("TROP_EXCLUDED_PORTS: comma list, items trimmed, halves not", "[quick]") {
  layer_outcome r = read({{"TROP_EXCLUDED_PORTS", " 5000 ,, 5010..5020,5030..5030 ,"}});
  INFO(lines(r.errors));
  REQUIRE(r.ok());
  std::vector<exclusion_entry> want = {exclusion_entry::single(5000),
                                       exclusion_entry::range(5010, 5020),
                                       exclusion_entry::range(5030, 5030)};
  CHECK(r.layer.excluded_ports == want);
  CHECK(r.layer.origin_of("excluded_ports") == "TROP_EXCLUDED_PORTS");
  CHECK(read({{"TROP_EXCLUDED_PORTS", ""}}).ok());
  CHECK(read({{"TROP_EXCLUDED_PORTS", " , "}}).layer.excluded_ports.empty());

  CHECK(error_of("TROP_EXCLUDED_PORTS", "5000 ..5010") ==
        "validation error for 'TROP_EXCLUDED_PORTS': Invalid port exclusion: '5000 ..5010' "
        "(expected N or A..B)");
  CHECK(error_of("TROP_EXCLUDED_PORTS", "5000,70000").find("'70000'") != std::string::npos);
  CHECK(error_of("TROP_EXCLUDED_PORTS", "1..2..3").find("'1..2..3'") != std::string::npos);
  CHECK(error_of("TROP_EXCLUDED_PORTS", "a").find("Invalid port exclusion") != std::string::npos);
}

TEST_CASE("TROP_EXPIRE_AFTER_DAYS is a u32", "[quick]") {
  CHECK(read({{"TROP_EXPIRE_AFTER_DAYS", "4294967295"}}).layer.expire_after_days == 4294967295u);
  CHECK(read({{"TROP_EXPIRE_AFTER_DAYS", "0"}}).layer.expire_after_days == 0u);
  for (const char* bad : {"", "-1", "4294967296", "ten", "1.5"}) {
    CHECK(error_of("TROP_EXPIRE_AFTER_DAYS", bad) ==
          "validation error for 'TROP_EXPIRE_AFTER_DAYS': Must be a positive integer");
  }
}

TEST_CASE("TROP_BUSY_TIMEOUT and its alias", "[quick]") {
  layer_outcome r = read({{"TROP_BUSY_TIMEOUT", "7"}, {"TROP_MAXIMUM_LOCK_WAIT_SECONDS", "x"}});
  REQUIRE(r.ok());
  CHECK(r.layer.maximum_lock_wait_seconds == 7u);
  CHECK(r.layer.origin_of("maximum_lock_wait_seconds") == "TROP_BUSY_TIMEOUT");
  r = read({{"TROP_MAXIMUM_LOCK_WAIT_SECONDS", "9"}});
  CHECK(r.layer.maximum_lock_wait_seconds == 9u);
  CHECK(r.layer.origin_of("maximum_lock_wait_seconds") == "TROP_MAXIMUM_LOCK_WAIT_SECONDS");
  // Too large is a merged-validation error (a higher --busy-timeout may repair it).
  CHECK(read({{"TROP_BUSY_TIMEOUT", "3000000"}}).ok());

  CHECK(error_of("TROP_BUSY_TIMEOUT", "soon") ==
        "validation error for 'TROP_BUSY_TIMEOUT': Invalid number of seconds: 'soon' (expected "
        "an integer from 0 to 2147483)");
  // The error names the variable actually read.
  CHECK(error_of("TROP_MAXIMUM_LOCK_WAIT_SECONDS", "-3")
            .rfind("validation error for 'TROP_MAXIMUM_LOCK_WAIT_SECONDS': ", 0) == 0);
}

TEST_CASE("TROP_OUTPUT_FORMAT and TROP_DURABILITY are case-insensitive", "[quick]") {
  CHECK(read({{"TROP_OUTPUT_FORMAT", "JSON"}}).layer.output == trop::output_format::json);
  CHECK(read({{"TROP_OUTPUT_FORMAT", "Tsv"}}).layer.output == trop::output_format::tsv);
  CHECK(error_of("TROP_OUTPUT_FORMAT", "yaml") ==
        "validation error for 'TROP_OUTPUT_FORMAT': Invalid output format: 'yaml' (expected "
        "table/json/csv/tsv)");
  CHECK(read({{"TROP_DURABILITY", "NORMAL"}}).layer.durability_mode == trop::durability::normal);
  CHECK(read({{"TROP_DURABILITY", "full"}}).layer.durability_mode == trop::durability::full);
  CHECK(error_of("TROP_DURABILITY", "off") ==
        "validation error for 'TROP_DURABILITY': Invalid durability: 'off' (expected full/normal)");
}

TEST_CASE("TROP_PROJECT and TROP_TASK only for commands that use them", "[quick]") {
  layer_outcome r = read({{"TROP_PROJECT", ""}, {"TROP_TASK", "  "}}, false);
  REQUIRE(r.ok());
  CHECK_FALSE(r.layer.project);
  CHECK_FALSE(r.layer.task);

  r = read({{"TROP_PROJECT", " p "}, {"TROP_TASK", "t"}}, true);
  REQUIRE(r.ok());
  CHECK(r.layer.project == " p ");  // trimmed by the merged validation
  CHECK(r.layer.task == "t");
  CHECK(r.layer.origin_of("project") == "TROP_PROJECT");
  CHECK(r.layer.origin_of("task") == "TROP_TASK");

  // Validation happens on the merged result, with the variable as the source.
  r = read({{"TROP_TASK", ""}}, true);
  trop::effective_config c = trop::merge_layers(std::vector{r.layer});
  std::vector<config_error> errors = trop::validate_effective(c);
  REQUIRE(errors.size() == 1);
  CHECK(format_config_error(errors[0]) ==
        "validation error for 'task (TROP_TASK)': Cannot be empty or only whitespace");
}

TEST_CASE("Values that are not UTF-8 are treated as unset", "[quick]") {
  layer_outcome r = read({{"TROP_PORT_MIN", "\xff"},
                          {"TROP_DISABLE_AUTOINIT", "tru\xc3"},
                          {"TROP_PROJECT", "caf\xe9"},
                          {"TROP_BUSY_TIMEOUT", "\x80"},
                          {"TROP_MAXIMUM_LOCK_WAIT_SECONDS", "8"}});
  INFO(lines(r.errors));
  REQUIRE(r.ok());
  CHECK_FALSE(r.layer.port_min);
  CHECK_FALSE(r.layer.disable_autoinit);
  CHECK_FALSE(r.layer.project);
  // An unset canonical name lets the alias through.
  CHECK(r.layer.maximum_lock_wait_seconds == 8u);
}

TEST_CASE("Every error of the environment is reported, and ignored variables stay quiet",
          "[quick]") {
  layer_outcome r = read({{"TROP_PORT_MIN", "x"},
                          {"TROP_SKIP_TCP", "x"},
                          {"TROP_LOG_MODE", "whatever"},
                          {"TROP_DATA_DIR", ""},
                          {"TROP_PATH", ""}});
  CHECK(r.errors.size() == 2);
}

}  // namespace
