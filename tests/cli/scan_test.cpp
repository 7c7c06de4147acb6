// `trop scan` (SPEC B §12.15, §13.3 with A.2 #3, #4, #5, #19): real sockets
// bound by this test (TCP, UDP, IPv4, IPv6 where the host has it) in small
// ranges, every output format, --autoexclude / --autocompact / --global,
// range rules, and the rendering of rows no real socket produces (a failed
// probe, unknown owners).
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
#include <random>
#include <stdexcept>

#include "../net/net_fixture.h"
#include "scan_output.h"
#include "trop_fixture.h"

#ifndef TROP_LOCK_HOLDER
#error "TROP_LOCK_HOLDER must name the lock holder helper"
#endif

using trop::occupancy_state;
using trop::probe_family;
using trop::probe_protocol;
using trop::probe_result;
using trop::probe_scope;
using trop::reservation;
using trop::cli::render_scan;
using trop::cli::scan_format;
using trop::cli::scan_row;
using trop::test::child_process;
using trop::test::process_options;
using trop::test::process_result;
using trop::test::read_file;
using trop::test::run_options;
using trop::test::trop_fixture;
using trop::test::write_file;
using namespace std::chrono_literals;

namespace {

constexpr probe_protocol tcp = probe_protocol::tcp;
constexpr probe_protocol udp = probe_protocol::udp;
constexpr probe_family v4 = probe_family::ipv4;
constexpr probe_family v6 = probe_family::ipv6;

// A socket held by this test, close-on-exec so that the trop child does not
// inherit it: the owner scan reports is this process alone. TCP listens.
class held_socket {
 public:
  held_socket(probe_protocol protocol, probe_family family, const std::string& address,
              std::uint16_t port = 0) {
    const bool six = family == v6;
    const bool stream = protocol == tcp;
    fd_ = ::socket(six ? AF_INET6 : AF_INET, (stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    }
    int rc = 0;
    if (six) {
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
    if (rc != 0 || (stream && ::listen(fd_, 4) != 0)) {
      int err = errno;
      ::close(fd_);
      throw std::runtime_error(std::string("bind/listen ") + address + ": " + std::strerror(err));
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len);
    port_ = six ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
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

// Whether every probe address is free for both protocols at `port`.
bool all_free(std::uint16_t port) {
  trop::occupancy_policy all;
  all.check_all_interfaces = true;
  return trop::system_occupancy_probe().check(port, all).state == occupancy_state::free;
}

// A base B such that B..B+count-1 are free everywhere, below the kernel's
// ephemeral range so that nobody else is handed them meanwhile.
std::uint16_t free_block(int count) {
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> pick(20000, 30000);
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto base = static_cast<std::uint16_t>(pick(rng));
    bool ok = true;
    for (int i = 0; i < count && ok; ++i) {
      ok = all_free(static_cast<std::uint16_t>(base + i));
    }
    if (ok) {
      return base;
    }
  }
  FAIL("no free block of ports");
  return 0;
}

std::string my_comm() {
  std::string text = read_file("/proc/self/comm");
  if (!text.empty() && text.back() == '\n') {
    text.pop_back();
  }
  return text;
}

std::string my_user() {
  passwd* pw = ::getpwuid(::geteuid());
  REQUIRE(pw != nullptr);
  return pw->pw_name;
}

std::string text(int n) {
  return std::to_string(n);
}

// The scan arguments for the one-port range [p, p].
std::vector<std::string> scan_one(std::uint16_t p, std::vector<std::string> more = {}) {
  std::vector<std::string> args{"scan", "--min", text(p), "--max", text(p)};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// The JSON object scan prints for a probe held by this process.
std::string json_row(std::uint16_t port, bool reserved, const std::string& protocol,
                     const std::string& family, const std::string& scope,
                     const std::string& address) {
  return std::string("  {\n") + "    \"port\": " + text(port) + ",\n" + "    \"status\": \"" +
         (reserved ? "occupied (reserved)" : "occupied") + "\",\n" +
         "    \"reserved\": " + (reserved ? "true" : "false") + ",\n" + "    \"protocol\": \"" +
         protocol + "\",\n" + "    \"address_family\": \"" + family + "\",\n" +
         "    \"scope\": \"" + scope + "\",\n" + "    \"address\": \"" + address + "\",\n" +
         "    \"process_id\": " + text(::getpid()) + ",\n" + "    \"process_name\": \"" +
         my_comm() + "\",\n" + "    \"user\": \"" + my_user() + "\",\n" +
         "    \"owner_status\": \"available\"\n" + "  }";
}

constexpr const char* kTableHeader =
    "Port   Status               Reserved  Protocol  Family  Scope      Address         "
    "Process ID   Process          User             Owner Status\n";

std::string rule() {
  return std::string(145, '-') + "\n";
}

// Left-aligned in `width` columns plus the separating space.
std::string cell(const std::string& s, std::size_t width) {
  std::string out = s;
  if (out.size() < width) {
    out.append(width - out.size(), ' ');
  }
  return out + " ";
}

constexpr const char* kFoundOne = "\nFound 1 unreserved occupied port(s)\n";

reservation record_at(const std::string& path, std::uint16_t port) {
  reservation r;
  r.key.path = path;
  r.port = port;
  r.created_at = 1700000000;
  r.last_used_at = 1700000000;
  return r;
}

}  // namespace

TEST_CASE("scan reports a TCP IPv4 listener with its owner, in JSON", "[quick][scan]") {
  trop_fixture fx;
  held_socket s(tcp, v4, "127.0.0.1");
  process_result r = fx.run(scan_one(s.port(), {"--format", "json"}));
  CHECK(r.exit_code == 0);
  CHECK(r.out ==
        "[\n" + json_row(s.port(), false, "tcp", "ipv4", "localhost", "127.0.0.1") + "\n]\n");
  CHECK(r.err == kFoundOne);
  // A read-only command never creates the store.
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("scan reports UDP and IPv6 holders", "[quick][scan]") {
  trop_fixture fx;
  {
    held_socket s(udp, v4, "127.0.0.1");
    process_result r = fx.run(scan_one(s.port(), {"--format", "json"}));
    CHECK(r.exit_code == 0);
    CHECK(r.out ==
          "[\n" + json_row(s.port(), false, "udp", "ipv4", "localhost", "127.0.0.1") + "\n]\n");
    // Skipping the protocol or the family hides it.
    CHECK(fx.run(scan_one(s.port(), {"--format", "json", "--skip-udp"})).out == "[]\n");
    CHECK(fx.run(scan_one(s.port(), {"--format", "json", "--skip-ipv4"})).out == "[]\n");
  }
  if (!trop::testing::host_has_ipv6_loopback()) {
    WARN("IPv6 part skipped: this host cannot bind ::1");
    return;
  }
  held_socket s6(tcp, v6, "::1");
  process_result r = fx.run(scan_one(s6.port(), {"--format", "json"}));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "[\n" + json_row(s6.port(), false, "tcp", "ipv6", "localhost", "::1") + "\n]\n");
  CHECK(fx.run(scan_one(s6.port(), {"--format", "json", "--skip-ipv6"})).out == "[]\n");
}

TEST_CASE("scan lists one row per occupied probe, in probe order", "[quick][scan]") {
  trop_fixture fx;
  const std::uint16_t b = free_block(1);
  held_socket t(tcp, v4, "127.0.0.1", b);
  held_socket u(udp, v4, "127.0.0.1", b);
  process_result r = fx.run(scan_one(b, {"--format", "json", "--check-all-interfaces"}));
  CHECK(r.exit_code == 0);
  // The wildcard probes collide with the loopback holders too.
  CHECK(r.out == "[\n" + json_row(b, false, "tcp", "ipv4", "localhost", "127.0.0.1") + ",\n" +
                     json_row(b, false, "udp", "ipv4", "localhost", "127.0.0.1") + ",\n" +
                     json_row(b, false, "tcp", "ipv4", "wildcard", "0.0.0.0") + ",\n" +
                     json_row(b, false, "udp", "ipv4", "wildcard", "0.0.0.0") + "\n]\n");
  // One port, however many rows.
  CHECK(r.err == kFoundOne);
}

TEST_CASE("scan table, csv and tsv formats", "[quick][scan]") {
  trop_fixture fx;
  held_socket s(tcp, v4, "127.0.0.1");
  const std::string port = text(s.port());
  const std::string pid = text(::getpid());

  process_result r = fx.run(scan_one(s.port()));
  CHECK(r.exit_code == 0);
  CHECK(r.out == kTableHeader + rule() + cell(port, 6) + cell("occupied", 20) + cell("no", 9) +
                     cell("TCP", 9) + cell("IPv4", 7) + cell("localhost", 10) +
                     cell("127.0.0.1", 15) + cell(pid, 12) + cell(my_comm(), 16) +
                     cell(my_user(), 16) + "available\n");
  CHECK(fx.run(scan_one(s.port(), {"--format", "table"})).out == r.out);

  const std::string fields = port + ",occupied,false,tcp,ipv4,localhost,127.0.0.1," + pid + "," +
                             my_comm() + "," + my_user() + ",available\n";
  r = fx.run(scan_one(s.port(), {"--format", "csv"}));
  CHECK(r.out ==
        "port,status,reserved,protocol,address_family,scope,address,process_id,process_name,"
        "user,owner_status\n" +
            fields);
  r = fx.run(scan_one(s.port(), {"--format", "tsv"}));
  std::string tsv_fields = fields;
  for (char& c : tsv_fields) {
    c = c == ',' ? '\t' : c;
  }
  CHECK(r.out ==
        "port\tstatus\treserved\tprotocol\taddress_family\tscope\taddress\tprocess_id\t"
        "process_name\tuser\towner_status\n" +
            tsv_fields);
  // An unknown format is a usage error.
  r = fx.run(scan_one(s.port(), {"--format", "xml"}));
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
}

TEST_CASE("scan of a free range prints only the header", "[quick][scan]") {
  trop_fixture fx;
  const std::uint16_t b = free_block(3);
  const std::vector<std::string> range{"--min", text(b), "--max", text(b + 2)};
  std::vector<std::string> args{"scan"};
  args.insert(args.end(), range.begin(), range.end());
  process_result r = fx.run(args);
  CHECK(r.exit_code == 0);
  CHECK(r.out == kTableHeader + rule());
  CHECK(r.err.empty());
  args.insert(args.end(), {"--format", "json"});
  CHECK(fx.run(args).out == "[]\n");
  args.back() = "csv";
  CHECK(fx.run(args).out ==
        "port,status,reserved,protocol,address_family,scope,address,process_id,process_name,"
        "user,owner_status\n");
}

TEST_CASE("scan marks reserved ports and does not count them", "[quick][scan]") {
  trop_fixture fx;
  held_socket s(tcp, v4, "127.0.0.1");
  fx.seed({record_at(fx.work(), s.port())});
  process_result r = fx.run(scan_one(s.port(), {"--format", "json"}));
  CHECK(r.exit_code == 0);
  CHECK(r.out ==
        "[\n" + json_row(s.port(), true, "tcp", "ipv4", "localhost", "127.0.0.1") + "\n]\n");
  CHECK(r.err.empty());
  r = fx.run(scan_one(s.port()));
  CHECK(r.out.find(cell("occupied (reserved)", 20) + cell("yes", 9)) != std::string::npos);
}

TEST_CASE("scan uses the configured range and honours max_offset", "[quick][scan]") {
  trop_fixture fx;
  const std::uint16_t b = free_block(2);
  held_socket t(tcp, v4, "127.0.0.1", static_cast<std::uint16_t>(b + 1));
  // A.2 #3: max_offset counts (the original scanned up to 7000 instead, and
  // failed outright for a minimum above 7000 like this one).
  write_file(fx.work() + "/trop.yaml", "ports:\n  min: " + text(b) + "\n  max_offset: 1\n");
  process_result r = fx.run({"scan", "--format", "csv"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\n" + text(b + 1) + ",occupied,false,tcp,") != std::string::npos);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 2);
  // The environment sets the range too; --max overrides an inherited max_offset.
  run_options env;
  env.env = {{"TROP_PORT_MIN", text(b + 2)}, {"TROP_PORT_MAX_OFFSET", "5"}};
  r = fx.run({"scan", "--format", "csv", "--min", text(b), "--max", text(b)}, env);
  CHECK(r.exit_code == 0);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
}

TEST_CASE("scan range errors: 0 and min > max are exit 7, bad numbers exit 2", "[quick][scan]") {
  trop_fixture fx;
  process_result r = fx.run({"scan", "--min", "0", "--max", "10"});
  CHECK(r.exit_code == 7);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("Error: Configuration error: validation error for 'ports.min", 0) == 0);
  r = fx.run({"scan", "--min", "6000", "--max", "5000"});
  CHECK(r.exit_code == 7);
  CHECK(r.err.rfind("Error: Configuration error: ", 0) == 0);
  for (const std::string bad : {"abc", "70000", "-1"}) {
    r = fx.run({"scan", "--min", bad});
    INFO(bad);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("Usage:") != std::string::npos);
  }
  // scan has no --skip-occupancy-check flag (SPEC B §8.1).
  CHECK(fx.run({"scan", "--skip-occupancy-check"}).exit_code == 2);
  // --autocompact and --global only go with --autoexclude.
  r = fx.run({"scan", "--autocompact"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("error: the argument '--autocompact' requires '--autoexclude'\n", 0) == 0);
  r = fx.run({"scan", "--global"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("error: the argument '--global' requires '--autoexclude'\n", 0) == 0);
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("scan --autoexclude adds unreserved occupied ports to the project file",
          "[quick][scan]") {
  trop_fixture fx;
  const std::uint16_t b = free_block(3);
  held_socket t0(tcp, v4, "127.0.0.1", b);
  held_socket u0(udp, v4, "127.0.0.1", b);
  held_socket t2(tcp, v4, "127.0.0.1", static_cast<std::uint16_t>(b + 2));
  fx.seed({record_at(fx.work(), static_cast<std::uint16_t>(b + 2))});
  const std::string file = fx.work() + "/trop.yaml";
  write_file(file, "# mine\nproject: app\n");
  const std::vector<std::string> args{"scan",      "--min",         text(b),    "--max",
                                      text(b + 2), "--autoexclude", "--format", "csv"};
  process_result r = fx.run(args);
  CHECK(r.exit_code == 0);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 4);  // header + 3 rows
  CHECK(r.err == "Added 1 exclusions to " + file + "\n" + kFoundOne);
  CHECK(read_file(file) == "# mine\nproject: app\nexcluded_ports:\n  - " + text(b) + "\n");
  // Again: the count repeats, the file does not change.
  r = fx.run(args);
  CHECK(r.err == "Added 1 exclusions to " + file + "\n" + kFoundOne);
  CHECK(read_file(file) == "# mine\nproject: app\nexcluded_ports:\n  - " + text(b) + "\n");
  // --quiet hides the "Added" line, never the count.
  std::vector<std::string> quiet = args;
  quiet.push_back("--quiet");
  CHECK(fx.run(quiet).err == kFoundOne);
}

TEST_CASE("scan --autoexclude --autocompact compacts the file's list", "[quick][scan]") {
  trop_fixture fx;
  const std::uint16_t b = free_block(2);
  held_socket t0(tcp, v4, "127.0.0.1", b);
  held_socket t1(tcp, v4, "127.0.0.1", static_cast<std::uint16_t>(b + 1));
  const std::string file = fx.work() + "/trop.local.yaml";
  write_file(fx.work() + "/trop.yaml", "project: app\n");
  write_file(file, "excluded_ports:\n  - " + text(b + 2) + "  # next door\n");
  process_result r = fx.run({"scan", "--min", text(b), "--max", text(b + 1), "--autoexclude",
                             "--autocompact", "--format", "json"});
  CHECK(r.exit_code == 0);
  CHECK(r.err == "Added 2 exclusions to " + file + "\nCompacted 3 exclusions to 1\n" +
                     "\nFound 2 unreserved occupied port(s)\n");
  // The comment of a merged entry is kept, never dropped.
  CHECK(read_file(file) == "excluded_ports:\n  # next door\n  - start: " + text(b) +
                               "\n    end: " + text(b + 2) + "\n");
  CHECK(read_file(fx.work() + "/trop.yaml") == "project: app\n");
}

TEST_CASE("scan --autoexclude needs a project file or --global", "[quick][scan]") {
  trop_fixture fx;
  held_socket s(tcp, v4, "127.0.0.1");
  process_result r = fx.run(scan_one(s.port(), {"--autoexclude"}));
  CHECK(r.exit_code == 4);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("Error: Invalid arguments: No project configuration file", 0) == 0);
  CHECK(r.err.find("use --global") != std::string::npos);

  r = fx.run(scan_one(s.port(), {"--autoexclude", "--global", "--format", "json"}));
  CHECK(r.exit_code == 0);
  const std::string user = fx.data_dir() + "/config.yaml";
  CHECK(r.err == "Added 1 exclusions to " + user + "\n" + kFoundOne);
  CHECK(read_file(user) == "excluded_ports:\n  - " + text(s.port()) + "\n");
  CHECK(fx.data_dir_entries() == std::vector<std::string>{"config.yaml"});
}

TEST_CASE("scan --autoexclude with nothing to add writes nothing", "[quick][scan]") {
  trop_fixture fx;
  const std::uint16_t b = free_block(1);
  process_result r =
      fx.run({"scan", "--min", text(b), "--max", text(b), "--autoexclude", "--global"});
  CHECK(r.exit_code == 0);
  CHECK(r.err == "Added 0 exclusions to " + fx.data_dir() + "/config.yaml\n");
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("scan --autoexclude refuses a file it cannot edit, after changing nothing",
          "[quick][scan]") {
  trop_fixture fx;
  held_socket s(tcp, v4, "127.0.0.1");
  const std::string file = fx.work() + "/trop.yaml";
  const std::string json = "{\"project\": \"app\"}\n";
  write_file(file, json);
  process_result r = fx.run(scan_one(s.port(), {"--autoexclude"}));
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err.find("Error: cannot edit excluded_ports safely: ") != std::string::npos);
  CHECK(read_file(file) == json);
}

TEST_CASE("scan never waits for a writer", "[torture][scan]") {
  trop_fixture fx;
  fx.seed({record_at(fx.work(), 5003)});
  process_options holder_opts;
  holder_opts.argv = {TROP_LOCK_HOLDER, fx.data_dir(), "60"};
  holder_opts.timeout = 120s;
  child_process holder(holder_opts);
  REQUIRE(holder.read_stdout_line(30s) == std::optional<std::string>("locked"));
  const std::uint16_t b = free_block(1);
  process_result r = fx.run({"scan", "--min", text(b), "--max", text(b), "--busy-timeout", "0"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == kTableHeader + rule());
  CHECK(r.elapsed < 900ms);
}

TEST_CASE("scan with autoinit disabled and no store is exit 3", "[quick][scan]") {
  trop_fixture fx;
  process_result r = fx.run({"scan", "--min", "5000", "--max", "5000", "--disable-autoinit"});
  CHECK(r.exit_code == 3);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Data directory not found (use --data-dir or enable auto-init)\n");
}

TEST_CASE("scan shows no progress line when stderr is not a terminal", "[quick][scan]") {
  trop_fixture fx;
  // A range big enough to take more than the progress delay on most hosts.
  process_result r = fx.run({"scan", "--min", "40000", "--max", "65535", "--skip-udp",
                             "--skip-ipv6", "--format", "json"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find('\r') == std::string::npos);
  CHECK(r.err.find("Scanning") == std::string::npos);
}

// ---------------------------------------------------------------------------
// Rendering of rows that real sockets do not produce on demand.

namespace {

scan_row unknown_row() {
  scan_row row;
  row.port = 5001;
  row.reserved = true;
  row.probe.protocol = udp;
  row.probe.family = v6;
  row.probe.scope = probe_scope::wildcard;
  row.probe.address = "::";
  row.probe.state = occupancy_state::unknown;
  row.probe.os_error = EPERM;
  row.probe.error = "Operation not permitted (os error 1)";
  return row;
}

scan_row partial_row() {
  scan_row row;
  row.port = 5002;
  row.probe.address = "127.0.0.1";
  row.probe.state = occupancy_state::occupied;
  row.owner.pid = 42;
  row.owner.process_name = "we\tird,\"name\"";
  return row;
}

}  // namespace

TEST_CASE("scan rows: a failed probe is an 'unknown' row; missing owners are unavailable",
          "[quick][scan]") {
  const std::vector<scan_row> rows{unknown_row(), partial_row()};
  CHECK(render_scan(rows, scan_format::json) ==
        "[\n"
        "  {\n    \"port\": 5001,\n    \"status\": \"unknown (reserved)\",\n"
        "    \"reserved\": true,\n    \"protocol\": \"udp\",\n    \"address_family\": \"ipv6\",\n"
        "    \"scope\": \"wildcard\",\n    \"address\": \"::\",\n    \"process_id\": null,\n"
        "    \"process_name\": null,\n    \"user\": null,\n    \"owner_status\": \"unavailable\"\n"
        "  },\n"
        "  {\n    \"port\": 5002,\n    \"status\": \"occupied\",\n    \"reserved\": false,\n"
        "    \"protocol\": \"tcp\",\n    \"address_family\": \"ipv4\",\n"
        "    \"scope\": \"localhost\",\n    \"address\": \"127.0.0.1\",\n"
        "    \"process_id\": 42,\n    \"process_name\": \"we\\tird,\\\"name\\\"\",\n"
        "    \"user\": null,\n    \"owner_status\": \"partial\"\n"
        "  }\n"
        "]\n");
  CHECK(render_scan(rows, scan_format::csv) ==
        "port,status,reserved,protocol,address_family,scope,address,process_id,process_name,"
        "user,owner_status\n"
        "5001,unknown (reserved),true,udp,ipv6,wildcard,::,unavailable,unavailable,unavailable,"
        "unavailable\n"
        "5002,occupied,false,tcp,ipv4,localhost,127.0.0.1,42,\"we\tird,\"\"name\"\"\","
        "unavailable,partial\n");
  CHECK(render_scan(rows, scan_format::tsv) ==
        "port\tstatus\treserved\tprotocol\taddress_family\tscope\taddress\tprocess_id\t"
        "process_name\tuser\towner_status\n"
        "5001\tunknown (reserved)\ttrue\tudp\tipv6\twildcard\t::\tunavailable\tunavailable\t"
        "unavailable\tunavailable\n"
        "5002\toccupied\tfalse\ttcp\tipv4\tlocalhost\t127.0.0.1\t42\twe\\tird,\"name\"\t"
        "unavailable\tpartial\n");
  CHECK(render_scan(rows, scan_format::table) ==
        std::string(kTableHeader) + rule() +
            "5001   unknown (reserved)   yes       UDP       IPv6    wildcard   ::              "
            "unavailable  unavailable      unavailable      unavailable\n"
            "5002   occupied             no        TCP       IPv4    localhost  127.0.0.1       "
            "42           we\\tird,\"name\"   unavailable      partial\n");
  CHECK(render_scan({}, scan_format::json) == "[]\n");
}
