// A store handle keeps its replayed state between write transactions and
// reads only what other writers appended since (store.cpp,
// write_state_cache). These tests check that it is used (no new mapping of
// the image: fault_env counts maps) and that it is never trusted when the
// files changed under it: another handle's commits, checkpoints and
// recreate, a torn tail, a replaced WAL, a power loss, an abort, a failed
// commit, a transaction still alive.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "store/wal.h"
#include "store_fixture.h"
#include "testing/fault_env.h"

using namespace trop;
using trop::test::commit_put;
using trop::test::dump;
using trop::test::make_record;
using trop::test::mem_options;
using trop::test::temp_dir;
using kind = trop::testing::fault_env::op_kind;

namespace {

// The ports of every record a fresh transaction of `s` sees, in key order.
std::vector<std::uint16_t> ports_seen_by_writer(const store& s) {
  auto t = s.begin_write();
  REQUIRE(t.is_ok());
  std::vector<std::uint16_t> ports;
  for (const reservation& r : dump(t->view())) {
    ports.push_back(r.port);
  }
  REQUIRE(t->commit().is_ok());  // no change: the handle keeps its state
  return ports;
}

// A store in `d` on the real file system, durability normal.
store_options real_options(const temp_dir& d, std::uint64_t checkpoint_bytes) {
  store_options o;
  o.data_dir = d.path + "/data";
  o.durability_mode = durability::normal;
  o.checkpoint_bytes = checkpoint_bytes;
  return o;
}

std::vector<std::uint16_t> ports_of(const std::vector<reservation>& rs) {
  std::vector<std::uint16_t> ports;
  for (const reservation& r : rs) {
    ports.push_back(r.port);
  }
  return ports;
}

}  // namespace

TEST_CASE("A handle's next write transaction resumes without mapping the image again", "[quick]") {
  testing::mem_env e;
  testing::fault_env f(&e);
  auto s = store::open(mem_options(&f));
  commit_put(*s, make_record("/a", 5000));
  const auto maps = f.count(kind::mmap);
  const auto opens = f.count(kind::open);
  commit_put(*s, make_record("/b", 5001));
  commit_put(*s, make_record("/c", 5002));
  CHECK(f.count(kind::mmap) == maps);
  CHECK(f.count(kind::open) == opens);
  REQUIRE(ports_of(dump(*s->read())) == std::vector<std::uint16_t>{5000, 5001, 5002});
  REQUIRE(s->validate().is_ok());
}

TEST_CASE("A handle with keep_write_state off loads afresh for every write transaction",
          "[quick]") {
  testing::mem_env e;
  testing::fault_env f(&e);
  store_options o = mem_options(&f);
  o.keep_write_state = false;
  auto s = store::open(o);
  commit_put(*s, make_record("/a", 5000));
  const auto maps = f.count(kind::mmap);
  commit_put(*s, make_record("/b", 5001));
  CHECK(f.count(kind::mmap) == maps + 1);
  REQUIRE(ports_of(dump(*s->read())) == std::vector<std::uint16_t>{5000, 5001});
}

TEST_CASE("A resumed transaction sees what other handles committed meanwhile", "[quick]") {
  testing::mem_env e;
  testing::fault_env f(&e);
  auto a = store::open(mem_options(&f));
  auto b = store::open(mem_options(&f));
  commit_put(*a, make_record("/a", 5000));
  commit_put(*b, make_record("/b", 5001));
  const auto maps = f.count(kind::mmap);
  {
    auto t = a->begin_write();
    REQUIRE(t.is_ok());
    CHECK(f.count(kind::mmap) == maps);  // resumed, reading b's frame only
    REQUIRE(ports_of(dump(t->view())) == std::vector<std::uint16_t>{5000, 5001});
    auto next = t->view().next_free(5000, 5010, exclusion_set{});
    REQUIRE(next.is_ok());
    REQUIRE(**next == 5002);
    // A put of b's port by another key is refused: the state knows it.
    REQUIRE(t->put(make_record("/x", 5001)).code() == error_code::conflict);
    REQUIRE(t->erase({"/b", std::nullopt}).is_ok());
    REQUIRE(t->commit().is_ok());
  }
  commit_put(*b, make_record("/c", 5001));
  REQUIRE(ports_seen_by_writer(*a) == std::vector<std::uint16_t>{5000, 5001});
  REQUIRE(ports_seen_by_writer(*b) == std::vector<std::uint16_t>{5000, 5001});
  REQUIRE(a->validate().is_ok());
}

TEST_CASE("Another handle's checkpoint or recreate makes a handle load afresh", "[quick]") {
  testing::mem_env e;
  testing::fault_env f(&e);
  auto a = store::open(mem_options(&f, 600));
  auto b = store::open(mem_options(&f, 600));
  commit_put(*a, make_record("/a", 5000));
  // b commits until its WAL passes 600 bytes and folds into a new image.
  std::vector<std::uint16_t> expected{5000};
  for (int i = 1; i <= 12; ++i) {
    commit_put(*b,
               make_record("/b/" + std::to_string(100 + i), static_cast<std::uint16_t>(5000 + i)));
    expected.push_back(static_cast<std::uint16_t>(5000 + i));
  }
  const auto maps = f.count(kind::mmap);
  REQUIRE(ports_seen_by_writer(*a) == expected);
  CHECK(f.count(kind::mmap) > maps);  // the image changed: mapped again

  REQUIRE(b->recreate().is_ok());
  REQUIRE(ports_seen_by_writer(*a).empty());
  commit_put(*a, make_record("/z", 6000));
  REQUIRE(ports_seen_by_writer(*b) == std::vector<std::uint16_t>{6000});
  REQUIRE(a->validate().is_ok());
}

TEST_CASE("A handle does not resume from an aborted or failed transaction", "[quick]") {
  testing::mem_env e;
  testing::fault_env f(&e);
  auto s = store::open(mem_options(&f));
  commit_put(*s, make_record("/a", 5000));
  {
    // A refused put changes nothing.
    auto t = s->begin_write();
    REQUIRE(t->put(make_record("/taken", 5000)).code() == error_code::conflict);
  }
  {
    auto t = s->begin_write();
    REQUIRE(t->put(make_record("/aborted", 5001)).is_ok());
    t->abort();
  }
  {
    auto t = s->begin_write();
    REQUIRE(t->put(make_record("/dropped", 5002)).is_ok());
  }  // destroyed without commit
  REQUIRE(ports_seen_by_writer(*s) == std::vector<std::uint16_t>{5000});
  {
    auto t = s->begin_write();
    REQUIRE(t->put(make_record("/failed", 5003)).is_ok());
    f.fail_at(kind::write, f.count(kind::write) + 1);
    REQUIRE(t->commit().code() == error_code::io_error);
    f.heal();
  }
  REQUIRE(ports_seen_by_writer(*s) == std::vector<std::uint16_t>{5000});
  REQUIRE(ports_of(dump(*s->read())) == std::vector<std::uint16_t>{5000});
}

TEST_CASE("A committed transaction's view is not changed by the handle's next one", "[quick]") {
  testing::mem_env e;
  auto s = store::open(mem_options(&e));
  auto first = s->begin_write();
  REQUIRE(first->put(make_record("/a", 5000)).is_ok());
  REQUIRE(first->commit().is_ok());
  commit_put(*s, make_record("/b", 5001));
  REQUIRE(ports_of(dump(first->view())) == std::vector<std::uint16_t>{5000});
  REQUIRE(ports_seen_by_writer(*s) == std::vector<std::uint16_t>{5000, 5001});
}

TEST_CASE("A resumed transaction cuts off a torn tail another writer left", "[quick]") {
  testing::mem_env e;
  auto s = store::open(mem_options(&e));
  auto other = store::open(mem_options(&e));
  commit_put(*s, make_record("/a", 5000));
  commit_put(*other, make_record("/b", 5001));
  // A writer that died while appending: half a frame after b's.
  std::string wal = e.contents("/data/trop.db-wal");
  const std::size_t committed_end = wal.size();
  std::string frame = store_detail::encode_frame(1, 3, 0, {});
  {
    auto f = e.open("/data/trop.db-wal", open_mode::read_write);
    REQUIRE(f.is_ok());
    std::string half = frame.substr(0, frame.size() / 2);
    REQUIRE((*f)->write_at(committed_end, std::as_bytes(std::span<const char>(half))).is_ok());
  }
  commit_put(*s, make_record("/c", 5002));
  REQUIRE(ports_of(dump(*s->read())) == std::vector<std::uint16_t>{5000, 5001, 5002});
  REQUIRE(s->validate().is_ok());
  REQUIRE(ports_seen_by_writer(*other) == std::vector<std::uint16_t>{5000, 5001, 5002});
}

TEST_CASE("A power loss or planted bytes make a handle load afresh", "[quick]") {
  testing::mem_env e;
  auto s = store::open(mem_options(&e));
  commit_put(*s, make_record("/a", 5000));
  store_options normal = mem_options(&e);
  normal.durability_mode = durability::normal;
  auto n = store::open(normal);
  commit_put(*n, make_record("/b", 5001));  // not synced
  REQUIRE(ports_seen_by_writer(*n) == std::vector<std::uint16_t>{5000, 5001});
  e.simulate_power_loss();
  REQUIRE(ports_seen_by_writer(*n) == std::vector<std::uint16_t>{5000});

  // The WAL's bytes replaced by a copy of an older WAL: the handle reloads
  // instead of trusting what it read before.
  commit_put(*s, make_record("/c", 5002));
  const std::string older = e.contents("/data/trop.db-wal");
  commit_put(*s, make_record("/d", 5003));
  e.set_contents("/data/trop.db-wal", older);
  REQUIRE(ports_seen_by_writer(*s) == std::vector<std::uint16_t>{5000, 5002});
}

TEST_CASE("On real files a handle resumes and follows other handles' changes", "[quick]") {
  temp_dir d;
  const store_options o = real_options(d, 700);
  auto a = store::open(o);
  auto b = store::open(o);
  REQUIRE(a.is_ok());
  REQUIRE(b.is_ok());
  std::vector<std::uint16_t> expected;
  for (int i = 0; i < 40; ++i) {
    const store& writer = i % 3 == 0 ? *b : *a;
    auto port = static_cast<std::uint16_t>(5000 + i);
    commit_put(writer, make_record("/k/" + std::to_string(100 + i), port));
    expected.push_back(port);
    REQUIRE(ports_seen_by_writer(*a) == expected);
    REQUIRE(ports_seen_by_writer(*b) == expected);
  }
  // The WAL replaced by another file (a new inode with the same bytes but
  // one frame fewer): a resuming handle must not read on from its old offset.
  const std::string wal = o.data_dir + "/trop.db-wal";
  const auto before_last = std::filesystem::file_size(wal);
  commit_put(*a, make_record("/last", 6000));
  std::filesystem::copy_file(wal, wal + ".copy");
  std::filesystem::resize_file(wal + ".copy", before_last);
  std::filesystem::permissions(
      wal + ".copy", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::rename(wal + ".copy", wal);
  REQUIRE(ports_seen_by_writer(*a) == expected);
  REQUIRE(b->validate().is_ok());
  REQUIRE(b->recreate().is_ok());
  REQUIRE(ports_seen_by_writer(*a).empty());

  // The WAL's name swapped for a symbolic link to the same file: a handle
  // that resumed would write through its old descriptor; it must load
  // afresh, and a private store refuses the link.
  commit_put(*a, make_record("/after", 6001));
  std::filesystem::rename(wal, wal + ".real");
  std::filesystem::create_symlink(wal + ".real", wal);
  auto t = a->begin_write();
  REQUIRE_FALSE(t.is_ok());
  REQUIRE(t.error().code() == error_code::io_error);
}

TEST_CASE("Processes that each keep one handle never hand out a port twice", "[quick]") {
  // Each process resumes from its own last commit and must still see every
  // other process's frames, across checkpoints (a small checkpoint_bytes
  // makes them frequent). A handle that missed a frame would give away a
  // port that is taken: replay and validate() would then find two keys on
  // one port.
  temp_dir d;
  store_options o = real_options(d, 2048);
  o.busy_timeout = std::chrono::milliseconds(20000);
  constexpr int kProcesses = 4;
  constexpr int kEach = 150;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = ::fork();
    if (pid == 0) {
      int code = 0;
      auto s = store::open(o);
      for (int i = 0; i < kEach && code == 0; ++i) {
        auto t = s->begin_write();
        if (!t) {
          code = 2;
          break;
        }
        auto port = t->view().next_free(5000, 9000, exclusion_set{});
        if (!port || !*port) {
          code = 3;
          break;
        }
        auto r = make_record("/p" + std::to_string(p) + "/" + std::to_string(i), **port);
        if (!t->put(r).is_ok() || !t->commit().is_ok()) {
          code = 4;
        }
      }
      ::_exit(code);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int st = 0;
    REQUIRE(::waitpid(pid, &st, 0) == pid);
    REQUIRE(WIFEXITED(st));
    REQUIRE(WEXITSTATUS(st) == 0);
  }
  auto s = store::open(o);
  REQUIRE(s->validate().is_ok());
  const auto all = dump(*s->read());
  REQUIRE(all.size() == static_cast<std::size_t>(kProcesses * kEach));
  std::set<std::uint16_t> ports;
  for (const reservation& r : all) {
    ports.insert(r.port);
  }
  REQUIRE(ports.size() == all.size());
}
