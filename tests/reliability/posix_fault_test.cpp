// Injected system-call failures under the POSIX env (syscall_faults.h): the
// n-th open, pwrite, fdatasync, fsync (directory), ftruncate, rename or mmap
// on the store's files fails with EIO, ENOSPC, EINTR or a short write, once
// or persistently, while the mixed workload runs on a real directory. The
// engine must retry what POSIX allows it to (EINTR on open, pwrite and
// ftruncate; short writes), report everything else as an error naming the
// operation and the file, never call fdatasync again on a file whose
// fdatasync failed within that step, leak no descriptor, mapping or lock,
// and leave exactly the acknowledged transactions on disk.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "syscall_faults.h"
#include "workload.h"

using namespace trop;
using namespace trop::reliability;
namespace sys = trop::reliability::sys;

namespace {

constexpr int kSteps = 12;

struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/trop-sysfault-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
};

store_options real_options(const std::string& dir) {
  store_options o;
  o.data_dir = dir + "/data";
  o.busy_timeout = std::chrono::milliseconds(0);
  o.checkpoint_bytes = 600;
  return o;
}

std::vector<reservation> on_disk(const std::string& dir) {
  auto s = store::open(real_options(dir));
  auto snap = s->read();
  INFO("read: " << (snap ? std::string("ok") : snap.error().message()));
  REQUIRE(snap.is_ok());
  return dump(*snap);
}

// Whether another process can take the write lock right now.
bool child_can_lock(const std::string& dir) {
  pid_t pid = ::fork();
  if (pid == 0) {
    auto s = store::open(real_options(dir));
    ::_exit(s->begin_write().is_ok() ? 0 : 1);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

// Whether `message` starts with the operation the engine names for call
// `c`, followed by a path in the data directory.
bool names_operation_and_file(const std::string& message, sys::call c, const std::string& data) {
  std::vector<std::string> words;
  switch (c) {
    case sys::call::open:
      words = {"open", "open lock file", "open directory"};
      break;
    case sys::call::pwrite:
      words = {"write"};
      break;
    case sys::call::fdatasync:
      words = {"fdatasync"};
      break;
    case sys::call::fsync:
      words = {"fsync directory"};
      break;
    case sys::call::ftruncate:
      words = {"truncate"};
      break;
    case sys::call::rename:
      words = {"rename"};
      break;
    case sys::call::mmap:
      words = {"mmap"};
      break;
  }
  for (const std::string& w : words) {
    if (message.rfind(w + " " + data, 0) == 0) {
      return true;
    }
  }
  return false;
}

// EINTR and short writes that the env must absorb (retry) without failing.
bool absorbed(sys::call c, sys::fault f, bool persistent) {
  if (f == sys::fault::eintr) {
    return c == sys::call::open || c == sys::call::pwrite || c == sys::call::ftruncate;
  }
  if (f == sys::fault::short_write) {
    return c == sys::call::pwrite;
  }
  (void)persistent;
  return false;
}

struct counts {
  std::uint64_t runs = 0, injected = 0, failed_steps = 0;
};

void require_only_kept_files(const std::string& dir, const std::string& data) {
  int wal_descriptors = 0;
  for (const std::string& p : sys::open_files_under(dir)) {
    if (p == data + "/trop.db-wal" || p == data + "/trop.db-wal (deleted)") {
      ++wal_descriptors;
      continue;
    }
    REQUIRE(p == data + "/trop.db-lock");
  }
  REQUIRE(wal_descriptors <= 1);
  const auto maps = sys::mappings_under(dir);
  REQUIRE(maps.size() <= 1);
  for (const std::string& m : maps) {
    INFO(m);
    REQUIRE(m.find(data + "/trop.db") != std::string::npos);
    REQUIRE(m.find("trop.db-") == std::string::npos);
  }
}

void run_with_fault(sys::call c, std::uint64_t n, bool persistent, sys::fault f, counts* k) {
  INFO(sys::call_name(c) << " #" << n << " " << sys::fault_name(f)
                         << (persistent ? ", persistent" : ", once"));
  temp_dir d;
  const std::string data = d.path + "/data";
  const auto steps = make_steps(kSteps + 3);
  std::vector<reservation> model;
  auto s = store::open(real_options(d.path));
  sys::arm(c, n, persistent, f, d.path);
  for (int i = 0; i < kSteps + 3; ++i) {
    const step& st = steps[static_cast<std::size_t>(i)];
    INFO("step " << i << " " << kind_name(st.kind) << " " << st.path);
    if (i == kSteps) {
      sys::disarm();  // the fault clears: the store must take writes again
    }
    sys::clear_log();
    step_result r = run_step(*s, st, durability::full);
    sys::suspend();
    auto log = sys::log();
    // A failed fdatasync is final: no second one of that file in this step.
    for (std::size_t a = 0; a < log.size(); ++a) {
      if (log[a].which != sys::call::fdatasync || log[a].err == 0) {
        continue;
      }
      for (std::size_t b = a + 1; b < log.size(); ++b) {
        REQUIRE_FALSE((log[b].which == sys::call::fdatasync && log[b].path == log[a].path));
      }
    }
    if (r.st.is_ok()) {
      model = r.after;
    } else if (r.planned || r.st.code() != error_code::not_found ||
               r.st.message().find(data) != std::string::npos) {
      INFO("status: " << r.st.message());
      REQUIRE(i < kSteps);
      REQUIRE_FALSE(absorbed(c, f, persistent));
      REQUIRE(r.st.code() == error_code::io_error);
      REQUIRE(names_operation_and_file(r.st.message(), c, data));
      if (c == sys::call::rename) {
        REQUIRE(r.st.message() == "rename " + data + "/trop.db-new to " + data +
                                      "/trop.db: " + std::strerror(log.back().err));
      }
      ++k->failed_steps;
    }
    // Between transactions only the lock file's one descriptor (kept for
    // the process, by design) and what the handle keeps of its last commit
    // stay open: at most one WAL descriptor and one mapping of the image.
    require_only_kept_files(d.path, data);
    REQUIRE(on_disk(d.path) == model);
    if (!r.st.is_ok() || i + 1 == kSteps + 3) {
      REQUIRE(child_can_lock(d.path));
    }
    if (!r.st.is_ok() && std::filesystem::exists(data + "/trop.db")) {
      auto again = s->begin_write();  // the in-process lock is free too
      INFO("begin_write: " << (again ? std::string("ok") : again.error().message()));
      REQUIRE(again.is_ok());
    }
    sys::resume();
  }
  REQUIRE(s->validate().is_ok());
  s = store::open(real_options(d.path));  // the old handle lets go of its files
  for (const std::string& p : sys::open_files_under(d.path)) {
    REQUIRE(p == data + "/trop.db-lock");
  }
  REQUIRE(sys::mappings_under(d.path).empty());
  k->injected += sys::injected();
  ++k->runs;
}

}  // namespace

TEST_CASE(
    "System-call failures under the POSIX env fail cleanly, leak nothing and leave the "
    "acknowledged transactions",
    "[fault]") {
  counts k;
  for (sys::call c : sys::kCalls) {
    for (sys::fault f : {sys::fault::eio, sys::fault::enospc, sys::fault::eintr,
                         sys::fault::short_write, sys::fault::short_then_enospc}) {
      if (c != sys::call::pwrite &&
          (f == sys::fault::short_write || f == sys::fault::short_then_enospc)) {
        continue;
      }
      for (bool persistent : {false, true}) {
        for (std::uint64_t n : {1, 2, 5}) {
          run_with_fault(c, n, persistent, f, &k);
        }
      }
    }
  }
  std::printf(
      "[figure] I/O errors (POSIX system calls): %llu runs (7 calls x EIO/ENOSPC/EINTR, pwrite "
      "also short and short+ENOSPC, x once/persistent x 1st/2nd/5th call), %llu injected, "
      "%llu failed steps\n",
      static_cast<unsigned long long>(k.runs), static_cast<unsigned long long>(k.injected),
      static_cast<unsigned long long>(k.failed_steps));
}

TEST_CASE("EINTR and short writes are retried by the POSIX env; a failed fdatasync is not",
          "[fault]") {
  temp_dir d;
  auto s = store::open(real_options(d.path));
  const auto steps = make_steps(3);
  REQUIRE(run_step(*s, steps[0], durability::full).st.is_ok());
  sys::arm(sys::call::pwrite, 1, true, sys::fault::short_write, d.path);
  REQUIRE(run_step(*s, steps[1], durability::full).st.is_ok());
  sys::arm(sys::call::fdatasync, 1, false, sys::fault::eintr, d.path);
  step_result r = run_step(*s, steps[2], durability::full);
  sys::disarm();
  REQUIRE(r.st.code() == error_code::io_error);
  REQUIRE(r.st.message() == "fdatasync " + d.path + "/data/trop.db-wal: Interrupted system call");
  REQUIRE(on_disk(d.path).size() == 2);
}
