#include "cmd_expire.h"

#include "cleanup_run.h"

namespace trop::cli {

void setup_expire(option_sink& sink, expire_options& opts) {
  sink.number("--days", &opts.days, 0xFFFFFFFFu, "DAYS",
              "Remove reservations unused for more than this many days (default: "
              "cleanup.expire_after_days, 30)");
  sink.flag("--dry-run", &opts.dry_run, "Show what would be removed; change nothing");
}

int run_expire(const expire_options& opts, context& ctx) {
  // --days is the top layer of cleanup.expire_after_days, so 0 fails the
  // configuration's own rule (exit 7, naming the field and <command line>).
  config_needs needs;
  if (opts.days) {
    needs.command_line.expire_after_days = static_cast<std::uint32_t>(*opts.days);
  }
  ctx.set_config_needs(std::move(needs));
  const std::uint32_t days = ctx.settings().expire_after_days;
  const std::string days_text = std::to_string(days);
  if (opts.dry_run) {
    ctx.info("[DRY RUN] Scanning for reservations unused for " + days_text + " days...");
  }
  cleanup_request req;
  req.expire = true;
  req.expire_after_days = days;
  req.now = env::posix()->now_unix();
  cleanup_plan plan = run_cleanup(ctx, req, opts.dry_run);

  const std::string summary = std::string(opts.dry_run ? "[DRY RUN] Would expire " : "Expired ") +
                              std::to_string(plan.expired.size()) + " reservation(s) older than " +
                              days_text + " days";
  if (ctx.verbose() && !plan.expired.empty()) {
    ctx.info(summary + ":");
    for (const reservation& r : plan.expired) {
      ctx.info(std::string("  - Port ") + std::to_string(r.port) + ": " + listing_path(r.key.path) +
               " (" + std::to_string(age_in_days(r, req.now)) +
               " days old, project: " + listing_value(r.project) + ")");
    }
  } else {
    ctx.info(summary);
  }
  print_quiet_count(ctx, plan.expired.size());
  return kExitOk;
}

}  // namespace trop::cli
