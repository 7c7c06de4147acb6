#include "cmd_port_info.h"

#include <sys/stat.h>

#include "arguments.h"
#include "output.h"
#include "port_info_output.h"
#include "store_access.h"
#include "trop/env.h"
#include "trop/lease.h"
#include "trop/lease_reclaim.h"
#include "trop/occupancy.h"

namespace trop::cli {
namespace {

// The first occupancy flag given, for the usage error; empty when none.
std::string_view first_occupancy_flag(const occupancy_flags& f) {
  for (auto [given, name] :
       {std::pair{f.skip_occupancy_check, "--skip-occupancy-check"},
        std::pair{f.skip_tcp, "--skip-tcp"}, std::pair{f.skip_udp, "--skip-udp"},
        std::pair{f.skip_ipv4, "--skip-ipv4"}, std::pair{f.skip_ipv6, "--skip-ipv6"},
        std::pair{f.check_all_interfaces, "--check-all-interfaces"}}) {
    if (given) {
      return name;
    }
  }
  return {};
}

// SPEC B §13.4: a plain existence test that follows symlinks, any file type.
bool path_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// The owner's state and, for a lapsed lease, the port's (the occupancy
// probe decides whether the next write may reclaim it: docs/leases.md).
lease_facts lease_facts_now(const lease& l, std::uint16_t port,
                            const effective_settings& settings) {
  lease_facts f;
  f.now = env::posix()->now_unix();
  if (l.owner) {
    f.owner = check_owner(*l.owner);
  }
  // The owner was checked once above; the rule is the one reclamation uses.
  f.lapsed = lease_lapsed(l, f.now, [&](const process_identity&) {
               return f.owner.value_or(owner_state::unknowable);
             }).has_value();
  if (f.lapsed) {
    const occupancy_policy policy = settings.occupancy.policy();
    if (!probe_matrix(policy).empty()) {
      system_occupancy_probe probe;
      f.port = probe.check(port, policy).state;
    }
  }
  return f;
}

}  // namespace

void setup_port_info(option_sink& sink, port_info_options& opts) {
  sink.positional("PORT", &opts.port, true, "Port to describe, 1..65535");
  sink.flag("--include-occupancy", &opts.include_occupancy,
            "Also probe whether some process uses the port now, and which");
  setup_occupancy_flags(sink, opts.occupancy);
}

int run_port_info(const port_info_options& opts, context& ctx) {
  // Parser-level checks first (exit 2), as clap does them.
  const std::uint16_t port = parse_u16_positional(opts.port.value_or(""), "<PORT>");
  if (std::string_view flag = first_occupancy_flag(opts.occupancy);
      !flag.empty() && !opts.include_occupancy) {
    throw usage_failure("the argument '" + std::string(flag) + "' requires '--include-occupancy'");
  }
  config_needs needs;
  apply_occupancy_flags(opts.occupancy, &needs.command_line);
  ctx.set_config_needs(std::move(needs));
  const effective_settings& settings = ctx.settings();
  if (port == 0) {
    throw port_zero();
  }

  store st = open_store(ctx);
  snapshot snap = read_snapshot(ctx, st);
  result<std::optional<reservation>> found = snap.find_by_port(port);
  if (!found) {
    fail(ctx, found.error());
  }
  std::string out =
      render_reservation_info(port, *found, *found && path_exists((*found)->key.path));
  if (*found && (*found)->lease) {
    out += render_lease_info(*(*found)->lease, lease_facts_now(*(*found)->lease, port, settings));
  }

  if (opts.include_occupancy) {
    const occupancy_policy policy = settings.occupancy.policy();
    system_occupancy_probe probe;
    port_occupancy occupancy = probe.check(port, policy);
    for (const std::string& note : occupancy.notes) {
      ctx.trace(note);
    }
    socket_owner_finder finder;
    out += render_occupancy_info(!probe_matrix(policy).empty(), occupancy,
                                 [&](const probe_result& p) { return finder.find(p, port); });
  }
  write_stdout(out);
  return kExitOk;
}

}  // namespace trop::cli
