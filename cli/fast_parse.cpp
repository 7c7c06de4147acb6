#include "fast_parse.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "trop/paths.h"

namespace trop::cli {
namespace {

// One declared option, with where its value goes.
struct declaration {
  enum class kind { flag, text, path, choice, number, optional_value, positional, trailing };
  kind what = kind::flag;
  std::vector<std::string> names;  // "--tag", "-q"; the bare name for a positional
  bool* flag_target = nullptr;
  std::optional<std::string>* text_target = nullptr;
  std::optional<std::uint64_t>* number_target = nullptr;
  std::vector<std::string>* trailing_target = nullptr;
  std::vector<std::string> choices;
  std::uint64_t max = 0;
  bool required = false;
  bool global = false;
  bool seen = false;
};

std::vector<std::string> split_names(std::string_view names) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= names.size()) {
    std::size_t comma = names.find(',', start);
    if (comma == std::string_view::npos) {
      comma = names.size();
    }
    if (comma > start) {
      out.emplace_back(names.substr(start, comma - start));
    }
    start = comma + 1;
  }
  return out;
}

class recording_sink final : public option_sink {
 public:
  explicit recording_sink(std::vector<declaration>* out, bool global)
      : out_(out), global_(global) {}

  void flag(std::string_view names, bool* target, std::string_view) override {
    add(declaration::kind::flag, names).flag_target = target;
  }
  void text(std::string_view names, std::optional<std::string>* target, std::string_view,
            std::string_view) override {
    add(declaration::kind::text, names).text_target = target;
  }
  void path(std::string_view names, std::optional<std::string>* target, std::string_view) override {
    add(declaration::kind::path, names).text_target = target;
  }
  void choice(std::string_view names, std::optional<std::string>* target,
              std::vector<std::string> choices, std::string_view) override {
    declaration& d = add(declaration::kind::choice, names);
    d.text_target = target;
    d.choices = std::move(choices);
  }
  void number(std::string_view names, std::optional<std::uint64_t>* target, std::uint64_t max,
              std::string_view, std::string_view) override {
    declaration& d = add(declaration::kind::number, names);
    d.number_target = target;
    d.max = max;
  }
  void optional_value(std::string_view names, bool* given, std::optional<std::string>* target,
                      std::string_view, std::string_view) override {
    declaration& d = add(declaration::kind::optional_value, names);
    d.flag_target = given;
    d.text_target = target;
  }
  void trailing(std::string_view name, std::vector<std::string>* target,
                std::string_view) override {
    add(declaration::kind::trailing, name).trailing_target = target;
  }
  void positional(std::string_view name, std::optional<std::string>* target, bool required,
                  std::string_view) override {
    declaration& d = add(declaration::kind::positional, name);
    d.text_target = target;
    d.required = required;
  }

 private:
  declaration& add(declaration::kind k, std::string_view names) {
    declaration& d = out_->emplace_back();
    d.what = k;
    d.names = split_names(names);
    d.global = global_;
    return d;
  }
  std::vector<declaration>* out_;
  bool global_;
};

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Stores a value for `d`; false when it is not plainly valid.
bool accept_value(declaration& d, std::string_view value) {
  switch (d.what) {
    case declaration::kind::text:
      if (!is_valid_utf8(value)) {
        return false;  // the CLI11 sink refuses it with its message
      }
      *d.text_target = std::string(value);
      return true;
    case declaration::kind::positional:
      *d.text_target = std::string(value);
      return true;
    case declaration::kind::optional_value:
      if (value.empty()) {
        return false;  // "--group=": CLI11 decides
      }
      *d.flag_target = true;
      *d.text_target = std::string(value);
      return true;
    case declaration::kind::path:
      if (value.empty()) {
        return false;
      }
      *d.text_target = std::string(value);
      return true;
    case declaration::kind::choice:
      for (const std::string& c : d.choices) {
        if (equals_ignore_case(c, value)) {
          *d.text_target = c;
          return true;
        }
      }
      return false;
    case declaration::kind::number: {
      if (value.empty() || value.size() > 19) {
        return false;
      }
      std::uint64_t n = 0;
      for (char ch : value) {
        if (ch < '0' || ch > '9') {
          return false;
        }
        n = n * 10 + static_cast<std::uint64_t>(ch - '0');
      }
      if (n > d.max) {
        return false;
      }
      *d.number_target = n;
      return true;
    }
    case declaration::kind::flag:
    case declaration::kind::trailing:
      return false;
  }
  return false;
}

}  // namespace

bool fast_parse(int argc, const char* const* argv, const command_info& info, invocation* inv) {
  global_options globals;
  std::unique_ptr<command> cmd = info.make();
  std::vector<declaration> decls;
  recording_sink global_sink(&decls, true);
  setup_globals(global_sink, globals);
  recording_sink command_sink(&decls, false);
  cmd->setup(command_sink);

  auto find = [&](std::string_view name) -> declaration* {
    for (declaration& d : decls) {
      if (d.what != declaration::kind::positional && d.what != declaration::kind::trailing &&
          std::find(d.names.begin(), d.names.end(), name) != d.names.end()) {
        return &d;
      }
    }
    return nullptr;
  };

  bool after_command = false;
  std::size_t next_positional = 0;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.size() >= 2 && a[0] == '-' && a != "--") {
      std::string_view name = a;
      std::optional<std::string_view> inline_value;
      if (a[1] == '-') {
        if (std::size_t eq = a.find('='); eq != std::string_view::npos) {
          name = a.substr(0, eq);
          inline_value = a.substr(eq + 1);
        }
      } else if (a.size() != 2) {
        return false;  // combined short flags ("-qv"): leave to CLI11
      }
      declaration* d = find(name);
      if (d == nullptr || d->seen || (!d->global && !after_command)) {
        return false;  // unknown, repeated, or a subcommand option before the subcommand
      }
      d->seen = true;
      if (d->what == declaration::kind::flag) {
        if (inline_value) {
          return false;
        }
        *d->flag_target = true;
        continue;
      }
      std::string_view value;
      if (inline_value) {
        value = *inline_value;
      } else if (d->what == declaration::kind::optional_value) {
        // The value is left out when nothing follows or an option (or "--") does.
        if (i + 1 >= argc || (argv[i + 1][0] == '-' || argv[i + 1][0] == '\0')) {
          *d->flag_target = true;
          continue;
        }
        value = argv[++i];
      } else {
        if (i + 1 >= argc) {
          return false;
        }
        value = argv[++i];
        if (!value.empty() && value[0] == '-') {
          return false;  // CLI11 may read it as an option: let it decide
        }
      }
      if (!accept_value(*d, value)) {
        return false;
      }
      continue;
    }
    if (a == "--" && after_command) {
      // The trailing command line of a command that takes one, verbatim.
      auto t = std::find_if(decls.begin(), decls.end(), [](const declaration& d) {
        return d.what == declaration::kind::trailing;
      });
      if (t == decls.end()) {
        return false;
      }
      t->trailing_target->assign(argv + i + 1, argv + argc);
      break;
    }
    if (a == "--" || (!a.empty() && a[0] == '-')) {
      return false;
    }
    if (!after_command) {
      if (a != info.name) {
        return false;
      }
      after_command = true;
      continue;
    }
    // A positional of the subcommand, in declaration order.
    std::size_t seen_positionals = 0;
    declaration* target = nullptr;
    for (declaration& d : decls) {
      if (d.what == declaration::kind::positional && seen_positionals++ == next_positional) {
        target = &d;
        break;
      }
    }
    if (target == nullptr) {
      return false;
    }
    ++next_positional;
    target->seen = true;
    if (!accept_value(*target, a)) {
      return false;
    }
  }
  if (!after_command) {
    return false;
  }
  for (const declaration& d : decls) {
    if (d.required && !d.seen) {
      return false;
    }
  }
  inv->globals = std::move(globals);
  inv->info = &info;
  inv->cmd = std::move(cmd);
  return true;
}

}  // namespace trop::cli
