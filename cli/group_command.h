// What `reserve-group` and `autoreserve` share (SPEC B §9.4, §12.4, §12.5,
// §13.2 with A.2 #14, #15, #27-#29): their flags, the command-line layer
// they add to the configuration, and the run from an effective group to the
// rendered, committed allocation.
// Thread safety: main thread only (uses the context).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "context.h"
#include "occupancy.h"
#include "option_sink.h"
#include "trop/formats/group_output.h"
#include "trop/reserve_group.h"
#include "trop/store.h"

namespace trop::cli {

// The flags of both group commands (every one but reserve-group's CONFIG_PATH).
struct group_options {
  std::optional<std::string> task;
  std::optional<std::string> format;  // export (default), json, dotenv, human; case-sensitive
  std::optional<std::string> shell;
  bool force = false;
  bool allow_unrelated_path = false;
  bool allow_project_change = false;
  bool allow_task_change = false;
  bool allow_change = false;
  bool dry_run = false;
  occupancy_flags occupancy;
};

void setup_group_options(option_sink& sink, group_options& opts);

// --format checked the way the parser checks a typed value: anything but the
// four exact names is a usage error (exit 2).
group_format parsed_group_format(const group_options& opts);

// The flags as the top configuration layer (--task, permissions, occupancy).
config_layer group_command_line_layer(const group_options& opts);

// Where the group's configuration comes from (each sets the context's
// config needs, with the flags as the command-line layer):
// reserve-group's explicit file `arg` (SPEC B §12.4 a: normalized, not
// canonicalized; exit 4 when it is missing or not a regular file; the
// ExplicitProject scope: no cwd walk) ...
void use_group_file(context& ctx, const std::string& arg, const group_options& opts);
// ... or autoreserve's discovery from the canonical cwd up (B §4.2; exit 4
// when no trop.yaml / trop.local.yaml is found).
void use_discovered_group(context& ctx, const group_options& opts);

// The pieces of run_group that `trop exec --group` reuses, in the order of
// the checks.

// The effective group and its identity: the `reservations` of the effective
// configuration (none: exit 6) and the canonical directory of the file that
// supplied it (exit 6 when it cannot be canonicalized).
struct effective_group {
  const reservation_group* group = nullptr;  // owned by the context's settings
  std::string dir;
};
effective_group resolve_effective_group(context& ctx);

// The checks before the store is opened (at least one service: exit 6; the
// path guard: exit 1; env names: exit 6; base in range: exit 6) and the
// engine request. `env_names` are the names export would print, in file order.
struct group_plan {
  group_request req;
  std::vector<std::string> env_names;
};
group_plan plan_group(const group_options& opts, context& ctx, const effective_group& eg);

// The engine's group operation in `txn`, not committed; failures throw their
// cli_error (the caller drops `txn`).
group_outcome reserve_group_in(context& ctx, write_transaction& txn, const group_request& req);

// The outcome's ports in the order of the file's services. Exit 6 if a
// service has none (an engine bug).
std::vector<group_port> ports_in_file_order(const reservation_group& group,
                                            const group_outcome& out);

// The dry-run's account of what a live run would do (A.2 #15), on stderr.
// Tags are escaped like the human format: they may hold newlines or escapes.
// `source` is how the lines name the file.
void show_group_dry_run(context& ctx, const std::string& source, const std::string& group_dir,
                        const group_outcome& out);

// Everything after the configuration is resolved: the group check (exit 6),
// the group directory, --shell (exit 6), the path guard (exit 1), the env
// names and base checks (exit 6), then the engine's group operation in one
// write transaction (or a dry-run transaction), rendering before commit,
// stdout after commit. `source` is how dry-run lines name the file.
int run_group(const group_options& opts, group_format format, context& ctx,
              const std::string& source);

}  // namespace trop::cli
