// What the parser knows about every subcommand and option, recorded through
// option_sink from the very setup functions the parser calls, so that the
// completion scripts and the man page can never drift from `trop --help`.
// Thread safety: values; build_catalog() constructs commands on the calling
// thread only.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"
#include "option_sink.h"

namespace trop::cli {

// One option or positional argument, as declared through option_sink.
struct option_doc {
  enum class kind { flag, text, path, choice, number, positional };

  kind what = kind::flag;
  std::vector<std::string> short_names;  // "-q"
  std::vector<std::string> long_names;   // "--quiet"
  std::string positional_name;           // "PORT" (positionals only)
  std::string value_name;                // "TAG", "PATH", "SECONDS"; empty for flags
  std::string help;
  std::vector<std::string> choices;  // choice options and positional choices
  bool required = false;             // positionals only

  bool is_positional() const { return what == kind::positional; }
  bool takes_value() const { return what != kind::flag && what != kind::positional; }
  // A value that names a file or directory: path options, and positionals
  // whose name ends in PATH or FILE (CONFIG_PATH, PATH, FILE).
  bool completes_files() const;
  // "--quiet" when there is a long name, else the first short name.
  std::string primary_name() const;
};

struct command_doc {
  std::string name;
  std::string summary;
  std::vector<option_doc> options;  // in declaration order, positionals included
};

struct cli_catalog {
  std::vector<option_doc> globals;  // setup_globals(), then -h/--help and -V/--version
  std::vector<command_doc> commands;
};

// An option_sink that records every declaration instead of binding it.
class recording_sink final : public option_sink {
 public:
  void flag(std::string_view names, bool* target, std::string_view help) override;
  void text(std::string_view names, std::optional<std::string>* target, std::string_view value_name,
            std::string_view help) override;
  void path(std::string_view names, std::optional<std::string>* target,
            std::string_view help) override;
  void choice(std::string_view names, std::optional<std::string>* target,
              std::vector<std::string> choices, std::string_view help) override;
  void number(std::string_view names, std::optional<std::uint64_t>* target, std::uint64_t max,
              std::string_view value_name, std::string_view help) override;
  void optional_value(std::string_view names, bool* given, std::optional<std::string>* target,
                      std::string_view value_name, std::string_view help) override;
  void trailing(std::string_view name, std::vector<std::string>* target,
                std::string_view help) override;
  void positional(std::string_view name, std::optional<std::string>* target, bool required,
                  std::string_view help) override;
  void positional_choice(std::string_view name, std::optional<std::string>* target, bool required,
                         std::vector<std::string> values, std::string_view help) override;

  std::vector<option_doc> take() { return std::move(options_); }

 private:
  option_doc& add(option_doc::kind what, std::string_view names, std::string_view help);
  std::vector<option_doc> options_;
};

// Records the global options and every command of `commands` (normally
// all_commands()) by calling their setup functions.
cli_catalog build_catalog(std::span<const command_info> commands);

// The options a command accepts: its own, then every global option it does
// not redefine (init and assert-data-dir have their own --data-dir), then
// -h/--help. Positionals are left out.
std::vector<option_doc> options_of(const cli_catalog& catalog, const command_doc& command);

}  // namespace trop::cli
