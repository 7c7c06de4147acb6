// Regression tests for recovery bugs that the power-loss sweep
// (power_loss_test.cpp) found, each reduced to the exact sequence of file
// operations that exposed it.
#include <catch2/catch.hpp>

#include "store/wal.h"
#include "testing/fault_env.h"
#include "testing/mem_env.h"
#include "workload.h"

using namespace trop;
using namespace trop::reliability;
using testing::fault_env;

namespace {

using kind = fault_env::op_kind;

reservation record(const std::string& path, std::uint16_t port) {
  reservation r;
  r.key = {path, std::nullopt};
  r.port = port;
  r.created_at = r.last_used_at = 1'700'000'000;
  return r;
}

store_detail::wal_op put(const reservation& r) {
  store_detail::wal_op op;
  op.record = r;
  op.key = r.key;
  return op;
}

// Position of the first trace event matching (kind, path suffix) at or after `from`.
std::size_t find_event(const std::vector<fault_env::event>& trace, kind k,
                       const std::string& suffix, std::size_t from = 0) {
  for (std::size_t i = from; i < trace.size(); ++i) {
    const std::string& p = trace[i].path;
    if (trace[i].kind == k && p.size() >= suffix.size() &&
        p.compare(p.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return i;
    }
  }
  return trace.size();
}

// How many of the first `n` trace events are durable operations (crash numbering).
std::uint64_t durable_ops(const std::vector<fault_env::event>& trace, std::size_t n) {
  std::uint64_t count = 0;
  for (std::size_t i = 0; i < n && i < trace.size(); ++i) {
    count += trace[i].kind != kind::open && trace[i].kind != kind::mmap;
  }
  return count;
}

status commit_one(const store& s, const reservation& r) {
  auto t = s.begin_write();
  if (!t) {
    return t.error();
  }
  TROP_RETURN_IF_ERROR(t->put(r));
  return t->commit();
}

}  // namespace

TEST_CASE(
    "A WAL header torn by a power loss, followed by zeros or unsynced frame bytes, is an "
    "absent log rather than corruption",
    "[quick]") {
  using store_detail::scan_wal;
  const std::string torn_header(store_detail::kWalHeaderBytes, '\0');
  const std::string unflagged = store_detail::encode_frame(1, 1, 0, {put(record("/a", 5000))});
  const std::string flagged =
      store_detail::encode_frame(1, 1, store_detail::kFrameSynced, {put(record("/a", 5000))});
  const std::string older =
      store_detail::encode_frame(0, 1, store_detail::kFrameSynced, {put(record("/a", 5000))});

  // The file size reached the disk, its first sector did not.
  auto zeros = scan_wal(torn_header + std::string(200, '\0'), 1, 1);
  REQUIRE(zeros.is_ok());
  CHECK(zeros->header == store_detail::wal_scan::header_state::absent);
  CHECK(zeros->torn_tail);
  CHECK(zeros->frames.empty());

  auto tail = scan_wal(torn_header + unflagged, 1, 1);
  REQUIRE(tail.is_ok());
  CHECK(tail->header == store_detail::wal_scan::header_state::absent);

  auto stale = scan_wal(torn_header + older, 1, 1);
  REQUIRE(stale.is_ok());
  CHECK(stale->header == store_detail::wal_scan::header_state::absent);

  // A frame that a writer synced after this header proves the header was durable.
  auto damaged = scan_wal(torn_header + flagged, 1, 1);
  REQUIRE_FALSE(damaged.is_ok());
  CHECK(damaged.error().code() == error_code::corruption);
  CHECK(damaged.error().message() ==
        "trop.db-wal: header checksum mismatch, but committed frame 1 follows it at offset 32");

  // A writer resets such a log and carries on.
  testing::mem_env e;
  {
    auto s = store::open(options_on(&e, durability::full));
    REQUIRE(commit_one(*s, record("/first", 5000)).is_ok());
  }
  // A fresh generation-1 store whose WAL was reset and torn: the image holds /first
  // only after a checkpoint, so plant the torn log over an image of generation 1.
  e.set_contents("/data/trop.db-wal", torn_header + std::string(100, '\0'));
  auto s = store::open(options_on(&e, durability::full));
  REQUIRE(s->read().is_ok());
  REQUIRE(commit_one(*s, record("/second", 5001)).is_ok());
  REQUIRE(s->validate().is_ok());
  REQUIRE(dump(*s->read()).size() == 1);  // /first was only in the discarded log
}

TEST_CASE(
    "A writer that finds a stale WAL makes the checkpoint's rename durable before it "
    "resets the WAL",
    "[quick]") {
  // A writer dies at the directory fsync of a checkpoint: the new image is in
  // place in the page cache, but a power loss may still undo its rename, and
  // then the old image needs the old WAL's frames.
  auto run = [](env* e) {
    auto s = store::open(options_on(e, durability::full, 300));
    for (int i = 0; i < 5; ++i) {
      if (!commit_one(*s, record("/w/" + std::to_string(i), static_cast<std::uint16_t>(5000 + i)))
               .is_ok()) {
        return;
      }
    }
  };
  std::uint64_t crash_op = 0;
  {
    testing::mem_env probe;
    fault_env f(&probe);
    run(&f);
    auto trace = f.trace();
    // The first rename installs the empty store; the second is a checkpoint's.
    const std::size_t created = find_event(trace, kind::rename, "/trop.db-new");
    const std::size_t rename = find_event(trace, kind::rename, "/trop.db-new", created + 1);
    const std::size_t dir_sync = find_event(trace, kind::sync_dir, "/data", rename);
    REQUIRE(dir_sync < trace.size());
    crash_op = durable_ops(trace, dir_sync + 1);
  }
  testing::mem_env e;
  {
    fault_env f(&e);
    f.crash_at(crash_op);
    run(&f);
    REQUIRE(f.crashed());
    auto trace = f.trace();
    const std::size_t created = find_event(trace, kind::rename, "/trop.db-new");
    const std::size_t rename = find_event(trace, kind::rename, "/trop.db-new", created + 1);
    const std::size_t failed = find_event(trace, kind::sync_dir, "/data", rename);
    REQUIRE(failed < trace.size());
    REQUIRE(trace[failed].failed);
  }
  // The next writer (same page cache, no power loss) sees the new image and
  // a stale WAL: the directory fsync must come before the WAL's truncate.
  fault_env f(&e);
  auto s = store::open(options_on(&f, durability::full, 300));
  auto t = s->begin_write();
  REQUIRE(t.is_ok());
  auto trace = f.trace();
  const std::size_t dir_sync = find_event(trace, kind::sync_dir, "/data");
  const std::size_t truncate = find_event(trace, kind::truncate, "/trop.db-wal");
  REQUIRE(truncate < trace.size());
  REQUIRE(dir_sync < truncate);
}

TEST_CASE(
    "A synced commit after a refresh-only commit syncs the earlier frame before writing "
    "its own",
    "[quick]") {
  testing::mem_env e;
  fault_env f(&e);
  auto s = store::open(options_on(&f, durability::full));
  REQUIRE(commit_one(*s, record("/a", 5000)).is_ok());
  // Refresh-only: the same record with a later last_used_at is written unsynced.
  reservation touched = record("/a", 5000);
  touched.last_used_at += 60;
  f.clear_trace();
  REQUIRE(commit_one(*s, touched).is_ok());
  CHECK(find_event(f.trace(), kind::sync, "/trop.db-wal") == f.trace().size());
  f.clear_trace();
  REQUIRE(commit_one(*s, record("/b", 5001)).is_ok());
  auto trace = f.trace();
  const std::size_t pre = find_event(trace, kind::sync, "/trop.db-wal");
  const std::size_t write = find_event(trace, kind::write, "/trop.db-wal");
  const std::size_t post = find_event(trace, kind::sync, "/trop.db-wal", write);
  REQUIRE(pre < write);
  REQUIRE(post < trace.size());
}

TEST_CASE(
    "A synced commit after a writer that died before its fdatasync finished syncs the "
    "earlier frame first",
    "[quick]") {
  testing::mem_env e;
  {
    auto s = store::open(options_on(&e, durability::full));
    REQUIRE(commit_one(*s, record("/a", 5000)).is_ok());
  }
  {
    // This writer's frame is written, then it dies in its fdatasync (the
    // last durable operation of the commit: no checkpoint is due).
    auto probe = e.clone();
    fault_env pf(probe.get());
    REQUIRE(
        commit_one(*store::open(options_on(&pf, durability::full)), record("/b", 5001)).is_ok());
    fault_env crash(&e);
    crash.crash_at(durable_ops(pf.trace(), pf.trace().size()));
    REQUIRE(
        commit_one(*store::open(options_on(&crash, durability::full)), record("/b", 5001)).code() ==
        error_code::crashed);
    auto trace = crash.trace();
    const std::size_t sync = find_event(trace, kind::sync, "/trop.db-wal");
    REQUIRE(sync < trace.size());
    REQUIRE(trace[sync].failed);
    REQUIRE(find_event(trace, kind::write, "/trop.db-wal") < sync);
  }
  // The page cache still holds /b's flagged frame; the next synced commit
  // must make it durable before its own frame can reach the disk.
  fault_env f(&e);
  auto s = store::open(options_on(&f, durability::full));
  REQUIRE(commit_one(*s, record("/c", 5002)).is_ok());
  auto trace = f.trace();
  const std::size_t pre = find_event(trace, kind::sync, "/trop.db-wal");
  const std::size_t write = find_event(trace, kind::write, "/trop.db-wal");
  REQUIRE(pre < write);
  // Once a commit finished cleanly, the next one syncs once.
  f.clear_trace();
  REQUIRE(commit_one(*s, record("/d", 5003)).is_ok());
  trace = f.trace();
  const std::size_t w = find_event(trace, kind::write, "/trop.db-wal");
  CHECK(find_event(trace, kind::sync, "/trop.db-wal") > w);
  CHECK(find_event(trace, kind::sync, "/trop.db-wal",
                   find_event(trace, kind::sync, "/trop.db-wal") + 1) == trace.size());
}
