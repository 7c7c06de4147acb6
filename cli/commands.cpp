#include "commands.h"

#include "cmd_assert_data_dir.h"
#include "cmd_assert_port.h"
#include "cmd_assert_reservation.h"
#include "cmd_autoclean.h"
#include "cmd_autoreserve.h"
#include "cmd_compact_exclusions.h"
#include "cmd_completions.h"
#include "cmd_exclude.h"
#include "cmd_exec.h"
#include "cmd_expire.h"
#include "cmd_export.h"
#include "cmd_import.h"
#include "cmd_init.h"
#include "cmd_list.h"
#include "cmd_list_projects.h"
#include "cmd_migrate.h"
#include "cmd_port_info.h"
#include "cmd_prune.h"
#include "cmd_release.h"
#include "cmd_reserve.h"
#include "cmd_reserve_group.h"
#include "cmd_scan.h"
#include "cmd_show_data_dir.h"
#include "cmd_show_path.h"
#include "cmd_validate.h"

namespace trop::cli {
namespace {

template <class Options, void (*Setup)(option_sink&, Options&),
          int (*Run)(const Options&, context&)>
class command_adapter final : public command {
 public:
  void setup(option_sink& sink) override { Setup(sink, options_); }
  int run(context& ctx) override { return Run(options_, ctx); }

 private:
  Options options_;
};

template <class Options, void (*Setup)(option_sink&, Options&),
          int (*Run)(const Options&, context&)>
std::unique_ptr<command> make() {
  return std::make_unique<command_adapter<Options, Setup, Run>>();
}

const command_info kCommands[] = {
    {"reserve", "Reserve a port for a directory (prints the port)",
     make<reserve_options, setup_reserve, run_reserve>},
    {"release", "Release reservations of a directory",
     make<release_options, setup_release, run_release>},
    {"list", "List reservations", make<list_options, setup_list, run_list>},
    {"assert-data-dir", "Succeed when the data directory exists (and is valid)",
     make<assert_data_dir_options, setup_assert_data_dir, run_assert_data_dir>},
    {"assert-reservation", "Succeed when a directory (and tag) has a reservation; print its port",
     make<assert_reservation_options, setup_assert_reservation, run_assert_reservation>},
    {"assert-port", "Succeed when a port is reserved",
     make<assert_port_options, setup_assert_port, run_assert_port>},
    {"port-info", "Show the reservation of a port (and who uses it now)",
     make<port_info_options, setup_port_info, run_port_info>},
    {"show-data-dir", "Print the data directory",
     make<show_data_dir_options, setup_show_data_dir, run_show_data_dir>},
    {"show-path", "Print the path a reservation would be recorded under",
     make<show_path_options, setup_show_path, run_show_path>},
    {"list-projects", "List the distinct projects of all reservations",
     make<list_projects_options, setup_list_projects, run_list_projects>},
    {"init", "Create the data directory and an empty store",
     make<init_options, setup_init, run_init>},
    {"prune", "Remove reservations whose directory no longer exists",
     make<prune_options, setup_prune, run_prune>},
    {"expire", "Remove reservations unused for more than N days",
     make<expire_options, setup_expire, run_expire>},
    {"autoclean", "Prune and expire in one pass",
     make<autoclean_options, setup_autoclean, run_autoclean>},
    {"migrate", "Move reservations to another path",
     make<migrate_options, setup_migrate, run_migrate>},
    {"validate", "Check a configuration file and list every problem in it",
     make<validate_options, setup_validate, run_validate>},
    {"export", "Write every reservation as JSON (for import)",
     make<export_options, setup_export, run_export>},
    {"import", "Load reservations from an export or the original list JSON",
     make<import_options, setup_import, run_import>},
    {"exec", "Reserve ports, then run a command with them (environment, {port} arguments)",
     make<exec_options, setup_exec, run_exec>},
    {"reserve-group", "Reserve the group of services defined in a configuration file",
     make<reserve_group_options, setup_reserve_group, run_reserve_group>},
    {"autoreserve", "Reserve the group of the nearest trop.yaml / trop.local.yaml",
     make<autoreserve_options, setup_autoreserve, run_autoreserve>},
    {"scan", "List the occupied ports of the range (and exclude them)",
     make<scan_options, setup_scan, run_scan>},
    {"exclude", "Add a port or range to excluded_ports of a configuration file",
     make<exclude_options, setup_exclude, run_exclude>},
    {"compact-exclusions", "Rewrite a file's excluded_ports as the minimal sorted list",
     make<compact_exclusions_options, setup_compact_exclusions, run_compact_exclusions>},
    {"completions", "Print a completion script for bash, zsh or fish",
     make<completions_options, setup_completions, run_completions>},
};

}  // namespace

std::span<const command_info> all_commands() {
  return kCommands;
}

const command_info* find_command(std::string_view name) {
  for (const command_info& c : kCommands) {
    if (c.name == name) {
      return &c;
    }
  }
  return nullptr;
}

}  // namespace trop::cli
