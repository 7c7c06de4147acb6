#include "cmd_migrate.h"

#include "arguments.h"
#include "output.h"
#include "store_access.h"
#include "trop/migrate.h"

namespace trop::cli {
namespace {

std::string required(const std::optional<std::string>& value, std::string_view option) {
  if (!value) {
    throw usage_failure(
        "the following required arguments were not provided: " + std::string(option) + " <PATH>");
  }
  return *value;
}

// The plan display of SPEC B §12.21 step 4 (stderr, unless --quiet).
void show_plan(context& ctx, const migrate_request& req, const migrate_plan& plan) {
  ctx.info("Migration plan:");
  ctx.info("  From: " + req.from);
  ctx.info("  To:   " + req.to);
  ctx.info(std::string("  Mode: ") + (req.recursive ? "recursive" : "exact"));
  ctx.info("");
  if (plan.moves.empty()) {
    return;
  }
  ctx.info("Reservations to migrate (" + std::to_string(plan.moves.size()) + "):");
  for (const migrate_move& m : plan.moves) {
    std::string line =
        "  " + m.from.key.path + " -> " + m.to.key.path + " (port " + std::to_string(m.from.port);
    if (m.from.key.tag) {
      line += ", tag: " + *m.from.key.tag;
    }
    if (m.from.project) {
      line += ", project: " + *m.from.project;
    }
    ctx.info(line + ")");
  }
  ctx.info("");
  if (!plan.conflicts.empty()) {
    // Only reachable with --force: without it planning fails first.
    ctx.info("Conflicts at destination (" + std::to_string(plan.conflicts.size()) +
             ") (will be overwritten):");
    for (const reservation& c : plan.conflicts) {
      ctx.info("  " + c.key.path);
      if (c.key.tag) {
        ctx.info("    (tag: " + *c.key.tag + ")");
      }
    }
    ctx.info("");
  }
}

migrate_plan plan_or_fail(context& ctx, const snapshot& snap, const migrate_request& req) {
  result<migrate_plan> plan = plan_migrate(snap, req);
  if (!plan) {
    fail(ctx, plan.error());
  }
  return std::move(*plan);
}

}  // namespace

void setup_migrate(option_sink& sink, migrate_options& opts) {
  sink.path("--from", &opts.from, "Path whose reservations move (required)");
  sink.path("--to", &opts.to, "Path they move to; need not exist (required)");
  sink.flag("--recursive", &opts.recursive, "Also move every path below --from");
  sink.flag("--force", &opts.force, "Replace reservations already at the destination");
  sink.flag("--dry-run", &opts.dry_run, "Show the plan; change nothing");
}

int run_migrate(const migrate_options& opts, context& ctx) {
  std::string from_arg = required(opts.from, "--from");
  std::string to_arg = required(opts.to, "--to");
  ctx.settings();  // Discover scope (SPEC B §4.3): configuration errors come first
  migrate_request req;
  // Both explicit (SPEC B §5.3): normalized, never canonicalized; no path guard.
  req.from = normalize_user_path(ctx, from_arg);
  req.to = normalize_user_path(ctx, to_arg);
  req.recursive = opts.recursive;
  req.force = opts.force;

  store st = open_store(ctx);
  if (opts.dry_run) {
    // A.1: a dry-run plans on a snapshot; no lock, nothing created.
    snapshot snap = read_snapshot(ctx, st);
    migrate_plan plan = plan_or_fail(ctx, snap, req);
    show_plan(ctx, req, plan);
    if (plan.moves.empty()) {
      ctx.info("No reservations to migrate.");
      return kExitOk;
    }
    ctx.info("Dry run - no changes made.");
    return kExitOk;
  }

  // Plan, apply and commit under one lock: the plan cannot go stale.
  write_transaction txn = begin_write(ctx, st);
  migrate_plan plan = plan_or_fail(ctx, txn.view(), req);
  show_plan(ctx, req, plan);
  if (plan.moves.empty()) {
    txn.abort();
    ctx.info("No reservations to migrate.");
  } else {
    for (const migrate_move& m : plan.moves) {
      ctx.trace("moving " + to_display(m.from.key) + " to " + to_display(m.to.key));
    }
    status s = apply_migrate(txn, plan);
    if (!s) {
      fail(ctx, s);
    }
    commit(ctx, txn);
    ctx.info("Migration complete:");
    ctx.info("  Migrated: " + std::to_string(plan.moves.size()) + " reservation(s)");
    if (!plan.conflicts.empty()) {
      ctx.info("  Conflicts resolved: " + std::to_string(plan.conflicts.size()));
    }
  }
  if (ctx.quiet()) {
    // SPEC B §12.21: with --quiet the destination is the result, even when
    // nothing moved.
    write_stdout(req.to + "\n");
  }
  return kExitOk;
}

}  // namespace trop::cli
