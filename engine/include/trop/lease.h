// Process-bound and timed leases: a reservation that lapses when its time
// passes or when the process that owns it is gone. A lapsed lease is not
// released by itself: the next writer reclaims it, and only once an occupancy
// probe shows its port free (an orphaned child may still listen on it).
// docs/FORMAT.md (version 2) stores the lease with the record.
// Thread safety: plain values and functions of their arguments.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "trop/status.h"

namespace trop {

// Identifies one process across pid reuse and reboots: a reused pid has
// another start time, and a reboot another boot id.
struct process_identity {
  std::int32_t pid = 0;
  // Field 22 of /proc/<pid>/stat: clock ticks after boot.
  std::uint64_t start_ticks = 0;
  // Inode of /proc/<pid>/ns/pid: liveness can only be judged from the same
  // pid namespace.
  std::uint64_t pid_namespace = 0;
  // /proc/sys/kernel/random/boot_id, as 16 raw bytes.
  std::array<std::uint8_t, 16> boot_id{};

  friend bool operator==(const process_identity&, const process_identity&) = default;
};

struct lease {
  // Unix seconds at which the lease lapses (the reservation survives while
  // now < expires_at).
  std::optional<std::int64_t> expires_at;
  // The lease lapses when this process is gone.
  std::optional<process_identity> owner;

  friend bool operator==(const lease&, const lease&) = default;
};

// Whether the owner process is alive, as seen from this process.
enum class owner_state {
  alive,
  gone,       // no such pid, another start time, or another boot
  unknowable  // recorded in another pid namespace than ours: never reclaimed by owner
};

// Reads the identity of `pid` from /proc (`proc_root` for tests). Errors:
// not_found (no such process), invalid_argument (the process lives in another
// pid namespace than this one: its liveness could not be checked later),
// io_error (/proc unreadable).
result<process_identity> identify_process(std::int32_t pid, const std::string& proc_root = "/proc");

// Compares the recorded owner with what /proc shows now.
owner_state check_owner(const process_identity& owner, const std::string& proc_root = "/proc");

// Parses a duration: a positive integer followed by s, m, h or d ("90s",
// "10m", "2h", "7d"); a bare integer is seconds. Errors: invalid_argument
// with a message naming the text.
result<std::int64_t> parse_lease_duration(const std::string& text);

}  // namespace trop
