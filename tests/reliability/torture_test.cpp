// Concurrency torture through the binary: 8 worker processes at a time run
// thousands of mixed operations (reserve, release, reserve-group, list) in a
// 64-port range, so conflicts and exhaustion are constant; a reader checks
// the store continuously (assert-data-dir --validate, no port twice in
// list's JSON); and a supervisor kills random operations with SIGKILL. Each
// worker owns its paths, so it knows what the store must hold for them:
// every acknowledged reservation stays, with its port, until its owner
// releases it. No operation may time out (no deadlock). The lock wait that
// --verbose reports is collected and its p99 printed.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "trop_fixture.h"

using trop::test::child_process;
using trop::test::process_result;
using trop::test::run_options;
using trop::test::trop_fixture;
using namespace std::chrono_literals;

namespace {

constexpr int kWorkers = 8;
constexpr int kPathsPerWorker = 12;  // 96 paths + 8 groups of 2 for 64 ports

// What a worker knows about one of its keys: a port, absent, or unknown
// (an operation on it was killed, so it may or may not have happened).
struct known {
  bool unknown = false;
  std::optional<std::uint16_t> port;
};

struct shared {
  std::mutex mu;
  std::vector<double> lock_wait_ms;
  std::atomic<int> ops{0}, kills{0}, exhausted{0}, validations{0};
  std::atomic<bool> done{false};
  std::vector<std::string> failures;
  void fail(const std::string& what) {
    std::lock_guard<std::mutex> g(mu);
    failures.push_back(what);
  }
};

std::optional<double> lock_wait(const std::string& err) {
  const std::string marker = "write lock acquired after ";
  auto at = err.find(marker);
  if (at == std::string::npos) {
    return std::nullopt;
  }
  return std::strtod(err.c_str() + at + marker.size(), nullptr);
}

// (path, tag or "") -> port, from `list --format json`; nullopt if unparsable.
std::optional<std::map<std::pair<std::string, std::string>, std::uint16_t>> parse_list(
    const std::string& out, bool* duplicate_port) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(out, ec);
  if (ec || !v.is_array()) {
    return std::nullopt;
  }
  std::map<std::pair<std::string, std::string>, std::uint16_t> m;
  std::set<std::int64_t> ports;
  for (const auto& o : v.as_array()) {
    const auto& obj = o.as_object();
    std::string tag = obj.at("tag").is_null() ? "" : std::string(obj.at("tag").as_string());
    std::int64_t port = obj.at("port").as_int64();
    if (!ports.insert(port).second) {
      *duplicate_port = true;
    }
    m[{std::string(obj.at("path").as_string()), tag}] = static_cast<std::uint16_t>(port);
  }
  return m;
}

struct worker {
  int id;
  const trop_fixture* fx;
  shared* sh;
  int ops;
  double kill_window_us;
  std::mt19937 rng;
  std::vector<std::string> paths;
  std::string group_dir;
  std::map<std::string, known> state;  // path -> untagged reservation
  known group_web, group_api;

  process_result run(const std::vector<std::string>& args, bool may_kill, bool* killed) {
    run_options opt;
    opt.env = {{"TROP_PORT_MIN", "6000"}, {"TROP_PORT_MAX", "6063"}};
    opt.timeout = 120s;
    if (args[0] == "reserve-group") {
      opt.cwd = group_dir;
    }
    auto c = std::make_unique<child_process>(fx->options(args, opt));
    *killed = false;
    if (may_kill && std::uniform_int_distribution<int>(0, 7)(rng) == 0) {
      std::uniform_int_distribution<int> delay(0, static_cast<int>(kill_window_us));
      std::this_thread::sleep_for(std::chrono::microseconds(delay(rng)));
      c->kill(SIGKILL);
    }
    process_result r = c->wait();
    if (r.timed_out) {
      sh->fail("timed out (deadlock?): " + args[0]);
    }
    if (r.term_signal == SIGKILL) {
      *killed = true;
      ++sh->kills;
    }
    if (auto w = lock_wait(r.err)) {
      std::lock_guard<std::mutex> g(sh->mu);
      sh->lock_wait_ms.push_back(*w);
    }
    ++sh->ops;
    return r;
  }

  void check_list() {
    bool killed = false;
    process_result r = run({"list", "--format", "json"}, false, &killed);
    if (r.exit_code != 0) {
      sh->fail("list failed: " + r.err);
      return;
    }
    bool dup = false;
    auto m = parse_list(r.out, &dup);
    if (!m) {
      sh->fail("list JSON does not parse");
      return;
    }
    if (dup) {
      sh->fail("list shows a port twice");
    }
    auto expect = [&](const std::string& path, const std::string& tag, const known& k) {
      if (k.unknown) {
        return;
      }
      auto it = m->find({path, tag});
      std::optional<std::uint16_t> got;
      if (it != m->end()) {
        got = it->second;
      }
      if (got != k.port) {
        sh->fail("worker " + std::to_string(id) + ": " + path + (tag.empty() ? "" : ":" + tag) +
                 " should be " + (k.port ? std::to_string(*k.port) : "absent") + ", list shows " +
                 (got ? std::to_string(*got) : "absent"));
      }
    };
    for (const auto& [path, k] : state) {
      expect(path, "", k);
    }
    expect(group_dir, "web", group_web);
    expect(group_dir, "api", group_api);
  }

  void reserve(const std::string& path) {
    bool killed = false;
    process_result r = run({"reserve", "--path", path, "--allow-unrelated-path",
                            "--disable-autoclean", "--busy-timeout", "100", "--verbose"},
                           true, &killed);
    known& k = state[path];
    if (killed) {
      if (!k.port) {
        k.unknown = true;  // a new reservation may or may not have been committed
      }
      return;
    }
    if (r.exit_code == 0) {
      auto port = static_cast<std::uint16_t>(std::stoi(r.out));
      if (!k.unknown && k.port && *k.port != port) {
        sh->fail(path + " was reserved on " + std::to_string(*k.port) + ", reserve printed " +
                 std::to_string(port));
      }
      k = {false, port};
    } else if (r.exit_code == 6 &&
               r.err.find("port range 6000-6063 exhausted") != std::string::npos) {
      ++sh->exhausted;
      if (!k.unknown && k.port) {
        sh->fail(path + " holds a port, but reserve reported exhaustion");
      }
    } else {
      sh->fail("reserve " + path + ": exit " + std::to_string(r.exit_code) + ": " + r.err);
    }
  }

  void release(const std::string& path, known* a, known* b) {
    bool killed = false;
    process_result r = run({"release", "--path", path, "--allow-unrelated-path"}, true, &killed);
    if (killed) {
      for (known* k : {a, b}) {
        if (k != nullptr && k->port) {
          k->unknown = true;
        }
      }
      return;
    }
    if (r.exit_code != 0) {
      sh->fail("release " + path + ": exit " + std::to_string(r.exit_code) + ": " + r.err);
      return;
    }
    for (known* k : {a, b}) {
      if (k != nullptr) {
        *k = {};
      }
    }
  }

  void reserve_group() {
    bool killed = false;
    process_result r =
        run({"reserve-group", "trop.yaml", "--format", "json", "--verbose"}, true, &killed);
    if (killed) {
      if (!group_web.port) {
        group_web.unknown = group_api.unknown = true;
      }
      return;
    }
    if (r.exit_code == 0) {
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(r.out, ec);
      if (ec) {
        sh->fail("reserve-group JSON: " + r.out);
        return;
      }
      auto web = static_cast<std::uint16_t>(v.at("web").as_int64());
      auto api = static_cast<std::uint16_t>(v.at("api").as_int64());
      if (!group_web.unknown && group_web.port && (*group_web.port != web)) {
        sh->fail("group web moved from " + std::to_string(*group_web.port));
      }
      group_web = {false, web};
      group_api = {false, api};
    } else if (r.exit_code == 6 && r.err.find("group allocation failed") != std::string::npos) {
      ++sh->exhausted;
    } else {
      sh->fail("reserve-group: exit " + std::to_string(r.exit_code) + ": " + r.err);
    }
  }

  void loop() {
    for (int i = 0; i < ops && !sh->done; ++i) {
      int dice = std::uniform_int_distribution<int>(0, 99)(rng);
      const std::string& path =
          paths[std::uniform_int_distribution<std::size_t>(0, paths.size() - 1)(rng)];
      if (dice < 45) {
        reserve(path);
      } else if (dice < 62) {
        release(path, &state[path], nullptr);
      } else if (dice < 72) {
        reserve_group();
      } else if (dice < 78) {
        release(group_dir, &group_web, &group_api);
      } else {
        check_list();
      }
    }
  }
};

void torture(int ops_per_worker, const char* label) {
  trop_fixture fx;
  shared sh;
  // One reserve's duration bounds the kill window (sanitizers are slower).
  process_result first =
      fx.run({"reserve", "--path", fx.root() + "/first", "--allow-unrelated-path"});
  REQUIRE(first.exit_code == 0);
  REQUIRE(fx.run({"release", "--path", fx.root() + "/first", "--allow-unrelated-path"}).exit_code ==
          0);
  const double window = std::max<double>(static_cast<double>(first.elapsed.count()), 1000.0);

  std::vector<worker> workers;
  for (int w = 0; w < kWorkers; ++w) {
    worker wk{w, &fx, &sh, ops_per_worker, window, std::mt19937(1000 + w), {}, {}, {}, {}, {}};
    for (int p = 0; p < kPathsPerWorker; ++p) {
      wk.paths.push_back(fx.make_dir("t/w" + std::to_string(w) + "/p" + std::to_string(p)));
    }
    wk.group_dir = fx.make_dir("t/w" + std::to_string(w) + "/group");
    trop::test::write_file(wk.group_dir + "/trop.yaml",
                           "reservations:\n  services:\n    web: {offset: 0}\n"
                           "    api: {offset: 1}\n");
    workers.push_back(std::move(wk));
  }
  auto started = std::chrono::steady_clock::now();
  std::thread reader([&] {
    while (!sh.done) {
      process_result v = fx.run({"assert-data-dir", "--validate"});
      if (v.exit_code != 0) {
        sh.fail("validate failed during the storm: " + v.err);
      }
      ++sh.validations;
      process_result l = fx.run({"list", "--format", "json"});
      bool dup = false;
      if (l.exit_code != 0 || !parse_list(l.out, &dup) || dup) {
        sh.fail("reader: list failed or shows a port twice: " + l.err);
      }
    }
  });
  std::vector<std::thread> threads;
  for (auto& w : workers) {
    threads.emplace_back([&w] { w.loop(); });
  }
  for (auto& t : threads) {
    t.join();
  }
  sh.done = true;
  reader.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  // Final state: every known key as its owner knows it.
  for (auto& w : workers) {
    w.check_list();
  }
  CHECK(fx.run({"assert-data-dir", "--validate"}).exit_code == 0);
  {
    std::lock_guard<std::mutex> g(sh.mu);
    for (const std::string& f : sh.failures) {
      FAIL_CHECK(f);
    }
  }
  std::vector<double> waits = sh.lock_wait_ms;
  std::sort(waits.begin(), waits.end());
  auto pct = [&](double p) {
    return waits.empty()
               ? 0.0
               : waits[std::min(waits.size() - 1,
                                static_cast<std::size_t>(p * static_cast<double>(waits.size())))];
  };
  std::printf(
      "[figure] torture (%s): %d workers x %d operations = %d trop processes in %.1f s, %d "
      "killed with SIGKILL, %d exhausted, %d reader validations; lock wait ms p50 %.2f p99 "
      "%.2f max %.2f (%zu samples); failures %zu\n",
      label, kWorkers, ops_per_worker, sh.ops.load(), seconds, sh.kills.load(), sh.exhausted.load(),
      sh.validations.load(), pct(0.5), pct(0.99), waits.empty() ? 0.0 : waits.back(), waits.size(),
      sh.failures.size());
  CHECK(sh.kills > 0);
  CHECK(sh.exhausted > 0);
}

}  // namespace

TEST_CASE(
    "8 processes x 250 mixed operations in 64 ports, with SIGKILLs and a validating "
    "reader: no port twice, no lost reservation, no deadlock",
    "[torture]") {
  torture(250, "torture");
}

TEST_CASE("Torture soak: 8 processes x 2500 mixed operations", "[slow]") {
  torture(2500, "soak");
}
