// Bind probes (SPEC B §8.2, §8.3, A.2 #19) and the fake probe for tests.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "net/proc_net.h"
#include "trop/occupancy.h"

namespace trop {

using net_detail::ip_bytes;

namespace {

constexpr std::string_view kLoopback4 = "127.0.0.1";
constexpr std::string_view kWildcard4 = "0.0.0.0";
constexpr std::string_view kLoopback6 = "::1";
constexpr std::string_view kWildcard6 = "::";

probe_result result_for(const probe_spec& spec) {
  probe_result r;
  r.protocol = spec.protocol;
  r.family = spec.family;
  r.scope = spec.scope;
  r.address = std::string(spec.address);
  return r;
}

// The real probe: socket, SO_REUSEADDR off, IPV6_V6ONLY on, bind, close.
class system_socket_calls final : public probe_socket_calls {
 public:
  int bind_probe(const probe_spec& spec, std::uint16_t port) override {
    const bool v6 = spec.family == probe_family::ipv6;
    std::optional<ip_bytes> addr = net_detail::parse_ip(spec.address, spec.family);
    if (!addr) {
      return EINVAL;
    }
    int type = (spec.protocol == probe_protocol::tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC;
    int fd = ::socket(v6 ? AF_INET6 : AF_INET, type, 0);
    if (fd < 0) {
      return errno;
    }
    int err = 0;
    int off = 0;
    int on = 1;
    // SO_REUSEADDR off (the default, set explicitly): with it on, a TCP bind
    // could succeed next to a socket in TIME_WAIT or another reuse socket and
    // report a used port free.
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &off, sizeof off) != 0) {
      err = errno;
    } else if (v6 && ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0) {
      // V6ONLY: the IPv6 probe must test the IPv6 port alone; IPv4 has its own.
      err = errno;
    } else if (v6) {
      sockaddr_in6 sa{};
      sa.sin6_family = AF_INET6;
      sa.sin6_port = htons(port);
      std::memcpy(&sa.sin6_addr, addr->data(), 16);
      if (::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
        err = errno;
      }
    } else {
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(port);
      std::memcpy(&sa.sin_addr, addr->data(), 4);
      if (::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
        err = errno;
      }
    }
    ::close(fd);  // Not retried on EINTR: the descriptor is released either way.
    return err;
  }
};

// Whether the kernel's tables show a socket holding the probe's port; nullopt
// when a needed table cannot be read. Tables are read at most once per check.
class table_reader {
 public:
  explicit table_reader(const std::string& proc_root) : proc_root_(proc_root) {}

  const std::optional<std::vector<net_detail::proc_socket>>& table(probe_protocol p,
                                                                   probe_family f) {
    std::size_t i = (p == probe_protocol::tcp ? 0 : 2) + (f == probe_family::ipv4 ? 0 : 1);
    if (!loaded_[i]) {
      tables_[i] = net_detail::read_socket_table(proc_root_, p, f);
      loaded_[i] = true;
    }
    return tables_[i];
  }

  // std::nullopt = the table could not be read; else whether a holder exists.
  std::optional<bool> held(const probe_spec& spec, std::uint16_t port) {
    std::optional<ip_bytes> addr = net_detail::parse_ip(spec.address, spec.family);
    const auto& own = table(spec.protocol, spec.family);
    if (!addr || !own) {
      return std::nullopt;
    }
    for (const auto& s : *own) {
      if (net_detail::holds_port(s, spec.protocol, spec.family, *addr, port)) {
        return true;
      }
    }
    if (spec.family == probe_family::ipv4) {
      // A missing IPv6 table is a host without IPv6: nothing dual-stack there.
      const auto& v6 = table(spec.protocol, probe_family::ipv6);
      if (v6) {
        for (const auto& s : *v6) {
          if (net_detail::holds_port_dual_stack(s, spec.protocol, *addr, port)) {
            return true;
          }
        }
      }
    }
    return false;
  }

 private:
  const std::string& proc_root_;
  std::optional<std::vector<net_detail::proc_socket>> tables_[4];
  bool loaded_[4] = {false, false, false, false};
};

}  // namespace

std::vector<probe_spec> probe_matrix(const occupancy_policy& policy) {
  std::vector<probe_spec> out;
  auto add_address = [&](probe_family family, probe_scope scope, std::string_view address) {
    if (!policy.skip_tcp) {
      out.push_back({probe_protocol::tcp, family, scope, address});
    }
    if (!policy.skip_udp) {
      out.push_back({probe_protocol::udp, family, scope, address});
    }
  };
  auto add_family = [&](probe_family family, std::string_view loopback, std::string_view any) {
    add_address(family, probe_scope::localhost, loopback);
    if (policy.check_all_interfaces) {
      add_address(family, probe_scope::wildcard, any);
    }
  };
  if (!policy.skip_ip4) {
    add_family(probe_family::ipv4, kLoopback4, kWildcard4);
  }
  if (!policy.skip_ip6) {
    add_family(probe_family::ipv6, kLoopback6, kWildcard6);
  }
  return out;
}

std::string_view human_name(probe_protocol p) {
  return p == probe_protocol::tcp ? "TCP" : "UDP";
}
std::string_view machine_name(probe_protocol p) {
  return p == probe_protocol::tcp ? "tcp" : "udp";
}
std::string_view human_name(probe_family f) {
  return f == probe_family::ipv4 ? "IPv4" : "IPv6";
}
std::string_view machine_name(probe_family f) {
  return f == probe_family::ipv4 ? "ipv4" : "ipv6";
}
std::string_view to_string(probe_scope s) {
  return s == probe_scope::localhost ? "localhost" : "wildcard";
}
std::string_view to_string(occupancy_state s) {
  switch (s) {
    case occupancy_state::free:
      return "free";
    case occupancy_state::occupied:
      return "occupied";
    case occupancy_state::unknown:
      return "unknown";
  }
  return "unknown";
}

std::string describe_probe(const probe_result& r) {
  std::string out(human_name(r.protocol));
  out += ' ';
  out += human_name(r.family);
  out += ' ';
  out += to_string(r.scope);
  out += " bind at ";
  out += r.address;
  return out;
}

occupancy_probe::~occupancy_probe() = default;
probe_socket_calls::~probe_socket_calls() = default;

probe_socket_calls& probe_socket_calls::system() {
  static system_socket_calls* calls = new system_socket_calls();  // never deleted
  return *calls;
}

system_occupancy_probe::system_occupancy_probe(probe_socket_calls& calls, std::string proc_root)
    : calls_(calls), proc_root_(std::move(proc_root)) {}

port_occupancy system_occupancy_probe::check(std::uint16_t port, const occupancy_policy& policy) {
  port_occupancy out;
  table_reader tables(proc_root_);
  bool lacks_family[2] = {false, false};
  bool any_unknown = false;
  bool any_occupied = false;

  for (const probe_spec& spec : probe_matrix(policy)) {
    const std::size_t fam = spec.family == probe_family::ipv4 ? 0 : 1;
    if (lacks_family[fam]) {
      continue;
    }
    probe_result r = result_for(spec);
    const int err = calls_.bind_probe(spec, port);
    if (err != 0) {
      r.os_error = err;
      r.error = net_detail::os_error_text(err);
    }

    if (err == 0) {
      r.state = occupancy_state::free;
    } else if (err == EADDRINUSE) {
      r.state = occupancy_state::occupied;
    } else if (err == EAFNOSUPPORT ||
               (err == EADDRNOTAVAIL && spec.scope == probe_scope::localhost)) {
      // The host lacks this family (no IPv6 at all, or no ::1): bind probes
      // cannot tell anything there, and no process can hold such a port.
      lacks_family[fam] = true;
      out.notes.push_back(std::string(human_name(spec.family)) + " probes skipped for port " +
                          std::to_string(port) + ": " + describe_probe(r) + " failed: " + r.error);
      continue;
    } else if (err == EACCES) {
      // A privileged port for this user: the kernel's tables decide.
      std::optional<bool> held = tables.held(spec, port);
      std::string note = describe_probe(r) + " failed: " + r.error;
      if (!held) {
        r.state = occupancy_state::unknown;
        note += "; ";
        note += net_detail::socket_table_name(spec.protocol, spec.family);
        note += " is unreadable, so port ";
        note += std::to_string(port);
        note += " is possibly occupied";
      } else {
        r.state = *held ? occupancy_state::occupied : occupancy_state::free;
        note += "; the kernel's socket tables show it ";
        note += *held ? "in use" : "free";
      }
      out.notes.push_back(std::move(note));
    } else {
      r.state = occupancy_state::unknown;
    }

    any_occupied = any_occupied || r.state == occupancy_state::occupied;
    any_unknown = any_unknown || r.state == occupancy_state::unknown;
    out.probes.push_back(std::move(r));
  }

  out.state = any_occupied  ? occupancy_state::occupied
              : any_unknown ? occupancy_state::unknown
                            : occupancy_state::free;
  return out;
}

namespace testing {

port_occupancy fake_occupancy_probe::check(std::uint16_t port, const occupancy_policy& policy) {
  checked.push_back(port);
  port_occupancy out;
  const bool is_occupied = occupied.count(port) != 0;
  const bool is_unknown = !is_occupied && unknown.count(port) != 0;
  for (const probe_spec& spec : probe_matrix(policy)) {
    probe_result r = result_for(spec);
    const bool selected = (spec.protocol == probe_protocol::tcp ? occupied_tcp : occupied_udp) &&
                          (spec.family == probe_family::ipv4 ? occupied_ipv4 : occupied_ipv6);
    if (is_occupied && selected) {
      r.state = occupancy_state::occupied;
      r.os_error = EADDRINUSE;
    } else if (is_unknown) {
      r.state = occupancy_state::unknown;
      r.os_error = EIO;
    }
    if (r.os_error != 0) {
      r.error = net_detail::os_error_text(r.os_error);
    }
    if (r.state == occupancy_state::occupied) {
      out.state = occupancy_state::occupied;
    } else if (r.state == occupancy_state::unknown && out.state == occupancy_state::free) {
      out.state = occupancy_state::unknown;
    }
    out.probes.push_back(std::move(r));
  }
  return out;
}

}  // namespace testing
}  // namespace trop
