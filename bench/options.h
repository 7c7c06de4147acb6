// trop-bench's command line: which modes to run and their parameters.
// Plain argument parsing (no CLI11): the tool has a dozen flags.
// Thread safety: plain values.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace trop::bench {

struct bench_options {
  std::vector<std::string> modes;  // latency, scale, txn, concurrent (smoke: all four)
  bool smoke = false;              // few-second versions + correctness checks

  // latency
  std::string trop_binary;  // empty = none known
  std::string noop_binary;
  std::string noop_sync_binary;
  std::string noop_static_binary;  // optional reference: the floor-a program linked -static
  std::string rss_binary;          // trop_bench_rss: peak RSS of a command
  std::size_t runs = 200;
  std::size_t warmup = 5;
  std::string trop_durability;  // passed as `--durability X` when set
  std::size_t store_size = 0;   // records put in the latency store first

  // scale
  std::vector<std::size_t> sizes = {10, 1000, 10000, 60000};
  std::size_t iterations = 2000;           // per size, durability normal
  std::size_t full_iterations = 300;       // per size, durability full
  std::size_t checkpoint_iterations = 50;  // per size: forced checkpoint + WAL-empty ops
  std::size_t scan_budget = 2000000;       // records visited per size by list/validate loops

  // txn
  std::size_t txn_count = 2000;

  // concurrent
  std::vector<std::size_t> workers = {1, 2, 4, 8, 16, 32};  // N
  std::size_t keys_per_worker = 50;                         // K
  std::size_t repeat = 3;                                   // runs per (series, N)
  std::vector<std::string> concurrent_durability = {"full", "normal"};
  // Kinds of series to run (spawn_limit trop_bin sqlite_bin trop_lib sqlite_lib); empty = all.
  std::vector<std::string> series;
  bool vs_sqlite = false;             // add the SQLite baseline (latency and concurrent)
  std::string sqlite_reserve_binary;  // the SQLite helper (trop_bench_sqlite_reserve)
  bool sqlite_available = false;      // built with SQLite

  std::string svg_file;  // chart of concurrent and scale results

  std::string tmp_root;  // where temporary data dirs are made
  bool keep = false;     // keep the temporary data dirs
  bool json = false;
  std::string json_file;  // also write the JSON report here
  bool quiet = false;
};

// The outcome of parsing: options, or an exit code (help printed, or a usage error).
struct parsed_options {
  bench_options options;
  std::optional<int> exit_code;
};

parsed_options parse_options(int argc, char** argv);

}  // namespace trop::bench
