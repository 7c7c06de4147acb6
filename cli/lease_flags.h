// The lease flags of `trop reserve` (and of the commands that take reserve's
// flags, such as `trop exec`): --ttl, --owner-pid, --owner-self
// (docs/leases.md). Declares them through option_sink and turns them into a
// trop::lease.
// Thread safety: main thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "option_sink.h"
#include "trop/lease.h"

namespace trop::cli {

struct lease_flags {
  std::optional<std::string> ttl;          // --ttl <DURATION>
  std::optional<std::uint64_t> owner_pid;  // --owner-pid <PID>
  bool owner_self = false;                 // --owner-self: getppid()
};

void setup_lease_flags(option_sink& sink, lease_flags& flags);

// True when any lease flag was given (otherwise the reservation is sticky).
bool lease_flags_given(const lease_flags& flags);

// Checks what the command line alone can decide, before any configuration or
// store is read. Throws usage_failure (exit 2): --owner-pid together with
// --owner-self, a --ttl that parse_lease_duration refuses, --owner-pid 0.
void check_lease_flags(const lease_flags& flags);

// The lease the flags ask for, nullopt when none was given: expires_at =
// now + ttl, owner identified from /proc (`proc_root` for tests). Throws
// what check_lease_flags throws, and cli_error exit 4 ("Invalid arguments:
// ...") when the owner does not exist, has exited, or lives in another pid
// namespace; exit 6 when /proc cannot be read.
std::optional<lease> lease_from_flags(const lease_flags& flags, std::int64_t now,
                                      const std::string& proc_root = "/proc");

}  // namespace trop::cli
