#include "command_catalog.h"

#include <memory>

#include "settings.h"

namespace trop::cli {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Splits CLI11 name syntax ("-q,--quiet") into short and long names.
void split_names(std::string_view names, option_doc& doc) {
  while (!names.empty()) {
    std::size_t comma = names.find(',');
    std::string_view one = names.substr(0, comma);
    names = comma == std::string_view::npos ? std::string_view() : names.substr(comma + 1);
    if (one.size() > 2 && one.substr(0, 2) == "--") {
      doc.long_names.emplace_back(one);
    } else if (one.size() > 1 && one[0] == '-') {
      doc.short_names.emplace_back(one);
    }
  }
}

option_doc builtin_flag(std::string_view short_name, std::string_view long_name,
                        std::string_view help) {
  option_doc d;
  d.short_names.emplace_back(short_name);
  d.long_names.emplace_back(long_name);
  d.help = help;
  return d;
}

}  // namespace

bool option_doc::completes_files() const {
  if (what == kind::path) {
    return true;
  }
  return what == kind::positional && choices.empty() &&
         (ends_with(positional_name, "PATH") || ends_with(positional_name, "FILE"));
}

std::string option_doc::primary_name() const {
  if (!long_names.empty()) {
    return long_names.front();
  }
  if (!short_names.empty()) {
    return short_names.front();
  }
  return positional_name;
}

option_doc& recording_sink::add(option_doc::kind what, std::string_view names,
                                std::string_view help) {
  option_doc& d = options_.emplace_back();
  d.what = what;
  d.help = help;
  if (what == option_doc::kind::positional) {
    d.positional_name = names;
  } else {
    split_names(names, d);
  }
  return d;
}

void recording_sink::flag(std::string_view names, bool*, std::string_view help) {
  add(option_doc::kind::flag, names, help);
}

void recording_sink::text(std::string_view names, std::optional<std::string>*,
                          std::string_view value_name, std::string_view help) {
  add(option_doc::kind::text, names, help).value_name = value_name;
}

void recording_sink::path(std::string_view names, std::optional<std::string>*,
                          std::string_view help) {
  add(option_doc::kind::path, names, help).value_name = "PATH";
}

void recording_sink::choice(std::string_view names, std::optional<std::string>*,
                            std::vector<std::string> choices, std::string_view help) {
  option_doc& d = add(option_doc::kind::choice, names, help);
  // The parser shows the choices as the value name ("table|json|csv|tsv").
  for (const std::string& c : choices) {
    d.value_name += d.value_name.empty() ? c : std::string("|") + c;
  }
  d.choices = std::move(choices);
}

void recording_sink::number(std::string_view names, std::optional<std::uint64_t>*, std::uint64_t,
                            std::string_view value_name, std::string_view help) {
  add(option_doc::kind::number, names, help).value_name = value_name;
}

void recording_sink::optional_value(std::string_view names, bool*, std::optional<std::string>*,
                                    std::string_view value_name, std::string_view help) {
  // Completed like a path option; the brackets say the value may be left out.
  std::string shown(1, '[');
  shown.append(value_name);
  shown.push_back(']');
  add(option_doc::kind::path, names, help).value_name = std::move(shown);
}

void recording_sink::trailing(std::string_view name, std::vector<std::string>*,
                              std::string_view help) {
  // A required positional named as the usage line should read: "-- COMMAND...".
  std::string shown = "-- ";
  shown.append(name);
  shown += "...";
  option_doc& d = add(option_doc::kind::positional, shown, help);
  d.value_name = d.positional_name;
  d.required = true;
}

void recording_sink::positional(std::string_view name, std::optional<std::string>*, bool required,
                                std::string_view help) {
  option_doc& d = add(option_doc::kind::positional, name, help);
  d.value_name = name;
  d.required = required;
}

void recording_sink::positional_choice(std::string_view name, std::optional<std::string>*,
                                       bool required, std::vector<std::string> values,
                                       std::string_view help) {
  option_doc& d = add(option_doc::kind::positional, name, help);
  d.value_name = name;
  d.required = required;
  d.choices = std::move(values);
}

cli_catalog build_catalog(std::span<const command_info> commands) {
  cli_catalog catalog;
  {
    recording_sink sink;
    global_options unused;
    setup_globals(sink, unused);
    catalog.globals = sink.take();
  }
  // The parser's own flags (command_line.cpp: configure_top_level).
  catalog.globals.push_back(builtin_flag("-h", "--help", "Print help"));
  catalog.globals.push_back(builtin_flag("-V", "--version", "Print version"));
  for (const command_info& c : commands) {
    recording_sink sink;
    std::unique_ptr<command> cmd = c.make();
    cmd->setup(sink);
    catalog.commands.push_back({std::string(c.name), std::string(c.summary), sink.take()});
  }
  return catalog;
}

std::vector<option_doc> options_of(const cli_catalog& catalog, const command_doc& command) {
  std::vector<option_doc> out;
  auto defined = [&](const option_doc& g) {
    for (const option_doc& o : out) {
      for (const std::string& n : g.long_names) {
        for (const std::string& m : o.long_names) {
          if (n == m) {
            return true;
          }
        }
      }
    }
    return false;
  };
  for (const option_doc& o : command.options) {
    if (!o.is_positional()) {
      out.push_back(o);
    }
  }
  for (const option_doc& g : catalog.globals) {
    // --version belongs to the top level only.
    if (!defined(g) && !(g.long_names.size() == 1 && g.long_names.front() == "--version")) {
      out.push_back(g);
    }
  }
  return out;
}

}  // namespace trop::cli
