// Bind probes: the matrix, real sockets, and every outcome of A.2 #19 through
// the injected socket seam.
#include <catch2/catch.hpp>

#include <cerrno>
#include <string>
#include <vector>

#include "net_fixture.h"
#include "trop/occupancy.h"

using trop::occupancy_policy;
using trop::occupancy_state;
using trop::port_occupancy;
using trop::probe_family;
using trop::probe_protocol;
using trop::probe_result;
using trop::probe_scope;
using trop::probe_spec;
using trop::system_occupancy_probe;
using trop::testing::bound_socket;
using trop::testing::scripted_socket_calls;
using trop::testing::temp_dir;

namespace {

constexpr auto tcp = probe_protocol::tcp;
constexpr auto udp = probe_protocol::udp;
constexpr auto v4 = probe_family::ipv4;
constexpr auto v6 = probe_family::ipv6;
constexpr auto lo = probe_scope::localhost;
constexpr auto any = probe_scope::wildcard;

// "TCP IPv4 localhost 127.0.0.1 occupied" per row, to compare whole results.
std::vector<std::string> rows(const port_occupancy& o) {
  std::vector<std::string> out;
  for (const probe_result& r : o.probes) {
    out.push_back(trop::describe_probe(r) + " " + std::string(trop::to_string(r.state)));
  }
  return out;
}

const probe_result& row(const port_occupancy& o, probe_protocol p, probe_family f, probe_scope s) {
  for (const probe_result& r : o.probes) {
    if (r.protocol == p && r.family == f && r.scope == s) {
      return r;
    }
  }
  FAIL("no probe row " << trop::human_name(p) << " " << trop::human_name(f) << " "
                       << trop::to_string(s));
  throw;  // unreachable: FAIL throws
}

occupancy_policy all_interfaces() {
  occupancy_policy p;
  p.check_all_interfaces = true;
  return p;
}

}  // namespace

TEST_CASE("The probe matrix runs IPv4 then IPv6, loopback then wildcard, TCP then UDP", "[quick]") {
  std::vector<probe_spec> m = trop::probe_matrix(all_interfaces());
  std::vector<probe_spec> expected = {
      {tcp, v4, lo, "127.0.0.1"}, {udp, v4, lo, "127.0.0.1"}, {tcp, v4, any, "0.0.0.0"},
      {udp, v4, any, "0.0.0.0"},  {tcp, v6, lo, "::1"},       {udp, v6, lo, "::1"},
      {tcp, v6, any, "::"},       {udp, v6, any, "::"},
  };
  CHECK(m == expected);

  std::vector<probe_spec> defaults = trop::probe_matrix(occupancy_policy{});
  CHECK(defaults == std::vector<probe_spec>{{tcp, v4, lo, "127.0.0.1"},
                                            {udp, v4, lo, "127.0.0.1"},
                                            {tcp, v6, lo, "::1"},
                                            {udp, v6, lo, "::1"}});
}

TEST_CASE("Skip flags remove their probes from the matrix", "[quick]") {
  occupancy_policy p = all_interfaces();
  p.skip_udp = true;
  p.skip_ip6 = true;
  CHECK(trop::probe_matrix(p) ==
        std::vector<probe_spec>{{tcp, v4, lo, "127.0.0.1"}, {tcp, v4, any, "0.0.0.0"}});

  occupancy_policy q;
  q.skip_tcp = true;
  q.skip_ip4 = true;
  CHECK(trop::probe_matrix(q) == std::vector<probe_spec>{{udp, v6, lo, "::1"}});

  occupancy_policy no_protocols;
  no_protocols.skip_tcp = no_protocols.skip_udp = true;
  CHECK(trop::probe_matrix(no_protocols).empty());
  occupancy_policy no_families;
  no_families.skip_ip4 = no_families.skip_ip6 = true;
  CHECK(trop::probe_matrix(no_families).empty());
}

TEST_CASE("A port nobody holds is free on every probe", "[quick]") {
  const bool has6 = trop::testing::host_has_ipv6_loopback();
  std::uint16_t port = trop::testing::fresh_port();
  port_occupancy o = system_occupancy_probe().check(port, all_interfaces());
  CHECK(o.state == occupancy_state::free);
  CHECK(o.probes.size() == (has6 ? 8u : 4u));
  for (const probe_result& r : o.probes) {
    CHECK(r.state == occupancy_state::free);
    CHECK(r.os_error == 0);
    CHECK(r.error.empty());
  }
  if (has6) {
    CHECK(o.notes.empty());
  }
}

TEST_CASE("A TCP socket bound on 127.0.0.1 occupies only the TCP IPv4 probe", "[quick]") {
  bound_socket s(tcp, v4, "127.0.0.1");
  port_occupancy o = system_occupancy_probe().check(s.port(), occupancy_policy{});
  CHECK(o.state == occupancy_state::occupied);
  REQUIRE(o.probes.size() >= 2);
  CHECK(o.probes[0].protocol == tcp);
  CHECK(o.probes[0].family == v4);
  CHECK(o.probes[0].scope == lo);
  CHECK(o.probes[0].address == "127.0.0.1");
  CHECK(o.probes[0].state == occupancy_state::occupied);
  CHECK(o.probes[0].os_error == EADDRINUSE);
  CHECK(o.probes[0].error ==
        std::string(std::strerror(EADDRINUSE)) + " (os error " + std::to_string(EADDRINUSE) + ")");
  for (std::size_t i = 1; i < o.probes.size(); ++i) {
    CHECK(o.probes[i].state == occupancy_state::free);
  }
}

TEST_CASE("A UDP socket bound on 127.0.0.1 occupies only the UDP IPv4 probe", "[quick]") {
  bound_socket s(udp, v4, "127.0.0.1");
  port_occupancy o = system_occupancy_probe().check(s.port(), occupancy_policy{});
  CHECK(o.state == occupancy_state::occupied);
  CHECK(row(o, tcp, v4, lo).state == occupancy_state::free);
  CHECK(row(o, udp, v4, lo).state == occupancy_state::occupied);
  CHECK(row(o, udp, v4, lo).os_error == EADDRINUSE);
}

TEST_CASE("Sockets bound on ::1 occupy the IPv6 probes of their protocol", "[quick]") {
  if (!trop::testing::host_has_ipv6_loopback()) {
    WARN("skipped: this host cannot bind ::1");
    return;
  }
  SECTION("TCP") {
    bound_socket s(tcp, v6, "::1");
    port_occupancy o = system_occupancy_probe().check(s.port(), occupancy_policy{});
    CHECK(rows(o) == std::vector<std::string>{"TCP IPv4 localhost bind at 127.0.0.1 free",
                                              "UDP IPv4 localhost bind at 127.0.0.1 free",
                                              "TCP IPv6 localhost bind at ::1 occupied",
                                              "UDP IPv6 localhost bind at ::1 free"});
    CHECK(o.state == occupancy_state::occupied);
  }
  SECTION("UDP") {
    bound_socket s(udp, v6, "::1");
    port_occupancy o = system_occupancy_probe().check(s.port(), occupancy_policy{});
    CHECK(rows(o) == std::vector<std::string>{"TCP IPv4 localhost bind at 127.0.0.1 free",
                                              "UDP IPv4 localhost bind at 127.0.0.1 free",
                                              "TCP IPv6 localhost bind at ::1 free",
                                              "UDP IPv6 localhost bind at ::1 occupied"});
  }
}

TEST_CASE("Skipping the holder's protocol or family reports the port free", "[quick]") {
  bound_socket s(tcp, v4, "127.0.0.1");
  system_occupancy_probe probe;

  occupancy_policy no_tcp;
  no_tcp.skip_tcp = true;
  port_occupancy a = probe.check(s.port(), no_tcp);
  CHECK(a.state == occupancy_state::free);
  for (const probe_result& r : a.probes) {
    CHECK(r.protocol == udp);
  }

  occupancy_policy no_ip4;
  no_ip4.skip_ip4 = true;
  port_occupancy b = probe.check(s.port(), no_ip4);
  CHECK(b.state == occupancy_state::free);
  for (const probe_result& r : b.probes) {
    CHECK(r.family == v6);
  }

  occupancy_policy nothing;
  nothing.skip_tcp = nothing.skip_udp = true;
  port_occupancy c = probe.check(s.port(), nothing);
  CHECK(c.state == occupancy_state::free);
  CHECK(c.probes.empty());
}

TEST_CASE("check_all_interfaces adds the wildcard rows, which a loopback holder occupies",
          "[quick]") {
  bound_socket s(tcp, v4, "127.0.0.1");
  port_occupancy o = system_occupancy_probe().check(s.port(), all_interfaces());
  CHECK(row(o, tcp, v4, lo).state == occupancy_state::occupied);
  CHECK(row(o, udp, v4, lo).state == occupancy_state::free);
  // Binding 0.0.0.0 needs every IPv4 address of the port, 127.0.0.1 included.
  CHECK(row(o, tcp, v4, any).state == occupancy_state::occupied);
  CHECK(row(o, tcp, v4, any).address == "0.0.0.0");
  CHECK(row(o, udp, v4, any).state == occupancy_state::free);
  if (trop::testing::host_has_ipv6_loopback()) {
    CHECK(o.probes.size() == 8);
    CHECK(row(o, tcp, v6, any).address == "::");
    // IPv6 probes set IPV6_V6ONLY, so an IPv4 holder does not show there.
    CHECK(row(o, tcp, v6, any).state == occupancy_state::free);
  }
}

TEST_CASE("A wildcard holder occupies the loopback probe too", "[quick]") {
  bound_socket s(udp, v4, "0.0.0.0");
  port_occupancy o = system_occupancy_probe().check(s.port(), occupancy_policy{});
  CHECK(o.state == occupancy_state::occupied);
  CHECK(row(o, udp, v4, lo).state == occupancy_state::occupied);
}

TEST_CASE("EAFNOSUPPORT skips the family's remaining probes with a note", "[quick]") {
  scripted_socket_calls calls;
  calls.fail_family(v6, EAFNOSUPPORT);
  system_occupancy_probe probe(calls);
  port_occupancy o = probe.check(6001, all_interfaces());
  CHECK(o.state == occupancy_state::free);
  CHECK(rows(o) == std::vector<std::string>{"TCP IPv4 localhost bind at 127.0.0.1 free",
                                            "UDP IPv4 localhost bind at 127.0.0.1 free",
                                            "TCP IPv4 wildcard bind at 0.0.0.0 free",
                                            "UDP IPv4 wildcard bind at 0.0.0.0 free"});
  // One IPv6 attempt, then the family is known to be missing.
  REQUIRE(calls.calls.size() == 5);
  CHECK(calls.calls[4] == probe_spec{tcp, v6, lo, "::1"});
  REQUIRE(o.notes.size() == 1);
  CHECK(o.notes[0].find("IPv6 probes skipped for port 6001") == 0);
  CHECK(o.notes[0].find("TCP IPv6 localhost bind at ::1 failed: ") != std::string::npos);
  CHECK(o.notes[0].find(std::string("(os error ") + std::to_string(EAFNOSUPPORT) + ")") !=
        std::string::npos);
}

TEST_CASE("EADDRNOTAVAIL at the loopback address skips the family", "[quick]") {
  scripted_socket_calls calls;
  calls.fail(tcp, v6, lo, EADDRNOTAVAIL);
  system_occupancy_probe probe(calls);
  port_occupancy o = probe.check(6002, all_interfaces());
  CHECK(o.state == occupancy_state::free);
  CHECK(o.probes.size() == 4);
  for (const probe_result& r : o.probes) {
    CHECK(r.family == v4);
  }
  CHECK(calls.calls.size() == 5);  // neither UDP ::1 nor the :: probes ran
  REQUIRE(o.notes.size() == 1);
  CHECK(o.notes[0].find("IPv6 probes skipped") == 0);
}

TEST_CASE("EADDRNOTAVAIL at the wildcard address is possibly occupied", "[quick]") {
  scripted_socket_calls calls;
  calls.fail(udp, v4, any, EADDRNOTAVAIL);
  port_occupancy o = system_occupancy_probe(calls).check(6003, all_interfaces());
  CHECK(o.state == occupancy_state::unknown);
  CHECK(row(o, udp, v4, any).state == occupancy_state::unknown);
  CHECK(row(o, udp, v4, any).os_error == EADDRNOTAVAIL);
  CHECK(row(o, tcp, v6, any).state == occupancy_state::free);  // IPv6 still probed
  CHECK(o.notes.empty());
}

TEST_CASE("Any other probe error is unknown and never aborts the check", "[quick]") {
  scripted_socket_calls calls;
  calls.fail(tcp, v4, lo, EMFILE);
  calls.fail(udp, v6, lo, EPERM);
  port_occupancy o = system_occupancy_probe(calls).check(6004, occupancy_policy{});
  CHECK(o.state == occupancy_state::unknown);
  CHECK(rows(o) == std::vector<std::string>{"TCP IPv4 localhost bind at 127.0.0.1 unknown",
                                            "UDP IPv4 localhost bind at 127.0.0.1 free",
                                            "TCP IPv6 localhost bind at ::1 free",
                                            "UDP IPv6 localhost bind at ::1 unknown"});
  CHECK(o.probes[0].error ==
        std::string(std::strerror(EMFILE)) + " (os error " + std::to_string(EMFILE) + ")");
  CHECK(calls.calls.size() == 4);
}

TEST_CASE("Occupied wins over unknown for the port's overall state", "[quick]") {
  scripted_socket_calls calls;
  calls.fail(tcp, v4, lo, EIO);
  calls.fail(udp, v4, lo, EADDRINUSE);
  port_occupancy o = system_occupancy_probe(calls).check(6005, occupancy_policy{});
  CHECK(o.state == occupancy_state::occupied);
  CHECK(o.probes[0].state == occupancy_state::unknown);
  CHECK(o.probes[1].state == occupancy_state::occupied);
}

TEST_CASE("EACCES is decided from the kernel's socket tables", "[quick]") {
  temp_dir proc;
  using trop::testing::kTcp4Header;
  using trop::testing::kTcp6Header;
  using trop::testing::table_row;
  // Port 80 = 0x0050, port 443 = 0x01BB, port 22 = 0x0016, port 53 = 0x0035.
  // (Addresses in the little-endian hex form the kernel prints on x86/ARM.)
  proc.write("net/tcp", std::string(kTcp4Header) +
                            // 0.0.0.0:80 LISTEN
                            table_row(0, "00000000:0050", "00000000:0000", "0A", 0, 1001) +
                            // 10.0.0.5:443 LISTEN (another address)
                            table_row(1, "0500000A:01BB", "00000000:0000", "0A", 0, 1002) +
                            // 127.0.0.1:22 ESTABLISHED only, no listener
                            table_row(2, "0100007F:0016", "0100007F:D431", "01", 0, 1003));
  proc.write("net/tcp6", std::string(kTcp6Header) +
                             // [::]:25 LISTEN: dual-stack, holds IPv4 too
                             table_row(0, "00000000000000000000000000000000:0019",
                                       "00000000000000000000000000000000:0000", "0A", 0, 1004));
  proc.write("net/udp", std::string(kTcp4Header) +
                            // 127.0.0.1:53 bound (UDP "st" 07)
                            table_row(0, "0100007F:0035", "00000000:0000", "07", 0, 1005));
  proc.write("net/udp6", std::string(kTcp6Header));

  scripted_socket_calls calls;
  calls.fail_family(v4, EACCES);
  calls.fail_family(v6, EACCES);
  system_occupancy_probe probe(calls, proc.path());

  SECTION("a wildcard listener holds the port for a loopback probe") {
    port_occupancy o = probe.check(80, occupancy_policy{});
    CHECK(o.state == occupancy_state::occupied);
    CHECK(row(o, tcp, v4, lo).state == occupancy_state::occupied);
    CHECK(row(o, tcp, v4, lo).os_error == EACCES);
    CHECK(row(o, udp, v4, lo).state == occupancy_state::free);
    CHECK(row(o, tcp, v6, lo).state == occupancy_state::free);  // families are separate
    REQUIRE(o.notes.size() == 4);
    CHECK(o.notes[0].find("TCP IPv4 localhost bind at 127.0.0.1 failed: ") == 0);
    CHECK(o.notes[0].find("socket tables show it in use") != std::string::npos);
    CHECK(o.notes[1].find("socket tables show it free") != std::string::npos);
  }
  SECTION("a listener on another address holds only the wildcard probe") {
    port_occupancy o = probe.check(443, all_interfaces());
    CHECK(row(o, tcp, v4, lo).state == occupancy_state::free);
    CHECK(row(o, tcp, v4, any).state == occupancy_state::occupied);
  }
  SECTION("a TCP socket that does not listen holds nothing") {
    port_occupancy o = probe.check(22, occupancy_policy{});
    CHECK(o.state == occupancy_state::free);
  }
  SECTION("a bound UDP socket holds its port") {
    port_occupancy o = probe.check(53, occupancy_policy{});
    CHECK(row(o, udp, v4, lo).state == occupancy_state::occupied);
    CHECK(row(o, tcp, v4, lo).state == occupancy_state::free);
  }
  SECTION("an IPv6 wildcard listener holds the IPv4 port as well") {
    port_occupancy o = probe.check(25, occupancy_policy{});
    CHECK(row(o, tcp, v4, lo).state == occupancy_state::occupied);
    CHECK(row(o, tcp, v6, lo).state == occupancy_state::occupied);
  }
  SECTION("an unreadable table leaves the probe unknown") {
    system_occupancy_probe blind(calls, proc.path() + "/missing");
    port_occupancy o = blind.check(80, occupancy_policy{});
    CHECK(o.state == occupancy_state::unknown);
    CHECK(row(o, tcp, v4, lo).state == occupancy_state::unknown);
    CHECK(o.notes[0].find("net/tcp is unreadable, so port 80 is possibly occupied") !=
          std::string::npos);
  }
}

TEST_CASE("The fake probe reports its scripted ports through the policy", "[quick]") {
  trop::testing::fake_occupancy_probe fake;
  fake.occupied = {5001};
  fake.unknown = {5002, 5001};

  port_occupancy busy = fake.check(5001, occupancy_policy{});
  CHECK(busy.state == occupancy_state::occupied);  // occupied wins over unknown
  CHECK(busy.probes.size() == 4);
  for (const probe_result& r : busy.probes) {
    CHECK(r.state == occupancy_state::occupied);
  }

  CHECK(fake.check(5002, occupancy_policy{}).state == occupancy_state::unknown);
  CHECK(fake.check(5003, occupancy_policy{}).state == occupancy_state::free);

  occupancy_policy nothing;
  nothing.skip_ip4 = nothing.skip_ip6 = true;
  CHECK(fake.check(5001, nothing).state == occupancy_state::free);

  fake.occupied_tcp = false;
  port_occupancy udp_only = fake.check(5001, occupancy_policy{});
  CHECK(udp_only.state == occupancy_state::occupied);
  CHECK(row(udp_only, tcp, v4, lo).state == occupancy_state::free);
  CHECK(row(udp_only, udp, v4, lo).state == occupancy_state::occupied);
  occupancy_policy no_udp;
  no_udp.skip_udp = true;
  CHECK(fake.check(5001, no_udp).state == occupancy_state::free);

  CHECK(fake.checked == std::vector<std::uint16_t>{5001, 5002, 5003, 5001, 5001, 5001});
}

TEST_CASE("Display names follow SPEC B 8.4", "[quick]") {
  CHECK(trop::human_name(tcp) == "TCP");
  CHECK(trop::machine_name(udp) == "udp");
  CHECK(trop::human_name(v6) == "IPv6");
  CHECK(trop::machine_name(v4) == "ipv4");
  CHECK(trop::to_string(any) == "wildcard");
  CHECK(trop::to_string(lo) == "localhost");
  CHECK(trop::to_string(occupancy_state::unknown) == "unknown");
}
