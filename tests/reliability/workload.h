// A deterministic workload of engine operations for the power-loss and
// I/O-fault suites: reserves, refresh-only reserves (unsynced commits),
// groups, migrations and releases, one write transaction each, so that a
// small checkpoint threshold folds the WAL into a new image every few steps.
// Thread safety: functions of their arguments; a store per thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "testing/mem_env.h"
#include "trop/store.h"

namespace trop::reliability {

enum class step_kind { reserve, touch, group, migrate, release_tree, release };

struct step {
  step_kind kind = step_kind::reserve;
  std::string path;  // the key path (reserve, touch, release), group dir, migrate source
  std::string to;    // migrate destination
  std::int64_t now = 0;
};

const char* kind_name(step_kind k);

// `count` steps; the same list every time.
std::vector<step> make_steps(int count);

struct step_result {
  status st;                       // begin_write, planning or commit failure; ok otherwise
  bool planned = false;            // begin_write and planning succeeded (st is the commit's)
  bool wrote = false;              // a frame was (to be) written
  bool synced = false;             // durable when acknowledged (full durability, not refresh-only)
  std::vector<reservation> after;  // the state had the commit succeeded
};

// Runs one step in its own write transaction and commits it. A planning
// failure (only possible when earlier steps failed, e.g. a migrate of a key
// that was never created) aborts the transaction and is returned.
step_result run_step(const store& s, const step& st, durability mode);

// Every record of a snapshot, in key order; throws on error.
std::vector<reservation> dump(const snapshot& snap);

// Store options over `e` with a small checkpoint threshold (several checkpoints per run).
store_options options_on(env* e, durability mode, std::uint64_t checkpoint_bytes = 1500);

// "n records: key=port@last_used ..." for failure messages.
std::string describe(const std::vector<reservation>& rs);

}  // namespace trop::reliability
