// `trop reserve` (SPEC B §12.1, §9.2, §5, A.2 #1, #2, #15, A.1).
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <ctime>
#include <filesystem>
#include <thread>

#include "trop_fixture.h"

using trop::reservation;
using trop::test::process_result;
using trop::test::read_file;
using trop::test::run_options;
using trop::test::trop_fixture;

namespace {

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

reservation record(const std::string& path, std::optional<std::string> tag, std::uint16_t port) {
  reservation r;
  r.key.path = path;
  r.key.tag = std::move(tag);
  r.port = port;
  r.created_at = 1700000000;
  r.last_used_at = 1700000000;
  return r;
}

const reservation* find(const std::vector<reservation>& rs, const std::string& path,
                        std::optional<std::string> tag = std::nullopt) {
  for (const reservation& r : rs) {
    if (r.key.path == path && r.key.tag == tag) {
      return &r;
    }
  }
  return nullptr;
}

}  // namespace

TEST_CASE("reserve prints the lowest free port alone on stdout", "[quick][reserve]") {
  trop_fixture fx;
  process_result r = fx.run({"reserve"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "5000\n");
  CHECK(r.err.empty());
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].key.path == fx.work());
  CHECK_FALSE(rs[0].key.tag.has_value());
  CHECK(rs[0].port == 5000);
  CHECK_FALSE(rs[0].project.has_value());
  CHECK_FALSE(rs[0].task.has_value());
  CHECK(rs[0].created_at == rs[0].last_used_at);
  CHECK(rs[0].created_at > 1700000000);
}

TEST_CASE("reserve creates the data directory with private modes", "[quick][reserve]") {
  trop_fixture fx;
  REQUIRE(fx.run({"reserve"}).exit_code == 0);
  namespace fs = std::filesystem;
  CHECK((fs::status(fx.data_dir()).permissions() & fs::perms::all) == fs::perms::owner_all);
  CHECK((fs::status(fx.data_dir() + "/trop.db").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
}

TEST_CASE("reserve is idempotent for a key", "[quick][reserve]") {
  trop_fixture fx;
  CHECK(fx.run({"reserve"}).out == "5000\n");
  CHECK(fx.run({"reserve"}).out == "5000\n");
  CHECK(fx.run({"reserve", "--path", "."}).out == "5000\n");
  CHECK(fx.stored().size() == 1);
}

TEST_CASE("a repeated reserve refreshes last_used_at and keeps created_at", "[quick][reserve]") {
  trop_fixture fx;
  fx.seed({record(fx.work(), std::nullopt, 5123)});
  CHECK(fx.run({"reserve"}).out == "5123\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].created_at == 1700000000);
  CHECK(rs[0].last_used_at > 1700000000);
}

TEST_CASE("tags and paths get distinct ports", "[quick][reserve]") {
  trop_fixture fx;
  fx.make_dir("work/sub");
  CHECK(fx.run({"reserve"}).out == "5000\n");
  CHECK(fx.run({"reserve", "--tag", "web"}).out == "5001\n");
  CHECK(fx.run({"reserve", "--tag", "db"}).out == "5002\n");
  CHECK(fx.run({"reserve", "--path", "sub"}).out == "5003\n");
  CHECK(fx.run({"reserve", "--tag", "web"}).out == "5001\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 4);
  REQUIRE(find(rs, fx.work() + "/sub") != nullptr);
  CHECK(find(rs, fx.work(), "db")->port == 5002);
}

TEST_CASE("tags are trimmed; an empty tag is invalid", "[quick][reserve]") {
  trop_fixture fx;
  CHECK(fx.run({"reserve", "--tag", "  web\t"}).out == "5000\n");
  CHECK(fx.run({"reserve", "--tag", "web"}).out == "5000\n");
  REQUIRE(find(fx.stored(), fx.work(), "web") != nullptr);
  for (const char* bad : {"", "   ", "\t\n"}) {
    process_result r = fx.run({"reserve", "--tag", bad});
    CHECK(r.exit_code == 4);
    CHECK(r.out.empty());
    CHECK(r.err ==
          "Error: Invalid arguments: validation error for 'tag': tag must be non-empty after "
          "trimming whitespace\n");
  }
  CHECK(fx.stored().size() == 1);
}

TEST_CASE("--port takes a free port anywhere in 1..65535", "[quick][reserve]") {
  trop_fixture fx;
  CHECK(fx.run({"reserve", "--tag", "a", "--port", "8080"}).out == "8080\n");
  CHECK(fx.run({"reserve", "--tag", "b", "--port", "1"}).out == "1\n");
  CHECK(fx.run({"reserve", "--tag", "c", "--port", "65535"}).out == "65535\n");
  CHECK(fx.run({"reserve", "--tag", "d", "--port", "+6000"}).out == "6000\n");
  CHECK(fx.run({"reserve", "--tag", "e"}).out == "5000\n");
}

TEST_CASE("a reserved preferred port falls back with a warning", "[quick][reserve]") {
  trop_fixture fx;
  CHECK(fx.run({"reserve", "--tag", "a", "--port", "5000"}).out == "5000\n");
  process_result r = fx.run({"reserve", "--tag", "b", "--port", "5000"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "5001\n");
  CHECK(r.err == "Warning: preferred port 5000 is reserved; reserved 5001 instead\n");
  r = fx.run({"reserve", "--tag", "c", "--port", "5000", "--quiet"});
  CHECK(r.out == "5002\n");
  CHECK(r.err.empty());
}

TEST_CASE("--port is only a hint for an existing key", "[quick][reserve]") {
  trop_fixture fx;
  CHECK(fx.run({"reserve"}).out == "5000\n");
  process_result r = fx.run({"reserve", "--port", "6000"});
  CHECK(r.out == "5000\n");
  CHECK(r.err.empty());
  CHECK(fx.stored()[0].port == 5000);
}

TEST_CASE("--port syntax errors exit 4 and change nothing", "[quick][reserve]") {
  trop_fixture fx;
  const std::pair<const char*, const char*> cases[] = {
      {"0", "Invalid port number: port 0 is reserved and cannot be used"},
      {"65536", "Invalid port number: 65536 is greater than maximum port 65535"},
      {"4294967295", "Invalid port number: 4294967295 is greater than maximum port 65535"},
      {"4294967296", "Invalid port number: '4294967296' is not a valid number"},
      {"abc", "Invalid port number: 'abc' is not a valid number"},
      {"-1", "Invalid port number: '-1' is not a valid number"},
      {"", "Invalid port number: '' is not a valid number"},
  };
  for (const auto& [value, message] : cases) {
    INFO("value: '" << value << "'");
    process_result r = fx.run({"reserve", "--port", value});
    CHECK(r.exit_code == 4);
    CHECK(r.out.empty());
    CHECK(r.err == std::string("Error: Invalid arguments: ") + message + "\n");
  }
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("--overwrite re-allocates an existing key", "[quick][reserve]") {
  trop_fixture fx;
  fx.seed({record(fx.work(), std::nullopt, 6500)});
  CHECK(fx.run({"reserve", "--overwrite"}).out == "5000\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].port == 5000);
  CHECK(rs[0].created_at == 1700000000);  // created_at survives an overwrite
  CHECK(fx.run({"reserve", "--overwrite", "--port", "7777"}).out == "7777\n");
  // Its own port counts as free when re-allocating.
  CHECK(fx.run({"reserve", "--overwrite", "--port", "7777"}).out == "7777\n");
  CHECK(fx.stored().size() == 1);
}

TEST_CASE("--overwrite never takes another key's port", "[quick][reserve]") {
  trop_fixture fx;
  fx.seed({record(fx.work(), std::nullopt, 6000), record(fx.work(), "other", 5000)});
  process_result r = fx.run({"reserve", "--overwrite", "--port", "5000"});
  CHECK(r.out == "5001\n");
  CHECK(r.err == "Warning: preferred port 5000 is reserved; reserved 5001 instead\n");
  r = fx.run({"reserve", "--force", "--port", "5000"});
  CHECK(r.out == "5001\n");
}

TEST_CASE("the implicit path is the canonical cwd", "[quick][reserve]") {
  trop_fixture fx;
  std::string real = fx.make_dir("real");
  std::filesystem::create_directory_symlink(real, fx.root() + "/link");
  run_options o;
  o.cwd = fx.root() + "/link";
  CHECK(fx.run({"reserve"}, o).out == "5000\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].key.path == real);
}

TEST_CASE("explicit paths are normalized, not canonicalized", "[quick][reserve]") {
  trop_fixture fx;
  std::string real = fx.make_dir("work/real");
  std::filesystem::create_directory_symlink(real, fx.work() + "/link");
  CHECK(fx.run({"reserve", "--path", "link"}).out == "5000\n");
  CHECK(fx.run({"reserve", "--path", "./a/../b//c/"}).out == "5001\n");
  CHECK(fx.run({"reserve", "--path", fx.work() + "/does/not/exist"}).out == "5002\n");
  std::vector<reservation> rs = fx.stored();
  CHECK(find(rs, fx.work() + "/link") != nullptr);
  CHECK(find(rs, fx.work() + "/b/c") != nullptr);
  CHECK(find(rs, fx.work() + "/does/not/exist") != nullptr);
}

TEST_CASE("--path ~ expands from HOME", "[quick][reserve]") {
  trop_fixture fx;
  run_options o;
  o.cwd = fx.home();
  CHECK(fx.run({"reserve", "--path", "~/proj"}, o).out == "5000\n");
  CHECK(find(fx.stored(), fx.home() + "/proj") != nullptr);
}

TEST_CASE("bad explicit paths exit 6 and create nothing", "[quick][reserve]") {
  trop_fixture fx;
  process_result r = fx.run({"reserve", "--path", "~bob/x"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: invalid path ~bob/x: ~user syntax is not supported; use ~ or ~/path\n");
  r = fx.run({"reserve", "--path", "/../x"});
  CHECK(r.exit_code == 6);
  CHECK(r.err ==
        "Error: invalid path /../x: Path contains too many '..' components (escapes root)\n");
  r = fx.run({"reserve", "--path", "/tmp/\xff"});
  CHECK(r.exit_code == 6);
  CHECK(contains(r.err, "Path contains invalid UTF-8"));
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("TROP_PATH is the default --path", "[quick][reserve]") {
  trop_fixture fx;
  run_options o;
  o.env = {{"TROP_PATH", fx.work() + "/from-env"}};
  CHECK(fx.run({"reserve"}, o).out == "5000\n");
  CHECK(fx.run({"reserve", "--path", "flag"}, o).out == "5001\n");
  std::vector<reservation> rs = fx.stored();
  CHECK(find(rs, fx.work() + "/from-env") != nullptr);
  CHECK(find(rs, fx.work() + "/flag") != nullptr);
}

TEST_CASE("the path guard refuses unrelated paths with exit 1", "[quick][reserve]") {
  trop_fixture fx;
  std::string other = fx.make_dir("other");
  process_result r = fx.run({"reserve", "--path", other});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: path relationship violation: " + other + " and " + fx.work() +
                     " are unrelated paths\n");
  // Refused before the store is touched.
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
  r = fx.run({"reserve", "--path", other, "--dry-run"});
  CHECK(r.exit_code == 1);
}

TEST_CASE("the path guard allows ancestors and descendants", "[quick][reserve]") {
  trop_fixture fx;
  fx.make_dir("work/deep/er");
  run_options o;
  o.cwd = fx.work() + "/deep";
  CHECK(fx.run({"reserve", "--path", fx.root()}, o).exit_code == 0);
  CHECK(fx.run({"reserve", "--path", fx.work() + "/deep/er/new"}, o).exit_code == 0);
  CHECK(fx.run({"reserve", "--path", "/"}, o).exit_code == 0);
}

TEST_CASE("the path guard is bypassed by flags and TROP_ALLOW_UNRELATED_PATH", "[quick][reserve]") {
  trop_fixture fx;
  std::string other = fx.make_dir("other");
  CHECK(fx.run({"reserve", "--path", other, "--allow-unrelated-path"}).out == "5000\n");
  CHECK(fx.run({"reserve", "--path", other, "--tag", "f", "--force"}).out == "5001\n");
  run_options o;
  o.env = {{"TROP_ALLOW_UNRELATED_PATH", "true"}};
  CHECK(fx.run({"reserve", "--path", other, "--tag", "e"}, o).out == "5002\n");
  // The guard runs even for an idempotent repeat.
  CHECK(fx.run({"reserve", "--path", other}).exit_code == 1);
}

TEST_CASE("the path guard accepts the logical cwd and symlinked spellings", "[quick][reserve]") {
  trop_fixture fx;
  std::string real = fx.make_dir("real/project");
  std::filesystem::create_directory_symlink(fx.root() + "/real", fx.root() + "/link");
  run_options o;
  o.cwd = fx.root() + "/link/project";  // PWD keeps the symlink spelling
  CHECK(fx.run({"reserve", "--path", fx.root() + "/link/project/sub"}, o).out == "5000\n");
  // Without a usable $PWD the physical comparison still relates them.
  o.env = {{"PWD", std::nullopt}};
  CHECK(fx.run({"reserve", "--path", fx.root() + "/link/project/other"}, o).out == "5001\n");
  o.env = {{"PWD", fx.root()}};  // a $PWD that is not the cwd is ignored
  CHECK(fx.run({"reserve", "--path", fx.root() + "/link/project/third"}, o).out == "5002\n");
}

TEST_CASE("reserve --dry-run allocates on a snapshot and writes nothing", "[quick][reserve]") {
  trop_fixture fx;
  process_result r = fx.run({"reserve", "--dry-run"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err == "Dry run - would reserve port 5000 for " + fx.work() + "\n");
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));

  CHECK(fx.run({"reserve", "--tag", "a"}).out == "5000\n");
  std::string before =
      read_file(fx.data_dir() + "/trop.db") + read_file(fx.data_dir() + "/trop.db-wal");
  r = fx.run({"reserve", "--tag", "b", "--dry-run", "--port", "5000"});
  CHECK(r.out.empty());
  CHECK(r.err == "Dry run - would reserve port 5001 for " + fx.work() +
                     ":b\nWarning: preferred port 5000 is reserved; reserved 5001 instead\n");
  r = fx.run({"reserve", "--tag", "a", "--dry-run"});
  CHECK(r.err ==
        "Dry run - would keep port 5000 for " + fx.work() + ":a (refreshing its last use)\n");
  r = fx.run({"reserve", "--tag", "a", "--dry-run", "--overwrite", "--port", "6000"});
  CHECK(r.err == "Dry run - would move " + fx.work() + ":a from port 5000 to port 6000\n");
  CHECK(fx.run({"reserve", "--dry-run", "--quiet"}).err.empty());
  std::string after =
      read_file(fx.data_dir() + "/trop.db") + read_file(fx.data_dir() + "/trop.db-wal");
  CHECK(before == after);
}

TEST_CASE("an exhausted range exits 6 after a cleanup that is rolled back", "[quick][reserve]") {
  trop_fixture fx;
  // Live, recently used reservations: neither prune nor expire can free a port.
  const std::int64_t now = std::time(nullptr);
  std::vector<reservation> seed;
  for (std::uint32_t p = 5000; p <= 7000; ++p) {
    reservation r =
        record(fx.work(), std::string("t") + std::to_string(p), static_cast<std::uint16_t>(p));
    r.created_at = r.last_used_at = now;
    seed.push_back(r);
  }
  seed.push_back(record(fx.root() + "/gone", std::nullopt, 9000));  // prunable, outside the range
  fx.seed(seed);
  std::string before =
      read_file(fx.data_dir() + "/trop.db") + read_file(fx.data_dir() + "/trop.db-wal");
  process_result r = fx.run({"reserve"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "Error: port range 5000-7000 exhausted after cleanup: remaining blockers after the single "
        "retry: reserved; automatic cleanup pruned 1 and expired 0 reservation(s); automatic "
        "pruning and expiration enabled\n");
  // The cleanup was rolled back with the failed retry.
  CHECK(fx.stored().size() == 2002);
  CHECK(read_file(fx.data_dir() + "/trop.db") + read_file(fx.data_dir() + "/trop.db-wal") ==
        before);
  // A preferred port outside the range still works.
  CHECK(fx.run({"reserve", "--port", "7001"}).out == "7001\n");
}

TEST_CASE("exhaustion prunes missing directories and retries once", "[quick][reserve]") {
  trop_fixture fx;
  std::vector<reservation> seed;
  const std::int64_t now = std::time(nullptr);
  for (std::uint32_t p = 5000; p <= 7000; ++p) {
    // One reservation, for port 6123, belongs to a directory that is gone.
    std::string path = p == 6123 ? fx.root() + "/gone" : fx.work();
    reservation r =
        record(path, std::string("t") + std::to_string(p), static_cast<std::uint16_t>(p));
    r.created_at = r.last_used_at = now;
    seed.push_back(r);
  }
  fx.seed(seed);
  process_result r = fx.run({"reserve"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "6123\n");
  CHECK(r.err ==
        "Warning: Automatic cleanup after initial port exhaustion pruned 1 and expired 0 "
        "reservation(s); allocation succeeded on the single retry.\n");
  CHECK(fx.stored().size() == 2001);
}

TEST_CASE("reserve refuses a corrupt store without touching it", "[quick][reserve]") {
  trop_fixture fx;
  std::filesystem::create_directories(fx.data_dir());
  std::string garbage(8192, '\x5a');
  trop::test::write_file(fx.data_dir() + "/trop.db", garbage);
  process_result r = fx.run({"reserve"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("Error: database corruption detected: ", 0) == 0);
  CHECK(contains(r.err, "Make a copy of the data directory"));
  CHECK(contains(r.err, fx.data_dir()));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(read_file(fx.data_dir() + "/trop.db") == garbage);
}

TEST_CASE("reserve refuses the original tool's SQLite store", "[quick][reserve]") {
  trop_fixture fx;
  std::filesystem::create_directories(fx.data_dir());
  std::string sqlite = std::string("SQLite format 3", 16) + std::string(4096, '\0');
  trop::test::write_file(fx.data_dir() + "/trop.db", sqlite);
  process_result r = fx.run({"reserve"});
  CHECK(r.exit_code == 6);
  CHECK(contains(r.err, "SQLite"));
  CHECK(contains(r.err, "trop import"));
  CHECK(read_file(fx.data_dir() + "/trop.db") == sqlite);
}

TEST_CASE("a store written by a newer format version is refused and left alone",
          "[quick][reserve]") {
  trop_fixture fx;
  REQUIRE(fx.run({"reserve"}).exit_code == 0);
  std::string path = fx.data_dir() + "/trop.db";
  std::string bytes = read_file(path);
  REQUIRE(bytes.size() > 16);
  bytes[8] = 99;  // format_version, little-endian u32 at offset 8 (docs/FORMAT.md)
  trop::test::write_file(path, bytes);
  for (const std::vector<std::string>& args : {std::vector<std::string>{"reserve"},
                                               {"reserve", "--dry-run"},
                                               {"release"},
                                               {"list"},
                                               {"assert-data-dir", "--validate"}}) {
    INFO("trop " << args[0]);
    process_result r = fx.run(args);
    CHECK(r.exit_code == 6);
    CHECK(r.out.empty());
    CHECK(r.err == "Error: unsupported store format version: expected 2, found 99\n");
  }
  CHECK(read_file(path) == bytes);
}
