#include "cmd_reserve.h"

#include "allocation.h"
#include "arguments.h"
#include "output.h"
#include "store_access.h"

namespace trop::cli {
namespace {

struct reserve_plan {
  reservation record;
  bool is_new = false;
  bool moved = false;                           // an existing key gets a different port
  std::optional<port_block> preferred_blocked;  // the preferred port was passed over
  std::uint16_t preferred = 0;
};

// Decides what reserving `key` means on `snap` (SPEC B §9.2 steps 3-5).
// Runs inside the write transaction, or on a snapshot for --dry-run.
reserve_plan plan_reserve(context& ctx, const snapshot& snap, const reservation_key& key,
                          std::optional<std::uint16_t> preferred, const reserve_options& opts,
                          std::int64_t now) {
  result<std::optional<reservation>> existing = snap.find(key);
  if (!existing) {
    fail(ctx, existing.error());
  }
  const bool reallocate = opts.overwrite || opts.force;
  reserve_plan plan;
  if (*existing && !reallocate) {
    // Idempotent repeat: same port, fresh last_used_at. --port is only a hint.
    plan.record = **existing;
    plan.record.last_used_at = now;
    if (preferred && *preferred != plan.record.port) {
      ctx.trace("preferred port " + std::to_string(*preferred) + " ignored: " + to_display(key) +
                " already holds port " + std::to_string(plan.record.port) +
                " (use --overwrite to move it)");
    }
    return plan;
  }

  const effective_settings& s = ctx.settings();
  allocation_request req;
  req.range = s.range;
  req.excluded = &s.excluded_ports;
  req.preferred = preferred;
  if (*existing) {
    req.own_port = (*existing)->port;
  }
  req.ignore_exclusions = opts.force;
  req.ignore_occupied = opts.force;
  trace_fn trace;
  if (ctx.verbose()) {
    trace = [&ctx](std::string_view text) { ctx.trace(text); };
  }
  result<allocation_outcome> got = allocate(snap, req, ctx.probe(), trace);
  if (!got) {
    fail(ctx, got.error());
  }
  if (!got->port) {
    throw cli_error(kExitDomain, "port range " + std::to_string(s.range.min) + "-" +
                                     std::to_string(s.range.max) +
                                     " exhausted: remaining blockers: " + got->blockers);
  }
  plan.preferred_blocked = got->preferred_blocked;
  if (preferred) {
    plan.preferred = *preferred;
  }
  if (*existing) {
    plan.record = **existing;
    plan.moved = plan.record.port != *got->port;
  } else {
    plan.is_new = true;
    plan.record.key = key;
    plan.record.created_at = now;
  }
  plan.record.port = *got->port;
  plan.record.last_used_at = now;
  return plan;
}

void warn_preferred(context& ctx, const reserve_plan& plan) {
  if (plan.preferred_blocked) {
    ctx.warn("preferred port " + std::to_string(plan.preferred) + " is " +
             std::string(to_string(*plan.preferred_blocked)) + "; reserved " +
             std::to_string(plan.record.port) + " instead");
  }
}

}  // namespace

void setup_reserve(option_sink& sink, reserve_options& opts) {
  sink.path("--path", &opts.path, "Directory to reserve for (env TROP_PATH; default: cwd)");
  sink.text("--tag", &opts.tag, "TAG", "Tag distinguishing several ports of one directory");
  sink.text("--port", &opts.port, "PORT", "Preferred port, 1..65535");
  sink.flag("--allow-unrelated-path", &opts.allow_unrelated_path,
            "Allow a path that is not the cwd, an ancestor or a descendant of it");
  sink.flag("--overwrite", &opts.overwrite, "Re-allocate the port of an existing reservation");
  sink.flag("--force", &opts.force,
            "Overwrite, allow an unrelated path, and take an excluded or occupied preferred port");
  sink.flag("--dry-run", &opts.dry_run, "Show what would be reserved; change nothing");
}

int run_reserve(const reserve_options& opts, context& ctx) {
  // Order of checks (SPEC B §12.1): config, path, tag, --port, store, lock, guard, ...
  // except that the guard runs before the store is opened, so a refused
  // command never creates a store.
  const effective_settings& settings = ctx.settings();
  reservation_key key;
  key.path = resolve_target_path(ctx, opts.path);
  key.tag = validated_tag(opts.tag);
  std::optional<std::uint16_t> preferred;
  if (opts.port) {
    preferred = parse_port_argument(*opts.port);
  }
  enforce_path_guard(ctx, key.path,
                     opts.force || opts.allow_unrelated_path || settings.allow_unrelated_path);

  store st = open_store(ctx);
  const std::int64_t now = env::posix()->now_unix();

  if (opts.dry_run) {
    // A.2 #15: the real checks and allocation on a snapshot; no lock, no writes.
    snapshot snap = read_snapshot(ctx, st);
    reserve_plan plan = plan_reserve(ctx, snap, key, preferred, opts, now);
    std::string line = "Dry run - would ";
    if (plan.is_new) {
      line += "reserve port " + std::to_string(plan.record.port) + " for " + to_display(key);
    } else if (plan.moved) {
      line += "move " + to_display(key) + " to port " + std::to_string(plan.record.port);
    } else {
      line += "keep port " + std::to_string(plan.record.port) + " for " + to_display(key) +
              " (refreshing its last use)";
    }
    ctx.info(line);
    warn_preferred(ctx, plan);
    return kExitOk;
  }

  write_transaction txn = begin_write(ctx, st);
  reserve_plan plan = plan_reserve(ctx, txn.view(), key, preferred, opts, now);
  status put = txn.put(plan.record);
  if (!put) {
    fail(ctx, put);
  }
  commit(ctx, txn);
  warn_preferred(ctx, plan);
  write_stdout(std::to_string(plan.record.port) + "\n");
  return kExitOk;
}

}  // namespace trop::cli
