// Moving reservations to another path (SPEC B §12.21): exact (every tag at
// one path) or recursive (the path and its descendants, component-wise),
// keeping port, tag, project, task and timestamps; conflicts at the
// destination are refused unless forced. Plan from a snapshot, apply in a
// write transaction.
// Thread safety: pure functions of their arguments.
#pragma once

#include <string>
#include <vector>

#include "trop/reservation.h"
#include "trop/status.h"
#include "trop/store.h"

namespace trop {

struct migrate_request {
  std::string from, to;  // absolute and lexically normal
  bool recursive = false;
  bool force = false;
};

struct migrate_move {
  reservation from;  // as stored
  reservation to;    // the same record at its new path
};

struct migrate_plan {
  std::vector<migrate_move> moves;     // in key order of the sources
  std::vector<reservation> conflicts;  // destination records that would be replaced
};

// Errors: not_found ("not found: reservation at <from>", exact mode with
// nothing to move); conflict ("reservation conflict: Found <n> conflicting
// reservation(s) at destination. Use --force to overwrite.") without force;
// invalid_argument when a destination path would not be normal.
result<migrate_plan> plan_migrate(const snapshot& snap, const migrate_request& req);
// Erases the sources and the conflicts, then writes the moved records.
status apply_migrate(write_transaction& txn, const migrate_plan& plan);

}  // namespace trop
