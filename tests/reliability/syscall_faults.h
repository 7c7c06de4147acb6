// Fault injection at the system-call level for the POSIX env: the test
// executable is linked with -Wl,--wrap for open, pwrite, fdatasync, fsync,
// ftruncate, rename and mmap, so every such call of the engine goes through
// a wrapper that can fail the n-th call on files below one directory. Never
// linked into trop.
// Thread safety: configure from one thread while no store is in use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace trop::reliability::sys {

enum class call { open, pwrite, fdatasync, fsync, ftruncate, rename, mmap };
inline constexpr call kCalls[] = {call::open,      call::pwrite, call::fdatasync, call::fsync,
                                  call::ftruncate, call::rename, call::mmap};
const char* call_name(call c);

enum class fault {
  eio,                // -1/EIO, nothing done
  enospc,             // -1/ENOSPC, nothing done
  eintr,              // -1/EINTR, nothing done (persistent: the next 3 calls)
  short_write,        // pwrite writes half and says so; other calls: as eio
  short_then_enospc,  // pwrite writes half, the next pwrite fails with ENOSPC
};
const char* fault_name(fault f);

// Fails the nth call (1-based) of `which` on a path below `under` (and every
// later one when persistent). Resets the counters and the log.
void arm(call which, std::uint64_t nth, bool persistent, fault how, const std::string& under);
void disarm();
// While suspended, calls pass through uncounted (for the test's own checks).
void suspend();
void resume();

struct record {
  call which;
  std::string path;
  int err;  // 0 on success
};
// The calls on paths below `under` since arm() or clear_log().
std::vector<record> log();
void clear_log();
std::uint64_t injected();

// Open descriptors and mappings of this process that refer to `dir`.
std::vector<std::string> open_files_under(const std::string& dir);
std::vector<std::string> mappings_under(const std::string& dir);

}  // namespace trop::reliability::sys
