#include "group_command.h"

#include <sys/stat.h>

#include <cstdlib>
#include <vector>

#include "arguments.h"
#include "cmd_reserve.h"
#include "output.h"
#include "store_access.h"
#include "trop/formats/config_loader.h"
#include "trop/formats/text_escape.h"
#include "trop/paths.h"

namespace trop::cli {
namespace {

std::string parent_dir(const std::string& file) {
  std::size_t slash = file.find_last_of('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? std::string("/") : file.substr(0, slash);
}

cli_error domain_failure(std::string message) {
  return {kExitDomain, std::move(message)};
}

shell_kind chosen_shell(const group_options& opts) {
  if (!opts.shell) {
    return detect_shell([](const char* name) { return std::getenv(name); });
  }
  result<shell_kind> s = parse_shell(*opts.shell);
  if (!s) {
    // "validation error for 'shell': unknown shell type ..." is exit 6 (SPEC B §12.4 f).
    throw domain_failure(s.error().message());
  }
  return *s;
}

}  // namespace

void setup_group_options(option_sink& sink, group_options& opts) {
  sink.text("--task", &opts.task, "TASK",
            "Task recorded with the group (env TROP_TASK); omitted: keep the stored one");
  sink.text("--format", &opts.format, "export|json|dotenv|human", "Output format (default export)");
  sink.text("--shell", &opts.shell, "SHELL",
            "Shell for --format export: bash, zsh, fish, powershell (default: detected)");
  sink.flag("--force", &opts.force,
            "Replace an incompatible stored group; allow an unrelated path and any project/task "
            "change");
  sink.flag("--allow-unrelated-path", &opts.allow_unrelated_path,
            "Allow a group directory that is not the cwd, an ancestor or a descendant of it");
  sink.flag("--allow-project-change", &opts.allow_project_change,
            "Allow changing the stored project");
  sink.flag("--allow-task-change", &opts.allow_task_change, "Allow changing the stored task");
  sink.flag("--allow-change", &opts.allow_change, "Allow changing the stored project and task");
  sink.flag("--dry-run", &opts.dry_run,
            "Plan the group on a snapshot and show it on stderr; change nothing");
  setup_occupancy_flags(sink, opts.occupancy);
}

group_format parsed_group_format(const group_options& opts) {
  if (!opts.format) {
    return group_format::export_vars;
  }
  std::optional<group_format> f = parse_group_format(*opts.format);
  if (!f) {
    throw usage_failure("invalid value '" + *opts.format +
                        "' for '--format <FORMAT>' [possible values: export, json, dotenv, "
                        "human]");
  }
  return *f;
}

config_layer group_command_line_layer(const group_options& o) {
  config_layer l;
  l.task = o.task;
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
  apply_occupancy_flags(o.occupancy, &l);
  return l;
}

void use_group_file(context& ctx, const std::string& arg, const group_options& opts) {
  // Early argument checks (SPEC B §12.4 a), before any configuration is read.
  // The argument is an explicit path (B §5.3): normalized, not canonicalized.
  std::string file = normalize_user_path(ctx, arg);
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    throw invalid_arguments("Configuration file not found: " + arg);
  }
  if (!S_ISREG(st.st_mode)) {
    throw invalid_arguments("Path is not a file: " + arg);
  }

  // ExplicitProject scope (B §4.2, §4.3): no cwd walk; trop.yaml and
  // trop.local.yaml bring their sibling, any other name is loaded alone.
  config_needs needs;
  needs.scope = config_scope::explicit_project;
  needs.explicit_file = file;
  needs.command_line = group_command_line_layer(opts);
  needs.uses_project_task = true;
  ctx.set_config_needs(std::move(needs));
}

void use_discovered_group(context& ctx, const group_options& opts) {
  // Discovery as the configuration does it (SPEC B §4.2): from the canonical
  // cwd up to the root, the first directory holding either project file.
  const std::string& cwd = ctx.canonical_cwd();
  if (!discover_project_files(cwd)) {
    throw invalid_arguments("No trop configuration file found (searched from: " + cwd + ")");
  }
  config_needs needs;
  needs.scope = config_scope::discover;
  needs.command_line = group_command_line_layer(opts);
  needs.uses_project_task = true;
  ctx.set_config_needs(std::move(needs));
}

effective_group resolve_effective_group(context& ctx) {
  const effective_settings& settings = ctx.settings();
  if (!settings.group) {
    throw domain_failure(
        "validation error for 'reservations': Effective configuration does not contain a "
        "reservation group");
  }
  // Group identity (SPEC B §5.3): the canonical directory of the file that
  // supplied the winning `reservations` (trop.local.yaml when it overrides).
  result<std::string> group_dir = canonicalize(parent_dir(settings.group_file));
  if (!group_dir) {
    throw path_failure(group_dir.error());
  }
  ctx.trace("group from " + settings.group_file + " at " + *group_dir);
  return {&*settings.group, std::move(*group_dir)};
}

group_plan plan_group(const group_options& opts, context& ctx, const effective_group& eg) {
  const effective_settings& settings = ctx.settings();
  const reservation_group& group = *eg.group;
  // Everything that can refuse the group is checked before the store is
  // opened: a refused command never creates a store (as reserve does).
  if (group.services.empty()) {
    throw domain_failure(
        "validation error for 'reservations.services': Reservation group must contain at least "
        "one service");
  }
  enforce_path_guard(ctx, eg.dir,
                     opts.force || opts.allow_unrelated_path || settings.allow_unrelated_path);

  // Identifier safety (SPEC B §4.6, A.3): every name is valid, short enough
  // and unique ignoring case before anything is printed or stored. The
  // configuration checked this already (exit 7); this guards the output
  // itself, and its messages never echo a tag or a name.
  std::vector<group_env_source> names;
  names.reserve(group.services.size());
  for (const service_def& s : group.services) {
    names.push_back({s.tag, s.env ? std::optional<std::string_view>(*s.env) : std::nullopt});
  }
  result<std::vector<std::string>> resolved = resolve_group_env_names(names);
  if (!resolved) {
    throw domain_failure(resolved.error().message());
  }

  const port_range range = settings.range();
  group_plan plan;
  plan.env_names = std::move(*resolved);
  group_request& req = plan.req;
  req.path = eg.dir;
  req.range = range;
  if (group.base) {
    if (!range.contains(*group.base)) {
      throw domain_failure("validation error for 'reservations.base': Base port " +
                           std::to_string(*group.base) + " must be within port range " +
                           std::to_string(range.min) + ".." + std::to_string(range.max));
    }
    req.range.min = *group.base;  // R_g = [base, effective max] (SPEC B §9.4)
  }
  for (const service_def& s : group.services) {
    req.services.push_back({std::string(trim_whitespace(s.tag)), s.offset, s.preferred});
  }
  req.excluded = settings.exclusions;
  req.project = configured_intent(settings.project, false, settings.project_source());
  req.task = configured_intent(settings.task, false, settings.task_source());
  req.force = opts.force;
  req.allow_project_change = settings.may_change_project();
  req.allow_task_change = settings.may_change_task();
  req.now = env::posix()->now_unix();
  return plan;
}

group_outcome reserve_group_in(context& ctx, write_transaction& txn, const group_request& req) {
  group_outcome out;
  if (status s = reserve_group(txn, req, make_reserve_hooks(ctx), &out); !s) {
    fail(ctx, s);  // the transaction is dropped: stored records are as they were
  }
  return out;
}

std::vector<group_port> ports_in_file_order(const reservation_group& group,
                                            const group_outcome& out) {
  std::vector<group_port> ports;
  ports.reserve(group.services.size());
  for (const service_def& s : group.services) {
    auto it = out.ports.find(std::string(trim_whitespace(s.tag)));
    if (it == out.ports.end()) {
      throw domain_failure("internal error: the group operation left a service without a port");
    }
    ports.push_back({s.tag, s.env, it->second});
  }
  return ports;
}

void show_group_dry_run(context& ctx, const std::string& source, const std::string& group_dir,
                        const group_outcome& out) {
  std::string what;
  switch (out.what) {
    case group_outcome::action::created:
      what = "reserve a new group";
      break;
    case group_outcome::action::refreshed:
      what = "refresh the existing group (ports kept)";
      break;
    case group_outcome::action::replaced:
      what = "replace the incompatible group";
      break;
  }
  ctx.info("Dry run - would " + what + " of " + std::to_string(out.ports.size()) +
           " service(s) at " + group_dir + " from " + source + ":");
  for (const auto& [tag, port] : out.ports) {
    ctx.info("  " + escape_tsv_field(tag) + ": " + std::to_string(port));
  }
}

int run_group(const group_options& opts, group_format format, context& ctx,
              const std::string& source) {
  const effective_group eg = resolve_effective_group(ctx);
  shell_kind shell = shell_kind::bash;
  if (format == group_format::export_vars) {
    shell = chosen_shell(opts);
  }
  const group_plan plan = plan_group(opts, ctx, eg);

  store st = open_store(ctx);
  // Plan, render and commit under one lock; a dry-run plans the same way on a
  // snapshot without the lock and never commits.
  write_transaction txn = opts.dry_run ? begin_dry_run(ctx, st) : begin_write(ctx, st);
  const group_outcome out = reserve_group_in(ctx, txn, plan.req);
  // Rendered before the commit: a rendering failure commits nothing and
  // leaves stdout empty (SPEC B §9.4 step 7).
  result<std::string> rendered = render_group(ports_in_file_order(*eg.group, out), format, shell);
  if (!rendered) {
    throw domain_failure(rendered.error().message());
  }

  if (opts.dry_run) {
    show_group_dry_run(ctx, source, eg.dir, out);
    return kExitOk;
  }
  commit(ctx, txn);
  write_stdout(*rendered);
  ctx.info("Reserved " + std::to_string(eg.group->services.size()) + " ports.");
  return kExitOk;
}

}  // namespace trop::cli
