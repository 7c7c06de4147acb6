// The POSIX env: file I/O with EINTR and short-write handling, mmap, and the
// interprocess lock (open-file-description locks + an in-process mutex).
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>

#include "trop/env.h"

namespace trop {
namespace {

status errno_status(const std::string& what, const std::string& path, int err) {
  std::string msg = what + " " + path + ": " + std::strerror(err);
  if (err == ENOENT) {
    return {error_code::not_found, msg};
  }
  return {error_code::io_error, msg};
}

std::string octal_mode(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// The private-store rule (env::posix_private): owned by the effective user,
// not writable by group or others. `what` is "store file" or "data directory".
status check_private(const struct stat& st, const std::string& path, const char* what) {
  const uid_t me = ::geteuid();
  if (st.st_uid != me) {
    return io_error(std::string("refusing to use the ") + what + " " + path +
                    ": it is owned by uid " + std::to_string(st.st_uid) +
                    ", not by the current user (uid " + std::to_string(me) + ")");
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return io_error(std::string("refusing to use the ") + what + " " + path +
                    ": it is writable by group or others (mode " + octal_mode(st.st_mode) +
                    "); run chmod go-w " + path);
  }
  return status::ok();
}

// Checks a store file opened with O_NOFOLLOW; closes `fd` on failure.
status check_private_fd(int fd, const std::string& path, struct stat* out) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return errno_status("stat", path, e);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return io_error("refusing to use the store file " + path + ": it is not a regular file");
  }
  status s = check_private(st, path, "store file");
  if (!s.is_ok()) {
    ::close(fd);
    return s;
  }
  if (out != nullptr) {
    *out = st;
  }
  return status::ok();
}

// open(2) with EINTR retries; with `no_follow`, a symbolic link is refused
// with a message that says so.
result<int> open_fd(const std::string& path, int flags, bool no_follow, const char* what) {
  if (no_follow) {
    flags |= O_NOFOLLOW;
  }
  int fd;
  do {
    fd = ::open(path.c_str(), flags, 0600);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    int e = errno;
    struct stat st {};
    if (no_follow && e == ELOOP && ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      return io_error("refusing to use the store file " + path +
                      ": it is a symbolic link (store files must be regular files)");
    }
    return errno_status(what, path, e);
  }
  return fd;
}

class posix_file final : public random_access_file {
 public:
  posix_file(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  // close() is not retried on EINTR: on Linux the descriptor is gone either way.
  ~posix_file() override { ::close(fd_); }

  status read_at(std::uint64_t offset, std::span<std::byte> out, std::size_t* read) override {
    std::size_t done = 0;
    while (done < out.size()) {
      ssize_t n =
          ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        return errno_status("read", path_, errno);
      }
      if (n == 0) {
        break;
      }
      done += static_cast<std::size_t>(n);
    }
    *read = done;
    return status::ok();
  }

  status write_at(std::uint64_t offset, std::span<const std::byte> data) override {
    std::size_t done = 0;
    while (done < data.size()) {
      ssize_t n =
          ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        return errno_status("write", path_, errno);
      }
      done += static_cast<std::size_t>(n);
    }
    return status::ok();
  }

  status sync_data() override {
    // Never retried: after a failed fdatasync the kernel may have dropped the
    // dirty pages, so a second call could report success for lost data.
    if (::fdatasync(fd_) != 0) {
      return errno_status("fdatasync", path_, errno);
    }
    return status::ok();
  }

  status truncate(std::uint64_t size) override {
    while (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      if (errno != EINTR) {
        return errno_status("truncate", path_, errno);
      }
    }
    return status::ok();
  }

  result<std::uint64_t> size() override {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
      return errno_status("stat", path_, errno);
    }
    return static_cast<std::uint64_t>(st.st_size);
  }

 private:
  int fd_;
  std::string path_;
};

class posix_mapping final : public mapped_file {
 public:
  posix_mapping(void* addr, std::size_t len) : addr_(addr), len_(len) {}
  ~posix_mapping() override {
    if (len_ > 0) {
      ::munmap(addr_, len_);
    }
  }
  std::span<const std::byte> bytes() const override {
    return {static_cast<const std::byte*>(addr_), len_};
  }

 private:
  void* addr_;
  std::size_t len_;
};

// ---- the lock ---------------------------------------------------------------

// One descriptor and one mutex per lock file per process. The mutex makes
// threads of this process exclusive (they share the descriptor, and an
// open-file-description lock does not exclude its own holders); the OFD lock
// excludes other processes and, unlike a classic fcntl lock, is not dropped
// when some other descriptor of the file is closed.
struct lock_slot {
  int fd = -1;
  std::timed_mutex mutex;
};

std::mutex g_slots_mutex;
// Keyed by pid as well as path: a forked child inherits the parent's slots,
// but their descriptors share the parent's open file description (and so its
// lock), and their mutexes may be inherited locked. A child opens its own.
std::map<std::pair<pid_t, std::string>, lock_slot*>& slots() {
  static auto* m = new std::map<std::pair<pid_t, std::string>, lock_slot*>();  // never destroyed
  return *m;
}

// Takes `m` by `deadline`. ThreadSanitizer (GCC 12's and LLVM 14's) does not
// intercept pthread_mutex_clocklock, which a steady_clock deadline uses, so
// it would miss the lock and report every unlock as wrong; under TSan only,
// wait on the system clock (pthread_mutex_timedlock) instead.
bool lock_until(std::timed_mutex& m, std::chrono::steady_clock::time_point deadline) {
#if defined(__SANITIZE_THREAD__)
  return m.try_lock_until(std::chrono::system_clock::now() +
                          (deadline - std::chrono::steady_clock::now()));
#else
  return m.try_lock_until(deadline);
#endif
}

// A no-op handler: its only job is to make a blocked F_OFD_SETLKW return EINTR.
void on_lock_timer(int) {}

int lock_timer_signal() {
  static const int signo = [] {
    int s = SIGRTMIN + 2;
    struct sigaction old {};
    ::sigaction(s, nullptr, &old);
    if (old.sa_handler == SIG_DFL || old.sa_handler == SIG_IGN) {
      struct sigaction sa {};
      sa.sa_handler = on_lock_timer;
      sigemptyset(&sa.sa_mask);
      sa.sa_flags = 0;  // no SA_RESTART: the wait must be interrupted
      ::sigaction(s, &sa, nullptr);
    }
    return s;
  }();
  return signo;
}

class posix_lock final : public file_lock {
 public:
  explicit posix_lock(lock_slot* slot) : slot_(slot) {}
  std::uint8_t read_note() override {
    unsigned char b = 0;
    ssize_t n;
    do {
      n = ::pread(slot_->fd, &b, 1, 0);
    } while (n < 0 && errno == EINTR);
    return n == 1 ? b : 0;
  }
  void write_note(std::uint8_t value) override {
    ssize_t n;
    do {
      n = ::pwrite(slot_->fd, &value, 1, 0);
    } while (n < 0 && errno == EINTR);
  }
  ~posix_lock() override {
    struct flock fl {};
    fl.l_type = F_UNLCK;
    fl.l_whence = SEEK_SET;
    ::fcntl(slot_->fd, F_OFD_SETLK, &fl);
    slot_->mutex.unlock();
  }

 private:
  lock_slot* slot_;
};

// Waits in the kernel (F_OFD_SETLKW) and bounds the wait with a per-thread
// timer whose signal interrupts the call. The timer repeats every 10 ms after
// the deadline so that a signal delivered just before the call blocks is not lost.
bool ofd_lock_until(int fd, std::chrono::steady_clock::time_point deadline, int* err) {
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  if (::fcntl(fd, F_OFD_SETLK, &fl) == 0) {
    return true;
  }
  if (errno != EAGAIN && errno != EACCES) {
    *err = errno;
    return false;
  }
  if (std::chrono::steady_clock::now() >= deadline) {
    *err = 0;
    return false;
  }
  int signo = lock_timer_signal();
  sigset_t unblock, saved;
  sigemptyset(&unblock);
  sigaddset(&unblock, signo);
  ::pthread_sigmask(SIG_UNBLOCK, &unblock, &saved);

  struct sigevent sev {};
  sev.sigev_notify = SIGEV_THREAD_ID;
  sev.sigev_signo = signo;
  sev._sigev_un._tid = static_cast<pid_t>(::syscall(SYS_gettid));
  timer_t timer;
  bool have_timer = ::timer_create(CLOCK_MONOTONIC, &sev, &timer) == 0;
  if (have_timer) {
    auto left = deadline - std::chrono::steady_clock::now();
    auto ns =
        std::max<long long>(1, std::chrono::duration_cast<std::chrono::nanoseconds>(left).count());
    struct itimerspec its {};
    its.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
    its.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
    its.it_interval.tv_nsec = 10 * 1000 * 1000;
    ::timer_settime(timer, 0, &its, nullptr);
  }
  bool locked = false;
  *err = 0;
  for (;;) {
    if (::fcntl(fd, have_timer ? F_OFD_SETLKW : F_OFD_SETLK, &fl) == 0) {
      locked = true;
      break;
    }
    int e = errno;
    if (e != EINTR && e != EAGAIN && e != EACCES) {
      *err = e;
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      break;
    }
    if (!have_timer) {
      // Without a timer (timer_create failed) fall back to short sleeps.
      ::usleep(1000);
    }
  }
  if (have_timer) {
    ::timer_delete(timer);
  }
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  return locked;
}

// ---- the env ----------------------------------------------------------------

class posix_env final : public env {
 public:
  explicit posix_env(bool private_files) : private_(private_files) {}

  status check_directory(const std::string& dir) override {
    if (!private_) {
      return status::ok();
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
      if (errno == ENOENT) {
        return status::ok();  // created 0700 by the first writer
      }
      return errno_status("stat", dir, errno);
    }
    if (!S_ISDIR(st.st_mode)) {
      return io_error("refusing to use the data directory " + dir + ": it is not a directory");
    }
    return check_private(st, dir, "data directory");
  }

  result<std::unique_ptr<random_access_file>> open(const std::string& path,
                                                   open_mode mode) override {
    int flags = O_CLOEXEC;
    switch (mode) {
      case open_mode::read_only:
        flags |= O_RDONLY;
        break;
      case open_mode::read_write:
        flags |= O_RDWR | O_CREAT;
        break;
      case open_mode::create_truncate:
        flags |= O_RDWR | O_CREAT | O_TRUNC;
        break;
    }
    auto fd = open_fd(path, flags, private_, "open");
    if (!fd) {
      return fd.error();
    }
    if (private_) {
      TROP_RETURN_IF_ERROR(check_private_fd(*fd, path, nullptr));
    }
    return std::unique_ptr<random_access_file>(new posix_file(*fd, path));
  }

  result<std::unique_ptr<mapped_file>> map_read_only(const std::string& path) override {
    auto opened = open_fd(path, O_RDONLY | O_CLOEXEC, private_, "open");
    if (!opened) {
      return opened.error();
    }
    const int fd = *opened;
    struct stat st {};
    if (private_) {
      TROP_RETURN_IF_ERROR(check_private_fd(fd, path, &st));
    } else if (::fstat(fd, &st) != 0) {
      int e = errno;
      ::close(fd);
      return errno_status("stat", path, e);
    }
    auto len = static_cast<std::size_t>(st.st_size);
    void* addr = nullptr;
    if (len > 0) {
      addr = ::mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0);
      if (addr == MAP_FAILED) {
        int e = errno;
        ::close(fd);
        return errno_status("mmap", path, e);
      }
    }
    ::close(fd);
    return std::unique_ptr<mapped_file>(new posix_mapping(addr, len));
  }

  status rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return errno_status("rename", from + " to " + to, errno);
    }
    return status::ok();
  }

  status remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return errno_status("remove", path, errno);
    }
    return status::ok();
  }

  status sync_dir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      return errno_status("open directory", dir, errno);
    }
    int rc = ::fsync(fd);
    int e = errno;
    ::close(fd);
    if (rc != 0) {
      return errno_status("fsync directory", dir, e);
    }
    return status::ok();
  }

  status create_dirs(const std::string& dir) override {
    if (dir.empty()) {
      return status::ok();
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return io_error("create directory " + dir + ": exists and is not a directory");
      }
      return status::ok();
    }
    auto slash = dir.find_last_of('/');
    if (slash != std::string::npos && slash > 0) {
      TROP_RETURN_IF_ERROR(create_dirs(dir.substr(0, slash)));
    }
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return errno_status("create directory", dir, errno);
    }
    return status::ok();
  }

  result<bool> file_exists(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      return true;
    }
    if (errno == ENOENT || errno == ENOTDIR) {
      return false;
    }
    return errno_status("stat", path, errno);
  }

  result<std::unique_ptr<file_lock>> lock(const std::string& path,
                                          std::chrono::milliseconds timeout) override {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    lock_slot* slot;
    {
      std::lock_guard<std::mutex> guard(g_slots_mutex);
      auto& s = slots()[{::getpid(), path}];
      if (s == nullptr) {
        s = new lock_slot();  // lives for the process: its descriptor carries the lock
      }
      slot = s;
    }
    if (!lock_until(slot->mutex, deadline)) {
      return status(error_code::busy, "lock " + path + ": timed out");
    }
    if (slot->fd < 0) {
      auto fd = open_fd(path, O_RDWR | O_CREAT | O_CLOEXEC, private_, "open lock file");
      if (fd && private_) {
        status s = check_private_fd(*fd, path, nullptr);
        if (!s.is_ok()) {
          fd = s;
        }
      }
      if (!fd) {
        slot->mutex.unlock();
        return fd.error();
      }
      slot->fd = *fd;
    }
    int err = 0;
    if (!ofd_lock_until(slot->fd, deadline, &err)) {
      slot->mutex.unlock();
      if (err != 0) {
        return errno_status("lock", path, err);
      }
      return status(error_code::busy, "lock " + path + ": timed out");
    }
    return std::unique_ptr<file_lock>(new posix_lock(slot));
  }

  result<bool> is_network_fs(const std::string& path) override {
    struct statfs sf {};
    if (::statfs(path.c_str(), &sf) != 0) {
      return errno_status("statfs", path, errno);
    }
    switch (static_cast<unsigned long>(sf.f_type)) {
      case 0x6969UL:      // NFS
      case 0x517BUL:      // SMB
      case 0xFF534D42UL:  // CIFS
      case 0xFE534D42UL:  // SMB2
      case 0x5346414FUL:  // AFS
      case 0x00C36400UL:  // Ceph
      case 0x73757245UL:  // Coda
      case 0x01021997UL:  // 9P
      case 0x47504653UL:  // GPFS
      case 0x0BD00BD0UL:  // Lustre
        return true;
      default:
        return false;
    }
  }

  std::int64_t now_unix() override { return static_cast<std::int64_t>(::time(nullptr)); }

  result<std::optional<file_id>> identify(const std::string& path) override {
    // lstat: a name swapped for a symbolic link is another file (the store
    // refuses links when it opens files afresh).
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) {
        return not_found("lstat " + path + ": No such file or directory");
      }
      return errno_status("lstat", path, errno);
    }
    return std::optional<file_id>(
        file_id{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)});
  }

 private:
  bool private_;
};

}  // namespace

env* env::posix() {
  static auto* e = new posix_env(false);  // never destroyed: may be used during exit
  return e;
}

env* env::posix_private() {
  static auto* e = new posix_env(true);  // never destroyed: may be used during exit
  return e;
}

}  // namespace trop
