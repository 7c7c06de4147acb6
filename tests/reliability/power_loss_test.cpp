// Simulated power loss at every durable operation of a mixed workload
// (reserves, refresh-only reserves, groups, migrations, releases, several
// checkpoints), in both durability modes and with several seeds per point:
// the process stops at operation N, then the disk keeps, drops or tears each
// unsynced write (512-byte sectors) and may undo unsynced renames and
// creations (mem_env::simulate_power_loss). The store must open and
// validate, hold every acknowledged durable transaction, hold each
// transaction entirely or not at all, and hold a prefix of them. Recovery
// must be idempotent: a crash (and power loss) during recovery's own writes
// leaves the same logical state, and recovering again accepts new writes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>

#include "testing/fault_env.h"
#include "testing/mem_env.h"
#include "workload.h"

using namespace trop;
using namespace trop::reliability;

namespace {

constexpr int kSteps = 60;

struct reference {
  std::vector<step> steps;
  std::vector<std::vector<reservation>> states;  // after 0..kSteps steps
  std::uint64_t total_ops = 0;                   // durable operations of a clean run
};

reference make_reference(durability mode) {
  reference ref;
  ref.steps = make_steps(kSteps);
  testing::mem_env e;
  testing::fault_env f(&e);
  auto s = store::open(options_on(&f, mode));
  REQUIRE(s.is_ok());
  ref.states.push_back({});
  for (const step& st : ref.steps) {
    step_result r = run_step(*s, st, mode);
    INFO(kind_name(st.kind) << " " << st.path << ": " << r.st.message());
    REQUIRE(r.st.is_ok());
    REQUIRE(dump(*s->read()) == r.after);
    ref.states.push_back(r.after);
  }
  ref.total_ops = f.ops();
  REQUIRE(s->validate().is_ok());
  return ref;
}

struct run_outcome {
  std::size_t acked = 0;  // steps whose commit returned ok
  std::size_t floor = 0;  // steps made durable before the crash (known by acks)
};

run_outcome run_until_failure(const store& s, const reference& ref, durability mode) {
  run_outcome out;
  for (const step& st : ref.steps) {
    step_result r = run_step(s, st, mode);
    if (!r.st.is_ok()) {
      INFO(kind_name(st.kind) << " " << st.path << ": " << r.st.message());
      REQUIRE(r.st.code() == error_code::crashed);
      break;
    }
    ++out.acked;
    if (r.synced) {
      out.floor = out.acked;  // a synced commit also makes every earlier frame durable
    }
  }
  return out;
}

// Opens the store on `e`, validates it and returns k such that it reads as
// ref.states[k] with lo <= k <= hi; fails the test otherwise.
std::size_t check_store(testing::mem_env& e, durability mode, const reference& ref, std::size_t lo,
                        std::size_t hi) {
  auto s = store::open(options_on(&e, mode));
  REQUIRE(s.is_ok());
  auto snap = s->read();
  INFO("read: " << (snap ? std::string("ok") : snap.error().message()));
  REQUIRE(snap.is_ok());
  std::vector<reservation> now = dump(*snap);
  auto v = s->validate();
  if (!v) {
    // Only a store that was never created may fail validation (no trop.db).
    INFO("validate: " << v.error().message());
    REQUIRE(v.error().code() == error_code::not_found);
    REQUIRE(now.empty());
  }
  for (std::size_t k = lo; k <= hi; ++k) {
    if (ref.states[k] == now) {
      return k;
    }
  }
  INFO("expected one of states " << lo << ".." << hi << "; found " << describe(now));
  INFO("state " << lo << ": " << describe(ref.states[lo]));
  FAIL("the recovered store is not a prefix of the acknowledged transactions");
  return 0;
}

struct recovery_write {
  bool acked = false;
  std::vector<reservation> after;
};

// Recovery plus one new write: begin_write (cuts a torn tail, resets a stale
// WAL), put, commit (may checkpoint).
recovery_write recover_and_write(env* e, durability mode, const std::string& path) {
  recovery_write out;
  auto s = store::open(options_on(e, mode, 600));
  auto t = s->begin_write();
  if (!t) {
    return out;
  }
  auto port = t->view().next_free(5000, 7000, exclusion_set{});
  REQUIRE(port.is_ok());
  REQUIRE(port->has_value());
  reservation r;
  r.key = {path, std::nullopt};
  r.port = **port;
  r.created_at = r.last_used_at = 1'800'000'000;
  REQUIRE(t->put(r).is_ok());
  out.after = dump(t->view());
  out.acked = t->commit().is_ok();
  return out;
}

struct tally {
  std::uint64_t runs = 0, recovery_runs = 0, in_flight_present = 0, unsynced_lost = 0;
  testing::power_loss_report loss;
  void add(const testing::power_loss_report& r) {
    loss.writes_kept += r.writes_kept;
    loss.writes_dropped += r.writes_dropped;
    loss.writes_torn += r.writes_torn;
    loss.truncates_kept += r.truncates_kept;
    loss.truncates_dropped += r.truncates_dropped;
    loss.dir_ops_kept += r.dir_ops_kept;
    loss.dir_ops_undone += r.dir_ops_undone;
  }
};

// A crash at recovery operation M (each M), then a power loss, then recovery
// again: the logical state is still ref.states[k] (plus the new record only
// if its commit ran), and the store accepts writes. When the first crash had
// no power loss, transactions lo+1..k may still sit unsynced in the page
// cache (never acknowledged as durable), so the state may fall back to
// states[lo..k] unless the recovery's own synced commit made them durable.
void check_recovery_idempotent(const testing::mem_env& crashed, durability mode,
                               const reference& ref, std::size_t lo, std::size_t k,
                               std::uint64_t seed, tally* t) {
  std::uint64_t ops = 0;
  {
    auto e = crashed.clone();
    testing::fault_env f(e.get());
    recovery_write w = recover_and_write(&f, mode, "/recovered");
    REQUIRE(w.acked);
    ops = f.ops();
  }
  for (std::uint64_t m = 1; m <= ops; ++m) {
    INFO("recovery crash at operation " << m << " of " << ops);
    auto e = crashed.clone();
    recovery_write w;
    {
      testing::fault_env f(e.get());
      f.crash_at(m, m % 2 == 0);
      w = recover_and_write(&f, mode, "/recovered");
    }
    e->simulate_power_loss(seed * 7919 + m);
    auto s = store::open(options_on(e.get(), mode));
    auto snap = s->read();
    INFO("read: " << (snap ? std::string("ok") : snap.error().message()));
    REQUIRE(snap.is_ok());
    std::vector<reservation> now = dump(*snap);
    bool same = false;
    for (std::size_t x = lo; x <= k; ++x) {
      same = same || now == ref.states[x];
    }
    const bool with_new = !w.after.empty() && now == w.after;
    INFO("found " << describe(now));
    REQUIRE((same || with_new));
    if (w.acked && mode == durability::full) {
      REQUIRE(with_new);
    }
    if (!now.empty()) {
      auto v = s->validate();
      INFO("validate: " << (v ? std::string("ok") : v.error().message()));
      REQUIRE(v.is_ok());
    }
    recovery_write again = recover_and_write(e.get(), mode, "/recovered-again");
    REQUIRE(again.acked);
    REQUIRE(store::open(options_on(e.get(), mode))->validate().is_ok());
    REQUIRE(dump(*store::open(options_on(e.get(), mode))->read()) == again.after);
    ++t->recovery_runs;
  }
}

void power_loss_sweep(durability mode, int seeds, bool check_recovery, const char* label) {
  reference ref = make_reference(mode);
  REQUIRE(ref.total_ops > 80);
  // At least three checkpoints happened (generation counts them).
  tally t;
  for (std::uint64_t n = 1; n <= ref.total_ops + 1; ++n) {
    for (int j = 0; j <= seeds; ++j) {
      // j == 0: the process dies, the machine does not (page cache kept).
      const std::uint64_t seed = n * 1000 + static_cast<std::uint64_t>(j);
      INFO(label << ": crash at durable operation " << n << " of " << ref.total_ops
                 << (j == 0 ? ", no power loss"
                            : std::string(", power loss seed ") + std::to_string(seed)));
      testing::mem_env e;
      run_outcome out;
      {
        testing::fault_env f(&e);
        f.crash_at(n, j % 2 == 1);
        auto s = store::open(options_on(&f, mode));
        out = run_until_failure(*s, ref, mode);
      }
      std::size_t lo = out.acked;
      if (j > 0) {
        testing::power_loss_report r = e.simulate_power_loss(seed);
        INFO("power loss: " << r.describe());
        t.add(r);
        lo = out.floor;
      }
      const std::size_t hi = std::min<std::size_t>(out.acked + 1, ref.steps.size());
      INFO("acknowledged " << out.acked << ", durable floor " << out.floor);
      std::size_t k = check_store(e, mode, ref, lo, hi);
      t.in_flight_present += k == out.acked + 1;
      t.unsynced_lost += k < out.acked;
      if (check_recovery && (j <= 1)) {
        check_recovery_idempotent(e, mode, ref, j == 0 ? out.floor : k, k, seed, &t);
      }
      ++t.runs;
    }
  }
  std::printf(
      "[figure] power loss (%s): %llu crash points x %d variants (1 process crash + %d power "
      "losses) = %llu runs; recovery crash points %llu; in-flight transaction present %llu, "
      "acknowledged unsynced transactions lost %llu; %s\n",
      label, static_cast<unsigned long long>(ref.total_ops + 1), seeds + 1, seeds,
      static_cast<unsigned long long>(t.runs), static_cast<unsigned long long>(t.recovery_runs),
      static_cast<unsigned long long>(t.in_flight_present),
      static_cast<unsigned long long>(t.unsynced_lost), t.loss.describe().c_str());
}

}  // namespace

TEST_CASE(
    "Power loss at every durable operation (durability full) loses no acknowledged "
    "transaction and recovers idempotently",
    "[crash]") {
  power_loss_sweep(durability::full, 3, true, "full");
}

TEST_CASE(
    "Power loss at every durable operation (durability normal) keeps a prefix of the "
    "transactions and recovers idempotently",
    "[crash]") {
  power_loss_sweep(durability::normal, 3, true, "normal");
}

TEST_CASE("Power-loss soak: 16 seeds per durable operation, both durability modes", "[slow]") {
  power_loss_sweep(durability::full, 16, true, "full, soak");
  power_loss_sweep(durability::normal, 16, true, "normal, soak");
}

TEST_CASE("The power-loss model keeps synced data and can tear, drop or keep the rest", "[quick]") {
  // Over many seeds, a file with one synced and one unsynced multi-sector
  // write ends in each of the three shapes, and never loses synced bytes.
  bool kept = false, dropped = false, torn = false;
  for (std::uint64_t seed = 1; seed <= 64; ++seed) {
    testing::mem_env e;
    REQUIRE(e.create_dirs("/d").is_ok());
    auto f = e.open("/d/f", open_mode::read_write);
    REQUIRE(f.is_ok());
    std::string a(1024, 'a'), b(1536, 'b');
    REQUIRE((*f)->write_at(0, std::as_bytes(std::span<const char>(a.data(), a.size()))).is_ok());
    REQUIRE((*f)->sync_data().is_ok());
    REQUIRE(e.sync_dir("/d").is_ok());
    REQUIRE((*f)->write_at(1024, std::as_bytes(std::span<const char>(b.data(), b.size()))).is_ok());
    f->reset();
    e.simulate_power_loss(seed);
    std::string c = e.contents("/d/f");
    REQUIRE(c.substr(0, 1024) == a);
    if (c.size() == 1024) {
      dropped = true;
    } else if (c.substr(1024) == b) {
      kept = true;
    } else {
      REQUIRE(c.size() <= 2560);
      torn = true;
    }
  }
  REQUIRE(kept);
  REQUIRE(dropped);
  REQUIRE(torn);
}

TEST_CASE("The power-loss model may undo an unsynced rename and creation, never a synced one",
          "[quick]") {
  bool undone = false, kept = false;
  for (std::uint64_t seed = 1; seed <= 32; ++seed) {
    testing::mem_env e;
    REQUIRE(e.create_dirs("/d").is_ok());
    e.set_contents("/d/old", "old");
    {
      auto f = e.open("/d/new", open_mode::create_truncate);
      REQUIRE((*f)->write_at(0, std::as_bytes(std::span<const char>("new", 3))).is_ok());
      REQUIRE((*f)->sync_data().is_ok());
    }
    REQUIRE(e.rename("/d/new", "/d/old").is_ok());
    e.simulate_power_loss(seed);
    if (e.contents("/d/old") == "old") {
      undone = true;
    } else {
      REQUIRE(e.contents("/d/old") == "new");
      REQUIRE_FALSE(e.has("/d/new"));
      kept = true;
    }
  }
  REQUIRE(undone);
  REQUIRE(kept);
  testing::mem_env e;
  REQUIRE(e.create_dirs("/d").is_ok());
  {
    auto f = e.open("/d/x", open_mode::create_truncate);
    REQUIRE((*f)->sync_data().is_ok());
  }
  REQUIRE(e.sync_dir("/d").is_ok());
  e.simulate_power_loss(5);
  REQUIRE(e.has("/d/x"));
}
