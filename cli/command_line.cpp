#include "command_line.h"

#include <CLI/CLI.hpp>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "fast_parse.h"
#include "output.h"
#include "trop/paths.h"

#ifndef TROP_VERSION
#error "TROP_VERSION must be defined by the build"
#endif

namespace trop::cli {
namespace {

constexpr const char* kDescription =
    "trop: sticky TCP/UDP port reservations for directories, safe under concurrency";

// Binds option_sink declarations to a CLI::App. Values are delivered through
// callbacks, so targets need no CLI11-specific types.
class cli11_sink final : public option_sink {
 public:
  explicit cli11_sink(CLI::App* app) : app_(app) {}

  void flag(std::string_view names, bool* target, std::string_view help) override {
    app_->add_flag(std::string(names), *target, std::string(help));
  }

  void text(std::string_view names, std::optional<std::string>* target, std::string_view value_name,
            std::string_view help) override {
    app_->add_option_function<std::string>(
            std::string(names), [target](const std::string& v) { *target = v; }, std::string(help))
        ->type_name(std::string(value_name))
        ->check(CLI::Validator(
            [](std::string& v) -> std::string {
              // Text values become tags, projects and tasks, which JSON output
              // carries: refused at parse time like clap's String arguments.
              if (!is_valid_utf8(v)) {
                return "invalid UTF-8 was detected in the value";
              }
              return {};
            },
            "", "UTF-8"));
  }

  void path(std::string_view names, std::optional<std::string>* target,
            std::string_view help) override {
    app_->add_option_function<std::string>(
            std::string(names), [target](const std::string& v) { *target = v; }, std::string(help))
        ->type_name("PATH")
        ->check(CLI::Validator(
            [](std::string& v) -> std::string {
              // CLI11 puts the option's name in front of this text.
              if (v.empty()) {
                return "a value is required but none was supplied";
              }
              return {};
            },
            "", "non-empty"));
  }

  void choice(std::string_view names, std::optional<std::string>* target,
              std::vector<std::string> choices, std::string_view help) override {
    std::string joined;
    for (const std::string& c : choices) {
      joined += joined.empty() ? c : "|" + c;
    }
    app_->add_option_function<std::string>(
            std::string(names), [target](const std::string& v) { *target = v; }, std::string(help))
        ->type_name(joined)
        ->transform(CLI::IsMember(std::move(choices), CLI::ignore_case));
  }

  void optional_value(std::string_view names, bool* given, std::optional<std::string>* target,
                      std::string_view value_name, std::string_view help) override {
    app_->add_option_function<std::string>(
            std::string(names),
            [given, target](const std::string& v) {
              *given = true;
              if (!v.empty()) {
                *target = v;
              }
            },
            std::string(help))
        ->type_name(std::string("[") + std::string(value_name) + "]")
        ->expected(0, 1);
  }

  // CLI11 never sees the arguments after "--": parse_command_line() cuts
  // them off and stores them here (CLI11 2.1 mishandles "--" right after an
  // option with an optional value).
  void trailing(std::string_view name, std::vector<std::string>* target,
                std::string_view help) override {
    trailing_ = target;
    // The help page says what follows "--", since CLI11 never sees it.
    std::string text("After the options: -- <");
    text.append(name);
    text += "> [ARGS]...\n  ";
    text.append(help);
    text += "\n\n";
    app_->footer(text + app_->get_footer());
  }
  std::vector<std::string>* trailing_target() const { return trailing_; }

  void positional(std::string_view name, std::optional<std::string>* target, bool required,
                  std::string_view help) override {
    CLI::Option* o = app_->add_option_function<std::string>(
        std::string(name), [target](const std::string& v) { *target = v; }, std::string(help));
    if (required) {
      o->required();
    }
  }

  void number(std::string_view names, std::optional<std::uint64_t>* target, std::uint64_t max,
              std::string_view value_name, std::string_view help) override {
    app_->add_option_function<std::string>(
            std::string(names), [target](const std::string& v) { *target = std::stoull(v); },
            std::string(help))
        ->type_name(std::string(value_name))
        ->check(CLI::Validator(
            [max](std::string& v) -> std::string {
              // Decimal digits only: no sign, no 0x, no spaces (clap's u32 rules).
              bool ok = !v.empty();
              bool overflow = false;
              std::uint64_t n = 0;
              for (char c : v) {
                if (c < '0' || c > '9') {
                  ok = false;
                  break;
                }
                auto digit = static_cast<std::uint64_t>(c - '0');
                if (n > (max - digit) / 10) {
                  overflow = true;  // keep scanning: a later non-digit is the better message
                } else {
                  n = n * 10 + digit;
                }
              }
              if (!ok) {
                return "invalid value '" + v + "': expected a non-negative integer";
              }
              if (overflow) {
                return "invalid value '" + v + "': must be at most " + std::to_string(max);
              }
              return {};
            },
            "", "unsigned"));
  }

 private:
  CLI::App* app_;
  std::vector<std::string>* trailing_ = nullptr;
};

std::string usage_line(std::string_view command_name) {
  if (command_name.empty()) {
    return "Usage: trop [OPTIONS] <COMMAND>";
  }
  return "Usage: trop " + std::string(command_name) + " [OPTIONS]";
}

// The index of the first "--" after the subcommand word `word` (a pointer
// into argv, from prescan_subcommand); 0 when there is none.
int trailing_separator(int argc, const char* const* argv, std::string_view word) {
  int i = 1;
  while (i < argc && argv[i] != word.data()) {
    ++i;
  }
  for (++i; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      return i;
    }
  }
  return 0;
}

// What -V/--version prints (CLI11 adds the newline).
constexpr const char* kVersionText = "trop " TROP_VERSION;

void configure_top_level(CLI::App& app) {
  app.set_help_flag("-h,--help", "Print help");
  app.set_version_flag("-V,--version", kVersionText, "Print version");
  app.require_subcommand(1);
  // Global options are accepted after the subcommand too.
  app.fallthrough();
}

}  // namespace

prescan_result prescan_subcommand(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") {
      return {};
    }
    if (a.size() > 1 && a[0] == '-') {
      // Global options that take a separate value; "--opt=value" is one token.
      if (a == "--data-dir" || a == "--busy-timeout" || a == "--durability") {
        ++i;
      }
      continue;
    }
    return {a, find_command(a)};
  }
  return {};
}

void print_usage_error(std::string_view command_name, std::string_view message) {
  std::string text = "error: " + std::string(message) + "\n\n" + usage_line(command_name) +
                     "\n\nFor more information, try '--help'.\n";
  write_stderr(text);
}

invocation parse_command_line(int argc, const char* const* argv) {
  invocation inv;
  const prescan_result pre = prescan_subcommand(argc, argv);
  const command_info* only = pre.info;

  if (argc <= 1) {
    // `trop` alone: the full usage on stderr, exit 2 (SPEC B §1).
    CLI::App app{kDescription, "trop"};
    configure_top_level(app);
    cli11_sink sink(&app);
    setup_globals(sink, inv.globals);
    for (const command_info& c : all_commands()) {
      app.add_subcommand(std::string(c.name), std::string(c.summary));
    }
    write_stderr(app.help());
    inv.exit_code = kExitUsage;
    return inv;
  }

  if (argc == 2 &&
      (std::string_view(argv[1]) == "--version" || std::string_view(argv[1]) == "-V")) {
    // Answered without building the top-level parser, which costs more
    // than the rest of the process; the same text CLI11 prints for it.
    write_stdout(kVersionText);
    write_stdout("\n");
    inv.exit_code = 0;
    return inv;
  }

  if (!pre.word.empty() && pre.info == nullptr) {
    print_usage_error({}, "unrecognized subcommand '" + std::string(pre.word) + "'");
    inv.exit_code = kExitUsage;
    return inv;
  }

  if (only != nullptr && fast_parse(argc, argv, *only, &inv)) {
    return inv;  // the common case, without building a CLI11 App
  }

  CLI::App app{kDescription, "trop"};
  configure_top_level(app);
  cli11_sink global_sink(&app);
  setup_globals(global_sink, inv.globals);

  struct built {
    const command_info* info;
    CLI::App* app;
    std::unique_ptr<command> cmd;
  };
  std::vector<built> subs;
  std::deque<cli11_sink> sinks;
  for (const command_info& c : all_commands()) {
    if (only != nullptr && only != &c) {
      continue;
    }
    CLI::App* sub = app.add_subcommand(std::string(c.name), std::string(c.summary));
    sub->fallthrough();
    sub->footer(
        "Global options (--data-dir, --busy-timeout, --durability, --disable-autoinit, --quiet, "
        "--verbose) are accepted before or after the subcommand; see trop --help.");
    std::unique_ptr<command> cmd = c.make();
    cmd->setup(sinks.emplace_back(sub));
    subs.push_back({&c, sub, std::move(cmd)});
  }

  auto selected = [&]() -> built* {
    for (built& b : subs) {
      if (b.app->parsed()) {
        return &b;
      }
    }
    return nullptr;
  };

  // A command that takes a trailing command line: everything after the first
  // "--" behind the subcommand is its, verbatim, and CLI11 parses the rest.
  int parse_argc = argc;
  if (only != nullptr && sinks.size() == 1 && sinks.front().trailing_target() != nullptr) {
    if (int separator = trailing_separator(argc, argv, pre.word); separator > 0) {
      parse_argc = separator;
      sinks.front().trailing_target()->assign(argv + separator + 1, argv + argc);
    }
  }

  try {
    app.parse(parse_argc, argv);
  } catch (const CLI::CallForHelp&) {
    write_stdout(app.help());
    inv.exit_code = kExitOk;
    return inv;
  } catch (const CLI::CallForAllHelp&) {
    write_stdout(app.help("", CLI::AppFormatMode::All));
    inv.exit_code = kExitOk;
    return inv;
  } catch (const CLI::CallForVersion& e) {
    write_stdout(std::string(e.what()) + "\n");
    inv.exit_code = kExitOk;
    return inv;
  } catch (const CLI::ParseError& e) {
    built* b = selected();
    print_usage_error(b != nullptr ? b->info->name : std::string_view(), e.what());
    inv.exit_code = kExitUsage;
    return inv;
  }

  built* b = selected();
  if (b == nullptr) {
    // require_subcommand(1) makes this unreachable; fail loudly rather than guess.
    print_usage_error({}, "a subcommand is required");
    inv.exit_code = kExitUsage;
    return inv;
  }
  inv.info = b->info;
  inv.cmd = std::move(b->cmd);
  return inv;
}

}  // namespace trop::cli
