#include <catch2/catch.hpp>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>

#include "trop/formats/group_output.h"

extern char** environ;

namespace {

using trop::group_format;
using trop::group_port;
using trop::render_group;
using trop::shell_kind;

namespace fs = std::filesystem;

group_port svc(std::string tag, std::uint16_t port, std::optional<std::string> env = {}) {
  group_port p;
  p.tag = std::move(tag);
  p.env = std::move(env);
  p.port = port;
  return p;
}

// web 5000, api 5001, db-main 5002 with an explicit env: given out of order.
std::vector<group_port> sample() {
  return {svc("web", 5000), svc("api", 5001), svc("db-main", 5002, "DATABASE_PORT")};
}

std::string render_ok(const std::vector<group_port>& ports, group_format f,
                      shell_kind s = shell_kind::bash) {
  const auto r = render_group(ports, f, s);
  INFO(r.error().message());
  REQUIRE(r.is_ok());
  return *r;
}

// The error of a render that must fail; also checks that no format renders.
std::string render_error(const std::vector<group_port>& ports) {
  for (const group_format f :
       {group_format::export_vars, group_format::json, group_format::dotenv, group_format::human}) {
    const auto r = render_group(ports, f, shell_kind::bash);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.error().code() == trop::error_code::invalid_argument);
  }
  return render_group(ports, group_format::json, shell_kind::bash).error().message();
}

// An environment that has exactly the given variables.
std::function<const char*(const char*)> env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

// Runs argv (PATH lookup) and returns its exit status; -1 when it could not start.
int run(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) {
    return -1;
  }
  int st = 0;
  while (waitpid(pid, &st, 0) < 0) {
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// `env -0` output as a map.
std::map<std::string, std::string> parse_env0(const std::string& s) {
  std::map<std::string, std::string> out;
  std::size_t at = 0;
  while (at < s.size()) {
    std::size_t end = s.find('\0', at);
    if (end == std::string::npos) {
      end = s.size();
    }
    const std::string entry = s.substr(at, end - at);
    const std::size_t eq = entry.find('=');
    out[entry.substr(0, eq)] = eq == std::string::npos ? "" : entry.substr(eq + 1);
    at = end + 1;
  }
  return out;
}

// A fresh directory under the system temp dir, removed by the destructor.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "trop-group-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

// Sources `script` in a real bash with `set -a` and returns the variables
// that changed (name -> new value; removed ones map to "<unset>").
std::map<std::string, std::string> env_changes_after_sourcing(const temp_dir& dir,
                                                              const std::string& script) {
  const fs::path file = dir.path / "vars.sh";
  const fs::path before = dir.path / "before.env";
  const fs::path after = dir.path / "after.env";
  write_file(file, script);
  const int rc = run({"bash", "--noprofile", "--norc", "-c",
                      "env -0 > \"$1\" && set -a && . \"$2\" && env -0 > \"$3\"", "bash",
                      before.string(), file.string(), after.string()});
  REQUIRE(rc == 0);
  const auto b = parse_env0(read_file(before));
  const auto a = parse_env0(read_file(after));
  REQUIRE(b.size() > 0);
  std::map<std::string, std::string> changes;
  for (const auto& [k, v] : a) {
    const auto it = b.find(k);
    if (it == b.end() || it->second != v) {
      changes[k] = v;
    }
  }
  for (const auto& [k, v] : b) {
    if (a.find(k) == a.end()) {
      changes[k] = "<unset>";
    }
  }
  return changes;
}

}  // namespace

// --- formats -------------------------------------------------------------

TEST_CASE("Group export for bash and zsh is one export line per service in tag order", "[quick]") {
  const std::string expected =
      "export API=5001\n"
      "export DATABASE_PORT=5002\n"
      "export WEB=5000\n";
  CHECK(render_ok(sample(), group_format::export_vars, shell_kind::bash) == expected);
  CHECK(render_ok(sample(), group_format::export_vars, shell_kind::zsh) == expected);
}

TEST_CASE("Group export for fish uses set -x", "[quick]") {
  CHECK(render_ok(sample(), group_format::export_vars, shell_kind::fish) ==
        "set -x API 5001\n"
        "set -x DATABASE_PORT 5002\n"
        "set -x WEB 5000\n");
}

TEST_CASE("Group export for PowerShell assigns $env: with the port quoted", "[quick]") {
  CHECK(render_ok(sample(), group_format::export_vars, shell_kind::powershell) ==
        "$env:API=\"5001\"\n"
        "$env:DATABASE_PORT=\"5002\"\n"
        "$env:WEB=\"5000\"\n");
}

TEST_CASE("Group dotenv is NAME=PORT per line and ignores the shell", "[quick]") {
  const std::string expected = "API=5001\nDATABASE_PORT=5002\nWEB=5000\n";
  CHECK(render_ok(sample(), group_format::dotenv, shell_kind::bash) == expected);
  CHECK(render_ok(sample(), group_format::dotenv, shell_kind::powershell) == expected);
}

TEST_CASE("Group json is a pretty object keyed by tag, sorted", "[quick]") {
  CHECK(render_ok(sample(), group_format::json) ==
        "{\n"
        "  \"api\": 5001,\n"
        "  \"db-main\": 5002,\n"
        "  \"web\": 5000\n"
        "}\n");
}

TEST_CASE("Group human output lists tags and ports", "[quick]") {
  CHECK(render_ok(sample(), group_format::human) ==
        "Reserved ports:\n"
        "  api: 5001\n"
        "  db-main: 5002\n"
        "  web: 5000\n");
}

TEST_CASE("An empty group renders as the original did", "[quick]") {
  CHECK(render_ok({}, group_format::export_vars) == "\n");
  CHECK(render_ok({}, group_format::dotenv) == "\n");
  CHECK(render_ok({}, group_format::json) == "{}\n");
  CHECK(render_ok({}, group_format::human) == "No ports reserved.\n");
}

TEST_CASE("Services are ordered byte-wise by trimmed tag", "[quick]") {
  // 'Z' (0x5A) < '_' (0x5F) < 'a' (0x61) < 0xC3 (first byte of "é").
  const std::vector<group_port> ports = {svc("\xC3\xA9t\xC3\xA9", 4, "ETE"), svc("alpha", 3),
                                         svc("_x", 2), svc("  Zeta", 1)};
  CHECK(render_ok(ports, group_format::dotenv) == "ZETA=1\n_X=2\nALPHA=3\nETE=4\n");
  CHECK(render_ok(ports, group_format::json) ==
        "{\n  \"Zeta\": 1,\n  \"_x\": 2,\n  \"alpha\": 3,\n  \"\xC3\xA9t\xC3\xA9\": 4\n}\n");
}

TEST_CASE("Tags are trimmed for names, json keys and human output", "[quick]") {
  const std::vector<group_port> ports = {svc("  web \t", 5000)};
  CHECK(render_ok(ports, group_format::export_vars) == "export WEB=5000\n");
  CHECK(render_ok(ports, group_format::json) == "{\n  \"web\": 5000\n}\n");
  CHECK(render_ok(ports, group_format::human) == "Reserved ports:\n  web: 5000\n");
}

TEST_CASE("Human output escapes control characters in tags", "[quick]") {
  const std::vector<group_port> ports = {svc("a\nb\tc", 5000, "A")};
  CHECK(render_ok(ports, group_format::human) == "Reserved ports:\n  a\\nb\\tc: 5000\n");
}

TEST_CASE("Group format names are exact", "[quick]") {
  CHECK(trop::parse_group_format("export") == group_format::export_vars);
  CHECK(trop::parse_group_format("json") == group_format::json);
  CHECK(trop::parse_group_format("dotenv") == group_format::dotenv);
  CHECK(trop::parse_group_format("human") == group_format::human);
  CHECK_FALSE(trop::parse_group_format("JSON"));
  CHECK_FALSE(trop::parse_group_format("Export"));
  CHECK_FALSE(trop::parse_group_format(""));
  CHECK_FALSE(trop::parse_group_format("env"));
}

// --- shells --------------------------------------------------------------

TEST_CASE("--shell names parse in any letter case, with aliases", "[quick]") {
  const std::vector<std::pair<const char*, shell_kind>> cases = {
      {"bash", shell_kind::bash},
      {"sh", shell_kind::bash},
      {"BASH", shell_kind::bash},
      {"Sh", shell_kind::bash},
      {"zsh", shell_kind::zsh},
      {"ZSH", shell_kind::zsh},
      {"fish", shell_kind::fish},
      {"Fish", shell_kind::fish},
      {"powershell", shell_kind::powershell},
      {"PowerShell", shell_kind::powershell},
      {"pwsh", shell_kind::powershell},
      {"ps", shell_kind::powershell},
      {"PS", shell_kind::powershell}};
  for (const auto& [name, kind] : cases) {
    INFO(name);
    const auto r = trop::parse_shell(name);
    REQUIRE(r.is_ok());
    CHECK(*r == kind);
  }
}

TEST_CASE("An unknown --shell is a validation error naming it", "[quick]") {
  for (const char* name : {"tcsh", "", " bash", "bash ", "cmd"}) {
    const auto r = trop::parse_shell(name);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.error().code() == trop::error_code::invalid_argument);
    CHECK(r.error().message() == std::string("validation error for 'shell': unknown shell type '") +
                                     name + "': supported shells are bash, zsh, fish, powershell");
  }
}

TEST_CASE("Shell detection follows the variables in order", "[quick]") {
  using m = std::map<std::string, std::string>;
  CHECK(trop::detect_shell(env_of({})) == shell_kind::bash);
  CHECK(trop::detect_shell(env_of(m{{"ZSH_VERSION", "5.9"},
                                    {"FISH_VERSION", "3"},
                                    {"PSModulePath", "x"},
                                    {"SHELL", "/bin/fish"}})) == shell_kind::zsh);
  CHECK(trop::detect_shell(env_of(m{{"ZSH_VERSION", ""}})) == shell_kind::zsh);
  CHECK(trop::detect_shell(
            env_of(m{{"FISH_VERSION", "3"}, {"PSModulePath", "x"}, {"SHELL", "/bin/zsh"}})) ==
        shell_kind::fish);
  CHECK(trop::detect_shell(env_of(m{{"PSModulePath", "x"}, {"SHELL", "/bin/zsh"}})) ==
        shell_kind::powershell);
  CHECK(trop::detect_shell(env_of(m{{"SHELL", "/usr/bin/zsh"}})) == shell_kind::zsh);
  CHECK(trop::detect_shell(env_of(m{{"SHELL", "/usr/local/bin/fish"}})) == shell_kind::fish);
  CHECK(trop::detect_shell(env_of(m{{"SHELL", "/opt/pwsh/pwsh"}})) == shell_kind::powershell);
  CHECK(trop::detect_shell(env_of(m{{"SHELL", "/opt/powershell"}})) == shell_kind::powershell);
  CHECK(trop::detect_shell(env_of(m{{"SHELL", "/bin/bash"}})) == shell_kind::bash);
  CHECK(trop::detect_shell(env_of(m{{"SHELL", ""}})) == shell_kind::bash);
  CHECK(trop::detect_shell(env_of(m{{"SHELL", "/bin/dash"}})) == shell_kind::bash);
}

TEST_CASE("Shell kinds have their names", "[quick]") {
  CHECK(trop::to_string(shell_kind::bash) == "bash");
  CHECK(trop::to_string(shell_kind::zsh) == "zsh");
  CHECK(trop::to_string(shell_kind::fish) == "fish");
  CHECK(trop::to_string(shell_kind::powershell) == "powershell");
}

// --- names ---------------------------------------------------------------

TEST_CASE("Environment names derive from the trimmed tag", "[quick]") {
  CHECK(trop::env_var_name_from_tag("web") == "WEB");
  CHECK(trop::env_var_name_from_tag("api-server") == "API_SERVER");
  CHECK(trop::env_var_name_from_tag("  web\t") == "WEB");
  CHECK(trop::env_var_name_from_tag("_private") == "_PRIVATE");
  CHECK(trop::env_var_name_from_tag("-x") == "_X");
  CHECK(trop::env_var_name_from_tag("MiXed_9") == "MIXED_9");
  CHECK(trop::env_var_name_from_tag(std::string(255, 'a')) == std::string(255, 'A'));
}

TEST_CASE("Tags that give no valid name derive nothing", "[quick]") {
  for (const std::string& tag :
       std::vector<std::string>{"", "   ", "9lives", "web.app", "web app",
                                "w\xC3\xA9"
                                "b",
                                "a$(id)", "a;b", std::string(256, 'a'), std::string("a\0b", 3)}) {
    INFO(tag);
    CHECK_FALSE(trop::env_var_name_from_tag(tag));
  }
}

TEST_CASE("Environment names follow [A-Za-z_][A-Za-z0-9_]* up to 255 bytes", "[quick]") {
  CHECK(trop::is_valid_env_var_name("A"));
  CHECK(trop::is_valid_env_var_name("_"));
  CHECK(trop::is_valid_env_var_name("a_B9"));
  CHECK(trop::is_valid_env_var_name(std::string(255, 'Z')));
  CHECK_FALSE(trop::is_valid_env_var_name(""));
  CHECK_FALSE(trop::is_valid_env_var_name("9A"));
  CHECK_FALSE(trop::is_valid_env_var_name("A-B"));
  CHECK_FALSE(trop::is_valid_env_var_name("A B"));
  CHECK_FALSE(trop::is_valid_env_var_name("\xC3\x84"));
  CHECK_FALSE(trop::is_valid_env_var_name(std::string(256, 'Z')));
}

TEST_CASE("resolve_group_env_names returns names in input order", "[quick]") {
  const std::vector<trop::group_env_source> in = {
      {"web", std::nullopt}, {"db", "DATABASE_URL"}, {" api-v2 ", std::nullopt}};
  const auto r = trop::resolve_group_env_names(in);
  REQUIRE(r.is_ok());
  CHECK(*r == std::vector<std::string>{"WEB", "DATABASE_URL", "API_V2"});
}

// --- rejections ----------------------------------------------------------

TEST_CASE("An empty or blank tag is rejected naming only the field", "[quick]") {
  CHECK(render_error({svc("web", 1), svc(" \t", 2, "X")}) ==
        "validation error for 'reservations.services.tag': service 2: Cannot be empty or only "
        "whitespace");
  CHECK(render_error({svc("", 1, "X")}) ==
        "validation error for 'reservations.services.tag': service 1: Cannot be empty or only "
        "whitespace");
}

TEST_CASE("A tag with NUL or over 255 bytes is rejected", "[quick]") {
  CHECK(render_error({svc(std::string("a\0b", 3), 1, "X")}) ==
        "validation error for 'reservations.services.tag': service 1: Cannot contain NUL bytes");
  CHECK(render_error({svc(std::string(256, 'a'), 1, "X")}) ==
        "validation error for 'reservations.services.tag': service 1: Cannot exceed 255 "
        "characters");
  // 255 bytes after trimming is fine.
  CHECK(render_group(std::vector{svc(" " + std::string(255, 'a') + " ", 1)}, group_format::dotenv,
                     shell_kind::bash)
            .is_ok());
}

TEST_CASE("Tags equal after trimming are rejected", "[quick]") {
  CHECK(render_error({svc("web", 1), svc("api", 2), svc(" web", 3, "OTHER")}) ==
        "validation error for 'reservations.services.tag': services 1 and 3 have the same tag "
        "after trimming");
}

TEST_CASE("An invalid explicit env is rejected without echoing it", "[quick]") {
  for (const std::string& env : std::vector<std::string>{"", "9A", "A-B", "A B", "$(id)", "A\nB",
                                                         "\xC3\x84", std::string(256, 'A')}) {
    INFO(env);
    const std::string m = render_error({svc("web", 1, env)});
    CHECK(
        m.starts_with("validation error for 'reservations.services.env': service 1: "
                      "Invalid environment variable name"));
    if (!env.empty()) {
      CHECK(m.find(env) == std::string::npos);
    }
  }
}

TEST_CASE("A tag without a derivable name needs an explicit env", "[quick]") {
  for (const std::string tag : {"web.app", "9lives",
                                "\xC3\xBCnic\xC3\xB6"
                                "de",
                                "web app"}) {
    INFO(tag);
    const std::string m = render_error({svc(tag, 1)});
    CHECK(m.starts_with("validation error for 'environment_variable': service 1: Cannot derive"));
    CHECK(m.find(tag) == std::string::npos);
    // With an explicit env the same tag is fine.
    CHECK(render_group(std::vector{svc(tag, 1, "OK")}, group_format::dotenv, shell_kind::bash)
              .is_ok());
  }
}

TEST_CASE("Names equal ignoring ASCII case are rejected", "[quick]") {
  const std::string expected =
      "validation error for 'environment_variable': services 1 and 2 resolve to the same "
      "environment variable name (compared ignoring ASCII letter case)";
  CHECK(render_error({svc("web", 1), svc("other", 2, "WEB")}) == expected);
  CHECK(render_error({svc("a", 1, "Port"), svc("b", 2, "PORT")}) == expected);
  CHECK(render_error({svc("api-v2", 1), svc("api_v2", 2)}) == expected);
}

TEST_CASE("Port 0 is not rendered", "[quick]") {
  CHECK(render_error({svc("web", 0)}) == "validation error for 'port': service 1: Invalid port: 0");
}

// --- hostile tags in a real shell -----------------------------------------

TEST_CASE("Hostile tags with explicit names change only the named variables in bash", "[quick]") {
  temp_dir dir;
  const std::string canary = (dir.path / "pwned").string();
  const std::vector<group_port> ports = {
      svc("web\"; touch " + canary + "; echo \"", 5000, "TROP_T_WEB"),
      svc("$(touch " + canary + ")", 5001, "TROP_T_SUBST"),
      svc("`touch " + canary + "`", 5002, "TROP_T_BACKTICK"),
      svc("multi\nline\nexport PATH=/nowhere", 5003, "TROP_T_NEWLINE"),
      svc("'single'; PATH=/x", 5004, "TROP_T_QUOTE"),
      svc("a=b c=d", 5005, "TROP_T_EQ"),
  };
  const std::map<std::string, std::string> expected = {
      {"TROP_T_WEB", "5000"},     {"TROP_T_SUBST", "5001"}, {"TROP_T_BACKTICK", "5002"},
      {"TROP_T_NEWLINE", "5003"}, {"TROP_T_QUOTE", "5004"}, {"TROP_T_EQ", "5005"}};

  const std::string exported = render_ok(ports, group_format::export_vars, shell_kind::bash);
  CHECK(exported.find(canary) == std::string::npos);
  CHECK(env_changes_after_sourcing(dir, exported) == expected);

  const std::string dotenv = render_ok(ports, group_format::dotenv);
  CHECK(env_changes_after_sourcing(dir, dotenv) == expected);

  CHECK_FALSE(fs::exists(canary));

  // The JSON output keeps every tag exactly (escaped, not executed).
  const auto json = boost::json::parse(render_ok(ports, group_format::json));
  for (const group_port& p : ports) {
    const std::string_view tag = p.tag;
    const auto* v = json.as_object().if_contains(boost::json::string_view(tag.data(), tag.size()));
    REQUIRE(v != nullptr);
    CHECK(v->to_number<int>() == p.port);
  }
}

TEST_CASE("A hostile tag without an explicit env is rejected without echoing it", "[quick]") {
  for (const std::string tag :
       {"$(rm -rf ~)", "`id`", "a\nexport PATH=/x", "x\"; echo pwned; \"", "a;b", "it's"}) {
    INFO(tag);
    const std::vector<group_port> ports = {svc("web", 5000), svc(tag, 5001)};
    const std::string m = render_error(ports);
    CHECK(m.starts_with("validation error for 'environment_variable': service 2:"));
    CHECK(m.find(tag) == std::string::npos);
    for (const char c : {'$', '`', '\n', ';', '"'}) {
      CHECK(m.find(c) == std::string::npos);
    }
  }
}
