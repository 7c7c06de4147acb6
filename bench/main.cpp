// trop-bench: runs the requested modes, then prints the report (table or
// JSON) on stdout. Progress goes to stderr. See --help and bench/README.md.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string_view>

#include "modes.h"
#include "options.h"
#include "report.h"
#include "svg.h"
#include "worker.h"

namespace trop::bench {

void add_target(report& out, const std::string& name, double measured, double limit,
                const std::string& detail, bool higher_is_better) {
  table* t = nullptr;
  for (table& existing : out.tables) {
    if (existing.id == "targets") {
      t = &existing;
    }
  }
  if (t == nullptr) {
    out.tables.push_back(table{"targets",
                               "targets from the issue",
                               {{"target", "target"},
                                {"measured", "measured"},
                                {"limit", "limit"},
                                {"bound", "bound"},
                                {"verdict", "verdict"},
                                {"detail", "detail"}},
                               {},
                               {}});
    t = &out.tables.back();
  }
  const bool met = higher_is_better ? measured >= limit : measured <= limit;
  std::string verdict = met ? "met" : "missed by ";
  if (!met) {
    // How far off, as a share of the limit: 0.6 against ≥ 0.8 is 25% short.
    verdict += format_number(std::abs(measured / limit - 1.0) * 100.0, 0) + "%";
  }
  t->add_row(
      {name, cell(measured, 2), cell(limit, 2), higher_is_better ? "≥" : "≤", verdict, detail});
}

namespace {

int run(int argc, char** argv) {
  parsed_options parsed = parse_options(argc, argv);
  if (parsed.exit_code) {
    return *parsed.exit_code;
  }
  const bench_options& o = parsed.options;
  std::error_code ec;
  if (!std::filesystem::is_directory(o.tmp_root, ec)) {
    std::fprintf(stderr, "trop-bench: --tmp %s is not a directory\n", o.tmp_root.c_str());
    return 2;
  }
  progress prog(!o.quiet);
  report rep;
  rep.machine = describe_machine(o.tmp_root);
  std::string modes;
  for (const std::string& m : o.modes) {
    modes += modes.empty() ? m : " " + m;
  }
  rep.machine.set("modes", o.smoke ? modes + " (smoke: short runs + correctness checks)" : modes);
  rep.machine.set("durability",
                  std::string("latency: ") +=
                  (o.trop_durability.empty() ? "trop's default (full)" : o.trop_durability) +
                  "; scale: normal (reserve/release also full); txn: full and normal; "
                  "concurrent: each series in " +
                  (o.concurrent_durability.size() == 2 ? std::string("full and normal")
                                                       : o.concurrent_durability[0]) +
                  " (SQLite: synchronous=FULL / NORMAL)");

  mode_context ctx{o, rep, prog};
  std::string others;
  for (const std::string& m : o.modes) {
    cpu_meter meter;
    if (m == "latency") {
      run_latency(ctx);
    } else if (m == "scale") {
      run_scale(ctx);
    } else if (m == "txn") {
      run_txn(ctx);
    } else if (m == "concurrent") {
      run_concurrent(ctx);
    }
    const double share = meter.others_share();
    others += others.empty() ? "" : "; ";
    others += m + " " + (share < 0 ? std::string("unknown") : format_number(share * 100, 0) + "%");
  }
  rep.machine.set("cpu_used_by_others", others + " (of all cores, while each mode ran)");
  rep.machine.set("load_average_end", load_average());
  if (o.smoke) {
    // Short runs measure nothing worth judging: no verdicts, only correctness.
    std::erase_if(rep.tables, [](const table& t) { return t.id == "targets"; });
  }
  // The targets table reads best last, after the tables it summarises.
  std::stable_partition(rep.tables.begin(), rep.tables.end(),
                        [](const table& t) { return t.id != "targets"; });
  if (o.json) {
    print_json(rep, stdout);
  } else {
    print_text(rep, stdout);
  }
  if (!o.svg_file.empty()) {
    if (std::string err = write_svg(rep, o.svg_file); !err.empty()) {
      std::fprintf(stderr, "trop-bench: %s\n", err.c_str());
      return 1;
    }
    prog.note("chart written to " + o.svg_file);
  }
  if (!o.json_file.empty()) {
    std::FILE* f = std::fopen(o.json_file.c_str(), "w");
    if (f == nullptr) {
      std::fprintf(stderr, "trop-bench: cannot write %s\n", o.json_file.c_str());
      return 1;
    }
    print_json(rep, f);
    std::fclose(f);
  }
  return rep.errors.empty() && rep.violations.empty() ? 0 : 1;
}

}  // namespace
}  // namespace trop::bench

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "__worker") {
    return trop::bench::run_worker(argc, argv);  // a process of `concurrent`
  }
  return trop::bench::run(argc, argv);
}
