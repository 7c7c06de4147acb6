// Failpoint registry and trigger (failpoint.h). Only compiled with
// -DTROP_FAILPOINTS=ON.
#include "store/failpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

namespace trop::store_detail {

const char* const kFailpointSites[] = {
    "commit.before_write",  // error-capable: the frame's write fails
    "commit.after_presync",
    "commit.after_write",
    "commit.before_sync",  // error-capable: the frame's fdatasync fails
    "commit.after_sync",
    "checkpoint.after_image_write",
    "checkpoint.after_image_sync",
    "checkpoint.after_rename",
    "checkpoint.after_dir_sync",
    "checkpoint.after_wal_truncate",
    "checkpoint.after_wal_header",
    "checkpoint.after_wal_reset",
    "recovery.after_dir_sync",
    "recovery.after_wal_truncate",
    "recovery.after_wal_header",
    "recovery.after_wal_reset",
    "recovery.after_tail_truncate",
    "create.after_image_write",
    "create.after_image_sync",
    "create.after_rename",
    "create.after_dir_sync",
};
const std::size_t kFailpointSiteCount = sizeof kFailpointSites / sizeof kFailpointSites[0];

namespace {

struct armed_site {
  std::string site;
  std::uint64_t count = 0;
  bool error = false;
  std::uint64_t hits = 0;  // per process, when there is no state file
};

struct config {
  std::vector<armed_site> sites;
  std::string state_file;
};

config parse() {
  config c;
  const char* spec = std::getenv("TROP_FAILPOINT");
  if (const char* st = std::getenv("TROP_FAILPOINT_STATE")) {
    c.state_file = st;
  }
  if (spec == nullptr) {
    return c;
  }
  std::string s(spec);
  std::size_t pos = 0;
  while (pos <= s.size()) {
    std::size_t end = s.find(',', pos);
    std::string item = s.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    std::size_t colon = item.find(':');
    if (colon != std::string::npos) {
      armed_site a;
      a.site = item.substr(0, colon);
      std::string rest = item.substr(colon + 1);
      std::size_t colon2 = rest.find(':');
      a.count = std::strtoull(rest.substr(0, colon2).c_str(), nullptr, 10);
      a.error = colon2 != std::string::npos && rest.substr(colon2 + 1) == "error";
      c.sites.push_back(a);
    }
    if (end == std::string::npos) {
      break;
    }
    pos = end + 1;
  }
  return c;
}

// Increments the hit count of `site` in the state file ("<site> <n>" lines);
// returns the new count.
std::uint64_t bump_shared(const std::string& file, const std::string& site) {
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return 0;
  }
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) {
    text.append(buf, static_cast<std::size_t>(n));
  }
  std::string out;
  std::uint64_t count = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    std::size_t sp = line.rfind(' ');
    if (sp != std::string::npos && line.substr(0, sp) == site) {
      count = std::strtoull(line.c_str() + sp + 1, nullptr, 10);
      continue;
    }
    out += line + "\n";
  }
  ++count;
  out += site + " " + std::to_string(count) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    (void)::pwrite(fd, out.data(), out.size(), 0);
  }
  ::fsync(fd);  // the process may _exit right after
  ::close(fd);
  return count;
}

}  // namespace

bool failpoint(const std::string& site) {
  static std::mutex mu;
  static config cfg = parse();
  std::lock_guard<std::mutex> lock(mu);
  for (armed_site& a : cfg.sites) {
    if (a.site != site) {
      continue;
    }
    std::uint64_t hit = cfg.state_file.empty() ? ++a.hits : bump_shared(cfg.state_file, site);
    if (hit != a.count) {
      continue;
    }
    if (a.error) {
      return true;
    }
    ::_exit(99);
  }
  return false;
}

std::uint64_t failpoint_checkpoint_bytes(std::uint64_t configured) {
  const char* v = std::getenv("TROP_FAILPOINT_CHECKPOINT_BYTES");
  return v != nullptr ? std::strtoull(v, nullptr, 10) : configured;
}

}  // namespace trop::store_detail
