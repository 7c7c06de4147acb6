#include "trop/migrate.h"

#include <set>

namespace trop {

result<migrate_plan> plan_migrate(const snapshot& snap, const migrate_request& req) {
  migrate_plan plan;
  std::set<reservation_key> sources;
  status st = snap.for_each_under(req.from, [&](const reservation& r) {
    if (!req.recursive && r.key.path != req.from) {
      return true;
    }
    std::string rel = r.key.path.substr(req.from == "/" ? 1 : req.from.size());
    if (!rel.empty() && rel.front() == '/') {
      rel.erase(0, 1);
    }
    reservation moved = r;
    moved.key.path = rel.empty() ? req.to : (req.to == "/" ? "/" + rel : req.to + "/" + rel);
    plan.moves.push_back({r, moved});
    sources.insert(r.key);
    return true;
  });
  if (!st.is_ok()) {
    return st;
  }
  if (plan.moves.empty() && !req.recursive) {
    return not_found("not found: reservation at " + req.from);
  }
  for (const migrate_move& m : plan.moves) {
    if (!is_lexically_normal_absolute(m.to.key.path)) {
      return invalid_argument("invalid destination path " + m.to.key.path);
    }
    auto existing = snap.find(m.to.key);
    if (!existing) {
      return existing.error();
    }
    if (*existing && !sources.count(m.to.key)) {
      plan.conflicts.push_back(**existing);
    }
  }
  if (!plan.conflicts.empty() && !req.force) {
    return status(error_code::conflict, "reservation conflict: Found " +
                                            std::to_string(plan.conflicts.size()) +
                                            " conflicting reservation(s) at destination. Use "
                                            "--force to overwrite.");
  }
  return plan;
}

status apply_migrate(write_transaction& txn, const migrate_plan& plan) {
  for (const migrate_move& m : plan.moves) {
    TROP_RETURN_IF_ERROR(txn.erase(m.from.key));
  }
  for (const reservation& c : plan.conflicts) {
    TROP_RETURN_IF_ERROR(txn.erase(c.key));
  }
  for (const migrate_move& m : plan.moves) {
    TROP_RETURN_IF_ERROR(txn.put(m.to));
  }
  return status::ok();
}

}  // namespace trop
