// txn: write transactions per second in one process through one store
// handle, each a new key (begin_write + next_free + put + commit), including
// the checkpoints the commits trigger. The store grows from empty to N.
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "modes.h"
#include "scratch.h"
#include "stats.h"
#include "store_check.h"
#include "trop/store.h"

namespace trop::bench {
namespace {

std::uint64_t inode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_ino) : 0;
}

struct txn_result {
  summary sum;
  std::size_t checkpoints = 0;
  double wall_s = 0;
};

// False (with an error in the report) on failure.
bool run_one(const mode_context& ctx, const std::string& data, durability mode,
             const std::string& label, txn_result* res) {
  const std::size_t n = ctx.options.txn_count;
  store_options opts;
  opts.data_dir = data;
  opts.durability_mode = mode;
  auto st = store::open(opts);
  if (!st) {
    ctx.out.errors.push_back("txn " + label + ": " + st.error().message());
    return false;
  }
  const exclusion_set none;
  const std::int64_t now = env::posix()->now_unix();
  std::vector<double> samples;
  samples.reserve(n);
  std::uint64_t image_inode = 0;
  const auto wall_start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    char path[40];
    std::snprintf(path, sizeof path, "/bench/t%05zu", i + 1);
    auto t0 = std::chrono::steady_clock::now();
    auto tx = st->begin_write();
    status s = tx.error();
    if (tx) {
      auto port = tx->view().next_free(1024, 65535, none);
      if (!port) {
        s = port.error();
      } else if (!*port) {
        s = status(error_code::exhausted, "no free port");
      } else {
        reservation r;
        r.key.path = path;
        r.port = **port;
        r.created_at = now;
        r.last_used_at = now;
        s = tx->put(r);
        if (s.is_ok()) {
          s = tx->commit();
        }
      }
    }
    samples.push_back(micros_since(t0));
    if (!s.is_ok()) {
      ctx.out.errors.push_back("txn " + label + ": transaction " + std::to_string(i + 1) + ": " +
                               s.message());
      return false;
    }
    // A checkpoint replaces trop.db by rename: a new inode (the first
    // transaction creates the store, which is not a checkpoint).
    std::uint64_t ino = inode_of(st->paths().image);
    if (image_inode != 0 && ino != image_inode) {
      ++res->checkpoints;
    }
    image_inode = ino;
    ctx.status_line.step("txn " + label, i + 1, n);
  }
  res->wall_s = micros_since(wall_start) / 1e6;
  res->sum = summarize(std::move(samples));
  return true;
}

}  // namespace

void run_txn(const mode_context& ctx) {
  const bench_options& o = ctx.options;
  scratch_dir dir(o.tmp_root, "txn", o.keep);
  if (!dir.ok()) {
    ctx.out.errors.push_back("txn: " + dir.error());
    return;
  }
  table t{
      "txn",
      "txn: write transactions in one process (" + std::to_string(o.txn_count) + " new keys each)",
      {{"durability", "durability"},
       {"txn_per_s", "txn/s"},
       {"median_us", "median µs"},
       {"p99_us", "p99 µs"},
       {"mean_us", "mean µs"},
       {"max_us", "max µs"},
       {"checkpoints", "checkpoints"}},
      {},
      {}};
  for (auto [mode, label] :
       {std::pair{durability::full, "full"}, std::pair{durability::normal, "normal"}}) {
    const std::string data = dir.sub(label);
    txn_result res;
    if (!run_one(ctx, data, mode, label, &res)) {
      return;
    }
    // Transactions per second over the timed transactions only (the
    // checkpoint-counting stat between them is excluded).
    const double per_s =
        res.sum.total_us > 0 ? 1e6 * static_cast<double>(res.sum.count) / res.sum.total_us : 0;
    t.add_row({label, cell(per_s, 0), res.sum.median_us, res.sum.p99_us, res.sum.mean_us,
               res.sum.max_us, cell::integer(res.checkpoints)});
    auto check = check_store(data, o.txn_count);
    for (auto& v : check.violations) {
      ctx.out.violations.push_back("txn: " + v);
    }
    if (!o.keep) {
      std::error_code ec;
      std::filesystem::remove_all(data, ec);
    }
  }
  t.notes.push_back(
      "One store handle; each transaction = begin_write (lock; the handle resumes from its "
      "last commit and reads only frames appended since; after a checkpoint it maps the new "
      "image) + next_free + put + commit; the store grows from 0 to N records. Checkpoints (a "
      "commit that takes the WAL past 64 KiB rewrites the image) are inside the timings.");
  ctx.out.tables.push_back(std::move(t));
}

}  // namespace trop::bench
