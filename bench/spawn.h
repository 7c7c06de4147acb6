// Process spawning for end-to-end timings: posix_spawn + waitpid, timed with
// steady_clock. Everything that allocates (argv, envp, file actions) is built
// before the clock starts, so a sample is only the child's life as the
// parent sees it: fork/exec, the child's run, exit, and the wake-up.
// Thread safety: a prepared_command is used by one thread at a time.
#pragma once

#include <spawn.h>

#include <chrono>
#include <string>
#include <vector>

namespace trop::bench {

// An environment for children: a copy of ours without variables that would
// change what trop does (TROP_*), with HOME pointed at `home` so that no
// user configuration is found.
class child_environment {
 public:
  explicit child_environment(const std::string& home);
  char* const* envp() const { return pointers_.data(); }

 private:
  std::vector<std::string> entries_;
  std::vector<char*> pointers_;
};

// Where a child's standard streams go and where it starts.
struct child_io {
  std::string cwd;          // empty = the parent's
  std::string stdout_path;  // truncated at every run
  std::string stderr_path;  // truncated at every run
};

struct spawn_outcome {
  bool started = false;
  int exit_code = -1;  // -1 when killed by a signal or not started
  int signal = 0;
  std::chrono::nanoseconds elapsed{0};
  std::string error;  // why it did not start

  bool ok() const { return started && exit_code == 0; }
  double elapsed_us() const { return static_cast<double>(elapsed.count()) / 1000.0; }
  // "exit 3", "signal 9" or the start error.
  std::string describe() const;
};

// A command line ready to run many times with the same streams and environment.
class prepared_command {
 public:
  // REQUIRES: `program` is a path (no PATH search); `env` outlives this object.
  prepared_command(std::string program, std::vector<std::string> args, const child_io& io,
                   const child_environment& env);
  ~prepared_command();
  prepared_command(const prepared_command&) = delete;
  prepared_command& operator=(const prepared_command&) = delete;

  // Runs the command once and waits for it.
  spawn_outcome run() const;
  // The command line as a shell would show it (for reports and errors).
  std::string display() const;
  const std::string& stdout_path() const { return io_.stdout_path; }
  const std::string& stderr_path() const { return io_.stderr_path; }

 private:
  std::vector<std::string> argv_storage_;
  std::vector<char*> argv_;
  child_io io_;
  const child_environment* env_;
  posix_spawn_file_actions_t actions_;
};

// The whole content of a small file ("" if it cannot be read).
std::string read_small_file(const std::string& path);

}  // namespace trop::bench
