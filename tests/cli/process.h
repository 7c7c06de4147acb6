// A small child-process helper for integration tests: spawn a program with
// its argv, environment and working directory, capture stdout and stderr,
// and collect the exit status, with a timeout. Reusable by every suite.
// Thread safety: a child_process belongs to one thread; spawning from many
// threads at once is safe (every pipe is O_CLOEXEC, so no child inherits
// another child's pipe ends).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace trop::test {

struct process_options {
  // argv[0] is the program: a path, or a name looked up in $PATH.
  std::vector<std::string> argv;
  // "NAME=value" entries; nullopt inherits the test's environment.
  std::optional<std::vector<std::string>> env;
  // Working directory of the child; empty inherits.
  std::string cwd;
  // Written to the child's stdin, which is then closed; empty = /dev/null.
  std::string stdin_data;
  // After this long the child is killed with SIGKILL (timed_out is set).
  std::chrono::milliseconds timeout{60000};
};

struct process_result {
  int exit_code = -1;   // -1 when the child did not exit normally
  int term_signal = 0;  // the signal that ended it, if any
  bool timed_out = false;
  std::string out;
  std::string err;
  std::chrono::microseconds elapsed{0};

  bool exited_ok() const { return exit_code == 0; }
};

// A running child. The destructor kills (SIGKILL) and reaps it if needed.
class child_process {
 public:
  // Spawns the child. Throws std::runtime_error when that fails.
  explicit child_process(process_options options);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }

  // The next complete stdout line (without '\n'), waiting at most `timeout`;
  // nullopt on end of file or timeout. Stderr is collected meanwhile.
  std::optional<std::string> read_stdout_line(std::chrono::milliseconds timeout);

  // Sends `sig` to the child (no-op once reaped).
  void kill(int sig);

  // Collects all output and waits for the exit, killing the child when the
  // options' timeout (counted from the spawn) passes. Call once.
  process_result wait();

 private:
  // Reads whatever is available into the buffers for at most `timeout`;
  // returns false when both pipes are closed.
  bool pump(std::chrono::milliseconds timeout);
  void close_fds();

  process_options options_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int out_fd_ = -1;
  int err_fd_ = -1;
  int in_fd_ = -1;
  std::size_t in_written_ = 0;
  std::size_t line_pos_ = 0;
  std::string out_;
  std::string err_;
  std::chrono::steady_clock::time_point start_;
};

// Spawns, waits and returns the result.
process_result run_process(process_options options);

// The test's environment with `changes` applied: a value sets the variable,
// nullopt removes it.
std::vector<std::string> make_env(
    const std::vector<std::pair<std::string, std::optional<std::string>>>& changes);

// Pointers to `strings`' characters plus a final nullptr, as execve and
// posix_spawn take them. The pointers live as long as `strings` is unchanged.
std::vector<char*> exec_array(std::vector<std::string>& strings);

}  // namespace trop::test
