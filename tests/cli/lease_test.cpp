// Leases from the command line (docs/leases.md): `reserve --ttl`,
// `--owner-pid`, `--owner-self`; lazy reclamation by the next writer, only
// once the port is free; the lease lines of `port-info`; the "lease" field of
// the JSON outputs and its round trip through export and import.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <thread>

#include "port_info_output.h"
#include "trop/lease.h"
#include "trop_fixture.h"

using trop::lease;
using trop::owner_state;
using trop::process_identity;
using trop::reservation;
using trop::test::child_process;
using trop::test::process_options;
using trop::test::process_result;
using trop::test::read_file;
using trop::test::trop_fixture;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

// A TCP socket on 127.0.0.1 held by the test (close-on-exec, so trop
// children do not inherit it); port 0 lets the kernel pick.
class tcp_socket {
 public:
  explicit tcp_socket(std::uint16_t port = 0, bool listen = true) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    }
    int on = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0 ||
        (listen && ::listen(fd_, 4) != 0)) {
      const int err = errno;
      ::close(fd_);
      throw std::runtime_error(std::string("bind/listen: ") + std::strerror(err));
    }
    socklen_t len = sizeof sa;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
  }
  ~tcp_socket() { close(); }
  tcp_socket(const tcp_socket&) = delete;
  tcp_socket& operator=(const tcp_socket&) = delete;

  std::uint16_t port() const { return port_; }
  void close() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// A port that no process uses right now (the kernel's pick, released).
std::uint16_t free_port() {
  tcp_socket s(0, false);
  return s.port();
}

// A range of one port, and no automatic cleanup: the seeded records are old
// enough to expire, and an expiry on exhaustion would hide whether the lease
// itself was reclaimed.
std::vector<std::string> only_port(std::uint16_t port) {
  return {"--min", std::to_string(port), "--max", std::to_string(port), "--disable-autoclean"};
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

reservation record(const std::string& path, std::uint16_t port,
                   std::optional<lease> l = std::nullopt) {
  reservation r;
  r.key.path = path;
  r.port = port;
  r.created_at = 1705314645;    // 2024-01-15 10:30:45 UTC
  r.last_used_at = 1705402245;  // 2024-01-16 10:50:45 UTC
  r.lease = std::move(l);
  return r;
}

lease timed(std::int64_t expires_at) {
  lease l;
  l.expires_at = expires_at;
  return l;
}

lease owned(const process_identity& owner) {
  lease l;
  l.owner = owner;
  return l;
}

std::int64_t now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

const reservation* find(const std::vector<reservation>& rs, const std::string& path) {
  for (const reservation& r : rs) {
    if (r.key.path == path && !r.key.tag) {
      return &r;
    }
  }
  return nullptr;
}

// A `sleep` child that owns leases in these tests.
class sleeper {
 public:
  sleeper() : child_(process_options{{"sleep", "1000"}, std::nullopt, "", "", 120s}) {}
  pid_t pid() const { return child_.pid(); }
  // Kills and reaps it: afterwards its pid names no process (or a reused one).
  void kill() {
    child_.kill(SIGKILL);
    child_.wait();
  }

 private:
  child_process child_;
};

process_identity identity_of(pid_t pid) {
  // /proc/<pid>/stat appears once the child has exec'd; its start time is
  // fixed at fork, so reading it right away is fine.
  trop::result<process_identity> id = trop::identify_process(static_cast<std::int32_t>(pid));
  REQUIRE(id.is_ok());
  return *id;
}

}  // namespace

TEST_CASE("reserve --ttl stores the expiry and prints only the port", "[quick][lease]") {
  trop_fixture fx;
  const std::int64_t before = now();
  process_result r = fx.run({"reserve", "--ttl", "10m"});
  const std::int64_t after = now();
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "5000\n");
  CHECK(r.err.empty());
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  REQUIRE(rs[0].lease.has_value());
  REQUIRE(rs[0].lease->expires_at.has_value());
  CHECK(*rs[0].lease->expires_at >= before + 600);
  CHECK(*rs[0].lease->expires_at <= after + 600);
  CHECK_FALSE(rs[0].lease->owner.has_value());
}

TEST_CASE("reserve --ttl accepts every unit and a bare number of seconds", "[quick][lease]") {
  trop_fixture fx;
  for (auto [text, seconds] : {std::pair{"90s", 90}, std::pair{"2h", 7200},
                               std::pair{"7d", 7 * 86400}, std::pair{"45", 45}}) {
    INFO(text);
    const std::int64_t before = now();
    process_result r = fx.run({"reserve", "--tag", text, "--ttl", text});
    REQUIRE(r.exit_code == 0);
    std::vector<reservation> rs = fx.stored();
    const auto it =
        std::find_if(rs.begin(), rs.end(), [&](const reservation& x) { return x.key.tag == text; });
    REQUIRE(it != rs.end());
    REQUIRE(it->lease.has_value());
    CHECK(*it->lease->expires_at >= before + seconds);
    CHECK(*it->lease->expires_at <= now() + seconds);
  }
}

TEST_CASE("reserve without lease flags stays sticky and unchanged", "[quick][lease]") {
  trop_fixture fx;
  process_result r = fx.run({"reserve"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "5000\n");
  CHECK(r.err.empty());
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  CHECK_FALSE(rs[0].lease.has_value());
  CHECK(fx.run({"reserve"}).out == "5000\n");
}

TEST_CASE("re-reserving a key replaces its lease, or drops it without lease flags",
          "[quick][lease]") {
  trop_fixture fx;
  REQUIRE(fx.run({"reserve", "--ttl", "1h"}).out == "5000\n");
  REQUIRE(fx.stored()[0].lease->expires_at.has_value());

  // Another lease: same port, the new lease replaces the old one.
  REQUIRE(fx.run({"reserve", "--owner-self"}).out == "5000\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  REQUIRE(rs[0].lease.has_value());
  CHECK_FALSE(rs[0].lease->expires_at.has_value());
  CHECK(rs[0].lease->owner == identity_of(::getpid()));

  // No lease flag: sticky again, same port.
  REQUIRE(fx.run({"reserve"}).out == "5000\n");
  rs = fx.stored();
  REQUIRE(rs.size() == 1);
  CHECK_FALSE(rs[0].lease.has_value());
}

TEST_CASE("re-reserving a key whose lease lapsed keeps its port", "[quick][lease]") {
  trop_fixture fx;
  const std::uint16_t port = free_port();
  fx.seed({record(fx.work(), port, timed(now() - 60))});
  process_result r = fx.run({"reserve", "--ttl", "10m"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == std::to_string(port) + "\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  CHECK(*rs[0].lease->expires_at > now());
}

TEST_CASE("reserve --dry-run with lease flags checks them and stores nothing", "[quick][lease]") {
  trop_fixture fx;
  process_result r = fx.run({"reserve", "--dry-run", "--ttl", "10m", "--owner-self"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(contains(r.err, std::string("Dry run - would reserve port 5000 for ") + fx.work()));
  CHECK(fx.stored().empty());
  CHECK(fx.run({"reserve", "--dry-run", "--ttl", "0"}).exit_code == 2);
}

TEST_CASE("reserve --owner-pid records the process by pid, start time, namespace and boot",
          "[quick][lease]") {
  trop_fixture fx;
  sleeper owner;
  const process_identity expected = identity_of(owner.pid());
  process_result r = fx.run({"reserve", "--owner-pid", std::to_string(owner.pid())});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "5000\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  REQUIRE(rs[0].lease.has_value());
  CHECK_FALSE(rs[0].lease->expires_at.has_value());
  REQUIRE(rs[0].lease->owner.has_value());
  CHECK(*rs[0].lease->owner == expected);
}

TEST_CASE("reserve --owner-self owns the lease by the process that ran trop", "[quick][lease]") {
  trop_fixture fx;
  // The test process spawns trop directly: it is trop's parent.
  process_result r = fx.run({"reserve", "--owner-self", "--ttl", "1h"});
  REQUIRE(r.exit_code == 0);
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  REQUIRE(rs[0].lease.has_value());
  REQUIRE(rs[0].lease->owner.has_value());
  CHECK(*rs[0].lease->owner == identity_of(::getpid()));
  CHECK(rs[0].lease->expires_at.has_value());
}

TEST_CASE("PORT=$(trop reserve --owner-self) in a shell script is owned by the script",
          "[quick][lease]") {
  trop_fixture fx;
  const std::uint16_t port = free_port();
  process_options script = fx.options({});
  // The script prints its own pid, then the port; it exits right after.
  script.argv = {"sh", "-c",
                 "echo $$; PORT=$(\"$0\" reserve --owner-self --min $1 --max $1) && echo \"$PORT\"",
                 trop::test::trop_binary(), std::to_string(port)};
  child_process sh(script);
  const std::optional<std::string> shell_pid = sh.read_stdout_line(30s);
  const std::optional<std::string> printed = sh.read_stdout_line(30s);
  process_result done = sh.wait();
  REQUIRE(done.exit_code == 0);
  REQUIRE(shell_pid.has_value());
  CHECK(printed == std::to_string(port));
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  REQUIRE(rs[0].lease.has_value());
  REQUIRE(rs[0].lease->owner.has_value());
  CHECK(std::to_string(rs[0].lease->owner->pid) == *shell_pid);

  // The script has exited (and was reaped): the next writer reclaims the port.
  const std::string other = fx.make_dir("work/other");
  process_result r = fx.run(std::vector<std::string>{"reserve", "--path", other} + only_port(port));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == std::to_string(port) + "\n");
  CHECK(find(fx.stored(), fx.work()) == nullptr);
}

TEST_CASE("reserve lease flag errors: usage errors exit 2, a bad owner exits 4, nothing stored",
          "[quick][lease]") {
  trop_fixture fx;
  auto check_usage = [&](const std::vector<std::string>& args, const std::string& detail) {
    INFO(args.back());
    process_result r = fx.run(args);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(contains(r.err, detail));
    CHECK(fx.data_dir_entries().empty());  // no store was created
  };
  check_usage({"reserve", "--ttl", "5x"},
              "invalid duration '5x': expected a positive whole number followed by s, m, h or d");
  check_usage({"reserve", "--ttl", "0s"}, "invalid duration '0s': a lease must last");
  check_usage({"reserve", "--ttl", "1.5h"}, "invalid duration '1.5h'");
  check_usage({"reserve", "--ttl", "36501d"}, "longer than the limit of 36500d");
  check_usage({"reserve", "--ttl", ""}, "invalid duration ''");
  check_usage({"reserve", "--owner-self", "--owner-pid", "1"},
              "the argument '--owner-pid <PID>' cannot be used with '--owner-self'");
  check_usage({"reserve", "--owner-pid", "0"}, "a process id is at least 1");
  check_usage({"reserve", "--owner-pid", "abc"}, "--owner-pid");
  check_usage({"reserve", "--owner-pid", "99999999999"}, "--owner-pid");

  // A pid that names no process: fork a child, reap it, use its pid.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::_exit(0);
  }
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  process_result r = fx.run({"reserve", "--owner-pid", std::to_string(child)});
  CHECK(r.exit_code == 4);
  CHECK(r.out.empty());
  CHECK(r.err == std::string("Error: Invalid arguments: --owner-pid: process ") +
                     std::to_string(child) + " does not exist\n");
  CHECK(fx.data_dir_entries().empty());
}

TEST_CASE("reserve --owner-pid refuses a process in another pid namespace", "[quick][lease]") {
  // Needs unshare(1) and the right to create a pid namespace (CI runs as root).
  trop_fixture fx;
  child_process inner(process_options{
      {"unshare", "--pid", "--fork", "--kill-child", "sleep", "1000"}, std::nullopt, "", "", 120s});
  // The sleep is unshare's child; find it through /proc/<unshare>/task/*/children.
  std::string children;
  for (int i = 0; i < 200 && children.empty(); ++i) {
    children = read_file(std::string("/proc/") + std::to_string(inner.pid()) + "/task/" +
                         std::to_string(inner.pid()) + "/children");
    if (children.empty()) {
      std::this_thread::sleep_for(10ms);
    }
  }
  if (children.empty()) {
    inner.kill(SIGKILL);
    process_result gone = inner.wait();
    WARN("cannot create a pid namespace here (unshare: " << gone.err << "); not tested");
    return;
  }
  const std::string pid = children.substr(0, children.find(' '));
  process_result r = fx.run({"reserve", "--owner-pid", pid});
  CHECK(r.exit_code == 4);
  CHECK(r.err == std::string("Error: Invalid arguments: --owner-pid: process ") + pid +
                     " is in another pid namespace; its lifetime cannot be checked from here\n");
  CHECK(fx.data_dir_entries().empty());
  inner.kill(SIGKILL);
}

TEST_CASE("a lapsed ttl lease is reclaimed by the next reserve of another key", "[quick][lease]") {
  trop_fixture fx;
  const std::uint16_t port = free_port();
  const std::string other = fx.make_dir("work/other");
  fx.seed({record(fx.work(), port, timed(now() - 5))});
  process_result r = fx.run(std::vector<std::string>{"reserve", "--path", other} + only_port(port));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == std::to_string(port) + "\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].key.path == other);
}

TEST_CASE("a ttl lease that has not lapsed keeps its port", "[quick][lease]") {
  trop_fixture fx;
  const std::uint16_t port = free_port();
  const std::string other = fx.make_dir("work/other");
  fx.seed({record(fx.work(), port, timed(now() + 3600))});
  process_result r = fx.run(std::vector<std::string>{"reserve", "--path", other} + only_port(port));
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].key.path == fx.work());
}

TEST_CASE("an owner's death lapses the lease; the next writer reclaims the port",
          "[quick][lease]") {
  trop_fixture fx;
  const std::uint16_t port = free_port();
  const std::string other = fx.make_dir("work/other");
  sleeper owner;
  process_result r =
      fx.run(std::vector<std::string>{"reserve", "--owner-pid", std::to_string(owner.pid())} +
             only_port(port));
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out == std::to_string(port) + "\n");

  // While the owner lives the port stays taken.
  r = fx.run(std::vector<std::string>{"reserve", "--path", other} + only_port(port));
  CHECK(r.exit_code == 6);
  REQUIRE(fx.stored().size() == 1);

  owner.kill();
  r = fx.run(std::vector<std::string>{"reserve", "--path", other} + only_port(port));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == std::to_string(port) + "\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].key.path == other);
  CHECK_FALSE(rs[0].lease.has_value());
}

TEST_CASE("a recorded owner whose pid was reused by another process has lapsed", "[quick][lease]") {
  trop_fixture fx;
  const std::uint16_t port = free_port();
  const std::string other = fx.make_dir("work/other");
  // This very process, but with another start time: what a reused pid looks like.
  process_identity reused = identity_of(::getpid());
  reused.start_ticks -= 1;
  fx.seed({record(fx.work(), port, owned(reused))});
  process_result r = fx.run(std::vector<std::string>{"reserve", "--path", other} + only_port(port));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == std::to_string(port) + "\n");
  CHECK(find(fx.stored(), fx.work()) == nullptr);
}

TEST_CASE("a lapsed lease is reclaimed only once its port is free", "[quick][lease]") {
  trop_fixture fx;
  tcp_socket held;  // an orphaned child of the owner, still listening
  const std::uint16_t port = held.port();
  const std::string other = fx.make_dir("work/other");
  fx.seed({record(fx.work(), port, timed(now() - 60))});

  // A write by another key (any port) leaves the lapsed lease alone while the port is in use.
  process_result r = fx.run({"reserve", "--path", other});
  REQUIRE(r.exit_code == 0);
  REQUIRE(find(fx.stored(), fx.work()) != nullptr);
  CHECK(contains(fx.run({"port-info", std::to_string(port)}).out,
                 "Lease: lapsed, port in use (kept until it is free)\n"));

  held.close();
  const std::string third = fx.make_dir("work/third");
  r = fx.run({"reserve", "--path", third});
  REQUIRE(r.exit_code == 0);
  CHECK(find(fx.stored(), fx.work()) == nullptr);
  CHECK(fx.run({"port-info", std::to_string(port)}).out ==
        std::string("Port ") + std::to_string(port) + " is not reserved\n");
}

TEST_CASE("port-info shows the lease lines after the existing ones", "[quick][lease][port-info]") {
  trop_fixture fx;
  const std::string base = std::string("Port: 5001\nPath: ") + fx.work() +
                           "\nCreated: 2024-01-15 10:30:45\nLast used: 2024-01-16 10:50:45\n"
                           "Path exists: yes\n";
  const process_identity me = identity_of(::getpid());
  SECTION("a sticky reservation has no lease lines") {
    fx.seed({record(fx.work(), 5001)});
    CHECK(fx.run({"port-info", "5001"}).out == base);
  }
  SECTION("an active timed lease") {
    fx.seed({record(fx.work(), 5001, timed(4102444800))});  // 2100-01-01
    process_result r = fx.run({"port-info", "5001"});
    CHECK(r.exit_code == 0);
    REQUIRE(r.out.rfind(base, 0) == 0);
    const std::string rest = r.out.substr(base.size());
    CHECK(rest.rfind("Lease: active\nLease expires: 2100-01-01 00:00:00 (in ", 0) == 0);
    CHECK(rest.back() == '\n');
    CHECK(std::count(rest.begin(), rest.end(), '\n') == 2);
  }
  SECTION("an owner that is alive") {
    fx.seed({record(fx.work(), 5001, owned(me))});
    CHECK(fx.run({"port-info", "5001"}).out ==
          base + "Lease: active\nLease owner: pid " + std::to_string(::getpid()) + " (alive)\n");
  }
  SECTION("an owner that is gone, port free") {
    process_identity gone = me;
    gone.start_ticks += 1;
    const std::uint16_t port = free_port();
    reservation rec = record(fx.work(), port, owned(gone));
    fx.seed({rec});
    CHECK(fx.run({"port-info", std::to_string(port)}).out ==
          std::string("Port: ") + std::to_string(port) + "\nPath: " + fx.work() +
              "\nCreated: 2024-01-15 10:30:45\nLast used: 2024-01-16 10:50:45\nPath exists: yes\n"
              "Lease: lapsed, port free (the next write reclaims it)\nLease owner: pid " +
              std::to_string(::getpid()) + " (gone)\n");
  }
  SECTION("an owner in another pid namespace is unknowable") {
    process_identity elsewhere = me;
    elsewhere.pid_namespace += 1;
    fx.seed({record(fx.work(), 5001, owned(elsewhere))});
    CHECK(fx.run({"port-info", "5001"}).out == base + "Lease: active\nLease owner: pid " +
                                                   std::to_string(::getpid()) + " (unknowable)\n");
  }
  SECTION("an expired lease with its port probed as not checked") {
    fx.seed({record(fx.work(), 5001, timed(1705402245))});
    trop::test::run_options skip_probes;
    skip_probes.env = {{"TROP_SKIP_OCCUPANCY_CHECK", "true"}};
    process_result r = fx.run({"port-info", "5001"}, skip_probes);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, base + "Lease: lapsed, port not checked (the next write reclaims it)\n"
                                 "Lease expires: 2024-01-16 10:50:45 ("));
    CHECK(contains(r.out, " ago)\n"));
  }
}

TEST_CASE("render_lease_info and format_duration_short", "[quick][lease][port-info]") {
  using trop::cli::format_duration_short;
  CHECK(format_duration_short(0) == "0s");
  CHECK(format_duration_short(45) == "45s");
  CHECK(format_duration_short(552) == "9m 12s");
  CHECK(format_duration_short(3600) == "1h");
  CHECK(format_duration_short(7505) == "2h 5m");
  CHECK(format_duration_short(3 * 86400 + 4 * 3600 + 59) == "3d 4h");
  CHECK(format_duration_short(86400 + 30) == "1d");
  CHECK(format_duration_short(-90) == "1m 30s");

  lease l;
  l.expires_at = 1000;
  trop::cli::lease_facts f;
  f.now = 448;
  CHECK(trop::cli::render_lease_info(l, f) ==
        "Lease: active\nLease expires: 1970-01-01 00:16:40 (in 9m 12s)\n");
  f.now = 1000;
  f.lapsed = true;
  f.port = trop::occupancy_state::unknown;
  CHECK(trop::cli::render_lease_info(l, f) ==
        "Lease: lapsed, port possibly in use (kept until a probe shows it free)\n"
        "Lease expires: 1970-01-01 00:16:40 (0s ago)\n");
  f.port = trop::occupancy_state::free;
  CHECK(trop::cli::render_lease_info(l, f) ==
        "Lease: lapsed, port free (the next write reclaims it)\n"
        "Lease expires: 1970-01-01 00:16:40 (0s ago)\n");
  f.port.reset();
  CHECK(trop::cli::render_lease_info(l, f) ==
        "Lease: lapsed, port not checked (the next write reclaims it)\n"
        "Lease expires: 1970-01-01 00:16:40 (0s ago)\n");
  l.owner = process_identity{};
  l.owner->pid = 42;
  f.now = 0;
  f.owner = owner_state::gone;
  f.port = trop::occupancy_state::occupied;
  CHECK(trop::cli::render_lease_info(l, f) ==
        "Lease: lapsed, port in use (kept until it is free)\n"
        "Lease expires: 1970-01-01 00:16:40 (in 16m 40s)\nLease owner: pid 42 (gone)\n");
  l.expires_at.reset();
  f.lapsed = false;
  f.owner = owner_state::unknowable;
  CHECK(trop::cli::render_lease_info(l, f) == "Lease: active\nLease owner: pid 42 (unknowable)\n");
}

TEST_CASE("list --format json and export append the lease; other formats keep their columns",
          "[quick][lease]") {
  trop_fixture fx;
  // A live owner (this process), so that no writer reclaims anything here.
  const process_identity owner = identity_of(::getpid());
  std::string boot_hex;
  for (std::uint8_t byte : owner.boot_id) {
    constexpr char kHex[] = "0123456789abcdef";
    boot_hex += kHex[byte >> 4];
    boot_hex += kHex[byte & 0xf];
  }
  lease both = timed(4102444800);  // 2100-01-01
  both.owner = owner;
  const std::string a = fx.make_dir("a");
  const std::string b = fx.make_dir("b");
  fx.seed({record(a, 5000), record(b, 5001, both), record(fx.work(), 5002, timed(4102444800))});

  process_result r = fx.run({"list", "--format", "json"});
  REQUIRE(r.exit_code == 0);
  // A sticky object ends at last_used_at, exactly as before leases.
  CHECK(contains(r.out, std::string("    \"path\": \"") + a +
                            "\",\n    \"tag\": null,\n    \"project\": null,\n    \"task\": "
                            "null,\n    \"created_at\": \"2024-01-15 10:30:45\",\n"
                            "    \"last_used_at\": \"2024-01-16 10:50:45\"\n  },\n"));
  CHECK(contains(r.out,
                 "    \"last_used_at\": \"2024-01-16 10:50:45\",\n"
                 "    \"lease\": {\n"
                 "      \"expires_at\": \"2100-01-01 00:00:00\",\n"
                 "      \"owner\": {\n"
                 "        \"pid\": " +
                     std::to_string(owner.pid) +
                     ",\n"
                     "        \"start_ticks\": " +
                     std::to_string(owner.start_ticks) +
                     ",\n"
                     "        \"pid_namespace\": " +
                     std::to_string(owner.pid_namespace) +
                     ",\n"
                     "        \"boot_id\": \"" +
                     boot_hex +
                     "\"\n"
                     "      }\n"
                     "    }\n"));
  CHECK(contains(r.out,
                 "    \"lease\": {\n"
                 "      \"expires_at\": \"2100-01-01 00:00:00\",\n"
                 "      \"owner\": null\n"
                 "    }\n"));

  process_result csv = fx.run({"list", "--format", "csv"});
  CHECK(csv.out.rfind("port,path,tag,project,task,created_at,last_used_at\n", 0) == 0);
  CHECK_FALSE(contains(csv.out, "2100"));
  process_result tsv = fx.run({"list", "--format", "tsv"});
  CHECK(tsv.out.rfind("port\tpath\ttag\tproject\ttask\tcreated_at\tlast_used_at\n", 0) == 0);
  CHECK_FALSE(contains(tsv.out, "2100"));
  process_result table = fx.run({"list"});
  CHECK(table.out.rfind("PORT\tPATH\tTAG\tPROJECT\tTASK\tCREATED_AT\tLAST_USED_AT\n", 0) == 0);
  CHECK_FALSE(contains(table.out, "2100"));

  process_result ex = fx.run({"export"});
  REQUIRE(ex.exit_code == 0);
  CHECK(contains(ex.out, "      \"expires_at\": \"2100-01-01T00:00:00Z\",\n"));

  // export -> import into an empty store -> the same records, leases included.
  const std::vector<reservation> before = fx.stored();
  trop::test::write_file(fx.root() + "/export.json", ex.out);
  trop_fixture other;
  process_result im = other.run({"import", fx.root() + "/export.json"});
  REQUIRE(im.exit_code == 0);
  CHECK(other.stored() == before);
}

TEST_CASE("import reads files without leases and refuses malformed ones", "[quick][lease]") {
  trop_fixture fx;
  const std::string base = std::string("[{\"port\": 5000, \"path\": \"") + fx.work() +
                           "\", \"created_at\": \"2024-01-15T10:30:45Z\", "
                           "\"last_used_at\": \"2024-01-15T10:30:45Z\"";
  auto import_text = [&](const std::string& text) {
    trop::test::write_file(fx.root() + "/in.json", text);
    return fx.run({"import", fx.root() + "/in.json"});
  };
  SECTION("no lease field, and lease null: sticky") {
    REQUIRE(import_text(base + "}]").exit_code == 0);
    REQUIRE(fx.stored().size() == 1);
    CHECK_FALSE(fx.stored()[0].lease.has_value());
    trop_fixture fx2;
    trop::test::write_file(fx2.root() + "/in.json", base + ", \"lease\": null}]");
    REQUIRE(fx2.run({"import", fx2.root() + "/in.json"}).exit_code == 0);
    CHECK_FALSE(fx2.stored()[0].lease.has_value());
  }
  SECTION("malformed leases are refused with the field named") {
    for (auto [lease_text, detail] : {
             std::pair{"{}", "field 'lease': expected expires_at, owner or both"},
             std::pair{"{\"expires_at\": null, \"owner\": null}", "field 'lease'"},
             std::pair{"5", "field 'lease'"},
             std::pair{"{\"expires_at\": \"soon\"}", "field 'lease.expires_at'"},
             std::pair{"{\"ttl\": 5}", "unknown field 'ttl'"},
             std::pair{"{\"owner\": {\"pid\": 0, \"start_ticks\": 1, \"pid_namespace\": 2, "
                       "\"boot_id\": \"00000000000000000000000000000000\"}}",
                       "field 'lease.owner.pid'"},
             std::pair{"{\"owner\": {\"pid\": 1, \"start_ticks\": -1, \"pid_namespace\": 2, "
                       "\"boot_id\": \"00000000000000000000000000000000\"}}",
                       "field 'lease.owner.start_ticks'"},
             std::pair{"{\"owner\": {\"pid\": 1, \"start_ticks\": 1, \"pid_namespace\": 2, "
                       "\"boot_id\": \"xyz\"}}",
                       "field 'lease.owner.boot_id'"},
         }) {
      INFO(lease_text);
      process_result r = import_text(base + ", \"lease\": " + lease_text + "}]");
      CHECK(r.exit_code == 4);
      CHECK(contains(r.err, detail));
      CHECK(fx.stored().empty());
    }
  }
}
