#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>

extern char** environ;

namespace trop::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

void close_quietly(int& fd) {
  if (fd >= 0) {
    ::close(fd);  // not retried on EINTR: the descriptor is gone either way on Linux
    fd = -1;
  }
}

[[noreturn]] void fail(const std::string& what, int err) {
  throw std::runtime_error(what + ": " + std::strerror(err));
}

}  // namespace

child_process::child_process(process_options options) : options_(std::move(options)) {
  if (options_.argv.empty()) {
    throw std::runtime_error("child_process: empty argv");
  }
  int out[2];
  int err[2];
  int in[2] = {-1, -1};
  if (::pipe2(out, O_CLOEXEC) != 0) {
    fail("pipe2", errno);
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    int e = errno;
    ::close(out[0]);
    ::close(out[1]);
    fail("pipe2", e);
  }
  const bool feed_stdin = !options_.stdin_data.empty();
  if (feed_stdin && ::pipe2(in, O_CLOEXEC) != 0) {
    int e = errno;
    for (int fd : {out[0], out[1], err[0], err[1]}) {
      ::close(fd);
    }
    fail("pipe2", e);
  }

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (feed_stdin) {
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  } else {
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  if (!options_.cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&fa, options_.cwd.c_str());
  }

  // The child starts with default signal dispositions and nothing blocked,
  // whatever the test process did (e.g. ignoring SIGPIPE).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all;
  sigset_t none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> argv = exec_array(options_.argv);
  std::vector<char*> envp;
  if (options_.env) {
    envp = exec_array(*options_.env);
  }

  start_ = steady_clock::now();
  const bool search = options_.argv[0].find('/') == std::string::npos;
  int rc = search ? ::posix_spawnp(&pid_, argv[0], &fa, &attr, argv.data(),
                                   options_.env ? envp.data() : environ)
                  : ::posix_spawn(&pid_, argv[0], &fa, &attr, argv.data(),
                                  options_.env ? envp.data() : environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]);
  ::close(err[1]);
  if (feed_stdin) {
    ::close(in[0]);
  }
  out_fd_ = out[0];
  err_fd_ = err[0];
  in_fd_ = in[1];
  if (rc != 0) {
    pid_ = -1;
    close_fds();
    fail("posix_spawn " + options_.argv[0], rc);
  }
  if (in_fd_ >= 0) {
    // Never block on a child that does not read its stdin.
    ::fcntl(in_fd_, F_SETFL, ::fcntl(in_fd_, F_GETFL) | O_NONBLOCK);
  }
}

child_process::~child_process() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
  }
  close_fds();
}

void child_process::close_fds() {
  close_quietly(out_fd_);
  close_quietly(err_fd_);
  close_quietly(in_fd_);
}

bool child_process::pump(milliseconds timeout) {
  pollfd fds[3];
  int n = 0;
  if (out_fd_ >= 0) {
    fds[n++] = {out_fd_, POLLIN, 0};
  }
  if (err_fd_ >= 0) {
    fds[n++] = {err_fd_, POLLIN, 0};
  }
  if (in_fd_ >= 0) {
    fds[n++] = {in_fd_, POLLOUT, 0};
  }
  if (n == 0) {
    return false;
  }
  int rc = ::poll(fds, static_cast<nfds_t>(n), static_cast<int>(timeout.count()));
  if (rc < 0) {
    if (errno == EINTR) {
      return true;
    }
    fail("poll", errno);
  }
  for (int i = 0; i < n; ++i) {
    if (fds[i].revents == 0) {
      continue;
    }
    if (fds[i].fd == in_fd_) {
      const std::string& data = options_.stdin_data;
      ssize_t w = ::write(in_fd_, data.data() + in_written_, data.size() - in_written_);
      if (w > 0) {
        in_written_ += static_cast<std::size_t>(w);
      }
      if ((w < 0 && errno != EAGAIN && errno != EINTR) || in_written_ == data.size()) {
        close_quietly(in_fd_);
      }
      continue;
    }
    char buf[65536];
    ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
    if (r > 0) {
      (fds[i].fd == out_fd_ ? out_ : err_).append(buf, static_cast<std::size_t>(r));
    } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
      close_quietly(fds[i].fd == out_fd_ ? out_fd_ : err_fd_);
    }
  }
  return out_fd_ >= 0 || err_fd_ >= 0;
}

std::optional<std::string> child_process::read_stdout_line(milliseconds timeout) {
  const auto deadline = steady_clock::now() + timeout;
  for (;;) {
    std::size_t nl = out_.find('\n', line_pos_);
    if (nl != std::string::npos) {
      std::string line = out_.substr(line_pos_, nl - line_pos_);
      line_pos_ = nl + 1;
      return line;
    }
    auto now = steady_clock::now();
    if (now >= deadline || out_fd_ < 0) {
      return std::nullopt;
    }
    pump(std::chrono::duration_cast<milliseconds>(deadline - now) + milliseconds(1));
  }
}

void child_process::kill(int sig) {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, sig);
  }
}

process_result child_process::wait() {
  process_result res;
  const auto deadline = start_ + options_.timeout;
  bool killed = false;
  for (;;) {
    auto now = steady_clock::now();
    if (!killed && now >= deadline) {
      ::kill(pid_, SIGKILL);
      killed = true;
      res.timed_out = true;
    }
    // After a kill, output held open by a grandchild must not hang the test.
    milliseconds slice =
        killed
            ? milliseconds(200)
            : std::min(milliseconds(1000),
                       std::chrono::duration_cast<milliseconds>(deadline - now) + milliseconds(1));
    if (!pump(slice)) {
      break;
    }
    if (killed) {
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        reaped_ = true;
        if (WIFSIGNALED(st)) {
          res.term_signal = WTERMSIG(st);
        }
        break;
      }
    }
  }
  if (!reaped_) {
    int st = 0;
    for (;;) {
      // Wait with the deadline still in force: a child that closed its pipes
      // but does not exit is killed too.
      pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        break;
      }
      if (r < 0 && errno != EINTR) {
        fail("waitpid", errno);
      }
      if (!killed && steady_clock::now() >= deadline) {
        ::kill(pid_, SIGKILL);
        killed = true;
        res.timed_out = true;
      }
      ::usleep(200);
    }
    reaped_ = true;
    if (WIFEXITED(st)) {
      res.exit_code = WEXITSTATUS(st);
    } else if (WIFSIGNALED(st)) {
      res.term_signal = WTERMSIG(st);
    }
  }
  res.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(steady_clock::now() - start_);
  close_fds();
  res.out = std::move(out_);
  res.err = std::move(err_);
  return res;
}

process_result run_process(process_options options) {
  child_process child(std::move(options));
  return child.wait();
}

std::vector<char*> exec_array(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) {
    out.push_back(s.data());
  }
  out.push_back(nullptr);
  return out;
}

std::vector<std::string> make_env(
    const std::vector<std::pair<std::string, std::optional<std::string>>>& changes) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    std::size_t eq = kv.find('=');
    if (eq != std::string::npos) {
      vars[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  for (const auto& [name, value] : changes) {
    if (value) {
      vars[name] = *value;
    } else {
      vars.erase(name);
    }
  }
  std::vector<std::string> out;
  out.reserve(vars.size());
  for (const auto& [name, value] : vars) {
    out.push_back(name + "=" + value);
  }
  return out;
}

}  // namespace trop::test
