// `trop import <FILE>` (SPEC A.1): one transaction, all or nothing; conflicts
// refused unless --force; both timestamp forms; the original tool's list JSON.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>

#include "trop/store.h"
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
using trop::test::write_file;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kJan15 = 1705314645;    // 2024-01-15 10:30:45 UTC
constexpr std::int64_t kLeapDay = 1709251199;  // 2024-02-29 23:59:59 UTC

reservation record(const std::string& path, std::optional<std::string> tag, std::uint16_t port,
                   std::optional<std::string> project = std::nullopt,
                   std::optional<std::string> task = std::nullopt) {
  reservation r;
  r.key.path = path;
  r.key.tag = std::move(tag);
  r.port = port;
  r.project = std::move(project);
  r.task = std::move(task);
  r.created_at = kJan15;
  r.last_used_at = kLeapDay;
  return r;
}

std::string store_bytes(const trop_fixture& fx) {
  return read_file(fx.data_dir() + "/trop.db") + read_file(fx.data_dir() + "/trop.db-wal");
}

// Every record of the store in `dir`, read with the engine API.
std::vector<reservation> stored_in(const std::string& dir) {
  trop::store_options o;
  o.data_dir = dir;
  o.create_if_missing = false;
  trop::result<trop::store> st = trop::store::open(o);
  REQUIRE(st.is_ok());
  trop::result<trop::snapshot> snap = st->read();
  REQUIRE(snap.is_ok());
  std::vector<reservation> out;
  REQUIRE(snap->for_each([&](const reservation& r) {
                out.push_back(r);
                return true;
              })
              .is_ok());
  return out;
}

run_options in_data_dir(const std::string& dir) {
  run_options o;
  o.env = {{"TROP_DATA_DIR", dir}};
  return o;
}

// What the original trop 0.2.0 prints for `list --format json`: alphabetical
// keys, "YYYY-MM-DD HH:MM:SS" (UTC) timestamps.
const char* kOriginalListJson =
    "[\n"
    "  {\n"
    "    \"created_at\": \"2024-01-15 10:30:45\",\n"
    "    \"last_used_at\": \"2024-02-29 23:59:59\",\n"
    "    \"path\": \"/home/u/app\",\n"
    "    \"port\": 5000,\n"
    "    \"project\": \"app\",\n"
    "    \"tag\": null,\n"
    "    \"task\": \"main\"\n"
    "  },\n"
    "  {\n"
    "    \"created_at\": \"2024-01-15 10:30:45\",\n"
    "    \"last_used_at\": \"2024-01-15 10:30:45\",\n"
    "    \"path\": \"/home/u/app\",\n"
    "    \"port\": 5001,\n"
    "    \"project\": null,\n"
    "    \"tag\": \"web\",\n"
    "    \"task\": null\n"
    "  }\n"
    "]\n";

}  // namespace

TEST_CASE("import reads the original tool's list --format json output", "[quick][import]") {
  trop_fixture fx;
  write_file(fx.work() + "/old.json", kOriginalListJson);
  process_result r = fx.run({"import", "old.json"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err == "Imported 2 reservation(s)\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 2);
  CHECK(rs[0] == record("/home/u/app", std::nullopt, 5000, "app", "main"));
  reservation web = record("/home/u/app", "web", 5001);
  web.last_used_at = kJan15;
  CHECK(rs[1] == web);
  CHECK(fx.run({"import", "old.json", "--quiet"}).err.find("Imported") == std::string::npos);
}

TEST_CASE("export then import into an empty data dir reproduces the store exactly",
          "[quick][import]") {
  trop_fixture fx;
  std::vector<reservation> original = {
      record("/a", std::nullopt, 1, "p", "t"),
      record("/a", "web", 65535),
      record("/a", "x\"y\\z\n\t\x01 end", 5000, "proj\nwith newline", "task \"q\""),
      record("/a/b c/d", "ü-ñ", 6000),
      record("/z", "tag", 7000, std::nullopt, "only-task"),
  };
  original[1].created_at = 0;
  original[1].last_used_at = 4102444800;  // 2100-01-01
  fx.seed(original);
  process_result exp = fx.run({"export"});
  REQUIRE(exp.exit_code == 0);
  write_file(fx.root() + "/backup.json", exp.out);

  const std::string other = fx.root() + "/other-data";
  process_result imp = fx.run({"import", fx.root() + "/backup.json"}, in_data_dir(other));
  CHECK(imp.exit_code == 0);
  CHECK(imp.err == "Imported 5 reservation(s)\n");
  CHECK(stored_in(other) == original);
  // And the export of the copy is byte-for-byte the first export.
  CHECK(fx.run({"export"}, in_data_dir(other)).out == exp.out);
}

TEST_CASE("import from stdin with -", "[quick][import]") {
  trop_fixture fx;
  run_options o;
  o.stdin_data = kOriginalListJson;
  process_result r = fx.run({"import", "-"}, o);
  CHECK(r.exit_code == 0);
  CHECK(fx.stored().size() == 2);
}

TEST_CASE("import refuses a key or port already in the store; nothing is imported",
          "[quick][import]") {
  trop_fixture fx;
  write_file(fx.work() + "/old.json", kOriginalListJson);
  SECTION("same key") {
    fx.seed({record("/home/u/app", std::nullopt, 6000)});
    const std::string before = store_bytes(fx);
    process_result r = fx.run({"import", "old.json"});
    CHECK(r.exit_code == 6);
    CHECK(r.out.empty());
    CHECK(r.err ==
          "Conflict: /home/u/app is already reserved (port 6000)\n"
          "Error: reservation conflict: 1 conflict(s) between the import and the store; nothing "
          "was imported. Use --force to replace the stored reservations.\n");
    CHECK(store_bytes(fx) == before);
    // --quiet drops the detail lines, not the error.
    r = fx.run({"import", "old.json", "--quiet"});
    CHECK(r.exit_code == 6);
    CHECK(r.err.rfind("Error: reservation conflict: 1 conflict(s)", 0) == 0);
  }
  SECTION("same port") {
    fx.seed({record("/elsewhere", "x", 5001)});
    const std::string before = store_bytes(fx);
    process_result r = fx.run({"import", "old.json"});
    CHECK(r.exit_code == 6);
    CHECK(r.err.rfind("Conflict: port 5001 of /home/u/app:web is held by /elsewhere:x\n", 0) == 0);
    CHECK(store_bytes(fx) == before);
  }
  SECTION("an identical record is a conflict too") {
    fx.seed({record("/home/u/app", std::nullopt, 5000, "app", "main")});
    CHECK(fx.run({"import", "old.json"}).exit_code == 6);
    CHECK(fx.stored().size() == 1);
  }
}

TEST_CASE("import --force replaces the stored records in the way", "[quick][import]") {
  trop_fixture fx;
  write_file(fx.work() + "/old.json", kOriginalListJson);
  // Same key as the first imported record (other port), holder of the second
  // one's port, and an unrelated record.
  fx.seed({record("/home/u/app", std::nullopt, 6000), record("/elsewhere", "x", 5001),
           record("/keep", std::nullopt, 7000)});
  process_result r = fx.run({"import", "old.json", "--force"});
  CHECK(r.exit_code == 0);
  CHECK(r.err == "Imported 2 reservation(s) (replacing 2 stored reservation(s))\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 3);
  CHECK(rs[0].key.path == "/home/u/app");
  CHECK(rs[0].port == 5000);  // the imported record replaced the stored one
  CHECK(rs[0].project == std::optional<std::string>("app"));
  CHECK(rs[1].key.tag == std::optional<std::string>("web"));
  CHECK(rs[2].key.path == "/keep");  // /elsewhere:x held port 5001: removed
}

TEST_CASE("import --force: one stored record in the way twice is removed once", "[quick][import]") {
  trop_fixture fx;
  write_file(fx.work() + "/old.json", kOriginalListJson);
  // Holds the first record's key and the second record's port.
  fx.seed({record("/home/u/app", std::nullopt, 5001)});
  process_result r = fx.run({"import", "old.json", "--force"});
  CHECK(r.exit_code == 0);
  CHECK(r.err == "Imported 2 reservation(s) (replacing 1 stored reservation(s))\n");
  CHECK(fx.stored().size() == 2);
}

TEST_CASE("import --dry-run checks everything and changes nothing", "[quick][import]") {
  trop_fixture fx;
  write_file(fx.work() + "/old.json", kOriginalListJson);
  SECTION("into a missing store: nothing is created") {
    process_result r = fx.run({"import", "old.json", "--dry-run"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK(r.err == "Dry run - would import 2 reservation(s)\n");
    CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
  }
  SECTION("conflicts fail as a real run would; --force shows what would be replaced") {
    fx.seed({record("/home/u/app", std::nullopt, 6000)});
    const std::string before = store_bytes(fx);
    CHECK(fx.run({"import", "old.json", "--dry-run"}).exit_code == 6);
    process_result r = fx.run({"import", "old.json", "--dry-run", "--force"});
    CHECK(r.exit_code == 0);
    CHECK(r.err ==
          "Would replace: /home/u/app is already reserved (port 6000)\n"
          "Dry run - would import 2 reservation(s) (replacing 1 stored reservation(s))\n");
    CHECK(store_bytes(fx) == before);
  }
  SECTION("without the lock") {
    fx.seed({record("/x", std::nullopt, 6000)});
    process_options holder_opts;
    holder_opts.argv = {TROP_LOCK_HOLDER, fx.data_dir(), "60"};
    holder_opts.timeout = 120s;
    child_process holder(holder_opts);
    REQUIRE(holder.read_stdout_line(30s) == std::optional<std::string>("locked"));
    CHECK(fx.run({"import", "old.json", "--dry-run", "--busy-timeout", "0"}).exit_code == 0);
    process_result r = fx.run({"import", "old.json", "--busy-timeout", "0"});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "Error: database lock timeout while starting a write transaction after 0s\n");
    holder.kill(SIGKILL);
    holder.wait();
    CHECK(fx.stored().size() == 1);
  }
}

TEST_CASE("import rejects a malformed file with exit 4 and imports nothing", "[quick][import]") {
  trop_fixture fx;
  fx.seed({record("/x", std::nullopt, 6000)});
  const std::string before = store_bytes(fx);
  const std::pair<const char*, const char*> cases[] = {
      {"{}", "expected a JSON array of reservations"},
      {"[{\"port\": 0, \"path\": \"/a\", \"created_at\": \"2024-01-15 10:30:45\", "
       "\"last_used_at\": \"2024-01-15 10:30:45\"}]",
       "reservation 1: field 'port'"},
      {"[", "line 1"},
      // Valid first element, broken second: all or nothing.
      {"[{\"port\": 5000, \"path\": \"/a\", \"created_at\": \"2024-01-15 10:30:45\", "
       "\"last_used_at\": \"2024-01-15 10:30:45\"}, {\"port\": 5001, \"path\": \"rel\", "
       "\"created_at\": \"2024-01-15 10:30:45\", \"last_used_at\": \"2024-01-15 10:30:45\"}]",
       "reservation 2: field 'path'"},
  };
  for (const auto& [text, fragment] : cases) {
    INFO(text);
    write_file(fx.work() + "/bad.json", text);
    process_result r = fx.run({"import", "bad.json"});
    CHECK(r.exit_code == 4);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("Error: Invalid arguments: cannot import bad.json: ", 0) == 0);
    CHECK(r.err.find(fragment) != std::string::npos);
  }
  CHECK(store_bytes(fx) == before);
}

TEST_CASE("import file errors: missing 4, unreadable 5, usage 2", "[quick][import]") {
  trop_fixture fx;
  process_result r = fx.run({"import", "nope.json"});
  CHECK(r.exit_code == 4);
  CHECK(r.err == "Error: Invalid arguments: File not found: nope.json\n");
  fx.make_dir("work/dir.json");
  r = fx.run({"import", "dir.json"});
  CHECK(r.exit_code == 5);
  CHECK(r.err == "Error: I/O error: cannot read dir.json: Is a directory (os error 21)\n");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"import"}, {"import", ""}, {"import", "a", "b"}}) {
    r = fx.run(args);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("Usage:") != std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("import with autoinit disabled and no store exits 3", "[quick][import]") {
  trop_fixture fx;
  write_file(fx.work() + "/old.json", kOriginalListJson);
  process_result r = fx.run({"import", "old.json", "--disable-autoinit"});
  CHECK(r.exit_code == 3);
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}
