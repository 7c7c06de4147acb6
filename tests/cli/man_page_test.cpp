// The trop(1) man page and the installed files: trop.1 is generated at build
// time from the same option declarations as --help (hidden `trop
// __generate-docs <DIR>`), renders without warnings, documents every command
// and flag `trop --help` knows, and `cmake --install` puts it and the three
// completion scripts where Debian looks for them.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "trop_fixture.h"

#ifndef TROP_DOCS_DIR
#error "TROP_DOCS_DIR must name the generated documentation directory"
#endif
#ifndef TROP_BUILD_DIR
#error "TROP_BUILD_DIR must name the build tree"
#endif
#ifndef TROP_CMAKE
#error "TROP_CMAKE must name the cmake executable"
#endif

using trop::test::process_options;
using trop::test::process_result;
using trop::test::read_file;
using trop::test::run_process;
using trop::test::trop_fixture;

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
  std::size_t end = line.find(' ', start);
  return line.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The subcommands of `trop --help`, or the flag names of `trop <c> --help`.
std::vector<std::string> help_entries(const trop_fixture& fx, const std::vector<std::string>& args,
                                      const std::string& wanted_section) {
  process_result r = fx.run(args);
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> out;
  std::string current;
  for (const std::string& line : lines_of(r.out)) {
    if (!line.empty() && line[0] != ' ') {
      current = line;
    } else if (current == wanted_section && line.size() > 2 && line[2] != ' ') {
      std::string token = first_token(line);
      std::stringstream names(token);
      for (std::string n; std::getline(names, n, ',');) {
        out.push_back(n);
      }
    }
  }
  return out;
}

// Option names as the man page writes them (roff minus signs).
std::string roff(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c == '-' ? std::string("\\-") : std::string(1, c);
  }
  return out;
}

bool has_program(const std::string& name) {
  return std::system(("command -v " + name + " > /dev/null 2>&1").c_str()) == 0;
}

process_result run(
    const std::vector<std::string>& argv,
    const std::vector<std::pair<std::string, std::optional<std::string>>>& env = {}) {
  process_options o;
  o.argv = argv;
  o.env = trop::test::make_env(env);
  o.timeout = std::chrono::minutes(5);
  return run_process(o);
}

const std::string& man_page() {
  static const std::string text = read_file(std::string(TROP_DOCS_DIR) + "/trop.1");
  return text;
}

}  // namespace

TEST_CASE("trop.1 has the sections of a manual page", "[quick][man]") {
  const std::string& page = man_page();
  REQUIRE_FALSE(page.empty());
  CHECK(page.find(".TH TROP 1 \"\" \"trop " TROP_VERSION "\" \"User Commands\"\n") !=
        std::string::npos);
  std::size_t last = 0;
  for (const char* s :
       {".SH NAME\n", ".SH SYNOPSIS\n", ".SH DESCRIPTION\n", ".SH GLOBAL OPTIONS\n",
        ".SH COMMANDS\n", ".SH EXIT STATUS\n", ".SH ENVIRONMENT\n", ".SH FILES\n"}) {
    INFO(s);
    std::size_t at = page.find(s);
    REQUIRE(at != std::string::npos);
    CHECK(at > last);  // in this order
    last = at;
  }
  CHECK(page.find("trop \\- sticky TCP/UDP port reservations") != std::string::npos);
  for (const char* code : {"0", "1", "2", "3", "4", "5", "6", "7"}) {
    CHECK(page.find(std::string(".TP\n.B ") + code + "\n") != std::string::npos);
  }
  for (const char* var : {"TROP_DATA_DIR", "TROP_BUSY_TIMEOUT", "TROP_EXCLUDED_PORTS"}) {
    CHECK(page.find(roff(var)) != std::string::npos);
  }
  CHECK(page.find("trop.db\\-wal") != std::string::npos);
}

TEST_CASE("trop.1 documents every command and flag of --help", "[quick][man]") {
  trop_fixture fx;
  const std::string& page = man_page();
  const std::string commands = page.substr(page.find(".SH COMMANDS\n"));
  const std::size_t global_start = page.find(".SH GLOBAL OPTIONS\n");
  const std::string globals = page.substr(global_start, page.find(".SH COMMANDS\n") - global_start);
  for (const std::string& f : help_entries(fx, {"--help"}, "Options:")) {
    INFO(f);
    CHECK(globals.find("\\fB" + roff(f) + "\\fR") != std::string::npos);
  }
  const std::vector<std::string> names = help_entries(fx, {"--help"}, "Subcommands:");
  REQUIRE(names.size() >= 20);
  for (const std::string& name : names) {
    INFO("command " << name);
    const std::string heading = ".SS \"" + roff(name) + "\"\n";
    std::size_t at = commands.find(heading);
    REQUIRE(at != std::string::npos);
    std::size_t end = commands.find(".SS ", at + heading.size());
    if (end == std::string::npos) {
      end = commands.find(".SH ", at);
    }
    const std::string part = commands.substr(at, end - at);
    CHECK(part.find(".B trop " + roff(name) + "\n") != std::string::npos);
    for (const std::string& f : help_entries(fx, {name, "--help"}, "Options:")) {
      if (f == "-h" || f == "--help") {
        continue;  // a global option, documented once
      }
      INFO("flag " << f);
      CHECK(part.find("\\fB" + roff(f) + "\\fR") != std::string::npos);
    }
    for (const std::string& p : help_entries(fx, {name, "--help"}, "Positionals:")) {
      CHECK(part.find("\\fI" + roff(p) + "\\fR") != std::string::npos);
    }
  }
}

TEST_CASE("trop.1 renders without warnings", "[quick][man]") {
  const std::string path = std::string(TROP_DOCS_DIR) + "/trop.1";
  if (!has_program("groff")) {
    WARN("skipped: groff is not installed (the roff structure is checked above)");
    return;
  }
  process_result r = run({"groff", "-man", "-Tutf8", "-ww", "-z", path});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  r = run({"groff", "-man", "-Tutf8", "-P-cbou", path});  // plain text: no bold, no underline
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("EXIT STATUS") != std::string::npos);
  if (has_program("man")) {
    r = run({"man", "-l", path}, {{"MANPAGER", "cat"}, {"PAGER", "cat"}, {"MANWIDTH", "100"}});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("ENVIRONMENT") != std::string::npos);
    CHECK(r.out.find("compact-exclusions") != std::string::npos);
  } else {
    WARN("man -l not checked: man is not installed");
  }
}

TEST_CASE("trop __generate-docs writes the same files as the build", "[quick][man]") {
  trop_fixture fx;
  const std::string dir = fx.make_dir("docs");
  process_result r = fx.run({"__generate-docs", dir});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
  for (const char* name : {"trop.1", "trop.bash", "_trop", "trop.fish"}) {
    INFO(name);
    CHECK(read_file(dir + "/" + name) == read_file(std::string(TROP_DOCS_DIR) + "/" + name));
  }
  // A directory it cannot write to: exit 5, said on stderr.
  r = fx.run({"__generate-docs", fx.root() + "/missing/dir"});
  CHECK(r.exit_code == 5);
  CHECK(r.err.rfind("Error: I/O error: cannot write " + fx.root() + "/missing/dir/trop.1: ", 0) ==
        0);
}

TEST_CASE("cmake --install puts the man page and completions where Debian looks", "[quick][man]") {
  trop_fixture fx;
  const std::string prefix = fx.root() + "/prefix";
  process_result r = run({TROP_CMAKE, "--install", TROP_BUILD_DIR, "--prefix", prefix});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  namespace fs = std::filesystem;
  CHECK(fs::is_regular_file(prefix + "/bin/trop"));
  const std::pair<std::string, std::string> files[] = {
      {"share/man/man1/trop.1", "trop.1"},
      {"share/bash-completion/completions/trop", "trop.bash"},
      {"share/zsh/vendor-completions/_trop", "_trop"},
      {"share/fish/vendor_completions.d/trop.fish", "trop.fish"},
  };
  for (const auto& [installed, generated] : files) {
    INFO(installed);
    CHECK(fs::is_regular_file(prefix + "/" + installed));
    CHECK(read_file(prefix + "/" + installed) ==
          read_file(std::string(TROP_DOCS_DIR) + "/" + generated));
  }
}
