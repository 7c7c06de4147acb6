#include "cmd_list.h"

#include <vector>

#include "arguments.h"
#include "output.h"
#include "store_access.h"
#include "trop/formats/list_output.h"
#include "trop/paths.h"

namespace trop::cli {

void setup_list(option_sink& sink, list_options& opts) {
  sink.choice("--format", &opts.format, {"table", "json", "csv", "tsv"},
              "Output format: table, json, csv or tsv (default table)");
  sink.text("--filter-project", &opts.filter_project, "PROJECT",
            "Only reservations with exactly this project");
  sink.text("--filter-tag", &opts.filter_tag, "TAG", "Only reservations with exactly this tag");
  sink.path("--filter-path", &opts.filter_path,
            "Only reservations at or below this path (also matched after resolving symlinks)");
  sink.flag("--show-full-paths", &opts.show_full_paths, "Table: do not shorten paths to ~/...");
}

int run_list(const list_options& opts, context& ctx) {
  const effective_settings& settings = ctx.settings();  // configuration errors come first
  list_format format = list_format::table;
  switch (settings.output) {  // the default: output_format / TROP_OUTPUT_FORMAT
    case output_format::table:
      break;
    case output_format::json:
      format = list_format::json;
      break;
    case output_format::csv:
      format = list_format::csv;
      break;
    case output_format::tsv:
      format = list_format::tsv;
      break;
  }
  if (opts.format) {
    // The parser accepted only the four names.
    format = parse_list_format(*opts.format).value_or(list_format::table);
  }

  std::optional<std::string> filter_path;
  std::optional<std::string> canonical_filter;
  if (opts.filter_path) {
    filter_path = normalize_user_path(ctx, *opts.filter_path);
    // The secondary match (SPEC B §12.3) needs the filter's physical spelling.
    if (result<std::string> c = canonicalize(*filter_path)) {
      canonical_filter = std::move(*c);
    }
  }

  store st = open_store(ctx);
  snapshot snap = read_snapshot(ctx, st);

  std::vector<reservation> rows;
  rows.reserve(snap.size());
  auto keep = [&](const reservation& r) {
    if (opts.filter_project && (!r.project || *r.project != *opts.filter_project)) {
      return true;
    }
    if (opts.filter_tag && (!r.key.tag || *r.key.tag != *opts.filter_tag)) {
      return true;
    }
    if (filter_path && !is_path_within(r.key.path, *filter_path)) {
      if (!canonical_filter) {
        return true;
      }
      // Only records that do not match lexically pay for a realpath.
      result<std::string> c = canonicalize(r.key.path);
      if (!c || !is_path_within(*c, *canonical_filter)) {
        return true;
      }
    }
    rows.push_back(r);
    return true;
  };
  status s = snap.for_each(keep);
  if (!s) {
    fail(ctx, s);
  }

  list_render_options render;
  render.home = ctx.home().value_or("");
  render.show_full_paths = opts.show_full_paths;
  write_stdout(render_list(rows, format, render));
  return kExitOk;
}

}  // namespace trop::cli
