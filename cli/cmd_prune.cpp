#include "cmd_prune.h"

#include "cleanup_run.h"

namespace trop::cli {

void setup_prune(option_sink& sink, prune_options& opts) {
  sink.flag("--dry-run", &opts.dry_run, "Show what would be removed; change nothing");
}

int run_prune(const prune_options& opts, context& ctx) {
  ctx.settings();  // configuration errors (exit 7) before anything else
  const std::string prefix = opts.dry_run ? "[DRY RUN] Would remove " : "Removed ";
  if (opts.dry_run) {
    // Printed before the store is opened (SPEC B §12.6).
    ctx.info("[DRY RUN] Scanning for reservations with non-existent paths...");
  }
  cleanup_request req;
  req.prune = true;
  req.now = env::posix()->now_unix();
  cleanup_plan plan = run_cleanup(ctx, req, opts.dry_run);

  warn_uninspectable(ctx, plan);
  const std::string count = std::to_string(plan.pruned.size());
  if (ctx.verbose() && !plan.pruned.empty()) {
    ctx.info(prefix + count + " reservation(s):");
    for (const reservation& r : plan.pruned) {
      ctx.info(std::string("  - Port ") + std::to_string(r.port) + ": " + listing_path(r.key.path) +
               " (tag: " + listing_value(r.key.tag) + ", project: " + listing_value(r.project) +
               ")");
    }
  } else {
    ctx.info(prefix + count + " reservation(s) for non-existent paths");
  }
  print_quiet_count(ctx, plan.pruned.size());
  return kExitOk;
}

}  // namespace trop::cli
