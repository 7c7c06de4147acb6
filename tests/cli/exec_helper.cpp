// A small program for the `trop exec` tests to run as the command: it shows
// what it received (arguments, environment, descriptors, pids) and plays
// the parts the tests need (trap a signal, serve the passed socket).
//
//   exec_helper args A B ...        prints each argument on its own line
//   exec_helper env NAME ...        prints NAME=value (or NAME unset) lines
//   exec_helper pids                prints "pid P ppid Q listen_pid L"
//   exec_helper exit N              exits with status N
//   exec_helper raise SIG           kills itself with signal SIG
//   exec_helper touch FILE          creates FILE
//   exec_helper trap FILE           on SIGTERM writes "TERM" to FILE and exits
//                                   42; prints "ready" once the handler is in
//   exec_helper count-int FILE      counts SIGINTs: prints "ready", and 500 ms
//                                   after the first one writes the count to FILE
//                                   and exits 0
//   exec_helper serve               checks LISTEN_FDS=1 and LISTEN_PID, prints
//                                   "serving <PORT>", accepts one connection on
//                                   fd 3, writes "hello from <pid>\n", waits
//                                   for the client to close, exits 0
// Thread safety: a single-threaded program.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

namespace {

const char* g_marker = nullptr;
volatile sig_atomic_t g_interrupts = 0;

void on_int(int) {
  g_interrupts = g_interrupts + 1;
}

int count_interrupts(const char* file) {
  struct sigaction sa {};
  sa.sa_handler = on_int;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  std::printf("ready\n");
  std::fflush(stdout);
  while (g_interrupts == 0) {
    ::pause();
  }
  // A second, forwarded copy would arrive well within this time.
  timespec rest{0, 500 * 1000 * 1000};
  while (::nanosleep(&rest, &rest) != 0) {
  }
  int fd = ::open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::string count = std::to_string(g_interrupts);
  (void)!::write(fd, count.data(), count.size());
  ::close(fd);
  return 0;
}

void on_term(int) {
  int fd = ::open(g_marker, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    (void)!::write(fd, "TERM", 4);
    ::close(fd);
  }
  ::_exit(42);
}

int serve() {
  const char* fds = std::getenv("LISTEN_FDS");
  const char* pid = std::getenv("LISTEN_PID");
  if (fds == nullptr || std::string(fds) != "1" || pid == nullptr ||
      std::strtol(pid, nullptr, 10) != ::getpid()) {
    std::fprintf(stderr, "exec_helper: bad LISTEN_FDS/LISTEN_PID\n");
    return 10;
  }
  if (::fcntl(3, F_GETFD) & FD_CLOEXEC) {
    std::fprintf(stderr, "exec_helper: fd 3 is close-on-exec\n");
    return 11;
  }
  const char* port = std::getenv("PORT");
  std::printf("serving %s\n", port != nullptr ? port : "?");
  std::fflush(stdout);
  int conn = ::accept(3, nullptr, nullptr);
  if (conn < 0) {
    std::perror("exec_helper: accept");
    return 12;
  }
  std::string reply = "hello from " + std::to_string(::getpid()) + "\n";
  (void)!::write(conn, reply.data(), reply.size());
  // The client closes first, so the TIME_WAIT left behind is on its
  // ephemeral port, not on the reserved one (the occupancy probe counts it).
  char buffer[64];
  while (::read(conn, buffer, sizeof buffer) > 0) {
  }
  ::close(conn);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    return 100;
  }
  // SIGQUIT and friends end this program by their default action: no core files.
  struct rlimit no_core {};
  ::setrlimit(RLIMIT_CORE, &no_core);
  const std::string what = argv[1];
  if (what == "args") {
    for (int i = 2; i < argc; ++i) {
      std::printf("%s\n", argv[i]);
    }
    return 0;
  }
  if (what == "env") {
    for (int i = 2; i < argc; ++i) {
      const char* v = std::getenv(argv[i]);
      if (v != nullptr) {
        std::printf("%s=%s\n", argv[i], v);
      } else {
        std::printf("%s unset\n", argv[i]);
      }
    }
    return 0;
  }
  if (what == "pids") {
    const char* l = std::getenv("LISTEN_PID");
    std::printf("pid %d ppid %d listen_pid %s\n", static_cast<int>(::getpid()),
                static_cast<int>(::getppid()), l != nullptr ? l : "unset");
    return 0;
  }
  if (what == "exit" && argc == 3) {
    return std::atoi(argv[2]);
  }
  if (what == "raise" && argc == 3) {
    ::signal(std::atoi(argv[2]), SIG_DFL);
    ::raise(std::atoi(argv[2]));
    return 101;
  }
  if (what == "touch" && argc == 3) {
    int fd = ::open(argv[2], O_WRONLY | O_CREAT, 0644);
    return fd >= 0 ? 0 : 102;
  }
  if (what == "trap" && argc == 3) {
    g_marker = argv[2];
    ::signal(SIGTERM, on_term);
    std::printf("ready\n");
    std::fflush(stdout);
    for (;;) {
      ::pause();
    }
  }
  if (what == "count-int" && argc == 3) {
    return count_interrupts(argv[2]);
  }
  if (what == "serve") {
    return serve();
  }
  return 100;
}
