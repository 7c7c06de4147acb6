#include "cmd_assert_data_dir.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "store_access.h"

namespace trop::cli {
namespace {

enum class presence { present, missing, unknown };

presence probe_dir(const std::string& dir, int* err) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    return presence::present;  // any kind of entry counts (SPEC B §12.11)
  }
  *err = errno;
  return (*err == ENOENT || *err == ENOTDIR) ? presence::missing : presence::unknown;
}

}  // namespace

void setup_assert_data_dir(option_sink& sink, assert_data_dir_options& opts) {
  sink.path("--data-dir", &opts.data_dir, "Data directory to check (env TROP_DATA_DIR)");
  sink.flag("--not", &opts.negate, "Succeed when the data directory does not exist");
  sink.flag("--validate", &opts.validate,
            "Also check the whole store read-only (checksums, bounds, invariants)");
}

int run_assert_data_dir(const assert_data_dir_options& opts, context& ctx) {
  if (opts.data_dir) {
    ctx.set_data_dir_override(*opts.data_dir);
  }
  if (opts.validate) {
    ctx.settings();  // --validate resolves configuration; plain existence does not
  }
  const std::string& dir = ctx.data_dir();
  int err = 0;
  presence p = probe_dir(dir, &err);

  if (p == presence::unknown && opts.validate) {
    throw cli_error(kExitDomain, "cannot determine whether the data directory " + dir +
                                     " exists: " + std::strerror(err));
  }
  if (p != presence::present) {
    // Without --validate an undeterminable directory counts as missing.
    if (opts.negate) {
      return kExitOk;
    }
    throw semantic_failure("Assertion failed: data directory not found at " + dir);
  }

  if (opts.validate) {
    store st = open_store(ctx);
    result<validation_report> report = st.validate();
    if (!report) {
      if (report.error().code() == error_code::not_found) {
        throw cli_error(kExitDomain,
                        "database corruption detected: the selected data directory does not "
                        "contain " +
                            st.paths().image +
                            "; restore a known-good database or recreate disposable "
                            "reservations. trop did not initialize or modify the data directory");
      }
      // A validation failure is never inverted by --not.
      fail(ctx, report.error());
    }
    ctx.trace("validated " + std::to_string(report->records) + " reservation(s) and " +
              std::to_string(report->wal_frames) + " journal frame(s)");
  }
  if (opts.negate) {
    throw semantic_failure("Assertion failed: data directory exists at " + dir);
  }
  return kExitOk;
}

}  // namespace trop::cli
