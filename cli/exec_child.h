// The child process of `trop exec` (docs/commands/exec.md): fork first, hand
// the reserved ports over a pipe, then the child sets its environment,
// expands its arguments, optionally binds the listening sockets it receives
// as fds 3.. (systemd's socket activation: LISTEN_FDS, LISTEN_PID,
// LISTEN_FDNAMES) and execs. Forking before the ports are known lets a lease
// name the child's own pid and start time (`--lease`); the parent forwards
// SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to the child and
// waits for it.
// Thread safety: one launch per process, from the main thread. The process
// must be single-threaded when it forks (trop is): the child runs ordinary
// code (allocation, setenv) between fork and exec.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "port_template.h"

namespace trop::cli {

// What the child does once it has its ports. REQUIRES: `argv` non-empty, its
// placeholders already checked against `bindings` (expand_port_placeholders),
// `env_names` and `fd_names` one per binding.
struct child_spec {
  std::vector<std::string> argv;         // with {port} placeholders
  std::vector<port_binding> bindings;    // tags; the ports arrive with start()
  std::vector<std::string> env_names;    // PORT, or the group's names
  std::vector<std::string> fd_names;     // LISTEN_FDNAMES entries (--bind)
  std::optional<std::string> bind_host;  // --bind: an IPv4 or IPv6 literal
};

// A forked child waiting for its ports. Signal forwarding is installed for
// the object's lifetime (signals trop itself ignores stay ignored and are not
// forwarded; signals from the terminal are not forwarded, since the child,
// in the same foreground process group, receives them itself).
class exec_child {
 public:
  // Forks. Throws cli_error (exit 5) when fork or pipe fails.
  explicit exec_child(child_spec spec);
  // Without a successful start(): the child is told to give up (it exits
  // without running anything) and is reaped. Restores the signal handlers.
  ~exec_child();
  exec_child(const exec_child&) = delete;
  exec_child& operator=(const exec_child&) = delete;

  pid_t pid() const { return pid_; }

  // Hands the ports (one per binding, in order) to the child and returns once
  // it has exec'ed. When it could not (command not found: 127; not
  // executable: 126; a socket that could not be bound: 5), the child is
  // reaped and cli_error is thrown with that code and the reason.
  void start(std::span<const std::uint16_t> ports);

  // Waits for the child, forwarding signals. Returns its exit status, or
  // 128 + N when signal N ended it (as shells report it).
  int wait();

 private:
  pid_t pid_ = -1;
  int go_fd_ = -1;      // write end: the ports
  int report_fd_ = -1;  // read end: a failure before exec (closed by exec)
  bool reaped_ = false;
};

// Checks a --bind-address value: an IPv4 or IPv6 literal. Throws cli_error
// (exit 4) otherwise.
void check_bind_address(const std::string& host);

}  // namespace trop::cli
