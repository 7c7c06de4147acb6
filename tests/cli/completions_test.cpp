// `trop completions <bash|zsh|fish>` (SPEC A.2 #7, B §12.22): scripts for
// the command `trop` that cover every subcommand and every flag. The lists
// to check against come from `trop --help` and `trop <command> --help`
// (CLI11's view of the same declarations), so a command added to the table
// is checked without touching this file. Each script is syntax-checked by
// its shell when installed, and the bash and fish scripts are run for
// partial words.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "trop_fixture.h"

using trop::test::process_options;
using trop::test::process_result;
using trop::test::read_file;
using trop::test::run_options;
using trop::test::run_process;
using trop::test::trop_fixture;
using trop::test::write_file;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    out.push_back(line);
  }
  return out;
}

std::string first_token(const std::string& line) {
  std::size_t start = line.find_first_not_of(' ');
  if (start == std::string::npos) {
    return {};
  }
  std::size_t end = line.find(' ', start);
  return line.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// What one `--help` page declares.
struct help_page {
  std::vector<std::string> subcommands;
  std::vector<std::string> flags;  // every name: "-h", "--help", "--path", ...
  std::vector<std::string> positionals;
};

help_page parse_help(const std::string& text) {
  help_page page;
  std::string section;
  for (const std::string& line : lines_of(text)) {
    if (!line.empty() && line[0] != ' ') {
      section = line;
      continue;
    }
    // Entries start with two spaces; continuation lines with many more.
    if (line.size() < 3 || line[2] == ' ') {
      continue;
    }
    std::string token = first_token(line);
    if (section == "Subcommands:") {
      page.subcommands.push_back(token);
    } else if (section == "Positionals:") {
      page.positionals.push_back(token);
    } else if (section == "Options:" && token[0] == '-') {
      std::stringstream names(token);
      for (std::string n; std::getline(names, n, ',');) {
        page.flags.push_back(n);
      }
    }
  }
  return page;
}

// `trop --help` and `trop <command> --help` for every subcommand.
struct cli_help {
  help_page top;
  std::map<std::string, help_page> commands;
};

const cli_help& help() {
  static const cli_help h = [] {
    trop_fixture fx;
    cli_help out;
    process_result r = fx.run({"--help"});
    REQUIRE(r.exit_code == 0);
    out.top = parse_help(r.out);
    for (const std::string& c : out.top.subcommands) {
      process_result cr = fx.run({c, "--help"});
      REQUIRE(cr.exit_code == 0);
      out.commands[c] = parse_help(cr.out);
    }
    return out;
  }();
  return h;
}

// The global flags accepted after a subcommand: everything of `trop --help`
// except --version (-V), which belongs to the top level.
std::vector<std::string> global_flags_after_command() {
  std::vector<std::string> out;
  for (const std::string& f : help().top.flags) {
    if (f != "-V" && f != "--version") {
      out.push_back(f);
    }
  }
  return out;
}

bool has_program(const std::string& name) {
  return std::system(("command -v " + name + " > /dev/null 2>&1").c_str()) == 0;
}

process_result run_shell(const std::vector<std::string>& argv) {
  process_options o;
  o.argv = argv;
  o.env = trop::test::make_env({{"HOME", "/nonexistent"}});
  return run_process(o);
}

std::string script(const trop_fixture& fx, const std::string& shell) {
  process_result r = fx.run({"completions", shell});
  REQUIRE(r.exit_code == 0);
  return r.out;
}

// The part of `text` from the first `begin` to the next `end` after it.
std::string section(const std::string& text, const std::string& begin, const std::string& end) {
  std::size_t b = text.find(begin);
  REQUIRE(b != std::string::npos);
  std::size_t e = text.find(end, b + begin.size());
  REQUIRE(e != std::string::npos);
  return text.substr(b, e - b);
}

std::set<std::string> as_set(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}

}  // namespace

TEST_CASE("the help pages list the commands these tests rely on", "[quick][completions]") {
  // A hard-coded sample, so that a broken help parser cannot pass vacuously.
  const std::set<std::string> commands = as_set(help().top.subcommands);
  for (const char* c : {"reserve", "release", "list", "scan", "exclude", "compact-exclusions",
                        "completions", "validate", "port-info", "reserve-group"}) {
    INFO(c);
    CHECK(commands.count(c) == 1);
  }
  CHECK(commands.count("__generate-docs") == 0);
  const std::set<std::string> reserve = as_set(help().commands.at("reserve").flags);
  for (const char* f : {"--path", "--tag", "--port", "--force", "--dry-run", "--skip-udp", "-h"}) {
    INFO(f);
    CHECK(reserve.count(f) == 1);
  }
  const std::set<std::string> globals = as_set(help().top.flags);
  for (const char* f : {"--data-dir", "--busy-timeout", "--durability", "-q", "--quiet", "-V"}) {
    INFO(f);
    CHECK(globals.count(f) == 1);
  }
  CHECK(help().commands.at("completions").positionals == std::vector<std::string>{"SHELL"});
}

TEST_CASE("completions prints the enabling hints on stderr, even with --quiet",
          "[quick][completions]") {
  trop_fixture fx;
  const std::pair<std::string, std::string> cases[] = {
      {"bash",
       "#   trop completions bash > ~/.local/share/bash-completion/completions/trop\n"
       "# Or source it directly in ~/.bashrc:\n"
       "#   eval \"$(trop completions bash)\"\n"},
      {"zsh",
       "#   trop completions zsh > ~/.zsh/completions/_trop\n"
       "# Make sure ~/.zsh/completions is in your $fpath\n"
       "# Or add to ~/.zshrc:\n"
       "#   eval \"$(trop completions zsh)\"\n"},
      {"fish",
       "#   trop completions fish > ~/.config/fish/completions/trop.fish\n"
       "# Or add to config.fish:\n"
       "#   trop completions fish | source\n"},
  };
  for (const auto& [shell, hints] : cases) {
    INFO(shell);
    const std::string expected = "# Generating " + shell +
                                 " completion script\n"
                                 "# Run the following command to enable completions:\n" +
                                 hints + "\n";
    process_result r = fx.run({"completions", shell});
    CHECK(r.exit_code == 0);
    CHECK(r.err == expected);
    CHECK(fx.run({"completions", shell, "--quiet"}).err == expected);
    CHECK(fx.run({"completions", shell, "--quiet"}).out == r.out);
  }
  CHECK(script(fx, "bash").rfind("# bash completion for trop", 0) == 0);
  CHECK(script(fx, "zsh").rfind("#compdef trop\n", 0) == 0);
  CHECK(script(fx, "fish").rfind("# fish completion for trop", 0) == 0);
  // No store, no configuration: nothing is created, a broken config is ignored.
  write_file(fx.work() + "/trop.yaml", "ports: [\n");
  run_options env;
  env.env = {{"TROP_PORT_MIN", "zero"}};
  CHECK(fx.run({"completions", "bash"}, env).exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("completions refuses other shells", "[quick][completions]") {
  trop_fixture fx;
  for (const std::string shell : {"powershell", "elvish"}) {
    process_result r = fx.run({"completions", shell});
    CHECK(r.exit_code == 4);
    CHECK(r.out.empty());
    CHECK(r.err == "Error: Invalid arguments: completions for " + shell +
                       " are not supported; trop generates scripts for bash, zsh and fish\n");
  }
  // Shell names are case-sensitive; anything else is a usage error.
  for (const std::string shell : {"Bash", "tcsh", ""}) {
    process_result r = fx.run({"completions", shell});
    INFO(shell);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("error: invalid value '" + shell + "' for '<SHELL>'\n", 0) == 0);
    CHECK(r.err.find("Usage:") != std::string::npos);
  }
  process_result r = fx.run({"completions"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("SHELL") != std::string::npos);
}

TEST_CASE("every script names every subcommand and every flag of it", "[quick][completions]") {
  trop_fixture fx;
  const std::string bash = script(fx, "bash");
  const std::string zsh = script(fx, "zsh");
  const std::string fish = script(fx, "fish");
  const std::vector<std::string> globals = global_flags_after_command();
  for (const auto& [name, page] : help().commands) {
    INFO("command " << name);
    std::vector<std::string> flags = page.flags;
    flags.insert(flags.end(), globals.begin(), globals.end());

    // bash: the command's arm of the case statement lists its words.
    std::string bash_arm = section(bash, "\n        " + name + ")\n", "\n            ;;\n");
    std::replace(bash_arm.begin(), bash_arm.end(), '"', ' ');
    // zsh: the command's _arguments call.
    const std::string zsh_arm = section(zsh, "\n        (" + name + ")\n", "&& ret=0");
    CHECK(zsh.find("'" + name + ":") != std::string::npos);  // _trop_commands
    // fish: the lines under the command's condition.
    const std::string condition = "'__trop_using_command " + name + "'";
    std::string fish_lines;
    for (const std::string& line : lines_of(fish)) {
      if (line.find(condition) != std::string::npos) {
        fish_lines += line + "\n";
      }
    }
    CHECK(fish.find("-n __trop_needs_command -a '" + name + "'") != std::string::npos);

    for (const std::string& f : flags) {
      INFO("flag " << f);
      CHECK(bash_arm.find(" " + f + " ") != std::string::npos);
      CHECK((zsh_arm.find(f + "[") != std::string::npos ||
             zsh_arm.find(f + "=[") != std::string::npos));
      const bool is_long = f.rfind("--", 0) == 0;
      const std::string fish_name = is_long ? " -l " + f.substr(2) : " -s " + f.substr(1);
      CHECK((fish_lines.find(fish_name + " ") != std::string::npos ||
             fish_lines.find(fish_name + "\n") != std::string::npos));
    }
  }
  // The top level offers the global options and -V/--version.
  std::string top_arm = section(bash, "        \"\")\n", "\n            ;;\n");
  std::replace(top_arm.begin(), top_arm.end(), '"', ' ');
  for (const std::string& f : help().top.flags) {
    INFO("global " << f);
    CHECK(top_arm.find(" " + f + " ") != std::string::npos);
  }
}

TEST_CASE("the scripts pass their shell's syntax check", "[quick][completions]") {
  trop_fixture fx;
  const std::string dir = fx.make_dir("scripts");
  std::vector<std::string> checked;
  const std::pair<std::string, std::string> shells[] = {
      {"bash", "trop.bash"}, {"zsh", "_trop"}, {"fish", "trop.fish"}};
  for (const auto& [shell, file] : shells) {
    const std::string path = dir + "/" + file;
    write_file(path, script(fx, shell));
    if (!has_program(shell)) {
      continue;
    }
    process_result r = run_shell({shell, "-n", path});
    INFO(shell << ": " << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    checked.push_back(shell);
  }
  std::string list;
  for (const std::string& s : checked) {
    list.append(list.empty() ? "" : ", ").append(s);
  }
  // Written to the test output so a run shows which shells were available.
  WARN(std::string("completion scripts syntax-checked with: ") + (list.empty() ? "none" : list));
  CHECK(std::find(checked.begin(), checked.end(), "bash") != checked.end());
}

namespace {

// Runs the bash completion function for each word list (the last word is
// the one being completed) and returns the proposals of each, sorted.
std::vector<std::vector<std::string>> bash_complete(
    const trop_fixture& fx, const std::vector<std::vector<std::string>>& cases) {
  const std::string path = fx.root() + "/trop.bash";
  write_file(path, script(fx, "bash"));
  std::string program = "source " + path +
                        "\n"
                        "complete_words() {\n"
                        "  COMP_WORDS=(\"$@\")\n"
                        "  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
                        "  COMPREPLY=()\n"
                        "  _trop\n"
                        "  printf '%s\\n' \"${COMPREPLY[@]}\" | LC_ALL=C sort\n"
                        "  echo '@@'\n"
                        "}\n";
  for (const std::vector<std::string>& words : cases) {
    program += "complete_words";
    for (const std::string& w : words) {
      program += " '" + w + "'";
    }
    program += "\n";
  }
  process_result r = run_shell({"bash", "--norc", "--noprofile", "-c", program});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<std::vector<std::string>> out(1);
  for (const std::string& line : lines_of(r.out)) {
    if (line == "@@") {
      out.emplace_back();
    } else if (!line.empty()) {
      out.back().push_back(line);
    }
  }
  out.pop_back();
  REQUIRE(out.size() == cases.size());
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("the bash function proposes real subcommands, flags and values", "[quick][completions]") {
  trop_fixture fx;
  const std::vector<std::vector<std::string>> got =
      bash_complete(fx, {
                            {"trop", "res"},
                            {"trop", "reserve", "--ta"},
                            {"trop", "list", "--format", ""},
                            {"trop", "list", "--format", "=", "j"},
                            {"trop", "--data-dir", "/tmp", "sc"},
                            {"trop", "--durability", "n"},
                            {"trop", "completions", ""},
                            {"trop", "scan", "--autoc"},
                            {"trop", "exclude", "--g"},
                            {"trop", "reserve", "--tag", ""},
                            {"trop", "-q", "compact-exclusions", "--d"},
                        });
  CHECK(got[0] == std::vector<std::string>{"reserve", "reserve-group"});
  CHECK(got[1] == std::vector<std::string>{"--tag", "--task"});
  CHECK(got[2] == sorted({"table", "json", "csv", "tsv"}));
  CHECK(got[3] == std::vector<std::string>{"json"});
  CHECK(got[4] == std::vector<std::string>{"scan"});
  CHECK(got[5] == std::vector<std::string>{"normal"});
  CHECK(got[6] == sorted({"bash", "zsh", "fish"}));
  CHECK(got[7] == std::vector<std::string>{"--autocompact"});
  CHECK(got[8] == std::vector<std::string>{"--global"});
  CHECK(got[9].empty());  // a free value: nothing to propose
  CHECK(got[10] == sorted({"--data-dir", "--disable-autoinit", "--dry-run", "--durability"}));
}

TEST_CASE("the bash function proposes exactly the commands and flags of --help",
          "[quick][completions]") {
  trop_fixture fx;
  std::vector<std::vector<std::string>> cases{{"trop", ""}, {"trop", "-"}};
  std::vector<std::string> names;
  for (const auto& [name, page] : help().commands) {
    names.push_back(name);
    cases.push_back({"trop", name, "-"});
  }
  const std::vector<std::vector<std::string>> got = bash_complete(fx, cases);
  CHECK(got[0] == sorted(help().top.subcommands));
  CHECK(got[1] == sorted(help().top.flags));
  const std::vector<std::string> globals = global_flags_after_command();
  for (std::size_t i = 0; i < names.size(); ++i) {
    INFO("command " << names[i]);
    std::set<std::string> expected = as_set(help().commands.at(names[i]).flags);
    expected.insert(globals.begin(), globals.end());
    CHECK(as_set(got[i + 2]) == expected);
  }
}

TEST_CASE("the bash function completes file names for path values", "[quick][completions]") {
  trop_fixture fx;
  write_file(fx.root() + "/config-one.yaml", "");
  write_file(fx.root() + "/odd name*.json", "");
  write_file(fx.root() + "/odd namex.json", "");
  const std::string prefix = fx.root() + "/config-o";
  const std::vector<std::vector<std::string>> got =
      bash_complete(fx, {{"trop", "validate", prefix},
                         {"trop", "reserve", "--path", prefix},
                         {"trop", "--data-dir", prefix},
                         {"trop", "assert-port", prefix},
                         {"trop", "import", fx.root() + "/odd n"}});
  CHECK(got[0] == std::vector<std::string>{fx.root() + "/config-one.yaml"});
  CHECK(got[1] == std::vector<std::string>{fx.root() + "/config-one.yaml"});
  CHECK(got[2] == std::vector<std::string>{fx.root() + "/config-one.yaml"});
  CHECK(got[3].empty());  // a PORT is not a file
  // Names with a space and a glob character come back whole and unexpanded.
  CHECK(got[4] == sorted({fx.root() + "/odd name*.json", fx.root() + "/odd namex.json"}));
}

TEST_CASE("the fish script proposes real subcommands and flags", "[quick][completions]") {
  if (!has_program("fish")) {
    WARN("skipped: fish is not installed");
    return;
  }
  trop_fixture fx;
  const std::string path = fx.root() + "/trop.fish";
  write_file(path, script(fx, "fish"));
  auto complete = [&](const std::string& line) {
    process_result r =
        run_shell({"fish", "--no-config", "-c", "source " + path + "; complete -C '" + line + "'"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> words;
    for (const std::string& l : lines_of(r.out)) {
      words.push_back(l.substr(0, l.find('\t')));
    }
    return sorted(words);
  };
  CHECK(complete("trop res") == std::vector<std::string>{"reserve", "reserve-group"});
  CHECK(complete("trop reserve --ta") == std::vector<std::string>{"--tag", "--task"});
  CHECK(complete("trop list --format ") == sorted({"table", "json", "csv", "tsv"}));
  CHECK(complete("trop --data-dir /tmp sc") == std::vector<std::string>{"scan"});
  CHECK(complete("trop completions ") == sorted({"bash", "zsh", "fish"}));
  CHECK(complete("trop scan --autoc") == std::vector<std::string>{"--autocompact"});
}

TEST_CASE("completions match the scripts generated at build time", "[quick][completions]") {
  trop_fixture fx;
  CHECK(read_file(std::string(TROP_DOCS_DIR) + "/trop.bash") == script(fx, "bash"));
  CHECK(read_file(std::string(TROP_DOCS_DIR) + "/_trop") == script(fx, "zsh"));
  CHECK(read_file(std::string(TROP_DOCS_DIR) + "/trop.fish") == script(fx, "fish"));
}
