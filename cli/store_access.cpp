#include "store_access.h"

#include <cstdio>

namespace trop::cli {
namespace {

void warn_if_network_fs(context& ctx, const store& st) {
  if (ctx.quiet()) {
    return;
  }
  env* e = st.options().file_env != nullptr ? st.options().file_env : env::posix();
  result<bool> nfs = e->is_network_fs(st.paths().dir);
  if (nfs && *nfs) {
    ctx.warn("the data directory " + st.paths().dir +
             " is on a network file system; file locks and memory mapping are unreliable "
             "there, so concurrent trop processes may corrupt the store");
  }
}

// With autoinit disabled, a missing trop.db is exit 3 for every store user.
void require_store_if_autoinit_disabled(context& ctx, const store& st) {
  if (!ctx.settings().disable_autoinit) {
    return;
  }
  result<bool> exists = st.exists();
  if (!exists) {
    fail(ctx, exists.error());
  }
  if (!*exists) {
    throw store_missing();
  }
}

}  // namespace

[[noreturn]] void fail(context& ctx, const status& s) {
  throw from_status(s, ctx.failure());
}

store open_store(context& ctx) {
  store_options opts;
  opts.data_dir = ctx.data_dir();
  const effective_settings& s = ctx.settings();
  opts.busy_timeout = std::chrono::seconds(s.busy_timeout_seconds());
  opts.create_if_missing = !s.disable_autoinit;
  opts.durability_mode = s.durability_mode;
  opts.keep_write_state = false;  // one process, (nearly always) one write
  result<store> st = store::open(std::move(opts));
  if (!st) {
    fail(ctx, st.error());
  }
  return std::move(*st);
}

snapshot read_snapshot(context& ctx, const store& st) {
  require_store_if_autoinit_disabled(ctx, st);
  result<snapshot> snap = st.read();
  if (!snap) {
    fail(ctx, snap.error());
  }
  warn_if_network_fs(ctx, st);
  return std::move(*snap);
}

write_transaction begin_write(context& ctx, const store& st) {
  require_store_if_autoinit_disabled(ctx, st);
  result<write_transaction> txn = st.begin_write();
  if (!txn) {
    if (txn.error().code() == error_code::not_found && ctx.settings().disable_autoinit) {
      // trop.db vanished between the check and the lock.
      throw store_missing();
    }
    fail(ctx, txn.error());
  }
  if (ctx.verbose()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "write lock acquired after %.3f ms",
                  static_cast<double>(txn->lock_wait().count()) / 1000.0);
    ctx.trace(buf);
  }
  warn_if_network_fs(ctx, st);
  return std::move(*txn);
}

write_transaction begin_dry_run(context& ctx, const store& st) {
  require_store_if_autoinit_disabled(ctx, st);
  result<write_transaction> txn = st.begin_dry_run();
  if (!txn) {
    fail(ctx, txn.error());
  }
  warn_if_network_fs(ctx, st);
  return std::move(*txn);
}

void commit(context& ctx, write_transaction& txn) {
  status s = txn.commit();
  if (!s) {
    fail(ctx, s);
  }
}

}  // namespace trop::cli
