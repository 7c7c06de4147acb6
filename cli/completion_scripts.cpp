#include "completion_scripts.h"

#include <vector>

namespace trop::cli {
namespace {

// Every name of an option: short names first, then long names.
std::vector<std::string> names_of(const option_doc& o) {
  std::vector<std::string> out = o.short_names;
  out.insert(out.end(), o.long_names.begin(), o.long_names.end());
  return out;
}

std::string join(const std::vector<std::string>& words, std::string_view sep) {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) {
      out.append(sep);
    }
    out += w;
  }
  return out;
}

// A single-quoted word for a POSIX shell (bash, zsh): ' becomes '\''.
std::string sh_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

const option_doc* positional_of(const command_doc& c) {
  for (const option_doc& o : c.options) {
    if (o.is_positional()) {
      return &o;
    }
  }
  return nullptr;
}

std::vector<std::string> command_names(const cli_catalog& catalog) {
  std::vector<std::string> out;
  for (const command_doc& c : catalog.commands) {
    out.push_back(c.name);
  }
  return out;
}

// The option names of `options`, for a word list.
std::vector<std::string> all_names(const std::vector<option_doc>& options) {
  std::vector<std::string> out;
  for (const option_doc& o : options) {
    std::vector<std::string> n = names_of(o);
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

// ---------------------------------------------------------------------------
// bash

// The `case "$opt" in ... esac` that completes the value of an option.
void bash_value_cases(std::string& out, const std::vector<option_doc>& options,
                      std::string_view indent) {
  std::string arms;
  for (const option_doc& o : options) {
    if (!o.takes_value()) {
      continue;
    }
    arms.append(indent).append("    ").append(join(names_of(o), "|")).append(")\n");
    arms.append(indent).append("        ");
    if (o.completes_files()) {
      arms.append("_trop_files\n");
    } else if (!o.choices.empty()) {
      arms.append("_trop_words \"").append(join(o.choices, " ")).append("\"\n");
    } else {
      arms.append(": # a free value: nothing to propose\n");
    }
    arms.append(indent).append("        return 0\n");
    arms.append(indent).append("        ;;\n");
  }
  if (arms.empty()) {
    return;
  }
  out.append(indent).append("case \"$opt\" in\n").append(arms).append(indent).append("esac\n");
}

// ---------------------------------------------------------------------------
// zsh

// Escapes an explanation for _arguments' [...] (and _describe): backslash and
// brackets take a backslash.
std::string zsh_explanation(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '[' || c == ']') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

// A message or a _describe name: colons take a backslash too.
std::string zsh_message(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == ':') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

std::string zsh_action(const option_doc& o) {
  if (o.completes_files()) {
    return "_files";
  }
  if (!o.choices.empty()) {
    return std::string("(") + join(o.choices, " ") + ")";
  }
  return " ";  // a message only: nothing to propose
}

// The _arguments specs of one option (one per name, each excluding the others).
std::vector<std::string> zsh_specs(const option_doc& o) {
  std::vector<std::string> names = names_of(o);
  std::string exclusion;
  if (names.size() > 1) {
    exclusion = std::string("(") + join(names, " ") + ")";
  }
  std::vector<std::string> out;
  for (const std::string& n : names) {
    std::string spec = exclusion + n;
    if (o.takes_value() && n.size() > 2 && n[1] == '-') {
      spec += '=';  // --opt=value or --opt value
    }
    spec += std::string("[") + zsh_explanation(o.help) + "]";
    if (o.takes_value()) {
      spec += std::string(":") + zsh_message(o.value_name) + ":" + zsh_action(o);
    }
    out.push_back(sh_quote(spec));
  }
  return out;
}

void zsh_arguments(std::string& out, const std::vector<std::string>& specs,
                   std::string_view indent) {
  out.append(indent).append("_arguments -s -S \\\n");
  for (const std::string& s : specs) {
    out.append(indent).append("    ").append(s).append(" \\\n");
  }
}

// ---------------------------------------------------------------------------
// fish

// A single-quoted fish string: backslash and ' take a backslash.
std::string fish_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\\' || c == '\'') {
      out += '\\';
    }
    out += c;
  }
  out += '\'';
  return out;
}

std::string fish_option(const option_doc& o, std::string_view condition) {
  std::string line = std::string("complete -c trop -n ") + fish_quote(condition);
  for (const std::string& s : o.short_names) {
    line += std::string(" -s ") + s.substr(1);
  }
  for (const std::string& l : o.long_names) {
    line += std::string(" -l ") + l.substr(2);
  }
  if (o.takes_value()) {
    if (o.completes_files()) {
      line += " -r -F";
    } else if (!o.choices.empty()) {
      line += std::string(" -x -a ") + fish_quote(join(o.choices, " "));
    } else {
      line += " -x";
    }
  }
  line += std::string(" -d ") + fish_quote(o.help) + "\n";
  return line;
}

}  // namespace

std::string render_bash_completion(const cli_catalog& catalog, std::string_view version) {
  std::vector<option_doc> top;
  std::vector<std::string> global_value_names;
  for (const option_doc& g : catalog.globals) {
    top.push_back(g);
    if (g.takes_value()) {
      std::vector<std::string> n = names_of(g);
      global_value_names.insert(global_value_names.end(), n.begin(), n.end());
    }
  }

  std::string out;
  out += "# bash completion for trop                                  -*- shell-script -*-\n";
  out += "# Generated by `trop completions bash` (trop ";
  out.append(version);
  out +=
      ") from the command definitions\n"
      "# the parser uses; regenerate it instead of editing it.\n"
      "\n"
      "# Plain word splitting rather than mapfile, so that bash 3.2 (macOS) works too.\n"
      "_trop_words() {\n"
      "    local IFS=$' \\t\\n'\n"
      "    COMPREPLY=($(compgen -W \"$1\" -- \"$cur\"))\n"
      "}\n"
      "\n"
      "# One name per line; globbing off so that names with * or ? stay as they are.\n"
      "_trop_files() {\n"
      "    local IFS=$'\\n' noglob=0\n"
      "    compopt -o filenames 2>/dev/null\n"
      "    [[ $- == *f* ]] && noglob=1\n"
      "    set -f\n"
      "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
      "    ((noglob)) || set +f\n"
      "}\n"
      "\n"
      "_trop() {\n"
      "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" opt=\"\" cmd=\"\" word i\n"
      "    COMPREPLY=()\n"
      "    # The option whose value is being completed (\"--opt value\" or \"--opt=value\").\n"
      "    if [[ \"$cur\" == \"=\" ]]; then\n"
      "        cur=\"\"\n"
      "        opt=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
      "    elif ((COMP_CWORD >= 2)) && [[ \"${COMP_WORDS[COMP_CWORD-1]}\" == \"=\" ]]; then\n"
      "        opt=\"${COMP_WORDS[COMP_CWORD-2]}\"\n"
      "    elif ((COMP_CWORD >= 1)); then\n"
      "        opt=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
      "    fi\n"
      "    # The subcommand: the first word that is neither an option nor the value\n"
      "    # of a global option.\n"
      "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "        word=\"${COMP_WORDS[i]}\"\n"
      "        case \"$word\" in\n";
  if (!global_value_names.empty()) {
    out += std::string("            ") + join(global_value_names, "|") + ")\n";
    out +=
        "                if [[ \"${COMP_WORDS[i+1]}\" == \"=\" ]]; then ((i += 2)); else ((i += "
        "1)); fi\n"
        "                ;;\n";
  }
  out +=
      "            -*) ;;\n"
      "            *)\n"
      "                cmd=\"$word\"\n"
      "                break\n"
      "                ;;\n"
      "        esac\n"
      "    done\n"
      "    case \"$cmd\" in\n"
      "        \"\")\n";
  bash_value_cases(out, top, "            ");
  out += "            if [[ \"$cur\" == -* ]]; then\n";
  out += std::string("                _trop_words \"") + join(all_names(top), " ") + "\"\n";
  out += "            else\n";
  out += std::string("                _trop_words \"") + join(command_names(catalog), " ") + "\"\n";
  out += "            fi\n            ;;\n";
  for (const command_doc& c : catalog.commands) {
    std::vector<option_doc> opts = options_of(catalog, c);
    out += std::string("        ") + c.name + ")\n";
    bash_value_cases(out, opts, "            ");
    out += "            if [[ \"$cur\" == -* ]]; then\n";
    out += std::string("                _trop_words \"") + join(all_names(opts), " ") + "\"\n";
    if (const option_doc* p = positional_of(c); p != nullptr) {
      if (p->completes_files()) {
        out += "            else\n                _trop_files\n";
      } else if (!p->choices.empty()) {
        out += std::string("            else\n                _trop_words \"") +
               join(p->choices, " ") + "\"\n";
      }
    }
    out += "            fi\n            ;;\n";
  }
  out +=
      "    esac\n"
      "    return 0\n"
      "}\n"
      "\n"
      "complete -F _trop trop\n";
  return out;
}

std::string render_zsh_completion(const cli_catalog& catalog, std::string_view version) {
  std::string out = "#compdef trop\n";
  out += "# zsh completion for trop. Generated by `trop completions zsh` (trop ";
  out.append(version);
  out +=
      ")\n"
      "# from the command definitions the parser uses; regenerate it instead of editing it.\n"
      "\n"
      "_trop() {\n"
      "    local curcontext=\"$curcontext\" state line ret=1\n"
      "    typeset -A opt_args\n";
  std::vector<std::string> top;
  for (const option_doc& g : catalog.globals) {
    std::vector<std::string> s = zsh_specs(g);
    top.insert(top.end(), s.begin(), s.end());
  }
  top.emplace_back("'1: :_trop_commands'");
  top.emplace_back("'*:: :->command'");
  out += "    _arguments -C -s -S \\\n";
  for (const std::string& s : top) {
    out += std::string("        ") + s + " \\\n";
  }
  out +=
      "        && ret=0\n"
      "    case $state in\n"
      "    (command)\n"
      "        curcontext=\"${curcontext%:*:*}:trop-command-$words[1]:\"\n"
      "        case $words[1] in\n";
  for (const command_doc& c : catalog.commands) {
    std::vector<std::string> specs;
    for (const option_doc& o : options_of(catalog, c)) {
      std::vector<std::string> s = zsh_specs(o);
      specs.insert(specs.end(), s.begin(), s.end());
    }
    int index = 0;
    for (const option_doc& o : c.options) {
      if (o.is_positional()) {
        ++index;
        // "N:message:action", "N::message:action" when optional.
        specs.push_back(sh_quote(std::to_string(index) + (o.required ? ":" : "::") +
                                 zsh_message(o.positional_name) + ":" + zsh_action(o)));
      }
    }
    out += std::string("        (") + c.name + ")\n";
    zsh_arguments(out, specs, "            ");
    out += "                && ret=0\n            ;;\n";
  }
  out +=
      "        esac\n"
      "        ;;\n"
      "    esac\n"
      "    return ret\n"
      "}\n"
      "\n"
      "(( $+functions[_trop_commands] )) ||\n"
      "_trop_commands() {\n"
      "    local -a commands\n"
      "    commands=(\n";
  for (const command_doc& c : catalog.commands) {
    out += std::string("        ") + sh_quote(zsh_message(c.name) + ":" + c.summary) + "\n";
  }
  out +=
      "    )\n"
      "    _describe -t commands 'trop command' commands \"$@\"\n"
      "}\n"
      "\n"
      "if [ \"$funcstack[1]\" = \"_trop\" ]; then\n"
      "    _trop \"$@\"\n"
      "else\n"
      "    compdef _trop trop\n"
      "fi\n";
  return out;
}

std::string render_fish_completion(const cli_catalog& catalog, std::string_view version) {
  std::vector<std::string> global_value_names;
  for (const option_doc& g : catalog.globals) {
    if (g.takes_value()) {
      std::vector<std::string> n = names_of(g);
      global_value_names.insert(global_value_names.end(), n.begin(), n.end());
    }
  }
  std::string out = "# fish completion for trop. Generated by `trop completions fish` (trop ";
  out.append(version);
  out +=
      ")\n"
      "# from the command definitions the parser uses; regenerate it instead of editing it.\n"
      "\n"
      "# Prints the subcommand: the first word that is neither an option nor the\n"
      "# value of a global option.\n"
      "function __trop_command\n"
      "    set -l tokens (commandline -opc)\n"
      "    set -e tokens[1]\n"
      "    set -l skip 0\n"
      "    for t in $tokens\n"
      "        if test $skip -eq 1\n"
      "            set skip 0\n"
      "            continue\n"
      "        end\n"
      "        switch $t\n";
  if (!global_value_names.empty()) {
    out += std::string("            case ") + join(global_value_names, " ") + "\n";
    out += "                set skip 1\n";
  }
  out +=
      "            case '-*'\n"
      "            case '*'\n"
      "                echo $t\n"
      "                return 0\n"
      "        end\n"
      "    end\n"
      "    return 1\n"
      "end\n"
      "\n"
      "function __trop_needs_command\n"
      "    not __trop_command >/dev/null\n"
      "end\n"
      "\n"
      "function __trop_using_command\n"
      "    set -l cmd (__trop_command)\n"
      "    and test \"$cmd\" = $argv[1]\n"
      "end\n"
      "\n"
      "complete -c trop -f\n";
  for (const command_doc& c : catalog.commands) {
    out += std::string("complete -c trop -n __trop_needs_command -a ") + fish_quote(c.name) +
           " -d " + fish_quote(c.summary) + "\n";
  }
  for (const option_doc& g : catalog.globals) {
    out += fish_option(g, "__trop_needs_command");
  }
  for (const command_doc& c : catalog.commands) {
    out += std::string("\n# trop ") + c.name + "\n";
    const std::string condition = std::string("__trop_using_command ") + c.name;
    for (const option_doc& o : options_of(catalog, c)) {
      out += fish_option(o, condition);
    }
    if (const option_doc* p = positional_of(c); p != nullptr) {
      if (p->completes_files()) {
        out += std::string("complete -c trop -n ") + fish_quote(condition) + " -F\n";
      } else if (!p->choices.empty()) {
        out += std::string("complete -c trop -n ") + fish_quote(condition) + " -a " +
               fish_quote(join(p->choices, " ")) + "\n";
      }
    }
  }
  return out;
}

}  // namespace trop::cli
