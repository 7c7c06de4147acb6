// `trop port-info <PORT>` (SPEC B §12.12, §13.4, §8, A.1, A.2 #19): the
// reservation block, the occupancy block with real sockets bound by this
// test, and the rendering of every probe state.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "../net/net_fixture.h"
#include "port_info_output.h"
#include "trop_fixture.h"

#ifndef TROP_LOCK_HOLDER
#error "TROP_LOCK_HOLDER must name the lock holder helper"
#endif

using trop::occupancy_state;
using trop::port_occupancy;
using trop::probe_family;
using trop::probe_protocol;
using trop::probe_result;
using trop::probe_scope;
using trop::reservation;
using trop::socket_owner;
using trop::test::child_process;
using trop::test::process_options;
using trop::test::process_result;
using trop::test::read_file;
using trop::test::run_options;
using trop::test::trop_fixture;
using namespace std::chrono_literals;

namespace {

// A socket held by this test. Close-on-exec, so the trop child does not
// inherit it: the owner port-info reports must be this process alone.
class held_socket {
 public:
  held_socket(probe_protocol protocol, probe_family family, const std::string& address,
              std::uint16_t port = 0) {
    const bool v6 = family == probe_family::ipv6;
    const bool tcp = protocol == probe_protocol::tcp;
    fd_ = ::socket(v6 ? AF_INET6 : AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
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
    if (rc != 0 || (tcp && ::listen(fd_, 4) != 0)) {
      int err = errno;
      ::close(fd_);
      throw std::runtime_error(std::string("bind/listen ") + address + ": " + std::strerror(err));
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len);
    port_ = v6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
               : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  }
  ~held_socket() { ::close(fd_); }
  held_socket(const held_socket&) = delete;
  held_socket& operator=(const held_socket&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

std::string my_comm() {
  std::string text = read_file("/proc/self/comm");
  while (!text.empty() && text.back() == '\n') {
    text.pop_back();
  }
  return text;
}

std::string my_user() {
  passwd* pw = ::getpwuid(::geteuid());
  REQUIRE(pw != nullptr);
  return pw->pw_name;
}

// The owner lines of this process holding the socket behind a probe.
std::string owned_by_me(const std::string& subject) {
  return "  - " + subject + "\n    Process ID: " + std::to_string(::getpid()) +
         "\n    Process: " + my_comm() + "\n    User: " + my_user() +
         "\n    Owner metadata: available\n";
}

std::string not_reserved(std::uint16_t port) {
  return "Port " + std::to_string(port) + " is not reserved\n";
}

const char* kOccupancy = "\nOccupancy status:\n";

reservation record(const std::string& path, std::optional<std::string> tag, std::uint16_t port,
                   std::optional<std::string> project = std::nullopt,
                   std::optional<std::string> task = std::nullopt) {
  reservation r;
  r.key.path = path;
  r.key.tag = std::move(tag);
  r.port = port;
  r.project = std::move(project);
  r.task = std::move(task);
  r.created_at = 1705314645;    // 2024-01-15 10:30:45 UTC
  r.last_used_at = 1705402245;  // 2024-01-16 10:50:45 UTC
  return r;
}

probe_result probe(probe_protocol p, probe_family f, probe_scope s, std::string address,
                   occupancy_state state, std::string error = {}) {
  probe_result r;
  r.protocol = p;
  r.family = f;
  r.scope = s;
  r.address = std::move(address);
  r.state = state;
  r.error = std::move(error);
  return r;
}

constexpr auto tcp = probe_protocol::tcp;
constexpr auto udp = probe_protocol::udp;
constexpr auto v4 = probe_family::ipv4;
constexpr auto v6 = probe_family::ipv6;
constexpr auto local = probe_scope::localhost;
constexpr auto any = probe_scope::wildcard;

void check_usage_error(const process_result& r, const std::string& detail) {
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("error: ", 0) == 0);
  CHECK(r.err.find(detail) != std::string::npos);
  CHECK(r.err.find("Usage:") != std::string::npos);
}

}  // namespace

TEST_CASE("port-info shows every field of a reservation", "[quick][port-info]") {
  trop_fixture fx;
  fx.seed({record(fx.work(), "web", 5003, "app", "main")});
  process_result r = fx.run({"port-info", "5003"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out == "Port: 5003\nPath: " + fx.work() +
                     "\nTag: web\nProject: app\nTask: main\nCreated: 2024-01-15 10:30:45\n"
                     "Last used: 2024-01-16 10:50:45\nPath exists: yes\n");
}

TEST_CASE("port-info leaves out absent tag, project and task", "[quick][port-info]") {
  trop_fixture fx;
  // A full path, not shortened to ~/ even under $HOME.
  fx.seed({record(fx.home() + "/gone", std::nullopt, 6000)});
  process_result r = fx.run({"port-info", "6000"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Port: 6000\nPath: " + fx.home() +
                     "/gone\nCreated: 2024-01-15 10:30:45\nLast used: 2024-01-16 10:50:45\n"
                     "Path exists: no\n");
  fx.seed({record(fx.work(), std::nullopt, 6001, std::nullopt, "t")});
  r = fx.run({"port-info", "6001"});
  CHECK(r.out == "Port: 6001\nPath: " + fx.work() +
                     "\nTask: t\nCreated: 2024-01-15 10:30:45\nLast used: 2024-01-16 10:50:45\n"
                     "Path exists: yes\n");
}

TEST_CASE("port-info 'Path exists' follows symlinks and accepts any file type",
          "[quick][port-info]") {
  trop_fixture fx;
  trop::test::write_file(fx.work() + "/file", "x");
  std::filesystem::create_symlink(fx.work() + "/file", fx.work() + "/good-link");
  std::filesystem::create_symlink(fx.work() + "/missing", fx.work() + "/dangling");
  fx.seed({record(fx.work() + "/file", std::nullopt, 5001),
           record(fx.work() + "/good-link", std::nullopt, 5002),
           record(fx.work() + "/dangling", std::nullopt, 5003)});
  auto exists_line = [&](const char* port) {
    std::string out = fx.run({"port-info", port}).out;
    return out.substr(out.rfind("Path exists: "));
  };
  CHECK(exists_line("5001") == "Path exists: yes\n");
  CHECK(exists_line("5002") == "Path exists: yes\n");
  CHECK(exists_line("5003") == "Path exists: no\n");
}

TEST_CASE("port-info escapes control characters in stored text", "[quick][port-info]") {
  trop_fixture fx;
  fx.seed({record("/srv/a\tb", "x\ny", 5001, "p\x01q")});
  process_result r = fx.run({"port-info", "5001"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("Port: 5001\nPath: /srv/a\\tb\nTag: x\\ny\nProject: p\\x01q\nCreated: ", 0) ==
        0);
}

TEST_CASE("port-info of an unreserved port says so", "[quick][port-info]") {
  trop_fixture fx;
  fx.seed({record(fx.work(), std::nullopt, 5003)});
  process_result r = fx.run({"port-info", "5004"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Port 5004 is not reserved\n");
  CHECK(r.err.empty());
  CHECK(fx.run({"port-info", "+65535"}).out == "Port 65535 is not reserved\n");
}

TEST_CASE("port-info PORT: 0 is exit 4, a non-u16 is a usage error", "[quick][port-info]") {
  trop_fixture fx;
  process_result r = fx.run({"port-info", "0"});
  CHECK(r.exit_code == 4);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Invalid arguments: invalid port 0: port 0 is invalid\n");
  CHECK(fx.run({"port-info", "0", "--include-occupancy"}).exit_code == 4);
  check_usage_error(fx.run({"port-info", "http"}),
                    "invalid value 'http' for '<PORT>': invalid digit found in string");
  check_usage_error(fx.run({"port-info", "65536"}), "65536 is not in 0..=65535");
  check_usage_error(fx.run({"port-info"}), "PORT");
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("port-info accepts the occupancy flags only with --include-occupancy",
          "[quick][port-info]") {
  trop_fixture fx;
  for (const char* flag : {"--skip-occupancy-check", "--skip-tcp", "--skip-udp", "--skip-ipv4",
                           "--skip-ipv6", "--check-all-interfaces"}) {
    INFO(flag);
    check_usage_error(fx.run({"port-info", "5000", flag}),
                      std::string("the argument '") + flag + "' requires '--include-occupancy'");
    process_result r = fx.run({"port-info", "5000", "--include-occupancy", flag});
    CHECK(r.exit_code == 0);
    CHECK(r.out.rfind("Port 5000 is not reserved\n\nOccupancy status:\n  ", 0) == 0);
  }
}

TEST_CASE("port-info --include-occupancy: a free port is available", "[quick][port-info]") {
  trop_fixture fx;
  std::uint16_t port = trop::testing::fresh_port();
  fx.seed({record(fx.work(), std::nullopt, port)});
  process_result r = fx.run({"port-info", std::to_string(port), "--include-occupancy"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out.rfind("Port: " + std::to_string(port) + "\n", 0) == 0);
  CHECK(r.out.substr(r.out.find("Path exists: yes\n") + 17) ==
        std::string(kOccupancy) + "  Port is available\n");
}

TEST_CASE("port-info --include-occupancy: a policy without probes checks nothing",
          "[quick][port-info]") {
  trop_fixture fx;
  held_socket s(tcp, v4, "127.0.0.1");  // occupied, but no probe may look
  const std::string port = std::to_string(s.port());
  const std::string expected = not_reserved(s.port()) + kOccupancy +
                               "  Not checked: the effective policy disabled every probe\n";
  for (const std::vector<std::string>& flags : {std::vector<std::string>{"--skip-occupancy-check"},
                                                {"--skip-tcp", "--skip-udp"},
                                                {"--skip-ipv4", "--skip-ipv6"}}) {
    std::vector<std::string> args = {"port-info", port, "--include-occupancy"};
    args.insert(args.end(), flags.begin(), flags.end());
    CHECK(fx.run(args).out == expected);
  }
  // The same from the environment and from a project file (Discover scope).
  run_options o;
  o.env = {{"TROP_SKIP_OCCUPANCY_CHECK", "yes"}};
  CHECK(fx.run({"port-info", port, "--include-occupancy"}, o).out == expected);
  trop::test::write_file(fx.work() + "/trop.yaml", "occupancy_check:\n  skip: true\n");
  CHECK(fx.run({"port-info", port, "--include-occupancy"}).out == expected);
}

TEST_CASE("port-info --include-occupancy names this process for a TCP IPv4 listener",
          "[quick][port-info]") {
  trop_fixture fx;
  held_socket s(tcp, v4, "127.0.0.1");
  const std::string port = std::to_string(s.port());
  process_result r = fx.run({"port-info", port, "--include-occupancy"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out == not_reserved(s.port()) + kOccupancy + "  Port is currently in use\n" +
                     owned_by_me("TCP IPv4 localhost at 127.0.0.1"));
  // Skipping TCP or IPv4 skips the probe that sees it.
  CHECK(fx.run({"port-info", port, "--include-occupancy", "--skip-tcp"}).out ==
        not_reserved(s.port()) + kOccupancy + "  Port is available\n");
  CHECK(fx.run({"port-info", port, "--include-occupancy", "--skip-ipv4"}).out ==
        not_reserved(s.port()) + kOccupancy + "  Port is available\n");
  // The wildcard probe collides with the loopback holder too.
  CHECK(fx.run({"port-info", port, "--include-occupancy", "--check-all-interfaces"}).out ==
        not_reserved(s.port()) + kOccupancy + "  Port is currently in use\n" +
            owned_by_me("TCP IPv4 localhost at 127.0.0.1") +
            owned_by_me("TCP IPv4 wildcard at 0.0.0.0"));
}

TEST_CASE("port-info --include-occupancy lists TCP and UDP holders in probe order",
          "[quick][port-info]") {
  trop_fixture fx;
  // A UDP socket on the TCP listener's port (retry if that UDP port is taken).
  std::unique_ptr<held_socket> t, u;
  for (int attempt = 0; attempt < 20 && !u; ++attempt) {
    t = std::make_unique<held_socket>(tcp, v4, "127.0.0.1");
    try {
      u = std::make_unique<held_socket>(udp, v4, "127.0.0.1", t->port());
    } catch (const std::runtime_error&) {
    }
  }
  REQUIRE(u);
  const std::string port = std::to_string(t->port());
  process_result r = fx.run({"port-info", port, "--include-occupancy"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == not_reserved(t->port()) + kOccupancy + "  Port is currently in use\n" +
                     owned_by_me("TCP IPv4 localhost at 127.0.0.1") +
                     owned_by_me("UDP IPv4 localhost at 127.0.0.1"));
  CHECK(fx.run({"port-info", port, "--include-occupancy", "--skip-tcp"}).out ==
        not_reserved(t->port()) + kOccupancy + "  Port is currently in use\n" +
            owned_by_me("UDP IPv4 localhost at 127.0.0.1"));
  CHECK(fx.run({"port-info", port, "--include-occupancy", "--skip-udp"}).out ==
        not_reserved(t->port()) + kOccupancy + "  Port is currently in use\n" +
            owned_by_me("TCP IPv4 localhost at 127.0.0.1"));
}

TEST_CASE("port-info --include-occupancy sees IPv6 holders on ::1", "[quick][port-info]") {
  if (!trop::testing::host_has_ipv6_loopback()) {
    WARN("skipped: this host cannot bind ::1");
    return;
  }
  trop_fixture fx;
  std::unique_ptr<held_socket> t, u;
  for (int attempt = 0; attempt < 20 && !u; ++attempt) {
    t = std::make_unique<held_socket>(tcp, v6, "::1");
    try {
      u = std::make_unique<held_socket>(udp, v6, "::1", t->port());
    } catch (const std::runtime_error&) {
    }
  }
  REQUIRE(u);
  const std::string port = std::to_string(t->port());
  fx.seed({record(fx.work(), "svc", t->port())});
  process_result r = fx.run({"port-info", port, "--include-occupancy"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Port: " + port + "\nPath: " + fx.work() +
                     "\nTag: svc\nCreated: 2024-01-15 10:30:45\nLast used: 2024-01-16 10:50:45\n"
                     "Path exists: yes\n" +
                     kOccupancy + "  Port is currently in use\n" +
                     owned_by_me("TCP IPv6 localhost at ::1") +
                     owned_by_me("UDP IPv6 localhost at ::1"));
  CHECK(fx.run({"port-info", port, "--include-occupancy", "--skip-ipv6"})
            .out.find("  Port is available\n") != std::string::npos);
}

TEST_CASE("port-info renders a failed probe as possibly in use (A.2 #19)", "[quick][port-info]") {
  port_occupancy o;
  o.state = occupancy_state::unknown;
  o.probes = {probe(tcp, v4, local, "127.0.0.1", occupancy_state::free),
              probe(udp, v4, local, "127.0.0.1", occupancy_state::unknown,
                    "Permission denied (os error 13)"),
              probe(tcp, v6, local, "::1", occupancy_state::unknown)};
  int lookups = 0;
  auto owner = [&](const probe_result&) {
    ++lookups;
    return socket_owner{};
  };
  CHECK(trop::cli::render_occupancy_info(true, o, owner) ==
        "\nOccupancy status:\n"
        "  Port is possibly in use (an occupancy probe failed)\n"
        "  - UDP IPv4 localhost at 127.0.0.1: possibly in use (probe failed: Permission denied "
        "(os error 13))\n"
        "  - TCP IPv6 localhost at ::1: possibly in use (probe failed)\n");
  CHECK(lookups == 0);  // owners are looked up for occupied probes only

  // Occupied wins over unknown; both kinds are listed in probe order.
  o.state = occupancy_state::occupied;
  o.probes = {probe(tcp, v4, local, "127.0.0.1", occupancy_state::unknown, "Boom (os error 5)"),
              probe(udp, v4, any, "0.0.0.0", occupancy_state::occupied)};
  auto partial = [&](const probe_result& p) {
    ++lookups;
    CHECK(p.address == "0.0.0.0");
    socket_owner s;
    s.pid = 42;
    return s;
  };
  CHECK(trop::cli::render_occupancy_info(true, o, partial) ==
        "\nOccupancy status:\n"
        "  Port is currently in use\n"
        "  - TCP IPv4 localhost at 127.0.0.1: possibly in use (probe failed: Boom (os error 5))\n"
        "  - UDP IPv4 wildcard at 0.0.0.0\n"
        "    Process ID: 42\n"
        "    Process: unavailable\n"
        "    User: unavailable\n"
        "    Owner metadata: partial\n");
  CHECK(lookups == 1);
}

TEST_CASE("port-info renders unknown owners and the probe-free policy", "[quick][port-info]") {
  port_occupancy o;
  o.state = occupancy_state::occupied;
  o.probes = {probe(tcp, v6, any, "::", occupancy_state::occupied)};
  CHECK(trop::cli::render_occupancy_info(true, o, nullptr) ==
        "\nOccupancy status:\n  Port is currently in use\n  - TCP IPv6 wildcard at ::\n"
        "    Process ID: unavailable\n    Process: unavailable\n    User: unavailable\n"
        "    Owner metadata: unavailable\n");
  socket_owner full;
  full.pid = 7;
  full.process_name = "srv\tx";
  full.user = "me";
  CHECK(trop::cli::render_occupancy_info(true, o, [&](const probe_result&) { return full; }) ==
        "\nOccupancy status:\n  Port is currently in use\n  - TCP IPv6 wildcard at ::\n"
        "    Process ID: 7\n    Process: srv\\tx\n    User: me\n"
        "    Owner metadata: available\n");
  CHECK(trop::cli::render_occupancy_info(false, port_occupancy{}, nullptr) ==
        "\nOccupancy status:\n  Not checked: the effective policy disabled every probe\n");
  // A host without IPv6 ran no probe there at all: that is simply free.
  CHECK(trop::cli::render_occupancy_info(true, port_occupancy{}, nullptr) ==
        "\nOccupancy status:\n  Port is available\n");
}

TEST_CASE("port-info on a missing store creates nothing", "[quick][port-info]") {
  trop_fixture fx;
  process_result r = fx.run({"port-info", "5000"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Port 5000 is not reserved\n");
  r = fx.run({"port-info", "5000", "--include-occupancy", "--skip-occupancy-check"});
  CHECK(r.exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("port-info with autoinit disabled and no store exits 3", "[quick][port-info]") {
  trop_fixture fx;
  process_result r = fx.run({"port-info", "5000", "--disable-autoinit"});
  CHECK(r.exit_code == 3);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Data directory not found (use --data-dir or enable auto-init)\n");
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("port-info resolves the discovered configuration", "[quick][port-info]") {
  trop_fixture fx;
  trop::test::write_file(fx.work() + "/trop.local.yaml", "occupancy_check: {skip_tcp: maybe}\n");
  process_result r = fx.run({"port-info", "5000"});
  CHECK(r.exit_code == 7);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("Error: Configuration error: ", 0) == 0);
  std::filesystem::remove(fx.work() + "/trop.local.yaml");
  run_options o;
  o.env = {{"TROP_TASK", ""}};  // A.2 #12: not read here
  CHECK(fx.run({"port-info", "5000"}, o).exit_code == 0);
}

TEST_CASE("port-info refuses a corrupt store and leaves it alone", "[quick][port-info]") {
  trop_fixture fx;
  std::filesystem::create_directories(fx.data_dir());
  std::string garbage(8192, '\x11');
  trop::test::write_file(fx.data_dir() + "/trop.db", garbage);
  process_result r = fx.run({"port-info", "5000"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("Error: database corruption detected: ", 0) == 0);
  CHECK(read_file(fx.data_dir() + "/trop.db") == garbage);
}

TEST_CASE("port-info never waits for a writer", "[torture][port-info]") {
  trop_fixture fx;
  fx.seed({record(fx.work(), std::nullopt, 5003)});
  process_options holder_opts;
  holder_opts.argv = {TROP_LOCK_HOLDER, fx.data_dir(), "60"};
  holder_opts.timeout = 120s;
  child_process holder(holder_opts);
  REQUIRE(holder.read_stdout_line(30s) == std::optional<std::string>("locked"));
  process_result r = fx.run({"port-info", "5003", "--busy-timeout", "0"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("Port: 5003\n", 0) == 0);
  CHECK(r.elapsed < 900ms);
}
