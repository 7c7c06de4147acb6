#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "trop/formats/list_output.h"

namespace {

using trop::list_format;
using trop::list_render_options;
using trop::render_list;
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

list_render_options home(std::string h) {
  list_render_options o;
  o.home = std::move(h);
  return o;
}

const char* const kTableHeader = "PORT\tPATH\tTAG\tPROJECT\tTASK\tCREATED_AT\tLAST_USED_AT\n";
const char* const kCsvHeader = "port,path,tag,project,task,created_at,last_used_at\n";
const char* const kTsvHeader = "port\tpath\ttag\tproject\ttask\tcreated_at\tlast_used_at\n";

}  // namespace

// --- format names -------------------------------------------------------

TEST_CASE("List format names parse in any letter case", "[quick]") {
  CHECK(trop::parse_list_format("table") == list_format::table);
  CHECK(trop::parse_list_format("JSON") == list_format::json);
  CHECK(trop::parse_list_format("Csv") == list_format::csv);
  CHECK(trop::parse_list_format("tSv") == list_format::tsv);
}

TEST_CASE("List format names reject anything else", "[quick]") {
  CHECK_FALSE(trop::parse_list_format(""));
  CHECK_FALSE(trop::parse_list_format("yaml"));
  CHECK_FALSE(trop::parse_list_format(" json"));
  CHECK_FALSE(trop::parse_list_format("json "));
  CHECK_FALSE(trop::parse_list_format("tables"));
}

// --- empty lists --------------------------------------------------------

TEST_CASE("An empty list prints the header line only in table, CSV and TSV", "[quick]") {
  CHECK(render_list({}, list_format::table, {}) == kTableHeader);
  CHECK(render_list({}, list_format::csv, {}) == kCsvHeader);
  CHECK(render_list({}, list_format::tsv, {}) == kTsvHeader);
}

TEST_CASE("An empty list prints [] and a newline in JSON", "[quick]") {
  CHECK(render_list({}, list_format::json, {}) == "[]\n");
}

// --- table --------------------------------------------------------------

TEST_CASE("Table matches the SPEC example", "[quick]") {
  reservation r = make(5000, "/home/u/work/app", {}, "app", "main");
  r.last_used_at = kJan15;
  CHECK(render_list({r}, list_format::table, home("/home/u")) ==
        std::string(kTableHeader) +
            "5000\t~/work/app\t-\tapp\tmain\t2024-01-15 10:30:45\t2024-01-15 10:30:45\n");
}

TEST_CASE("Table prints every row in the order given", "[quick]") {
  const std::vector<reservation> rows = {make(6000, "/b", "web", "p", "t"), make(5000, "/a")};
  CHECK(render_list(rows, list_format::table, {}) ==
        std::string(kTableHeader) +
            "6000\t/b\tweb\tp\tt\t2024-01-15 10:30:45\t2024-02-29 23:59:59\n"
            "5000\t/a\t-\t-\t-\t2024-01-15 10:30:45\t2024-02-29 23:59:59\n");
}

TEST_CASE("Table escapes tabs, newlines, CR, backslashes and control characters", "[quick]") {
  const reservation r =
      make(5000, "/srv/a\tb\nc", "t\\ag", std::string("p\rq\x01\x1b\x7f", 6), "ta\"sk,");
  CHECK(render_list({r}, list_format::table, {}) ==
        std::string(kTableHeader) +
            "5000\t/srv/a\\tb\\nc\tt\\\\ag\tp\\rq\\x01\\x1B\\x7F\tta\"sk,\t2024-01-15 "
            "10:30:45\t2024-02-29 23:59:59\n");
}

TEST_CASE("Table escapes a NUL byte as \\x00", "[quick]") {
  const reservation r = make(5000, "/a", std::string("x\0y", 3));
  CHECK(render_list({r}, list_format::table, {}) ==
        std::string(kTableHeader) +
            "5000\t/a\tx\\x00y\t-\t-\t2024-01-15 10:30:45\t2024-02-29 23:59:59\n");
}

TEST_CASE("Table passes non-ASCII and non-UTF-8 bytes through raw", "[quick]") {
  const reservation r = make(5000, "/srv/caf\xC3\xA9/\xFF\xFE", "\xE2\x9C\x93");
  CHECK(render_list({r}, list_format::table, {}) ==
        std::string(kTableHeader) +
            "5000\t/srv/caf\xC3\xA9/\xFF\xFE\t\xE2\x9C\x93\t-\t-\t2024-01-15 10:30:45\t2024-02-29 "
            "23:59:59\n");
}

TEST_CASE("Table shows a literal dash tag as -, same as no tag", "[quick]") {
  // Documented ambiguity of the human-oriented table; TSV/CSV/JSON tell them apart.
  const reservation r = make(5000, "/a", "-");
  CHECK(render_list({r}, list_format::table, {}) ==
        std::string(kTableHeader) +
            "5000\t/a\t-\t-\t-\t2024-01-15 10:30:45\t2024-02-29 23:59:59\n");
}

TEST_CASE("Table with show_full_paths prints paths under home in full", "[quick]") {
  list_render_options o = home("/home/u");
  o.show_full_paths = true;
  CHECK(render_list({make(5000, "/home/u/app")}, list_format::table, o) ==
        std::string(kTableHeader) +
            "5000\t/home/u/app\t-\t-\t-\t2024-01-15 10:30:45\t2024-02-29 23:59:59\n");
}

TEST_CASE("Table escapes a shortened path after shortening it", "[quick]") {
  CHECK(render_list({make(5000, "/home/u/a\tb")}, list_format::table, home("/home/u")) ==
        std::string(kTableHeader) +
            "5000\t~/a\\tb\t-\t-\t-\t2024-01-15 10:30:45\t2024-02-29 23:59:59\n");
}

// --- ~ shortening -------------------------------------------------------

TEST_CASE("Home shortening turns a path below home into ~/rest", "[quick]") {
  CHECK(trop::shorten_home("/home/a/x", "/home/a") == "~/x");
  CHECK(trop::shorten_home("/home/a/x/y z", "/home/a") == "~/x/y z");
}

TEST_CASE("Home shortening shows home itself as ~/", "[quick]") {
  CHECK(trop::shorten_home("/home/a", "/home/a") == "~/");
}

TEST_CASE("Home shortening compares whole components", "[quick]") {
  CHECK(trop::shorten_home("/home/ab", "/home/a") == "/home/ab");
  CHECK(trop::shorten_home("/home/ab/x", "/home/a") == "/home/ab/x");
  CHECK(trop::shorten_home("/home", "/home/a") == "/home");
  CHECK(trop::shorten_home("/srv/x", "/home/a") == "/srv/x");
}

TEST_CASE("Home shortening ignores a trailing slash on home", "[quick]") {
  CHECK(trop::shorten_home("/home/a/x", "/home/a/") == "~/x");
  CHECK(trop::shorten_home("/home/a", "/home/a//") == "~/");
}

TEST_CASE("Home shortening with an empty home shortens nothing", "[quick]") {
  CHECK(trop::shorten_home("/home/a/x", "") == "/home/a/x");
  CHECK(render_list({make(5000, "/x")}, list_format::table, {}) ==
        std::string(kTableHeader) +
            "5000\t/x\t-\t-\t-\t2024-01-15 10:30:45\t2024-02-29 23:59:59\n");
}

TEST_CASE("Home shortening with home / puts every path under ~", "[quick]") {
  CHECK(trop::shorten_home("/", "/") == "~/");
  CHECK(trop::shorten_home("/srv/x", "/") == "~/srv/x");
}

TEST_CASE("Home shortening treats a relative home as matching nothing", "[quick]") {
  CHECK(trop::shorten_home("/home/a", "home/a") == "/home/a");
}

// --- JSON ---------------------------------------------------------------

TEST_CASE("JSON lists objects with keys in table column order", "[quick]") {
  const std::vector<reservation> rows = {make(5000, "/home/u/app", "web", "app", "main"),
                                         make(5001, "/srv/x")};
  CHECK(render_list(rows, list_format::json, home("/home/u")) ==
        "[\n"
        "  {\n"
        "    \"port\": 5000,\n"
        "    \"path\": \"/home/u/app\",\n"
        "    \"tag\": \"web\",\n"
        "    \"project\": \"app\",\n"
        "    \"task\": \"main\",\n"
        "    \"created_at\": \"2024-01-15 10:30:45\",\n"
        "    \"last_used_at\": \"2024-02-29 23:59:59\"\n"
        "  },\n"
        "  {\n"
        "    \"port\": 5001,\n"
        "    \"path\": \"/srv/x\",\n"
        "    \"tag\": null,\n"
        "    \"project\": null,\n"
        "    \"task\": null,\n"
        "    \"created_at\": \"2024-01-15 10:30:45\",\n"
        "    \"last_used_at\": \"2024-02-29 23:59:59\"\n"
        "  }\n"
        "]\n");
}

TEST_CASE("JSON escapes hostile values JSON-style", "[quick]") {
  const reservation r = make(1, "/a\tb", "\"q\"\\", "l\nm", std::string("\x01\xFF", 2));
  CHECK(render_list({r}, list_format::json, {}) ==
        "[\n"
        "  {\n"
        "    \"port\": 1,\n"
        "    \"path\": \"/a\\tb\",\n"
        "    \"tag\": \"\\\"q\\\"\\\\\",\n"
        "    \"project\": \"l\\nm\",\n"
        "    \"task\": \"\\u0001\xFF\",\n"
        "    \"created_at\": \"2024-01-15 10:30:45\",\n"
        "    \"last_used_at\": \"2024-02-29 23:59:59\"\n"
        "  }\n"
        "]\n");
}

// --- CSV ----------------------------------------------------------------

TEST_CASE("CSV prints absent values as empty fields and full paths", "[quick]") {
  const std::vector<reservation> rows = {make(5000, "/home/u/app", "web", "app", "main"),
                                         make(65535, "/home/u")};
  CHECK(render_list(rows, list_format::csv, home("/home/u")) ==
        std::string(kCsvHeader) +
            "5000,/home/u/app,web,app,main,2024-01-15 10:30:45,2024-02-29 23:59:59\n"
            "65535,/home/u,,,,2024-01-15 10:30:45,2024-02-29 23:59:59\n");
}

TEST_CASE("CSV quotes a field containing a comma", "[quick]") {
  CHECK(render_list({make(5000, "/a,b")}, list_format::csv, {}) ==
        std::string(kCsvHeader) + "5000,\"/a,b\",,,,2024-01-15 10:30:45,2024-02-29 23:59:59\n");
}

TEST_CASE("CSV quotes a field containing a quote and doubles the quote", "[quick]") {
  CHECK(render_list({make(5000, "/a", "say \"hi\"")}, list_format::csv, {}) ==
        std::string(kCsvHeader) +
            "5000,/a,\"say \"\"hi\"\"\",,,2024-01-15 10:30:45,2024-02-29 23:59:59\n");
}

TEST_CASE("CSV quotes a field containing a newline or carriage return", "[quick]") {
  CHECK(render_list({make(5000, "/a\nb", {}, "x\ry")}, list_format::csv, {}) ==
        std::string(kCsvHeader) +
            "5000,\"/a\nb\",,\"x\ry\",,2024-01-15 10:30:45,2024-02-29 23:59:59\n");
}

TEST_CASE("CSV leaves tabs, backslashes, control and non-UTF-8 bytes unquoted", "[quick]") {
  CHECK(render_list({make(5000, "/a\tb\\c", std::string("\x01\xFF", 2))}, list_format::csv, {}) ==
        std::string(kCsvHeader) +
            "5000,/a\tb\\c,\x01\xFF,,,2024-01-15 10:30:45,2024-02-29 23:59:59\n");
}

// --- TSV ----------------------------------------------------------------

TEST_CASE("TSV prints absent values as empty fields and full paths", "[quick]") {
  CHECK(render_list({make(5000, "/home/u/app", {}, "app")}, list_format::tsv, home("/home/u")) ==
        std::string(kTsvHeader) +
            "5000\t/home/u/app\t\tapp\t\t2024-01-15 10:30:45\t2024-02-29 23:59:59\n");
}

TEST_CASE("TSV escapes tabs, newlines and backslashes instead of quoting", "[quick]") {
  CHECK(render_list({make(5000, "/a\tb", "x\ny", "c\\d", "e\r\x02")}, list_format::tsv, {}) ==
        std::string(kTsvHeader) +
            "5000\t/a\\tb\tx\\ny\tc\\\\d\te\\r\\x02\t2024-01-15 10:30:45\t2024-02-29 23:59:59\n");
}

TEST_CASE("TSV leaves quotes and commas as ordinary characters", "[quick]") {
  CHECK(render_list({make(5000, "/a", "\"x\",y")}, list_format::tsv, {}) ==
        std::string(kTsvHeader) +
            "5000\t/a\t\"x\",y\t\t\t2024-01-15 10:30:45\t2024-02-29 23:59:59\n");
}

// --- timestamps ---------------------------------------------------------

TEST_CASE("List prints the epoch and large timestamps in UTC", "[quick]") {
  reservation r = make(5000, "/a");
  r.created_at = 0;
  r.last_used_at = 253402300799;  // 9999-12-31 23:59:59
  CHECK(render_list({r}, list_format::tsv, {}) ==
        std::string(kTsvHeader) + "5000\t/a\t\t\t\t1970-01-01 00:00:00\t9999-12-31 23:59:59\n");
}
