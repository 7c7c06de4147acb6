#include "trop/reserve.h"

namespace trop {
namespace {

using intent = metadata_intent::kind;

std::string show(const std::optional<std::string>& v) {
  return v ? "\"" + *v + "\"" : "-";
}

// The value a request proposes for an existing record's field.
std::optional<std::string> proposed(const metadata_intent& i,
                                    const std::optional<std::string>& stored) {
  switch (i.how) {
    case intent::set_explicit:
      return i.value;
    case intent::clear:
      return std::nullopt;
    case intent::preserve:
    case intent::set_default:
      return stored;
  }
  return stored;
}

status check_sticky(const char* field, const char* flag, const std::optional<std::string>& stored,
                    const std::optional<std::string>& wanted, bool allowed) {
  if (stored == wanted || allowed) {
    return status::ok();
  }
  return status(error_code::sticky_violation, std::string("cannot change sticky field '") + field +
                                                  "': Cannot change " + field + " from " +
                                                  show(stored) + " to " + show(wanted) +
                                                  " without --force or " + flag);
}

std::string cleanup_policy(const reserve_request& r) {
  if (r.prune_enabled && r.expire_enabled) {
    return "automatic pruning and expiration enabled";
  }
  if (r.prune_enabled) {
    return "automatic expiration disabled";
  }
  if (r.expire_enabled) {
    return "automatic pruning disabled";
  }
  return "automatic pruning and expiration disabled";
}

std::string exhausted_prefix(const reserve_request& r) {
  return "port range " + std::to_string(r.range.min) + "-" + std::to_string(r.range.max) +
         " exhausted";
}

}  // namespace

result<reclaim_outcome> reclaim_for_reserve(write_transaction& txn, std::int64_t now,
                                            const reserve_hooks& hooks,
                                            std::function<bool(const reservation_key&)> spare) {
  reclaim_request rr;
  rr.now = now;
  rr.occupied = hooks.occupied;
  rr.owner = hooks.check_owner;
  rr.spare = std::move(spare);
  auto got = reclaim_lapsed_leases(txn, rr);
  if (got && hooks.trace) {
    for (const lapsed_lease& l : got->reclaimed) {
      hooks.trace("reclaimed lapsed lease of " + to_display(l.record.key) + " (port " +
                  std::to_string(l.record.port) + ", " +
                  (l.why == lapse_reason::expired ? "expired" : "owner gone") + ")");
    }
    for (const lapsed_lease& l : got->kept_in_use) {
      hooks.trace("lease of " + to_display(l.record.key) + " lapsed but port " +
                  std::to_string(l.record.port) + " is in use; kept");
    }
  }
  return got;
}

status reserve(write_transaction& txn, const reserve_request& req, const reserve_hooks& hooks,
               reserve_outcome* out) {
  // Every writer reclaims lazily, before it plans: a reclaimed port is free
  // for this very allocation.
  auto reclaimed = reclaim_for_reserve(txn, req.now, hooks,
                                       [&](const reservation_key& k) { return k == req.key; });
  if (!reclaimed) {
    return reclaimed.error();
  }
  out->reclaimed = std::move(*reclaimed);
  const snapshot& view = txn.view();
  auto found = view.find(req.key);
  if (!found) {
    return found.error();
  }
  const std::optional<reservation>& existing = *found;
  reservation next;
  next.key = req.key;
  next.last_used_at = req.now;
  next.lease = req.lease;

  bool must_allocate = true;
  if (existing) {
    next.project = proposed(req.project, existing->project);
    next.task = proposed(req.task, existing->task);
    TROP_RETURN_IF_ERROR(check_sticky("project", "--allow-project-change", existing->project,
                                      next.project, req.force || req.allow_project_change));
    TROP_RETURN_IF_ERROR(check_sticky("task", "--allow-task-change", existing->task, next.task,
                                      req.force || req.allow_task_change));
    next.created_at = existing->created_at;
    next.port = existing->port;
    must_allocate = req.overwrite || req.force;
    if (!must_allocate) {
      bool same_meta = next.project == existing->project && next.task == existing->task;
      out->what = same_meta ? reserve_outcome::action::refreshed
                            : reserve_outcome::action::metadata_updated;
      if (req.preferred && *req.preferred != existing->port && hooks.trace) {
        hooks.trace("--port " + std::to_string(*req.preferred) + " ignored: " +
                    to_display(req.key) + " already holds port " + std::to_string(existing->port));
      }
    }
  } else {
    inferred_metadata guessed;
    if ((req.project.how == intent::preserve || req.task.how == intent::preserve) && hooks.infer) {
      guessed = hooks.infer(req.key.path);
    }
    auto pick = [](const metadata_intent& i, const std::optional<std::string>& g) {
      switch (i.how) {
        case intent::set_default:
        case intent::set_explicit:
          return std::optional<std::string>(i.value);
        case intent::clear:
          return std::optional<std::string>();
        case intent::preserve:
          return g;
      }
      return g;
    };
    next.project = pick(req.project, guessed.project);
    next.task = pick(req.task, guessed.task);
    next.created_at = req.now;
    out->what = reserve_outcome::action::created;
  }

  if (must_allocate) {
    allocation_request ar;
    ar.range = req.range;
    ar.excluded = &req.excluded;
    ar.preferred = req.preferred;
    if (existing) {
      ar.own_port = existing->port;
    }
    ar.ignore_exclusions = req.ignore_exclusions || req.force;
    ar.ignore_occupied = req.ignore_occupied || req.force;
    auto got = allocate(view, ar, hooks.occupied, hooks.trace);
    if (!got) {
      return got.error();
    }
    if (!got->port) {
      // SPEC B §9.3: automatic cleanup and exactly one retry.
      if (!req.prune_enabled && !req.expire_enabled) {
        return status(error_code::exhausted,
                      exhausted_prefix(req) +
                          ": cleanup was skipped (automatic pruning and expiration disabled); "
                          "remaining blockers: " +
                          got->blockers);
      }
      cleanup_request cr;
      cr.prune = req.prune_enabled;
      cr.expire = req.expire_enabled;
      cr.expire_after_days = req.expire_after_days;
      cr.now = req.now;
      cr.inspect = hooks.inspect;
      auto plan = plan_cleanup(view, cr);
      if (!plan) {
        return plan.error();
      }
      TROP_RETURN_IF_ERROR(apply_cleanup(txn, *plan));
      if (hooks.trace) {
        hooks.trace("range exhausted; automatic cleanup removed " + std::to_string(plan->total()) +
                    " reservation(s), retrying once");
      }
      bool self_removed = false;
      for (const auto* list : {&plan->pruned, &plan->expired}) {
        for (const reservation& r : *list) {
          self_removed = self_removed || r.key == req.key;
        }
      }
      if (self_removed) {
        ar.own_port.reset();
      }
      got = allocate(txn.view(), ar, hooks.occupied, hooks.trace);
      if (!got) {
        return got.error();
      }
      if (!got->port) {
        // The caller aborts the transaction, which rolls the cleanup back.
        return status(
            error_code::exhausted,
            exhausted_prefix(req) + " after cleanup: remaining blockers after the single retry: " +
                got->blockers + "; automatic cleanup pruned " +
                std::to_string(plan->pruned.size()) + " and expired " +
                std::to_string(plan->expired.size()) + " reservation(s); " + cleanup_policy(req));
      }
      out->cleanup = std::move(*plan);
    }
    next.port = *got->port;
    if (got->preferred_blocked) {
      out->preferred_warning = "preferred port " + std::to_string(*req.preferred) + " is " +
                               std::string(to_string(*got->preferred_blocked)) + "; reserved " +
                               std::to_string(next.port) + " instead";
    }
    if (existing) {
      out->what = reserve_outcome::action::reallocated;
    }
  }
  TROP_RETURN_IF_ERROR(txn.put(next));
  out->port = next.port;
  out->record = next;
  return status::ok();
}

}  // namespace trop
