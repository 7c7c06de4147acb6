// Readers of the kernel's socket tables (/proc/net/{tcp,tcp6,udp,udp6}) and of
// process entries, shared by the EACCES decision and owner discovery.
// Thread safety: free functions without shared state.
//
// Everything here is best effort: a line or entry that does not parse is
// skipped, a file that cannot be read is std::nullopt. Nothing throws.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trop/occupancy.h"

namespace trop::net_detail {

// An IP address in network byte order; IPv4 uses the first 4 bytes.
using ip_bytes = std::array<std::uint8_t, 16>;

// The kernel's TCP_LISTEN state as the tables print it (st column).
constexpr unsigned kTcpListen = 0x0A;

// One row of a socket table.
struct proc_socket {
  probe_protocol protocol = probe_protocol::tcp;
  probe_family family = probe_family::ipv4;
  ip_bytes address{};
  std::uint16_t port = 0;
  unsigned state = 0;
  std::uint32_t uid = 0;
  std::uint64_t inode = 0;  // 0 for sockets no process holds (e.g. TIME_WAIT)
};

// Parses a table's text. The kernel prints each 32-bit word of an address as
// 8 hex digits of the word's host-order value, so "0100007F" is 127.0.0.1 on
// a little-endian host; the port is 4 hex digits of its numeric value.
// The header line and malformed lines are skipped.
std::vector<proc_socket> parse_socket_table(std::string_view text, probe_protocol protocol,
                                            probe_family family);

// "net/tcp", "net/tcp6", "net/udp" or "net/udp6".
std::string_view socket_table_name(probe_protocol protocol, probe_family family);

// Reads and parses <proc_root>/net/<table>; nullopt when unreadable.
std::optional<std::vector<proc_socket>> read_socket_table(const std::string& proc_root,
                                                          probe_protocol protocol,
                                                          probe_family family);

// inet_pton of `text` for `family`; nullopt when it is not an address.
std::optional<ip_bytes> parse_ip(std::string_view text, probe_family family);

// True for 0.0.0.0 / ::.
bool is_unspecified(const ip_bytes& a, probe_family family);

// The matching rule of SPEC B §8.4: equal addresses, or either side unspecified.
bool addresses_match(const ip_bytes& a, const ip_bytes& b, probe_family family);

// Whether a socket in the table holds `port` against a bind at `address`
// (`family`, `protocol`): a TCP socket in LISTEN or any UDP socket with that
// port and a matching address.
bool holds_port(const proc_socket& s, probe_protocol protocol, probe_family family,
                const ip_bytes& address, std::uint16_t port);
// The same for an IPv4 bind against a row of the IPv6 table: a dual-stack
// socket bound to "::" or to the IPv4-mapped form of `ipv4_address` holds the
// IPv4 port too. (The tables do not show IPV6_V6ONLY, so this errs towards
// "occupied".)
bool holds_port_dual_stack(const proc_socket& s, probe_protocol protocol,
                           const ip_bytes& ipv4_address, std::uint16_t port);

// The whole content of a small file (procfs files report size 0, so this
// reads until EOF); nullopt when it cannot be opened or read.
std::optional<std::string> read_file(const std::string& path);

// "<strerror> (os error <n>)".
std::string os_error_text(int err);

}  // namespace trop::net_detail
