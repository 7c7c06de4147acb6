#include "cmd_autoclean.h"

#include "cleanup_run.h"

namespace trop::cli {

void setup_autoclean(option_sink& sink, autoclean_options& opts) {
  sink.number("--days", &opts.days, 0xFFFFFFFFu, "DAYS",
              "Expire reservations unused for more than this many days (default: "
              "cleanup.expire_after_days, 30)");
  sink.flag("--dry-run", &opts.dry_run, "Show what would be removed; change nothing");
}

int run_autoclean(const autoclean_options& opts, context& ctx) {
  config_needs needs;
  if (opts.days) {
    // 0 fails cleanup.expire_after_days validation: exit 7 (SPEC B §6).
    needs.command_line.expire_after_days = static_cast<std::uint32_t>(*opts.days);
  }
  ctx.set_config_needs(std::move(needs));
  const std::uint32_t days = ctx.settings().expire_after_days;
  if (opts.dry_run) {
    ctx.info("[DRY RUN] Performing combined cleanup...");
  }
  cleanup_request req;
  req.prune = true;
  req.expire = true;
  req.expire_after_days = days;
  req.now = env::posix()->now_unix();
  cleanup_plan plan = run_cleanup(ctx, req, opts.dry_run);

  warn_uninspectable(ctx, plan);
  const std::string head = std::string(opts.dry_run ? "[DRY RUN] Would remove " : "Removed ") +
                           std::to_string(plan.total()) + " total reservation(s)";
  const std::string pruned = std::to_string(plan.pruned.size());
  const std::string expired = std::to_string(plan.expired.size());
  if (ctx.verbose()) {
    ctx.info(head + ":");
    ctx.info("  Pruned: " + pruned + " (non-existent paths)");
    ctx.info("  Expired: " + expired + " (old reservations)");
    if (!plan.pruned.empty()) {
      ctx.info("");
      ctx.info("Pruned reservations:");
      for (const reservation& r : plan.pruned) {
        ctx.info(std::string("  - Port ") + std::to_string(r.port) + ": " +
                 listing_path(r.key.path));
      }
    }
    if (!plan.expired.empty()) {
      ctx.info("");
      ctx.info("Expired reservations:");
      for (const reservation& r : plan.expired) {
        ctx.info(std::string("  - Port ") + std::to_string(r.port) + ": " +
                 listing_path(r.key.path) + " (" + std::to_string(age_in_days(r, req.now)) +
                 " days old)");
      }
    }
  } else {
    ctx.info(head + " (pruned: " + pruned + ", expired: " + expired + ")");
  }
  print_quiet_count(ctx, plan.total());
  return kExitOk;
}

}  // namespace trop::cli
