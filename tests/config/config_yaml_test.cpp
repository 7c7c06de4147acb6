// One configuration file: the strict YAML rules of SPEC B §4.4-§4.6 on top
// of yaml-cpp's lenient parser.
#include <catch2/catch.hpp>

#include <string>

#include "config_test_util.h"

namespace {

using trop::config_error;
using trop::config_error_kind;
using trop::config_origin;
using trop::exclusion_entry;
using trop::format_config_error;
using trop::group_state;
using trop::layer_outcome;
using trop::testing::any_contains;
using trop::testing::lines;
using trop::testing::parse_project;
using trop::testing::parse_user;

// The single error of a file, which must exist.
config_error only_error(const layer_outcome& r) {
  INFO(lines(r.errors));
  REQUIRE(r.errors.size() == 1);
  return r.errors.front();
}

TEST_CASE("A file using every key parses into the layer", "[quick]") {
  layer_outcome r = parse_project(R"(# a full project file
project: shop
ports:
  min: 6000
  max: 6999
excluded_ports:
  - 6001
  - "6010..6020"
  - {start: 6030, end: 6040}
cleanup:
  expire_after_days: 10
occupancy_check:
  skip: false
  skip_ip4: true
  skip_ip6: True
  skip_tcp: FALSE
  skip_udp: false
  check_all_interfaces: true
reservations:
  base: 6100
  services:
    web: {offset: 0, preferred: 8080, env: WEB_PORT}
    api:
      offset: 1
disable_autoinit: true
disable_autoprune: false
disable_autoexpire: true
allow_unrelated_path: true
allow_change_project: false
allow_change_task: true
allow_change: false
maximum_lock_wait_seconds: 12
output_format: json
durability: normal
)");
  INFO(lines(r.errors));
  REQUIRE(r.ok());
  const trop::config_layer& l = r.layer;
  CHECK(l.kind == config_origin::project_file);
  CHECK(l.origin == "/p/trop.yaml");
  CHECK(l.project == "shop");
  CHECK(l.port_min == 6000);
  CHECK(l.port_max == 6999);
  CHECK_FALSE(l.port_max_offset);
  REQUIRE(l.excluded_ports.size() == 3);
  CHECK(l.excluded_ports[0] == exclusion_entry::single(6001));
  CHECK(l.excluded_ports[1] == exclusion_entry::range(6010, 6020));
  CHECK(l.excluded_ports[2] == exclusion_entry::range(6030, 6040));
  CHECK(l.excluded_ports[0].position.line == 7);
  CHECK(l.expire_after_days == 10u);
  CHECK(l.occupancy.skip == false);
  CHECK(l.occupancy.skip_ip4 == true);
  CHECK(l.occupancy.skip_ip6 == true);
  CHECK(l.occupancy.skip_tcp == false);
  CHECK(l.occupancy.skip_udp == false);
  CHECK(l.occupancy.check_all_interfaces == true);
  REQUIRE(l.reservations_state == group_state::defined);
  CHECK(l.reservations.base == 6100);
  REQUIRE(l.reservations.services.size() == 2);
  CHECK(l.reservations.services[0].tag == "web");
  CHECK(l.reservations.services[0].offset == 0);
  CHECK(l.reservations.services[0].preferred == 8080);
  CHECK(l.reservations.services[0].env == "WEB_PORT");
  CHECK(l.reservations.services[1].tag == "api");
  CHECK(l.reservations.services[1].offset == 1);
  CHECK_FALSE(l.reservations.services[1].env);
  CHECK(l.disable_autoinit == true);
  CHECK(l.disable_autoprune == false);
  CHECK(l.disable_autoexpire == true);
  CHECK(l.allow_unrelated_path == true);
  CHECK(l.allow_change_project == false);
  CHECK(l.allow_change_task == true);
  CHECK(l.allow_change == false);
  CHECK(l.maximum_lock_wait_seconds == 12u);
  CHECK(l.output == trop::output_format::json);
  CHECK(l.durability_mode == trop::durability::normal);
  CHECK(l.position_of("ports.min") == trop::source_position{4, 3});
}

TEST_CASE("Empty, comment-only and null documents are an empty configuration", "[quick]") {
  for (const char* text : {"", "\n\n", "# nothing here\n# at all\n", "~\n", "null", "---\n"}) {
    INFO("text: " << text);
    layer_outcome r = parse_project(text);
    CHECK(r.ok());
    CHECK_FALSE(r.layer.project);
    CHECK(r.layer.reservations_state == group_state::absent);
  }
}

TEST_CASE("Empty, ~ and null values count as absent", "[quick]") {
  layer_outcome r = parse_project(
      "project:\nports: ~\nexcluded_ports: null\ncleanup: Null\noccupancy_check: NULL\n"
      "disable_autoinit:\nmaximum_lock_wait_seconds: ~\noutput_format:\n");
  INFO(lines(r.errors));
  REQUIRE(r.ok());
  CHECK_FALSE(r.layer.project);
  CHECK_FALSE(r.layer.port_min);
  CHECK(r.layer.excluded_ports.empty());
  CHECK_FALSE(r.layer.disable_autoinit);
  CHECK_FALSE(r.layer.maximum_lock_wait_seconds);
  CHECK_FALSE(r.layer.output);

  r = parse_project("cleanup:\n  expire_after_days: ~\noccupancy_check: {skip: }\n");
  REQUIRE(r.ok());
  CHECK_FALSE(r.layer.expire_after_days);
  CHECK_FALSE(r.layer.occupancy.skip);
}

TEST_CASE("A null reservations value is an explicit clear", "[quick]") {
  for (const char* text : {"reservations:\n", "reservations: ~\n", "reservations: null\n"}) {
    layer_outcome r = parse_project(text);
    REQUIRE(r.ok());
    CHECK(r.layer.reservations_state == group_state::cleared);
  }
  CHECK(parse_project("project: x\n").layer.reservations_state == group_state::absent);
}

TEST_CASE("JSON-syntax files are accepted", "[quick]") {
  layer_outcome r = parse_project(
      R"({"project": "j", "ports": {"min": 5100, "max_offset": 50}, "excluded_ports": [5101, "5110..5112"],
          "reservations": {"services": {"web": {"offset": 0}, "db": {"offset": 2, "env": "DB"}}}})");
  INFO(lines(r.errors));
  REQUIRE(r.ok());
  CHECK(r.layer.project == "j");
  CHECK(r.layer.port_min == 5100);
  CHECK(r.layer.port_max_offset == 50);
  CHECK(r.layer.excluded_ports.size() == 2);
  REQUIRE(r.layer.reservations.services.size() == 2);
  CHECK(r.layer.reservations.services[1].env == "DB");
}

TEST_CASE("Integers must be plain decimal scalars", "[quick]") {
  struct bad_case {
    const char* value;
    const char* needle;
  };
  for (bad_case c :
       {bad_case{"\"5000\"", "invalid type: a quoted string"},
        bad_case{"'5000'", "invalid type: a quoted string"},
        bad_case{"010", "`010` has a leading zero"},
        bad_case{"+5", "`+5` is not a plain decimal integer"},
        bad_case{"0x10", "`0x10` is not a plain decimal integer"},
        bad_case{"0o17", "`0o17` is not a plain decimal integer"},
        bad_case{"1e3", "`1e3` is not a plain decimal integer"},
        bad_case{"5000.0", "`5000.0` is not a plain decimal integer"},
        bad_case{"-1", "`-1` is not a plain decimal integer"},
        bad_case{"70000",
                 "invalid value: integer `70000`, expected an integer from 0 "
                 "to 65535"},
        bad_case{"true", "invalid type: a boolean"}, bad_case{"abc", "invalid type: a string"},
        bad_case{"[1]", "invalid type: a sequence"},
        bad_case{"!!int 5", "invalid type: a tagged value"}}) {
    INFO("value: " << c.value);
    layer_outcome r = parse_project(std::string("ports:\n  min: ") + c.value + "\n");
    config_error e = only_error(r);
    CHECK(e.kind == config_error_kind::syntax);
    CHECK(e.field == "ports.min");
    CHECK(e.line == 2);
    CHECK(e.column == 8);
    CHECK(format_config_error(e).find(c.needle) != std::string::npos);
    CHECK(format_config_error(e).rfind(
              "validation error for '/p/trop.yaml': Invalid YAML: ports.min: ", 0) == 0);
    CHECK_FALSE(r.layer.port_min);
  }
  // "0" itself has no leading zero: it parses and then fails validation.
  layer_outcome r = parse_project("ports:\n  min: 0\n");
  config_error e = only_error(r);
  CHECK(e.kind == config_error_kind::value);
  CHECK(format_config_error(e) ==
        "validation error for 'ports.min (/p/trop.yaml)': Must be between 1 and 65535");
}

TEST_CASE("Integer widths follow the schema: u16, u32, u64", "[quick]") {
  CHECK(parse_project("cleanup: {expire_after_days: 4294967295}\n").ok());
  CHECK(any_contains(parse_project("cleanup: {expire_after_days: 4294967296}\n").errors,
                     "expected an integer from 0 to 4294967295"));
  layer_outcome r = parse_project("maximum_lock_wait_seconds: 18446744073709551615\n");
  CHECK(r.layer.maximum_lock_wait_seconds == 18446744073709551615u);
  CHECK(any_contains(r.errors, "must not exceed 2147483 seconds"));
  CHECK(any_contains(parse_project("maximum_lock_wait_seconds: 18446744073709551616\n").errors,
                     "expected an unsigned integer"));
  CHECK(parse_project("maximum_lock_wait_seconds: 2147483\n").ok());
}

TEST_CASE("Booleans are the six YAML 1.2 spellings only", "[quick]") {
  for (const char* ok : {"true", "True", "TRUE", "false", "False", "FALSE"}) {
    INFO(ok);
    CHECK(parse_project(std::string("allow_change: ") + ok + "\n").ok());
  }
  for (const char* bad : {"yes", "no", "on", "off", "y", "n", "1", "0", "tRUE", "\"true\""}) {
    INFO(bad);
    layer_outcome r = parse_project(std::string("allow_change: ") + bad + "\n");
    config_error e = only_error(r);
    CHECK(e.kind == config_error_kind::syntax);
    CHECK(e.field == "allow_change");
    CHECK(e.message.find("expected a boolean") != std::string::npos);
    CHECK_FALSE(r.layer.allow_change);
  }
}

TEST_CASE("Duplicate keys are rejected at every level", "[quick]") {
  layer_outcome r = parse_project("project: a\nports:\n  min: 1\n  min: 2\nproject: b\n");
  INFO(lines(r.errors));
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].line == 4);
  CHECK(r.errors[0].message == "duplicate field `min`");
  CHECK(r.errors[0].field == "ports");
  CHECK(r.errors[1].line == 5);
  CHECK(r.errors[1].message == "duplicate field `project`");
  CHECK(r.layer.project == "a");  // the first one is kept, the second reported

  r = parse_project("reservations:\n  services:\n    web: {offset: 1}\n    web: {offset: 2}\n");
  config_error e = only_error(r);
  CHECK(e.message == "duplicate service tag");
  CHECK(e.line == 4);
  CHECK(r.layer.reservations_state == group_state::absent);

  e = only_error(parse_project("reservations:\n  services:\n    web: {offset: 1, offset: 2}\n"));
  CHECK(e.message == "duplicate field `offset`");
  e = only_error(parse_project("excluded_ports:\n  - {start: 1, start: 2, end: 3}\n"));
  CHECK(e.message == "duplicate field `start`");
  e = only_error(parse_project("cleanup: {expire_after_days: 1, expire_after_days: 1}\n"));
  CHECK(e.field == "cleanup");
}

TEST_CASE("Unknown keys are rejected at every level", "[quick]") {
  struct where {
    const char* text;
    const char* field;
    int line;
  };
  for (where w :
       {where{"bogus: 1\n", "", 1}, where{"ports:\n  min: 5000\n  maxx: 6000\n", "ports", 3},
        where{"cleanup:\n  days: 3\n", "cleanup", 2},
        where{"occupancy_check:\n  skip_ipv4: true\n", "occupancy_check", 2},
        where{"reservations:\n  services: {}\n  extra: 1\n", "reservations", 3},
        where{"reservations:\n  services:\n    web:\n      port: 1\n", "reservations.services", 4},
        where{"excluded_ports:\n  - {start: 1, end: 2, step: 1}\n", "excluded_ports[0]", 2},
        where{"task: t\n", "", 1}}) {
    INFO(w.text);
    config_error e = only_error(parse_project(w.text));
    CHECK(e.kind == config_error_kind::syntax);
    CHECK(e.field == w.field);
    CHECK(e.line == w.line);
    CHECK(e.message.rfind("unknown field `", 0) == 0);
  }
  config_error e = only_error(parse_project("bogus: 1\n"));
  CHECK(format_config_error(e) ==
        "validation error for '/p/trop.yaml': Invalid YAML: unknown field `bogus`, expected one of "
        "`project`, `ports`, `excluded_ports`, `cleanup`, `occupancy_check`, `reservations`, "
        "`disable_autoinit`, `disable_autoprune`, `disable_autoexpire`, `allow_unrelated_path`, "
        "`allow_change_project`, `allow_change_task`, `allow_change`, "
        "`maximum_lock_wait_seconds`, `output_format`, `durability` at line 1 column 1");
  // A key that could carry terminal escapes is not echoed.
  e = only_error(parse_project("\"x\\e[31m\": 1\n"));
  CHECK(e.message.find("\x1b") == std::string::npos);
  CHECK(e.message.rfind("unknown field (not shown)", 0) == 0);
}

TEST_CASE("Several problems of one file are all reported with their lines", "[quick]") {
  layer_outcome r = parse_project(R"(project: "  "
ports:
  min: "5000"
  max: 0x1000
excluded_ports:
  - 0
  - 10..5
  - yes
cleanup:
  expire_after_days: 0
allow_change: on
colour: blue
)");
  INFO(lines(r.errors));
  REQUIRE(r.errors.size() == 9);
  std::vector<int> got;
  for (const config_error& e : r.errors) {
    got.push_back(e.line);
  }
  CHECK(got == std::vector<int>{1, 3, 4, 6, 7, 8, 10, 11, 12});
  CHECK(format_config_error(r.errors[0]) ==
        "validation error for 'project (/p/trop.yaml)': Cannot be empty or only whitespace");
  CHECK(format_config_error(r.errors[3]) ==
        "validation error for 'excluded_ports (/p/trop.yaml)': Invalid port: 0");
  CHECK(format_config_error(r.errors[4]) ==
        "validation error for 'excluded_ports (/p/trop.yaml)': Invalid range: 10..5 (end < start)");
  CHECK(r.errors[5].field == "excluded_ports[2]");
  CHECK(format_config_error(r.errors[6]) ==
        "validation error for 'cleanup.expire_after_days (/p/trop.yaml)': Must be > 0");
}

TEST_CASE("YAML syntax errors carry yaml-cpp's message and position", "[quick]") {
  config_error e = only_error(parse_project("ports: [1, 2\nproject: x\n"));
  CHECK(e.kind == config_error_kind::syntax);
  CHECK(e.line > 0);
  CHECK(e.field.empty());
  CHECK(format_config_error(e).rfind("validation error for '/p/trop.yaml': Invalid YAML: ", 0) ==
        0);
  CHECK(format_config_error(e).find(" at line ") != std::string::npos);

  e = only_error(parse_project("project: a\n  nested: b\n"));
  CHECK(e.line == 2);
  CHECK(trop::describe_syntax_error(e) == "illegal map value at line 2 column 9");
}

TEST_CASE("Malformed documents: several documents, non-mapping top level, bad UTF-8", "[quick]") {
  config_error e = only_error(parse_project("project: a\n---\nproject: b\n"));
  CHECK(e.message.find("more than one YAML document") != std::string::npos);
  CHECK(e.line == 2);  // the "---" that starts the second document

  e = only_error(parse_project("- 1\n- 2\n"));
  CHECK(e.message == "invalid type: a sequence, expected a mapping");
  e = only_error(parse_project("just text\n"));
  CHECK(e.message == "invalid type: a string, expected a mapping");

  e = only_error(parse_project("project: ok\nproject2: caf\xc3\n"));
  CHECK(e.message == "invalid UTF-8");
  CHECK(e.line == 2);
  CHECK(e.column == 14);
  // Overlong encodings and surrogates are not UTF-8 either.
  CHECK(only_error(parse_project("project: \xc0\xaf\n")).message == "invalid UTF-8");
  CHECK(only_error(parse_project("project: \xed\xa0\x80\n")).message == "invalid UTF-8");
  CHECK(parse_project("project: caf\xc3\xa9 \xf0\x9f\x9a\x80\n").ok());
}

TEST_CASE("Strings accept any scalar; tags other than !!str are refused", "[quick]") {
  CHECK(parse_project("project: 123\n").layer.project == "123");
  CHECK(parse_project("project: !!str 123\n").layer.project == "123");
  CHECK(parse_project("project: 'it''s'\n").layer.project == "it's");
  CHECK(parse_project("project: |\n  multi\n").layer.project == "multi\n");
  config_error e = only_error(parse_project("project: !custom x\n"));
  CHECK(e.message == "invalid type: a tagged value, expected a string");
  e = only_error(parse_project("project: [a]\n"));
  CHECK(e.message == "invalid type: a sequence, expected a string");
}

TEST_CASE("output_format and durability are lowercase in YAML", "[quick]") {
  for (const char* f : {"table", "json", "csv", "tsv"}) {
    CHECK(parse_project(std::string("output_format: ") + f + "\n").ok());
  }
  config_error e = only_error(parse_project("output_format: JSON\n"));
  CHECK(e.message == "unknown variant `JSON`, expected one of `table`, `json`, `csv`, `tsv`");
  CHECK(parse_project("durability: full\n").layer.durability_mode == trop::durability::full);
  e = only_error(parse_project("durability: Normal\n"));
  CHECK(e.message == "unknown variant `Normal`, expected one of `full`, `normal`");
}

TEST_CASE("ports requires min whenever it is present", "[quick]") {
  for (const char* text :
       {"ports:\n  max: 6000\n", "ports: {}\n", "ports:\n  min: ~\n  max: 6000\n"}) {
    INFO(text);
    config_error e = only_error(parse_project(text));
    CHECK(e.field == "ports");
    CHECK(e.line == 1);
    CHECK(e.message.rfind("missing field `min`", 0) == 0);
  }
  // A min with a type error is not also "missing".
  CHECK(parse_project("ports:\n  min: x\n").errors.size() == 1);
  CHECK(only_error(parse_project("ports: 5000\n")).message ==
        "invalid type: a number, expected a mapping");
}

TEST_CASE("ports value rules in one file", "[quick]") {
  CHECK(parse_project("ports: {min: 1, max: 65535}\n").ok());
  CHECK(parse_project("ports: {min: 65000, max_offset: 535}\n").ok());
  CHECK(format_config_error(only_error(parse_project("ports: {min: 6000, max: 5999}\n"))) ==
        "validation error for 'ports.max (/p/trop.yaml)': max (5999) must be greater than or "
        "equal to min (6000)");
  CHECK(format_config_error(only_error(parse_project("ports: {min: 6000, max_offset: 0}\n"))) ==
        "validation error for 'ports.max_offset (/p/trop.yaml)': Must be > 0");
  CHECK(format_config_error(only_error(parse_project("ports: {min: 65000, max_offset: 536}\n"))) ==
        "validation error for 'ports.max_offset (/p/trop.yaml)': min (65000) + max_offset (536) "
        "exceeds 65535");
  CHECK(format_config_error(
            only_error(parse_project("ports: {min: 6000, max: 7000, max_offset: 5}\n"))) ==
        "validation error for 'ports (/p/trop.yaml)': max and max_offset are mutually exclusive; "
        "set only one of them");
}

TEST_CASE("Exclusion entries: every spelling, and what it remembers", "[quick]") {
  layer_outcome r = parse_project(R"(excluded_ports:
  - 8080
  - "8081"
  - " 8082 "
  - "8090..8099"
  - " 8100 .. 8110 "
  - 8200..8210
  - {start: 8300, end: 8300}
  - {end: 8401, start: 8400}
  - '08500'
)");
  INFO(lines(r.errors));
  REQUIRE(r.ok());
  using trop::exclusion_entry;
  std::vector<exclusion_entry> want = {
      exclusion_entry::single(8080),      exclusion_entry::single(8081),
      exclusion_entry::single(8082),      exclusion_entry::range(8090, 8099),
      exclusion_entry::range(8100, 8110), exclusion_entry::range(8200, 8210),
      exclusion_entry::range(8300, 8300), exclusion_entry::range(8400, 8401),
      exclusion_entry::single(8500)};
  CHECK(r.layer.excluded_ports == want);
  // Structural identity: a single port is not a one-port range.
  CHECK_FALSE(exclusion_entry::single(8300) == exclusion_entry::range(8300, 8300));
  CHECK(r.layer.excluded_ports[6].position == trop::source_position{8, 5});
}

TEST_CASE("Bad exclusion entries", "[quick]") {
  struct bad_case {
    const char* entry;
    const char* needle;
  };
  for (bad_case c :
       {bad_case{"70000", "expected an integer from 0 to 65535"},
        bad_case{"\"70000\"", "not \"N\" or \"A..B\""},
        bad_case{"\"1..70000\"", "not \"N\" or \"A..B\""},
        bad_case{"\"1..2..3\"", "not \"N\" or \"A..B\""},
        bad_case{"\"abc\"", "not \"N\" or \"A..B\""}, bad_case{"\"\"", "not \"N\" or \"A..B\""},
        bad_case{"~", "invalid type: null"}, bad_case{"[1, 2]", "a sequence"},
        bad_case{"{start: 1}", "missing field `end`"},
        bad_case{"{end: 1}", "missing field `start`"},
        bad_case{"{start: \"1\", end: 2}", "a quoted string"}}) {
    INFO(c.entry);
    layer_outcome r = parse_project(std::string("excluded_ports:\n  - ") + c.entry + "\n");
    config_error e = only_error(r);
    CHECK(e.kind == config_error_kind::syntax);
    CHECK(e.line == 2);
    CHECK(format_config_error(e).find(c.needle) != std::string::npos);
  }
  CHECK(only_error(parse_project("excluded_ports: 5000\n")).message ==
        "invalid type: a number, expected a sequence");
  CHECK(format_config_error(only_error(parse_project("excluded_ports: [\"0..5\"]\n"))) ==
        "validation error for 'excluded_ports (/p/trop.yaml)': Invalid start port: 0");
}

TEST_CASE("Group parsing: tags are any scalar text, services are required", "[quick]") {
  layer_outcome r = parse_project(
      "reservations:\n  services:\n    8080: {offset: 1, env: P8080}\n    \"quoted tag\": {offset: "
      "2, env: Q}\n"
      "    bare:\n");
  INFO(lines(r.errors));
  REQUIRE(r.ok());
  REQUIRE(r.layer.reservations.services.size() == 3);
  CHECK(r.layer.reservations.services[0].tag == "8080");
  CHECK(r.layer.reservations.services[1].tag == "quoted tag");
  CHECK(r.layer.reservations.services[2].tag == "bare");
  CHECK_FALSE(r.layer.reservations.services[2].offset);

  // An empty services mapping passes config validation (plan time refuses it).
  r = parse_project("reservations:\n  services: {}\n");
  REQUIRE(r.ok());
  CHECK(r.layer.reservations_state == group_state::defined);
  CHECK(r.layer.reservations.services.empty());

  config_error e = only_error(parse_project("reservations:\n  base: 5000\n"));
  CHECK(e.message == "missing field `services`");
  e = only_error(parse_project("reservations:\n  services:\n"));
  CHECK(e.message == "invalid type: null, expected a mapping");
  e = only_error(parse_project("reservations: [web]\n"));
  CHECK(e.message == "invalid type: a sequence, expected a mapping");
  e = only_error(parse_project("reservations:\n  services:\n    ~: {offset: 1}\n"));
  CHECK(e.message == "invalid key: null, expected a string key");
  e = only_error(parse_project("reservations:\n  services:\n    web: 5\n"));
  CHECK(e.message == "service #1: invalid type: a number, expected a mapping");
  e = only_error(
      parse_project("reservations:\n  services:\n    a: {}\n    web: {offset: \"1\"}\n"));
  CHECK(e.field == "reservations.services.offset");
  CHECK(e.message ==
        "service #2: invalid type: a quoted string, expected an integer from 0 to 65535");
}

TEST_CASE("Hostile tags are never echoed, by the parser or the validator", "[quick]") {
  const std::string evil = "\"$(rm -rf ~)\\n\\e[2J\"";
  for (const std::string& body :
       {evil + ": {offset: 1, bogus: 2}\n", evil + ": {offset: 1}\n    " + evil + ": {offset: 2}\n",
        evil + ": {offset: 1}\n", evil + ": {env: \"BAD NAME;\"}\n", evil + ": {}\n    x: {}\n"}) {
    layer_outcome r = parse_project("reservations:\n  services:\n    " + body);
    INFO(body);
    REQUIRE_FALSE(r.ok());
    for (const config_error& e : r.errors) {
      std::string text = format_config_error(e);
      CHECK(text.find("rm -rf") == std::string::npos);
      CHECK(text.find('\x1b') == std::string::npos);
      CHECK(text.find('\n') == std::string::npos);
      CHECK(text.find("BAD NAME") == std::string::npos);
    }
  }
}

TEST_CASE("The user file forbids project and a non-null reservations", "[quick]") {
  layer_outcome r = parse_user("project: mine\nreservations:\n  services: {web: {}}\n");
  INFO(lines(r.errors));
  REQUIRE(r.errors.size() == 2);
  CHECK(format_config_error(r.errors[0]) ==
        "validation error for 'project (/d/config.yaml)': project is only valid in "
        "trop.yaml/trop.local.yaml, not user config.yaml");
  CHECK(r.errors[0].line == 1);
  CHECK(format_config_error(r.errors[1]) ==
        "validation error for 'reservations (/d/config.yaml)': reservations is only valid in "
        "trop.yaml/trop.local.yaml, not user config.yaml");
  CHECK(r.errors[1].line == 2);

  // Null values are fine: they are absent (project) or inert (reservations).
  r = parse_user("project: ~\nreservations: null\nports: {min: 7000}\n");
  REQUIRE(r.ok());
  CHECK(r.layer.reservations_state == group_state::cleared);
  // The same keys are fine in project and local files.
  CHECK(load_config_text("project: mine\n", "/p/trop.local.yaml", config_origin::local_file).ok());
}

TEST_CASE("Group rules are checked when the file is loaded", "[quick]") {
  layer_outcome r = parse_project(
      "reservations:\n  base: 0\n  services:\n    web: {offset: 1}\n    \" web \": {offset: 1}\n");
  INFO(lines(r.errors));
  CHECK(any_contains(r.errors,
                     "validation error for 'reservations.base (/p/trop.yaml)': Base port "
                     "must be between 1 and 65535"));
  CHECK(any_contains(r.errors,
                     "validation error for 'reservations.services.tag (/p/trop.yaml)': "
                     "Services #1 and #2 have the same tag after trimming"));
  CHECK(any_contains(r.errors,
                     "'reservations.services.offset (/p/trop.yaml)': Services #1 and #2 "
                     "have the same offset 1 (a missing offset counts as 0)"));
  for (const config_error& e : r.errors) {
    CHECK(e.line > 0);
  }
}

}  // namespace

namespace {

TEST_CASE("Hostile input never throws: deep nesting, aliases, mutated bytes", "[quick]") {
  CHECK_FALSE(parse_project(std::string(5000, '[') + std::string(5000, ']')).ok());
  CHECK_FALSE(parse_project("project: " + std::string(5000, '{')).ok());
  CHECK_FALSE(parse_project("a: &x [*x]\n").ok());
  // Aliases resolve to their anchor's value.
  layer_outcome r = parse_project("ports: {min: &p 6000, max: *p}\n");
  REQUIRE(r.ok());
  CHECK(r.layer.port_max == 6000);
  // Merge keys are not YAML 1.2: just an unknown key.
  CHECK_FALSE(parse_project("base: &b {min: 1}\nports:\n  <<: *b\n").ok());

  const std::string seed = R"(project: shop
ports: {min: 6000, max: 6999}
excluded_ports: [6001, "6010..6020", {start: 6030, end: 6040}]
reservations:
  base: 6100
  services:
    web: {offset: 0, preferred: 8080, env: WEB_PORT}
    "api x": {offset: 1}
)";
  const std::string alphabet = "{}[]:,-?&*!|>'\"%@`#\n \t0123456789.~\\\x80\xff";
  std::uint32_t state = 12345;
  auto next = [&] {
    state = state * 1103515245u + 12345u;
    return (state >> 8) & 0xFFFFFF;
  };
  int failures = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text = seed;
    int edits = 1 + static_cast<int>(next() % 4);
    for (int k = 0; k < edits; ++k) {
      std::size_t at = next() % (text.size() + 1);
      switch (next() % 3) {
        case 0:
          text.insert(at, 1, alphabet[next() % alphabet.size()]);
          break;
        case 1:
          if (at < text.size()) {
            text.erase(at, 1);
          }
          break;
        default:
          if (at < text.size()) {
            text[at] = alphabet[next() % alphabet.size()];
          }
          break;
      }
    }
    layer_outcome out;
    CHECK_NOTHROW(out = parse_project(text));
    for (const config_error& e : out.errors) {
      // Every problem is located (syntax errors from yaml-cpp carry a mark too).
      failures += e.line > 0 ? 0 : 1;
    }
  }
  CHECK(failures == 0);
}

}  // namespace

TEST_CASE("A stray comma where a document starts is an error, not an endless parse", "[quick]") {
  // yaml-cpp 0.7's LoadAll loops forever (allocating) on this text.
  auto out =
      trop::parse_config_yaml(",\nproject: a\n", "/p/trop.yaml", trop::config_origin::project_file);
  REQUIRE_FALSE(out.errors.empty());
}
