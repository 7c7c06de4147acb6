#include "exclusion_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <memory>
#include <system_error>

#include "trop/formats/config_loader.h"

namespace trop::cli {
namespace {

std::string os_error(int err) {
  return std::generic_category().message(err) + " (os error " + std::to_string(err) + ")";
}

std::string parent_of(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// mkdir -p with mode 0700 for every directory it creates (the data
// directory's mode, DESIGN.md). Returns 0 or the errno.
int make_directories(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
  }
  if (errno != ENOENT) {
    return errno;
  }
  const std::string parent = parent_of(dir);
  if (parent != dir) {
    if (int err = make_directories(parent); err != 0) {
      return err;
    }
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return errno;
  }
  return 0;
}

// Closes `fd` and removes `temp` (a failed write leaves nothing behind).
void discard(int fd, const std::string& temp) {
  if (fd >= 0) {
    ::close(fd);  // not retried on EINTR: the descriptor is gone either way
  }
  ::unlink(temp.c_str());
}

}  // namespace

std::string exclusion_target(context& ctx, bool global) {
  if (global) {
    return user_config_path(ctx.data_dir());
  }
  const std::string& cwd = ctx.canonical_cwd();
  std::optional<project_files> found = discover_project_files(cwd);
  if (found && found->local) {
    return *found->local;
  }
  if (found && found->project) {
    return *found->project;
  }
  throw invalid_arguments(
      std::string("No project configuration file (trop.yaml or trop.local.yaml) found in ") + cwd +
      std::string(" or its parents; create one, or use --global to write to ") +
      user_config_path(ctx.data_dir()));
}

std::optional<std::string> read_config_text(const std::string& path) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return std::nullopt;
    }
    throw io_failure(std::string("cannot read ") + path + ": " + os_error(err));
  }
  std::string text;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      int err = errno;
      ::close(fd);  // not retried on EINTR: the descriptor is gone either way
      throw io_failure(std::string("cannot read ") + path + ": " + os_error(err));
    }
    if (n == 0) {
      break;
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

void write_config_atomically(const std::string& path, std::string_view text, mode_t new_mode,
                             bool create_dir) {
  auto fail = [&](int err) -> cli_error {
    return io_failure(std::string("cannot write ") + path + ": " + os_error(err));
  };
  // Follow a symlink so that the link survives and its target is replaced.
  std::string real = path;
  if (std::unique_ptr<char, decltype(&std::free)> r(::realpath(path.c_str(), nullptr), &std::free);
      r) {
    real = r.get();
  }
  const std::string dir = parent_of(real);
  if (create_dir) {
    if (int err = make_directories(dir); err != 0) {
      throw fail(err);
    }
  }
  struct stat original {};
  const bool exists = ::stat(real.c_str(), &original) == 0;

  std::string temp = dir + "/." + base_of(real) + ".trop-XXXXXX";
  int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) {
    throw fail(errno);
  }
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      int err = errno;
      discard(fd, temp);
      throw fail(err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (exists) {
    // Keep who may read the file: its mode, and (for root) its owner.
    if (::fchmod(fd, original.st_mode & 07777) != 0) {
      int err = errno;
      discard(fd, temp);
      throw fail(err);
    }
    if (original.st_uid != ::geteuid() || original.st_gid != ::getegid()) {
      (void)::fchown(fd, original.st_uid, original.st_gid);  // best effort: only root may
    }
  } else if (::fchmod(fd, new_mode) != 0) {
    int err = errno;
    discard(fd, temp);
    throw fail(err);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    discard(fd, temp);
    throw fail(err);
  }
  if (::close(fd) != 0) {
    int err = errno;
    discard(-1, temp);
    throw fail(err);
  }
  if (::rename(temp.c_str(), real.c_str()) != 0) {
    int err = errno;
    discard(-1, temp);
    throw fail(err);
  }
  // The rename is durable once the directory is synced; the file is already
  // complete, so a failure here is not worth failing the command for.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

cli_error exclusion_edit_failure(const status& s, const std::string& file, exclusion_command cmd) {
  const std::string& m = s.message();
  if (s.code() == error_code::conflict) {
    return cli_error(kExitDomain,
                     m + " in " + file + "; the file was not changed: edit it by hand");
  }
  if (s.code() == error_code::invalid_argument) {
    constexpr std::string_view kEntry = "excluded_ports entry ";
    if (m.rfind(kEntry, 0) == 0) {
      return config_failure(std::string("validation error for 'excluded_ports (") + file +
                            ")': entry " + m.substr(kEntry.size()));
    }
    std::string text(cmd == exclusion_command::exclude ? "Failed to parse config: "
                                                       : "Parse error: ");
    text.append(file).append(": ").append(m);
    return config_failure(text);
  }
  return cli_error(kExitDomain, m);
}

}  // namespace trop::cli
