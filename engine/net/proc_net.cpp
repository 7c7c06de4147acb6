// Readers of the kernel's socket tables and process entries (see proc_net.h).
#include "net/proc_net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>

namespace trop::net_detail {
namespace {

// Splits on ASCII blanks, at most `max` fields (the tables have more columns
// than the ones we read).
std::vector<std::string_view> split_fields(std::string_view line, std::size_t max) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size() && out.size() < max) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
      ++i;
    }
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
      ++i;
    }
    if (i > start) {
      out.push_back(line.substr(start, i - start));
    }
  }
  return out;
}

template <class T>
bool parse_number(std::string_view text, int base, T* out) {
  if (text.empty()) {
    return false;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out, base);
  return ec == std::errc() && end == text.data() + text.size();
}

// "0100007F:1F90" → address bytes and port.
bool parse_endpoint(std::string_view text, probe_family family, ip_bytes* address,
                    std::uint16_t* port) {
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return false;
  }
  std::string_view hex = text.substr(0, colon);
  std::size_t words = family == probe_family::ipv4 ? 1 : 4;
  if (hex.size() != words * 8) {
    return false;
  }
  ip_bytes bytes{};
  for (std::size_t w = 0; w < words; ++w) {
    std::uint32_t value = 0;
    if (!parse_number(hex.substr(w * 8, 8), 16, &value)) {
      return false;
    }
    // The kernel printed the word's value as the host sees it: copying the
    // value back into memory restores the original (network-order) bytes.
    std::memcpy(bytes.data() + w * 4, &value, sizeof value);
  }
  std::string_view port_hex = text.substr(colon + 1);
  if (port_hex.size() != 4 || !parse_number(port_hex, 16, port)) {
    return false;
  }
  *address = bytes;
  return true;
}

// ::ffff:a.b.c.d
bool is_ipv4_mapped(const ip_bytes& a) {
  static constexpr std::uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(a.data(), kPrefix, sizeof kPrefix) == 0;
}

}  // namespace

std::vector<proc_socket> parse_socket_table(std::string_view text, probe_protocol protocol,
                                            probe_family family) {
  std::vector<proc_socket> out;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);

    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
    std::vector<std::string_view> f = split_fields(line, 10);
    if (f.size() < 10 || f[0].empty() || f[0].back() != ':') {
      continue;  // the header line or garbage
    }
    proc_socket s;
    s.protocol = protocol;
    s.family = family;
    if (!parse_endpoint(f[1], family, &s.address, &s.port) || !parse_number(f[3], 16, &s.state) ||
        !parse_number(f[7], 10, &s.uid) || !parse_number(f[9], 10, &s.inode)) {
      continue;
    }
    out.push_back(s);
  }
  return out;
}

std::string_view socket_table_name(probe_protocol protocol, probe_family family) {
  if (protocol == probe_protocol::tcp) {
    return family == probe_family::ipv4 ? "net/tcp" : "net/tcp6";
  }
  return family == probe_family::ipv4 ? "net/udp" : "net/udp6";
}

std::optional<std::vector<proc_socket>> read_socket_table(const std::string& proc_root,
                                                          probe_protocol protocol,
                                                          probe_family family) {
  std::string path = proc_root;
  path += '/';
  path += socket_table_name(protocol, family);
  std::optional<std::string> text = read_file(path);
  if (!text) {
    return std::nullopt;
  }
  return parse_socket_table(*text, protocol, family);
}

std::optional<ip_bytes> parse_ip(std::string_view text, probe_family family) {
  std::string s(text);
  ip_bytes out{};
  int af = family == probe_family::ipv4 ? AF_INET : AF_INET6;
  if (inet_pton(af, s.c_str(), out.data()) != 1) {
    return std::nullopt;
  }
  return out;
}

bool is_unspecified(const ip_bytes& a, probe_family family) {
  std::size_t n = family == probe_family::ipv4 ? 4 : 16;
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != 0) {
      return false;
    }
  }
  return true;
}

bool addresses_match(const ip_bytes& a, const ip_bytes& b, probe_family family) {
  std::size_t n = family == probe_family::ipv4 ? 4 : 16;
  return is_unspecified(a, family) || is_unspecified(b, family) ||
         std::memcmp(a.data(), b.data(), n) == 0;
}

bool holds_port(const proc_socket& s, probe_protocol protocol, probe_family family,
                const ip_bytes& address, std::uint16_t port) {
  if (s.protocol != protocol || s.family != family || s.port != port) {
    return false;
  }
  if (protocol == probe_protocol::tcp && s.state != kTcpListen) {
    return false;
  }
  return addresses_match(s.address, address, family);
}

bool holds_port_dual_stack(const proc_socket& s, probe_protocol protocol,
                           const ip_bytes& ipv4_address, std::uint16_t port) {
  if (s.protocol != protocol || s.family != probe_family::ipv6 || s.port != port) {
    return false;
  }
  if (protocol == probe_protocol::tcp && s.state != kTcpListen) {
    return false;
  }
  if (is_unspecified(s.address, probe_family::ipv6)) {
    return true;
  }
  if (!is_ipv4_mapped(s.address)) {
    return false;
  }
  ip_bytes mapped{};
  std::memcpy(mapped.data(), s.address.data() + 12, 4);
  return addresses_match(mapped, ipv4_address, probe_family::ipv4);
}

std::optional<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return std::nullopt;
  }
  std::string out;
  char buf[8192];
  bool ok = true;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      ok = false;
      break;
    }
  }
  ::close(fd);  // Not retried on EINTR: the descriptor is gone either way.
  if (!ok) {
    return std::nullopt;
  }
  return out;
}

std::string os_error_text(int err) {
  char buf[256];
  // GNU strerror_r may return a static string instead of filling buf.
  const char* text = strerror_r(err, buf, sizeof buf);
  std::string out(text);
  out += " (os error ";
  out += std::to_string(err);
  out += ')';
  return out;
}

}  // namespace trop::net_detail
