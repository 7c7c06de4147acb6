// scale: the library's per-operation costs as the store grows. Each
// operation starts from store::open(), as a `trop` process would, so the
// numbers include mapping the image, reading and replaying the WAL, and
// verifying the checksums of every page the operation touches.
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <random>

#include "modes.h"
#include "populate.h"
#include "scratch.h"
#include "stats.h"
#include "store_check.h"
#include "trop/store.h"

namespace trop::bench {
namespace {

// The target of the issue: open+lookup+reserve at the largest size within
// 1.3x of the smallest.
constexpr double kScaleTarget = 1.3;

std::uint64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

// The operations measured at each size, in report order.
enum op : std::size_t {
  kLookup,        // open + read + find, WAL as the loop left it
  kReserve,       // durability normal
  kRelease,       // durability normal
  kLookupEmpty,   // open + read + find right after a checkpoint
  kReserveEmpty,  // durability normal, right after a checkpoint
  kCheckpoint,    // a commit that folds the WAL into a new image
  kReserveFull,
  kReleaseFull,
  kList,  // per record as well
  kValidate,
  kOpCount
};

constexpr const char* kOpNames[kOpCount] = {"open+lookup",
                                            "reserve (normal)",
                                            "release (normal)",
                                            "open+lookup, WAL empty",
                                            "reserve (normal), WAL empty",
                                            "checkpoint (commit + new image)",
                                            "reserve (full)",
                                            "release (full)",
                                            "list (read+for_each)",
                                            "validate"};

bool is_per_record(std::size_t k) {
  return k == kList || k == kValidate;
}

// The samples of one store size.
struct size_samples {
  std::vector<double> by_op[kOpCount];
  // WAL bytes before each iteration of the main (normal) loop.
  std::vector<std::uint64_t> wal_before;
  std::uint64_t image_bytes = 0;
};

struct timed_ops {
  store_options opts;
  exclusion_set none;
  std::int64_t now = env::posix()->now_unix();

  // store::open + read + find of an existing key.
  status lookup(const reservation_key& key, double* us) const {
    auto t0 = std::chrono::steady_clock::now();
    auto st = store::open(opts);
    if (!st) {
      return st.error();
    }
    auto snap = st->read();
    if (!snap) {
      return snap.error();
    }
    auto found = snap->find(key);
    *us = micros_since(t0);
    if (!found) {
      return found.error();
    }
    if (!*found) {
      return not_found("lookup: " + to_display(key) + " is missing");
    }
    return status::ok();
  }

  // store::open + begin_write + find + next_free + put + commit: a new key.
  status reserve(const std::string& path, double* us) const {
    auto t0 = std::chrono::steady_clock::now();
    auto st = store::open(opts);
    if (!st) {
      return st.error();
    }
    auto tx = st->begin_write();
    if (!tx) {
      return tx.error();
    }
    reservation_key key{path, std::nullopt};
    auto current = tx->view().find(key);
    if (!current) {
      return current.error();
    }
    if (*current) {
      return invalid_argument("reserve: " + path + " exists already");
    }
    auto port = tx->view().next_free(kFirstPort, kLastPort, none);
    if (!port) {
      return port.error();
    }
    if (!*port) {
      return status(error_code::exhausted, "reserve: no free port");
    }
    TROP_RETURN_IF_ERROR(tx->put(make_record(path, **port, now)));
    TROP_RETURN_IF_ERROR(tx->commit());
    *us = micros_since(t0);
    return status::ok();
  }

  // store::open + begin_write + find + erase + commit.
  status release(const std::string& path, double* us) const {
    auto t0 = std::chrono::steady_clock::now();
    auto st = store::open(opts);
    if (!st) {
      return st.error();
    }
    auto tx = st->begin_write();
    if (!tx) {
      return tx.error();
    }
    reservation_key key{path, std::nullopt};
    auto current = tx->view().find(key);
    if (!current) {
      return current.error();
    }
    if (!*current) {
      return not_found("release: " + path + " is missing");
    }
    TROP_RETURN_IF_ERROR(tx->erase(key));
    TROP_RETURN_IF_ERROR(tx->commit());
    *us = micros_since(t0);
    return status::ok();
  }

  // store::open + read + for_each over everything.
  status list(std::size_t expected, double* us) const {
    auto t0 = std::chrono::steady_clock::now();
    auto st = store::open(opts);
    if (!st) {
      return st.error();
    }
    auto snap = st->read();
    if (!snap) {
      return snap.error();
    }
    std::size_t count = 0;
    std::uint64_t port_sum = 0;  // consumes each record, so nothing is skipped
    TROP_RETURN_IF_ERROR(snap->for_each([&](const reservation& r) {
      ++count;
      port_sum += r.port;
      return true;
    }));
    *us = micros_since(t0);
    if (count != expected || (count > 0 && port_sum == 0)) {
      return corruption("list: visited " + std::to_string(count) + " records, expected " +
                        std::to_string(expected));
    }
    return status::ok();
  }

  status validate(std::size_t expected, double* us) const {
    auto t0 = std::chrono::steady_clock::now();
    auto st = store::open(opts);
    if (!st) {
      return st.error();
    }
    auto v = st->validate();
    *us = micros_since(t0);
    if (!v) {
      return v.error();
    }
    if (v->records != expected) {
      return corruption("validate: " + std::to_string(v->records) + " records, expected " +
                        std::to_string(expected));
    }
    return status::ok();
  }

  // A commit that refreshes one record's last_used_at through a handle with
  // checkpoint_bytes = 1, so it always rewrites the image (and empties the WAL).
  status checkpoint(const reservation_key& key, double* us) const {
    store_options forcing = opts;
    forcing.checkpoint_bytes = 1;
    auto t0 = std::chrono::steady_clock::now();
    auto st = store::open(forcing);
    if (!st) {
      return st.error();
    }
    auto tx = st->begin_write();
    if (!tx) {
      return tx.error();
    }
    auto current = tx->view().find(key);
    if (!current) {
      return current.error();
    }
    if (!*current) {
      return not_found("checkpoint: " + to_display(key) + " is missing");
    }
    reservation touched = **current;
    touched.last_used_at += 1;
    TROP_RETURN_IF_ERROR(tx->put(touched));
    TROP_RETURN_IF_ERROR(tx->commit());
    *us = micros_since(t0);
    return status::ok();
  }
};

// Runs all loops for one size; false (with an error in the report) on failure.
bool measure_size(const mode_context& ctx, std::size_t n, const std::string& data,
                  size_samples* s) {
  const bench_options& o = ctx.options;
  auto failed = [&](const std::string& what, const status& st) {
    ctx.out.errors.push_back("scale n=" + std::to_string(n) + ": " + what + ": " + st.message());
    return false;
  };
  const std::string tag = "scale n=" + std::to_string(n);
  ctx.status_line.note(tag + ": populating");
  if (status st = populate_store(data, n, 20240601 + n); !st.is_ok()) {
    return failed("populate", st);
  }
  store_paths paths(data);
  s->image_bytes = file_size(paths.image);

  timed_ops ops;
  ops.opts.data_dir = data;
  ops.opts.durability_mode = durability::normal;
  ops.opts.create_if_missing = false;
  std::mt19937_64 rng(7 + n);
  std::uniform_int_distribution<std::size_t> pick(1, n);

  auto keep = [&](op k, double us) { s->by_op[k].push_back(us); };
  auto random_key = [&] { return reservation_key{key_path("p", pick(rng)), std::nullopt}; };

  // Right after a checkpoint: what the store size costs without a WAL to
  // replay. Each iteration forces a checkpoint (measured), then a lookup and
  // a reserve on the empty WAL, then releases the key (not measured).
  for (std::size_t i = 0; i < o.checkpoint_iterations; ++i) {
    double us = 0;
    if (status st = ops.checkpoint(random_key(), &us); !st.is_ok()) {
      return failed("checkpoint", st);
    }
    keep(kCheckpoint, us);
    // Unmeasured: after the checkpoint's syncs the thread wakes on cold
    // caches, which would bias the next sample against the main loop's.
    if (status st = ops.lookup(random_key(), &us); !st.is_ok()) {
      return failed("open+lookup (WAL empty)", st);
    }
    if (status st = ops.lookup(random_key(), &us); !st.is_ok()) {
      return failed("open+lookup (WAL empty)", st);
    }
    keep(kLookupEmpty, us);
    const std::string fresh = key_path("e", i + 1);
    if (status st = ops.reserve(fresh, &us); !st.is_ok()) {
      return failed("reserve (WAL empty)", st);
    }
    keep(kReserveEmpty, us);
    if (status st = ops.release(fresh, &us); !st.is_ok()) {
      return failed("release (WAL empty)", st);
    }
    ctx.status_line.step(tag + " WAL empty", i + 1, o.checkpoint_iterations);
  }

  // The main loop. One iteration = lookup, reserve of a new key, release of
  // that key: the store keeps its size, and all three operations see the
  // same WAL fill (it grows by two frames per iteration until a commit
  // checkpoints it), as a stream of trop calls would.
  for (std::size_t i = 0; i < o.iterations; ++i) {
    s->wal_before.push_back(file_size(paths.wal));
    double us = 0;
    if (status st = ops.lookup(random_key(), &us); !st.is_ok()) {
      return failed("open+lookup", st);
    }
    keep(kLookup, us);
    const std::string fresh = key_path("r", i + 1);
    if (status st = ops.reserve(fresh, &us); !st.is_ok()) {
      return failed("reserve", st);
    }
    keep(kReserve, us);
    if (status st = ops.release(fresh, &us); !st.is_ok()) {
      return failed("release", st);
    }
    keep(kRelease, us);
    ctx.status_line.step(tag + " normal", i + 1, o.iterations);
  }

  ops.opts.durability_mode = durability::full;
  for (std::size_t i = 0; i < o.full_iterations; ++i) {
    double us = 0;
    const std::string fresh = key_path("f", i + 1);
    if (status st = ops.reserve(fresh, &us); !st.is_ok()) {
      return failed("reserve (full)", st);
    }
    keep(kReserveFull, us);
    if (status st = ops.release(fresh, &us); !st.is_ok()) {
      return failed("release (full)", st);
    }
    keep(kReleaseFull, us);
    ctx.status_line.step(tag + " full", i + 1, o.full_iterations);
  }

  // list and validate visit every record: bound the work per size.
  const std::size_t scans = std::clamp<std::size_t>(o.scan_budget / n, 20, o.iterations);
  for (std::size_t i = 0; i < scans; ++i) {
    double us = 0;
    if (status st = ops.list(n, &us); !st.is_ok()) {
      return failed("list", st);
    }
    keep(kList, us);
    if (status st = ops.validate(n, &us); !st.is_ok()) {
      return failed("validate", st);
    }
    keep(kValidate, us);
    ctx.status_line.step(tag + " list+validate", i + 1, scans);
  }
  return true;
}

// The samples whose iteration started with the WAL in [lo, hi) bytes.
std::vector<double> by_wal_fill(const std::vector<double>& samples,
                                const std::vector<std::uint64_t>& wal_before, std::uint64_t lo,
                                std::uint64_t hi) {
  std::vector<double> out;
  for (std::size_t i = 0; i < samples.size() && i < wal_before.size(); ++i) {
    if (wal_before[i] >= lo && wal_before[i] < hi) {
      out.push_back(samples[i]);
    }
  }
  return out;
}

}  // namespace

void run_scale(const mode_context& ctx) {
  const bench_options& o = ctx.options;
  report& out = ctx.out;
  scratch_dir dir(o.tmp_root, "scale", o.keep);
  if (!dir.ok()) {
    out.errors.push_back("scale: " + dir.error());
    return;
  }
  std::vector<std::size_t> sizes = o.sizes;
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());

  table t{"scale",
          "scale: library cost per operation by store size (µs)",
          {{"size", "size"},
           {"operation", "operation"},
           {"median_us", "median"},
           {"p99_us", "p99"},
           {"mean_us", "mean"},
           {"max_us", "max"},
           {"us_per_record", "µs/record"},
           {"iterations", "iterations"}},
          {},
          {}};
  table wal{"scale_wal_fill",
            "scale: median µs by WAL fill at the start of the iteration (main loop)",
            {{"size", "size"},
             {"operation", "operation"},
             {"wal_lt_16k", "WAL < 16 KiB"},
             {"wal_ge_48k", "WAL ≥ 48 KiB"},
             {"ratio", "ratio"}},
            {},
            {}};

  // by_size[k][i]: operation k at the i-th measured size.
  std::vector<summary> by_size[kOpCount];
  std::vector<std::size_t> measured;
  const std::uint64_t kCheckpointBytes = store_options{}.checkpoint_bytes;
  for (std::size_t n : sizes) {
    // Not "n" + to_string(n): GCC 12 -Wrestrict false positive at -O2.
    const std::string data = dir.sub(std::string("n") += std::to_string(n));
    size_samples s;
    if (!measure_size(ctx, n, data, &s)) {
      return;
    }
    measured.push_back(n);
    for (std::size_t k = 0; k < kOpCount; ++k) {
      summary sum = summarize(s.by_op[k]);
      by_size[k].push_back(sum);
      t.add_row({cell::integer(n), kOpNames[k], sum.median_us, sum.p99_us, sum.mean_us, sum.max_us,
                 is_per_record(k) ? cell(sum.median_us / static_cast<double>(n), 3) : cell(),
                 cell::integer(sum.count)});
    }
    for (std::size_t k : {kLookup, kReserve, kRelease}) {
      summary lo = summarize(by_wal_fill(s.by_op[k], s.wal_before, 0, kCheckpointBytes / 4));
      summary hi =
          summarize(by_wal_fill(s.by_op[k], s.wal_before, kCheckpointBytes * 3 / 4, UINT64_MAX));
      if (lo.count == 0 || hi.count == 0) {
        wal.add_row({cell::integer(n), kOpNames[k], lo.count ? cell(lo.median_us) : cell(),
                     hi.count ? cell(hi.median_us) : cell(), cell()});
      } else {
        wal.add_row({cell::integer(n), kOpNames[k], lo.median_us, hi.median_us,
                     cell(ratio(hi.median_us, lo.median_us), 2)});
      }
    }
    t.notes.push_back("n=" + std::to_string(n) + ": image " +
                      format_number(static_cast<double>(s.image_bytes) / 1024.0, 1) + " KiB");
    auto check = check_store(data, n);
    for (auto& v : check.violations) {
      out.violations.push_back("scale: " + v);
    }
    if (!o.keep) {
      std::error_code ec;
      std::filesystem::remove_all(data, ec);
    }
  }
  t.notes.push_back(
      "Every operation starts with store::open(), like a trop process, and so maps the image, "
      "reads and replays the whole WAL, and checks the CRC of each page it touches.");
  t.notes.push_back(
      "\"WAL empty\" rows: each iteration first forces a checkpoint (the checkpoint row), then "
      "measures a lookup and a reserve with nothing to replay.");
  t.notes.push_back(
      "Main loop (other normal rows): per iteration open+lookup of a random key, reserve of a new "
      "key, release of it; the WAL grows by two frames per iteration until a commit takes it past "
      "checkpoint_bytes (64 KiB) and rewrites the image, so these rows average over WAL fills "
      "and include those checkpoints (see max).");
  out.tables.push_back(std::move(t));
  wal.notes.push_back(
      "A new handle's begin_write() and read() replay the whole WAL (a handle that has "
      "committed before reads only newer frames: see txn); this split shows what the "
      "replay costs at each size. Empty cells: the WAL never reached that fill (too few "
      "iterations).");
  out.tables.push_back(std::move(wal));

  if (measured.size() < 2) {
    return;
  }
  const std::size_t small = 0, large = measured.size() - 1;
  table r{"scale_ratio",
          "scale: cost at n=" + std::to_string(measured[large]) +
              " ÷ cost at n=" + std::to_string(measured[small]),
          {{"operation", "operation"},
           {"ratio_median", "median"},
           {"ratio_p99", "p99"},
           {"ratio_mean", "mean"}},
          {},
          {}};
  auto ratio_row = [&](const std::string& name, double scale, auto field_sum) {
    r.add_row(
        {name,
         cell(scale * ratio(field_sum(large, &summary::median_us),
                            field_sum(small, &summary::median_us)),
              2),
         cell(scale * ratio(field_sum(large, &summary::p99_us), field_sum(small, &summary::p99_us)),
              2),
         cell(scale *
                  ratio(field_sum(large, &summary::mean_us), field_sum(small, &summary::mean_us)),
              2)});
  };
  for (std::size_t k = 0; k < kOpCount; ++k) {
    // list and validate visit every record: compare their cost per record.
    const double scale = is_per_record(k) ? static_cast<double>(measured[small]) /
                                                static_cast<double>(measured[large])
                                          : 1.0;
    ratio_row(is_per_record(k) ? std::string(kOpNames[k]) + " per record" : kOpNames[k], scale,
              [&](std::size_t i, double summary::*f) { return by_size[k][i].*f; });
  }
  auto combined = [&](std::size_t a, std::size_t b) {
    return [&by_size, a, b](std::size_t i, double summary::*f) {
      return by_size[a][i].*f + by_size[b][i].*f;
    };
  };
  ratio_row("open+lookup + reserve (normal)", 1.0, combined(kLookup, kReserve));
  ratio_row("open+lookup + reserve (normal), WAL empty", 1.0,
            combined(kLookupEmpty, kReserveEmpty));
  out.tables.push_back(std::move(r));

  const std::string sizes_text =
      std::to_string(measured[large]) + " vs " + std::to_string(measured[small]);
  auto target = [&](const std::string& name, std::size_t a, std::size_t b, double summary::*f,
                    const std::string& detail) {
    const double v = ratio(by_size[a][large].*f + by_size[b][large].*f,
                           by_size[a][small].*f + by_size[b][small].*f);
    add_target(out, name, v, kScaleTarget, detail);
  };
  target("open+lookup+reserve, " + sizes_text + " (median)", kLookup, kReserve, &summary::median_us,
         "normal; WAL 0-64 KiB as in use");
  target("open+lookup+reserve, " + sizes_text + " (mean)", kLookup, kReserve, &summary::mean_us,
         "normal; incl. checkpoints");
  target("open+lookup+reserve, " + sizes_text + ", WAL empty (median)", kLookupEmpty, kReserveEmpty,
         &summary::median_us, "normal; right after a checkpoint");
}

}  // namespace trop::bench
