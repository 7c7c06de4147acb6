// Failpoints: named steps of commit, checkpoint and recovery where a test
// build stops the process (_exit(99)) or injects an I/O error, so tests can
// kill the real binary between any two durable operations.
// Compiled in only with -DTROP_FAILPOINTS=ON (never in a release): otherwise
// TROP_FAILPOINT(site) is a no-op and TROP_FAILPOINT_ERROR(site) the constant
// false, their argument is not evaluated, and neither the site names nor the
// environment variable are in the binary.
//
// Armed by the environment (read once per process):
//   TROP_FAILPOINT=<site>:<count>[:error][,<site>:<count>[:error]...]
//     the <count>-th time <site> is reached, _exit(99) (or, with :error,
//     TROP_FAILPOINT_ERROR returns true and the caller fails the operation
//     with an io_error; only the error-capable sites honour it)
//   TROP_FAILPOINT_STATE=<file>
//     count hits in this file instead of per process, so that "the 3rd
//     checkpoint.after_rename" spans a sequence of processes
//   TROP_FAILPOINT_CHECKPOINT_BYTES=<n>
//     overrides store_options::checkpoint_bytes (so short runs checkpoint)
// Sites are listed in docs/RELIABILITY.md and kFailpointSites.
// Thread safety: hits are counted under a mutex; meant for single-threaded processes.
#pragma once

#include <cstdint>
#include <string>

#if defined(TROP_FAILPOINTS) && TROP_FAILPOINTS
namespace trop::store_detail {
// Every site the engine has, for tests that iterate over them.
extern const char* const kFailpointSites[];
extern const std::size_t kFailpointSiteCount;
// Counts a hit of `site`; may _exit(99). True when an error is to be injected.
bool failpoint(const std::string& site);
// The checkpoint threshold to use instead of `configured`.
std::uint64_t failpoint_checkpoint_bytes(std::uint64_t configured);
}  // namespace trop::store_detail
// A step where the process may be stopped.
#define TROP_FAILPOINT(site) ((void)::trop::store_detail::failpoint(site))
// A step that may also fail: true when the caller is to inject its error.
#define TROP_FAILPOINT_ERROR(site) (::trop::store_detail::failpoint(site))
#else
#define TROP_FAILPOINT(site) ((void)0)
#define TROP_FAILPOINT_ERROR(site) false
#endif
