#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "trop/formats/exclusion_edit.h"

// Golden files (tests/formats/golden, TROP_GOLDEN_DIR):
//   NAME.in.yaml      input; its first line `# op: <op>` says what to do, and
//   NAME.out.yaml     the expected result, byte for byte (for "already
//                     present" / "already optimal" cases, equal to the input);
//   NAME.refuse.yaml  input that must fail; line 1 `# op: <op>`, line 2
//                     `# expect: <conflict|invalid_argument> <message part>`.
// <op> is `add N`, `add A..B`, `compact`, or `set` followed by a
// comma-separated list (empty for `set` alone).
// TROP_UPDATE_GOLDEN=1 rewrites the .out.yaml files from the current code;
// review every diff before committing one.

namespace {

using trop::port_exclusion;

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

// Line `n` (0-based) without its EOL and without a leading BOM.
std::string line_of(std::string_view text, std::size_t n) {
  if (text.starts_with("\xEF\xBB\xBF")) {
    text.remove_prefix(3);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t nl = text.find('\n');
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  std::string_view line = text.substr(0, text.find('\n'));
  if (line.ends_with('\r')) {
    line.remove_suffix(1);
  }
  return std::string(line);
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);
  }
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  return s;
}

port_exclusion parse_spec(std::string_view s) {
  s = trimmed(s);
  const std::size_t dots = s.find("..");
  if (dots == std::string_view::npos) {
    return port_exclusion::single(static_cast<std::uint16_t>(std::stoi(std::string(s))));
  }
  return port_exclusion::range(
      static_cast<std::uint16_t>(std::stoi(std::string(s.substr(0, dots)))),
      static_cast<std::uint16_t>(std::stoi(std::string(s.substr(dots + 2)))));
}

// Runs the `# op:` of the file's first line on `text`.
trop::result<trop::exclusion_edit_result> run_op(std::string_view text) {
  const std::string first = line_of(text, 0);
  REQUIRE(first.starts_with("# op: "));
  const std::string_view op = std::string_view(first).substr(6);
  if (op.starts_with("add ")) {
    return trop::add_exclusion(text, parse_spec(op.substr(4)));
  }
  if (op == "compact") {
    return trop::compact_exclusions(text);
  }
  REQUIRE(op.starts_with("set"));
  std::vector<port_exclusion> list;
  std::string_view rest = trimmed(op.substr(3));
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    list.push_back(parse_spec(rest.substr(0, comma)));
    rest = comma == std::string_view::npos ? std::string_view() : trimmed(rest.substr(comma + 1));
  }
  return trop::set_exclusions(text, list);
}

std::vector<fs::path> golden_files(std::string_view suffix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(TROP_GOLDEN_DIR)) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(suffix)) {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string error_of(const trop::result<trop::exclusion_edit_result>& r) {
  REQUIRE_FALSE(r.is_ok());
  return r.error().message();
}

}  // namespace

// --- golden files -------------------------------------------------------

TEST_CASE("Every golden input edits to its golden output byte for byte", "[quick]") {
  const bool update = std::getenv("TROP_UPDATE_GOLDEN") != nullptr;
  const auto inputs = golden_files(".in.yaml");
  REQUIRE(inputs.size() >= 30);
  for (const fs::path& in : inputs) {
    const std::string base = in.filename().string();
    const fs::path out = in.parent_path() / (base.substr(0, base.size() - 8) + ".out.yaml");
    DYNAMIC_SECTION(base) {
      const std::string text = read_file(in);
      const auto r = run_op(text);
      INFO(r.error().message());
      REQUIRE(r.is_ok());
      if (update) {
        write_file(out, r->text);
      }
      REQUIRE(fs::exists(out));
      CHECK(r->text == read_file(out));
      CHECK(r->changed == (r->text != text));
      // An edited file reads back, through the same code, as what was written.
      const auto again = trop::compact_exclusions(r->text);
      REQUIRE(again.is_ok());
      CHECK(again->before == r->after);
    }
  }
}

TEST_CASE("Every golden refusal fails with its code and reason", "[quick]") {
  const auto inputs = golden_files(".refuse.yaml");
  REQUIRE(inputs.size() >= 20);
  for (const fs::path& in : inputs) {
    DYNAMIC_SECTION(in.filename().string()) {
      const std::string text = read_file(in);
      const std::string expect = line_of(text, 1);
      REQUIRE(expect.starts_with("# expect: "));
      const std::string_view spec = std::string_view(expect).substr(10);
      const std::size_t space = spec.find(' ');
      const std::string_view code = spec.substr(0, space);
      const std::string_view part = spec.substr(space + 1);
      const auto r = run_op(text);
      const std::string message = error_of(r);
      INFO(message);
      CHECK(r.error().code() ==
            (code == "conflict" ? trop::error_code::conflict : trop::error_code::invalid_argument));
      CHECK(message.find(part) != std::string::npos);
      if (code == "conflict") {
        CHECK(message.starts_with("cannot edit excluded_ports safely: "));
      }
    }
  }
}

// --- structural identity (add) -----------------------------------------

TEST_CASE("A single port and a one-port range are different entries", "[quick]") {
  const std::string text = "excluded_ports:\n  - 8080\n";
  const auto same = trop::add_exclusion(text, port_exclusion::single(8080));
  REQUIRE(same.is_ok());
  CHECK_FALSE(same->changed);
  CHECK(same->text == text);
  CHECK(same->key_present);

  const auto range = trop::add_exclusion(text, port_exclusion::range(8080, 8080));
  REQUIRE(range.is_ok());
  CHECK(range->changed);
  CHECK(range->text == "excluded_ports:\n  - 8080\n  - start: 8080\n    end: 8080\n");
}

TEST_CASE("A range string and a range mapping are the same entry", "[quick]") {
  for (const char* text :
       {"excluded_ports: [\"8080..8090\"]\n", "excluded_ports: ['8080 .. 8090']\n",
        "excluded_ports: [8080..8090]\n", "excluded_ports:\n  - start: 8080\n    end: 8090\n",
        "excluded_ports:\n  - end: 8090\n    start: 8080\n"}) {
    INFO(text);
    const auto r = trop::add_exclusion(text, port_exclusion::range(8080, 8090));
    REQUIRE(r.is_ok());
    CHECK_FALSE(r->changed);
    CHECK(r->text == text);
  }
}

TEST_CASE("A quoted single port is the same entry as the number", "[quick]") {
  const std::string text = "excluded_ports: [\"8080\"]\n";
  const auto r = trop::add_exclusion(text, port_exclusion::single(8080));
  REQUIRE(r.is_ok());
  CHECK_FALSE(r->changed);
  CHECK(r->before == std::vector{port_exclusion::single(8080)});
}

TEST_CASE("add_exclusion rejects port 0 and inverted ranges before reading the file", "[quick]") {
  const auto zero = trop::add_exclusion("project: a\n", port_exclusion::single(0));
  CHECK(error_of(zero) == "Invalid port: 0");
  CHECK(zero.error().code() == trop::error_code::invalid_argument);
  const auto start0 = trop::add_exclusion("project: a\n", port_exclusion::range(0, 5));
  CHECK(error_of(start0) == "Invalid start port: 0");
  const auto inverted = trop::add_exclusion("project: a\n", port_exclusion::range(9010, 9000));
  CHECK(error_of(inverted) == "Invalid range: 9010..9000 (end < start)");
  // Even a file that could not be read is not looked at.
  CHECK(error_of(trop::add_exclusion("[", port_exclusion::single(0))) == "Invalid port: 0");
}

TEST_CASE("add_exclusion reports the entries before and after", "[quick]") {
  const auto r = trop::add_exclusion("excluded_ports: [1, 5..7]\n", port_exclusion::single(9));
  REQUIRE(r.is_ok());
  CHECK(r->before == std::vector{port_exclusion::single(1), port_exclusion::range(5, 7)});
  CHECK(r->after == std::vector{port_exclusion::single(1), port_exclusion::range(5, 7),
                                port_exclusion::single(9)});
  CHECK(r->text == "excluded_ports: [1, 5..7, 9]\n");
}

// --- files without a list -------------------------------------------------

TEST_CASE("An empty file gets an excluded_ports block", "[quick]") {
  const auto r = trop::add_exclusion("", port_exclusion::range(8080, 8090));
  REQUIRE(r.is_ok());
  CHECK(r->changed);
  CHECK_FALSE(r->key_present);
  CHECK(r->text == "excluded_ports:\n  - start: 8080\n    end: 8090\n");
}

TEST_CASE("A file whose mapping is indented gets the key at the same indent", "[quick]") {
  const auto r = trop::add_exclusion("  project: a\n", port_exclusion::single(1));
  REQUIRE(r.is_ok());
  CHECK(r->text == "  project: a\n  excluded_ports:\n    - 1\n");
}

TEST_CASE("A CRLF file gets CRLF lines", "[quick]") {
  const auto r = trop::add_exclusion("project: a\r\nexcluded_ports:\r\n  - 1\r\n",
                                     port_exclusion::range(5, 6));
  REQUIRE(r.is_ok());
  CHECK(r->text == "project: a\r\nexcluded_ports:\r\n  - 1\r\n  - start: 5\r\n    end: 6\r\n");
}

TEST_CASE("compact and set leave a file without the key alone", "[quick]") {
  const std::string text = "# nothing\nproject: a\n";
  const auto c = trop::compact_exclusions(text);
  REQUIRE(c.is_ok());
  CHECK_FALSE(c->changed);
  CHECK_FALSE(c->key_present);
  CHECK(c->text == text);
  const auto s = trop::set_exclusions(text, {});
  REQUIRE(s.is_ok());
  CHECK_FALSE(s->changed);
  CHECK(s->text == text);
  const auto n = trop::compact_exclusions("excluded_ports: ~\n");
  REQUIRE(n.is_ok());
  CHECK_FALSE(n->changed);
  CHECK(n->key_present);
  CHECK(n->before.empty());
}

// --- compaction ----------------------------------------------------------

TEST_CASE("An already minimal sorted list is left byte for byte", "[quick]") {
  const std::string text =
      "excluded_ports:   # tidy\n  - 80    # http\n  - \"8000..8010\"\n  - start: 9000\n"
      "    end: 9001\n";
  const auto r = trop::compact_exclusions(text);
  REQUIRE(r.is_ok());
  CHECK_FALSE(r->changed);
  CHECK(r->text == text);
  CHECK(r->before == r->after);
}

TEST_CASE("Compaction rewrites a list that has the right ports in the wrong order", "[quick]") {
  const auto r = trop::compact_exclusions("excluded_ports: [9000, 80]\n");
  REQUIRE(r.is_ok());
  CHECK(r->changed);
  CHECK(r->before.size() == r->after.size());
  CHECK(r->text == "excluded_ports: [80, 9000]\n");
}

TEST_CASE("Compaction turns a one-port range into a single port", "[quick]") {
  const auto r = trop::compact_exclusions("excluded_ports:\n  - start: 80\n    end: 80\n");
  REQUIRE(r.is_ok());
  CHECK(r->changed);
  CHECK(r->text == "excluded_ports:\n  - 80\n");
}

TEST_CASE("compact_exclusion_list merges overlapping, adjacent and duplicate entries", "[quick]") {
  using P = port_exclusion;
  const std::vector<P> in = {P::single(10),  P::range(1, 3), P::range(4, 4),
                             P::range(2, 5), P::single(10),  P::single(12),
                             P::range(7, 8), P::single(6),   P::range(20, 30)};
  CHECK(trop::compact_exclusion_list(in) ==
        std::vector{P::range(1, 8), P::single(10), P::single(12), P::range(20, 30)});
  CHECK(trop::compact_exclusion_list({}).empty());
  CHECK(trop::compact_exclusion_list(std::vector{P::single(65535), P::single(65534)}) ==
        std::vector{P::range(65534, 65535)});
  CHECK(trop::compact_exclusion_list(std::vector{P::range(1, 65535), P::single(65535)}) ==
        std::vector{P::range(1, 65535)});
  CHECK(trop::compact_exclusion_list(std::vector{P::range(5, 5)}) == std::vector{P::single(5)});
}

TEST_CASE("check_exclusion has the messages of the config rules", "[quick]") {
  CHECK(trop::check_exclusion(port_exclusion::single(1)).is_ok());
  CHECK(trop::check_exclusion(port_exclusion::range(1, 1)).is_ok());
  CHECK(trop::check_exclusion(port_exclusion::single(0)).message() == "Invalid port: 0");
  CHECK(trop::check_exclusion(port_exclusion::range(0, 0)).message() == "Invalid start port: 0");
  CHECK(trop::check_exclusion(port_exclusion::range(3, 2)).message() ==
        "Invalid range: 3..2 (end < start)");
  CHECK(trop::to_string(port_exclusion::single(8080)) == "8080");
  CHECK(trop::to_string(port_exclusion::range(1, 2)) == "1..2");
}

// --- set -------------------------------------------------------------------

TEST_CASE("set_exclusions rejects an invalid element", "[quick]") {
  const std::vector list = {port_exclusion::single(1), port_exclusion::range(9, 8)};
  const auto r = trop::set_exclusions("excluded_ports: [1]\n", list);
  CHECK(error_of(r) == "exclusion 2: Invalid range: 9..8 (end < start)");
}

TEST_CASE("set_exclusions with the current list changes nothing", "[quick]") {
  const std::string text = "excluded_ports: [5, 1]  # odd order, kept\n";
  const std::vector list = {port_exclusion::single(5), port_exclusion::single(1)};
  const auto r = trop::set_exclusions(text, list);
  REQUIRE(r.is_ok());
  CHECK_FALSE(r->changed);
  CHECK(r->text == text);
}

// --- the safety net ------------------------------------------------------

TEST_CASE("An edit that would change another key's value is refused", "[quick]") {
  // Appending a line after a clipped block scalar without a final newline
  // would give it one: `project` would change from "abc" to "abc\n".
  const auto r = trop::add_exclusion("project: |\n  abc", port_exclusion::single(1));
  CHECK(r.error().code() == trop::error_code::conflict);
  CHECK(error_of(r).find("change other keys") != std::string::npos);
}

TEST_CASE("A top level that is a bare null value cannot take a new key", "[quick]") {
  const auto r = trop::add_exclusion("null\n", port_exclusion::single(1));
  CHECK(r.error().code() == trop::error_code::conflict);
}

// --- dry-run rendering -----------------------------------------------------

TEST_CASE("render_exclusions_yaml writes a block list that reads back", "[quick]") {
  const std::vector list = {port_exclusion::single(80), port_exclusion::range(8000, 8010)};
  const std::string yaml = trop::render_exclusions_yaml(list);
  CHECK(yaml == "excluded_ports:\n  - 80\n  - start: 8000\n    end: 8010\n");
  const auto back = trop::compact_exclusions(yaml);
  REQUIRE(back.is_ok());
  CHECK(back->before == list);
  CHECK_FALSE(back->changed);
  CHECK(trop::render_exclusions_yaml({}) == "excluded_ports: []\n");
}
