// latency: one `trop` process end to end, measured against floors taken in
// the same run. Every round runs each case once in a shuffled order, so that
// load from other processes and the previous process's teardown hit the
// floors and the cases alike.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>

#include "modes.h"
#include "populate.h"
#include "scratch.h"
#include "spawn.h"
#include "stats.h"
#include "store_check.h"

#ifdef TROP_BENCH_HAVE_SQLITE
#include "sqlite_reserve.h"
#endif

namespace trop::bench {
namespace {

// The target of the issue: one reserve within 1.25x its floor.
constexpr double kReserveTarget = 1.25;
// ... and under 8 MiB of peak RSS (at 60,000 reservations).
constexpr double kRssTargetMib = 8.0;
constexpr std::size_t kRssRuns = 5;

struct latency_case {
  std::string name;
  std::string floor;  // "a", "b" or "" for the floors themselves
  std::string command;
  std::vector<double> samples;
};

std::optional<int> parse_port(const std::string& out) {
  if (out.empty() || out.back() != '\n' || out.size() > 7) {
    return std::nullopt;
  }
  int v = 0;
  for (std::size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] < '0' || out[i] > '9') {
      return std::nullopt;
    }
    v = v * 10 + (out[i] - '0');
  }
  return v >= 1 && v <= 65535 ? std::optional<int>(v) : std::nullopt;
}

// Whether the binary names libstdc++ as a shared library (a cheap, honest
// heuristic: a statically linked libstdc++ leaves no "libstdc++.so" string).
std::string libstdcxx_linkage(const std::string& binary) {
  std::string bytes = read_small_file(binary);
  if (bytes.empty()) {
    return "unknown";
  }
  return bytes.find("libstdc++.so") == std::string::npos ? "static" : "dynamic";
}

bool executable(const std::string& path) {
  return !path.empty() && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

void run_latency(const mode_context& ctx) {
  const bench_options& o = ctx.options;
  report& out = ctx.out;
  if (o.trop_binary.empty() || (o.smoke && !executable(o.trop_binary))) {
    // Only the smoke run may skip: CTest without the CLI built still checks the rest.
    if (o.smoke) {
      ctx.status_line.note("latency: skipped (no trop binary; pass --trop PATH)");
      table t{"latency", "latency: skipped", {{"case", "case"}}, {}, {}};
      t.notes.push_back("skipped: no trop binary at '" + o.trop_binary + "' (pass --trop PATH)");
      out.tables.push_back(std::move(t));
      return;
    }
    out.errors.push_back("latency: no trop binary known; pass --trop PATH");
    return;
  }
  for (const std::string* bin : {&o.trop_binary, &o.noop_binary, &o.noop_sync_binary}) {
    if (!executable(*bin)) {
      out.errors.push_back("latency: '" + *bin + "' is not an executable file");
      return;
    }
  }
  out.machine.set("trop", o.trop_binary + " (libstdc++ " + libstdcxx_linkage(o.trop_binary) + ")");

  scratch_dir dir(o.tmp_root, "latency", o.keep);
  if (!dir.ok()) {
    out.errors.push_back("latency: " + dir.error());
    return;
  }
  const std::string data = dir.sub("data");
  const std::string home = dir.sub("home");
  const std::string work = dir.sub("work");
  // Reservation paths live under the scratch dir but are never created: trop
  // does not need them to exist, and --allow-unrelated-path skips the guard.
  const std::string paths = dir.sub("paths");
  for (const std::string& d : {data, home, work}) {
    ::mkdir(d.c_str(), 0700);
  }
  child_environment env(home);
  child_io io{work, dir.sub("stdout"), dir.sub("stderr")};

  std::vector<std::string> global = {"--data-dir", data};
  if (!o.trop_durability.empty()) {
    global.insert(global.end(), {"--durability", o.trop_durability});
  }
  auto trop_args = [&](std::vector<std::string> tail) {
    std::vector<std::string> args = global;
    args.insert(args.end(), tail.begin(), tail.end());
    return args;
  };
  auto new_key_path = [&](const std::string& prefix, std::size_t i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "/%s-%05zu", prefix.c_str(), i);
    return paths + buf;
  };
  const std::string existing_path = paths + "/existing";

  prepared_command noop(o.noop_binary, {}, io, env);
  prepared_command noop_sync(o.noop_sync_binary, {data + "/floor-sync"}, io, env);
  std::unique_ptr<prepared_command> noop_static;
  if (executable(o.noop_static_binary)) {
    noop_static = std::make_unique<prepared_command>(o.noop_static_binary,
                                                     std::vector<std::string>{}, io, env);
  }
  prepared_command version(o.trop_binary, {"--version"}, io, env);
  prepared_command reserve_existing(
      o.trop_binary, trop_args({"reserve", "--path", existing_path, "--allow-unrelated-path"}), io,
      env);
  prepared_command list(o.trop_binary, trop_args({"list", "--format", "json"}), io, env);

  // --vs-sqlite: the original tool's reserve transaction in a process of its
  // own, new and existing key, on a database of the same size.
  const bool with_sqlite = o.vs_sqlite && executable(o.sqlite_reserve_binary);
  const std::string sqlite_db = dir.sub("baseline.sqlite");
  const std::string sqlite_sync = o.trop_durability == "normal" ? "normal" : "full";
  auto sqlite_args = [&](const std::string& key) {
    return std::vector<std::string>{sqlite_db, key, sqlite_sync, "5000", "7000"};
  };
  prepared_command sqlite_existing(o.sqlite_reserve_binary, sqlite_args(existing_path), io, env);

  // Indices into `cases`, in the order a round runs them.
  enum : std::size_t {
    kFloorA,
    kFloorB,
    kStatic,
    kVersion,
    kReserveNew,
    kReserveExisting,
    kList,
    kRelease,
    kSqliteNew,
    kSqliteExisting,
    kCaseCount
  };
  std::vector<latency_case> cases(kCaseCount);
  cases[kFloorA] = {"floor a: exec trivial C program", "", noop.display(), {}};
  cases[kFloorB] = {"floor b: a + 4 KiB append + fdatasync", "", noop_sync.display(), {}};
  cases[kStatic] = {
      "ref: a, linked fully static", "a", noop_static ? noop_static->display() : "", {}};
  cases[kVersion] = {"trop --version (start-up only)", "a", version.display(), {}};
  cases[kReserveNew] = {"reserve, new key", "b", "", {}};
  cases[kReserveExisting] = {"reserve, existing key", "a", reserve_existing.display(), {}};
  cases[kList] = {"list --format json", "a", list.display(), {}};
  cases[kRelease] = {"release", "b", "", {}};
  cases[kSqliteNew] = {"SQLite helper, new key (synchronous=" +
                           std::string(sqlite_sync == "full" ? "FULL" : "NORMAL") + ")",
                       "b",
                       "",
                       {}};
  cases[kSqliteExisting] = {"SQLite helper, existing key", "a", sqlite_existing.display(), {}};
  for (auto& c : cases) {
    c.samples.reserve(o.runs);
  }

  std::optional<int> existing_port;
  std::optional<int> sqlite_existing_port;
#ifdef TROP_BENCH_HAVE_SQLITE
  // Releases each round's new SQLite key (unmeasured), as the trop round does.
  std::unique_ptr<sqlite_store> sqlite_conn;
#endif
  // Runs one command; false (with an error in the report) if it failed.
  auto run = [&](const prepared_command& cmd, std::vector<double>* samples) -> bool {
    spawn_outcome r = cmd.run();
    if (!r.ok()) {
      std::string err = read_small_file(cmd.stderr_path());
      out.errors.push_back("latency: `" + cmd.display() + "` failed (" + r.describe() +
                           "): " + err);
      return false;
    }
    if (samples != nullptr) {
      samples->push_back(r.elapsed_us());
    }
    return true;
  };
  auto reserved_port = [&](const prepared_command& cmd) -> std::optional<int> {
    std::string text = read_small_file(cmd.stdout_path());
    auto port = parse_port(text);
    if (!port) {
      out.violations.push_back("latency: `" + cmd.display() + "` printed '" + text +
                               "', not a port");
    }
    return port;
  };

  // A process runs measurably slower right after a big process (trop) than
  // after a small one (the noop): the kernel is still tearing down the last
  // one's memory on the other core. So every round runs the cases in a new
  // random order (fixed seed), and each case sees the same mix of predecessors.
  std::mt19937 shuffler(20240601);
  std::optional<int> new_port;

  // One round: every case once. `measure` is false in warm-up.
  auto round = [&](std::size_t i, bool measure) -> bool {
    const std::string key = new_key_path(measure ? "new" : "warm", i);
    prepared_command reserve_new(
        o.trop_binary, trop_args({"reserve", "--path", key, "--allow-unrelated-path"}), io, env);
    prepared_command release(
        o.trop_binary, trop_args({"release", "--path", key, "--allow-unrelated-path"}), io, env);
    prepared_command sqlite_new(o.sqlite_reserve_binary, sqlite_args(key), io, env);
    if (measure && cases[kReserveNew].command.empty()) {
      cases[kReserveNew].command = reserve_new.display();
      cases[kRelease].command = release.display();
      cases[kSqliteNew].command = sqlite_new.display();
    }
    std::vector<std::size_t> order;
    for (std::size_t c = 0; c < kCaseCount; ++c) {
      if ((c != kStatic || noop_static) &&
          ((c != kSqliteNew && c != kSqliteExisting) || with_sqlite)) {
        order.push_back(c);
      }
    }
    std::shuffle(order.begin(), order.end(), shuffler);
    // The round's key must be reserved before it is released.
    auto at_new = std::find(order.begin(), order.end(), kReserveNew);
    auto at_release = std::find(order.begin(), order.end(), kRelease);
    if (at_release < at_new) {
      std::iter_swap(at_new, at_release);
    }
    new_port.reset();
    for (std::size_t c : order) {
      std::vector<double>* sink = measure ? &cases[c].samples : nullptr;
      switch (c) {
        case kFloorA:
          if (!run(noop, sink)) {
            return false;
          }
          break;
        case kFloorB:
          if (!run(noop_sync, sink)) {
            return false;
          }
          break;
        case kStatic:
          if (!run(*noop_static, sink)) {
            return false;
          }
          break;
        case kVersion:
          if (!run(version, sink)) {
            return false;
          }
          break;
        case kReserveNew:
          if (!run(reserve_new, sink)) {
            return false;
          }
          new_port = reserved_port(reserve_new);
          if (new_port && existing_port && *new_port == *existing_port) {
            out.violations.push_back("latency: a new key got port " + std::to_string(*new_port) +
                                     ", which the existing key holds");
          }
          break;
        case kReserveExisting: {
          if (!run(reserve_existing, sink)) {
            return false;
          }
          auto port = reserved_port(reserve_existing);
          if (port && existing_port && *port != *existing_port) {
            out.violations.push_back("latency: the existing key moved from port " +
                                     std::to_string(*existing_port) + " to " +
                                     std::to_string(*port));
          }
          if (port && new_port && *port == *new_port) {
            out.violations.push_back("latency: the existing key got port " + std::to_string(*port) +
                                     ", which a new key holds");
          }
          break;
        }
        case kList:
          if (!run(list, sink)) {
            return false;
          }
          if (read_small_file(list.stdout_path()).find(existing_path) == std::string::npos) {
            out.violations.push_back("latency: `list --format json` does not show " +
                                     existing_path);
          }
          break;
        case kRelease:
          if (!run(release, sink)) {
            return false;
          }
          new_port.reset();
          break;
        case kSqliteNew:
        case kSqliteExisting: {
          const prepared_command& cmd = c == kSqliteNew ? sqlite_new : sqlite_existing;
          if (!run(cmd, sink)) {
            return false;
          }
          auto port = reserved_port(cmd);
          if (c == kSqliteExisting && port && sqlite_existing_port &&
              *port != *sqlite_existing_port) {
            out.violations.push_back("latency: the SQLite baseline's existing key moved");
          }
#ifdef TROP_BENCH_HAVE_SQLITE
          if (c == kSqliteNew && sqlite_conn && !sqlite_conn->release(key)) {
            out.errors.push_back("latency: cannot release " + key + " from the SQLite baseline");
            return false;
          }
#endif
          break;
        }
        default:
          break;
      }
    }
    return true;
  };

  ctx.status_line.note("latency: " + std::to_string(o.warmup) + " warm-up + " +
                       std::to_string(o.runs) + " measured rounds");
  if (o.store_size > 0) {
    ctx.status_line.note("latency: filling the store with " + std::to_string(o.store_size) +
                         " reservations");
    if (status st = populate_store(data, o.store_size, 20240601); !st.is_ok()) {
      out.errors.push_back("latency: populate: " + st.message());
      return;
    }
  }
  // The first call creates the store (or adds the existing key to the
  // filled one); it is not a case of its own.
  if (!run(reserve_existing, nullptr)) {
    return;
  }
  existing_port = reserved_port(reserve_existing);
#ifdef TROP_BENCH_HAVE_SQLITE
  if (with_sqlite) {
    // The baseline database gets the same records (same keys and ports).
    if (std::string err = sqlite_store::create(sqlite_db); !err.empty()) {
      out.errors.push_back("latency: " + err);
      return;
    }
    if (o.store_size > 0) {
      std::vector<std::pair<std::string, std::uint16_t>> rows;
      std::vector<std::uint16_t> ports = shuffled_ports(20240601);
      for (std::size_t i = 0; i < o.store_size; ++i) {
        rows.emplace_back(key_path("p", i + 1), ports[i]);
      }
      if (std::string err = sqlite_store::insert_all(sqlite_db, rows); !err.empty()) {
        out.errors.push_back("latency: " + err);
        return;
      }
    }
    if (!run(sqlite_existing, nullptr)) {
      return;
    }
    sqlite_existing_port = reserved_port(sqlite_existing);
    sqlite_conn = std::make_unique<sqlite_store>(sqlite_db, false, std::chrono::milliseconds(5000));
    if (!sqlite_conn->error().empty()) {
      out.errors.push_back("latency: " + sqlite_conn->error());
      return;
    }
  }
#endif
  for (std::size_t i = 0; i < o.warmup; ++i) {
    if (!round(i, false)) {
      return;
    }
  }
  for (std::size_t i = 0; i < o.runs; ++i) {
    if (!round(i, true)) {
      return;
    }
    ctx.status_line.step("latency rounds", i + 1, o.runs);
  }

  std::vector<summary> sums;
  for (const auto& c : cases) {
    sums.push_back(summarize(c.samples));
  }
  table t{"latency",
          "latency: one process end to end (µs, " + std::to_string(o.runs) + " runs, store of " +
              std::to_string(o.store_size + 1) + "-" + std::to_string(o.store_size + 2) +
              " records)",
          {{"case", "case"},
           {"median_us", "median"},
           {"p99_us", "p99"},
           {"mean_us", "mean"},
           {"floor", "floor"},
           {"ratio_median", "×floor median"},
           {"ratio_p99", "×floor p99"}},
          {},
          {}};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (cases[i].samples.empty()) {
      continue;  // the static reference when it could not be built
    }
    const summary& s = sums[i];
    std::vector<cell> row = {cases[i].name, s.median_us, s.p99_us, s.mean_us};
    if (cases[i].floor.empty()) {
      row.insert(row.end(), {cell(), cell(), cell()});
    } else {
      const summary& f = cases[i].floor == "a" ? sums[kFloorA] : sums[kFloorB];
      row.insert(row.end(), {cell(cases[i].floor), cell(ratio(s.median_us, f.median_us), 2),
                             cell(ratio(s.p99_us, f.p99_us), 2)});
    }
    t.add_row(std::move(row));
  }
  for (const auto& c : cases) {
    if (!c.samples.empty()) {
      t.notes.push_back(c.name + ": " + c.command);
    }
  }
  t.notes.push_back(
      "Each round runs every command once, in a new random order (fixed seed; the round's "
      "new key is always reserved before it is released), so slow-downs from other load and "
      "from the previous process hit all cases alike.");
  t.notes.push_back(
      "Children get stdin /dev/null, stdout/stderr to files in the scratch dir, HOME set to an "
      "empty dir and no TROP_* variables.");
  {
    // Every trop command replays the whole WAL: its size says how much of
    // that the last rounds paid (it grows by ~2 frames per round here).
    struct stat wal {};
    if (::stat((data + "/trop.db-wal").c_str(), &wal) == 0) {
      t.notes.push_back("WAL at the end: " + std::to_string(wal.st_size) +
                        " bytes (checkpoint at 64 KiB).");
    }
  }
  out.tables.push_back(std::move(t));

  add_target(out, "reserve new key ÷ floor b (median)",
             ratio(sums[kReserveNew].median_us, sums[kFloorB].median_us), kReserveTarget,
             "exec + append + fdatasync");
  add_target(out, "reserve existing key ÷ floor a (median)",
             ratio(sums[kReserveExisting].median_us, sums[kFloorA].median_us), kReserveTarget,
             "exec (+ one unsynced write)");

  // Peak memory (the issue: one `trop reserve` under 8 MiB RSS), through the
  // tiny trop_bench_rss wrapper (see rss.c for why not from here).
  if (executable(o.rss_binary)) {
    table m{"latency_rss",
            "peak RSS of one process (KiB, " + std::to_string(kRssRuns) + " runs, store of " +
                std::to_string(o.store_size + 1) + "-" + std::to_string(o.store_size + 2) +
                " records)",
            {{"case", "case"}, {"max_kib", "max"}, {"median_kib", "median"}},
            {},
            {}};
    // Runs `args` under the wrapper; the peak in KiB, or -1 (error reported).
    auto peak = [&](const std::string& program, std::vector<std::string> args) -> double {
      args.insert(args.begin(), program);
      prepared_command cmd(o.rss_binary, args, io, env);
      spawn_outcome r = cmd.run();
      std::string text = read_small_file(cmd.stdout_path());
      long kib = -1;
      int status = -1;
      if (!r.ok() || std::sscanf(text.c_str(), "%ld %d", &kib, &status) != 2 || status != 0) {
        out.errors.push_back("latency: `" + cmd.display() + "` failed: " + text);
        return -1;
      }
      return static_cast<double>(kib);
    };
    std::vector<double> noop_kib, new_kib, existing_kib, list_kib, sqlite_kib;
    for (std::size_t i = 0; i < kRssRuns; ++i) {
      const std::string key = new_key_path("rss", i);
      noop_kib.push_back(peak(o.noop_binary, {}));
      new_kib.push_back(
          peak(o.trop_binary, trop_args({"reserve", "--path", key, "--allow-unrelated-path"})));
      existing_kib.push_back(peak(o.trop_binary, trop_args({"reserve", "--path", existing_path,
                                                            "--allow-unrelated-path"})));
      list_kib.push_back(peak(o.trop_binary, trop_args({"list", "--format", "json"})));
      prepared_command release(
          o.trop_binary, trop_args({"release", "--path", key, "--allow-unrelated-path"}), io, env);
      if (!run(release, nullptr)) {
        break;
      }
#ifdef TROP_BENCH_HAVE_SQLITE
      if (with_sqlite && sqlite_conn) {
        sqlite_kib.push_back(peak(o.sqlite_reserve_binary, sqlite_args(key)));
        sqlite_conn->release(key);
      }
#endif
    }
    auto row = [&](const std::string& name, const std::vector<double>& v) {
      if (!v.empty()) {
        summary sum = summarize(v);
        m.add_row({name, cell(sum.max_us, 0), cell(sum.median_us, 0)});
      }
    };
    row("floor a: trivial C program", noop_kib);
    row("trop reserve, new key", new_kib);
    row("trop reserve, existing key", existing_kib);
    row("trop list --format json", list_kib);
    row("SQLite helper, new key", sqlite_kib);
    m.notes.push_back("ru_maxrss of the process, measured by " + o.rss_binary +
                      " (a tiny wrapper, so that no parent memory is counted).");
    out.tables.push_back(std::move(m));
    if (!new_kib.empty()) {
      add_target(out,
                 "peak RSS of trop reserve (new key) at " + std::to_string(o.store_size + 1) +
                     " records, MiB",
                 *std::max_element(new_kib.begin(), new_kib.end()) / 1024.0, kRssTargetMib,
                 "max of " + std::to_string(new_kib.size()) + " runs");
    }
  }

  auto check = check_store(data, o.store_size + 1);
  for (auto& v : check.violations) {
    out.violations.push_back("latency: " + v);
  }
#ifdef TROP_BENCH_HAVE_SQLITE
  if (with_sqlite) {
    sqlite_conn.reset();
    if (std::string err = check_sqlite_store(sqlite_db, o.store_size + 1); !err.empty()) {
      out.violations.push_back("latency: " + err);
    }
    add_target(out, "reserve new key ÷ SQLite helper new key (median)",
               ratio(sums[kReserveNew].median_us, sums[kSqliteNew].median_us), 1.0,
               "trop's whole command vs the bare SQLite transaction; lower is better");
  }
#endif
}

}  // namespace trop::bench
