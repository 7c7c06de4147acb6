#include "cleanup_run.h"

#include <vector>

#include "output.h"
#include "store_access.h"
#include "trop/formats/text_escape.h"

namespace trop::cli {
namespace {

// Keeps the candidates whose stored record is still exactly the one planned
// (SPEC B §11). Planning happens on the locked state, so this holds by
// construction today; the check keeps a future change of where the plan is
// made from deleting a record that was refreshed or re-allocated meanwhile.
void keep_current(context& ctx, const snapshot& view, std::vector<reservation>* candidates) {
  std::vector<reservation> current;
  current.reserve(candidates->size());
  for (reservation& r : *candidates) {
    result<std::optional<reservation>> stored = view.find(r.key);
    if (!stored) {
      fail(ctx, stored.error());
    }
    if (*stored && **stored == r) {
      current.push_back(std::move(r));
    } else {
      ctx.trace("keeping " + to_display(r.key) + ": it changed since it was selected");
    }
  }
  *candidates = std::move(current);
}

}  // namespace

cleanup_plan run_cleanup(context& ctx, const cleanup_request& req, bool dry_run) {
  store st = open_store(ctx);
  if (dry_run) {
    // A.1 / A.2 #16: a dry-run reads a snapshot; no lock, nothing created.
    snapshot snap = read_snapshot(ctx, st);
    result<cleanup_plan> plan = plan_cleanup(snap, req);
    if (!plan) {
      fail(ctx, plan.error());
    }
    return std::move(*plan);
  }

  // Selection, re-check and deletion under one lock: all or nothing.
  write_transaction txn = begin_write(ctx, st);
  result<cleanup_plan> plan = plan_cleanup(txn.view(), req);
  if (!plan) {
    fail(ctx, plan.error());
  }
  keep_current(ctx, txn.view(), &plan->pruned);
  keep_current(ctx, txn.view(), &plan->expired);
  status s = apply_cleanup(txn, *plan);
  if (!s) {
    fail(ctx, s);
  }
  if (txn.has_changes()) {
    commit(ctx, txn);
  } else {
    txn.abort();
  }
  return std::move(*plan);
}

void warn_uninspectable(context& ctx, const cleanup_plan& plan) {
  for (const uninspectable_path& u : plan.uninspectable) {
    ctx.warn("could not inspect reserved directory " + listing_path(u.path) + " (" + u.kind + ": " +
             u.os_message + "); reservation preserved by prune. " + u.advice);
  }
}

std::string listing_value(const std::optional<std::string>& value) {
  return value ? escape_tsv_field(*value) : std::string("-");
}

std::string listing_path(const std::string& path) {
  return escape_tsv_field(path);
}

std::int64_t age_in_days(const reservation& r, std::int64_t now) {
  std::int64_t seconds = now - r.last_used_at;
  // A record from the future (clock moved back) is zero days old.
  return seconds <= 0 ? 0 : seconds / 86400;
}

void print_quiet_count(context& ctx, std::size_t count) {
  if (ctx.quiet() && count > 0) {
    write_stdout(std::to_string(count) + "\n");
  }
}

}  // namespace trop::cli
