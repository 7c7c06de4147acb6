#include "exec_child.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "errors.h"

namespace trop::cli {
namespace {

constexpr std::array<int, 6> kForwarded = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

// The child's exit code when the parent gives up before start() (a refused
// reservation): never seen by the user, who gets trop's own error.
constexpr int kGiveUp = 125;
constexpr int kNotFound = 127;
constexpr int kNotExecutable = 126;

// Signal state shared with the handler. One exec_child per process.
std::atomic<pid_t> g_child{0};
std::array<struct sigaction, kForwarded.size()> g_saved_actions{};
std::array<bool, kForwarded.size()> g_installed{};
sigset_t g_saved_mask;

static_assert(std::atomic<pid_t>::is_always_lock_free, "used from a signal handler");

void forward_signal(int sig, siginfo_t* info, void*) {
  // A signal the kernel generated for the terminal's foreground process group
  // (^C, ^\, hangup) reached the child too: forwarding would deliver it twice.
  if (info != nullptr && info->si_code == SI_KERNEL) {
    return;
  }
  const pid_t child = g_child.load();
  if (child > 0) {
    const int saved_errno = errno;
    ::kill(child, sig);
    errno = saved_errno;
  }
}

void install_forwarding() {
  sigset_t block;
  sigemptyset(&block);
  for (int sig : kForwarded) {
    sigaddset(&block, sig);
  }
  // Blocked until the child's pid is known: no signal is lost in between.
  sigprocmask(SIG_BLOCK, &block, &g_saved_mask);
  for (std::size_t i = 0; i < kForwarded.size(); ++i) {
    sigaction(kForwarded[i], nullptr, &g_saved_actions[i]);
    // A signal trop was started with ignored (nohup, a background job) stays
    // ignored, for trop and for the command, as a shell would leave it.
    g_installed[i] = g_saved_actions[i].sa_handler != SIG_IGN;
    if (g_installed[i]) {
      struct sigaction sa {};
      sa.sa_sigaction = forward_signal;
      sa.sa_flags = SA_SIGINFO | SA_RESTART;
      sigemptyset(&sa.sa_mask);
      sigaction(kForwarded[i], &sa, nullptr);
    }
  }
}

void restore_signals() {
  for (std::size_t i = 0; i < kForwarded.size(); ++i) {
    if (g_installed[i]) {
      sigaction(kForwarded[i], &g_saved_actions[i], nullptr);
      g_installed[i] = false;
    }
  }
}

bool write_all(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Reads until `size` bytes or end of file; returns the count read.
std::size_t read_full(int fd, void* data, std::size_t size) {
  auto* p = static_cast<char*>(data);
  std::size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, p + got, size - got);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    got += static_cast<std::size_t>(n);
  }
  return got;
}

// --- The child, between fork and exec -------------------------------------

// Tells the parent why the command could not start, and exits.
[[noreturn]] void child_fail(int report_fd, int code, const std::string& message) {
  std::string packet(sizeof code, '\0');
  std::memcpy(packet.data(), &code, sizeof code);
  packet += message;
  write_all(report_fd, packet.data(), packet.size());
  ::_exit(code);
}

// A listening TCP socket on host:port, or -1 with `error` set.
int listen_on(const std::string& host, std::uint16_t port, std::string* error) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  int family = AF_INET;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof *v4;
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    family = AF_INET6;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof *v6;
  } else {
    *error = std::string("invalid address ") + host;
    return -1;
  }
  const std::string where =
      (family == AF_INET6 ? std::string("[") + host + "]" : host) + ":" + std::to_string(port);
  int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("cannot create a socket for ") + where + ": " + std::strerror(errno);
    return -1;
  }
  // A connection of an earlier run in TIME_WAIT must not block the port.
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd, SOMAXCONN) != 0) {
    *error = std::string("cannot listen on ") + where + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

// Binds one socket per port and places them at fds 3, 4, ... without
// FD_CLOEXEC; `report_fd` is moved out of the way first.
void pass_sockets(const std::string& host, std::span<const std::uint16_t> ports, int* report_fd) {
  const int first_free = 3 + static_cast<int>(ports.size());
  if (*report_fd < first_free) {
    int moved = ::fcntl(*report_fd, F_DUPFD_CLOEXEC, first_free);
    if (moved < 0) {
      ::_exit(kExitIo);
    }
    ::close(*report_fd);
    *report_fd = moved;
  }
  std::vector<int> high;
  for (std::uint16_t port : ports) {
    std::string error;
    int fd = listen_on(host, port, &error);
    if (fd < 0) {
      child_fail(*report_fd, kExitIo, std::string("I/O error: ") + error);
    }
    int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, first_free);
    ::close(fd);
    if (moved < 0) {
      child_fail(*report_fd, kExitIo, std::string("I/O error: ") + std::strerror(errno));
    }
    high.push_back(moved);
  }
  for (std::size_t i = 0; i < high.size(); ++i) {
    // dup2 leaves the new descriptor without FD_CLOEXEC: it survives exec.
    if (::dup2(high[i], 3 + static_cast<int>(i)) < 0) {
      child_fail(*report_fd, kExitIo, std::string("I/O error: ") + std::strerror(errno));
    }
    ::close(high[i]);
  }
}

std::string join(const std::vector<std::string>& parts, char separator) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) {
      out += separator;
    }
    out += p;
  }
  return out;
}

[[noreturn]] void run_child(const child_spec& spec, int go_fd, int report_fd) {
  std::vector<std::uint16_t> ports(spec.bindings.size());
  const std::size_t want = ports.size() * sizeof(std::uint16_t);
  if (read_full(go_fd, ports.data(), want) != want) {
    ::_exit(kGiveUp);  // the parent gave up (or died): run nothing
  }
  ::close(go_fd);

  // The command starts with the signal state trop was started with (SIGPIPE:
  // the default; trop ignores it for its own output).
  restore_signals();
  ::signal(SIGPIPE, SIG_DFL);
  g_child.store(0);
  sigprocmask(SIG_SETMASK, &g_saved_mask, nullptr);

  try {
    std::vector<port_binding> bindings = spec.bindings;
    for (std::size_t i = 0; i < bindings.size(); ++i) {
      bindings[i].port = ports[i];
      ::setenv(spec.env_names[i].c_str(), std::to_string(ports[i]).c_str(), 1);
    }
    std::vector<std::string> args;
    args.reserve(spec.argv.size());
    for (const std::string& a : spec.argv) {
      result<std::string> expanded = expand_port_placeholders(a, bindings);
      if (!expanded) {
        child_fail(report_fd, kExitUsage, expanded.error().message());
      }
      args.push_back(std::move(*expanded));
    }
    if (spec.bind_host) {
      pass_sockets(*spec.bind_host, ports, &report_fd);
      ::setenv("LISTEN_FDS", std::to_string(ports.size()).c_str(), 1);
      ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
      ::setenv("LISTEN_FDNAMES", join(spec.fd_names, ':').c_str(), 1);
    } else {
      // Sockets trop itself may have been handed are not the command's.
      ::unsetenv("LISTEN_FDS");
      ::unsetenv("LISTEN_PID");
      ::unsetenv("LISTEN_FDNAMES");
    }
    std::vector<char*> argv;
    for (std::string& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    const int err = errno;
    const std::string& name = spec.argv.front();
    if (err == ENOENT && name.find('/') == std::string::npos) {
      child_fail(report_fd, kNotFound, std::string("command not found: ") + name);
    }
    child_fail(report_fd, err == ENOENT ? kNotFound : kNotExecutable,
               std::string("cannot execute ") + name + ": " + std::strerror(err));
  } catch (...) {
    child_fail(report_fd, kExitDomain, "internal error while starting the command");
  }
}

}  // namespace

void check_bind_address(const std::string& host) {
  in6_addr buffer{};
  if (::inet_pton(AF_INET, host.c_str(), &buffer) != 1 &&
      ::inet_pton(AF_INET6, host.c_str(), &buffer) != 1) {
    throw invalid_arguments(std::string("invalid --bind-address '") + host +
                            "': expected an IPv4 or IPv6 address");
  }
}

exec_child::exec_child(child_spec spec) {
  int go[2];
  int report[2];
  if (::pipe2(go, O_CLOEXEC) != 0) {
    throw io_failure(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  if (::pipe2(report, O_CLOEXEC) != 0) {
    const int err = errno;
    ::close(go[0]);
    ::close(go[1]);
    throw io_failure(std::string("cannot create a pipe: ") + std::strerror(err));
  }
  // Nothing buffered may be written twice (the child never uses stdio).
  std::fflush(stdout);
  std::fflush(stderr);
  install_forwarding();
  pid_ = ::fork();
  if (pid_ == 0) {
    ::close(go[1]);
    ::close(report[0]);
    run_child(spec, go[0], report[1]);
  }
  const int err = errno;
  ::close(go[0]);
  ::close(report[1]);
  if (pid_ < 0) {
    ::close(go[1]);
    ::close(report[0]);
    restore_signals();
    sigprocmask(SIG_SETMASK, &g_saved_mask, nullptr);
    throw io_failure(std::string("cannot start the command: fork: ") + std::strerror(err));
  }
  go_fd_ = go[1];
  report_fd_ = report[0];
  g_child.store(pid_);
  sigprocmask(SIG_SETMASK, &g_saved_mask, nullptr);
}

exec_child::~exec_child() {
  if (go_fd_ >= 0) {
    ::close(go_fd_);  // end of file before the ports: the child gives up
  }
  if (report_fd_ >= 0) {
    ::close(report_fd_);
  }
  if (pid_ > 0 && !reaped_) {
    int st = 0;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
  }
  g_child.store(0);
  restore_signals();
}

void exec_child::start(std::span<const std::uint16_t> ports) {
  // A child that is already gone (killed from outside) makes this write fail
  // with EPIPE; wait() then reports how it ended.
  write_all(go_fd_, ports.data(), ports.size_bytes());
  ::close(go_fd_);
  go_fd_ = -1;

  std::string report;
  char buffer[512];
  for (;;) {
    ssize_t n = ::read(report_fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    report.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(report_fd_);
  report_fd_ = -1;
  if (report.size() < sizeof(int)) {
    return;  // end of file: exec closed the pipe (or the child died of a signal)
  }
  int code = 0;
  std::memcpy(&code, report.data(), sizeof code);
  wait();
  throw cli_error(code, report.substr(sizeof code));
}

int exec_child::wait() {
  int st = 0;
  while (::waitpid(pid_, &st, 0) < 0) {
    if (errno != EINTR) {
      throw io_failure(std::string("waitpid: ") + std::strerror(errno));
    }
  }
  reaped_ = true;
  g_child.store(0);
  if (WIFSIGNALED(st)) {
    return 128 + WTERMSIG(st);
  }
  return WEXITSTATUS(st);
}

}  // namespace trop::cli
