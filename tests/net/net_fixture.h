// Test helpers for occupancy tests: sockets bound by the test on ports the
// kernel picks, a scripted socket seam, and temporary /proc fixture trees.
// Thread safety: single-threaded test code.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "trop/occupancy.h"

namespace trop::testing {

// A socket bound (and for TCP optionally listening) for the test's lifetime.
class bound_socket {
 public:
  // Binds to `address`:`port` (0 = the kernel picks). Throws when it cannot.
  bound_socket(probe_protocol protocol, probe_family family, const std::string& address,
               std::uint16_t port = 0, bool listen = false) {
    const bool v6 = family == probe_family::ipv6;
    fd_ = ::socket(v6 ? AF_INET6 : AF_INET,
                   protocol == probe_protocol::tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    if (fd_ < 0) {
      throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    }
    int rc = 0;
    if (v6) {
      int on = 1;
      ::setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
      sockaddr_in6 sa{};
      sa.sin6_family = AF_INET6;
      sa.sin6_port = htons(port);
      ::inet_pton(AF_INET6, address.c_str(), &sa.sin6_addr);
      rc = ::bind(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    } else {
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(port);
      ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
      rc = ::bind(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    }
    if (rc != 0) {
      int err = errno;
      ::close(fd_);
      throw std::runtime_error(std::string("bind ") + address + ": " + std::strerror(err));
    }
    if (listen && ::listen(fd_, 4) != 0) {
      int err = errno;
      ::close(fd_);
      throw std::runtime_error(std::string("listen: ") + std::strerror(err));
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len);
    port_ = v6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
               : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  }
  ~bound_socket() { ::close(fd_); }
  bound_socket(const bound_socket&) = delete;
  bound_socket& operator=(const bound_socket&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// Whether this host can bind ::1 (CI containers sometimes lack IPv6).
inline bool host_has_ipv6_loopback() {
  try {
    bound_socket s(probe_protocol::tcp, probe_family::ipv6, "::1");
    return true;
  } catch (const std::runtime_error&) {
    return false;
  }
}

// A port the kernel just handed out and released on every probe address, so
// that nothing else on this host is likely to hold it.
inline std::uint16_t fresh_port() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    std::uint16_t p = 0;
    {
      bound_socket s(probe_protocol::tcp, probe_family::ipv4, "127.0.0.1");
      p = s.port();
    }
    occupancy_policy all;
    all.check_all_interfaces = true;
    if (system_occupancy_probe().check(p, all).state == occupancy_state::free) {
      return p;
    }
  }
  throw std::runtime_error("no free port found");
}

// A socket seam that answers from a script and records every call.
class scripted_socket_calls final : public probe_socket_calls {
 public:
  using key = std::tuple<probe_protocol, probe_family, probe_scope>;

  // The errno for a probe; 0 (bind succeeds) when not scripted.
  std::map<key, int> errors;
  // Every probe asked for, in order.
  std::vector<probe_spec> calls;

  void fail(probe_protocol p, probe_family f, probe_scope s, int err) { errors[{p, f, s}] = err; }
  void fail_family(probe_family f, int err) {
    for (auto p : {probe_protocol::tcp, probe_protocol::udp}) {
      for (auto s : {probe_scope::localhost, probe_scope::wildcard}) {
        fail(p, f, s, err);
      }
    }
  }

  int bind_probe(const probe_spec& spec, std::uint16_t /*port*/) override {
    calls.push_back(spec);
    auto it = errors.find({spec.protocol, spec.family, spec.scope});
    return it == errors.end() ? 0 : it->second;
  }
};

// A temporary directory removed with everything in it.
class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "trop-net-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }

  // Writes `text` to path()/rel, creating parent directories.
  void write(const std::string& rel, const std::string& text) const {
    std::filesystem::path p = std::filesystem::path(path_) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }

 private:
  std::string path_;
};

// The header lines the kernel prints above each table.
inline constexpr const char* kTcp4Header =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode\n";
inline constexpr const char* kTcp6Header =
    "  sl  local_address                         remote_address                        st "
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

// One table row: `local` and `remote` in the kernel's hex form.
inline std::string table_row(int sl, const std::string& local, const std::string& remote,
                             const std::string& state, unsigned uid, unsigned long inode) {
  return std::string("   ") + std::to_string(sl) + ": " + local + " " + remote + " " + state +
         " 00000000:00000000 00:00000000 00000000 " + std::to_string(uid) + "        0 " +
         std::to_string(inode) + " 1 0000000000000000 100 0 0 10 0\n";
}

}  // namespace trop::testing
