// `trop reserve`, the flags of commit af374a0 through the binary: project and
// task with the sticky checks (SPEC B §9.2, A.2 #28), --min/--max (§6, A.2
// #11), exhaustion and automatic cleanup (§9.3), occupancy with real sockets
// (§8, A.2 #2, #19), the 20-process race, git inference (§10, A.2 #20) and
// the path guard of reserve and release (§5.4, A.2 #18).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <set>

#include "cleanup_util.h"
#include "trop_fixture.h"

using trop::reservation;
using trop::test::aged;
using trop::test::child_process;
using trop::test::kDay;
using trop::test::process_result;
using trop::test::run_options;
using trop::test::store_bytes;
using trop::test::trop_fixture;
using trop::test::without_trace;

namespace {

// The record with that key, by value (callers often pass fx.stored() itself).
std::optional<reservation> find(const std::vector<reservation>& rs, const std::string& path,
                                std::optional<std::string> tag = std::nullopt) {
  for (const reservation& r : rs) {
    if (r.key.path == path && r.key.tag == tag) {
      return r;
    }
  }
  return std::nullopt;
}

run_options with_env(trop::test::env_changes env, std::string cwd = {}) {
  run_options o;
  o.env = std::move(env);
  o.cwd = std::move(cwd);
  return o;
}

run_options in_dir(std::string cwd) {
  run_options o;
  o.cwd = std::move(cwd);
  return o;
}

const std::string kSticky = "Error: cannot change sticky field ";

}  // namespace

// ---------------------------------------------------------------------------
// --project, --task, --clear-*, sticky checks and permissions

TEST_CASE("reserve stores --project and --task, trimmed, for a new key", "[quick][reserve]") {
  trop_fixture fx;
  CHECK(fx.run({"reserve", "--project", "  app ", "--task", "\tfix-42\n"}).out == "5000\n");
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].project == std::optional<std::string>("app"));
  CHECK(rs[0].task == std::optional<std::string>("fix-42"));
  // Repeating the same values is an ordinary refresh.
  process_result r = fx.run({"reserve", "--project", "app", "--task", "fix-42"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "5000\n");
  CHECK(r.err.empty());
}

TEST_CASE("changing a stored project or task exits 1 and changes nothing", "[quick][reserve]") {
  trop_fixture fx;
  REQUIRE(fx.run({"reserve", "--project", "app", "--task", "t1"}).out == "5000\n");
  REQUIRE(fx.run({"reserve", "--tag", "bare"}).out == "5001\n");
  const std::string before = store_bytes(fx);
  struct bad {
    std::vector<std::string> args;
    std::string message;
  };
  const bad cases[] = {
      {{"--project", "other"},
       "'project': Cannot change project from \"app\" to \"other\" without --force or "
       "--allow-project-change"},
      {{"--clear-project"},
       "'project': Cannot change project from \"app\" to - without --force or "
       "--allow-project-change"},
      {{"--task", "t2"},
       "'task': Cannot change task from \"t1\" to \"t2\" without --force or --allow-task-change"},
      {{"--clear-task"},
       "'task': Cannot change task from \"t1\" to - without --force or --allow-task-change"},
      // A permission for one field does not cover the other.
      {{"--project", "other", "--allow-task-change"},
       "'project': Cannot change project from \"app\" to \"other\" without --force or "
       "--allow-project-change"},
      {{"--task", "t2", "--allow-project-change"},
       "'task': Cannot change task from \"t1\" to \"t2\" without --force or --allow-task-change"},
      {{"--tag", "bare", "--project", "new"},
       "'project': Cannot change project from - to \"new\" without --force or "
       "--allow-project-change"},
  };
  for (const bad& c : cases) {
    std::vector<std::string> args{"reserve"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    INFO(c.message);
    process_result r = fx.run(args);
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err == kSticky + c.message + "\n");
    // Sticky checks run in the dry-run too, with the real run's exit code.
    args.push_back("--dry-run");
    process_result d = fx.run(args);
    CHECK(d.exit_code == 1);
    CHECK(d.err == r.err);
  }
  CHECK(store_bytes(fx) == before);
}

TEST_CASE("permission flags change metadata in place and keep the port", "[quick][reserve]") {
  trop_fixture fx;
  fx.seed({aged(fx.work(), std::nullopt, 6500, kDay, "app"), aged(fx.work(), "x", 5000, 0)});
  CHECK(fx.run({"reserve", "--project", "p2", "--allow-project-change"}).out == "6500\n");
  CHECK(fx.run({"reserve", "--task", "t2", "--allow-task-change"}).out == "6500\n");
  CHECK(fx.run({"reserve", "--project", "p3", "--task", "t3", "--allow-change"}).out == "6500\n");
  std::optional<reservation> r = find(fx.stored(), fx.work());
  REQUIRE(r.has_value());
  CHECK(r->project == std::optional<std::string>("p3"));
  CHECK(r->task == std::optional<std::string>("t3"));
  CHECK(r->port == 6500);
  CHECK(fx.run({"reserve", "--clear-project", "--clear-task", "--allow-change"}).out == "6500\n");
  r = find(fx.stored(), fx.work());
  REQUIRE(r.has_value());
  CHECK_FALSE(r->project.has_value());
  CHECK_FALSE(r->task.has_value());
  CHECK(r->last_used_at > r->created_at);
}

TEST_CASE("--force changes metadata and re-allocates the lowest free port", "[quick][reserve]") {
  trop_fixture fx;
  fx.seed({aged(fx.work(), std::nullopt, 6500, kDay, "app"), aged(fx.work(), "x", 5000, 0)});
  process_result r = fx.run({"reserve", "--project", "other", "--force"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "5001\n");
  std::optional<reservation> s = find(fx.stored(), fx.work());
  REQUIRE(s.has_value());
  CHECK(s->project == std::optional<std::string>("other"));
  CHECK(s->port == 5001);
}

TEST_CASE("change permissions from configuration files and variables", "[quick][reserve]") {
  trop_fixture fx;
  fx.seed({aged(fx.work(), std::nullopt, 5000, 0, "app")});
  const std::pair<const char*, const char*> vars[] = {
      {"TROP_ALLOW_PROJECT_CHANGE", "true"},
      {"TROP_ALLOW_CHANGE_PROJECT", "1"},
      {"TROP_ALLOW_CHANGE", "yes"},
  };
  int n = 0;
  for (const auto& [var, value] : vars) {
    INFO(var);
    std::string p = std::string("p") + std::to_string(++n);
    CHECK(fx.run({"reserve", "--project", p}, with_env({{var, value}})).out == "5000\n");
    CHECK(find(fx.stored(), fx.work())->project == std::optional<std::string>(p));
  }
  CHECK(fx.run({"reserve", "--project", "q"}, with_env({{"TROP_ALLOW_CHANGE", "off"}})).exit_code ==
        1);
  for (const char* yaml : {"allow_change_project: true\n", "allow_change: true\n"}) {
    INFO(yaml);
    trop::test::write_file(fx.work() + "/trop.yaml", yaml);
    std::string p = std::string("p") + std::to_string(++n);
    CHECK(fx.run({"reserve", "--project", p}).out == "5000\n");
  }
  // Task permissions are separate.
  trop::test::write_file(fx.work() + "/trop.yaml", "allow_change_project: true\n");
  CHECK(fx.run({"reserve", "--task", "t"}).exit_code == 1);
  CHECK(
      fx.run({"reserve", "--task", "t"}, with_env({{"TROP_ALLOW_TASK_CHANGE", "on"}})).exit_code ==
      0);
  CHECK(fx.run({"reserve", "--task", "u"}, with_env({{"TROP_ALLOW_CHANGE_TASK", "TRUE"}}))
            .exit_code == 0);
  trop::test::write_file(fx.work() + "/trop.yaml", "allow_change_task: true\n");
  CHECK(fx.run({"reserve", "--task", "v"}).exit_code == 0);
  CHECK(find(fx.stored(), fx.work())->task == std::optional<std::string>("v"));
}

TEST_CASE("--project with --clear-project (and task) is a usage error", "[quick][reserve]") {
  trop_fixture fx;
  process_result r = fx.run({"reserve", "--project", "a", "--clear-project"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("cannot be used with") != std::string::npos);
  CHECK(r.err.find("Usage:") != std::string::npos);
  r = fx.run({"reserve", "--task", "a", "--clear-task"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("cannot be used with") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("invalid --project, --task, TROP_PROJECT and TROP_TASK are exit 7", "[quick][reserve]") {
  trop_fixture fx;
  const std::string empty = "Cannot be empty or only whitespace";
  const std::string too_long = "Cannot exceed 255 characters";
  struct bad {
    std::vector<std::string> args;
    trop::test::env_changes env;
    std::string message;
  };
  const bad cases[] = {
      {{"--project", ""}, {}, "validation error for 'project (<command line>)': " + empty},
      {{"--project", " \t "}, {}, "validation error for 'project (<command line>)': " + empty},
      {{"--task", ""}, {}, "validation error for 'task (<command line>)': " + empty},
      {{"--project", std::string(256, 'p')},
       {},
       "validation error for 'project (<command line>)': " + too_long},
      {{}, {{"TROP_PROJECT", ""}}, "validation error for 'project (TROP_PROJECT)': " + empty},
      {{}, {{"TROP_TASK", "   "}}, "validation error for 'task (TROP_TASK)': " + empty},
  };
  for (const bad& c : cases) {
    std::vector<std::string> args{"reserve"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    process_result r = fx.run(args, with_env(c.env));
    CHECK(r.exit_code == 7);
    CHECK(r.out.empty());
    CHECK(r.err == "Error: Configuration error: " + c.message + "\n");
  }
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
  // 255 bytes after trimming is fine.
  CHECK(fx.run({"reserve", "--project", std::string(" ") + std::string(255, 'p') + " "}).out ==
        "5000\n");
  // Commands that do not use them ignore TROP_PROJECT and TROP_TASK (A.2 #12).
  CHECK(fx.run({"list"}, with_env({{"TROP_PROJECT", ""}, {"TROP_TASK", " "}})).exit_code == 0);
  CHECK(fx.run({"prune"}, with_env({{"TROP_PROJECT", ""}})).exit_code == 0);
}

TEST_CASE("a project added to trop.yaml later never breaks reserve of an existing key (A.2 #28)",
          "[quick][reserve]") {
  trop_fixture fx;
  REQUIRE(fx.run({"reserve", "--clear-project", "--clear-task"}).out == "5000\n");
  REQUIRE(fx.run({"reserve", "--tag", "old", "--project", "before"}).out == "5001\n");
  trop::test::write_file(fx.work() + "/trop.yaml", "project: added\n");
  for (const char* tag : {"", "old"}) {
    std::vector<std::string> args{"reserve"};
    if (*tag != '\0') {
      args.insert(args.end(), {"--tag", tag});
    }
    process_result r = fx.run(args);
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
  }
  trop::test::write_file(fx.work() + "/trop.local.yaml", "project: local\n");
  CHECK(fx.run({"reserve", "--tag", "old"}).out == "5001\n");
  std::vector<reservation> rs = fx.stored();
  CHECK_FALSE(find(rs, fx.work())->project.has_value());
  CHECK(find(rs, fx.work(), "old")->project == std::optional<std::string>("before"));
  // ... but it is the default for a new key (the local file wins).
  CHECK(fx.run({"reserve", "--tag", "new"}).out == "5002\n");
  CHECK(find(fx.stored(), fx.work(), "new")->project == std::optional<std::string>("local"));
  // The project file is found from the cwd even when --path points elsewhere.
  CHECK(fx.run({"reserve", "--path", "sub"}).out == "5003\n");
  CHECK(find(fx.stored(), fx.work() + "/sub")->project == std::optional<std::string>("local"));

  // TROP_PROJECT and --project are explicit: they trip the sticky check.
  const std::string before = store_bytes(fx);
  process_result r = fx.run({"reserve"}, with_env({{"TROP_PROJECT", "env"}}));
  CHECK(r.exit_code == 1);
  CHECK(r.err == kSticky +
                     "'project': Cannot change project from - to \"env\" without --force or "
                     "--allow-project-change\n");
  r = fx.run({"reserve", "--tag", "old", "--project", "flag"});
  CHECK(r.exit_code == 1);
  r = fx.run({"reserve"}, with_env({{"TROP_TASK", "env-task"}}));
  CHECK(r.exit_code == 1);
  CHECK(r.err == kSticky +
                     "'task': Cannot change task from - to \"env-task\" without --force or "
                     "--allow-task-change\n");
  CHECK(store_bytes(fx) == before);
  // The same value from TROP_PROJECT is no change.
  CHECK(fx.run({"reserve", "--tag", "old"}, with_env({{"TROP_PROJECT", " before "}})).exit_code ==
        0);
}

// ---------------------------------------------------------------------------
// --min / --max

TEST_CASE("--min and --max syntax errors exit 4 with one prefix", "[quick][reserve]") {
  trop_fixture fx;
  const std::string p = "Error: Invalid arguments: ";
  struct bad {
    std::vector<std::string> args;
    std::string message;
  };
  const bad cases[] = {
      {{"--min", "0"},
       "invalid --min value: Invalid port number: port 0 is reserved and cannot be used"},
      {{"--max", "0"},
       "invalid --max value: Invalid port number: port 0 is reserved and cannot be used"},
      {{"--min", "70000"},
       "invalid --min value: Invalid port number: 70000 is greater than maximum port 65535"},
      {{"--max", "70000"},
       "invalid --max value: Invalid port number: 70000 is greater than maximum port 65535"},
      {{"--min", "abc"}, "invalid --min value: Invalid port number: 'abc' is not a valid number"},
      {{"--max", "-5"}, "invalid --max value: Invalid port number: '-5' is not a valid number"},
      {{"--max", ""}, "invalid --max value: Invalid port number: '' is not a valid number"},
      {{"--min", "6000", "--max", "5000"},
       "Invalid port range: min (6000) must be less than or equal to max (5000)"},
  };
  for (const bad& c : cases) {
    std::vector<std::string> args{"reserve"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    INFO(c.message);
    process_result r = fx.run(args);
    CHECK(r.exit_code == 4);
    CHECK(r.out.empty());
    CHECK(r.err == p + c.message + "\n");
    // A.2 #11: the prefix appears once.
    CHECK(r.err.find("Invalid arguments:", p.size()) == std::string::npos);
  }
  // They are checked before the configuration (SPEC B §12.1 order).
  trop::test::write_file(fx.work() + "/trop.yaml", "ports: {min: 0}\n");
  CHECK(fx.run({"reserve", "--min", "0"}).exit_code == 4);
  CHECK(fx.run({"reserve", "--min", "5000"}).exit_code == 7);
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("--min and --max override the configured range", "[quick][reserve]") {
  trop_fixture fx;
  trop::test::write_file(fx.work() + "/trop.yaml", "ports:\n  min: 6000\n  max_offset: 1\n");
  CHECK(fx.run({"reserve", "--tag", "a"}).out == "6000\n");
  CHECK(fx.run({"reserve", "--tag", "b"}).out == "6001\n");
  CHECK(fx.run({"reserve", "--tag", "c", "--disable-autoclean"}).exit_code == 6);
  // --max replaces the inherited max_offset.
  CHECK(fx.run({"reserve", "--tag", "c", "--max", "6005"}).out == "6002\n");
  CHECK(fx.run({"reserve", "--tag", "d", "--min", "6100", "--max", "6100"}).out == "6100\n");
  CHECK(fx.run({"reserve", "--tag", "e", "--min", "+6200", "--max", "6300"}).out == "6200\n");
  // --min alone keeps the configured max_offset: 6002..6003.
  CHECK(fx.run({"reserve", "--tag", "f", "--min", "6002"}).out == "6003\n");
  // Without a configured bound, --min above the default max is an invalid merged range.
  trop_fixture plain;
  process_result r = plain.run({"reserve", "--min", "8000"});
  CHECK(r.exit_code == 7);
  CHECK(r.err ==
        "Error: Configuration error: validation error for 'ports.max (<built-in defaults>)': max "
        "(7000) must be greater than or equal to min (8000)\n");
  CHECK(plain.run({"reserve", "--min", "8000", "--max", "8000"}).out == "8000\n");
}

// ---------------------------------------------------------------------------
// Exhaustion and automatic cleanup (SPEC B §9.3)

namespace {

// Fills 5000..5002 with live, recently used records (nothing to clean).
void fill_small_range(const trop_fixture& fx) {
  fx.seed({aged(fx.work(), "a", 5000, 0), aged(fx.work(), "b", 5001, 0),
           aged(fx.work(), "c", 5002, 0)});
}

std::vector<std::string> small_range(std::vector<std::string> more = {}) {
  std::vector<std::string> args{"reserve", "--min", "5000", "--max", "5002"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

}  // namespace

TEST_CASE("exhaustion without automatic cleanup names the blockers", "[quick][reserve]") {
  trop_fixture fx;
  fill_small_range(fx);
  fx.seed({aged(fx.root() + "/gone", "x", 9000, 0)});  // prunable, but cleanup is off
  const std::string before = store_bytes(fx);
  process_result r = fx.run(small_range({"--disable-autoclean"}));
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "Error: port range 5000-5002 exhausted: cleanup was skipped (automatic pruning and "
        "expiration disabled); remaining blockers: reserved\n");
  r = fx.run(small_range({"--disable-autoprune", "--disable-autoexpire"}));
  CHECK(r.exit_code == 6);
  r = fx.run(small_range(),
             with_env({{"TROP_DISABLE_AUTOPRUNE", "1"}, {"TROP_DISABLE_AUTOEXPIRE", "true"}}));
  CHECK(r.exit_code == 6);
  CHECK(r.err.find("cleanup was skipped") != std::string::npos);
  trop::test::write_file(fx.work() + "/trop.yaml",
                         "disable_autoprune: true\ndisable_autoexpire: true\n");
  r = fx.run(small_range());
  CHECK(r.exit_code == 6);
  CHECK(r.err.find("cleanup was skipped") != std::string::npos);
  std::filesystem::remove(fx.work() + "/trop.yaml");
  // Exclusions are blockers too.
  r = fx.run({"reserve", "--min", "5000", "--max", "5003", "--disable-autoclean"},
             with_env({{"TROP_EXCLUDED_PORTS", "5003"}}));
  CHECK(r.err ==
        "Error: port range 5000-5003 exhausted: cleanup was skipped (automatic pruning and "
        "expiration disabled); remaining blockers: reserved, excluded\n");
  r = fx.run({"reserve", "--min", "5003", "--max", "5003", "--disable-autoclean"},
             with_env({{"TROP_EXCLUDED_PORTS", "5003"}}));
  CHECK(r.err ==
        "Error: port range 5003-5003 exhausted: cleanup was skipped (automatic pruning and "
        "expiration disabled); remaining blockers: excluded\n");
  CHECK(store_bytes(fx) == before);
}

TEST_CASE("a failed retry rolls the automatic cleanup back, whatever the policy",
          "[quick][reserve]") {
  trop_fixture fx;
  fill_small_range(fx);
  // Outside the range: removing them frees nothing in it.
  fx.seed({aged(fx.root() + "/gone", "x", 9000, 0), aged(fx.work(), "old", 9001, 60 * kDay)});
  const std::string before = store_bytes(fx);
  const std::string head =
      "Error: port range 5000-5002 exhausted after cleanup: remaining blockers after the single "
      "retry: reserved; automatic cleanup pruned ";
  process_result r = fx.run(small_range());
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err ==
        head + "1 and expired 1 reservation(s); automatic pruning and expiration enabled\n");
  r = fx.run(small_range({"--disable-autoexpire"}));
  CHECK(r.err == head + "1 and expired 0 reservation(s); automatic expiration disabled\n");
  r = fx.run(small_range({"--disable-autoprune"}));
  CHECK(r.err == head + "0 and expired 1 reservation(s); automatic pruning disabled\n");
  r = fx.run(small_range({"--quiet"}));
  CHECK(r.exit_code == 6);
  CHECK(r.err.rfind("Error: port range 5000-5002 exhausted after cleanup", 0) == 0);
  CHECK(store_bytes(fx) == before);
  CHECK(fx.stored().size() == 5);
}

TEST_CASE("automatic cleanup that frees a port warns and commits with the reservation",
          "[quick][reserve]") {
  trop_fixture fx;
  fx.seed({aged(fx.work(), "a", 5000, 0), aged(fx.work(), "old", 5001, 45 * kDay),
           aged(fx.root() + "/gone", std::nullopt, 5002, 0)});
  process_result r = fx.run(small_range({"--tag", "new", "--disable-autoprune"}));
  CHECK(r.exit_code == 0);
  CHECK(r.out == "5001\n");
  CHECK(r.err ==
        "Warning: Automatic cleanup after initial port exhaustion pruned 0 and expired 1 "
        "reservation(s); allocation succeeded on the single retry.\n");
  std::vector<reservation> rs = fx.stored();
  CHECK(rs.size() == 3);
  CHECK_FALSE(find(rs, fx.work(), "old").has_value());
  CHECK(find(rs, fx.root() + "/gone").has_value());  // pruning was disabled
  // Both phases run over the whole store; --quiet silences the warning.
  fx.seed({aged(fx.work(), "old2", 9000, 45 * kDay)});
  r = fx.run(small_range({"--tag", "newer", "--quiet"}));
  CHECK(r.out == "5002\n");
  CHECK(r.err.empty());
  rs = fx.stored();
  CHECK_FALSE(find(rs, fx.root() + "/gone").has_value());
  CHECK_FALSE(find(rs, fx.work(), "old2").has_value());
  CHECK(rs.size() == 3);
}

TEST_CASE("automatic expiry uses the configured expire_after_days", "[quick][reserve]") {
  trop_fixture fx;
  fx.seed({aged(fx.work(), "a", 5000, 0), aged(fx.work(), "b", 5001, 0),
           aged(fx.work(), "ten", 5002, 10 * kDay)});
  CHECK(fx.run(small_range({"--tag", "n"})).exit_code == 6);  // 30 days by default
  trop::test::write_file(fx.work() + "/trop.yaml", "cleanup:\n  expire_after_days: 5\n");
  process_result r = fx.run(small_range({"--tag", "n"}));
  CHECK(r.out == "5002\n");
  CHECK(r.err.find("expired 1 reservation(s)") != std::string::npos);
}

// ---------------------------------------------------------------------------
// Occupancy with real sockets

namespace {

// A socket bound to 127.0.0.1:port without SO_REUSEADDR (so a probe's bind
// fails with EADDRINUSE), closed on destruction.
class bound_socket {
 public:
  bound_socket(int type, std::uint16_t port) {
    fd_ = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~bound_socket() { ::close(fd_); }
  bound_socket(const bound_socket&) = delete;
  bound_socket& operator=(const bound_socket&) = delete;
  bool ok() const { return ok_; }

 private:
  int fd_ = -1;
  bool ok_ = false;
};

// A base B such that B..B+count-1 are free for TCP and UDP on 127.0.0.1,
// below the kernel's ephemeral range so that nobody else is handed them.
std::uint16_t free_block(int count) {
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> pick(20000, 30000);
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto base = static_cast<std::uint16_t>(pick(rng));
    bool all = true;
    for (int i = 0; i < count && all; ++i) {
      auto p = static_cast<std::uint16_t>(base + i);
      bound_socket t(SOCK_STREAM, p);
      bound_socket u(SOCK_DGRAM, p);
      all = t.ok() && u.ok();
    }
    if (all) {
      return base;
    }
  }
  FAIL("no free block of ports");
  return 0;
}

std::string port_text(int p) {
  return std::to_string(p);
}

}  // namespace

TEST_CASE("ports held by a TCP or a UDP socket are skipped", "[quick][reserve]") {
  trop_fixture fx;
  const std::uint16_t b = free_block(4);
  bound_socket tcp(SOCK_STREAM, b);
  bound_socket udp(SOCK_DGRAM, static_cast<std::uint16_t>(b + 1));
  REQUIRE(tcp.ok());
  REQUIRE(udp.ok());
  const std::vector<std::string> range{"--min", port_text(b), "--max", port_text(b + 3)};
  std::vector<std::string> args{"reserve", "--tag", "a", "--verbose"};
  args.insert(args.end(), range.begin(), range.end());
  process_result r = fx.run(args);
  CHECK(r.exit_code == 0);
  CHECK(r.out == port_text(b + 2) + "\n");
  // --verbose says why each candidate was skipped (A.2 #13).
  CHECK(r.err.find(std::string("port ") + port_text(b) + " skipped: occupied") !=
        std::string::npos);
  CHECK(r.err.find(std::string("port ") + port_text(b + 1) + " skipped: occupied") !=
        std::string::npos);
  CHECK(without_trace(r.err).empty());

  // Skipping a protocol makes the port held only by that protocol usable.
  args = {"reserve", "--tag", "b", "--skip-udp"};
  args.insert(args.end(), range.begin(), range.end());
  CHECK(fx.run(args).out == port_text(b + 1) + "\n");
  args = {"reserve", "--tag", "c", "--skip-tcp"};
  args.insert(args.end(), range.begin(), range.end());
  CHECK(fx.run(args).out == port_text(b) + "\n");
}

TEST_CASE("the occupancy check can be switched off, by flag or configuration", "[quick][reserve]") {
  const std::uint16_t b = free_block(2);
  bound_socket tcp(SOCK_STREAM, b);
  bound_socket udp(SOCK_DGRAM, b);
  REQUIRE(tcp.ok());
  REQUIRE(udp.ok());
  const std::vector<std::string> range{"--min", port_text(b), "--max", port_text(b + 1)};
  auto reserve = [&](const trop_fixture& fx, std::vector<std::string> extra,
                     const run_options& o = {}) {
    std::vector<std::string> args{"reserve"};
    args.insert(args.end(), range.begin(), range.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return fx.run(args, o);
  };
  {
    trop_fixture fx;
    CHECK(reserve(fx, {}).out == port_text(b + 1) + "\n");
  }
  {
    trop_fixture fx;
    CHECK(reserve(fx, {"--skip-occupancy-check"}).out == port_text(b) + "\n");
  }
  {
    trop_fixture fx;
    CHECK(reserve(fx, {}, with_env({{"TROP_SKIP_OCCUPANCY_CHECK", "true"}})).out ==
          port_text(b) + "\n");
  }
  {
    trop_fixture fx;
    trop::test::write_file(fx.work() + "/trop.yaml", "occupancy_check:\n  skip: true\n");
    CHECK(reserve(fx, {}).out == port_text(b) + "\n");
  }
  {
    trop_fixture fx;
    // Only IPv4 is held: skipping IPv4 leaves the (free) IPv6 probes.
    CHECK(reserve(fx, {"--skip-ipv4"}).out == port_text(b) + "\n");
    CHECK(reserve(fx, {"--tag", "t"}, with_env({{"TROP_SKIP_IPV4", "1"}})).out ==
          port_text(b + 1) + "\n");
  }
  {
    trop_fixture fx;
    // Flags only turn checks off; a configured skip: false does not undo a flag.
    trop::test::write_file(fx.work() + "/trop.yaml", "occupancy_check:\n  skip: false\n");
    CHECK(reserve(fx, {"--skip-occupancy-check"}).out == port_text(b) + "\n");
  }
}

TEST_CASE("an occupied --port falls back with a warning unless --ignore-occupied",
          "[quick][reserve]") {
  trop_fixture fx;
  const std::uint16_t b = free_block(4);
  bound_socket tcp(SOCK_STREAM, b);
  REQUIRE(tcp.ok());
  // The preferred port lies outside the range (A.2 #1); the fallback inside it.
  auto reserve = [&](const char* tag, std::vector<std::string> extra) {
    std::vector<std::string> args{"reserve",        "--tag",      tag,
                                  "--port",         port_text(b), "--min",
                                  port_text(b + 1), "--max",      port_text(b + 3)};
    args.insert(args.end(), extra.begin(), extra.end());
    return fx.run(args);
  };
  process_result r = reserve("a", {});
  CHECK(r.exit_code == 0);
  CHECK(r.out == port_text(b + 1) + "\n");
  CHECK(r.err == std::string("Warning: preferred port ") + port_text(b) +
                     " is occupied; reserved " + port_text(b + 1) + " instead\n");
  r = reserve("b", {"--quiet"});
  CHECK(r.out == port_text(b + 2) + "\n");
  CHECK(r.err.empty());
  r = reserve("c", {"--ignore-occupied"});
  CHECK(r.out == port_text(b) + "\n");
  CHECK(r.err.empty());
  // Now it is reserved as well: no flag takes another key's port.
  r = reserve("d", {"--force"});
  CHECK(r.out == port_text(b + 3) + "\n");
  CHECK(r.err == std::string("Warning: preferred port ") + port_text(b) +
                     " is reserved; reserved " + port_text(b + 3) + " instead\n");
}

TEST_CASE("--force takes an occupied preferred port; --skip-occupancy-check needs no warning",
          "[quick][reserve]") {
  trop_fixture fx;
  const std::uint16_t b = free_block(2);
  bound_socket udp(SOCK_DGRAM, b);
  REQUIRE(udp.ok());
  CHECK(fx.run({"reserve", "--tag", "a", "--port", port_text(b), "--force"}).out ==
        port_text(b) + "\n");
  bound_socket udp2(SOCK_DGRAM, static_cast<std::uint16_t>(b + 1));
  REQUIRE(udp2.ok());
  process_result r =
      fx.run({"reserve", "--tag", "b", "--port", port_text(b + 1), "--skip-occupancy-check"});
  CHECK(r.out == port_text(b + 1) + "\n");
  CHECK(r.err.empty());
}

TEST_CASE("an excluded --port falls back unless --ignore-exclusions or --force",
          "[quick][reserve]") {
  trop_fixture fx;
  const run_options excl = with_env({{"TROP_EXCLUDED_PORTS", "5000, 8080..8090"}});
  process_result r = fx.run({"reserve", "--tag", "a", "--port", "8085"}, excl);
  CHECK(r.out == "5001\n");
  CHECK(r.err == "Warning: preferred port 8085 is excluded; reserved 5001 instead\n");
  CHECK(fx.run({"reserve", "--tag", "b", "--port", "8085", "--ignore-exclusions"}, excl).out ==
        "8085\n");
  CHECK(fx.run({"reserve", "--tag", "c", "--port", "8086", "--force"}, excl).out == "8086\n");
  // --ignore-occupied does not cover exclusions.
  r = fx.run({"reserve", "--tag", "d", "--port", "8087", "--ignore-occupied"}, excl);
  CHECK(r.out == "5002\n");
  CHECK(r.err == "Warning: preferred port 8087 is excluded; reserved 5002 instead\n");
}

TEST_CASE("occupied ports count as blockers when the range is exhausted", "[quick][reserve]") {
  trop_fixture fx;
  const std::uint16_t b = free_block(2);
  bound_socket tcp(SOCK_STREAM, b);
  REQUIRE(tcp.ok());
  fx.seed({aged(fx.work(), "x", static_cast<std::uint16_t>(b + 1), 0)});
  process_result r =
      fx.run({"reserve", "--min", port_text(b), "--max", port_text(b + 1), "--disable-autoclean"});
  CHECK(r.exit_code == 6);
  CHECK(r.err == std::string("Error: port range ") + port_text(b) + std::string("-") +
                     port_text(b + 1) +
                     " exhausted: cleanup was skipped (automatic pruning and expiration "
                     "disabled); remaining blockers: reserved, occupied\n");
}

// ---------------------------------------------------------------------------
// The original's race: 20 processes, one path, one preferred port

TEST_CASE("20 concurrent reserves of one path with --port 8000 agree on one port", "[torture]") {
  trop_fixture fx;
  const std::string p = fx.root() + "/race";
  std::vector<std::unique_ptr<child_process>> children;
  for (int i = 0; i < 20; ++i) {
    children.push_back(std::make_unique<child_process>(
        fx.options({"reserve", "--path", p, "--port", "8000", "--allow-unrelated-path",
                    "--disable-autoclean", "--busy-timeout", "120"})));
  }
  std::set<std::string> outputs;
  for (auto& c : children) {
    process_result r = c->wait();
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 0);
    CHECK_FALSE(r.out.empty());
    outputs.insert(r.out);
  }
  CHECK(outputs.size() == 1);
  std::vector<reservation> rs = fx.stored();
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].key.path == p);
  CHECK(outputs == std::set<std::string>{std::to_string(rs[0].port) + "\n"});
  CHECK(fx.run({"assert-data-dir", "--validate"}).exit_code == 0);
}

// ---------------------------------------------------------------------------
// Git inference through the CLI (SPEC B §10, A.2 #20)

namespace {

bool have_git() {
  return std::system("git --version > /dev/null 2>&1") == 0;
}

// Runs git with a neutral configuration; fails the test on error.
void git(const trop_fixture& fx, const std::string& args) {
  const std::string cmd = "GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=" + fx.home() +
                          " git -c user.name=trop -c user.email=trop@example.invalid"
                          " -c init.defaultBranch=main -c advice.detachedHead=false " +
                          args + " > /dev/null 2>&1";
  INFO(cmd);
  REQUIRE(std::system(cmd.c_str()) == 0);
}

std::optional<std::string> some(const char* s) {
  return std::string(s);
}

}  // namespace

TEST_CASE("reserve infers project and task from a git repository", "[quick][reserve][git]") {
  if (!have_git()) {
    WARN("skipped: the git binary is not installed (tests/run-all.sh installs it)");
    return;
  }
  trop_fixture fx;
  const std::string repo = fx.root() + "/myrepo";
  git(fx, "init -q " + repo);
  fx.make_dir("myrepo/src/deep");

  // Unborn branch: its name is the task (A.2 #20).
  CHECK(fx.run({"reserve"}, in_dir(repo)).out == "5000\n");
  std::optional<reservation> r = find(fx.stored(), repo);
  REQUIRE(r.has_value());
  CHECK(r->project == some("myrepo"));
  CHECK(r->task == some("main"));

  git(fx, "-C " + repo + " commit -q --allow-empty -m first");
  git(fx, "-C " + repo + " checkout -q -b feature/user-auth");
  CHECK(fx.run({"reserve"}, in_dir(repo + "/src/deep")).out == "5001\n");
  r = find(fx.stored(), repo + "/src/deep");
  REQUIRE(r.has_value());
  CHECK(r->project == some("myrepo"));
  CHECK(r->task == some("feature/user-auth"));

  // A linked worktree: the main repository's name, the worktree's directory name.
  const std::string wt = fx.root() + "/myrepo-login";
  git(fx, "-C " + repo + " worktree add -q -b login " + wt);
  CHECK(fx.run({"reserve"}, in_dir(wt)).out == "5002\n");
  r = find(fx.stored(), wt);
  REQUIRE(r.has_value());
  CHECK(r->project == some("myrepo"));
  CHECK(r->task == some("myrepo-login"));

  // Detached HEAD: no task.
  git(fx, "-C " + repo + " checkout -q --detach");
  CHECK(fx.run({"reserve", "--tag", "detached"}, in_dir(repo)).out == "5003\n");
  r = find(fx.stored(), repo, "detached");
  REQUIRE(r.has_value());
  CHECK(r->project == some("myrepo"));
  CHECK_FALSE(r->task.has_value());

  // Explicit values win; --clear-* suppresses inference; an explicit --path is inferred from.
  CHECK(fx.run({"reserve", "--tag", "given", "--project", "mine", "--task", "t"}, in_dir(repo))
            .exit_code == 0);
  CHECK(fx.run({"reserve", "--tag", "cleared", "--clear-project", "--clear-task"}, in_dir(repo))
            .exit_code == 0);
  CHECK(fx.run({"reserve", "--tag", "env"}, with_env({{"TROP_PROJECT", "from-env"}}, repo))
            .exit_code == 0);
  CHECK(fx.run({"reserve", "--tag", "path", "--path", wt, "--allow-unrelated-path"}).exit_code ==
        0);
  std::vector<reservation> rs = fx.stored();
  CHECK(find(rs, repo, "given")->project == some("mine"));
  CHECK(find(rs, repo, "given")->task == some("t"));
  CHECK_FALSE(find(rs, repo, "cleared")->project.has_value());
  CHECK_FALSE(find(rs, repo, "cleared")->task.has_value());
  CHECK(find(rs, repo, "env")->project == some("from-env"));
  CHECK(find(rs, wt, "path")->project == some("myrepo"));
  CHECK(find(rs, wt, "path")->task == some("myrepo-login"));

  // A project file's value beats inference for new keys.
  trop::test::write_file(repo + "/trop.yaml", "project: configured\n");
  CHECK(fx.run({"reserve", "--tag", "yaml"}, in_dir(repo)).exit_code == 0);
  CHECK(find(fx.stored(), repo, "yaml")->project == some("configured"));
  CHECK_FALSE(find(fx.stored(), repo, "yaml")->task.has_value());  // still detached
}

TEST_CASE("git inference never touches existing keys or non-repositories",
          "[quick][reserve][git]") {
  if (!have_git()) {
    WARN("skipped: the git binary is not installed (tests/run-all.sh installs it)");
    return;
  }
  trop_fixture fx;
  CHECK(fx.run({"reserve"}).out == "5000\n");  // work/ is no repository
  CHECK_FALSE(fx.stored()[0].project.has_value());
  CHECK_FALSE(fx.stored()[0].task.has_value());
  // Turning the directory into a repository later changes nothing stored.
  git(fx, "init -q " + fx.work());
  process_result r = fx.run({"reserve"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK_FALSE(fx.stored()[0].project.has_value());
  CHECK(fx.run({"reserve", "--tag", "n"}).out == "5001\n");
  CHECK(find(fx.stored(), fx.work(), "n")->project == some("work"));
  // A path that does not exist yet infers nothing.
  CHECK(fx.run({"reserve", "--path", "not/yet"}).out == "5002\n");
  CHECK_FALSE(find(fx.stored(), fx.work() + "/not/yet")->project.has_value());
}

// ---------------------------------------------------------------------------
// The path guard of reserve and release (SPEC B §5.4, A.2 #18)

TEST_CASE("path guard: ancestors and descendants pass, siblings fail, for reserve and release",
          "[quick][reserve][release]") {
  trop_fixture fx;
  fx.make_dir("work/app/src");
  fx.make_dir("work/api");
  fx.make_dir("work/app-old");
  const std::string app = fx.work() + "/app";
  const run_options in_app = in_dir(app);
  for (const char* cmd : {"reserve", "release"}) {
    INFO(cmd);
    for (const std::string& ok :
         {fx.work(), fx.root(), std::string("/"), app, app + "/src", app + "/not/yet",
          std::string("."), std::string(".."), std::string("src")}) {
      INFO("--path " << ok);
      CHECK(fx.run({cmd, "--path", ok}, in_app).exit_code == 0);
    }
    for (const std::string& bad : {fx.work() + "/api", fx.work() + "/app-old",
                                   std::string("../api"), fx.home(), std::string("/usr")}) {
      INFO("--path " << bad);
      const std::string before = store_bytes(fx);
      process_result r = fx.run({cmd, "--path", bad}, in_app);
      CHECK(r.exit_code == 1);
      CHECK(r.out.empty());
      std::string target = bad == "../api" ? fx.work() + "/api" : bad;
      CHECK(r.err == "Error: path relationship violation: " + target + " and " + app +
                         " are unrelated paths\n");
      CHECK(fx.run({cmd, "--path", bad, "--dry-run"}, in_app).exit_code == 1);
      CHECK(store_bytes(fx) == before);
      CHECK(fx.run({cmd, "--path", bad, "--allow-unrelated-path"}, in_app).exit_code == 0);
      CHECK(fx.run({cmd, "--path", bad, "--force"}, in_app).exit_code == 0);
      CHECK(fx.run({cmd, "--path", bad}, with_env({{"TROP_ALLOW_UNRELATED_PATH", "yes"}}, app))
                .exit_code == 0);
      CHECK(fx.run({cmd, "--path", bad},
                   with_env({{"TROP_PATH", "/ignored"}, {"TROP_ALLOW_UNRELATED_PATH", "0"}}, app))
                .exit_code == 1);
    }
  }
  // TROP_PATH is guarded like --path.
  process_result r = fx.run({"reserve"}, with_env({{"TROP_PATH", fx.work() + "/api"}}, app));
  CHECK(r.exit_code == 1);
  // A configured allow_unrelated_path bypasses it; an environment false wins over the file.
  trop::test::write_file(app + "/trop.yaml", "allow_unrelated_path: true\n");
  CHECK(fx.run({"reserve", "--path", "../api", "--tag", "cfg"}, in_app).exit_code == 0);
  CHECK(fx.run({"release", "--path", "../api", "--tag", "cfg"}, in_app).exit_code == 0);
  CHECK(fx.run({"reserve", "--path", "../api", "--tag", "cfg"},
               with_env({{"TROP_ALLOW_UNRELATED_PATH", "false"}}, app))
            .exit_code == 1);
  CHECK(fx.run({"reserve", "--path", "../api", "--tag", "cfg", "--allow-unrelated-path"},
               with_env({{"TROP_ALLOW_UNRELATED_PATH", "false"}}, app))
            .exit_code == 0);
}

TEST_CASE("path guard: a symlinked cwd relates through $PWD and through the real path",
          "[quick][reserve][release]") {
  trop_fixture fx;
  const std::string real = fx.make_dir("real/project");
  fx.make_dir("real/other");
  std::filesystem::create_directory_symlink(fx.root() + "/real", fx.root() + "/link");
  const std::string logical = fx.root() + "/link/project";
  for (const char* cmd : {"reserve", "release"}) {
    INFO(cmd);
    run_options o = in_dir(logical);  // PWD=<root>/link/project
    // Spelled through the link (related to $PWD) or through the real directory.
    CHECK(fx.run({cmd, "--path", logical + "/sub"}, o).exit_code == 0);
    CHECK(fx.run({cmd, "--path", fx.root() + "/link"}, o).exit_code == 0);
    CHECK(fx.run({cmd, "--path", real + "/sub"}, o).exit_code == 0);
    CHECK(fx.run({cmd, "--path", fx.root() + "/real"}, o).exit_code == 0);
    // Relative paths are joined onto the cwd.
    CHECK(fx.run({cmd, "--path", "../project/x"}, o).exit_code == 0);
    process_result r = fx.run({cmd, "--path", fx.root() + "/link/other"}, o);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("path relationship violation: " + fx.root() + "/link/other and ") !=
          std::string::npos);
    // Without $PWD the physical comparison still relates the link spelling.
    o.env = {{"PWD", std::nullopt}};
    CHECK(fx.run({cmd, "--path", logical + "/y"}, o).exit_code == 0);
    // A $PWD naming another directory is ignored, not trusted.
    o.env = {{"PWD", fx.root() + "/real/other"}};
    CHECK(fx.run({cmd, "--path", fx.root() + "/real/other/z"}, o).exit_code == 1);
    CHECK(fx.run({cmd, "--path", logical + "/z"}, o).exit_code == 0);
  }
  // The implicit path is the canonical cwd for both commands.
  CHECK(fx.run({"reserve"}, in_dir(logical)).out != "");
  CHECK(find(fx.stored(), real).has_value());
  CHECK(fx.run({"release"}, in_dir(logical)).err == "Released reservation successfully\n");
  CHECK_FALSE(find(fx.stored(), real).has_value());
}
