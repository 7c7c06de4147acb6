#include "cmd_scan.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <vector>

#include "exclusion_file.h"
#include "output.h"
#include "scan_output.h"
#include "store_access.h"
#include "trop/formats/exclusion_edit.h"
#include "trop/occupancy.h"

namespace trop::cli {
namespace {

using clock_type = std::chrono::steady_clock;

// A progress line on stderr for scans that take a while: only when stderr
// is a terminal (never in a pipe or a log), only once the scan has run for
// kDelay, refreshed at most every kRefresh, and erased when the scan ends
// so that it leaves nothing behind.
class progress_line {
 public:
  static constexpr std::chrono::milliseconds kDelay{300};
  static constexpr std::chrono::milliseconds kRefresh{100};

  progress_line(bool enabled, port_range range)
      : enabled_(enabled), range_(range), start_(clock_type::now()) {}
  ~progress_line() { finish(); }
  progress_line(const progress_line&) = delete;
  progress_line& operator=(const progress_line&) = delete;

  void update(std::uint32_t port) {
    if (!enabled_) {
      return;
    }
    const clock_type::time_point now = clock_type::now();
    if (now - start_ < kDelay || (width_ > 0 && now - last_ < kRefresh)) {
      return;
    }
    last_ = now;
    const std::uint32_t total = std::uint32_t{range_.max} - range_.min + 1;
    const std::uint32_t done = port - range_.min;
    std::string text = std::string("Scanning ports ") + std::to_string(range_.min) + "-" +
                       std::to_string(range_.max) + ": " + std::to_string(done) + " of " +
                       std::to_string(total) + " (" + std::to_string(done * 100 / total) + "%)";
    std::string line = std::string("\r") + text;
    if (text.size() < width_) {
      line.append(width_ - text.size(), ' ');
    }
    width_ = std::max(width_, text.size());
    write_stderr(line);
  }

  void finish() {
    if (width_ > 0) {
      write_stderr(std::string("\r") + std::string(width_, ' ') + "\r");
      width_ = 0;
    }
    enabled_ = false;
  }

 private:
  bool enabled_;
  port_range range_;
  clock_type::time_point start_;
  clock_type::time_point last_;
  std::size_t width_ = 0;  // of the longest line shown; 0 = nothing shown
};

}  // namespace

void setup_scan(option_sink& sink, scan_options& opts) {
  sink.number("--min", &opts.min, 65535, "PORT", "Lowest port to scan (overrides ports.min)");
  sink.number("--max", &opts.max, 65535, "PORT",
              "Highest port to scan (overrides ports.max and ports.max_offset)");
  sink.flag("--autoexclude", &opts.autoexclude,
            "Add every occupied, unreserved port to excluded_ports of the project's "
            "trop.local.yaml or trop.yaml (or, with --global, the user config.yaml)");
  sink.flag("--autocompact", &opts.autocompact,
            "With --autoexclude: compact the file's excluded_ports after adding ports");
  sink.flag("--global", &opts.global,
            "With --autoexclude: write to <data-dir>/config.yaml instead of the project's file");
  sink.choice("--format", &opts.format, {"table", "json", "csv", "tsv"},
              "Output format: table, json, csv or tsv (default table)");
  setup_occupancy_flags(sink, opts.occupancy, false);
}

int run_scan(const scan_options& opts, context& ctx) {
  // Parser-level checks first (exit 2), as clap's `requires` would do them.
  if (!opts.autoexclude) {
    if (opts.autocompact) {
      throw usage_failure("the argument '--autocompact' requires '--autoexclude'");
    }
    if (opts.global) {
      throw usage_failure("the argument '--global' requires '--autoexclude'");
    }
  }
  const scan_format format = parse_scan_format(opts.format.value_or("table"))
                                 .value_or(scan_format::table);  // the parser checked it

  config_needs needs;
  if (opts.min) {
    needs.command_line.port_min = static_cast<std::uint16_t>(*opts.min);
  }
  if (opts.max) {
    needs.command_line.port_max = static_cast<std::uint16_t>(*opts.max);
  }
  apply_occupancy_flags(opts.occupancy, &needs.command_line);
  ctx.set_config_needs(std::move(needs));
  // Exit 7 for --min 0 or min > max, as any other range problem (SPEC B §12.15).
  const effective_settings& settings = ctx.settings();
  const port_range range = settings.range();  // A.2 #3: max_offset honoured

  // The file to edit is known before the scan, so a missing project file
  // fails at once rather than after probing every port.
  std::string target;
  if (opts.autoexclude) {
    target = exclusion_target(ctx, opts.global);
  }

  store st = open_store(ctx);
  snapshot snap = read_snapshot(ctx, st);

  const occupancy_policy policy = settings.occupancy.policy();
  system_occupancy_probe probe;
  socket_owner_finder finder;
  std::set<std::string> noted;
  std::vector<std::string> notes;  // traced after the scan, not across the progress line
  std::vector<scan_row> rows;
  std::vector<std::string> warnings;
  {
    progress_line progress(!ctx.quiet() && ::isatty(STDERR_FILENO) == 1, range);
    for (std::uint32_t p = range.min; p <= range.max; ++p) {
      progress.update(p);
      const auto port = static_cast<std::uint16_t>(p);
      port_occupancy o = probe.check(port, policy);
      for (const std::string& n : o.notes) {
        if (noted.insert(n).second) {
          notes.push_back(n);  // each note once, not once per port
        }
      }
      if (o.state == occupancy_state::free) {
        continue;
      }
      result<bool> reserved = snap.is_reserved(port);
      if (!reserved) {
        fail(ctx, reserved.error());
      }
      for (probe_result& r : o.probes) {
        if (r.state == occupancy_state::free) {
          continue;
        }
        if (r.state == occupancy_state::unknown) {
          // A.2 #19: a probe that failed is reported, never fatal.
          warnings.push_back(std::string("port ") + std::to_string(p) + ": " + describe_probe(r) +
                             std::string(" failed: ") + r.error + "; reported as unknown");
        }
        scan_row row;
        row.port = port;
        row.reserved = *reserved;
        row.owner = finder.find(r, port);
        row.probe = std::move(r);
        rows.push_back(std::move(row));
      }
    }
  }
  for (const std::string& n : notes) {
    ctx.trace(n);
  }
  for (const std::string& w : warnings) {
    ctx.warn(w);
  }

  // Occupied (not merely unknown) ports that nobody reserved: what
  // --autoexclude adds and the closing line counts.
  std::vector<std::uint16_t> unreserved;
  for (const scan_row& r : rows) {
    if (!r.reserved && r.probe.state == occupancy_state::occupied &&
        (unreserved.empty() || unreserved.back() != r.port)) {
      unreserved.push_back(r.port);
    }
  }

  std::string added_line;
  std::string compacted_line;
  if (opts.autoexclude) {
    const std::optional<std::string> original = read_config_text(target);
    std::string text = original.value_or("");
    bool changed = false;
    for (std::uint16_t p : unreserved) {
      result<exclusion_edit_result> edited = add_exclusion(text, port_exclusion::single(p));
      if (!edited) {
        throw exclusion_edit_failure(edited.error(), target, exclusion_command::exclude);
      }
      changed = changed || edited->changed;
      text = std::move(edited->text);
    }
    if (opts.autocompact && !unreserved.empty()) {
      result<exclusion_edit_result> compacted = compact_exclusions(text);
      if (!compacted) {
        throw exclusion_edit_failure(compacted.error(), target, exclusion_command::compact);
      }
      if (compacted->changed) {
        changed = true;
        text = std::move(compacted->text);
        if (compacted->before.size() != compacted->after.size()) {
          compacted_line = std::string("Compacted ") + std::to_string(compacted->before.size()) +
                           std::string(" exclusions to ") + std::to_string(compacted->after.size());
        }
      }
    }
    if (changed) {
      write_config_atomically(target, text, opts.global ? 0600 : 0644, opts.global);
    }
    added_line =
        std::string("Added ") + std::to_string(unreserved.size()) + " exclusions to " + target;
  }

  write_stdout(render_scan(rows, format));
  if (!added_line.empty()) {
    ctx.info(added_line);
  }
  if (!compacted_line.empty()) {
    ctx.info(compacted_line);
  }
  if (!unreserved.empty()) {
    // Regardless of --quiet (SPEC B §12.15).
    write_stderr_line("");
    write_stderr_line(std::string("Found ") + std::to_string(unreserved.size()) +
                      " unreserved occupied port(s)");
  }
  return kExitOk;
}

}  // namespace trop::cli
