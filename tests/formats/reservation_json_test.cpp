#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "trop/formats/list_output.h"
#include "trop/formats/reservation_json.h"

namespace {

using trop::parse_reservations_json;
using trop::render_export;
using trop::reservation;

constexpr std::int64_t kJan15 = 1705314645;    // 2024-01-15 10:30:45 UTC
constexpr std::int64_t kLeapDay = 1709251199;  // 2024-02-29 23:59:59 UTC

reservation make(std::uint16_t port, std::string path, std::optional<std::string> tag = {},
                 std::optional<std::string> project = {}, std::optional<std::string> task = {}) {
  reservation r;
  r.key.path = std::move(path);
  r.key.tag = std::move(tag);
  r.port = port;
  r.project = std::move(project);
  r.task = std::move(task);
  r.created_at = kJan15;
  r.last_used_at = kLeapDay;
  return r;
}

// The error message of a parse that must fail.
std::string error_of(std::string_view json) {
  const auto r = parse_reservations_json(json);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.error().code() == trop::error_code::invalid_argument);
  return r.error().message();
}

// Concatenation without `"literal" + std::string`, which trips GCC 12's
// false -Wrestrict positive (GCC bug 105651) under -O2 -Werror.
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) {
    out.append(p);
  }
  return out;
}

// One element with `fields` (a JSON object body) wrapped in an array.
std::string one(std::string_view fields) {
  return cat({"[{", fields, "}]"});
}

constexpr std::string_view kGood =
    R"("port": 5000, "path": "/a", "created_at": "2024-01-15T10:30:45Z", )"
    R"("last_used_at": "2024-02-29 23:59:59")";

}  // namespace

// --- export -------------------------------------------------------------

TEST_CASE("Export of nothing is an empty array", "[quick]") {
  CHECK(render_export({}) == "[]\n");
}

TEST_CASE("Export writes list JSON objects with RFC 3339 timestamps", "[quick]") {
  const std::vector<reservation> rows = {make(5000, "/home/u/app", "web", "app", "main"),
                                         make(5001, "/srv/x")};
  CHECK(render_export(rows) ==
        "[\n"
        "  {\n"
        "    \"port\": 5000,\n"
        "    \"path\": \"/home/u/app\",\n"
        "    \"tag\": \"web\",\n"
        "    \"project\": \"app\",\n"
        "    \"task\": \"main\",\n"
        "    \"created_at\": \"2024-01-15T10:30:45Z\",\n"
        "    \"last_used_at\": \"2024-02-29T23:59:59Z\"\n"
        "  },\n"
        "  {\n"
        "    \"port\": 5001,\n"
        "    \"path\": \"/srv/x\",\n"
        "    \"tag\": null,\n"
        "    \"project\": null,\n"
        "    \"task\": null,\n"
        "    \"created_at\": \"2024-01-15T10:30:45Z\",\n"
        "    \"last_used_at\": \"2024-02-29T23:59:59Z\"\n"
        "  }\n"
        "]\n");
}

// --- round trips --------------------------------------------------------

TEST_CASE("Export then import gives back the same reservations", "[quick]") {
  std::vector<reservation> rows = {
      make(5000, "/home/u/app", "web", "app", "main"), make(5001, "/home/u/app"),
      make(65535, "/", "x y", {}, "t"),
      make(1, "/srv/caf\xC3\xA9/\xE2\x82\xAC", "tab\there", "\"q\",\\")};
  rows[2].created_at = 0;
  rows[2].last_used_at = 253402300799;
  const auto parsed = parse_reservations_json(render_export(rows));
  REQUIRE(parsed.is_ok());
  CHECK(*parsed == rows);
  // Text that is not UTF-8 is never stored (check_reservation), so import refuses it.
  const auto refused =
      parse_reservations_json(render_export({make(2, "/srv/\xFF\xFE", "web", "app", "main")}));
  CHECK_FALSE(refused.is_ok());
}

TEST_CASE("Import reads the output of list --format json", "[quick]") {
  const std::vector<reservation> rows = {make(5000, "/home/u/app", "web", "app", "main"),
                                         make(5001, "/srv/x\n")};
  // A newline is an ordinary byte of a path: lexically normal, escaped in JSON.
  const auto parsed = parse_reservations_json(
      trop::render_list(rows, trop::list_format::json, trop::list_render_options{}));
  REQUIRE(parsed.is_ok());
  CHECK(*parsed == rows);
}

TEST_CASE("Import reads the original tool's alphabetical objects", "[quick]") {
  const auto parsed = parse_reservations_json(R"([
  {
    "created_at": "2024-01-15 10:30:45",
    "last_used_at": "2024-02-29 23:59:59",
    "path": "/home/u/app",
    "port": 5000,
    "project": "app",
    "tag": null,
    "task": "main"
  }
])");
  REQUIRE(parsed.is_ok());
  CHECK(*parsed == std::vector<reservation>{make(5000, "/home/u/app", {}, "app", "main")});
}

// --- accepted variations ------------------------------------------------

TEST_CASE("Import accepts an empty array", "[quick]") {
  const auto parsed = parse_reservations_json(" [ ] \n");
  REQUIRE(parsed.is_ok());
  CHECK(parsed->empty());
}

TEST_CASE("Import treats absent tag, project and task as null", "[quick]") {
  const auto parsed = parse_reservations_json(one(kGood));
  REQUIRE(parsed.is_ok());
  CHECK(*parsed == std::vector<reservation>{make(5000, "/a")});
}

TEST_CASE("Import accepts timestamps with a numeric offset", "[quick]") {
  const auto parsed = parse_reservations_json(
      one(R"("port": 5000, "path": "/a", "created_at": "2024-01-15T12:30:45+02:00", )"
          R"("last_used_at": "2024-02-29T18:29:59-05:30")"));
  REQUIRE(parsed.is_ok());
  CHECK(*parsed == std::vector<reservation>{make(5000, "/a")});
}

TEST_CASE("Import skips a leading UTF-8 byte order mark", "[quick]") {
  const auto parsed = parse_reservations_json("\xEF\xBB\xBF" + one(kGood));
  REQUIRE(parsed.is_ok());
  CHECK(parsed->size() == 1);
}

TEST_CASE("Import keeps the order of the file", "[quick]") {
  const auto parsed = parse_reservations_json(
      "[{\"port\": 2, \"path\": \"/b\", \"created_at\": \"2024-01-15T10:30:45Z\", "
      "\"last_used_at\": \"2024-02-29T23:59:59Z\"},"
      "{\"port\": 1, \"path\": \"/a\", \"created_at\": \"2024-01-15T10:30:45Z\", "
      "\"last_used_at\": \"2024-02-29T23:59:59Z\"}]");
  REQUIRE(parsed.is_ok());
  CHECK(*parsed == std::vector<reservation>{make(2, "/b"), make(1, "/a")});
}

// --- rejected documents -------------------------------------------------

TEST_CASE("Import rejects malformed JSON with its position", "[quick]") {
  CHECK(error_of("[\n  {\"port\": 5000,}\n]") == "invalid JSON at line 2, column 17: syntax error");
  CHECK(error_of("").starts_with("invalid JSON at line 1, column 1: "));
  CHECK(error_of("[] []").starts_with("invalid JSON at line 1, column 4: "));
}

TEST_CASE("Import rejects a key repeated within one object", "[quick]") {
  CHECK(error_of("[{\"port\": 1,\n \"port\": 2}]") ==
        "invalid JSON at line 2, column 7: key \"port\" appears twice in one object");
}

TEST_CASE("Import allows the same key in different objects", "[quick]") {
  const auto parsed = parse_reservations_json(
      "[{" + std::string(kGood) + "}, {" +
      R"("port": 5001, "path": "/b", "created_at": "2024-01-15T10:30:45Z", )"
      R"("last_used_at": "2024-02-29 23:59:59")" +
      "}]");
  REQUIRE(parsed.is_ok());
  CHECK(parsed->size() == 2);
}

TEST_CASE("Import rejects a top level that is not an array", "[quick]") {
  CHECK(error_of("{}") == "expected a JSON array of reservations at the top level");
  CHECK(error_of("null") == "expected a JSON array of reservations at the top level");
}

TEST_CASE("Import rejects an element that is not an object", "[quick]") {
  CHECK(error_of(cat({"[{", kGood, "}, 5]"})) == "reservation 2: expected an object");
}

TEST_CASE("Import rejects a missing required field", "[quick]") {
  CHECK(error_of(one(R"("path": "/a", "created_at": "2024-01-15T10:30:45Z", )"
                     R"("last_used_at": "2024-02-29 23:59:59")")) ==
        "reservation 1: missing field 'port'");
  CHECK(error_of(one(R"("port": 1, "created_at": "2024-01-15T10:30:45Z", )"
                     R"("last_used_at": "2024-02-29 23:59:59")")) ==
        "reservation 1: missing field 'path'");
  CHECK(error_of(one(R"("port": 1, "path": "/a", "last_used_at": "2024-02-29 23:59:59")")) ==
        "reservation 1: missing field 'created_at'");
  CHECK(error_of(one(R"("port": 1, "path": "/a", "created_at": "2024-02-29 23:59:59")")) ==
        "reservation 1: missing field 'last_used_at'");
}

TEST_CASE("Import rejects an unknown field, escaping its name", "[quick]") {
  CHECK(error_of(one(std::string(kGood) + R"(, "colour": "red")")) ==
        "reservation 1: unknown field 'colour'");
  CHECK(error_of(one(std::string(kGood) + R"(, "a\tb": 1)")) ==
        "reservation 1: unknown field 'a\\tb'");
}

TEST_CASE("Import rejects a port that is not an integer 1..65535", "[quick]") {
  for (const char* port : {"0", "65536", "-1", "5000.0", "5e3", "\"5000\"", "null", "true",
                           "18446744073709551615", "[5000]"}) {
    CAPTURE(port);
    CHECK(error_of(one(std::string("\"port\": ") + port +
                       R"(, "path": "/a", "created_at": "2024-01-15T10:30:45Z", )"
                       R"("last_used_at": "2024-02-29 23:59:59")")) ==
          "reservation 1: field 'port': expected an integer 1..65535");
  }
}

TEST_CASE("Import accepts the extreme ports 1 and 65535", "[quick]") {
  for (const char* port : {"1", "65535"}) {
    CAPTURE(port);
    CHECK(parse_reservations_json(one(std::string("\"port\": ") + port +
                                      R"(, "path": "/a", "created_at": "2024-01-15T10:30:45Z", )"
                                      R"("last_used_at": "2024-02-29 23:59:59")"))
              .is_ok());
  }
}

TEST_CASE("Import rejects a path that is not a string", "[quick]") {
  CHECK(error_of(one(R"("port": 1, "path": null, "created_at": "2024-01-15T10:30:45Z", )"
                     R"("last_used_at": "2024-02-29 23:59:59")")) ==
        "reservation 1: field 'path': expected a string");
}

TEST_CASE("Import rejects a path that is not absolute and lexically normal", "[quick]") {
  for (const char* path : {"", "a", "/a/", "/a//b", "/a/./b", "/a/../b", "/a\\u0000b"}) {
    CAPTURE(path);
    CHECK(error_of(one(std::string(R"("port": 1, "path": ")") + path +
                       R"(", "created_at": "2024-01-15T10:30:45Z", )"
                       R"("last_used_at": "2024-02-29 23:59:59")")) ==
          "reservation 1: field 'path': expected an absolute, lexically normal path");
  }
}

TEST_CASE("Import rejects an empty, untrimmed or non-string tag", "[quick]") {
  for (const char* tag : {"\"\"", "\" web\"", "\"web\\n\"", "5", "false", "{}"}) {
    CAPTURE(tag);
    CHECK(error_of(one(std::string(kGood) + ", \"tag\": " + tag)) ==
          "reservation 1: field 'tag': expected null or a non-empty string without leading or "
          "trailing whitespace");
  }
}

TEST_CASE("Import rejects an empty, untrimmed or NUL-holding project or task", "[quick]") {
  for (const char* field : {"project", "task"}) {
    for (const char* value : {"\"\"", "\"a \"", "\"a\\u0000b\"", "1"}) {
      CAPTURE(field, value);
      CHECK(error_of(one(std::string(kGood) + ", \"" + field + "\": " + value)) ==
            "reservation 1: field '" + std::string(field) +
                "': expected null or a non-empty string without leading or trailing "
                "whitespace or NUL bytes");
    }
  }
}

TEST_CASE("Import rejects a timestamp in neither accepted form", "[quick]") {
  for (const char* ts : {"\"2024-01-15T10:30:45\"", "\"2024-02-30 10:30:45\"", "\"yesterday\"",
                         "1705314645", "null"}) {
    CAPTURE(ts);
    CHECK(error_of(one(std::string(R"("port": 1, "path": "/a", "created_at": )") + ts +
                       R"(, "last_used_at": "2024-02-29 23:59:59")")) ==
          "reservation 1: field 'created_at': expected a UTC timestamp such as "
          "\"2024-01-15T10:30:45Z\" or \"2024-01-15 10:30:45\"");
  }
}

TEST_CASE("Import rejects a timestamp before 1970", "[quick]") {
  CHECK(error_of(one(R"("port": 1, "path": "/a", "created_at": "2024-01-15T10:30:45Z", )"
                     R"("last_used_at": "1969-12-31T23:59:59Z")")) ==
        "reservation 1: field 'last_used_at': timestamp before 1970-01-01T00:00:00Z");
}

TEST_CASE("Import names the element counted from 1", "[quick]") {
  CHECK(error_of("[{" + std::string(kGood) + "}, {\"port\": 0}]") ==
        "reservation 2: field 'port': expected an integer 1..65535");
}

TEST_CASE("Import rejects two elements with the same path and tag", "[quick]") {
  const std::string a = R"("path": "/a", "tag": "web", "created_at": "2024-01-15T10:30:45Z", )"
                        R"("last_used_at": "2024-02-29 23:59:59")";
  CHECK(error_of("[{\"port\": 1, " + a + "}, {\"port\": 2, " + a + "}]") ==
        "reservation 2: same path and tag as reservation 1 (/a:web)");
}

TEST_CASE("Import treats untagged and tagged entries of one path as distinct", "[quick]") {
  const std::string ts =
      R"("created_at": "2024-01-15T10:30:45Z", "last_used_at": "2024-02-29 23:59:59")";
  const auto parsed = parse_reservations_json("[{\"port\": 1, \"path\": \"/a\", " + ts +
                                              "}, {\"port\": 2, \"path\": \"/a\", \"tag\": "
                                              "\"web\", " +
                                              ts + "}]");
  REQUIRE(parsed.is_ok());
  CHECK(parsed->size() == 2);
}

TEST_CASE("Import rejects two elements with the same port", "[quick]") {
  const std::string ts =
      R"("created_at": "2024-01-15T10:30:45Z", "last_used_at": "2024-02-29 23:59:59")";
  CHECK(error_of("[{\"port\": 7, \"path\": \"/a\", " + ts + "}, {\"port\": 8, \"path\": \"/b\", " +
                 ts + "}, {\"port\": 7, \"path\": \"/c\", " + ts + "}]") ==
        "reservation 3: port 7 is also used by reservation 1");
}

TEST_CASE("Import rejects JSON nested deeper than 32 levels", "[quick]") {
  const std::string deep = std::string(40, '[') + std::string(40, ']');
  CHECK(error_of(deep).starts_with("invalid JSON at line 1, column "));
}

// --- leases (docs/leases.md) ---------------------------------------------

namespace {

trop::process_identity sample_owner() {
  trop::process_identity id;
  id.pid = 2147483647;
  id.start_ticks = 18446744073709551615ULL;  // every uint64 survives
  id.pid_namespace = 4026531836;
  id.boot_id = {0x6a, 0x7b, 0x0c, 0x1d, 0x2e, 0x3f, 0x4a, 0x5b,
                0x8c, 0x9d, 0x0e, 0x1f, 0x2a, 0x3b, 0x4c, 0xff};
  return id;
}

}  // namespace

TEST_CASE("Export appends the lease after last_used_at, only for leased reservations", "[quick]") {
  reservation timed = make(5000, "/a");
  timed.lease = trop::lease{};
  timed.lease->expires_at = kLeapDay;
  reservation owned = make(5001, "/b");
  owned.lease = trop::lease{};
  owned.lease->owner = sample_owner();
  CHECK(render_export({timed, owned, make(5002, "/c")}) ==
        "[\n"
        "  {\n"
        "    \"port\": 5000,\n"
        "    \"path\": \"/a\",\n"
        "    \"tag\": null,\n"
        "    \"project\": null,\n"
        "    \"task\": null,\n"
        "    \"created_at\": \"2024-01-15T10:30:45Z\",\n"
        "    \"last_used_at\": \"2024-02-29T23:59:59Z\",\n"
        "    \"lease\": {\n"
        "      \"expires_at\": \"2024-02-29T23:59:59Z\",\n"
        "      \"owner\": null\n"
        "    }\n"
        "  },\n"
        "  {\n"
        "    \"port\": 5001,\n"
        "    \"path\": \"/b\",\n"
        "    \"tag\": null,\n"
        "    \"project\": null,\n"
        "    \"task\": null,\n"
        "    \"created_at\": \"2024-01-15T10:30:45Z\",\n"
        "    \"last_used_at\": \"2024-02-29T23:59:59Z\",\n"
        "    \"lease\": {\n"
        "      \"expires_at\": null,\n"
        "      \"owner\": {\n"
        "        \"pid\": 2147483647,\n"
        "        \"start_ticks\": 18446744073709551615,\n"
        "        \"pid_namespace\": 4026531836,\n"
        "        \"boot_id\": \"6a7b0c1d2e3f4a5b8c9d0e1f2a3b4cff\"\n"
        "      }\n"
        "    }\n"
        "  },\n"
        "  {\n"
        "    \"port\": 5002,\n"
        "    \"path\": \"/c\",\n"
        "    \"tag\": null,\n"
        "    \"project\": null,\n"
        "    \"task\": null,\n"
        "    \"created_at\": \"2024-01-15T10:30:45Z\",\n"
        "    \"last_used_at\": \"2024-02-29T23:59:59Z\"\n"
        "  }\n"
        "]\n");
}

TEST_CASE("list --format json shows the lease with list timestamps", "[quick]") {
  reservation r = make(5000, "/a");
  r.lease = trop::lease{};
  r.lease->expires_at = kJan15;
  r.lease->owner = sample_owner();
  const std::string out = trop::render_list({r}, trop::list_format::json, {});
  CHECK(out.find("    \"last_used_at\": \"2024-02-29 23:59:59\",\n"
                 "    \"lease\": {\n"
                 "      \"expires_at\": \"2024-01-15 10:30:45\",\n"
                 "      \"owner\": {\n") != std::string::npos);
  // The other formats keep their seven columns.
  CHECK(trop::render_list({r}, trop::list_format::csv, {}) ==
        "port,path,tag,project,task,created_at,last_used_at\n"
        "5000,/a,,,,2024-01-15 10:30:45,2024-02-29 23:59:59\n");
  CHECK(trop::render_list({r}, trop::list_format::tsv, {}) ==
        "port\tpath\ttag\tproject\ttask\tcreated_at\tlast_used_at\n"
        "5000\t/a\t\t\t\t2024-01-15 10:30:45\t2024-02-29 23:59:59\n");
  CHECK(trop::render_list({r}, trop::list_format::table, {}) ==
        "PORT\tPATH\tTAG\tPROJECT\tTASK\tCREATED_AT\tLAST_USED_AT\n"
        "5000\t/a\t-\t-\t-\t2024-01-15 10:30:45\t2024-02-29 23:59:59\n");
}

TEST_CASE("Export then import keeps leases", "[quick]") {
  std::vector<reservation> rows = {make(5000, "/a"), make(5001, "/b"), make(5002, "/c")};
  rows[0].lease = trop::lease{};
  rows[0].lease->expires_at = 0;
  rows[1].lease = trop::lease{};
  rows[1].lease->owner = sample_owner();
  rows[2].lease = trop::lease{};
  rows[2].lease->expires_at = 253402300799;
  rows[2].lease->owner = sample_owner();
  rows[2].lease->owner->start_ticks = 0;
  const auto parsed = parse_reservations_json(render_export(rows));
  REQUIRE(parsed.is_ok());
  CHECK(*parsed == rows);
}

TEST_CASE("Import reads a lease that is null, absent, or in any key order", "[quick]") {
  const auto sticky = parse_reservations_json(one(cat({kGood, R"(, "lease": null)"})));
  REQUIRE(sticky.is_ok());
  CHECK_FALSE((*sticky)[0].lease.has_value());
  const auto absent = parse_reservations_json(one(kGood));
  REQUIRE(absent.is_ok());
  CHECK_FALSE((*absent)[0].lease.has_value());
  const auto owned = parse_reservations_json(
      one(cat({kGood, R"(, "lease": {"owner": {"boot_id": "6A7B0C1D2E3F4A5B8C9D0E1F2A3B4CFF", )",
               R"("pid_namespace": 4026531836, "start_ticks": 18446744073709551615, )",
               R"("pid": 2147483647}})"})));
  REQUIRE(owned.is_ok());
  REQUIRE((*owned)[0].lease.has_value());
  CHECK_FALSE((*owned)[0].lease->expires_at.has_value());
  CHECK((*owned)[0].lease->owner == sample_owner());
  const auto timed = parse_reservations_json(
      one(cat({kGood, R"(, "lease": {"expires_at": "2024-01-15 10:30:45"})"})));
  REQUIRE(timed.is_ok());
  CHECK((*timed)[0].lease->expires_at == kJan15);
  CHECK_FALSE((*timed)[0].lease->owner.has_value());
}

TEST_CASE("Import rejects a malformed lease, naming the field", "[quick]") {
  const std::string_view owner_rest =
      R"("start_ticks": 1, "pid_namespace": 2, "boot_id": "00000000000000000000000000000000")";
  struct bad_case {
    std::string lease;
    std::string message;
  };
  const std::vector<bad_case> cases = {
      {"5", "reservation 1: field 'lease': expected null or an object with expires_at and owner"},
      {"[]", "field 'lease': expected null or an object"},
      {"{}",
       "reservation 1: field 'lease': expected expires_at, owner or both (null for no "
       "lease)"},
      {R"({"expires_at": null, "owner": null})", "field 'lease': expected expires_at, owner"},
      {R"({"ttl": 5})", "reservation 1: field 'lease': unknown field 'ttl'"},
      {R"({"expires_at": 5})", "field 'lease.expires_at': expected null or a UTC timestamp"},
      {R"({"expires_at": "1969-12-31T23:59:59Z"})", "field 'lease.expires_at'"},
      {R"({"owner": 7})", "field 'lease.owner': expected null or an object"},
      {cat({R"({"owner": {"pid": 1, "extra": 0, )", owner_rest, "}}"}),
       "field 'lease.owner': unknown field 'extra'"},
      {cat({R"({"owner": {)", owner_rest, "}}"}),
       "field 'lease.owner.pid': expected an integer 1..2147483647"},
      {cat({R"({"owner": {"pid": 0, )", owner_rest, "}}"}), "field 'lease.owner.pid'"},
      {cat({R"({"owner": {"pid": 2147483648, )", owner_rest, "}}"}), "field 'lease.owner.pid'"},
      {cat({R"({"owner": {"pid": 1.0, )", owner_rest, "}}"}), "field 'lease.owner.pid'"},
      {R"({"owner": {"pid": 1, "start_ticks": -1, "pid_namespace": 2, "boot_id": )"
       R"("00000000000000000000000000000000"}})",
       "field 'lease.owner.start_ticks': expected a non-negative integer"},
      {R"({"owner": {"pid": 1, "start_ticks": 1, "boot_id": )"
       R"("00000000000000000000000000000000"}})",
       "field 'lease.owner.pid_namespace'"},
      {R"({"owner": {"pid": 1, "start_ticks": 1, "pid_namespace": 2, "boot_id": "00"}})",
       "field 'lease.owner.boot_id': expected 32 hexadecimal digits"},
      {R"({"owner": {"pid": 1, "start_ticks": 1, "pid_namespace": 2, "boot_id": )"
       R"("0000000000000000000000000000000g"}})",
       "field 'lease.owner.boot_id'"},
  };
  for (const bad_case& c : cases) {
    INFO(c.lease);
    CHECK_THAT(error_of(one(cat({kGood, R"(, "lease": )", c.lease}))), Catch::Contains(c.message));
  }
}
