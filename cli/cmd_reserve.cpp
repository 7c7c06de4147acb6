#include "cmd_reserve.h"

#include "arguments.h"
#include "occupancy.h"
#include "output.h"
#include "store_access.h"
#include "trop/reserve.h"

namespace trop::cli {
namespace {

// Runs the engine's reserve operation (SPEC B §9.2, §9.3) in `txn`; maps failures.
reserve_outcome reserve_in(context& ctx, write_transaction& txn, const reserve_request& req) {
  reserve_hooks hooks;
  hooks.occupied = make_occupancy_check(ctx.settings());
  if (ctx.verbose()) {
    hooks.trace = [&ctx](std::string_view text) { ctx.trace(text); };
  }
  reserve_outcome out;
  status s = reserve(txn, req, hooks, &out);
  if (!s) {
    // The transaction is dropped unrolled: a cleanup done before the failed
    // retry is rolled back with it (SPEC B §9.3).
    fail(ctx, s);
  }
  return out;
}

void report_warnings(context& ctx, const reserve_outcome& out) {
  if (out.preferred_warning) {
    ctx.warn(*out.preferred_warning);
  }
  if (out.cleanup) {
    ctx.warn("Automatic cleanup after initial port exhaustion pruned " +
             std::to_string(out.cleanup->pruned.size()) + " and expired " +
             std::to_string(out.cleanup->expired.size()) +
             " reservation(s); allocation succeeded on the single retry.");
  }
}

std::string dry_run_line(const reserve_request& req, const reserve_outcome& out,
                         std::optional<std::uint16_t> old_port) {
  const std::string key = to_display(req.key);
  const std::string port = std::to_string(out.port);
  switch (out.what) {
    case reserve_outcome::action::created:
      return "Dry run - would reserve port " + port + " for " + key;
    case reserve_outcome::action::reallocated:
      if (old_port && *old_port != out.port) {
        return "Dry run - would move " + key + " from port " + std::to_string(*old_port) +
               " to port " + port;
      }
      return "Dry run - would keep port " + port + " for " + key + " (re-allocated)";
    case reserve_outcome::action::metadata_updated:
      return "Dry run - would keep port " + port + " for " + key + " and update its metadata";
    case reserve_outcome::action::refreshed:
      break;
  }
  return "Dry run - would keep port " + port + " for " + key + " (refreshing its last use)";
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
  // Order of checks (SPEC B §12.1): config, path, tag, --port, then the guard
  // -- before the store is opened (not after the lock), so a refused command
  // never creates a store -- then store (3), lock (2), sticky (1), allocation (6).
  const effective_settings& settings = ctx.settings();
  reserve_request req;
  req.key.path = resolve_target_path(ctx, opts.path);
  req.key.tag = validated_tag(opts.tag);
  if (opts.port) {
    req.preferred = parse_port_argument(*opts.port);
  }
  enforce_path_guard(ctx, req.key.path,
                     opts.force || opts.allow_unrelated_path || settings.allow_unrelated_path);
  req.range = settings.range;
  req.excluded = settings.excluded_ports;
  req.overwrite = opts.overwrite;
  req.force = opts.force;
  req.prune_enabled = !settings.disable_autoprune;
  req.expire_enabled = !settings.disable_autoexpire;
  req.expire_after_days = settings.expire_after_days;
  req.now = env::posix()->now_unix();

  store st = open_store(ctx);
  if (opts.dry_run) {
    // A.2 #15: the real checks and allocation, on a snapshot, without the lock.
    write_transaction txn = begin_dry_run(ctx, st);
    std::optional<std::uint16_t> old_port;
    if (result<std::optional<reservation>> e = txn.view().find(req.key); e && *e) {
      old_port = (*e)->port;
    }
    reserve_outcome out = reserve_in(ctx, txn, req);
    ctx.info(dry_run_line(req, out, old_port));
    report_warnings(ctx, out);
    return kExitOk;
  }

  // Lookup, allocation, put and commit under one lock: no window between
  // checking a port and taking it.
  write_transaction txn = begin_write(ctx, st);
  reserve_outcome out = reserve_in(ctx, txn, req);
  commit(ctx, txn);
  report_warnings(ctx, out);
  write_stdout(std::to_string(out.port) + "\n");
  return kExitOk;
}

}  // namespace trop::cli
