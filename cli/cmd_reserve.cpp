#include "cmd_reserve.h"

#include "arguments.h"
#include "errors.h"
#include "occupancy.h"
#include "output.h"
#include "store_access.h"
#include "trop/git_inference.h"
#include "trop/reserve.h"

namespace trop::cli {

reserve_hooks make_reserve_hooks(context& ctx) {
  reserve_hooks hooks;
  if (ctx.verbose()) {
    hooks.trace = [&ctx](std::string_view text) { ctx.trace(text); };
  }
  hooks.occupied = make_occupancy_check(ctx.settings(), hooks.trace);
  hooks.infer = [](const std::string& path) {  // A.2 #29: new keys get git inference
    git_facts g = infer_git_facts(path);
    return inferred_metadata{std::move(g.project), std::move(g.task)};
  };
  return hooks;
}

reserve_outcome reserve_in(context& ctx, write_transaction& txn, const reserve_request& req) {
  reserve_outcome out;
  status s = reserve(txn, req, make_reserve_hooks(ctx), &out);
  if (!s) {
    // The transaction is dropped unrolled: a cleanup done before the failed
    // retry is rolled back with it (SPEC B §9.3).
    fail(ctx, s);
  }
  return out;
}

void report_reserve_warnings(context& ctx, const reserve_outcome& out) {
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

namespace {

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
  sink.text("--project", &opts.project, "PROJECT", "Project recorded with the reservation");
  sink.flag("--clear-project", &opts.clear_project, "Record no project (no git inference)");
  sink.text("--task", &opts.task, "TASK", "Task recorded with the reservation");
  sink.flag("--clear-task", &opts.clear_task, "Record no task (no git inference)");
  sink.text("--port", &opts.port, "PORT", "Preferred port, 1..65535");
  sink.text("--min", &opts.min, "MIN", "Lowest port of the allocation range");
  sink.text("--max", &opts.max, "MAX", "Highest port of the allocation range");
  sink.flag("--overwrite", &opts.overwrite, "Re-allocate the port of an existing reservation");
  sink.flag("--ignore-occupied", &opts.ignore_occupied,
            "Take the preferred port even if it is in use");
  sink.flag("--ignore-exclusions", &opts.ignore_exclusions,
            "Take the preferred port even if it is excluded");
  sink.flag("--force", &opts.force,
            "Overwrite, ignore occupancy and exclusions for --port, allow an unrelated path and "
            "any project/task change");
  sink.flag("--allow-unrelated-path", &opts.allow_unrelated_path,
            "Allow a path that is not the cwd, an ancestor or a descendant of it");
  sink.flag("--allow-project-change", &opts.allow_project_change,
            "Allow changing the stored project");
  sink.flag("--allow-task-change", &opts.allow_task_change, "Allow changing the stored task");
  sink.flag("--allow-change", &opts.allow_change, "Allow changing the stored project and task");
  sink.flag("--disable-autoprune", &opts.disable_autoprune,
            "Do not prune stale reservations when the range is exhausted");
  sink.flag("--disable-autoexpire", &opts.disable_autoexpire,
            "Do not expire old reservations when the range is exhausted");
  sink.flag("--disable-autoclean", &opts.disable_autoclean,
            "Neither prune nor expire when the range is exhausted");
  sink.flag("--dry-run", &opts.dry_run, "Show what would be reserved; change nothing");
  setup_lease_flags(sink, opts.lease);
  setup_occupancy_flags(sink, opts.occupancy);
}

namespace {

// The subcommand's flags as the top configuration layer (SPEC B §4.7).
config_layer command_line_layer(const reserve_options& o) {
  config_layer l;
  if (o.min) {
    l.port_min = parse_port_argument(*o.min, "--min");
  }
  if (o.max) {
    l.port_max = parse_port_argument(*o.max, "--max");
  }
  if (l.port_min && l.port_max && *l.port_min > *l.port_max) {
    throw invalid_arguments("Invalid port range: min (" + std::to_string(*l.port_min) +
                            ") must be less than or equal to max (" + std::to_string(*l.port_max) +
                            ")");
  }
  if (o.project && o.clear_project) {
    throw usage_failure("the argument '--project <PROJECT>' cannot be used with '--clear-project'");
  }
  if (o.task && o.clear_task) {
    throw usage_failure("the argument '--task <TASK>' cannot be used with '--clear-task'");
  }
  l.project = o.project;
  l.clear_project = o.clear_project;
  l.task = o.task;
  l.clear_task = o.clear_task;
  if (o.allow_unrelated_path) {
    l.allow_unrelated_path = true;
  }
  if (o.allow_project_change) {
    l.allow_change_project = true;
  }
  if (o.allow_task_change) {
    l.allow_change_task = true;
  }
  if (o.allow_change) {
    l.allow_change = true;
  }
  if (o.disable_autoprune || o.disable_autoclean) {
    l.disable_autoprune = true;
  }
  if (o.disable_autoexpire || o.disable_autoclean) {
    l.disable_autoexpire = true;
  }
  apply_occupancy_flags(o.occupancy, &l);
  return l;
}

}  // namespace

reserve_request plan_reserve(const reserve_options& opts, context& ctx) {
  // Order of checks (SPEC B §12.1): config, path, tag, --port, then the guard
  // -- before the store is opened (not after the lock), so a refused command
  // never creates a store -- then store (3), lock (2), sticky (1), allocation (6).
  check_lease_flags(opts.lease);  // usage errors (exit 2) before anything is read
  config_needs needs;
  needs.command_line = command_line_layer(opts);  // --min/--max syntax first (exit 4)
  needs.uses_project_task = true;
  ctx.set_config_needs(std::move(needs));
  const effective_settings& settings = ctx.settings();
  reserve_request req;
  req.key.path = resolve_target_path(ctx, opts.path);
  req.key.tag = validated_tag(opts.tag);
  if (opts.port) {
    req.preferred = parse_port_argument(*opts.port, "--port");
  }
  enforce_path_guard(ctx, req.key.path,
                     opts.force || opts.allow_unrelated_path || settings.allow_unrelated_path);
  req.range = settings.range();
  req.excluded = settings.exclusions;
  req.project =
      configured_intent(settings.project, settings.project_cleared, settings.project_source());
  req.task = configured_intent(settings.task, settings.task_cleared, settings.task_source());
  req.overwrite = opts.overwrite;
  req.force = opts.force;
  req.ignore_occupied = opts.ignore_occupied;
  req.ignore_exclusions = opts.ignore_exclusions;
  req.allow_project_change = settings.may_change_project();
  req.allow_task_change = settings.may_change_task();
  req.prune_enabled = !settings.disable_autoprune;
  req.expire_enabled = !settings.disable_autoexpire;
  req.expire_after_days = settings.expire_after_days;
  req.now = env::posix()->now_unix();
  // After the path guard, before the store: a refused owner creates nothing.
  req.lease = lease_from_flags(opts.lease, req.now);
  return req;
}

reserve_outcome preview_reserve(context& ctx, const store& st, const reserve_request& req) {
  // A.2 #15: the real checks and allocation, on a snapshot, without the lock.
  write_transaction txn = begin_dry_run(ctx, st);
  std::optional<std::uint16_t> old_port;
  if (result<std::optional<reservation>> e = txn.view().find(req.key); e && *e) {
    old_port = (*e)->port;
  }
  reserve_outcome out = reserve_in(ctx, txn, req);
  ctx.info(dry_run_line(req, out, old_port));
  report_reserve_warnings(ctx, out);
  return out;
}

int run_reserve(const reserve_options& opts, context& ctx) {
  const reserve_request req = plan_reserve(opts, ctx);
  store st = open_store(ctx);
  if (opts.dry_run) {
    preview_reserve(ctx, st, req);
    return kExitOk;
  }

  // Lookup, allocation, put and commit under one lock: no window between
  // checking a port and taking it.
  write_transaction txn = begin_write(ctx, st);
  reserve_outcome out = reserve_in(ctx, txn, req);
  commit(ctx, txn);
  report_reserve_warnings(ctx, out);
  write_stdout(std::to_string(out.port) + "\n");
  return kExitOk;
}

}  // namespace trop::cli
