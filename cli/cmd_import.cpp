#include "cmd_import.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <system_error>
#include <vector>

#include "store_access.h"
#include "trop/formats/reservation_json.h"

namespace trop::cli {
namespace {

std::string os_error(int err) {
  return std::generic_category().message(err) + " (os error " + std::to_string(err) + ")";
}

// The whole input: the named file, or stdin for "-". A missing file is exit
// 4 (like validate); any other read failure exit 5.
std::string read_input(const std::string& name) {
  int fd = STDIN_FILENO;
  if (name != "-") {
    do {
      fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
      int err = errno;
      if (err == ENOENT || err == ENOTDIR) {
        throw invalid_arguments("File not found: " + name);
      }
      throw io_failure("cannot read " + name + ": " + os_error(err));
    }
  }
  std::string text;
  char buf[65536];
  int err = 0;
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      err = errno;
      break;
    }
    if (n == 0) {
      break;
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  if (fd != STDIN_FILENO) {
    ::close(fd);  // not retried on EINTR: the descriptor is gone either way
  }
  if (err != 0) {
    throw io_failure("cannot read " + (name == "-" ? std::string("stdin") : name) + ": " +
                     os_error(err));
  }
  return text;
}

// A stored record an imported one collides with, and why.
struct conflict {
  reservation imported;
  reservation stored;
  bool same_key = false;  // else: the stored record holds the imported port
};

std::vector<conflict> find_conflicts(context& ctx, const snapshot& view,
                                     const std::vector<reservation>& rows) {
  std::vector<conflict> out;
  for (const reservation& r : rows) {
    result<std::optional<reservation>> by_key = view.find(r.key);
    if (!by_key) {
      fail(ctx, by_key.error());
    }
    if (*by_key) {
      out.push_back({r, **by_key, true});
    }
    result<std::optional<reservation>> by_port = view.find_by_port(r.port);
    if (!by_port) {
      fail(ctx, by_port.error());
    }
    if (*by_port && (*by_port)->key != r.key) {
      out.push_back({r, **by_port, false});
    }
  }
  return out;
}

std::string describe(const conflict& c) {
  if (c.same_key) {
    return to_display(c.imported.key) + " is already reserved (port " +
           std::to_string(c.stored.port) + ")";
  }
  return "port " + std::to_string(c.imported.port) + " of " + to_display(c.imported.key) +
         " is held by " + to_display(c.stored.key);
}

}  // namespace

void setup_import(option_sink& sink, import_options& opts) {
  sink.positional("FILE", &opts.file, true,
                  "JSON file from `trop export` or the original `trop list --format json`; "
                  "- reads stdin");
  sink.flag("--force", &opts.force,
            "Replace stored reservations with the same key or holding an imported port");
  sink.flag("--dry-run", &opts.dry_run,
            "Check the file and show what would happen; change nothing");
}

int run_import(const import_options& opts, context& ctx) {
  const std::string& name = *opts.file;
  if (name.empty()) {
    throw usage_failure("a value is required for '<FILE>' but none was supplied");
  }
  ctx.settings();  // Discover scope: configuration errors come first
  result<std::vector<reservation>> parsed = parse_reservations_json(read_input(name));
  if (!parsed) {
    throw invalid_arguments("cannot import " + (name == "-" ? std::string("stdin") : name) + ": " +
                            parsed.error().message());
  }
  const std::vector<reservation>& rows = *parsed;

  store st = open_store(ctx);
  // The same checks on a snapshot for --dry-run (no lock, nothing created),
  // under the write lock otherwise: conflicts cannot appear between check and write.
  write_transaction txn = opts.dry_run ? begin_dry_run(ctx, st) : begin_write(ctx, st);
  std::vector<conflict> conflicts = find_conflicts(ctx, txn.view(), rows);
  if (!conflicts.empty() && !opts.force) {
    for (const conflict& c : conflicts) {
      ctx.info("Conflict: " + describe(c));
    }
    throw cli_error(kExitDomain, "reservation conflict: " + std::to_string(conflicts.size()) +
                                     " conflict(s) between the import and the store; nothing "
                                     "was imported. Use --force to replace the stored "
                                     "reservations.");
  }

  // --force: every stored record in the way goes first (a record can be in
  // the way twice, by key and by port), then the imported ones are written.
  std::map<reservation_key, reservation> replaced;
  for (const conflict& c : conflicts) {
    replaced.emplace(c.stored.key, c.stored);
  }
  for (const auto& [key, r] : replaced) {
    ctx.trace("replacing " + to_display(key) + " (port " + std::to_string(r.port) + ")");
    if (status s = txn.erase(key); !s) {
      fail(ctx, s);
    }
  }
  for (const reservation& r : rows) {
    if (status s = txn.put(r); !s) {
      fail(ctx, s);
    }
  }

  std::string summary = std::to_string(rows.size()) + " reservation(s)";
  if (!replaced.empty()) {
    summary += " (replacing " + std::to_string(replaced.size()) + " stored reservation(s))";
  }
  if (opts.dry_run) {
    for (const conflict& c : conflicts) {
      ctx.info("Would replace: " + describe(c));
    }
    ctx.info("Dry run - would import " + summary);
    return kExitOk;
  }
  commit(ctx, txn);
  ctx.info("Imported " + summary);
  return kExitOk;
}

}  // namespace trop::cli
