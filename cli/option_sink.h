// The thin interface through which each subcommand declares its flags, so
// that CLI11 (slow to compile) is included by one translation unit only
// (command_line.cpp). Command files see option_sink, never CLI::App.
// Thread safety: used during argument parsing on one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trop::cli {

class option_sink {
 public:
  virtual ~option_sink() = default;

  // `names` is CLI11 syntax: "--force" or "-q,--quiet". Targets must outlive
  // the parse; they are written while the command line is parsed.

  // A boolean flag; *target becomes true when given.
  virtual void flag(std::string_view names, bool* target, std::string_view help) = 0;

  // An option with a free-text value (may be empty: the command decides).
  virtual void text(std::string_view names, std::optional<std::string>* target,
                    std::string_view value_name, std::string_view help) = 0;

  // A path-valued option: an empty value is a usage error naming the option
  // (SPEC A.2 #24).
  virtual void path(std::string_view names, std::optional<std::string>* target,
                    std::string_view help) = 0;

  // One of `choices`, matched case-insensitively and stored as listed; any
  // other value is a usage error.
  virtual void choice(std::string_view names, std::optional<std::string>* target,
                      std::vector<std::string> choices, std::string_view help) = 0;

  // A decimal unsigned integer no larger than `max`; anything else (sign,
  // hex, overflow) is a usage error.
  virtual void number(std::string_view names, std::optional<std::uint64_t>* target,
                      std::uint64_t max, std::string_view value_name, std::string_view help) = 0;

  // An option whose value may be left out: "--group", "--group FILE" or
  // "--group=FILE". *given becomes true when it appears; *target receives a
  // non-empty value.
  virtual void optional_value(std::string_view names, bool* given,
                              std::optional<std::string>* target, std::string_view value_name,
                              std::string_view help) = 0;

  // Every argument after the first "--" that follows the subcommand, verbatim
  // (the command line `trop exec` runs). Nothing after "--" is parsed as an
  // option; without "--" *target stays empty.
  virtual void trailing(std::string_view name, std::vector<std::string>* target,
                        std::string_view help) = 0;

  // A positional argument named `name` (shown as <NAME> in usage). A missing
  // required positional is a usage error; the command validates the text.
  virtual void positional(std::string_view name, std::optional<std::string>* target, bool required,
                          std::string_view help) = 0;

  // A positional argument whose value is one of `values` (exact spelling).
  // The command checks the value itself (its exit code is the command's
  // business); the list feeds completions and documentation. By default it
  // is declared as a plain positional.
  virtual void positional_choice(std::string_view name, std::optional<std::string>* target,
                                 bool required, std::vector<std::string> values,
                                 std::string_view help) {
    (void)values;
    positional(name, target, required, help);
  }
};

}  // namespace trop::cli
