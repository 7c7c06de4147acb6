#include "cmd_init.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "errors.h"
#include "output.h"
#include "store_access.h"
#include "trop/formats/config_loader.h"

namespace trop::cli {
namespace {

// Every line is a comment, so the file is an empty configuration until the
// user uncomments something. Convention (checked by the tests): prose lines
// are "#" or "# <text>"; example lines are "#<key>" or "#  <indented YAML>",
// and removing their '#' gives valid YAML with every key of SPEC B §4.4 plus
// `durability`, showing the built-in default where there is one.
constexpr std::string_view kConfigTemplate =
    R"(# trop user configuration (<data-dir>/config.yaml)
#
# Every key is optional and every line of this file is a comment: it changes
# nothing until you remove the '#' in front of a setting. The values shown
# are the built-in defaults, or examples where there is no default.
#
# Precedence, highest first: command-line flags, TROP_* environment
# variables, trop.local.yaml, trop.yaml (the nearest directory from the
# current one upwards that has either), this file, built-in defaults.
# Unknown keys are errors. Integers are plain decimal numbers (never quoted);
# booleans are true or false. Check a file with: trop validate <file>

# Port range for new reservations (ports 1..65535). `min` is required
# whenever `ports:` is present. Give `max` (min..65535) or `max_offset` (the
# range is then min..min+max_offset, at most 65535), not both.
#ports:
#  min: 5000
#  max: 7000
#  max_offset: 2000

# Ports never handed out, added to those of every other configuration
# layer. An entry is a port, an inclusive "A..B" string or a start/end
# mapping; ports 1..65535, start <= end.
#excluded_ports:
#  - 8080
#  - "9000..9010"
#  - {start: 6000, end: 6005}

# Reservations unused for more than this many days expire (trop expire,
# trop autoclean, and the automatic cleanup when the range is full); > 0.
#cleanup:
#  expire_after_days: 30

# Occupancy probes: before handing out a port, trop binds it on 127.0.0.1
# and ::1 with TCP and UDP to see whether some process is using it.
#occupancy_check:
#  skip: false                  # true: no probes at all
#  skip_ip4: false              # true: no IPv4 probes
#  skip_ip6: false              # true: no IPv6 probes
#  skip_tcp: false              # true: no TCP probes
#  skip_udp: false              # true: no UDP probes
#  check_all_interfaces: false  # true: also probe 0.0.0.0 and ::

# Store creation and automatic cleanup (cleanup runs only when the range is
# exhausted, then allocation is retried once).
#disable_autoinit: false    # true: never create a missing store (exit 3 instead)
#disable_autoprune: false   # true: do not prune reservations of missing directories
#disable_autoexpire: false  # true: do not expire reservations unused for too long

# Safety checks of reserve, release, reserve-group and autoreserve; the
# command-line flags of the same names allow the same for one call.
#allow_unrelated_path: false  # allow paths unrelated to the current directory
#allow_change_project: false  # allow changing the project stored with a reservation
#allow_change_task: false     # allow changing the task stored with a reservation
#allow_change: false          # allow both changes

# Seconds to wait for another trop process's write lock before failing
# (exit 2); 0 = do not wait; at most 2147483. Like --busy-timeout and
# TROP_BUSY_TIMEOUT.
#maximum_lock_wait_seconds: 5

# Default format of trop list: table, json, csv or tsv (lowercase).
#output_format: table

# Commit durability. full: each commit is synced to disk before success is
# reported, so a printed port survives a power loss. normal: commits survive
# a killed process, but a power loss may drop the most recent ones.
#durability: full

# The two keys below are NOT allowed in this file (trop refuses it): they
# belong in a project's trop.yaml or trop.local.yaml. They are listed so
# that this template documents every key.
#
# Project recorded with new reservations: trimmed, non-empty, at most 255
# bytes. Without it, trop infers the project from the git repository.
#project: my-app
#
# A group of ports for trop reserve-group and trop autoreserve, one per
# service. Each service gets base + offset, where base is the lowest port
# from `base` (default: ports.min) at which every such port is free; a
# service with `preferred` gets that port instead when it is free (any port
# 1..65535). Offsets (a missing one counts as 0) and preferred ports must be
# unique. `env` names the variable printed for the service (letters, digits
# and '_', not starting with a digit); without it the tag is uppercased and
# '-' becomes '_'.
#reservations:
#  base: 5000
#  services:
#    web:
#      offset: 0
#      preferred: 8080
#      env: WEB_PORT
#    api:
#      offset: 1
)";

std::string join(const std::string& dir, std::string_view name) {
  std::string out = dir;
  if (out.empty() || out.back() != '/') {
    out.push_back('/');
  }
  out.append(name);
  return out;
}

std::string os_error(int err) {
  return std::generic_category().message(err) + " (os error " + std::to_string(err) + ")";
}

enum class entry { missing, directory, other };

// What lies at `path` (stat, following symlinks). Exit 6 when that cannot be
// told (e.g. a parent that may not be searched).
entry probe(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    return S_ISDIR(st.st_mode) ? entry::directory : entry::other;
  }
  int err = errno;
  if (err == ENOENT || err == ENOTDIR) {
    return entry::missing;
  }
  throw cli_error(kExitDomain, "cannot inspect " + path + ": " + os_error(err));
}

// Writes the template to a private temporary file next to `target`, synced,
// for link(2) into place once the store exists. Exit 5 on failure (nothing
// left behind).
std::string write_template_beside(const std::string& target) {
  const std::string tmp = target + ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw io_failure("cannot create " + tmp + ": " + os_error(errno));
  }
  std::string_view rest = kConfigTemplate;
  int err = 0;
  while (!rest.empty() && err == 0) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0) {
      if (errno != EINTR) {
        err = errno;
      }
      continue;
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  if (err == 0 && ::fsync(fd) != 0) {
    err = errno;
  }
  // close() is not retried on EINTR: the descriptor is gone either way.
  if (::close(fd) != 0 && err == 0) {
    err = errno;
  }
  if (err != 0) {
    ::unlink(tmp.c_str());
    throw io_failure("cannot write " + tmp + ": " + os_error(err));
  }
  return tmp;
}

void sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);  // best effort: the file is complete and synced already
    ::close(fd);
  }
}

int dry_run(bool overwrite, bool with_config, const std::string& dir) {
  const std::string db = join(dir, "trop.db");
  std::string out =
      "Dry-run mode: no changes will be made\n\nWould initialize trop in: " + dir + "\n";
  const entry d = probe(dir);
  if (d == entry::other) {
    out += "  - ERROR: Data directory path exists and is not a directory: " + dir + "\n";
    write_stdout(out);
    return kExitOk;
  }
  out += d == entry::missing ? "  - Create data directory: " + dir + "\n"
                             : "  - Data directory already exists: " + dir + "\n";
  if (d == entry::directory && probe(db) != entry::missing) {
    if (overwrite) {
      out += "  - Remove existing database: " + db + "\n  - Create new database: " + db + "\n";
    } else {
      out += "  - ERROR: Database already exists (use --overwrite to replace): " + db + "\n";
    }
  } else {
    out += "  - Create database: " + db + "\n";
  }
  if (with_config) {
    const std::string cfg = user_config_path(dir);
    out += d == entry::directory && probe(cfg) != entry::missing
               ? "  - Configuration file already exists (will not overwrite): " + cfg + "\n"
               : "  - Create configuration file: " + cfg + "\n";
  }
  write_stdout(out);
  return kExitOk;
}

}  // namespace

std::string_view user_config_template() {
  return kConfigTemplate;
}

void setup_init(option_sink& sink, init_options& opts) {
  sink.path("--data-dir", &opts.data_dir,
            "Data directory to initialize (beats the global --data-dir and TROP_DATA_DIR)");
  sink.flag("--overwrite", &opts.overwrite,
            "Replace an existing store with an empty one (every reservation is lost)");
  sink.flag("--with-config", &opts.with_config,
            "Also write a commented config.yaml template (never overwrites one)");
  sink.flag("--dry-run", &opts.dry_run, "Show what would be done; change nothing");
}

int run_init(const init_options& opts, context& ctx) {
  if (opts.data_dir) {
    ctx.set_data_dir_override(*opts.data_dir);
  }
  config_needs needs;
  needs.scope = config_scope::defaults_env_cli;
  ctx.set_config_needs(std::move(needs));
  // An invalid TROP_* value fails here, before anything is created.
  const effective_settings& settings = ctx.settings();
  const std::string dir = ctx.data_dir();
  if (opts.dry_run) {
    return dry_run(opts.overwrite, opts.with_config, dir);
  }

  const std::string db = join(dir, "trop.db");
  const std::string cfg = user_config_path(dir);
  const entry d = probe(dir);
  if (d == entry::other) {
    throw cli_error(kExitDomain,
                    "invalid path " + dir + ": the data directory exists and is not a directory");
  }
  const bool had_store = d == entry::directory && probe(db) != entry::missing;
  if (had_store && !opts.overwrite) {
    throw cli_error(kExitDomain, "validation error for 'database': Database already exists at " +
                                     db + ". Use --overwrite to replace it.");
  }
  const bool make_config =
      opts.with_config && (d == entry::missing || probe(cfg) == entry::missing);

  // Every step that can fail runs before the store is touched, and each
  // undoes what the earlier ones did: a failed init leaves things as they were.
  bool created_dir = false;
  if (d == entry::missing) {
    status s = env::posix()->create_dirs(dir);
    if (!s) {
      fail(ctx, s);
    }
    created_dir = true;
  }
  auto undo = [&](const std::string& tmp) {
    if (!tmp.empty()) {
      ::unlink(tmp.c_str());
    }
    if (created_dir) {
      // The lock file is the only thing a failed store creation leaves.
      ::unlink(join(dir, "trop.db-lock").c_str());
      ::unlink(join(dir, "trop.db-new").c_str());
      ::rmdir(dir.c_str());
    }
  };
  std::string tmp;
  if (make_config) {
    try {
      tmp = write_template_beside(cfg);
    } catch (const cli_error&) {
      undo({});
      throw;
    }
  }

  store_options so;
  so.data_dir = dir;
  so.busy_timeout = std::chrono::seconds(settings.busy_timeout_seconds());
  so.create_if_missing = true;  // init creates whatever disable_autoinit says
  so.durability_mode = settings.durability_mode;
  result<store> st = store::open(std::move(so));
  if (!st) {
    undo(tmp);
    fail(ctx, st.error());
  }
  if (opts.overwrite) {
    // Replaces the image under the write lock, whatever it held (even a
    // corrupt or foreign file): that is what --overwrite asks for.
    status s = st->recreate();
    if (!s) {
      undo(tmp);
      fail(ctx, s);
    }
  } else {
    // Creates the empty store under the write lock (autoinit's code path).
    result<write_transaction> txn = st->begin_write();
    if (!txn) {
      undo(tmp);
      fail(ctx, txn.error());
    }
  }

  bool wrote_config = false;
  if (!tmp.empty()) {
    // link(2) never replaces: a config.yaml that appeared meanwhile is kept.
    if (::link(tmp.c_str(), cfg.c_str()) == 0) {
      wrote_config = true;
      sync_dir(dir);
    } else if (errno != EEXIST) {
      int err = errno;
      ::unlink(tmp.c_str());
      throw io_failure("the store was initialized in " + dir + ", but " + cfg +
                       " could not be created: " + os_error(err));
    }
    ::unlink(tmp.c_str());
  }

  std::string out = "Initialized trop in: " + dir + "\n";
  if (created_dir) {
    out += "  - Created data directory\n";
  }
  // A.2 #23: "Recreated" only when a store was actually replaced.
  out += had_store ? "  - Recreated database\n" : "  - Created database\n";
  if (opts.with_config) {
    out += wrote_config ? "  - Created default configuration file\n"
                        : "  - Configuration file already exists (not overwritten)\n";
  }
  write_stdout(out);
  return kExitOk;
}

}  // namespace trop::cli
