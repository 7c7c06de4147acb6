// `trop migrate --from <PATH> --to <PATH>`: move reservations to another path,
// keeping port, tag, project, task and timestamps (SPEC B §12.21, A.1). A live
// run plans and applies under the write lock in one transaction; --dry-run
// plans on a snapshot without the lock.
// Thread safety: main thread only.
#pragma once

#include <optional>
#include <string>

#include "context.h"
#include "option_sink.h"

namespace trop::cli {

struct migrate_options {
  std::optional<std::string> from;
  std::optional<std::string> to;
  bool recursive = false;
  bool force = false;
  bool dry_run = false;
};

void setup_migrate(option_sink& sink, migrate_options& opts);
int run_migrate(const migrate_options& opts, context& ctx);

}  // namespace trop::cli
