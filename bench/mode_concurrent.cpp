// concurrent: N processes at once, each reserving K distinct keys, through
// the `trop` binary (a driver process per worker spawns `trop reserve` K
// times) and through the library (each process opens the store once and runs
// K write transactions). The same drivers spawning the trivial C program give
// the process-throughput limit; with --vs-sqlite the SQLite baseline runs the
// same way (helper process, and in-process). Every series runs at every N in
// a shuffled order within each repetition, so load from other processes hits
// them alike. After every run the store is checked: no port twice, every key
// exactly one port (the one its reserve printed), validate() clean.
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>

#include "modes.h"
#include "scratch.h"
#include "spawn.h"
#include "stats.h"
#include "store_check.h"
#include "trop/store.h"
#include "worker.h"

#ifdef TROP_BENCH_HAVE_SQLITE
#include "sqlite_reserve.h"
#endif

extern char** environ;

namespace trop::bench {
namespace {

// trop's default port range (SPEC: ports.min 5000, ports.max 7000): the
// binary runs without --min/--max, and the other series use the same range.
constexpr std::uint32_t kMinPort = 5000;
constexpr std::uint32_t kMaxPort = 7000;

// Targets of the issue.
constexpr double kSpawnLimitShare = 0.80;  // binary reserves/s ÷ spawn limit, every N
constexpr double kVsSqliteAtOne = 2.0;     // binary ÷ SQLite helper at N = 1
constexpr double kP99AtSixteenMs = 10.0;   // binary p99 at N = 16
constexpr double kLibraryVsSqlite = 2.0;   // library ÷ in-process SQLite, every N

enum class series_kind { spawn_limit, trop_bin, sqlite_bin, trop_lib, sqlite_lib };

struct series {
  std::string id;     // JSON-friendly: trop_bin_full
  std::string label;  // table text
  series_kind kind;
  bool full = true;  // durability full / synchronous=FULL (ignored by the spawn limit)
};

bool is_trop(series_kind k) {
  return k == series_kind::trop_bin || k == series_kind::trop_lib;
}

struct run_outcome {
  bool ok = false;
  double per_s = 0;  // successful calls per second
  std::size_t calls = 0;
  std::size_t timeouts = 0;  // calls that gave up waiting for the lock
  std::vector<double> latency_us;
  std::vector<double> lock_wait_us;
};

// Moves a descriptor to >= 10 (keeping O_CLOEXEC), so that posix_spawn's
// dup2 onto 3 and 4 never meets the same number (which would keep CLOEXEC).
int high_fd(int fd) {
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 10);
  ::close(fd);
  return moved;
}

class runner {
 public:
  runner(const mode_context& ctx, const scratch_dir& dir) : ctx_(ctx), dir_(dir) {}

  // One run of `s` with `n` workers; failures land in the report.
  run_outcome run(const series& s, std::size_t n, std::size_t rep) {
    run_outcome out;
    const bench_options& o = ctx_.options;
    const std::string tag = s.id + "-n" + std::to_string(n) + "-r" + std::to_string(rep);
    const std::string where = "concurrent " + s.label + " N=" + std::to_string(n) + ": ";
    const std::string run_dir = dir_.sub(tag);
    const std::string home = run_dir + "/home";
    const std::string data = run_dir + "/data";
    const std::string db = run_dir + "/baseline.sqlite";
    for (const std::string& d : {run_dir, home}) {
      ::mkdir(d.c_str(), 0700);
    }
    // The store exists before the clock starts, for every series alike.
    if (is_trop(s.kind)) {
      store_options opts;
      opts.data_dir = data;
      auto st = store::open(opts);
      auto tx = st ? st->begin_write() : result<write_transaction>(st.error());
      if (!tx) {
        ctx_.out.errors.push_back(where + "creating the store: " + tx.error().message());
        return out;
      }
    } else if (s.kind == series_kind::sqlite_bin || s.kind == series_kind::sqlite_lib) {
#ifdef TROP_BENCH_HAVE_SQLITE
      if (std::string err = sqlite_store::create(db); !err.empty()) {
        ctx_.out.errors.push_back(where + err);
        return out;
      }
#endif
    }

    std::vector<worker_spec> specs(n);
    for (std::size_t i = 0; i < n; ++i) {
      worker_spec& w = specs[i];
      char name[24];
      std::snprintf(name, sizeof name, "w%02zu", i);
      w.out_file = run_dir + "/" + name + ".res";
      w.keys = o.keys_per_worker;
      // Keys are absolute paths that are never created (--allow-unrelated-path).
      w.key_prefix = run_dir + "/paths/" + name + "-k";
      w.home = home;
      w.io_prefix = run_dir + "/" + name;
      w.full = s.full;
      w.min_port = kMinPort;
      w.max_port = kMaxPort;
      const char* durability = s.full ? "full" : "normal";
      switch (s.kind) {
        case series_kind::spawn_limit:
          w.command = {o.noop_binary};
          w.expect_port = false;
          break;
        case series_kind::trop_bin:
          // --verbose makes trop print its lock wait on stderr.
          w.command = {
              o.trop_binary, "--data-dir", data,     "--durability", durability,
              "--verbose",   "reserve",    "--path", "{key}",        "--allow-unrelated-path"};
          break;
        case series_kind::sqlite_bin:
          w.command = {o.sqlite_reserve_binary, db, "{key}", durability, std::to_string(kMinPort),
                       std::to_string(kMaxPort)};
          break;
        case series_kind::trop_lib:
          w.kind = worker_kind::trop_lib;
          w.store = data;
          break;
        case series_kind::sqlite_lib:
          w.kind = worker_kind::sqlite_lib;
          w.store = db;
          break;
      }
    }

    std::vector<worker_result> results;
    double wall_s = 0;
    if (!launch(specs, run_dir, where, &results, &wall_s)) {
      return out;
    }

    // Correctness: every call answered, no port printed twice, and the store
    // holds exactly the printed port for every key.
    bool ok = true;
    std::map<int, std::string> port_owner;
    std::map<std::string, int> printed;
    std::size_t calls = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
      for (const std::string& e : results[i].errors) {
        ctx_.out.errors.push_back(where + "worker " + std::to_string(i) + ": " + e);
        ok = false;
      }
      for (const worker_call& c : results[i].calls) {
        ++calls;
        // A call that timed out waiting for the lock is still a call someone
        // waited for: its latency counts; it reserved nothing.
        out.latency_us.push_back(c.latency_us);
        if (c.lock_wait_us >= 0) {
          out.lock_wait_us.push_back(c.lock_wait_us);
        }
        if (c.timed_out) {
          ++out.timeouts;
          continue;
        }
        if (s.kind == series_kind::spawn_limit) {
          continue;
        }
        auto [at, fresh] = port_owner.emplace(c.port, c.key);
        if (!fresh) {
          ctx_.out.violations.push_back(where + "port " + std::to_string(c.port) +
                                        " was handed out twice (" + at->second + " and " + c.key +
                                        ")");
          ok = false;
        }
        printed[c.key] = c.port;
      }
    }
    const std::size_t expected = n * o.keys_per_worker;
    if (calls != expected) {
      ctx_.out.errors.push_back(where + std::to_string(calls) + " calls completed, expected " +
                                std::to_string(expected));
      ok = false;
    }
    // The store must hold exactly the keys whose reserve succeeded.
    const std::size_t reserved = calls - out.timeouts;
    if (is_trop(s.kind)) {
      ok = verify_trop(data, printed, reserved, where) && ok;
    } else if (s.kind != series_kind::spawn_limit) {
      ok = verify_sqlite(db, printed, reserved, where) && ok;
    }
    if (!o.keep) {
      std::error_code ec;
      std::filesystem::remove_all(run_dir, ec);
    }
    out.ok = ok;
    out.calls = calls;
    out.per_s = wall_s > 0 ? static_cast<double>(reserved) / wall_s : 0;
    return out;
  }

 private:
  // Starts one worker process per spec, releases them together, waits for
  // all. `wall_s`: from the release to the end of the last worker's last call.
  bool launch(const std::vector<worker_spec>& specs, const std::string& run_dir,
              const std::string& where, std::vector<worker_result>* results, double* wall_s) {
    int start[2], ready[2];
    if (::pipe2(start, O_CLOEXEC) != 0 || ::pipe2(ready, O_CLOEXEC) != 0) {
      ctx_.out.errors.push_back(where + "pipe: " + std::strerror(errno));
      return false;
    }
    for (int* fd : {&start[0], &start[1], &ready[0], &ready[1]}) {
      *fd = high_fd(*fd);
    }
    std::vector<pid_t> pids;
    bool started = true;
    for (const worker_spec& w : specs) {
      std::vector<std::string> args = worker_arguments(w);
      args.insert(args.begin(), self_);
      std::vector<char*> argv;
      for (std::string& a : args) {
        argv.push_back(a.data());
      }
      argv.push_back(nullptr);
      const std::string log = w.io_prefix + ".log";
      posix_spawn_file_actions_t fa;
      posix_spawn_file_actions_init(&fa);
      posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
      posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      posix_spawn_file_actions_adddup2(&fa, 1, 2);
      posix_spawn_file_actions_adddup2(&fa, start[0], 3);
      posix_spawn_file_actions_adddup2(&fa, ready[1], 4);
      pid_t pid = 0;
      int rc = posix_spawn(&pid, self_.c_str(), &fa, nullptr, argv.data(), environ);
      posix_spawn_file_actions_destroy(&fa);
      if (rc != 0) {
        ctx_.out.errors.push_back(where + "cannot start a worker: " + std::strerror(rc));
        started = false;
        break;
      }
      pids.push_back(pid);
    }
    ::close(start[0]);
    ::close(ready[1]);
    // Every worker writes one byte when it is ready; EOF first means one died.
    std::size_t ready_count = 0;
    char buf[64];
    while (started && ready_count < specs.size()) {
      ssize_t r = ::read(ready[0], buf, sizeof buf);
      if (r < 0 && errno == EINTR) {
        continue;
      }
      if (r <= 0) {
        ctx_.out.errors.push_back(where + "a worker exited before it was ready (see " + run_dir +
                                  "/*.log; --keep keeps them)");
        started = false;
        break;
      }
      ready_count += static_cast<std::size_t>(r);
    }
    ::close(ready[0]);
    const std::int64_t released = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                      std::chrono::steady_clock::now().time_since_epoch())
                                      .count();
    ::close(start[1]);  // EOF on every worker's fd 3: go
    for (std::size_t i = 0; i < pids.size(); ++i) {
      int wstatus = 0;
      while (::waitpid(pids[i], &wstatus, 0) < 0 && errno == EINTR) {
      }
      // A worker that failed wrote its errors to its result file too (the
      // caller reports those); its log holds anything else it printed.
      if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
        std::string log = read_small_file(specs[i].io_prefix + ".log");
        if (!log.empty()) {
          ctx_.out.errors.push_back(where + "worker " + std::to_string(i) + ": " + log);
        }
      }
    }
    if (!started) {
      return false;
    }
    std::int64_t last_end = released;
    for (const worker_spec& w : specs) {
      results->push_back(read_worker_result(w.out_file));
      last_end = std::max(last_end, results->back().end_ns);
    }
    *wall_s = static_cast<double>(last_end - released) / 1e9;
    return true;
  }

  bool verify_trop(const std::string& data, const std::map<std::string, int>& printed,
                   std::size_t expected, const std::string& where) {
    bool ok = true;
    auto check = check_store(data, expected);
    for (auto& v : check.violations) {
      ctx_.out.violations.push_back(where + v);
      ok = false;
    }
    store_options opts;
    opts.data_dir = data;
    opts.create_if_missing = false;
    auto st = store::open(opts);
    auto snap = st ? st->read() : result<snapshot>(st.error());
    if (!snap) {
      ctx_.out.errors.push_back(where + "read: " + snap.error().message());
      return false;
    }
    for (const auto& [key, port] : printed) {
      auto found = snap->find(reservation_key{key, std::nullopt});
      if (!found || !*found || (*found)->port != port) {
        ctx_.out.violations.push_back(
            where + key + " was given port " + std::to_string(port) + " but the store holds " +
            (found && *found ? std::to_string((*found)->port) : std::string("nothing")));
        ok = false;
      }
    }
    return ok;
  }

  bool verify_sqlite(const std::string& db, const std::map<std::string, int>& printed,
                     std::size_t expected, const std::string& where) {
#ifdef TROP_BENCH_HAVE_SQLITE
    bool ok = true;
    if (std::string err = check_sqlite_store(db, expected); !err.empty()) {
      ctx_.out.violations.push_back(where + err);
      ok = false;
    }
    sqlite_store conn(db, false, std::chrono::milliseconds(5000));
    for (const auto& [key, port] : printed) {
      if (int stored = conn.port_of(key); stored != port) {
        ctx_.out.violations.push_back(where + key + " was given port " + std::to_string(port) +
                                      " but the database holds " + std::to_string(stored));
        ok = false;
      }
    }
    return ok;
#else
    (void)db, (void)printed, (void)expected, (void)where;
    return false;
#endif
  }

  const mode_context& ctx_;
  const scratch_dir& dir_;
  std::string self_ = self_executable();
};

bool executable(const std::string& path) {
  return !path.empty() && ::access(path.c_str(), X_OK) == 0;
}

// Median of the repetitions' throughput, pooled latencies.
struct aggregate {
  std::vector<double> per_s;
  std::vector<double> latency_us;
  std::vector<double> lock_wait_us;
  std::size_t calls = 0, timeouts = 0;
  bool ok = true;
};

double median_of(std::vector<double> v) {
  return summarize(std::move(v)).median_us;
}

}  // namespace

void run_concurrent(const mode_context& ctx) {
  const bench_options& o = ctx.options;
  report& out = ctx.out;
  const std::size_t max_workers = *std::max_element(o.workers.begin(), o.workers.end());
  if (max_workers * o.keys_per_worker > kMaxPort - kMinPort + 1) {
    out.errors.push_back("concurrent: " + std::to_string(max_workers) + " workers × " +
                         std::to_string(o.keys_per_worker) + " keys exceed the " +
                         std::to_string(kMaxPort - kMinPort + 1) +
                         " ports of trop's default range");
    return;
  }
  if (self_executable().empty()) {
    out.errors.push_back("concurrent: cannot find this executable (/proc/self/exe)");
    return;
  }
  const bool have_trop = executable(o.trop_binary);
  if (!have_trop && !o.smoke) {
    out.errors.push_back("concurrent: no trop binary at '" + o.trop_binary + "'; pass --trop PATH");
    return;
  }
  if (!executable(o.noop_binary)) {
    out.errors.push_back("concurrent: '" + o.noop_binary + "' is not an executable file");
    return;
  }
#ifdef TROP_BENCH_HAVE_SQLITE
  const bool with_sqlite = o.vs_sqlite;
  if (with_sqlite && !executable(o.sqlite_reserve_binary)) {
    out.errors.push_back("concurrent: '" + o.sqlite_reserve_binary + "' is not an executable file");
    return;
  }
#else
  const bool with_sqlite = false;
  if (o.vs_sqlite) {
    out.errors.push_back(
        "concurrent: --vs-sqlite needs trop-bench built with SQLite (libsqlite3-dev)");
    return;
  }
#endif

  std::vector<series> all;
  all.push_back({"spawn_limit", "spawn limit (trivial C program)", series_kind::spawn_limit, true});
  for (const std::string& d : o.concurrent_durability) {
    const bool full = d == "full";
    const std::string sync = full ? "FULL" : "NORMAL";
    if (have_trop) {
      all.push_back({"trop_bin_" + d, "trop reserve (" + d + ")", series_kind::trop_bin, full});
    }
    if (with_sqlite) {
      all.push_back(
          {"sqlite_bin_" + d, "SQLite helper (" + sync + ")", series_kind::sqlite_bin, full});
    }
    all.push_back({"trop_lib_" + d, "trop library (" + d + ")", series_kind::trop_lib, full});
    if (with_sqlite) {
      all.push_back(
          {"sqlite_lib_" + d, "SQLite in-process (" + sync + ")", series_kind::sqlite_lib, full});
    }
  }

  if (!o.series.empty()) {
    std::erase_if(all, [&](const series& s) {
      return std::none_of(o.series.begin(), o.series.end(),
                          [&](const std::string& kind) { return s.id.rfind(kind, 0) == 0; });
    });
  }
  if (all.empty()) {
    out.errors.push_back("concurrent: --series selects nothing that can run here");
    return;
  }
  scratch_dir dir(o.tmp_root, "concurrent", o.keep);
  if (!dir.ok()) {
    out.errors.push_back("concurrent: " + dir.error());
    return;
  }
  runner run(ctx, dir);
  std::map<std::pair<std::string, std::size_t>, aggregate> agg;
  std::mt19937 shuffler(20240607);
  const std::size_t total = o.repeat * o.workers.size() * all.size();
  std::size_t done = 0;
  ctx.status_line.note("concurrent: " + std::to_string(all.size()) + " series × N in {" +
                       [&] {
                         std::string s;
                         for (std::size_t n : o.workers) {
                           if (!s.empty()) {
                             s += ',';
                           }
                           s += std::to_string(n);
                         }
                         return s;
                       }() +
                       "} × " + std::to_string(o.repeat) + " repetitions, K = " +
                       std::to_string(o.keys_per_worker) + " keys per worker");
  for (std::size_t rep = 0; rep < o.repeat; ++rep) {
    for (std::size_t n : o.workers) {
      std::vector<std::size_t> order(all.size());
      std::iota(order.begin(), order.end(), 0);
      std::shuffle(order.begin(), order.end(), shuffler);
      for (std::size_t i : order) {
        run_outcome r = run.run(all[i], n, rep);
        aggregate& a = agg[{all[i].id, n}];
        a.ok = a.ok && r.ok;
        if (r.ok) {
          a.per_s.push_back(r.per_s);
        }
        a.calls += r.calls;
        a.timeouts += r.timeouts;
        a.latency_us.insert(a.latency_us.end(), r.latency_us.begin(), r.latency_us.end());
        a.lock_wait_us.insert(a.lock_wait_us.end(), r.lock_wait_us.begin(), r.lock_wait_us.end());
        ctx.status_line.step("concurrent runs", ++done, total);
      }
    }
  }

  auto per_s = [&](const std::string& id, std::size_t n) -> double {
    auto it = agg.find({id, n});
    return it == agg.end() || it->second.per_s.empty() ? 0 : median_of(it->second.per_s);
  };
  table t{"concurrent",
          "concurrent: N processes × " + std::to_string(o.keys_per_worker) +
              " new keys each (median of " + std::to_string(o.repeat) +
              " runs; latency and lock wait pooled, µs)",
          {{"n", "N"},
           {"series", "series"},
           {"series_id", "id"},
           {"per_s", "calls/s"},
           {"per_s_min", "min"},
           {"per_s_max", "max"},
           {"p50_us", "p50"},
           {"p99_us", "p99"},
           {"lock_wait_p50_us", "lock p50"},
           {"lock_wait_p99_us", "lock p99"},
           {"x_spawn_limit", "×spawn limit"},
           {"x_sqlite", "×SQLite"},
           {"lock_timeouts", "timeouts"}},
          {},
          {}};
  for (std::size_t n : o.workers) {
    for (const series& s : all) {
      const aggregate& a = agg[{s.id, n}];
      summary lat = summarize(a.latency_us);
      summary wait = summarize(a.lock_wait_us);
      const double v = per_s(s.id, n);
      // A ratio only where both sides ran (--series may leave one out).
      auto versus = [&](const std::string& other) {
        const double base = per_s(other, n);
        return base > 0 ? cell(ratio(v, base), 2) : cell();
      };
      cell vs_limit, vs_sqlite;
      if (s.kind == series_kind::trop_bin || s.kind == series_kind::sqlite_bin) {
        vs_limit = versus("spawn_limit");
      }
      if (with_sqlite && is_trop(s.kind)) {
        const std::string d = s.full ? "full" : "normal";
        vs_sqlite = versus((s.kind == series_kind::trop_bin ? "sqlite_bin_" : "sqlite_lib_") + d);
      }
      t.add_row(
          {cell::integer(n), s.label, s.id, cell(v, 0),
           a.per_s.empty() ? cell() : cell(*std::min_element(a.per_s.begin(), a.per_s.end()), 0),
           a.per_s.empty() ? cell() : cell(*std::max_element(a.per_s.begin(), a.per_s.end()), 0),
           cell(lat.median_us, 0), cell(lat.p99_us, 0),
           wait.count ? cell(wait.median_us, 0) : cell(),
           wait.count ? cell(wait.p99_us, 0) : cell(), vs_limit, vs_sqlite,
           s.kind == series_kind::spawn_limit ? cell() : cell::integer(a.timeouts)});
    }
  }
  t.notes.push_back(
      "calls/s = N × K ÷ (release of all workers → end of the last call); reserves/s for trop and "
      "SQLite, spawns/s for the spawn limit. p50/p99: per call (process end to end as its driver "
      "saw it, or one transaction in-process). Lock wait: trop --verbose's \"write lock acquired "
      "after\", write_transaction::lock_wait(), or the time in SQLite's BEGIN IMMEDIATE.");
  t.notes.push_back(
      "timeouts: calls (of all runs) that gave up waiting for the write lock after the 5 s busy "
      "timeout (trop: exit 2; SQLite: SQLITE_BUSY once its busy handler gives up); they count in "
      "p50/p99, not in calls/s, and must have reserved nothing.");
  t.notes.push_back(
      "Drivers: one process per worker; it prepares its K commands, waits for the common start, "
      "then posix_spawns and waits for each in turn. Commands: trop " +
      std::string("[--data-dir D --durability MODE --verbose] reserve --path KEY "
                  "--allow-unrelated-path (default range 5000-7000, occupancy probes on); "
                  "trop_bench_sqlite_reserve DB KEY MODE 5000 7000; trop_bench_noop."));
  t.notes.push_back(
      "Library: each worker process opens the store once, then K × (begin_write, find, "
      "next_free(5000, 7000), put, commit); SQLite in-process: one connection, K × the same "
      "transaction as the helper.");
  out.tables.push_back(std::move(t));

  if (o.smoke || !o.series.empty()) {
    return;  // no verdicts from a smoke run or from a subset of the series
  }
  // Targets: the worst N decides "at every N".
  for (const std::string& d : o.concurrent_durability) {
    if (have_trop) {
      double worst = 1e300;
      std::size_t worst_n = 0;
      for (std::size_t n : o.workers) {
        double r = ratio(per_s("trop_bin_" + d, n), per_s("spawn_limit", n));
        if (r < worst) {
          worst = r, worst_n = n;
        }
      }
      add_target(out, "binary reserves/s ÷ spawn limit, worst N (" + d + ")", worst,
                 kSpawnLimitShare, "at N=" + std::to_string(worst_n), true);
      if (std::find(o.workers.begin(), o.workers.end(), 16) != o.workers.end()) {
        add_target(
            out, "binary p99 at N=16, ms (" + d + ")",
            summarize(agg[{"trop_bin_" + d, 16}].latency_us).p99_us / 1000.0, kP99AtSixteenMs,
            "SQLite helper: " + [&] {
              auto it = agg.find({"sqlite_bin_" + d, 16});
              return it == agg.end()
                         ? std::string("not run")
                         : format_number(summarize(it->second.latency_us).p99_us / 1000.0, 1) +
                               " ms";
            }());
      }
    }
    if (!with_sqlite) {
      continue;
    }
    if (have_trop) {
      if (std::find(o.workers.begin(), o.workers.end(), 1) != o.workers.end()) {
        add_target(out, "binary ÷ SQLite helper at N=1 (" + d + ")",
                   ratio(per_s("trop_bin_" + d, 1), per_s("sqlite_bin_" + d, 1)), kVsSqliteAtOne,
                   "reserves/s", true);
      }
      double worst = 1e300;
      std::size_t worst_n = 0;
      for (std::size_t n : o.workers) {
        double r = ratio(per_s("trop_bin_" + d, n), per_s("sqlite_bin_" + d, n));
        if (r < worst) {
          worst = r, worst_n = n;
        }
      }
      add_target(out, "binary ÷ SQLite helper, worst N (" + d + ")", worst, 1.0,
                 "ahead at every N; worst at N=" + std::to_string(worst_n), true);
    }
    double worst = 1e300;
    std::size_t worst_n = 0;
    for (std::size_t n : o.workers) {
      double r = ratio(per_s("trop_lib_" + d, n), per_s("sqlite_lib_" + d, n));
      if (r < worst) {
        worst = r, worst_n = n;
      }
    }
    add_target(out, "library ÷ SQLite in-process, worst N (" + d + ")", worst, kLibraryVsSqlite,
               "at N=" + std::to_string(worst_n), true);
  }
}

}  // namespace trop::bench
