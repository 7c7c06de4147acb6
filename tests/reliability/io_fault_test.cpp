// Injected I/O errors through the Env (fault_env over mem_env): the n-th
// call of each kind (write, fdatasync, ftruncate, rename, remove, directory
// fsync, open, mmap) fails with EIO, ENOSPC, EINTR or a short write, once or
// from then on, while the mixed workload runs. Every failed operation must
// return io_error naming the operation and the file; after every step the
// store on disk must hold exactly the acknowledged transactions; the lock
// must be free again; a failed fdatasync must never be followed by another
// fdatasync of the same file within that step; once the fault clears the
// store validates and accepts writes.
#include <catch2/catch.hpp>

#include <cstdio>
#include <map>

#include "testing/fault_env.h"
#include "testing/mem_env.h"
#include "workload.h"

using namespace trop;
using namespace trop::reliability;
using testing::fault_env;

namespace {

using kind = fault_env::op_kind;
using mode = fault_env::fault_mode;

constexpr int kSteps = 30;
constexpr kind kKinds[] = {kind::write,    kind::sync, kind::truncate, kind::rename,
                           kind::sync_dir, kind::open, kind::mmap,     kind::remove};
constexpr mode kModes[] = {mode::eio, mode::enospc, mode::eintr, mode::short_write};

std::vector<reservation> on_disk(testing::mem_env& e) {
  auto s = store::open(options_on(&e, durability::full));
  auto snap = s->read();
  REQUIRE(snap.is_ok());
  return dump(*snap);
}

// After a failed fdatasync of a file, no second fdatasync of that file.
void require_no_sync_retry(const std::vector<fault_env::event>& trace) {
  for (std::size_t i = 0; i < trace.size(); ++i) {
    if (trace[i].kind != kind::sync || !trace[i].failed) {
      continue;
    }
    for (std::size_t j = i + 1; j < trace.size(); ++j) {
      INFO("fdatasync of " << trace[i].path << " failed, then was called again");
      REQUIRE_FALSE((trace[j].kind == kind::sync && trace[j].path == trace[i].path));
    }
  }
}

struct counts {
  std::uint64_t runs = 0, injected = 0, failed_steps = 0, steps = 0;
  std::map<std::string, std::uint64_t> sites;  // "kind" -> runs
};

void run_with_fault(kind k, std::uint64_t n, bool persistent, mode m,
                    const std::vector<step>& steps, counts* c) {
  INFO(fault_env::kind_name(k) << " #" << n << " " << fault_env::mode_name(m)
                               << (persistent ? ", persistent" : ", once"));
  testing::mem_env e;
  fault_env f(&e);
  f.fail_at(k, n, persistent, m);
  auto s = store::open(options_on(&f, durability::full, 600));
  std::vector<reservation> model;
  for (const step& st : steps) {
    INFO("step " << kind_name(st.kind) << " " << st.path);
    f.clear_trace();
    step_result r = run_step(*s, st, durability::full);
    ++c->steps;
    require_no_sync_retry(f.trace());
    // The lock is free again, whatever happened.
    REQUIRE(e.lock("/data/trop.db-lock", std::chrono::milliseconds(0)).is_ok());
    if (r.st.is_ok()) {
      model = r.after;
    } else if (r.planned || r.st.code() != error_code::not_found ||
               r.st.message().find("(injected)") != std::string::npos) {
      // A failure of the environment (a planning not_found is a skipped step:
      // its key was never created because an earlier step failed).
      INFO("status: " << r.st.message());
      REQUIRE(r.st.code() == error_code::io_error);
      REQUIRE(r.st.message().find("(injected)") != std::string::npos);
      REQUIRE(r.st.message().find(" /data") != std::string::npos);
      ++c->failed_steps;
    }
    REQUIRE(on_disk(e) == model);
  }
  c->injected += f.injected();
  // The fault clears: the store validates and takes writes again.
  f.heal();
  if (e.has("/data/trop.db")) {
    auto v = store::open(options_on(&e, durability::full))->validate();
    INFO("validate: " << (v ? std::string("ok") : v.error().message()));
    REQUIRE(v.is_ok());
  }
  auto more = make_steps(kSteps + 3);
  for (std::size_t i = kSteps; i < more.size(); ++i) {
    step_result r = run_step(*s, more[i], durability::full);
    INFO("healed step: " << r.st.message());
    REQUIRE(r.st.is_ok());
    model = r.after;
  }
  REQUIRE(on_disk(e) == model);
  REQUIRE(store::open(options_on(&e, durability::full))->validate().is_ok());
  ++c->runs;
  ++c->sites[fault_env::kind_name(k)];
}

}  // namespace

TEST_CASE(
    "An I/O error at every call of every kind fails cleanly and leaves exactly the "
    "acknowledged transactions",
    "[fault]") {
  const auto steps = make_steps(kSteps);
  std::map<kind, std::uint64_t> calls;
  {
    testing::mem_env e;
    fault_env f(&e);
    auto s = store::open(options_on(&f, durability::full, 600));
    for (const step& st : steps) {
      REQUIRE(run_step(*s, st, durability::full).st.is_ok());
    }
    for (kind k : kKinds) {
      calls[k] = f.count(k);
    }
  }
  REQUIRE(calls[kind::rename] >= 4);  // store creation and at least three checkpoints
  counts c;
  for (kind k : kKinds) {
    for (mode m : kModes) {
      for (bool persistent : {false, true}) {
        for (std::uint64_t n = 1; n <= calls[k]; ++n) {
          run_with_fault(k, n, persistent, m, steps, &c);
        }
      }
    }
  }
  std::string per_kind;
  for (kind k : kKinds) {
    per_kind += std::string(" ") + fault_env::kind_name(k) + "=" + std::to_string(calls[k]);
  }
  std::printf(
      "[figure] I/O errors (fault_env): calls per kind in a %d-step run:%s; %llu runs (every "
      "call x 4 modes x once/persistent), %llu injected errors, %llu failed steps of %llu\n",
      kSteps, per_kind.c_str(), static_cast<unsigned long long>(c.runs),
      static_cast<unsigned long long>(c.injected), static_cast<unsigned long long>(c.failed_steps),
      static_cast<unsigned long long>(c.steps));
}

TEST_CASE("A failed fdatasync of a commit is not retried and the commit reports it", "[fault]") {
  testing::mem_env e;
  fault_env f(&e);
  auto s = store::open(options_on(&f, durability::full, 600));
  const auto steps = make_steps(3);
  REQUIRE(run_step(*s, steps[0], durability::full).st.is_ok());
  f.fail_at(kind::sync, f.count(kind::sync) + 1, false, mode::eio);
  f.clear_trace();
  step_result r = run_step(*s, steps[1], durability::full);
  REQUIRE(r.st.code() == error_code::io_error);
  REQUIRE(r.st.message() == "fdatasync /data/trop.db-wal: Input/output error (injected)");
  auto trace = f.trace();
  int syncs = 0;
  for (const auto& ev : trace) {
    syncs += ev.kind == kind::sync;
  }
  REQUIRE(syncs == 1);
  // The frame was cut off again: the store holds the first step only.
  REQUIRE(on_disk(e).size() == 1);
}
