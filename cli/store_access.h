// Opening the store the way the contract says (SPEC B §2.3, §2.4, A.1):
// autoinit rules, read snapshots that never create anything, write
// transactions bounded by the busy timeout, and engine errors turned into
// cli_error through errors.cpp.
// Thread safety: main thread only, like the context.
#pragma once

#include "context.h"
#include "trop/store.h"

namespace trop::cli {

// A store handle for the context's data directory and settings. Touches
// nothing on disk.
store open_store(context& ctx);

// A snapshot for a read-only command or a dry-run: takes no lock and creates
// nothing (a missing store reads as empty). With autoinit disabled and no
// trop.db: exit 3.
snapshot read_snapshot(context& ctx, const store& st);

// Takes the write lock and loads the state, creating an empty store when
// autoinit allows. Exit 3 when autoinit is disabled and trop.db is missing;
// exit 2 on lock timeout.
write_transaction begin_write(context& ctx, const store& st);

// A transaction for a dry-run: the real planning code runs on a fresh
// snapshot, without the lock, and it can never commit. Same autoinit rule as
// read_snapshot (nothing is created).
write_transaction begin_dry_run(context& ctx, const store& st);

// Commits; a failure is mapped (nothing was committed).
void commit(context& ctx, write_transaction& txn);

// Throws the cli_error for an engine failure. REQUIRES: !s.is_ok().
[[noreturn]] void fail(context& ctx, const status& s);

}  // namespace trop::cli
