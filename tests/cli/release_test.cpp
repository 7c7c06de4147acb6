// `trop release` (SPEC B §12.2, A.1).
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "trop_fixture.h"

using trop::reservation;
using trop::test::process_result;
using trop::test::read_file;
using trop::test::run_options;
using trop::test::trop_fixture;

namespace {

reservation record(const std::string& path, std::optional<std::string> tag, std::uint16_t port) {
  reservation r;
  r.key.path = path;
  r.key.tag = std::move(tag);
  r.port = port;
  r.created_at = 1700000000;
  r.last_used_at = 1700000000;
  return r;
}

using strings = std::vector<std::string>;

// The keys as a sorted list of "<path>[:<tag>]" (set comparison).
strings keys(const std::vector<reservation>& rs) {
  strings out;
  for (const reservation& r : rs) {
    out.push_back(to_display(r.key));
  }
  std::sort(out.begin(), out.end());
  return out;
}

strings sorted(strings v) {
  std::sort(v.begin(), v.end());
  return v;
}

// work, work:a, work:b, work/sub, work/sub:a, work-x (a sibling sharing the prefix).
void seed_tree(const trop_fixture& fx) {
  fx.seed({record(fx.work(), std::nullopt, 5000), record(fx.work(), "a", 5001),
           record(fx.work(), "b", 5002), record(fx.work() + "/sub", std::nullopt, 5003),
           record(fx.work() + "/sub", "a", 5004), record(fx.root() + "/work-x", "a", 5005)});
}

std::string store_bytes(const trop_fixture& fx) {
  return read_file(fx.data_dir() + "/trop.db") + read_file(fx.data_dir() + "/trop.db-wal");
}

}  // namespace

TEST_CASE("release without filters removes every tag at exactly the path", "[quick][release]") {
  trop_fixture fx;
  seed_tree(fx);
  process_result r = fx.run({"release"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err == "Released reservation successfully\n");
  CHECK(keys(fx.stored()) ==
        sorted(strings{fx.root() + "/work-x:a", fx.work() + "/sub", fx.work() + "/sub:a"}));
}

TEST_CASE("release --tag removes only that tag", "[quick][release]") {
  trop_fixture fx;
  seed_tree(fx);
  CHECK(fx.run({"release", "--tag", " a "}).err == "Released reservation successfully\n");
  CHECK(keys(fx.stored()) == sorted(strings{fx.root() + "/work-x:a", fx.work(), fx.work() + ":b",
                                            fx.work() + "/sub", fx.work() + "/sub:a"}));
}

TEST_CASE("release --untagged-only removes only the untagged reservation", "[quick][release]") {
  trop_fixture fx;
  seed_tree(fx);
  CHECK(fx.run({"release", "--untagged-only"}).exit_code == 0);
  CHECK(keys(fx.stored()) ==
        sorted(strings{fx.root() + "/work-x:a", fx.work() + ":a", fx.work() + ":b",
                       fx.work() + "/sub", fx.work() + "/sub:a"}));
}

TEST_CASE("release --recursive covers descendants component-wise", "[quick][release]") {
  trop_fixture fx;
  seed_tree(fx);
  process_result r = fx.run({"release", "--recursive"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err == "Released 5 reservation(s)\n");
  CHECK(keys(fx.stored()) == sorted(strings{fx.root() + "/work-x:a"}));
}

TEST_CASE("release --recursive with a tag filter", "[quick][release]") {
  trop_fixture fx;
  seed_tree(fx);
  CHECK(fx.run({"release", "--recursive", "--tag", "a"}).err == "Released 2 reservation(s)\n");
  CHECK(keys(fx.stored()) ==
        sorted(strings{fx.root() + "/work-x:a", fx.work(), fx.work() + ":b", fx.work() + "/sub"}));
  CHECK(fx.run({"release", "--recursive", "--untagged-only"}).err == "Released 2 reservation(s)\n");
  CHECK(keys(fx.stored()) == sorted(strings{fx.root() + "/work-x:a", fx.work() + ":b"}));
}

TEST_CASE("releasing nothing succeeds with the contract's warnings", "[quick][release]") {
  trop_fixture fx;
  process_result r = fx.run({"release"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err == "No reservation found (already released)\nWarning: No reservations found for " +
                     fx.work() + " (already released)\n");
  r = fx.run({"release", "--tag", "x"});
  CHECK(r.err == "No reservation found (already released)\nWarning: No reservation found for " +
                     fx.work() + ":x (already released)\n");
  r = fx.run({"release", "--untagged-only"});
  CHECK(r.err == "No reservation found (already released)\nWarning: No reservation found for " +
                     fx.work() + " (already released)\n");
  r = fx.run({"release", "--recursive"});
  CHECK(r.err == "Released 0 reservation(s)\nWarning: No reservations found under " + fx.work() +
                     " (already released)\n");
  CHECK(fx.run({"release", "--quiet"}).err.empty());
}

TEST_CASE("release argument errors exit 4 and change nothing", "[quick][release]") {
  trop_fixture fx;
  seed_tree(fx);
  std::string before = store_bytes(fx);
  process_result r = fx.run({"release", "--tag", "a", "--untagged-only"});
  CHECK(r.exit_code == 4);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Invalid arguments: Cannot specify both --tag and --untagged-only\n");
  r = fx.run({"release", "--tag", "  "});
  CHECK(r.exit_code == 4);
  CHECK(r.err ==
        "Error: Invalid arguments: validation error for 'tag': tag must be non-empty after "
        "trimming whitespace\n");
  r = fx.run({"release", "--path", "~nobody"});
  CHECK(r.exit_code == 6);
  CHECK(store_bytes(fx) == before);
}

TEST_CASE("release applies the path guard", "[quick][release]") {
  trop_fixture fx;
  std::string other = fx.make_dir("other");
  fx.seed({record(other, std::nullopt, 5000)});
  std::string before = store_bytes(fx);
  process_result r = fx.run({"release", "--path", other});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: path relationship violation: " + other + " and " + fx.work() +
                     " are unrelated paths\n");
  CHECK(store_bytes(fx) == before);
  CHECK(fx.run({"release", "--path", other, "--allow-unrelated-path"}).exit_code == 0);
  fx.seed({record(other, std::nullopt, 5000)});
  CHECK(fx.run({"release", "--path", other, "--force"}).exit_code == 0);
  CHECK(fx.stored().empty());
}

TEST_CASE("release --dry-run lists the plan and writes nothing", "[quick][release]") {
  trop_fixture fx;
  seed_tree(fx);
  std::string before = store_bytes(fx);
  process_result r = fx.run({"release", "--dry-run"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err == "Dry run - would perform the following actions:\n  1. Delete reservation for " +
                     fx.work() + "\n  2. Delete reservation for " + fx.work() +
                     ":a\n  3. Delete reservation for " + fx.work() + ":b\n");
  r = fx.run({"release", "--dry-run", "--recursive", "--tag", "a"});
  CHECK(r.err == "Dry run - would release 2 reservation(s):\n  - Delete reservation for " +
                     fx.work() + ":a\n  - Delete reservation for " + fx.work() + "/sub:a\n");
  r = fx.run({"release", "--dry-run", "--tag", "zzz"});
  CHECK(r.err ==
        "Dry run - would perform the following actions:\nWarnings:\n  - No reservation "
        "found for " +
            fx.work() + ":zzz (already released)\n");
  CHECK(store_bytes(fx) == before);
}

TEST_CASE("release --dry-run never creates a store", "[quick][release]") {
  trop_fixture fx;
  CHECK(fx.run({"release", "--dry-run"}).exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
  CHECK(fx.run({"--disable-autoinit", "release", "--dry-run"}).exit_code == 3);
}

TEST_CASE("release on a corrupt store exits 6 and leaves it alone", "[quick][release]") {
  trop_fixture fx;
  std::filesystem::create_directories(fx.data_dir());
  std::string garbage(8192, '\x11');
  trop::test::write_file(fx.data_dir() + "/trop.db", garbage);
  for (const char* flag : {"--dry-run", "--recursive"}) {
    process_result r = fx.run({"release", flag});
    CHECK(r.exit_code == 6);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("Error: database corruption detected: ", 0) == 0);
  }
  CHECK(read_file(fx.data_dir() + "/trop.db") == garbage);
}
