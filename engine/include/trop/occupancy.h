// Occupancy probing (SPEC B §8, A.2 #19): whether some process uses a port
// right now, decided by bind probes, and who owns the socket that holds it.
// Thread safety: system_occupancy_probe and probe_socket_calls::system() keep
// no mutable state and may be shared between threads; a socket_owner_finder
// and a testing::fake_occupancy_probe are used by one thread at a time.
//
// Nothing here fails: a probe that cannot decide says `unknown` ("possibly
// occupied"), and owner discovery leaves what it cannot learn empty. The
// socket tables and process entries are read directly from /proc (not through
// trop::env): they are kernel views, never store files, and tests point the
// readers at fixture directories instead.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace trop {

// The effective occupancy policy (SPEC B §8.1). The config's `skip` leaf is
// folded in by the caller as all four skip flags.
struct occupancy_policy {
  bool skip_ip4 = false;
  bool skip_ip6 = false;
  bool skip_tcp = false;
  bool skip_udp = false;
  bool check_all_interfaces = false;

  friend bool operator==(const occupancy_policy&, const occupancy_policy&) = default;
};

enum class probe_protocol { tcp, udp };
enum class probe_family { ipv4, ipv6 };
enum class probe_scope { localhost, wildcard };

// What a probe, or a whole port check, found.
enum class occupancy_state {
  free,      // every probe that ran could bind
  occupied,  // some probe met EADDRINUSE (or the socket tables show a holder)
  unknown,   // some probe failed otherwise: "possibly occupied" (A.2 #19)
};

// One cell of the probe matrix. `address` is one of the literals "127.0.0.1",
// "::1", "0.0.0.0", "::" (static storage).
struct probe_spec {
  probe_protocol protocol = probe_protocol::tcp;
  probe_family family = probe_family::ipv4;
  probe_scope scope = probe_scope::localhost;
  std::string_view address;

  friend bool operator==(const probe_spec&, const probe_spec&) = default;
};

// The probes `policy` enables, in the fixed order of SPEC B §8.2: IPv4 then
// IPv6; per family the loopback address, then (with check_all_interfaces) the
// wildcard address; per address TCP then UDP. At most 8; empty when both
// families or both protocols are skipped (the port is then never occupied).
std::vector<probe_spec> probe_matrix(const occupancy_policy& policy);

// The outcome of one probe that ran.
struct probe_result {
  probe_protocol protocol = probe_protocol::tcp;
  probe_family family = probe_family::ipv4;
  probe_scope scope = probe_scope::localhost;
  std::string address;  // "127.0.0.1", "::1", "0.0.0.0" or "::"
  occupancy_state state = occupancy_state::free;
  int os_error = 0;   // the errno of the failed call; 0 when bind succeeded
  std::string error;  // "<strerror> (os error <n>)"; empty when bind succeeded

  friend bool operator==(const probe_result&, const probe_result&) = default;
};

// The outcome of checking one port.
struct port_occupancy {
  // occupied if any probe is occupied, else unknown if any is unknown, else free.
  occupancy_state state = occupancy_state::free;
  // One entry per probe that ran, in matrix order. Probes of an address family
  // the host lacks are not run and have no entry (see notes).
  std::vector<probe_result> probes;
  // Human-readable explanations for --verbose: a family skipped because the
  // host lacks it, a privileged port decided from the socket tables.
  std::vector<std::string> notes;
};

// Display names (SPEC B §8.4): human "TCP"/"UDP", "IPv4"/"IPv6"; machine
// "tcp"/"udp", "ipv4"/"ipv6"; scope "localhost"/"wildcard" in both.
std::string_view human_name(probe_protocol p);
std::string_view machine_name(probe_protocol p);
std::string_view human_name(probe_family f);
std::string_view machine_name(probe_family f);
std::string_view to_string(probe_scope s);
std::string_view to_string(occupancy_state s);  // "free", "occupied", "unknown"

// "<PROTO> <Family> <scope> bind at <address>", e.g. "TCP IPv6 localhost bind
// at ::1", the subject of SPEC B §8.3's probe messages.
std::string describe_probe(const probe_result& r);

// "Is some process using this port right now?"
class occupancy_probe {
 public:
  virtual ~occupancy_probe();
  // Runs the probes `policy` enables against `port`. Never fails: what it
  // cannot decide is `unknown`. REQUIRES: port >= 1.
  virtual port_occupancy check(std::uint16_t port, const occupancy_policy& policy) = 0;
};

// The socket calls of one probe: a seam so tests can simulate hosts without
// IPv6, privileged ports and odd failures without root tricks.
class probe_socket_calls {
 public:
  virtual ~probe_socket_calls();
  // Creates a socket of spec's family and protocol, turns SO_REUSEADDR off
  // (and IPV6_V6ONLY on for IPv6), binds it to spec.address:port (no listen)
  // and closes it. Returns 0 when bind succeeded, else the errno of the first
  // call that failed.
  virtual int bind_probe(const probe_spec& spec, std::uint16_t port) = 0;

  // The real system calls. Never deleted.
  static probe_socket_calls& system();
};

// Bind probes with the outcomes of A.2 #19:
//   * bind succeeds → free; EADDRINUSE → occupied;
//   * EAFNOSUPPORT, or EADDRNOTAVAIL at the loopback address → the host lacks
//     that family: its remaining probes are skipped and a note says so;
//   * EACCES (a privileged port for this user) → decided from the kernel's
//     socket tables <proc_root>/net/{tcp,tcp6,udp,udp6}: occupied when a
//     listening TCP socket / a bound UDP socket has the port and a matching
//     address (equal, or either side unspecified; an IPv4 probe also counts a
//     "::" socket and an IPv4-mapped one, since dual-stack sockets hold the
//     IPv4 port too), free otherwise, unknown if the table is unreadable;
//   * any other error → unknown.
class system_occupancy_probe final : public occupancy_probe {
 public:
  // `calls` is not owned and must outlive the probe.
  explicit system_occupancy_probe(probe_socket_calls& calls = probe_socket_calls::system(),
                                  std::string proc_root = "/proc");

  port_occupancy check(std::uint16_t port, const occupancy_policy& policy) override;

 private:
  probe_socket_calls& calls_;
  std::string proc_root_;
};

// How much of a socket's owner was found (SPEC B §8.4).
enum class owner_status {
  available,    // pid, process name and user all known
  partial,      // one or two of them known
  unavailable,  // none known
};
std::string_view to_string(owner_status s);  // "available", "partial", "unavailable"

// The process holding a socket, as far as it could be learnt.
struct socket_owner {
  std::optional<std::int64_t> pid;
  std::optional<std::string> process_name;  // /proc/<pid>/comm
  std::optional<std::string> user;          // the socket's uid, by getpwuid_r

  owner_status status() const;
  friend bool operator==(const socket_owner&, const socket_owner&) = default;
};

// Owner discovery for `scan` and `port-info --include-occupancy` (SPEC B
// §8.4). Best effort: unreadable tables, process entries or user names leave
// the field empty; nothing is ever an error.
//
// The socket tables and the inode → pid map are read once, at the first
// find() that needs them, and reused: a finder is a snapshot for one command.
class socket_owner_finder {
 public:
  // Reads <proc_root>/net/{tcp,tcp6,udp,udp6}, <proc_root>/<pid>/fd/* and
  // <proc_root>/<pid>/comm.
  explicit socket_owner_finder(std::string proc_root = "/proc");
  ~socket_owner_finder();
  socket_owner_finder(const socket_owner_finder&) = delete;
  socket_owner_finder& operator=(const socket_owner_finder&) = delete;

  // The owner of the sockets with the probe's protocol, family and `port`
  // whose local address equals the probe's address or where either side is
  // unspecified. TCP prefers listening sockets. Among the matching sockets
  // the lowest pid that holds one wins; the user is that socket's uid (or the
  // first match's uid when no pid is known).
  socket_owner find(const probe_result& probe, std::uint16_t port);

 private:
  struct cache;
  std::string proc_root_;
  std::unique_ptr<cache> cache_;
};

namespace testing {

// A deterministic probe for other modules' tests: ports in `occupied` are in
// use for every enabled probe of the selected protocols and families, ports in
// `unknown` (and not occupied) fail every enabled probe. Every checked port is
// appended to `checked`.
class fake_occupancy_probe final : public occupancy_probe {
 public:
  std::set<std::uint16_t> occupied;
  std::set<std::uint16_t> unknown;
  bool occupied_tcp = true;
  bool occupied_udp = true;
  bool occupied_ipv4 = true;
  bool occupied_ipv6 = true;
  std::vector<std::uint16_t> checked;

  port_occupancy check(std::uint16_t port, const occupancy_policy& policy) override;
};

}  // namespace testing
}  // namespace trop
