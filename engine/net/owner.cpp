// Owner discovery (SPEC B §8.4): socket tables → inode → lowest pid → comm,
// and the socket's uid → user name.
#include <dirent.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/proc_net.h"
#include "trop/occupancy.h"

namespace trop {

using net_detail::ip_bytes;
using net_detail::proc_socket;

namespace {

// A decimal, all-digit name ("1234"); nullopt for anything else.
std::optional<std::int64_t> parse_pid(std::string_view name) {
  std::int64_t pid = 0;
  if (name.empty()) {
    return std::nullopt;
  }
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (ec != std::errc() || end != name.data() + name.size() || pid <= 0) {
    return std::nullopt;
  }
  return pid;
}

// Names in a directory; empty when it cannot be listed.
std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> out;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) {
    return out;
  }
  while (dirent* e = ::readdir(dir)) {
    std::string_view name(e->d_name);
    if (name != "." && name != "..") {
      out.emplace_back(name);
    }
  }
  ::closedir(dir);
  return out;
}

// The inode of a "socket:[12345]" link target.
std::optional<std::uint64_t> socket_inode(std::string_view target) {
  constexpr std::string_view kPrefix = "socket:[";
  if (target.size() <= kPrefix.size() + 1 || target.substr(0, kPrefix.size()) != kPrefix ||
      target.back() != ']') {
    return std::nullopt;
  }
  std::string_view digits = target.substr(kPrefix.size(), target.size() - kPrefix.size() - 1);
  std::uint64_t inode = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), inode);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return inode;
}

std::optional<std::string> user_name(std::uint32_t uid) {
  long hint = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::size_t size = hint > 0 ? static_cast<std::size_t>(hint) : 1024;
  // ERANGE means the buffer was too small; grow it a few times, then give up.
  for (int attempt = 0; attempt < 6; ++attempt, size *= 4) {
    std::vector<char> buf(size);
    passwd pw{};
    passwd* found = nullptr;
    int rc = ::getpwuid_r(static_cast<uid_t>(uid), &pw, buf.data(), buf.size(), &found);
    if (rc == ERANGE) {
      continue;
    }
    if (rc != 0 || found == nullptr || found->pw_name == nullptr || found->pw_name[0] == '\0') {
      return std::nullopt;
    }
    return std::string(found->pw_name);
  }
  return std::nullopt;
}

}  // namespace

struct socket_owner_finder::cache {
  std::optional<std::vector<proc_socket>> tables[4];
  bool tables_loaded[4] = {false, false, false, false};
  bool inodes_loaded = false;
  std::unordered_map<std::uint64_t, std::int64_t> inode_pid;  // lowest pid per socket inode
  std::map<std::int64_t, std::optional<std::string>> comm;
  std::map<std::uint32_t, std::optional<std::string>> users;
};

socket_owner_finder::socket_owner_finder(std::string proc_root)
    : proc_root_(std::move(proc_root)), cache_(std::make_unique<cache>()) {}

socket_owner_finder::~socket_owner_finder() = default;

socket_owner socket_owner_finder::find(const probe_result& probe, std::uint16_t port) {
  socket_owner owner;
  std::optional<ip_bytes> addr = net_detail::parse_ip(probe.address, probe.family);
  if (!addr) {
    return owner;
  }
  const std::size_t t = (probe.protocol == probe_protocol::tcp ? 0 : 2) +
                        (probe.family == probe_family::ipv4 ? 0 : 1);
  if (!cache_->tables_loaded[t]) {
    cache_->tables[t] = net_detail::read_socket_table(proc_root_, probe.protocol, probe.family);
    cache_->tables_loaded[t] = true;
  }
  if (!cache_->tables[t]) {
    return owner;
  }

  // Sockets no process holds (inode 0: TIME_WAIT and the like) carry uid 0
  // and would name root wrongly; they are left out.
  std::vector<const proc_socket*> matches;
  std::vector<const proc_socket*> listening;
  for (const proc_socket& s : *cache_->tables[t]) {
    if (s.port != port || s.inode == 0 ||
        !net_detail::addresses_match(s.address, *addr, probe.family)) {
      continue;
    }
    matches.push_back(&s);
    if (probe.protocol == probe_protocol::tcp && s.state == net_detail::kTcpListen) {
      listening.push_back(&s);
    }
  }
  // A listener is what holds a TCP port; its accepted connections share the
  // port but say less about the owner.
  const std::vector<const proc_socket*>& candidates = listening.empty() ? matches : listening;
  if (candidates.empty()) {
    return owner;
  }

  if (!cache_->inodes_loaded) {
    cache_->inodes_loaded = true;
    for (const std::string& entry : list_dir(proc_root_)) {
      std::optional<std::int64_t> pid = parse_pid(entry);
      if (!pid) {
        continue;
      }
      const std::string fd_dir = proc_root_ + "/" + entry + "/fd";
      for (const std::string& fd : list_dir(fd_dir)) {
        char target[128];
        const std::string link = fd_dir + "/" + fd;
        ssize_t n = ::readlink(link.c_str(), target, sizeof target);
        if (n <= 0 || static_cast<std::size_t>(n) >= sizeof target) {
          continue;
        }
        std::optional<std::uint64_t> inode =
            socket_inode(std::string_view(target, static_cast<std::size_t>(n)));
        if (!inode) {
          continue;
        }
        auto [it, inserted] = cache_->inode_pid.emplace(*inode, *pid);
        if (!inserted && *pid < it->second) {
          it->second = *pid;
        }
      }
    }
  }

  const proc_socket* chosen = candidates.front();
  for (const proc_socket* s : candidates) {
    auto it = cache_->inode_pid.find(s->inode);
    if (it != cache_->inode_pid.end() && (!owner.pid || it->second < *owner.pid)) {
      owner.pid = it->second;
      chosen = s;
    }
  }

  if (owner.pid) {
    auto [it, inserted] = cache_->comm.try_emplace(*owner.pid);
    if (inserted) {
      std::optional<std::string> text =
          net_detail::read_file(proc_root_ + "/" + std::to_string(*owner.pid) + "/comm");
      if (text) {
        while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) {
          text->pop_back();
        }
        if (!text->empty()) {
          it->second = std::move(*text);
        }
      }
    }
    owner.process_name = it->second;
  }

  auto [uit, uinserted] = cache_->users.try_emplace(chosen->uid);
  if (uinserted) {
    uit->second = user_name(chosen->uid);
  }
  owner.user = uit->second;
  return owner;
}

owner_status socket_owner::status() const {
  const int known = (pid ? 1 : 0) + (process_name ? 1 : 0) + (user ? 1 : 0);
  return known == 3 ? owner_status::available
                    : (known == 0 ? owner_status::unavailable : owner_status::partial);
}

std::string_view to_string(owner_status s) {
  switch (s) {
    case owner_status::available:
      return "available";
    case owner_status::partial:
      return "partial";
    case owner_status::unavailable:
      return "unavailable";
  }
  return "unavailable";
}

}  // namespace trop
