#include "syscall_faults.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <mutex>

extern "C" {
int __real_open(const char* path, int flags, ...);
ssize_t __real_pwrite(int fd, const void* buf, size_t count, off_t offset);
int __real_fdatasync(int fd);
int __real_fsync(int fd);
int __real_ftruncate(int fd, off_t length);
int __real_rename(const char* from, const char* to);
void* __real_mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset);
}

namespace trop::reliability::sys {
namespace {

struct state {
  std::mutex mu;
  bool armed = false;
  bool suspended = false;
  call which = call::open;
  std::uint64_t nth = 0;
  bool persistent = false;
  fault how = fault::eio;
  std::string under;
  std::uint64_t seen[7] = {};
  std::uint64_t failed_after = 0;  // eintr persistence and short_then_enospc
  bool short_pending = false;
  std::uint64_t injected = 0;
  std::vector<record> log;
};

state& g() {
  static auto* s = new state();  // never destroyed: wrappers may run during exit
  return *s;
}

std::string fd_path(int fd) {
  char link[64], buf[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = ::readlink(link, buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

bool below(const std::string& path, const std::string& dir) {
  return !dir.empty() && path.compare(0, dir.size(), dir) == 0;
}

// What to do with this call: 0 proceed, an errno to fail with, or -1 for a short write.
int decide(call c, const std::string& path) {
  state& s = g();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.armed || s.suspended || !below(path, s.under)) {
    return 0;
  }
  std::uint64_t n = ++s.seen[static_cast<int>(c)];
  if (c != s.which) {
    return 0;
  }
  if (s.short_pending) {
    s.short_pending = false;
    ++s.injected;
    return ENOSPC;
  }
  bool hit = n == s.nth || (s.persistent && n > s.nth);
  if (s.how == fault::eintr && s.persistent) {
    hit = n >= s.nth && n < s.nth + 3;  // a burst of signals, not a livelock
  }
  if (!hit) {
    return 0;
  }
  ++s.injected;
  switch (s.how) {
    case fault::eio:
      return EIO;
    case fault::enospc:
      return ENOSPC;
    case fault::eintr:
      return c == call::mmap ? EAGAIN : EINTR;
    case fault::short_write:
      return c == call::pwrite ? -1 : EIO;
    case fault::short_then_enospc:
      if (c == call::pwrite) {
        s.short_pending = true;
        return -1;
      }
      return EIO;
  }
  return 0;
}

void note(call c, const std::string& path, int err) {
  state& s = g();
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.armed && !s.suspended && below(path, s.under)) {
    s.log.push_back({c, path, err});
  }
}

template <class F>
auto fd_call(call c, int fd, F&& real) -> decltype(real()) {
  const std::string path = g().armed ? fd_path(fd) : std::string();
  int d = decide(c, path);
  if (d > 0) {
    note(c, path, d);
    errno = d;
    return static_cast<decltype(real())>(-1);
  }
  auto r = real();
  note(c, path, r == static_cast<decltype(r)>(-1) ? errno : 0);
  return r;
}

}  // namespace

const char* call_name(call c) {
  static const char* names[] = {"open",      "pwrite", "fdatasync", "fsync",
                                "ftruncate", "rename", "mmap"};
  return names[static_cast<int>(c)];
}

const char* fault_name(fault f) {
  static const char* names[] = {"EIO", "ENOSPC", "EINTR", "short write", "short write + ENOSPC"};
  return names[static_cast<int>(f)];
}

void arm(call which, std::uint64_t nth, bool persistent, fault how, const std::string& under) {
  state& s = g();
  std::lock_guard<std::mutex> lock(s.mu);
  s.armed = true;
  s.which = which;
  s.nth = nth;
  s.persistent = persistent;
  s.how = how;
  s.under = under;
  for (auto& n : s.seen) {
    n = 0;
  }
  s.short_pending = false;
  s.suspended = false;
  s.injected = 0;
  s.log.clear();
}

void suspend() {
  state& s = g();
  std::lock_guard<std::mutex> lock(s.mu);
  s.suspended = true;
}

void resume() {
  state& s = g();
  std::lock_guard<std::mutex> lock(s.mu);
  s.suspended = false;
}

void disarm() {
  state& s = g();
  std::lock_guard<std::mutex> lock(s.mu);
  s.armed = false;
}

std::vector<record> log() {
  state& s = g();
  std::lock_guard<std::mutex> lock(s.mu);
  return s.log;
}

void clear_log() {
  state& s = g();
  std::lock_guard<std::mutex> lock(s.mu);
  s.log.clear();
}

std::uint64_t injected() {
  state& s = g();
  std::lock_guard<std::mutex> lock(s.mu);
  return s.injected;
}

std::vector<std::string> open_files_under(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) {
    return out;
  }
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') {
      continue;
    }
    std::string p = fd_path(std::atoi(e->d_name));
    if (below(p, dir)) {
      out.push_back(p);
    }
  }
  ::closedir(d);
  return out;
}

std::vector<std::string> mappings_under(const std::string& dir) {
  std::vector<std::string> out;
  FILE* f = std::fopen("/proc/self/maps", "r");
  if (f == nullptr) {
    return out;
  }
  char line[8192];
  while (std::fgets(line, sizeof line, f) != nullptr) {
    std::string l(line);
    auto slash = l.find('/');
    if (slash != std::string::npos && below(l.substr(slash), dir)) {
      out.push_back(l);
    }
  }
  std::fclose(f);
  return out;
}

}  // namespace trop::reliability::sys

using trop::reliability::sys::call;

extern "C" {

int __wrap_open(const char* path, int flags, ...) {
  mode_t mode = 0;
  if ((flags & (O_CREAT | O_TMPFILE)) != 0) {
    va_list ap;
    va_start(ap, flags);
    mode = static_cast<mode_t>(va_arg(ap, unsigned));
    va_end(ap);
  }
  const std::string p = path;
  int d = trop::reliability::sys::decide(call::open, p);
  if (d > 0) {
    trop::reliability::sys::note(call::open, p, d);
    errno = d;
    return -1;
  }
  int fd = __real_open(path, flags, mode);
  trop::reliability::sys::note(call::open, p, fd < 0 ? errno : 0);
  return fd;
}

ssize_t __wrap_pwrite(int fd, const void* buf, size_t count, off_t offset) {
  const std::string path =
      trop::reliability::sys::g().armed ? trop::reliability::sys::fd_path(fd) : std::string();
  int d = trop::reliability::sys::decide(call::pwrite, path);
  if (d > 0) {
    trop::reliability::sys::note(call::pwrite, path, d);
    errno = d;
    return -1;
  }
  if (d < 0 && count > 1) {
    count /= 2;  // a short write: the caller must write the rest
  }
  ssize_t n = __real_pwrite(fd, buf, count, offset);
  trop::reliability::sys::note(call::pwrite, path, n < 0 ? errno : 0);
  return n;
}

int __wrap_fdatasync(int fd) {
  return trop::reliability::sys::fd_call(call::fdatasync, fd, [&] { return __real_fdatasync(fd); });
}

int __wrap_fsync(int fd) {
  return trop::reliability::sys::fd_call(call::fsync, fd, [&] { return __real_fsync(fd); });
}

int __wrap_ftruncate(int fd, off_t length) {
  return trop::reliability::sys::fd_call(call::ftruncate, fd,
                                         [&] { return __real_ftruncate(fd, length); });
}

int __wrap_rename(const char* from, const char* to) {
  const std::string p = from;
  int d = trop::reliability::sys::decide(call::rename, p);
  if (d > 0) {
    trop::reliability::sys::note(call::rename, p, d);
    errno = d;
    return -1;
  }
  int r = __real_rename(from, to);
  trop::reliability::sys::note(call::rename, p, r != 0 ? errno : 0);
  return r;
}

void* __wrap_mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
  const std::string path = fd >= 0 && trop::reliability::sys::g().armed
                               ? trop::reliability::sys::fd_path(fd)
                               : std::string();
  int d = trop::reliability::sys::decide(call::mmap, path);
  if (d > 0) {
    trop::reliability::sys::note(call::mmap, path, d);
    errno = d;
    return MAP_FAILED;
  }
  void* r = __real_mmap(addr, length, prot, flags, fd, offset);
  trop::reliability::sys::note(call::mmap, path, r == MAP_FAILED ? errno : 0);
  return r;
}

}  // extern "C"
