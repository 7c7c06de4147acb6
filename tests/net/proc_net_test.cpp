// Parsing of the kernel's socket tables from fixture text.
#include <catch2/catch.hpp>

#include <bit>
#include <string>

#include "net/proc_net.h"
#include "net_fixture.h"

using trop::probe_family;
using trop::probe_protocol;
using trop::net_detail::ip_bytes;
using trop::net_detail::parse_ip;
using trop::net_detail::parse_socket_table;
using trop::net_detail::proc_socket;
using trop::testing::kTcp4Header;
using trop::testing::kTcp6Header;
using trop::testing::table_row;

namespace {

constexpr auto tcp = probe_protocol::tcp;
constexpr auto udp = probe_protocol::udp;
constexpr auto v4 = probe_family::ipv4;
constexpr auto v6 = probe_family::ipv6;

// The fixtures below are the text a little-endian kernel prints.
constexpr bool kLittleEndian = std::endian::native == std::endian::little;

ip_bytes ip(const char* text, probe_family f) {
  auto a = parse_ip(text, f);
  REQUIRE(a);
  return *a;
}

}  // namespace

TEST_CASE("IPv4 table rows decode address, port, state, uid and inode", "[quick]") {
  if (!kLittleEndian) {
    WARN("skipped: fixtures are little-endian kernel text");
    return;
  }
  std::string text = std::string(kTcp4Header) +
                     table_row(0, "0100007F:1F90", "00000000:0000", "0A", 1000, 12345) +
                     table_row(1, "0500000A:01BB", "0100007F:D431", "01", 0, 678);
  std::vector<proc_socket> rows = parse_socket_table(text, tcp, v4);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].protocol == tcp);
  CHECK(rows[0].family == v4);
  CHECK(rows[0].address == ip("127.0.0.1", v4));
  CHECK(rows[0].port == 8080);
  CHECK(rows[0].state == trop::net_detail::kTcpListen);
  CHECK(rows[0].uid == 1000);
  CHECK(rows[0].inode == 12345);
  CHECK(rows[1].address == ip("10.0.0.5", v4));
  CHECK(rows[1].port == 443);
  CHECK(rows[1].state == 1);
  CHECK(rows[1].inode == 678);
}

TEST_CASE("IPv6 table rows decode the four host-order words of the address", "[quick]") {
  if (!kLittleEndian) {
    WARN("skipped: fixtures are little-endian kernel text");
    return;
  }
  std::string text = std::string(kTcp6Header) +
                     table_row(0, "00000000000000000000000001000000:0050",
                               "00000000000000000000000000000000:0000", "07", 0, 1) +
                     table_row(1, "00000000000000000000000000000000:0035",
                               "00000000000000000000000000000000:0000", "07", 0, 2) +
                     table_row(2, "0000000000000000FFFF00000100007F:0016",
                               "00000000000000000000000000000000:0000", "07", 0, 3) +
                     table_row(3, "B80D0120000000000000000001000000:1F90",
                               "00000000000000000000000000000000:0000", "07", 0, 4);
  std::vector<proc_socket> rows = parse_socket_table(text, udp, v6);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].address == ip("::1", v6));
  CHECK(rows[0].port == 80);
  CHECK(rows[0].protocol == udp);
  CHECK(rows[1].address == ip("::", v6));
  CHECK(trop::net_detail::is_unspecified(rows[1].address, v6));
  CHECK(rows[2].address == ip("::ffff:127.0.0.1", v6));
  CHECK(rows[3].address == ip("2001:db8::1", v6));
  CHECK(rows[3].port == 8080);
}

TEST_CASE("Header lines and malformed rows are skipped", "[quick]") {
  std::string text = std::string(kTcp4Header) + "garbage\n" +
                     "   0: 0100007F:ZZZZ 00000000:0000 0A 0:0 0:0 0 0 0 5\n" +
                     "   1: 0100007F 00000000:0000 0A 0:0 0:0 0 0 0 5\n" +
                     "   2: 0100007F:0050 00000000:0000 0A 0:0 0:0 0\n" +  // truncated
                     table_row(3, "0100007F:0050", "00000000:0000", "0A", 0, 9);
  std::vector<proc_socket> rows = parse_socket_table(text, tcp, v4);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].inode == 9);
  // An IPv6-width address is rejected in an IPv4 table and vice versa.
  CHECK(parse_socket_table(text, tcp, v6).empty());
  CHECK(parse_socket_table("", tcp, v4).empty());
}

TEST_CASE("Addresses match when equal or when either side is unspecified", "[quick]") {
  using trop::net_detail::addresses_match;
  CHECK(addresses_match(ip("127.0.0.1", v4), ip("127.0.0.1", v4), v4));
  CHECK(addresses_match(ip("0.0.0.0", v4), ip("127.0.0.1", v4), v4));
  CHECK(addresses_match(ip("127.0.0.1", v4), ip("0.0.0.0", v4), v4));
  CHECK_FALSE(addresses_match(ip("10.0.0.5", v4), ip("127.0.0.1", v4), v4));
  CHECK(addresses_match(ip("::", v6), ip("::1", v6), v6));
  CHECK_FALSE(addresses_match(ip("2001:db8::1", v6), ip("::1", v6), v6));
}

TEST_CASE("A port is held by a TCP listener or any UDP socket with a matching address", "[quick]") {
  using trop::net_detail::holds_port;
  using trop::net_detail::holds_port_dual_stack;
  proc_socket listener{tcp, v4, ip("0.0.0.0", v4), 80, trop::net_detail::kTcpListen, 0, 1};
  CHECK(holds_port(listener, tcp, v4, ip("127.0.0.1", v4), 80));
  CHECK_FALSE(holds_port(listener, tcp, v4, ip("127.0.0.1", v4), 81));
  CHECK_FALSE(holds_port(listener, udp, v4, ip("127.0.0.1", v4), 80));

  proc_socket connected{tcp, v4, ip("127.0.0.1", v4), 80, 0x01, 0, 1};
  CHECK_FALSE(holds_port(connected, tcp, v4, ip("127.0.0.1", v4), 80));

  proc_socket udp_bound{udp, v4, ip("127.0.0.1", v4), 53, 0x07, 0, 1};
  CHECK(holds_port(udp_bound, udp, v4, ip("127.0.0.1", v4), 53));
  CHECK(holds_port(udp_bound, udp, v4, ip("0.0.0.0", v4), 53));

  proc_socket any6{tcp, v6, ip("::", v6), 25, trop::net_detail::kTcpListen, 0, 1};
  CHECK(holds_port_dual_stack(any6, tcp, ip("127.0.0.1", v4), 25));
  proc_socket mapped{udp, v6, ip("::ffff:127.0.0.1", v6), 25, 0x07, 0, 1};
  CHECK(holds_port_dual_stack(mapped, udp, ip("127.0.0.1", v4), 25));
  CHECK(holds_port_dual_stack(mapped, udp, ip("0.0.0.0", v4), 25));
  CHECK_FALSE(holds_port_dual_stack(mapped, udp, ip("10.0.0.1", v4), 25));
  proc_socket loop6{tcp, v6, ip("::1", v6), 25, trop::net_detail::kTcpListen, 0, 1};
  CHECK_FALSE(holds_port_dual_stack(loop6, tcp, ip("127.0.0.1", v4), 25));
}

TEST_CASE("The live tables list a socket this test bound", "[quick]") {
  trop::testing::bound_socket s(udp, v4, "127.0.0.1");
  auto table = trop::net_detail::read_socket_table("/proc", udp, v4);
  REQUIRE(table);
  bool found = false;
  for (const proc_socket& r : *table) {
    found = found || (r.port == s.port() && r.address == ip("127.0.0.1", v4) && r.inode != 0);
  }
  CHECK(found);
  CHECK_FALSE(trop::net_detail::read_socket_table("/nonexistent-proc", udp, v4));
}
