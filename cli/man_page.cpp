#include "man_page.h"

#include <utility>
#include <vector>

namespace trop::cli {
namespace {

// Text that is not generated from the option declarations: what the
// contract says about exit codes (SPEC B §3), the environment (§4.8) and
// the files (A.1, §4.2).
constexpr std::pair<const char*, const char*> kExitStatus[] = {
    {"0", "Success."},
    {"1",
     "A semantic failure: a failed assert-* check, an invalid file in validate, a sticky-field "
     "or path-relationship violation."},
    {"2", "A command-line usage error, or the wait for the store's write lock timed out."},
    {"3", "The store does not exist and automatic initialisation is disabled."},
    {"4", "Invalid arguments found by trop (a bad port, an empty tag, a missing file...)."},
    {"5",
     "An I/O error of the command itself: the working directory, standard output, or a "
     "configuration file read or written by exclude, scan --autoexclude or compact-exclusions."},
    {"6",
     "Any other failure: port range exhausted, conflicts, store corruption, an unsupported store "
     "version, store I/O, a bad explicit path."},
    {"7", "A configuration error: YAML, unknown keys, invalid values, invalid TROP_* variables."},
};

constexpr std::pair<const char*, const char*> kEnvironment[] = {
    {"TROP_DATA_DIR",
     "The data directory, as --data-dir (which wins). An empty value is a usage error."},
    {"TROP_PATH", "The default --path of reserve, release and assert-reservation."},
    {"TROP_PROJECT, TROP_TASK",
     "Project and task of new reservations (reserve, reserve-group, autoreserve)."},
    {"TROP_BUSY_TIMEOUT, TROP_MAXIMUM_LOCK_WAIT_SECONDS",
     "Seconds a writer waits for the lock (the first wins), as --busy-timeout."},
    {"TROP_DURABILITY", "full or normal, as --durability."},
    {"TROP_DISABLE_AUTOINIT, TROP_DISABLE_AUTOPRUNE, TROP_DISABLE_AUTOEXPIRE",
     "Booleans: never create a missing store; no automatic prune / expire when a range is "
     "exhausted."},
    {"TROP_PORT_MIN, TROP_PORT_MAX, TROP_PORT_MAX_OFFSET",
     "The allocation range (ports.min, ports.max, ports.max_offset; the offset wins over the "
     "maximum)."},
    {"TROP_EXCLUDED_PORTS", "Comma-separated ports (N) and ranges (A..B) added to excluded_ports."},
    {"TROP_EXPIRE_AFTER_DAYS", "Days after which expire removes an unused reservation."},
    {"TROP_OUTPUT_FORMAT", "The default format of list: table, json, csv or tsv."},
    {"TROP_ALLOW_UNRELATED_PATH, TROP_ALLOW_PROJECT_CHANGE, TROP_ALLOW_TASK_CHANGE, "
     "TROP_ALLOW_CHANGE",
     "Booleans relaxing the path-relationship guard and the sticky project and task "
     "(TROP_ALLOW_CHANGE_PROJECT and TROP_ALLOW_CHANGE_TASK are accepted as aliases)."},
    {"TROP_SKIP_OCCUPANCY_CHECK, TROP_SKIP_IPV4, TROP_SKIP_IPV6, TROP_SKIP_TCP, TROP_SKIP_UDP, "
     "TROP_CHECK_ALL_INTERFACES",
     "Booleans shaping the occupancy probes (occupancy_check in the configuration)."},
    {"HOME", "The default data directory ~/.trop, ~ in paths, and ~/ shortening in list."},
    {"ZSH_VERSION, FISH_VERSION, PSModulePath, SHELL",
     "The shell of the export format of reserve-group and autoreserve, when --shell is not "
     "given."},
};

constexpr std::pair<const char*, const char*> kFiles[] = {
    {"~/.trop/",
     "The data directory (mode 0700), unless --data-dir or TROP_DATA_DIR names another."},
    {"~/.trop/trop.db", "The store image: the last checkpoint of every reservation."},
    {"~/.trop/trop.db-wal", "The write-ahead log of the transactions since that checkpoint."},
    {"~/.trop/trop.db-lock", "The lock file that serialises writers."},
    {"~/.trop/config.yaml", "The user configuration (lowest-precedence file)."},
    {"trop.yaml, trop.local.yaml",
     "Project configuration, found in the working directory or the nearest ancestor that has "
     "either; trop.local.yaml wins over trop.yaml."},
};

// "\fB\-q\fR, \fB\-\-quiet\fR \fIVALUE\fR"
std::string option_tag(const option_doc& o) {
  std::string out;
  auto add_name = [&](const std::string& n) {
    if (!out.empty()) {
      out += ", ";
    }
    out += std::string("\\fB") + roff_escape(n) + "\\fR";
  };
  for (const std::string& n : o.short_names) {
    add_name(n);
  }
  for (const std::string& n : o.long_names) {
    add_name(n);
  }
  if (o.takes_value()) {
    out += std::string(" \\fI") + roff_escape(o.value_name) + "\\fR";
  }
  return out;
}

void tagged_paragraph(std::string& out, const std::string& tag, std::string_view body) {
  out += std::string(".TP\n") + tag + "\n" + roff_escape(body) + "\n";
}

void option_list(std::string& out, const std::vector<option_doc>& options) {
  for (const option_doc& o : options) {
    if (o.is_positional()) {
      tagged_paragraph(out, std::string("\\fI") + roff_escape(o.positional_name) + "\\fR", o.help);
      if (!o.choices.empty()) {
        std::string values;
        for (const std::string& c : o.choices) {
          values += values.empty() ? c : std::string(", ") + c;
        }
        out += std::string("One of: ") + roff_escape(values) + ".\n";
      }
      continue;
    }
    tagged_paragraph(out, option_tag(o), o.help);
  }
}

}  // namespace

std::string roff_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) {
    out.insert(0, "\\&");
  }
  return out;
}

std::string render_man_page(const cli_catalog& catalog, std::string_view version) {
  const std::string v = roff_escape(version);
  std::string out;
  out += std::string(".\\\" Generated from trop's command definitions (trop ") + v +
         "); do not edit.\n";
  out += std::string(".TH TROP 1 \"\" \"trop ") + v + "\" \"User Commands\"\n";
  out +=
      ".SH NAME\n"
      "trop \\- sticky TCP/UDP port reservations for directories, safe under concurrency\n"
      ".SH SYNOPSIS\n"
      ".B trop\n"
      "[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]\n"
      ".br\n"
      ".B trop\n"
      "\\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR\n"
      ".SH DESCRIPTION\n"
      "\\fBtrop\\fR hands out TCP/UDP port numbers so that many processes on one machine "
      "(parallel worktrees, coding agents, test runners, build systems) never collide.\n"
      "\\fBPORT=$(trop reserve)\\fR gives the current directory a sticky port: repeated calls "
      "return the same port, and reservations go away when their directory does (\\fBprune\\fR) "
      "or when unused for a number of days (\\fBexpire\\fR).\n"
      ".PP\n"
      "Reservations live in a store in the data directory; writers take an exclusive lock, "
      "readers never wait for it. Configuration comes from built\\-in defaults, the user file "
      "config.yaml, the project files trop.yaml and trop.local.yaml, TROP_* environment "
      "variables and the command line, each overriding the one before.\n"
      ".PP\n"
      "Standard output carries only results (a port, a table, JSON); every message goes to "
      "standard error. A failed command writes one line \\fBError: \\fR\\fImessage\\fR and "
      "leaves the store and every file as they were.\n"
      ".SH GLOBAL OPTIONS\n"
      "Accepted before or after the command.\n";
  option_list(out, catalog.globals);
  out += ".SH COMMANDS\n";
  for (const command_doc& c : catalog.commands) {
    out += std::string(".SS \"") + roff_escape(c.name) + "\"\n";
    // The usage line, as the parser shows it.
    out += std::string(".B trop ") + roff_escape(c.name) + "\n";
    std::string usage = "[\\fIOPTIONS\\fR]";
    for (const option_doc& o : c.options) {
      if (o.is_positional()) {
        std::string arg = std::string("\\fI") + roff_escape(o.positional_name) + "\\fR";
        usage += std::string(" ") + (o.required ? arg : std::string("[") + arg + "]");
      }
    }
    out += usage + "\n.PP\n" + roff_escape(c.summary) + ".\n";
    option_list(out, c.options);
  }
  out += ".SH EXIT STATUS\n";
  for (const auto& [code, text] : kExitStatus) {
    tagged_paragraph(out, std::string(".B ") + code, text);
  }
  out += ".SH ENVIRONMENT\n";
  out +=
      "Booleans accept true, 1, yes, on and false, 0, no, off (any case). Invalid values are "
      "configuration errors (exit 7).\n";
  for (const auto& [name, text] : kEnvironment) {
    tagged_paragraph(out, std::string(".B ") + roff_escape(name), text);
  }
  out += ".SH FILES\n";
  for (const auto& [name, text] : kFiles) {
    tagged_paragraph(out, std::string(".I ") + roff_escape(name), text);
  }
  out +=
      ".SH SEE ALSO\n"
      "\\fBtrop completions\\fR \\fIbash\\fR|\\fIzsh\\fR|\\fIfish\\fR for shell completion "
      "scripts; \\fBtrop\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR for one command's options.\n";
  return out;
}

}  // namespace trop::cli
