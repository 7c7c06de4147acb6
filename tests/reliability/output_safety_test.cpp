// Hostile text in the store (newlines, quotes, `$()`, backticks, tabs,
// carriage returns, terminal escapes, bytes that are not UTF-8) must come
// out of every output format safely: table and TSV lines stay one record per
// line with seven fields and no raw control bytes, CSV parses back (RFC 4180)
// to the exact values, JSON is valid UTF-8 that a strict parser accepts, and
// nothing a consumer evaluates runs a command.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "store/image.h"
#include "trop_fixture.h"

using trop::reservation;
using trop::test::process_result;
using trop::test::read_file;
using trop::test::trop_fixture;

namespace {

// Values that must survive byte for byte where the format can carry them.
const std::vector<std::string> kHostile = {
    "new\nline",        "double\"quote", "single'quote",  "$(touch PWNED)",
    "`touch PWNED`",    "tab\there",     "carriage\rret", "esc\x1b[31mred",
    "semi;colon,comma", "back\\slash",   "bell\x07",      "utf8-\xc3\xa9t\xc3\xa9",
};
const std::string kNotUtf8 = "latin1-\xe9t\xe9-\xff";

bool valid_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) {
      return false;
    }
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) {
        return false;
      }
    }
    i += n;
  }
  return true;
}

std::vector<reservation> hostile_records(const std::string& root, bool with_invalid_utf8) {
  std::vector<reservation> out;
  std::uint16_t port = 5000;
  std::vector<std::string> values = kHostile;
  if (with_invalid_utf8) {
    values.push_back(kNotUtf8);
  }
  for (const std::string& v : values) {
    reservation r;
    r.key.path = root + "/w/" + v;
    r.key.tag = "tag " + v;
    r.project = "proj " + v;
    r.task = "task " + v;
    r.port = port++;
    r.created_at = r.last_used_at = 1'700'000'000;
    out.push_back(r);
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == sep) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

// RFC 4180 records (fields may be quoted, with "" for a quote, and hold newlines).
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
    } else if (c == '\n') {
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  REQUIRE_FALSE(quoted);
  if (any || !field.empty() || !row.empty()) {
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

void require_one_record_per_line(const std::string& out, std::size_t records) {
  REQUIRE_FALSE(out.empty());
  REQUIRE(out.back() == '\n');
  auto lines = split(out.substr(0, out.size() - 1), '\n');
  REQUIRE(lines.size() == records + 1);  // the header, then one line each
  for (const std::string& l : lines) {
    INFO("line: " << l);
    CHECK(split(l, '\t').size() == 7);
    for (unsigned char c : l) {
      CHECK((c >= 0x20 || c == '\t'));
      CHECK(c != 0x7f);
    }
  }
}

}  // namespace

TEST_CASE("Table and TSV output keep one record per line and no raw control bytes", "[quick]") {
  trop_fixture fx;
  auto records = hostile_records(fx.root(), false);
  fx.seed(records);
  for (const std::vector<std::string>& args : {std::vector<std::string>{"list"},
                                               {"list", "--format", "tsv"},
                                               {"list", "--show-full-paths"}}) {
    INFO(args.back());
    process_result r = fx.run(args);
    REQUIRE(r.exit_code == 0);
    require_one_record_per_line(r.out, records.size());
  }
}

TEST_CASE("CSV output parses back to the exact stored values", "[quick]") {
  trop_fixture fx;
  auto records = hostile_records(fx.root(), false);
  fx.seed(records);
  process_result r = fx.run({"list", "--format", "csv"});
  REQUIRE(r.exit_code == 0);
  auto rows = parse_csv(r.out);
  REQUIRE(rows.size() == records.size() + 1);
  std::map<std::string, std::vector<std::string>> by_port;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    REQUIRE(rows[i].size() == 7);
    by_port[rows[i][0]] = rows[i];
  }
  for (const reservation& rec : records) {
    INFO(rec.key.path);
    const auto& row = by_port.at(std::to_string(rec.port));
    CHECK(row[1] == rec.key.path);
    CHECK(row[2] == *rec.key.tag);
    CHECK(row[3] == *rec.project);
    CHECK(row[4] == *rec.task);
  }
}

TEST_CASE("JSON outputs are valid UTF-8 that a strict parser accepts, values intact", "[quick]") {
  trop_fixture fx;
  auto records = hostile_records(fx.root(), false);
  fx.seed(records);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"list", "--format", "json"}, {"export"}}) {
    INFO(args[0]);
    process_result r = fx.run(args);
    REQUIRE(r.exit_code == 0);
    REQUIRE(valid_utf8(r.out));
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(r.out, ec);
    INFO(ec.message());
    REQUIRE_FALSE(ec);
    const boost::json::array* arr = v.if_array();
    if (arr == nullptr) {
      // export may wrap the array in an object
      REQUIRE(v.is_object());
      for (const auto& kv : v.as_object()) {
        if (kv.value().is_array()) {
          arr = &kv.value().as_array();
        }
      }
    }
    REQUIRE(arr != nullptr);
    REQUIRE(arr->size() == records.size());
    std::set<std::string> paths;
    for (const auto& o : *arr) {
      paths.insert(std::string(o.as_object().at("path").as_string()));
    }
    for (const reservation& rec : records) {
      CHECK(paths.count(rec.key.path) == 1);
    }
  }
}

TEST_CASE("Text that is not valid UTF-8 never enters the store, so no output has to carry it",
          "[quick]") {
  trop_fixture fx;
  fx.seed(hostile_records(fx.root(), false));
  const std::string before = read_file(fx.data_dir() + "/trop.db-wal");
  // The engine refuses it in every field (the one check every write passes).
  for (int field = 0; field < 4; ++field) {
    reservation r = hostile_records(fx.root(), false).front();
    r.port = 7000;
    std::string* text[] = {&r.key.path, &*r.key.tag, &*r.project, &*r.task};
    *text[field] += kNotUtf8;
    INFO("field " << field);
    CHECK(trop::check_reservation(r).code() == trop::error_code::invalid_argument);
  }
  // `trop import` of such a file fails cleanly and changes nothing.
  const std::string file = fx.root() + "/import.json";
  trop::test::write_file(file, "[{\"port\": 7001, \"path\": \"" + fx.root() + "/" + kNotUtf8 +
                                   "\", \"tag\": null, \"project\": null, \"task\": null, "
                                   "\"created_at\": \"2024-01-01T00:00:00Z\", "
                                   "\"last_used_at\": \"2024-01-01T00:00:00Z\"}]");
  process_result r = fx.run({"import", file});
  INFO("import: exit " << r.exit_code << " " << r.err);
  CHECK(r.exit_code != 0);
  CHECK(r.out.empty());
  CHECK(read_file(fx.data_dir() + "/trop.db-wal") == before);
  // A store file crafted to hold it (checksums and all) fails validation.
  reservation bad = hostile_records(fx.root(), false).front();
  bad.key.path += kNotUtf8;
  trop::test::write_file(fx.data_dir() + "/trop.db", trop::store_detail::build_image({bad}, 9, 0));
  std::filesystem::remove(fx.data_dir() + "/trop.db-wal");
  process_result v = fx.run({"assert-data-dir", "--validate"});
  CHECK(v.exit_code != 0);
  CHECK(v.err.find("valid UTF-8") != std::string::npos);
}

TEST_CASE("Evaluating list output in a shell runs nothing", "[quick]") {
  trop_fixture fx;
  fx.seed(hostile_records(fx.root(), false));
  for (const char* format : {"table", "tsv", "csv", "json"}) {
    INFO(format);
    // The usual consumer loops: read fields, print them.
    const std::string script = "cd '" + fx.work() + "' && '" + trop::test::trop_binary() +
                               "' list --format " + format +
                               " | while IFS= read -r line; do printf '%s\\n' \"$line\"; done"
                               " > /dev/null";
    trop::test::run_options opt;
    trop::test::process_options p = fx.options({}, opt);
    p.argv = {"bash", "-c", script};
    process_result r = trop::test::run_process(p);
    CHECK(r.exit_code == 0);
    CHECK_FALSE(std::filesystem::exists(fx.work() + "/PWNED"));
  }
}
