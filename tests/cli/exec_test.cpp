// `trop exec` (docs/commands/exec.md): the environment and arguments the
// command receives, exit statuses, signal forwarding, socket handoff
// (--bind), stdout that is the command's alone, and refusals that run nothing.
// The command is tests/cli/exec_helper.cpp.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "trop_fixture.h"

#ifndef TROP_EXEC_HELPER
#error "TROP_EXEC_HELPER must name the exec helper"
#endif

using trop::reservation;
using trop::test::child_process;
using trop::test::process_result;
using trop::test::read_file;
using trop::test::run_options;
using trop::test::trop_fixture;
using trop::test::write_file;
using namespace std::chrono_literals;

namespace {

const std::string kHelper = TROP_EXEC_HELPER;

// What `fd` has to read within `timeout_ms` (one read; "" if nothing).
std::string read_ready(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  char buffer[256];
  if (::poll(&p, 1, timeout_ms) <= 0) {
    return {};
  }
  ssize_t n = ::read(fd, buffer, sizeof buffer);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

std::vector<std::string> exec_args(std::vector<std::string> flags,
                                   std::vector<std::string> command) {
  std::vector<std::string> args = {"exec"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.push_back("--");
  args.push_back(kHelper);
  args.insert(args.end(), command.begin(), command.end());
  return args;
}

// Runs trop without the occupancy probe: ports are then the first free ones
// of the store, whatever other processes on the machine listen on (the
// --bind tests probe, and read the ports they got).
process_result run(const trop_fixture& fx, const std::vector<std::string>& args,
                   run_options o = {}) {
  o.env.emplace_back("TROP_SKIP_OCCUPANCY_CHECK", "1");
  return fx.run(args, o);
}

std::string store_bytes(const trop_fixture& fx) {
  return read_file(fx.data_dir() + "/trop.db") + read_file(fx.data_dir() + "/trop.db-wal");
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    out.push_back(l);
  }
  return out;
}

const char* kGroup =
    "reservations:\n"
    "  services:\n"
    "    web: {offset: 0}\n"
    "    api: {offset: 1, env: API_URL_PORT}\n"
    "    db-main: {offset: 2}\n";

// Connects to 127.0.0.1:port and returns the first line the server sends;
// closes first (the TIME_WAIT stays on this side's ephemeral port).
std::string fetch(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  std::string got;
  char buffer[256];
  for (ssize_t n;
       got.find('\n') == std::string::npos && (n = ::read(fd, buffer, sizeof buffer)) > 0;) {
    got.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return got;
}

}  // namespace

TEST_CASE("exec puts the reserved port in PORT and keeps the reservation", "[quick][exec]") {
  trop_fixture fx;
  process_result r = run(fx, exec_args({}, {"env", "PORT"}));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "PORT=5000\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].key.path == fx.work());
  CHECK(rs[0].port == 5000);

  // The same key again: the same port (reserve's sticky reuse).
  CHECK(run(fx, exec_args({}, {"env", "PORT"})).out == "PORT=5000\n");
  // Reserve flags apply: another tag is another port.
  CHECK(run(fx, exec_args({"--tag", "web"}, {"env", "PORT"})).out == "PORT=5001\n");
  CHECK(run(fx, {"reserve", "--tag", "web"}).out == "5001\n");
}

TEST_CASE("exec --group sets the group's variables as reserve-group's export names them",
          "[quick][exec]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kGroup);
  process_result r =
      run(fx, exec_args({"--group"}, {"env", "WEB", "API_URL_PORT", "DB_MAIN", "PORT"}));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "WEB=5000\nAPI_URL_PORT=5001\nDB_MAIN=5002\nPORT unset\n");

  // The dotenv rendering of the same group names the same variables.
  process_result dotenv = run(fx, {"reserve-group", "trop.yaml", "--format", "dotenv"});
  REQUIRE(dotenv.exit_code == 0);
  CHECK(dotenv.out == "API_URL_PORT=5001\nDB_MAIN=5002\nWEB=5000\n");

  // An explicit file, from another directory.
  run_options elsewhere;
  elsewhere.cwd = fx.make_dir("work/sub");
  process_result explicit_file = run(
      fx,
      exec_args({"--group", fx.work() + "/trop.yaml"}, {"args", "{port:web}", "{port:db-main}"}),
      elsewhere);
  REQUIRE(explicit_file.exit_code == 0);
  CHECK(explicit_file.out == "5000\n5002\n");
}

TEST_CASE("exec substitutes {port} and {port:TAG}; {{port is the escape; other braces stay",
          "[quick][exec]") {
  trop_fixture fx;
  process_result r = run(
      fx, exec_args({"--tag", "web"}, {"args", "{port}", "--port={port:web}", "{{port}",
                                       "{{port:web}", "{}", "{{.Name}}", "{portal}", "${PORT}"}));
  REQUIRE(r.exit_code == 0);
  CHECK(lines(r.out) == std::vector<std::string>{"5000", "--port=5000", "{port}", "{port:web}",
                                                 "{}", "{{.Name}}", "{portal}", "${PORT}"});

  // A group in another directory (a directory's single reservations and its
  // group are one key space).
  run_options in_group;
  in_group.cwd = fx.make_dir("work/g");
  write_file(in_group.cwd + "/trop.yaml", kGroup);
  process_result g = run(fx, exec_args({"--group"}, {"args", "{port:api}-{port:web}"}), in_group);
  REQUIRE(g.exit_code == 0);
  CHECK(g.out == "5002-5001\n");  // 5000 is the single reservation above
}

TEST_CASE("a bad placeholder is a usage error before anything is reserved or run",
          "[quick][exec]") {
  trop_fixture fx;
  const std::string marker = fx.root() + "/ran";
  struct bad {
    std::vector<std::string> flags;
    std::string arg;
    std::string message;
  };
  write_file(fx.work() + "/trop.yaml", kGroup);
  const std::vector<bad> cases = {
      {{}, "{port:web}", "unknown tag in placeholder '{port:web}'"},
      {{"--tag", "api"}, "{port:web}", "unknown tag"},
      {{}, "{port:", "unterminated placeholder"},
      {{}, "{port:}", "empty tag"},
      {{"--group"}, "{port}", "{port} is ambiguous with 3 ports"},
      {{"--group"}, "{port:nope}", "unknown tag"},
  };
  for (const bad& c : cases) {
    std::vector<std::string> command = {"touch", marker, c.arg};
    process_result r = run(fx, exec_args(c.flags, command));
    INFO(c.arg);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, c.message));
    CHECK(r.out.empty());
    CHECK_FALSE(std::filesystem::exists(marker));
    CHECK(fx.data_dir_entries().empty());  // no store was even created
  }
}

TEST_CASE("exec exits with the command's status, 128+N for a signal", "[quick][exec]") {
  trop_fixture fx;
  CHECK(run(fx, exec_args({}, {"exit", "0"})).exit_code == 0);
  CHECK(run(fx, exec_args({}, {"exit", "3"})).exit_code == 3);
  CHECK(run(fx, exec_args({}, {"exit", "255"})).exit_code == 255);
  process_result killed = run(fx, exec_args({}, {"raise", std::to_string(SIGKILL)}));
  CHECK(killed.exit_code == 128 + SIGKILL);
  CHECK(killed.term_signal == 0);  // trop itself exited normally
  CHECK(run(fx, exec_args({}, {"raise", std::to_string(SIGTERM)})).exit_code == 128 + SIGTERM);
  // The reservation stays whatever the command did.
  CHECK(fx.stored().size() == 1);
}

TEST_CASE("exec: command not found is 127, not executable is 126, with a message",
          "[quick][exec]") {
  trop_fixture fx;
  process_result missing = run(fx, {"exec", "--", "trop-no-such-command-xyz", "a"});
  CHECK(missing.exit_code == 127);
  CHECK(missing.out.empty());
  CHECK(contains(missing.err, "command not found: trop-no-such-command-xyz"));

  process_result missing_path = run(fx, {"exec", "--", fx.root() + "/nope"});
  CHECK(missing_path.exit_code == 127);
  CHECK(contains(missing_path.err, "No such file or directory"));

  const std::string plain = fx.root() + "/plain.sh";
  write_file(plain, "#!/bin/sh\necho no\n");
  ::chmod(plain.c_str(), 0644);  // no execute bit for anyone: refused even for root
  process_result not_exec = run(fx, {"exec", "--", plain});
  CHECK(not_exec.exit_code == 126);
  CHECK(not_exec.out.empty());
  CHECK(contains(not_exec.err, "cannot execute " + plain + ": Permission denied"));

  process_result dir = run(fx, {"exec", "--", fx.work()});
  CHECK(dir.exit_code == 126);
}

TEST_CASE("exec forwards SIGTERM to the command and exits with its status", "[quick][exec]") {
  trop_fixture fx;
  const std::string marker = fx.root() + "/got-term";
  child_process trop(fx.options(exec_args({}, {"trap", marker})));
  REQUIRE(trop.read_stdout_line(20s) == std::optional<std::string>("ready"));
  trop.kill(SIGTERM);
  process_result r = trop.wait();
  CHECK(r.term_signal == 0);  // trop survived the signal and waited
  CHECK(r.exit_code == 42);   // the command's own exit status
  CHECK(read_file(marker) == "TERM");
}

TEST_CASE("exec forwards SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2", "[quick][exec]") {
  trop_fixture fx;
  for (int sig : {SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) {
    INFO(sig);
    // The helper traps only SIGTERM: these end it by their default action.
    child_process trop(fx.options(exec_args({}, {"trap", fx.root() + "/m"})));
    REQUIRE(trop.read_stdout_line(20s) == std::optional<std::string>("ready"));
    trop.kill(sig);
    process_result r = trop.wait();
    CHECK(r.term_signal == 0);
    CHECK(r.exit_code == 128 + sig);
  }
}

TEST_CASE("exec does not forward a terminal's ^C: the command gets it once", "[quick][exec]") {
  trop_fixture fx;
  const std::string counted = fx.root() + "/interrupts";
  trop::test::process_options po = fx.options(exec_args({}, {"count-int", counted}));
  int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(master >= 0);
  REQUIRE(::grantpt(master) == 0);
  REQUIRE(::unlockpt(master) == 0);
  const std::string slave_name = ::ptsname(master);
  std::vector<char*> argv = trop::test::exec_array(po.argv);
  std::vector<char*> envp = trop::test::exec_array(*po.env);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // trop as the leader of a new session whose controlling terminal is the
    // pty: its process group (and its command's) is the foreground group.
    ::setsid();
    int slave = ::open(slave_name.c_str(), O_RDWR);
    if (slave < 0 || ::chdir(po.cwd.c_str()) != 0) {
      ::_exit(120);
    }
    ::dup2(slave, 0);
    ::dup2(slave, 1);
    ::dup2(slave, 2);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(121);
  }
  // Wait for "ready" on the terminal, then type ^C.
  std::string seen;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (seen.find("ready") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    seen += read_ready(master, 200);
  }
  INFO(seen);
  REQUIRE(seen.find("ready") != std::string::npos);
  REQUIRE(::write(master, "\x03", 1) == 1);
  int status = 0;
  bool reaped = false;
  while (!reaped && std::chrono::steady_clock::now() < deadline) {
    reaped = ::waitpid(pid, &status, WNOHANG) == pid;
    if (!reaped) {
      read_ready(master, 20);  // keep the terminal drained
    }
  }
  ::close(master);
  if (!reaped) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  CHECK(reaped);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);   // trop survived its own ^C and exited with the command
  CHECK(read_file(counted) == "1");  // once from the terminal, not again from trop
}

TEST_CASE("exec --bind passes a listening socket as fd 3 (LISTEN_FDS, LISTEN_PID)",
          "[quick][exec]") {
  trop_fixture fx;
  // Away from the ports the other tests expect to find free.
  child_process trop(
      fx.options(exec_args({"--bind", "--min", "41000", "--max", "41999"}, {"serve"})));
  std::optional<std::string> line = trop.read_stdout_line(20s);
  REQUIRE(line);
  REQUIRE(line->rfind("serving ", 0) == 0);
  const auto port = static_cast<std::uint16_t>(std::stoi(line->substr(8)));
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].port == port);
  // The command accepts on the socket it was handed; the reply names its pid.
  std::string reply = fetch(port);
  process_result r = trop.wait();
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(reply.rfind("hello from ", 0) == 0);
}

TEST_CASE("exec --bind: LISTEN_PID is the command's own pid, a child of trop", "[quick][exec]") {
  trop_fixture fx;
  child_process trop(fx.options(exec_args({"--bind"}, {"pids"})));
  std::optional<std::string> line = trop.read_stdout_line(20s);
  process_result r = trop.wait();
  REQUIRE(r.exit_code == 0);
  REQUIRE(line);
  int pid = 0;
  int ppid = 0;
  int listen_pid = 0;
  REQUIRE(std::sscanf(line->c_str(), "pid %d ppid %d listen_pid %d", &pid, &ppid, &listen_pid) ==
          3);
  CHECK(listen_pid == pid);
  CHECK(ppid == trop.pid());
  CHECK(pid != trop.pid());

  // Without --bind no LISTEN_* variable reaches the command, even one trop got.
  run_options o;
  o.env = {{"LISTEN_PID", "1"}, {"LISTEN_FDS", "1"}};
  process_result plain = run(fx, exec_args({}, {"env", "LISTEN_PID", "LISTEN_FDS"}), o);
  CHECK(plain.out == "LISTEN_PID unset\nLISTEN_FDS unset\n");
}

TEST_CASE("exec --bind for a group passes one socket per service, in file order", "[quick][exec]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kGroup);
  process_result r = fx.run(
      exec_args({"--group", "--bind"}, {"env", "LISTEN_FDS", "LISTEN_FDNAMES", "WEB", "DB_MAIN"}));
  REQUIRE(r.exit_code == 0);
  const std::vector<std::string> got = lines(r.out);
  REQUIRE(got.size() == 4);
  CHECK(got[0] == "LISTEN_FDS=3");
  CHECK(got[1] == "LISTEN_FDNAMES=web:api:db-main");
  std::map<std::string, std::uint16_t> stored;
  for (const reservation& rec : fx.stored()) {
    stored[*rec.key.tag] = rec.port;
  }
  CHECK(got[2] == "WEB=" + std::to_string(stored["web"]));
  CHECK(got[3] == "DB_MAIN=" + std::to_string(stored["db-main"]));
}

TEST_CASE("exec --bind on a port another process holds fails before the command runs",
          "[quick][exec]") {
  trop_fixture fx;
  // Someone else listens on 5000; --ignore-occupied makes trop reserve it anyway.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  const std::string marker = fx.root() + "/ran";
  process_result r = run(
      fx, exec_args({"--bind", "--port", port, "--min", port, "--max", port, "--ignore-occupied"},
                    {"touch", marker}));
  ::close(fd);
  CHECK(r.exit_code == 5);
  CHECK(contains(r.err, "cannot listen on 127.0.0.1:" + port));
  CHECK_FALSE(std::filesystem::exists(marker));

  process_result bad = run(fx, exec_args({"--bind", "--bind-address", "localhost"}, {"exit", "0"}));
  CHECK(bad.exit_code == 4);
  CHECK(run(fx, exec_args({"--bind-address", "::1"}, {"exit", "0"})).exit_code == 2);
}

TEST_CASE("exec's stdout is exactly the command's", "[quick][exec]") {
  trop_fixture fx;
  process_result r = run(fx, {"--verbose", "exec", "--", kHelper, "args", "one", "two"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "one\ntwo\n");
  CHECK_FALSE(r.err.empty());  // the --verbose lines went to stderr

  run_options in_group;
  in_group.cwd = fx.make_dir("work/g");
  write_file(in_group.cwd + "/trop.yaml", kGroup);
  process_result g = run(fx, exec_args({"--group"}, {"args", "x"}), in_group);
  CHECK(g.exit_code == 0);
  CHECK(g.out == "x\n");
  process_result dry = run(fx, exec_args({"--dry-run"}, {"args", "{port}"}));
  CHECK(dry.exit_code == 0);
  CHECK(dry.out.empty());  // nothing ran
  CHECK(contains(dry.err, "Dry run - would run: " + kHelper + " args 5000"));
}

TEST_CASE("a refused reservation runs nothing and leaves the store unchanged", "[quick][exec]") {
  trop_fixture fx;
  const std::string marker = fx.root() + "/ran";
  REQUIRE(run(fx, {"reserve", "--project", "one"}).exit_code == 0);
  const std::string before = store_bytes(fx);

  // A sticky project change (exit 1).
  process_result sticky = run(fx, exec_args({"--project", "two"}, {"touch", marker}));
  CHECK(sticky.exit_code == 1);
  // An exhausted range (exit 6).
  process_result full =
      run(fx, exec_args({"--tag", "t", "--min", "5000", "--max", "5000"}, {"touch", marker}));
  CHECK(full.exit_code == 6);
  // Reserve-only flags with --group (exit 2); no command at all (exit 2).
  write_file(fx.work() + "/trop.yaml", kGroup);
  CHECK(run(fx, exec_args({"--group", "--port", "6000"}, {"touch", marker})).exit_code == 2);
  CHECK(run(fx, {"exec", "--"}).exit_code == 2);
  CHECK(run(fx, {"exec"}).exit_code == 2);

  CHECK_FALSE(std::filesystem::exists(marker));
  CHECK(store_bytes(fx) == before);
}

TEST_CASE("exec takes everything after -- verbatim, options included", "[quick][exec]") {
  trop_fixture fx;
  process_result r =
      run(fx, {"exec", "--tag", "a", "--", kHelper, "args", "--tag", "--help", "--", "-q"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "--tag\n--help\n--\n-q\n");
  // --group directly before -- takes no value (the nearest trop.yaml).
  run_options in_group;
  in_group.cwd = fx.make_dir("work/g");
  write_file(in_group.cwd + "/trop.yaml", kGroup);
  process_result g =
      run(fx, {"exec", "--group", "--", kHelper, "args", "{port:web}", "-x"}, in_group);
  CHECK(g.exit_code == 0);
  CHECK(g.out == "5001\n-x\n");
}

TEST_CASE("exec --lease leases the port to the command's own process", "[quick][exec][lease]") {
  trop_fixture fx;
  process_result r = run(fx, exec_args({"--lease", "--min", "5600", "--max", "5600"}, {"pids"}));
  REQUIRE(r.exit_code == 0);
  int pid = 0;
  int ppid = 0;
  REQUIRE(std::sscanf(r.out.c_str(), "pid %d ppid %d", &pid, &ppid) == 2);
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  REQUIRE(rs[0].lease);
  REQUIRE(rs[0].lease->owner);
  CHECK(rs[0].lease->owner->pid == pid);  // the command, not trop (its parent)
  CHECK(rs[0].lease->owner->pid != ppid);
  CHECK_FALSE(rs[0].lease->expires_at);

  // The command is gone: the next writer reclaims the port for another key.
  process_result other = run(fx, {"reserve", "--tag", "other", "--min", "5600", "--max", "5600"});
  CHECK(other.exit_code == 0);
  CHECK(other.out == "5600\n");

  // Without --lease the reservation is sticky: the range stays full.
  REQUIRE(run(fx, exec_args({"--tag", "sticky", "--min", "5601", "--max", "5601"}, {"exit", "0"}))
              .exit_code == 0);
  CHECK(run(fx, {"reserve", "--tag", "x", "--min", "5601", "--max", "5601"}).exit_code == 6);
}

TEST_CASE("exec --lease holds while the command runs and lapses when it ends",
          "[quick][exec][lease]") {
  trop_fixture fx;
  const std::string marker = fx.root() + "/got-term";
  run_options o;
  o.env = {{"TROP_SKIP_OCCUPANCY_CHECK", "1"}};
  child_process trop(fx.options(
      exec_args({"--lease", "--ttl", "1h", "--min", "5700", "--max", "5700"}, {"trap", marker}),
      o));
  REQUIRE(trop.read_stdout_line(20s) == std::optional<std::string>("ready"));
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  REQUIRE(rs[0].lease);
  CHECK(rs[0].lease->owner);
  CHECK(rs[0].lease->expires_at);  // --ttl adds an expiry to the owner
  // Owner alive: not reclaimable.
  CHECK(run(fx, {"reserve", "--tag", "other", "--min", "5700", "--max", "5700"}).exit_code == 6);

  trop.kill(SIGTERM);
  process_result r = trop.wait();
  CHECK(r.exit_code == 42);
  CHECK(run(fx, {"reserve", "--tag", "other", "--min", "5700", "--max", "5700"}).out == "5700\n");
}

TEST_CASE("exec --lease --group leases every service; owner flags conflict with --lease",
          "[quick][exec][lease]") {
  trop_fixture fx;
  write_file(fx.work() + "/trop.yaml", kGroup);
  process_result r = run(fx, exec_args({"--group", "--lease"}, {"pids"}));
  REQUIRE(r.exit_code == 0);
  int pid = 0;
  REQUIRE(std::sscanf(r.out.c_str(), "pid %d", &pid) == 1);
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 3);
  for (const reservation& rec : rs) {
    REQUIRE(rec.lease);
    REQUIRE(rec.lease->owner);
    CHECK(rec.lease->owner->pid == pid);
  }

  const std::string before = store_bytes(fx);
  CHECK(run(fx, exec_args({"--lease", "--owner-self"}, {"exit", "0"})).exit_code == 2);
  CHECK(run(fx, exec_args({"--lease", "--owner-pid", "1"}, {"exit", "0"})).exit_code == 2);
  CHECK(store_bytes(fx) == before);
}

TEST_CASE("a refused --lease reservation runs nothing and leaves the store unchanged",
          "[quick][exec][lease]") {
  trop_fixture fx;
  const std::string marker = fx.root() + "/ran";
  REQUIRE(run(fx, {"reserve", "--project", "one"}).exit_code == 0);
  const std::string before = store_bytes(fx);
  process_result r = run(fx, exec_args({"--lease", "--project", "two"}, {"touch", marker}));
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK_FALSE(std::filesystem::exists(marker));
  CHECK(store_bytes(fx) == before);
}
