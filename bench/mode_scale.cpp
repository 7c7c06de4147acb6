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
#include "scratch.h"
#include "stats.h"
#include "store_check.h"
#include "trop/store.h"

namespace trop::bench {
namespace {

// The target of the issue: open+lookup+reserve at the largest size within
// 1.3x of the smallest.
constexpr double kScaleTarget = 1.3;
constexpr std::uint32_t kFirstPort = 1024;
constexpr std::uint32_t kLastPort = 65535;

std::string key_path(const char* prefix, std::size_t i) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "/bench/%s%05zu", prefix, i);
  return buf;
}

reservation make_record(std::string path, std::uint16_t port, std::int64_t now) {
  reservation r;
  r.key.path = std::move(path);
  r.port = port;
  r.project = "bench";
  r.created_at = now;
  r.last_used_at = now;
  return r;
}

std::uint64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

// Fills an empty store with `n` records in one transaction, then forces a
// checkpoint (a second handle with checkpoint_bytes = 1 commits a touch of
// one record) so that everything is in the image and the WAL is empty.
status populate(const std::string& data_dir, std::size_t n, std::uint64_t seed) {
  std::vector<std::uint16_t> ports(kLastPort - kFirstPort + 1);
  std::iota(ports.begin(), ports.end(), static_cast<std::uint16_t>(kFirstPort));
  // Ports in random order: key order and port order differ, as in real stores.
  std::mt19937_64 rng(seed);
  std::shuffle(ports.begin(), ports.end(), rng);
  const std::int64_t now = env::posix()->now_unix();

  store_options opts;
  opts.data_dir = data_dir;
  opts.durability_mode = durability::normal;
  auto st = store::open(opts);
  if (!st) {
    return st.error();
  }
  {
    auto tx = st->begin_write();
    if (!tx) {
      return tx.error();
    }
    for (std::size_t i = 0; i < n; ++i) {
      TROP_RETURN_IF_ERROR(tx->put(make_record(key_path("p", i + 1), ports[i], now)));
    }
    TROP_RETURN_IF_ERROR(tx->commit());
  }
  opts.checkpoint_bytes = 1;
  auto forcing = store::open(opts);
  if (!forcing) {
    return forcing.error();
  }
  auto tx = forcing->begin_write();
  if (!tx) {
    return tx.error();
  }
  auto first = tx->view().find(reservation_key{key_path("p", 1), std::nullopt});
  if (!first || !*first) {
    return status(error_code::not_found, "populate: the first record is missing");
  }
  reservation touched = **first;
  touched.last_used_at += 1;
  TROP_RETURN_IF_ERROR(tx->put(touched));
  return tx->commit();
}

// The samples of one store size.
struct size_samples {
  std::vector<double> lookup, reserve, release, reserve_full, release_full, list, validate;
  // WAL bytes before each normal-durability iteration (for the WAL-fill split).
  std::vector<std::uint64_t> wal_before;
  std::size_t list_iterations = 0;
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
  if (status st = populate(data, n, 20240601 + n); !st.is_ok()) {
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

  // One iteration = lookup, reserve of a new key, release of that key: the
  // store keeps its size, and all three operations see the same WAL fill
  // (it grows by two frames per iteration until a commit checkpoints it).
  for (std::size_t i = 0; i < o.iterations; ++i) {
    s->wal_before.push_back(file_size(paths.wal));
    double us = 0;
    reservation_key existing{key_path("p", pick(rng)), std::nullopt};
    if (status st = ops.lookup(existing, &us); !st.is_ok()) {
      return failed("open+lookup", st);
    }
    s->lookup.push_back(us);
    const std::string fresh = key_path("r", i + 1);
    if (status st = ops.reserve(fresh, &us); !st.is_ok()) {
      return failed("reserve", st);
    }
    s->reserve.push_back(us);
    if (status st = ops.release(fresh, &us); !st.is_ok()) {
      return failed("release", st);
    }
    s->release.push_back(us);
    ctx.status_line.step(tag + " normal", i + 1, o.iterations);
  }

  ops.opts.durability_mode = durability::full;
  for (std::size_t i = 0; i < o.full_iterations; ++i) {
    double us = 0;
    const std::string fresh = key_path("f", i + 1);
    if (status st = ops.reserve(fresh, &us); !st.is_ok()) {
      return failed("reserve (full)", st);
    }
    s->reserve_full.push_back(us);
    if (status st = ops.release(fresh, &us); !st.is_ok()) {
      return failed("release (full)", st);
    }
    s->release_full.push_back(us);
    ctx.status_line.step(tag + " full", i + 1, o.full_iterations);
  }

  // list and validate visit every record: bound the work per size.
  s->list_iterations = std::clamp<std::size_t>(o.scan_budget / n, 20, o.iterations);
  for (std::size_t i = 0; i < s->list_iterations; ++i) {
    double us = 0;
    if (status st = ops.list(n, &us); !st.is_ok()) {
      return failed("list", st);
    }
    s->list.push_back(us);
    if (status st = ops.validate(n, &us); !st.is_ok()) {
      return failed("validate", st);
    }
    s->validate.push_back(us);
    ctx.status_line.step(tag + " list+validate", i + 1, s->list_iterations);
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
            "scale: median µs by WAL fill at the start of the iteration (durability normal)",
            {{"size", "size"},
             {"operation", "operation"},
             {"wal_lt_16k", "WAL < 16 KiB"},
             {"wal_ge_48k", "WAL ≥ 48 KiB"},
             {"ratio", "ratio"}},
            {},
            {}};

  struct op_summary {
    std::string name;
    std::vector<summary> by_size;
  };
  std::vector<op_summary> ops = {{"open+lookup", {}},      {"reserve (normal)", {}},
                                 {"release (normal)", {}}, {"reserve (full)", {}},
                                 {"release (full)", {}},   {"list (read+for_each)", {}},
                                 {"validate", {}}};
  std::vector<std::size_t> measured;
  const std::uint64_t kCheckpointBytes = store_options{}.checkpoint_bytes;
  for (std::size_t n : sizes) {
    const std::string data = dir.sub("n" + std::to_string(n));
    size_samples s;
    if (!measure_size(ctx, n, data, &s)) {
      return;
    }
    measured.push_back(n);
    const std::vector<double>* samples[] = {
        &s.lookup, &s.reserve, &s.release, &s.reserve_full, &s.release_full, &s.list, &s.validate};
    for (std::size_t k = 0; k < ops.size(); ++k) {
      summary sum = summarize(*samples[k]);
      ops[k].by_size.push_back(sum);
      const bool per_record = k >= 5;
      t.add_row({cell::integer(n), ops[k].name, sum.median_us, sum.p99_us, sum.mean_us, sum.max_us,
                 per_record ? cell(sum.median_us / static_cast<double>(n), 3) : cell(),
                 cell::integer(sum.count)});
    }
    for (std::size_t k = 0; k < 3; ++k) {
      summary lo = summarize(by_wal_fill(*samples[k], s.wal_before, 0, kCheckpointBytes / 4));
      summary hi =
          summarize(by_wal_fill(*samples[k], s.wal_before, kCheckpointBytes * 3 / 4, UINT64_MAX));
      if (lo.count == 0 || hi.count == 0) {
        wal.add_row({cell::integer(n), ops[k].name, lo.count ? cell(lo.median_us) : cell(),
                     hi.count ? cell(hi.median_us) : cell(), cell()});
      } else {
        wal.add_row({cell::integer(n), ops[k].name, lo.median_us, hi.median_us,
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
      "Each iteration (normal): open+lookup of a random existing key, reserve of a new key, "
      "release of it; the store keeps its size and the WAL grows by two frames per iteration "
      "until a commit passes checkpoint_bytes (64 KiB) and rewrites the image.");
  t.notes.push_back("Every operation starts with store::open(), like a trop process.");
  out.tables.push_back(std::move(t));
  wal.notes.push_back(
      "begin_write() and read() replay the whole WAL on every open; this split shows what the "
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
  for (std::size_t k = 0; k < ops.size(); ++k) {
    const summary& a = ops[k].by_size[small];
    const summary& b = ops[k].by_size[large];
    // list and validate visit every record: compare their cost per record.
    const double scale =
        k >= 5 ? static_cast<double>(measured[small]) / static_cast<double>(measured[large]) : 1.0;
    r.add_row({k >= 5 ? ops[k].name + " per record" : ops[k].name,
               cell(scale * ratio(b.median_us, a.median_us), 2),
               cell(scale * ratio(b.p99_us, a.p99_us), 2),
               cell(scale * ratio(b.mean_us, a.mean_us), 2)});
  }
  auto combined = [&](std::size_t i, double summary::*field) {
    return ops[0].by_size[i].*field + ops[1].by_size[i].*field;
  };
  const double median_ratio =
      ratio(combined(large, &summary::median_us), combined(small, &summary::median_us));
  const double mean_ratio =
      ratio(combined(large, &summary::mean_us), combined(small, &summary::mean_us));
  r.add_row({"open+lookup + reserve (normal)", cell(median_ratio, 2),
             cell(ratio(combined(large, &summary::p99_us), combined(small, &summary::p99_us)), 2),
             cell(mean_ratio, 2)});
  out.tables.push_back(std::move(r));
  const std::string sizes_text =
      std::to_string(measured[large]) + " vs " + std::to_string(measured[small]);
  add_target(out, "open+lookup+reserve, " + sizes_text + " (median)", median_ratio, kScaleTarget,
             "durability normal");
  add_target(out, "open+lookup+reserve, " + sizes_text + " (mean, incl. checkpoints)", mean_ratio,
             kScaleTarget, "durability normal");
}

}  // namespace trop::bench
