// Real process deaths: the trop binary, built with -DTROP_FAILPOINTS=ON,
// stops (_exit(99)) at each failpoint of commit, checkpoint and recovery
// (engine/store/failpoint.h), at the 1st, 2nd and 3rd time a run of
// processes reaches it. After each run the store must validate and hold
// every reservation that a `trop reserve` reported (exit 0) with its port,
// and no port twice. Error-capable failpoints make a commit fail: exit 6,
// one "Error:" line, the store's files unchanged. Without the option, the
// binary must not even contain the variable's name.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "trop_fixture.h"

#if defined(TROP_FAILPOINTS) && TROP_FAILPOINTS
#include "store/failpoint.h"
#endif

using trop::reservation;
using trop::test::process_result;
using trop::test::read_file;
using trop::test::run_options;
using trop::test::trop_fixture;

namespace {

bool binary_contains(const std::string& needle) {
  return read_file(trop::test::trop_binary()).find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("The failpoint variable is in the binary exactly when failpoints are compiled in",
          "[quick]") {
#if defined(TROP_FAILPOINTS) && TROP_FAILPOINTS
  CHECK(binary_contains("TROP_FAILPOINT"));
#else
  CHECK_FALSE(binary_contains("TROP_FAILPOINT"));
  CHECK_FALSE(binary_contains("checkpoint.after_rename"));
#endif
  CHECK(binary_contains("trop.db-wal"));  // the search itself works
}

#if defined(TROP_FAILPOINTS) && TROP_FAILPOINTS

namespace {

struct run_log {
  std::map<std::string, std::uint16_t> acked;  // path -> port of every reserve that exited 0
  std::set<std::string> killed;                // paths whose process died at the failpoint
  int processes = 0;
};

// Runs `count` reserves (every third one with durability normal: an
// unsynced frame, so that the next commit syncs it first) with the failpoint
// armed for all of them.
run_log run_armed(const trop_fixture& fx, const std::string& arm, int count,
                  bool junk_before_each) {
  run_log log;
  run_options opt;
  opt.env = {{"TROP_FAILPOINT", arm},
             {"TROP_FAILPOINT_STATE", fx.root() + "/failpoint-hits"},
             {"TROP_FAILPOINT_CHECKPOINT_BYTES", "350"}};
  for (int i = 0; i < count; ++i) {
    const std::string path = fx.root() + "/p/" + std::to_string(i);
    if (junk_before_each && std::filesystem::exists(fx.data_dir() + "/trop.db-wal")) {
      // An uncommitted tail for the next writer to cut off.
      std::string wal = read_file(fx.data_dir() + "/trop.db-wal");
      trop::test::write_file(fx.data_dir() + "/trop.db-wal", wal + "junkjunk");
    }
    std::vector<std::string> args{"reserve", "--path", path, "--allow-unrelated-path"};
    if (i % 3 == 2) {
      args.insert(args.end(), {"--durability", "normal"});
    }
    process_result r = fx.run(args, opt);
    ++log.processes;
    INFO("reserve " << path << " stderr: " << r.err);
    if (r.exit_code == 0) {
      REQUIRE(r.out.size() > 1);
      log.acked[path] = static_cast<std::uint16_t>(std::stoi(r.out));
    } else {
      REQUIRE(r.exit_code == 99);
      REQUIRE(r.out.empty());
      log.killed.insert(path);
    }
  }
  return log;
}

void check_against_log(const trop_fixture& fx, const run_log& log) {
  process_result v = fx.run({"assert-data-dir", "--validate"});
  INFO("validate: " << v.err);
  REQUIRE(v.exit_code == 0);
  std::vector<reservation> rs = fx.stored();
  std::map<std::string, std::uint16_t> stored;
  std::set<std::uint16_t> ports;
  for (const reservation& r : rs) {
    stored[r.key.path] = r.port;
    REQUIRE(ports.insert(r.port).second);  // no port twice
  }
  for (const auto& [path, port] : log.acked) {
    INFO("acknowledged " << path << " -> " << port);
    REQUIRE(stored.count(path) == 1);
    REQUIRE(stored.at(path) == port);
  }
  for (const auto& [path, port] : stored) {
    INFO("stored " << path);
    REQUIRE((log.acked.count(path) == 1 || log.killed.count(path) == 1));
  }
}

}  // namespace

TEST_CASE(
    "The binary killed at every failpoint of commit, checkpoint and recovery loses no "
    "reported reservation",
    "[crash]") {
  int runs = 0, kills = 0, processes = 0;
  std::string unreached;
  for (std::size_t i = 0; i < trop::store_detail::kFailpointSiteCount; ++i) {
    const std::string site = trop::store_detail::kFailpointSites[i];
    int site_kills = 0;
    for (int count : {1, 2, 3}) {
      INFO("site " << site << ":" << count);
      trop_fixture fx;
      std::string arm = site + ":" + std::to_string(count);
      // Recovery steps run only after an interrupted checkpoint (stale WAL)
      // or with a torn tail to cut off.
      const bool tail = site == "recovery.after_tail_truncate";
      if (site.rfind("recovery.", 0) == 0 && !tail) {
        arm = "checkpoint.after_rename:1," + arm;
      }
      run_log log = run_armed(fx, arm, 14, tail);
      check_against_log(fx, log);
      ++runs;
      processes += log.processes;
      kills += static_cast<int>(log.killed.size());
      site_kills += static_cast<int>(log.killed.size());
    }
    if (site_kills == 0) {
      unreached += " " + site;
    }
  }
  std::printf(
      "[figure] failpoints: %zu sites x 3 counts = %d runs, %d trop processes, %d killed at a "
      "failpoint; never reached:%s\n",
      trop::store_detail::kFailpointSiteCount, runs, processes, kills,
      unreached.empty() ? " none" : unreached.c_str());
  // create.* sites are reached once per store; everything else at least once.
  REQUIRE(unreached.empty());
}

TEST_CASE(
    "A commit failed by an injected I/O error exits 6 with one Error line and changes "
    "no file",
    "[fault]") {
  for (const std::string site : {"commit.before_write", "commit.before_sync"}) {
    INFO(site);
    trop_fixture fx;
    REQUIRE(fx.run({"reserve", "--path", fx.root() + "/a", "--allow-unrelated-path"}).exit_code ==
            0);
    const std::string image = read_file(fx.data_dir() + "/trop.db");
    const std::string wal = read_file(fx.data_dir() + "/trop.db-wal");
    run_options opt;
    opt.env = {{"TROP_FAILPOINT", site + ":1:error"}};
    process_result r =
        fx.run({"reserve", "--path", fx.root() + "/b", "--allow-unrelated-path"}, opt);
    CHECK(r.exit_code == 6);
    CHECK(r.out.empty());
    const std::string op = site == "commit.before_write" ? "write" : "fdatasync";
    CHECK(r.err == "Error: " + op + " " + fx.data_dir() +
                       "/trop.db-wal: Input/output error (failpoint " + site + ")\n");
    CHECK(read_file(fx.data_dir() + "/trop.db") == image);
    CHECK(read_file(fx.data_dir() + "/trop.db-wal") == wal);
    CHECK(fx.stored().size() == 1);
    // The next command works normally.
    CHECK(fx.run({"reserve", "--path", fx.root() + "/b", "--allow-unrelated-path"}).exit_code == 0);
    CHECK(fx.run({"assert-data-dir", "--validate"}).exit_code == 0);
  }
}

#endif
