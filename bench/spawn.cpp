#include "spawn.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace trop::bench {

child_environment::child_environment(const std::string& home) {
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    if (entry.rfind("TROP_", 0) == 0 || entry.rfind("HOME=", 0) == 0) {
      continue;
    }
    entries_.push_back(std::move(entry));
  }
  entries_.push_back(std::string("HOME=") += home);
  for (std::string& s : entries_) {
    pointers_.push_back(s.data());
  }
  pointers_.push_back(nullptr);
}

std::string spawn_outcome::describe() const {
  if (!started) {
    return std::string("not started: ") += error;
  }
  if (signal != 0) {
    return "killed by signal " + std::to_string(signal);
  }
  return "exit " + std::to_string(exit_code);
}

prepared_command::prepared_command(std::string program, std::vector<std::string> args,
                                   const child_io& io, const child_environment& env)
    : io_(io), env_(&env) {
  argv_storage_.push_back(std::move(program));
  for (std::string& a : args) {
    argv_storage_.push_back(std::move(a));
  }
  for (std::string& a : argv_storage_) {
    argv_.push_back(a.data());
  }
  argv_.push_back(nullptr);
  posix_spawn_file_actions_init(&actions_);
  posix_spawn_file_actions_addopen(&actions_, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions_, 1,
                                   io_.stdout_path.empty() ? "/dev/null" : io_.stdout_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions_, 2,
                                   io_.stderr_path.empty() ? "/dev/null" : io_.stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (!io_.cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions_, io_.cwd.c_str());
  }
}

prepared_command::~prepared_command() {
  posix_spawn_file_actions_destroy(&actions_);
}

spawn_outcome prepared_command::run() const {
  spawn_outcome out;
  pid_t pid = 0;
  const auto start = std::chrono::steady_clock::now();
  int rc = posix_spawn(&pid, argv_[0], &actions_, nullptr, argv_.data(), env_->envp());
  if (rc != 0) {
    out.error = std::strerror(rc);
    return out;
  }
  int wstatus = 0;
  pid_t w;
  do {
    w = ::waitpid(pid, &wstatus, 0);
  } while (w < 0 && errno == EINTR);
  out.elapsed = std::chrono::steady_clock::now() - start;
  out.started = true;
  if (w < 0) {
    out.error = std::strerror(errno);
    out.started = false;
    return out;
  }
  if (WIFEXITED(wstatus)) {
    out.exit_code = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    out.signal = WTERMSIG(wstatus);
  }
  return out;
}

std::string prepared_command::display() const {
  std::string s;
  for (std::size_t i = 0; i < argv_storage_.size(); ++i) {
    if (i > 0) {
      s += ' ';
    }
    const std::string& a = argv_storage_[i];
    bool plain = !a.empty() && a.find_first_of(" \t\n'\"$\\*?;&|<>()") == std::string::npos;
    if (plain) {
      s += a;
    } else {
      s += '\'';
      for (char c : a) {
        if (c == '\'') {
          s += "'\\''";
        } else {
          s += c;
        }
      }
      s += '\'';
    }
  }
  return s;
}

std::string read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace trop::bench
