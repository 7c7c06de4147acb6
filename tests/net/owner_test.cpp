// Owner discovery: the live /proc for sockets this test binds, and fixture
// trees for the rules (lowest pid, listeners first, partial owners).
#include <catch2/catch.hpp>

#include <pwd.h>
#include <unistd.h>

#include <bit>
#include <filesystem>
#include <string>

#include "net/proc_net.h"
#include "net_fixture.h"
#include "trop/occupancy.h"

using trop::owner_status;
using trop::probe_family;
using trop::probe_protocol;
using trop::probe_result;
using trop::probe_scope;
using trop::socket_owner;
using trop::socket_owner_finder;
using trop::testing::bound_socket;
using trop::testing::temp_dir;

namespace {

constexpr auto tcp = probe_protocol::tcp;
constexpr auto udp = probe_protocol::udp;
constexpr auto v4 = probe_family::ipv4;
constexpr auto v6 = probe_family::ipv6;

probe_result probe(probe_protocol p, probe_family f, probe_scope s, const std::string& addr) {
  probe_result r;
  r.protocol = p;
  r.family = f;
  r.scope = s;
  r.address = addr;
  r.state = trop::occupancy_state::occupied;
  return r;
}

std::string my_comm() {
  auto text = trop::net_detail::read_file("/proc/self/comm");
  REQUIRE(text);
  while (!text->empty() && text->back() == '\n') {
    text->pop_back();
  }
  return *text;
}

std::string my_user() {
  passwd* pw = ::getpwuid(::geteuid());
  REQUIRE(pw != nullptr);
  return pw->pw_name;
}

std::string root_user() {
  passwd* pw = ::getpwuid(0);
  REQUIRE(pw != nullptr);
  return pw->pw_name;
}

// A fixture process: /proc/<pid>/fd/<fd> → socket:[inode], and its comm.
void add_process(const temp_dir& proc, int pid, const std::string& comm,
                 std::initializer_list<unsigned long> inodes) {
  if (!comm.empty()) {
    proc.write(std::to_string(pid) + "/comm", comm + "\n");
  }
  std::filesystem::path fd_dir = std::filesystem::path(proc.path()) / std::to_string(pid) / "fd";
  std::filesystem::create_directories(fd_dir);
  int fd = 3;
  std::filesystem::create_symlink("/dev/null", fd_dir / "0");
  for (unsigned long inode : inodes) {
    std::filesystem::create_symlink(std::string("socket:[") + std::to_string(inode) + "]",
                                    fd_dir / std::to_string(fd++));
  }
}

}  // namespace

TEST_CASE("Owner discovery finds this process for a TCP listener it holds", "[quick]") {
  bound_socket s(tcp, v4, "127.0.0.1", 0, /*listen=*/true);
  socket_owner_finder finder;
  socket_owner o = finder.find(probe(tcp, v4, probe_scope::localhost, "127.0.0.1"), s.port());
  REQUIRE(o.pid);
  CHECK(*o.pid == ::getpid());
  CHECK(o.process_name == my_comm());
  CHECK(o.user == my_user());
  CHECK(o.status() == owner_status::available);

  // A wildcard probe matches a loopback holder (either side unspecified).
  socket_owner w = finder.find(probe(tcp, v4, probe_scope::wildcard, "0.0.0.0"), s.port());
  CHECK(w.pid == o.pid);
}

TEST_CASE("Owner discovery finds this process for a UDP socket on ::1", "[quick]") {
  if (!trop::testing::host_has_ipv6_loopback()) {
    WARN("skipped: this host cannot bind ::1");
    return;
  }
  bound_socket s(udp, v6, "::1");
  socket_owner o =
      socket_owner_finder().find(probe(udp, v6, probe_scope::localhost, "::1"), s.port());
  CHECK(o.pid == std::optional<std::int64_t>(::getpid()));
  CHECK(o.process_name == my_comm());
  CHECK(o.status() == owner_status::available);
  // The IPv4 table knows nothing of it: families are separate.
  socket_owner none =
      socket_owner_finder().find(probe(udp, v4, probe_scope::localhost, "127.0.0.1"), s.port());
  CHECK(none.status() == owner_status::unavailable);
}

TEST_CASE("The lowest pid holding a matching socket wins", "[quick]") {
  if (std::endian::native != std::endian::little) {
    WARN("skipped: fixtures are little-endian kernel text");
    return;
  }
  temp_dir proc;
  proc.write("net/tcp",
             std::string(trop::testing::kTcp4Header) +
                 // 0.0.0.0:8080 LISTEN, uid 0, inode 555
                 trop::testing::table_row(0, "00000000:1F90", "00000000:0000", "0A", 0, 555) +
                 // 127.0.0.1:8080 ESTABLISHED, inode 556 held by pid 50
                 trop::testing::table_row(1, "0100007F:1F90", "0100007F:C000", "01", 0, 556));
  add_process(proc, 300, "worker", {555});
  add_process(proc, 120, "server", {555, 999});
  add_process(proc, 50, "client", {556});
  proc.write("self/comm", "ignored\n");  // not a pid directory

  socket_owner o = socket_owner_finder(proc.path())
                       .find(probe(tcp, v4, probe_scope::localhost, "127.0.0.1"), 8080);
  // The listener's holders decide, not the lower pid of a mere connection.
  CHECK(o.pid == std::optional<std::int64_t>(120));
  CHECK(o.process_name == std::optional<std::string>("server"));
  CHECK(o.user == root_user());
  CHECK(o.status() == owner_status::available);
}

TEST_CASE("What cannot be learnt about an owner is left out", "[quick]") {
  if (std::endian::native != std::endian::little) {
    WARN("skipped: fixtures are little-endian kernel text");
    return;
  }
  temp_dir proc;
  proc.write(
      "net/udp",
      std::string(trop::testing::kTcp4Header) +
          // 127.0.0.1:53, a uid with no passwd entry, inode 700
          trop::testing::table_row(0, "0100007F:0035", "00000000:0000", "07", 3999999999u, 700) +
          // 127.0.0.1:54, uid 0, inode 701, held by nobody we can see
          trop::testing::table_row(1, "0100007F:0036", "00000000:0000", "07", 0, 701) +
          // 127.0.0.1:55 with inode 0 (no holder): never an owner
          trop::testing::table_row(2, "0100007F:0037", "00000000:0000", "07", 0, 0));
  add_process(proc, 77, "", {700});  // no comm file
  socket_owner_finder finder(proc.path());

  socket_owner a = finder.find(probe(udp, v4, probe_scope::localhost, "127.0.0.1"), 53);
  CHECK(a.pid == std::optional<std::int64_t>(77));
  CHECK_FALSE(a.process_name);
  CHECK_FALSE(a.user);
  CHECK(a.status() == owner_status::partial);

  socket_owner b = finder.find(probe(udp, v4, probe_scope::localhost, "127.0.0.1"), 54);
  CHECK_FALSE(b.pid);
  CHECK(b.user == root_user());
  CHECK(b.status() == owner_status::partial);

  socket_owner c = finder.find(probe(udp, v4, probe_scope::localhost, "127.0.0.1"), 55);
  CHECK(c == socket_owner{});
  CHECK(c.status() == owner_status::unavailable);

  // A missing table or an unknown address is simply unavailable.
  CHECK(socket_owner_finder(proc.path() + "/nope")
            .find(probe(udp, v4, probe_scope::localhost, "127.0.0.1"), 53)
            .status() == owner_status::unavailable);
  CHECK(finder.find(probe(udp, v4, probe_scope::localhost, "not-an-address"), 53).status() ==
        owner_status::unavailable);
}

TEST_CASE("Owner status names", "[quick]") {
  CHECK(trop::to_string(owner_status::available) == "available");
  CHECK(trop::to_string(owner_status::partial) == "partial");
  CHECK(trop::to_string(owner_status::unavailable) == "unavailable");
}
