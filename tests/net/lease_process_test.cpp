// Lease values: duration parsing, process identity and owner liveness, on
// fixture /proc trees (namespaces, pid reuse, reboots, odd comm names) and
// on real child processes.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "net_fixture.h"
#include "trop/lease.h"

using trop::identify_process;
using trop::owner_state;
using trop::parse_lease_duration;
using trop::process_identity;
using trop::testing::temp_dir;

namespace {

constexpr const char* kBootId = "6a7b0c1d-2e3f-4a5b-8c9d-0e1f2a3b4c5d\n";
constexpr std::uint64_t kOurNamespace = 4026531836;

// A stat line with `comm` and start time `start` (field 22) and state `state`.
std::string stat_line(int pid, const std::string& comm, std::uint64_t start, char state = 'S') {
  std::string s = std::to_string(pid) + " (" + comm + ") " + state + " 1 1 1 0 -1 4194560";
  // Fields 10..21 (twelve of them), then 22 = start time, then a few more.
  for (int f = 10; f <= 21; ++f) {
    s += std::string(" ") + std::to_string(f * 3);
  }
  s += std::string(" ") + std::to_string(start) + " 12345678 300 18446744073709551615\n";
  return s;
}

// A fixture /proc: self in namespace kOurNamespace, the boot id above.
struct proc_tree {
  temp_dir dir;

  proc_tree() {
    dir.write("sys/kernel/random/boot_id", kBootId);
    link_namespace("self", kOurNamespace);
  }
  void link_namespace(const std::string& who, std::uint64_t inode) const {
    std::filesystem::path ns = std::filesystem::path(dir.path()) / who / "ns";
    std::filesystem::create_directories(ns);
    std::filesystem::create_directory_symlink(std::string("pid:[") + std::to_string(inode) + "]",
                                              ns / "pid");
  }
  void add_process(int pid, const std::string& comm, std::uint64_t start,
                   std::uint64_t ns = kOurNamespace, char state = 'S') const {
    dir.write(std::to_string(pid) + "/stat", stat_line(pid, comm, start, state));
    link_namespace(std::to_string(pid), ns);
  }
  const std::string& root() const { return dir.path(); }
};

std::array<std::uint8_t, 16> fixture_boot_id() {
  return {0x6a, 0x7b, 0x0c, 0x1d, 0x2e, 0x3f, 0x4a, 0x5b,
          0x8c, 0x9d, 0x0e, 0x1f, 0x2a, 0x3b, 0x4c, 0x5d};
}

}  // namespace

TEST_CASE("parse_lease_duration accepts s, m, h, d and bare seconds", "[quick]") {
  CHECK(*parse_lease_duration("90s") == 90);
  CHECK(*parse_lease_duration("10m") == 600);
  CHECK(*parse_lease_duration("2h") == 7200);
  CHECK(*parse_lease_duration("7d") == 7 * 86400);
  CHECK(*parse_lease_duration("45") == 45);
  CHECK(*parse_lease_duration("1s") == 1);
  CHECK(*parse_lease_duration("36500d") == 36500LL * 86400);
}

TEST_CASE("parse_lease_duration refuses zero, signs, units and overflow, naming the text",
          "[quick]") {
  for (const std::string bad :
       {"", "0", "0s", "0d", "-5m", "+5m", "5x", "5 m", " 5m", "5m ", "1.5h", "m", "5M", "5ms",
        "10mm", "36501d", "99999999999999999999", "9223372036854775807s", "18446744073709551616"}) {
    INFO("text: '" << bad << "'");
    trop::result<std::int64_t> r = parse_lease_duration(bad);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.error().code() == trop::error_code::invalid_argument);
    CHECK_THAT(r.error().message(), Catch::Contains(std::string("'") + bad + "'"));
  }
  CHECK_THAT(parse_lease_duration("0s").error().message(), Catch::Contains("at least one second"));
  CHECK_THAT(parse_lease_duration("5x").error().message(), Catch::Contains("s, m, h or d"));
}

TEST_CASE("identify_process reads start time, namespace and boot id from /proc", "[quick]") {
  proc_tree proc;
  proc.add_process(1234, "sleep", 987654);
  trop::result<process_identity> id = identify_process(1234, proc.root());
  REQUIRE(id.is_ok());
  CHECK(id->pid == 1234);
  CHECK(id->start_ticks == 987654);
  CHECK(id->pid_namespace == kOurNamespace);
  CHECK(id->boot_id == fixture_boot_id());
}

TEST_CASE("identify_process parses the start time after the last ')' of the comm field",
          "[quick]") {
  proc_tree proc;
  // A comm may hold spaces and parentheses: "(a) b) 3 4" must not shift fields.
  proc.add_process(77, "evil) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20", 4242);
  trop::result<process_identity> id = identify_process(77, proc.root());
  REQUIRE(id.is_ok());
  CHECK(id->start_ticks == 4242);
}

TEST_CASE("identify_process: a missing process is not_found", "[quick]") {
  proc_tree proc;
  trop::result<process_identity> id = identify_process(4321, proc.root());
  REQUIRE_FALSE(id.is_ok());
  CHECK(id.error().code() == trop::error_code::not_found);
  CHECK_THAT(id.error().message(), Catch::Contains("process 4321 does not exist"));
}

TEST_CASE("identify_process: a zombie is not_found", "[quick]") {
  proc_tree proc;
  proc.add_process(55, "defunct", 100, kOurNamespace, 'Z');
  trop::result<process_identity> id = identify_process(55, proc.root());
  REQUIRE_FALSE(id.is_ok());
  CHECK(id.error().code() == trop::error_code::not_found);
}

TEST_CASE("identify_process refuses a process in another pid namespace", "[quick]") {
  proc_tree proc;
  proc.add_process(1234, "containerd-shim", 5, 4026532999);
  trop::result<process_identity> id = identify_process(1234, proc.root());
  REQUIRE_FALSE(id.is_ok());
  CHECK(id.error().code() == trop::error_code::invalid_argument);
  CHECK(id.error().message() ==
        "process 1234 is in another pid namespace; its lifetime cannot be checked from here");
}

TEST_CASE("identify_process: an unreadable boot id or stat is an io_error", "[quick]") {
  proc_tree proc;
  proc.add_process(10, "x", 1);
  proc.dir.write("sys/kernel/random/boot_id", "not a uuid\n");
  CHECK(identify_process(10, proc.root()).error().code() == trop::error_code::io_error);
  proc.dir.write("sys/kernel/random/boot_id", kBootId);
  proc.dir.write("10/stat", "10 (x without the closing parenthesis");
  CHECK(identify_process(10, proc.root()).error().code() == trop::error_code::io_error);
  CHECK(identify_process(0, proc.root()).error().code() == trop::error_code::invalid_argument);
  CHECK(identify_process(-3, proc.root()).error().code() == trop::error_code::invalid_argument);
}

TEST_CASE("check_owner: alive, gone by exit, pid reuse or reboot, unknowable across namespaces",
          "[quick]") {
  proc_tree proc;
  proc.add_process(1234, "server", 5000);
  process_identity owner = *identify_process(1234, proc.root());
  CHECK(trop::check_owner(owner, proc.root()) == owner_state::alive);

  SECTION("the pid no longer exists") {
    std::filesystem::remove_all(proc.root() + "/1234");
    CHECK(trop::check_owner(owner, proc.root()) == owner_state::gone);
  }
  SECTION("the pid was reused by a process started later") {
    std::filesystem::remove_all(proc.root() + "/1234");
    proc.add_process(1234, "server", 5001);
    CHECK(trop::check_owner(owner, proc.root()) == owner_state::gone);
  }
  SECTION("the owner exited and waits to be reaped") {
    std::filesystem::remove_all(proc.root() + "/1234");
    proc.add_process(1234, "server", 5000, kOurNamespace, 'Z');
    CHECK(trop::check_owner(owner, proc.root()) == owner_state::gone);
  }
  SECTION("the machine rebooted (same pid and start time by chance)") {
    proc.dir.write("sys/kernel/random/boot_id", "00000000-0000-4000-8000-000000000001\n");
    CHECK(trop::check_owner(owner, proc.root()) == owner_state::gone);
  }
  SECTION("the lease was recorded in another pid namespace") {
    owner.pid_namespace = 4026532999;
    CHECK(trop::check_owner(owner, proc.root()) == owner_state::unknowable);
    std::filesystem::remove_all(proc.root() + "/1234");
    CHECK(trop::check_owner(owner, proc.root()) == owner_state::unknowable);
  }
  SECTION("/proc cannot be read: never gone") {
    std::filesystem::remove(proc.root() + "/sys/kernel/random/boot_id");
    CHECK(trop::check_owner(owner, proc.root()) == owner_state::unknowable);
  }
  SECTION("a stat that does not parse: never gone") {
    proc.dir.write("1234/stat", "garbage");
    CHECK(trop::check_owner(owner, proc.root()) == owner_state::unknowable);
  }
}

TEST_CASE("identify_process and check_owner on real processes", "[quick]") {
  SECTION("this process is alive") {
    process_identity me = *identify_process(static_cast<std::int32_t>(::getpid()));
    CHECK(me.pid == ::getpid());
    CHECK(me.start_ticks > 0);
    CHECK(me.pid_namespace != 0);
    CHECK(me.boot_id != std::array<std::uint8_t, 16>{});
    CHECK(trop::check_owner(me) == owner_state::alive);
  }
  SECTION("a child is alive, then gone once killed (before and after reaping)") {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::pause();
      ::_exit(0);
    }
    trop::result<process_identity> id = identify_process(static_cast<std::int32_t>(child));
    REQUIRE(id.is_ok());
    CHECK(trop::check_owner(*id) == owner_state::alive);
    REQUIRE(::kill(child, SIGKILL) == 0);
    // Until reaped the child is a zombie: already gone.
    siginfo_t info{};
    REQUIRE(::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT) == 0);
    CHECK(trop::check_owner(*id) == owner_state::gone);
    int wstatus = 0;
    REQUIRE(::waitpid(child, &wstatus, 0) == child);
    CHECK(trop::check_owner(*id) == owner_state::gone);
    CHECK(identify_process(static_cast<std::int32_t>(child)).error().code() ==
          trop::error_code::not_found);
  }
  SECTION("a recorded start time that differs means pid reuse") {
    process_identity me = *identify_process(static_cast<std::int32_t>(::getpid()));
    me.start_ticks += 1;
    CHECK(trop::check_owner(me) == owner_state::gone);
  }
}

TEST_CASE("identify_process of another user's process: namespace from NSpid", "[quick]") {
  // Without ptrace rights over a process, /proc/<pid>/ns/pid is unreadable
  // (EACCES); its status file is not. Pid 1 belongs to root: as root, the
  // check runs in a child that has dropped to uid/gid 65534.
  const process_identity me = *identify_process(static_cast<std::int32_t>(::getpid()));
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(fds[0]);
    char verdict = 'x';
    if (::geteuid() != 0 || (::setgid(65534) == 0 && ::setuid(65534) == 0)) {
      trop::result<process_identity> id = identify_process(1);
      verdict = !id ? 'e' : (id->pid_namespace == me.pid_namespace ? 'y' : 'n');
      if (id && id->boot_id != me.boot_id) {
        verdict = 'b';
      }
    }
    (void)!::write(fds[1], &verdict, 1);
    ::_exit(0);
  }
  ::close(fds[1]);
  char verdict = 0;
  REQUIRE(::read(fds[0], &verdict, 1) == 1);
  ::close(fds[0]);
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  CHECK(verdict == 'y');
}
