#include "options.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#ifndef TROP_BINARY
#define TROP_BINARY ""
#endif
#ifndef TROP_BENCH_NOOP
#define TROP_BENCH_NOOP ""
#endif
#ifndef TROP_BENCH_NOOP_STATIC
#define TROP_BENCH_NOOP_STATIC ""
#endif
#ifndef TROP_BENCH_NOOP_SYNC
#define TROP_BENCH_NOOP_SYNC ""
#endif
#ifndef TROP_BENCH_RSS
#define TROP_BENCH_RSS ""
#endif
#ifndef TROP_BENCH_SQLITE_RESERVE
#define TROP_BENCH_SQLITE_RESERVE ""
#endif

namespace trop::bench {
namespace {

constexpr int kExitUsage = 2;

constexpr const char* kHelp = R"(trop-bench: benchmarks of trop's storage engine and CLI

Usage: trop-bench [MODE...] [OPTIONS]

Modes (default: latency scale txn concurrent):
  latency   one `trop` process end to end (reserve new key, reserve existing key,
            list --format json, release; `trop --version` for start-up alone),
            median and p99 over --runs runs, against floors measured in the same run:
            (a) exec of a trivial C program, (b) that program doing one 4 KiB
            append + fdatasync in the data dir. Cases run in a shuffled order per round.
            Then the peak RSS of reserve (new and existing key) and list, 5 runs each.
  scale     the library at store sizes --sizes: open+lookup, reserve (durability
            normal and full), release, checkpoint, list and validate, with the WAL as
            use leaves it and right after a checkpoint; ratios largest/smallest
  txn       write transactions per second in one process, durability full and normal
  concurrent
            N processes at once (--workers), each reserving K new keys (--keys):
            through the trop binary (a driver process per worker spawns
            `trop reserve` K times), through the library (each process opens the
            store and runs K write transactions), and the trivial C program spawned
            the same way (the process-throughput limit); calls/s, p50/p99, lock
            wait; afterwards no port may be held twice and every key must hold the
            port it was given. With --vs-sqlite, the SQLite baseline too.
  smoke     a few-second run of all modes that also checks correctness (no port held
            twice, each key one port, validate() clean); no timing assertions.
            Same as --quick.

Output: progress on stderr; a table on stdout (or JSON with --json). The report
starts with the machine: CPU, cores, kernel, file system of the data dir, build type.
Exit status: 0 ok, 1 correctness violation or failed run, 2 usage error.

Options:
  --trop PATH              trop binary for latency and concurrent (default: the one built
                           with trop-bench)
  --noop PATH              floor program (default: trop_bench_noop built alongside)
  --noop-sync PATH         floor program with one write + fdatasync (trop_bench_noop_sync)
  --noop-static PATH       reference: the floor program linked -static (trop_bench_noop_static;
                           "" to skip)
  --runs N                 latency: measured runs per case (default 200)
  --warmup N               latency: unmeasured runs per case first (default 5)
  --trop-durability MODE   latency: pass `--durability MODE` to trop (default: trop's own)
  --store-size N           latency: fill the store with N reservations first (default 0;
                           max 60000), to see a trop process at that size
  --sizes N,N,...          scale: store sizes (default 10,1000,10000,60000; max 64000)
  --iterations N           scale: iterations per size, durability normal (default 2000)
  --full-iterations N      scale: iterations per size, durability full (default 300)
  --checkpoint-iterations N
                           scale: forced checkpoints per size, each followed by a lookup and
                           a reserve on the empty WAL (default 50)
  --scan-budget N          scale: records visited per size by list/validate (default 2000000)
  --txn-count N            txn: transactions per durability mode (default 2000)
  --workers N,N,...        concurrent: process counts (default 1,2,4,8,16,32; max 64)
  --keys K                 concurrent: new keys per worker (default 50; workers × K <= 2001,
                           trop's default range 5000-7000)
  --repeat R               concurrent: runs per series and N, shuffled (default 3); calls/s
                           is the median of the runs
  --series LIST            concurrent: which series, of spawn_limit, trop_bin, sqlite_bin,
                           trop_lib, sqlite_lib (default: all; the ratios need their pairs)
  --concurrent-durability LIST
                           concurrent: full, normal or full,normal (default full,normal)
  --vs-sqlite              add the SQLite baseline (the original tool's reserve transaction:
                           WAL, BEGIN IMMEDIATE, synchronous=FULL/NORMAL for full/normal) to
                           concurrent (helper process and in-process) and latency
  --sqlite-reserve PATH    the SQLite helper (default: trop_bench_sqlite_reserve built alongside)
  --svg FILE               write a chart (SVG) of the concurrent and scale results
  --tmp DIR                where temporary data dirs go (default $TMPDIR or /tmp);
                           its file system is what `latency` and `txn` measure
  --keep                   keep the temporary data dirs
  --quick                  same as the `smoke` mode
  --json                   print the report as JSON instead of a table
  --json-file PATH         also write the JSON report to PATH
  --quiet                  no progress on stderr
  -h, --help               this text
)";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "trop-bench: %s (see --help)\n", message.c_str());
  return kExitUsage;
}

bool parse_count(std::string_view text, std::size_t* out) {
  if (text.empty() || text.size() > 12) {
    return false;
  }
  std::size_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  *out = v;
  return true;
}

bool parse_sizes(std::string_view text, std::vector<std::size_t>* out) {
  out->clear();
  while (!text.empty()) {
    auto comma = text.find(',');
    std::size_t v = 0;
    if (!parse_count(text.substr(0, comma), &v) || v == 0 || v > 64000) {
      return false;
    }
    out->push_back(v);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return !out->empty();
}

}  // namespace

parsed_options parse_options(int argc, char** argv) {
  parsed_options p;
  bench_options& o = p.options;
  o.trop_binary = TROP_BINARY;
  o.noop_binary = TROP_BENCH_NOOP;
  o.noop_sync_binary = TROP_BENCH_NOOP_SYNC;
  o.noop_static_binary = TROP_BENCH_NOOP_STATIC;
  o.sqlite_reserve_binary = TROP_BENCH_SQLITE_RESERVE;
  o.rss_binary = TROP_BENCH_RSS;
#ifdef TROP_BENCH_HAVE_SQLITE
  o.sqlite_available = true;
#endif
  const char* tmpdir = std::getenv("TMPDIR");
  o.tmp_root = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";

  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_inline_value = false;
    if (arg.rfind("--", 0) == 0) {
      if (auto eq = arg.find('='); eq != std::string::npos) {
        value = arg.substr(eq + 1);
        arg.resize(eq);
        has_inline_value = true;
      }
    }
    // Fetches the option's value: "--x=v" or "--x v".
    auto take = [&](std::string* into) -> bool {
      if (has_inline_value) {
        *into = value;
        return true;
      }
      if (i + 1 >= argc) {
        return false;
      }
      *into = argv[++i];
      return true;
    };
    auto take_count = [&](std::size_t* into) -> bool {
      std::string v;
      return take(&v) && parse_count(v, into);
    };

    if (arg == "-h" || arg == "--help") {
      std::fputs(kHelp, stdout);
      p.exit_code = 0;
      return p;
    }
    if (arg == "latency" || arg == "scale" || arg == "txn" || arg == "concurrent") {
      o.modes.push_back(arg);
    } else if (arg == "smoke" || arg == "--quick") {
      o.smoke = true;
    } else if (arg == "--trop") {
      if (!take(&o.trop_binary)) {
        p.exit_code = usage_error("--trop needs a path");
        return p;
      }
    } else if (arg == "--noop") {
      if (!take(&o.noop_binary)) {
        p.exit_code = usage_error("--noop needs a path");
        return p;
      }
    } else if (arg == "--noop-sync") {
      if (!take(&o.noop_sync_binary)) {
        p.exit_code = usage_error("--noop-sync needs a path");
        return p;
      }
    } else if (arg == "--noop-static") {
      if (!take(&o.noop_static_binary)) {
        p.exit_code = usage_error("--noop-static needs a path");
        return p;
      }
    } else if (arg == "--sqlite-reserve") {
      if (!take(&o.sqlite_reserve_binary)) {
        p.exit_code = usage_error("--sqlite-reserve needs a path");
        return p;
      }
    } else if (arg == "--vs-sqlite") {
      if (!o.sqlite_available) {
        p.exit_code = usage_error(
            "--vs-sqlite: this trop-bench was built without SQLite (install libsqlite3-dev and "
            "rebuild)");
        return p;
      }
      o.vs_sqlite = true;
    } else if (arg == "--svg") {
      if (!take(&o.svg_file) || o.svg_file.empty()) {
        p.exit_code = usage_error("--svg needs a file name");
        return p;
      }
    } else if (arg == "--workers") {
      std::string v;
      if (!take(&v) || !parse_sizes(v, &o.workers) ||
          *std::max_element(o.workers.begin(), o.workers.end()) > 64) {
        p.exit_code = usage_error("--workers needs a comma-separated list of 1..64");
        return p;
      }
    } else if (arg == "--series") {
      std::string v;
      if (!take(&v) || v.empty()) {
        p.exit_code = usage_error("--series needs a comma-separated list");
        return p;
      }
      o.series.clear();
      for (std::size_t at = 0; at <= v.size();) {
        std::size_t comma = std::min(v.find(',', at), v.size());
        std::string kind = v.substr(at, comma - at);
        if (kind != "spawn_limit" && kind != "trop_bin" && kind != "sqlite_bin" &&
            kind != "trop_lib" && kind != "sqlite_lib") {
          p.exit_code = usage_error("--series: unknown series '" + kind + "'");
          return p;
        }
        o.series.push_back(kind);
        at = comma + 1;
      }
    } else if (arg == "--concurrent-durability") {
      std::string v;
      if (!take(&v) || (v != "full" && v != "normal" && v != "full,normal" && v != "normal,full")) {
        p.exit_code = usage_error("--concurrent-durability needs full, normal or full,normal");
        return p;
      }
      o.concurrent_durability = v == "full"     ? std::vector<std::string>{"full"}
                                : v == "normal" ? std::vector<std::string>{"normal"}
                                                : std::vector<std::string>{"full", "normal"};
    } else if (arg == "--trop-durability") {
      if (!take(&o.trop_durability) ||
          (o.trop_durability != "full" && o.trop_durability != "normal")) {
        p.exit_code = usage_error("--trop-durability needs full or normal");
        return p;
      }
    } else if (std::size_t* target = arg == "--runs"                    ? &o.runs
                                     : arg == "--warmup"                ? &o.warmup
                                     : arg == "--store-size"            ? &o.store_size
                                     : arg == "--iterations"            ? &o.iterations
                                     : arg == "--full-iterations"       ? &o.full_iterations
                                     : arg == "--checkpoint-iterations" ? &o.checkpoint_iterations
                                     : arg == "--scan-budget"           ? &o.scan_budget
                                     : arg == "--txn-count"             ? &o.txn_count
                                     : arg == "--keys"                  ? &o.keys_per_worker
                                     : arg == "--repeat"                ? &o.repeat
                                                                        : nullptr) {
      if (!take_count(target)) {
        p.exit_code = usage_error(arg + " needs a non-negative integer");
        return p;
      }
      if (arg == "--store-size" && o.store_size > 60000) {
        p.exit_code = usage_error("--store-size must be at most 60000");
        return p;
      }
      if (arg == "--txn-count" && o.txn_count > 60000) {
        p.exit_code = usage_error("--txn-count must be at most 60000 (one port per key)");
        return p;
      }
    } else if (arg == "--sizes") {
      std::string v;
      if (!take(&v) || !parse_sizes(v, &o.sizes)) {
        p.exit_code = usage_error("--sizes needs a comma-separated list of 1..64000");
        return p;
      }
    } else if (arg == "--tmp") {
      if (!take(&o.tmp_root) || o.tmp_root.empty()) {
        p.exit_code = usage_error("--tmp needs a directory");
        return p;
      }
    } else if (arg == "--keep") {
      o.keep = true;
    } else if (arg == "--json-file") {
      if (!take(&o.json_file) || o.json_file.empty()) {
        p.exit_code = usage_error("--json-file needs a path");
        return p;
      }
    } else if (arg == "--json") {
      o.json = true;
    } else if (arg == "--quiet") {
      o.quiet = true;
    } else {
      p.exit_code = usage_error("unknown argument '" + arg + "'");
      return p;
    }
  }
  if (o.smoke) {
    // A few seconds in all: enough to exercise every path, not to measure.
    o.modes = {"latency", "scale", "txn", "concurrent"};
    o.runs = std::min<std::size_t>(o.runs, 10);
    o.warmup = std::min<std::size_t>(o.warmup, 1);
    o.sizes = {10, 1000};
    o.iterations = std::min<std::size_t>(o.iterations, 50);
    o.full_iterations = std::min<std::size_t>(o.full_iterations, 10);
    o.checkpoint_iterations = std::min<std::size_t>(o.checkpoint_iterations, 5);
    o.scan_budget = std::min<std::size_t>(o.scan_budget, 20000);
    o.txn_count = std::min<std::size_t>(o.txn_count, 200);
    o.workers = {1, 4};
    o.keys_per_worker = std::min<std::size_t>(o.keys_per_worker, 5);
    o.repeat = 1;
    // Uniqueness is checked for the baseline as well when it is built.
    o.vs_sqlite = o.sqlite_available;
  } else if (o.modes.empty()) {
    o.modes = {"latency", "scale", "txn", "concurrent"};
  }
  if (std::find(o.modes.begin(), o.modes.end(), "concurrent") != o.modes.end() &&
      *std::max_element(o.workers.begin(), o.workers.end()) * o.keys_per_worker > 2001) {
    p.exit_code = usage_error(
        "concurrent: the largest --workers × --keys must fit trop's default range 5000-7000 "
        "(2001 ports)");
    return p;
  }
  if (o.runs == 0 || o.iterations == 0 || o.txn_count == 0 || o.keys_per_worker == 0 ||
      o.repeat == 0) {
    p.exit_code =
        usage_error("--runs, --iterations, --txn-count, --keys and --repeat must be at least 1");
  }
  return p;
}

}  // namespace trop::bench
