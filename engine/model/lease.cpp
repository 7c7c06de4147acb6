// Lease values: duration parsing and process identity from /proc.
//
// /proc layout used (proc(5)):
//   <root>/<pid>/stat                 "pid (comm) state ppid ... starttime ..."; the
//                                     start time is field 22, in clock ticks after boot
//   <root>/<pid>/ns/pid               symlink "pid:[<inode>]"
//   <root>/self/ns/pid                the same for this process
//   <root>/sys/kernel/random/boot_id  "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\n"
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "trop/lease.h"

namespace trop {
namespace {

// A generous bound: beyond a century a lease is a sticky reservation with
// extra steps, and now + ttl can never overflow.
constexpr std::int64_t kMaxLeaseSeconds = std::int64_t{36500} * 86400;

std::string errno_text(int err) {
  return std::strerror(err);
}

// Reads a small /proc file whole. On failure returns nullopt with *err = errno.
std::optional<std::string> read_small_file(const std::string& path, int* err) {
  FILE* f = std::fopen(path.c_str(), "re");
  if (f == nullptr) {
    *err = errno;
    return std::nullopt;
  }
  std::string out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    out.append(buf, n);
  }
  const bool failed = std::ferror(f) != 0;
  *err = failed ? (errno != 0 ? errno : EIO) : 0;
  std::fclose(f);
  if (failed) {
    return std::nullopt;
  }
  return out;
}

template <class T>
std::optional<T> parse_decimal(std::string_view s) {
  T v{};
  if (s.empty()) {
    return std::nullopt;
  }
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

// What /proc/<pid>/stat tells about a process.
struct stat_fields {
  char state = '?';
  std::uint64_t start_ticks = 0;
};

// Parses a stat line. The comm field is "(name)" and the name may hold spaces
// and ')' itself, so the fixed fields start after the LAST ')'.
std::optional<stat_fields> parse_stat(std::string_view text) {
  const std::size_t close = text.rfind(')');
  if (close == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view rest = text.substr(close + 1);
  // Fields from 3 (state) on, separated by single spaces.
  int field = 2;
  stat_fields out;
  bool have_start = false;
  std::size_t pos = 0;
  while (pos < rest.size()) {
    while (pos < rest.size() && (rest[pos] == ' ' || rest[pos] == '\n')) {
      ++pos;
    }
    if (pos >= rest.size()) {
      break;
    }
    std::size_t end = rest.find_first_of(" \n", pos);
    if (end == std::string_view::npos) {
      end = rest.size();
    }
    ++field;
    std::string_view token = rest.substr(pos, end - pos);
    if (field == 3) {
      out.state = token.size() == 1 ? token[0] : '?';
    } else if (field == 22) {
      std::optional<std::uint64_t> v = parse_decimal<std::uint64_t>(token);
      if (!v) {
        return std::nullopt;
      }
      out.start_ticks = *v;
      have_start = true;
      break;
    }
    pos = end;
  }
  if (!have_start) {
    return std::nullopt;
  }
  return out;
}

// The inode of a pid-namespace link. readlink gives "pid:[4026531836]" (which
// works for a dangling link in a test tree, too); stat of the target is the
// fallback. On failure returns nullopt with *err = errno (EINVAL for text
// that does not parse).
std::optional<std::uint64_t> read_namespace(const std::string& link, int* err) {
  char buf[256];
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
  if (n >= 0) {
    std::string_view target(buf, static_cast<std::size_t>(n));
    constexpr std::string_view kPrefix = "pid:[";
    if (target.starts_with(kPrefix) && target.ends_with("]")) {
      if (auto v = parse_decimal<std::uint64_t>(
              target.substr(kPrefix.size(), target.size() - kPrefix.size() - 1))) {
        return v;
      }
    }
    *err = EINVAL;
    return std::nullopt;
  }
  if (errno != EINVAL) {  // EINVAL: not a symlink; a plain file in odd mounts
    *err = errno;
    return std::nullopt;
  }
  struct stat st {};
  if (::stat(link.c_str(), &st) != 0) {
    *err = errno;
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(st.st_ino);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// 32 hex digits, dashes ignored, trailing whitespace allowed.
std::optional<std::array<std::uint8_t, 16>> parse_boot_id(std::string_view text) {
  std::array<std::uint8_t, 16> out{};
  std::size_t digits = 0;
  for (char c : text) {
    if (c == '-') {
      continue;
    }
    if (c == '\n' || c == ' ') {
      break;
    }
    const int v = hex_value(c);
    if (v < 0 || digits >= 32) {
      return std::nullopt;
    }
    out[digits / 2] = static_cast<std::uint8_t>(out[digits / 2] << 4 | v);
    ++digits;
  }
  if (digits != 32) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::array<std::uint8_t, 16>> read_boot_id(const std::string& proc_root, int* err) {
  std::optional<std::string> text = read_small_file(proc_root + "/sys/kernel/random/boot_id", err);
  if (!text) {
    return std::nullopt;
  }
  auto id = parse_boot_id(*text);
  if (!id) {
    *err = EINVAL;
  }
  return id;
}

// How many pid namespaces the process of `status_path` (/proc/<pid>/status)
// is a member of, counted from the namespace of the /proc mount inward: the
// number of entries of its "NSpid:" line. nullopt when it cannot be read.
std::optional<std::size_t> namespace_depth(const std::string& status_path) {
  int err = 0;
  std::optional<std::string> text = read_small_file(status_path, &err);
  if (!text) {
    return std::nullopt;
  }
  const std::size_t at = text->find("\nNSpid:");
  if (at == std::string::npos) {
    return std::nullopt;
  }
  const std::size_t end = text->find('\n', at + 1);
  std::string_view entries(text->data() + at + 7,
                           (end == std::string::npos ? text->size() : end) - at - 7);
  std::size_t count = 0;
  bool in_number = false;
  for (char c : entries) {
    const bool digit = c >= '0' && c <= '9';
    if (digit && !in_number) {
      ++count;
    }
    in_number = digit;
  }
  return count == 0 ? std::nullopt : std::optional<std::size_t>(count);
}

// A zombie (or dead) process has exited; it only waits to be reaped, and its
// sockets are closed.
bool has_exited(char state) {
  return state == 'Z' || state == 'X' || state == 'x';
}

}  // namespace

result<std::int64_t> parse_lease_duration(const std::string& text) {
  const std::string quoted = std::string("'") + text + "'";
  const auto bad = [&](const std::string& why) -> status {
    return invalid_argument(std::string("invalid duration ") + quoted + ": " + why);
  };
  const std::string kExpected =
      "expected a positive whole number followed by s, m, h or d (e.g. 90s, 10m, 2h, 7d)";
  if (text.empty()) {
    return bad(kExpected);
  }
  std::string_view digits = text;
  std::int64_t unit = 1;
  switch (text.back()) {
    case 's':
      unit = 1;
      digits.remove_suffix(1);
      break;
    case 'm':
      unit = 60;
      digits.remove_suffix(1);
      break;
    case 'h':
      unit = 3600;
      digits.remove_suffix(1);
      break;
    case 'd':
      unit = 86400;
      digits.remove_suffix(1);
      break;
    default:
      break;
  }
  if (digits.empty()) {
    return bad(kExpected);
  }
  for (char c : digits) {
    if (c < '0' || c > '9') {
      return bad(kExpected);  // sign, space, fraction, unknown unit
    }
  }
  // Anything with more than 12 digits is above the limit whatever the unit.
  std::optional<std::int64_t> n =
      digits.size() > 12 ? std::nullopt : parse_decimal<std::int64_t>(digits);
  if (n && *n == 0) {
    return bad("a lease must last at least one second");
  }
  if (!n || *n > kMaxLeaseSeconds / unit) {
    return bad("longer than the limit of 36500d");
  }
  return *n * unit;
}

result<process_identity> identify_process(std::int32_t pid, const std::string& proc_root) {
  const std::string name = std::string("process ") + std::to_string(pid);
  if (pid <= 0) {
    return invalid_argument(std::string("invalid process id ") + std::to_string(pid));
  }
  const std::string dir = proc_root + "/" + std::to_string(pid);
  int err = 0;
  std::optional<std::string> stat_text = read_small_file(dir + "/stat", &err);
  if (!stat_text) {
    if (err == ENOENT || err == ESRCH) {
      return not_found(name + " does not exist");
    }
    return io_error(std::string("cannot read ") + dir + "/stat: " + errno_text(err));
  }
  std::optional<stat_fields> fields = parse_stat(*stat_text);
  if (!fields) {
    return io_error(std::string("cannot parse ") + dir + "/stat");
  }
  if (has_exited(fields->state)) {
    return not_found(name + " has exited");
  }

  process_identity id;
  id.pid = pid;
  id.start_ticks = fields->start_ticks;
  std::optional<std::uint64_t> ours = read_namespace(proc_root + "/self/ns/pid", &err);
  if (!ours) {
    return io_error(std::string("cannot read this process's pid namespace (") + proc_root +
                    std::string("/self/ns/pid): ") + errno_text(err));
  }
  std::optional<std::uint64_t> theirs = read_namespace(dir + "/ns/pid", &err);
  if (!theirs) {
    if (err == ENOENT || err == ESRCH) {
      return not_found(name + " does not exist");  // it exited meanwhile
    }
    if (err != EACCES && err != EPERM) {
      return io_error(std::string("cannot read the pid namespace of ") + name + " (" + dir +
                      std::string("/ns/pid): ") + errno_text(err));
    }
    // Another user's process: its namespace link needs ptrace rights, its
    // status file does not. NSpid counts namespaces from the one of this
    // /proc mount inward, so one entry on both sides means both processes
    // live in that very namespace. Any other depth cannot be compared.
    const std::optional<std::size_t> their_depth = namespace_depth(dir + "/status");
    const std::optional<std::size_t> our_depth = namespace_depth(proc_root + "/self/status");
    if (!their_depth || !our_depth || *our_depth != 1) {
      return io_error(std::string("cannot read the pid namespace of ") + name + " (" + dir +
                      std::string("/ns/pid): ") + errno_text(err));
    }
    if (*their_depth != 1) {
      return invalid_argument(
          name + " is in another pid namespace; its lifetime cannot be checked from here");
    }
    theirs = ours;
  }
  if (*theirs != *ours) {
    return invalid_argument(
        name + " is in another pid namespace; its lifetime cannot be checked from here");
  }
  id.pid_namespace = *theirs;
  std::optional<std::array<std::uint8_t, 16>> boot = read_boot_id(proc_root, &err);
  if (!boot) {
    return io_error(std::string("cannot read the boot id (") + proc_root +
                    std::string("/sys/kernel/random/boot_id): ") + errno_text(err));
  }
  id.boot_id = *boot;
  return id;
}

owner_state check_owner(const process_identity& owner, const std::string& proc_root) {
  // Any doubt ends in `unknowable`, never in `gone`: a wrong `gone` would
  // hand a live process's port to someone else.
  int err = 0;
  std::optional<std::array<std::uint8_t, 16>> boot = read_boot_id(proc_root, &err);
  if (!boot) {
    return owner_state::unknowable;
  }
  if (*boot != owner.boot_id) {
    return owner_state::gone;  // rebooted: every process of that boot has ended
  }
  std::optional<std::uint64_t> ours = read_namespace(proc_root + "/self/ns/pid", &err);
  if (!ours || *ours != owner.pid_namespace) {
    return owner_state::unknowable;
  }
  const std::string stat_path = proc_root + "/" + std::to_string(owner.pid) + "/stat";
  std::optional<std::string> stat_text = read_small_file(stat_path, &err);
  if (!stat_text) {
    return err == ENOENT || err == ESRCH ? owner_state::gone : owner_state::unknowable;
  }
  std::optional<stat_fields> fields = parse_stat(*stat_text);
  if (!fields) {
    return owner_state::unknowable;
  }
  if (fields->start_ticks != owner.start_ticks || has_exited(fields->state)) {
    return owner_state::gone;  // the pid was reused, or the owner is a zombie
  }
  return owner_state::alive;
}

}  // namespace trop
