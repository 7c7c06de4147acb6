#include "cmd_exec.h"

#include <cstdint>
#include <vector>

#include "exec_child.h"
#include "group_command.h"
#include "lease_flags.h"
#include "port_template.h"
#include "store_access.h"
#include "trop/formats/text_escape.h"
#include "trop/lease.h"

namespace trop::cli {
namespace {

constexpr const char* kUsage = "trop exec [OPTIONS] -- <COMMAND> [ARGS]...";

// A reserve flag that means nothing for a group is refused, the way the
// parser refuses two exclusive flags (exit 2).
void refuse_with_group(bool given, const char* flag) {
  if (given) {
    throw usage_failure(std::string("the argument '") + flag + "' cannot be used with '--group'");
  }
}

// The reserve flags as a group command's flags (reserve-group and
// autoreserve take these and no others).
group_options group_flags(const reserve_options& r) {
  refuse_with_group(r.path.has_value(), "--path <PATH>");
  refuse_with_group(r.tag.has_value(), "--tag <TAG>");
  refuse_with_group(r.port.has_value(), "--port <PORT>");
  refuse_with_group(r.min.has_value(), "--min <MIN>");
  refuse_with_group(r.max.has_value(), "--max <MAX>");
  refuse_with_group(r.project.has_value(), "--project <PROJECT>");
  refuse_with_group(r.clear_project, "--clear-project");
  refuse_with_group(r.clear_task, "--clear-task");
  refuse_with_group(r.overwrite, "--overwrite");
  refuse_with_group(r.ignore_occupied, "--ignore-occupied");
  refuse_with_group(r.ignore_exclusions, "--ignore-exclusions");
  refuse_with_group(r.disable_autoprune, "--disable-autoprune");
  refuse_with_group(r.disable_autoexpire, "--disable-autoexpire");
  refuse_with_group(r.disable_autoclean, "--disable-autoclean");
  group_options g;
  g.task = r.task;
  g.force = r.force;
  g.allow_unrelated_path = r.allow_unrelated_path;
  g.allow_project_change = r.allow_project_change;
  g.allow_task_change = r.allow_task_change;
  g.allow_change = r.allow_change;
  g.dry_run = r.dry_run;
  g.occupancy = r.occupancy;
  return g;
}

// A LISTEN_FDNAMES entry: systemd accepts up to 255 printable ASCII
// characters other than ':'; anything else is named "unknown", as systemd
// names an fd without a name.
std::string fd_name(const std::optional<std::string>& tag) {
  if (!tag) {
    return "port";
  }
  if (tag->empty() || tag->size() > 255) {
    return "unknown";
  }
  for (char c : *tag) {
    if (c <= ' ' || c > '~' || c == ':') {
      return "unknown";
    }
  }
  return *tag;
}

// What will be reserved: one port (`single`) or the group (`group`).
struct exec_target {
  std::optional<reserve_request> single;
  effective_group group;
  std::optional<group_plan> plan;
  std::string group_source;  // how group dry-run lines name the file
};

// The checks of `trop reserve` or of the group commands, in their order,
// before the store is opened; fills the child's bindings and names.
exec_target plan_target(const exec_options& opts, context& ctx, child_spec* spec) {
  exec_target t;
  if (!opts.group) {
    t.single = plan_reserve(opts.reserve, ctx);
    spec->bindings.push_back({t.single->key.tag, 0});
    spec->env_names.emplace_back("PORT");
    spec->fd_names.push_back(fd_name(t.single->key.tag));
    return t;
  }
  const group_options g = group_flags(opts.reserve);
  if (opts.group_file) {
    use_group_file(ctx, *opts.group_file, g);
    t.group_source = *opts.group_file;
  } else {
    use_discovered_group(ctx, g);
    t.group_source = ctx.settings().group_file;
  }
  t.group = resolve_effective_group(ctx);
  t.plan = plan_group(g, ctx, t.group);
  // --ttl / --owner-pid / --owner-self lease the whole group (checked like
  // reserve checks them: after the path guard, before the store).
  t.plan->req.lease = lease_from_flags(opts.reserve.lease, t.plan->req.now);
  for (std::size_t i = 0; i < t.plan->req.services.size(); ++i) {
    const std::string& tag = t.plan->req.services[i].tag;  // trimmed
    spec->bindings.push_back({tag, 0});
    spec->env_names.push_back(t.plan->env_names[i]);
    spec->fd_names.push_back(fd_name(tag));
  }
  return t;
}

// Expands every argument; a bad placeholder is a usage error (exit 2).
std::vector<std::string> expanded_args(const child_spec& spec) {
  std::vector<std::string> out;
  for (const std::string& a : spec.argv) {
    result<std::string> e = expand_port_placeholders(a, spec.bindings);
    if (!e) {
      throw usage_failure(e.error().message());
    }
    out.push_back(std::move(*e));
  }
  return out;
}

// Reserves (or refreshes) and commits; the ports in binding order. `owned`
// (--lease) replaces the planned lease. The store is closed on return: the
// command never inherits its descriptors or lock.
std::vector<std::uint16_t> reserve_ports(context& ctx, const exec_target& t,
                                         const std::optional<lease>& owned) {
  store st = open_store(ctx);
  write_transaction txn = begin_write(ctx, st);
  if (t.single) {
    reserve_request req = *t.single;
    if (owned) {
      req.lease = owned;
    }
    reserve_outcome out = reserve_in(ctx, txn, req);
    commit(ctx, txn);
    report_reserve_warnings(ctx, out);
    return {out.port};
  }
  group_request req = t.plan->req;
  if (owned) {
    req.lease = owned;
  }
  const group_outcome out = reserve_group_in(ctx, txn, req);
  std::vector<std::uint16_t> ports;
  for (const group_port& p : ports_in_file_order(*t.group.group, out)) {
    ports.push_back(p.port);
  }
  commit(ctx, txn);
  return ports;
}

// --dry-run: what would be reserved and run, on stderr; nothing is started.
int preview(context& ctx, const exec_target& t, child_spec& spec) {
  store st = open_store(ctx);
  if (t.single) {
    spec.bindings.front().port = preview_reserve(ctx, st, *t.single).port;
  } else {
    write_transaction txn = begin_dry_run(ctx, st);
    const group_outcome out = reserve_group_in(ctx, txn, t.plan->req);
    show_group_dry_run(ctx, t.group_source, t.group.dir, out);
    const std::vector<group_port> ports = ports_in_file_order(*t.group.group, out);
    for (std::size_t i = 0; i < ports.size(); ++i) {
      spec.bindings[i].port = ports[i].port;
    }
  }
  std::string line = "Dry run - would run:";
  for (const std::string& a : expanded_args(spec)) {
    line += ' ';
    line += escape_tsv_field(a);
  }
  ctx.info(line);
  return kExitOk;
}

// --lease: the lease names the forked, still waiting child (pid, start time,
// pid namespace, boot); --ttl may add an expiry. Exit 6 when the child cannot
// be identified (it was killed meanwhile).
lease child_lease(const exec_options& opts, const exec_target& t, pid_t child) {
  lease l;
  const std::int64_t now = t.single ? t.single->now : t.plan->req.now;
  if (std::optional<lease> flags = lease_from_flags(opts.reserve.lease, now)) {
    l.expires_at = flags->expires_at;  // --ttl; owner flags were refused
  }
  result<process_identity> id = identify_process(static_cast<std::int32_t>(child));
  if (!id) {
    throw cli_error(kExitDomain, std::string("cannot identify the command's process for its "
                                             "lease: ") +
                                     id.error().message());
  }
  l.owner = *id;
  return l;
}

}  // namespace

void setup_exec(option_sink& sink, exec_options& opts) {
  setup_reserve(sink, opts.reserve);
  sink.optional_value("--group", &opts.group, &opts.group_file, "FILE",
                      "Reserve the group of FILE (default: the nearest trop.yaml / "
                      "trop.local.yaml) instead of one port");
  sink.flag("--lease", &opts.lease,
            "Lease the ports to the command's process: they lapse when it is gone");
  sink.flag("--bind", &opts.bind,
            "Pass the command listening TCP sockets on its ports as fds 3.. (LISTEN_FDS, "
            "LISTEN_PID, LISTEN_FDNAMES)");
  sink.text("--bind-address", &opts.bind_address, "ADDR",
            "Address of the --bind sockets (default 127.0.0.1)");
  sink.trailing("COMMAND", &opts.command,
                "The command to run and its arguments; {port} and {port:TAG} are replaced");
}

int run_exec(const exec_options& opts, context& ctx) {
  if (opts.command.empty()) {
    throw usage_failure(std::string("a command is required after '--': ") + kUsage);
  }
  if (opts.bind_address && !opts.bind) {
    throw usage_failure("the argument '--bind-address <ADDR>' requires '--bind'");
  }
  if (opts.lease && (opts.reserve.lease.owner_pid || opts.reserve.lease.owner_self)) {
    throw usage_failure(std::string("the argument '--lease' cannot be used with '") +
                        (opts.reserve.lease.owner_pid ? "--owner-pid <PID>" : "--owner-self") +
                        "'");
  }
  child_spec spec;
  spec.argv = opts.command;
  if (opts.bind) {
    spec.bind_host = opts.bind_address.value_or("127.0.0.1");
    check_bind_address(*spec.bind_host);
  }
  const exec_target target = plan_target(opts, ctx, &spec);
  expanded_args(spec);  // placeholders checked before anything is reserved or run

  if (opts.reserve.dry_run) {
    return preview(ctx, target, spec);
  }
  if (!opts.lease) {
    const std::vector<std::uint16_t> ports = reserve_ports(ctx, target, std::nullopt);
    exec_child child(std::move(spec));
    child.start(ports);
    return child.wait();
  }
  // The child exists before its lease: fork, reserve in its name, commit,
  // then let it exec. A refused reservation tells it to exit unrun.
  exec_child child(std::move(spec));
  const std::vector<std::uint16_t> ports =
      reserve_ports(ctx, target, child_lease(opts, target, child.pid()));
  child.start(ports);
  return child.wait();
}

}  // namespace trop::cli
