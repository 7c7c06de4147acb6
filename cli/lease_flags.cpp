#include "lease_flags.h"

#include <unistd.h>

#include <limits>

#include "errors.h"

namespace trop::cli {
namespace {

constexpr std::uint64_t kMaxPid = std::numeric_limits<std::int32_t>::max();

// The owner's identity, or the error the contract gives. `who` names the
// process in messages ("--owner-pid: " or "--owner-self: ").
process_identity identify_owner(std::int32_t pid, const std::string& who,
                                const std::string& proc_root) {
  result<process_identity> id = identify_process(pid, proc_root);
  if (id) {
    return *id;
  }
  const status& s = id.error();
  switch (s.code()) {
    case error_code::not_found:
    case error_code::invalid_argument:
      // The user named a process that cannot own a lease: their argument.
      throw invalid_arguments(who + s.message());
    default:
      throw cli_error(kExitDomain, who + s.message());
  }
}

}  // namespace

void setup_lease_flags(option_sink& sink, lease_flags& flags) {
  sink.text("--ttl", &flags.ttl, "DURATION",
            "Lease: the reservation lapses after DURATION (90s, 10m, 2h, 7d; bare number = "
            "seconds)");
  sink.number("--owner-pid", &flags.owner_pid, kMaxPid, "PID",
              "Lease: the reservation lapses when process PID is gone");
  sink.flag("--owner-self", &flags.owner_self,
            "Lease: the reservation lapses when the process that ran trop (its parent: the shell "
            "or script) is gone");
}

bool lease_flags_given(const lease_flags& flags) {
  return flags.ttl || flags.owner_pid || flags.owner_self;
}

void check_lease_flags(const lease_flags& flags) {
  if (flags.owner_pid && flags.owner_self) {
    throw usage_failure("the argument '--owner-pid <PID>' cannot be used with '--owner-self'");
  }
  if (flags.owner_pid && *flags.owner_pid == 0) {
    throw usage_failure("--owner-pid: invalid value '0': a process id is at least 1");
  }
  if (flags.ttl) {
    if (result<std::int64_t> d = parse_lease_duration(*flags.ttl); !d) {
      throw usage_failure(std::string("--ttl: ") + d.error().message());
    }
  }
}

std::optional<lease> lease_from_flags(const lease_flags& flags, std::int64_t now,
                                      const std::string& proc_root) {
  check_lease_flags(flags);
  if (!lease_flags_given(flags)) {
    return std::nullopt;
  }
  lease l;
  if (flags.ttl) {
    // parse_lease_duration caps durations at a century: no overflow.
    l.expires_at = now + *parse_lease_duration(*flags.ttl);
  }
  if (flags.owner_pid) {
    l.owner =
        identify_owner(static_cast<std::int32_t>(*flags.owner_pid), "--owner-pid: ", proc_root);
  } else if (flags.owner_self) {
    const pid_t parent = ::getppid();
    if (parent <= 0) {
      // getppid() is 0 when the parent lives in another pid namespace
      // (e.g. `docker exec`, `nsenter`).
      throw invalid_arguments(
          "--owner-self: the parent process of trop is in another pid namespace; its lifetime "
          "cannot be checked from here");
    }
    l.owner = identify_owner(static_cast<std::int32_t>(parent), "--owner-self: ", proc_root);
  }
  return l;
}

}  // namespace trop::cli
