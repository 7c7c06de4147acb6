#include "trop/reserve_group.h"

#include <algorithm>
#include <set>

namespace trop {
namespace {

using intent = metadata_intent::kind;

std::string show(const std::optional<std::string>& v) {
  return v ? "\"" + *v + "\"" : "-";
}

struct availability {
  const snapshot& view;
  const exclusion_set& excluded;
  const reserve_hooks& hooks;
  // Reserved by anyone, excluded, or (possibly) occupied.
  result<bool> usable(std::uint16_t p) const {
    auto reserved = view.is_reserved(p);
    if (!reserved) {
      return reserved.error();
    }
    if (*reserved || excluded.contains(p)) {
      return false;
    }
    return !hooks.occupied || hooks.occupied(p) == occupancy_verdict::free;
  }
};

// Why a stored group does not fit the request, or "" when it does.
std::string incompatibility(const std::vector<reservation>& stored, const group_request& req) {
  std::set<std::string> have, want;
  for (const auto& r : stored) {
    have.insert(*r.key.tag);
  }
  for (const auto& s : req.services) {
    want.insert(s.tag);
  }
  if (have != want) {
    return "requested service set does not match stored service set";
  }
  std::optional<std::int64_t> base;
  for (const auto& s : req.services) {
    auto it = std::find_if(stored.begin(), stored.end(),
                           [&](const reservation& r) { return *r.key.tag == s.tag; });
    if (s.preferred && it->port == *s.preferred) {
      continue;
    }
    std::int64_t off = s.offset.value_or(0);
    std::int64_t b = std::int64_t{it->port} - off;
    if (b < 1 || b > 65535) {
      return "stored port " + std::to_string(it->port) + " cannot satisfy requested offset " +
             std::to_string(off);
    }
    if (!req.range.contains(static_cast<std::uint32_t>(b)) || !req.range.contains(it->port)) {
      return "a stored service mapping is outside the current scan range";
    }
    if (base && *base != b) {
      return "stored offset mappings imply different bases (" + std::to_string(*base) + " and " +
             std::to_string(b) + ")";
    }
    base = b;
  }
  return {};
}

// The value a field takes on refresh, after the sticky check.
status refreshed_value(const char* field, const char* flag, const metadata_intent& i,
                       const std::optional<std::string>& stored, bool allowed,
                       const std::string& path, std::optional<std::string>* value) {
  *value = stored;
  if (i.how == intent::set_explicit) {
    if (stored != std::optional<std::string>(i.value) && !allowed) {
      return status(error_code::sticky_violation,
                    std::string("cannot change sticky field '") + field +
                        "': Cannot change group " + field + " from " + show(stored) + " to \"" +
                        i.value + "\" without --force or " + flag + " (group at " + path + ")");
    }
    *value = i.value;
  }
  return status::ok();
}

// When forcing a new shape without an explicit value, the stored rows must agree.
status forced_value(const char* field, const metadata_intent& i,
                    const std::vector<reservation>& stored,
                    std::optional<std::string> reservation::*member, metadata_intent* out) {
  *out = i;
  if (i.how == intent::set_explicit || i.how == intent::clear || stored.empty()) {
    return status::ok();
  }
  const auto& first = stored.front().*member;
  for (const auto& r : stored) {
    if (r.*member != first) {
      return status(error_code::conflict, std::string("stored rows disagree on ") + field +
                                              "; provide an explicit value when forcing a shape "
                                              "replacement");
    }
  }
  *out = first ? metadata_intent{intent::set_explicit, *first} : metadata_intent{intent::clear, {}};
  return status::ok();
}

status allocate_fresh(write_transaction& txn, const group_request& req,
                      const metadata_intent& project, const metadata_intent& task,
                      const reserve_hooks& hooks, group_outcome* out) {
  availability avail{txn.view(), req.excluded, hooks};
  std::vector<const group_service*> ordered;
  for (const auto& s : req.services) {
    ordered.push_back(&s);
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const group_service* a, const group_service* b) { return a->tag < b->tag; });

  std::map<std::string, std::uint16_t> ports;
  std::set<std::uint16_t> pinned;
  std::vector<const group_service*> by_offset;
  for (const group_service* s : ordered) {
    if (s->preferred && !pinned.count(*s->preferred)) {
      auto ok = avail.usable(*s->preferred);
      if (!ok) {
        return ok.error();
      }
      if (*ok) {
        ports[s->tag] = *s->preferred;
        pinned.insert(*s->preferred);
        continue;
      }
      if (hooks.trace) {
        hooks.trace("preferred port " + std::to_string(*s->preferred) + " of service " +
                    std::to_string(by_offset.size() + ports.size() + 1) +
                    " unavailable; using its offset");
      }
    }
    by_offset.push_back(s);
  }
  if (!by_offset.empty()) {
    std::uint32_t max_off = 0;
    for (const group_service* s : by_offset) {
      max_off = std::max<std::uint32_t>(max_off, s->offset.value_or(0));
    }
    std::optional<std::uint32_t> found;
    for (std::uint32_t b = req.range.min; b + max_off <= req.range.max && !found; ++b) {
      bool fits = true;
      for (const group_service* s : by_offset) {
        std::uint32_t p = b + s->offset.value_or(0);
        if (pinned.count(static_cast<std::uint16_t>(p))) {
          fits = false;
          break;
        }
        auto ok = avail.usable(static_cast<std::uint16_t>(p));
        if (!ok) {
          return ok.error();
        }
        if (!*ok) {
          fits = false;
          break;
        }
      }
      if (fits) {
        found = b;
      }
    }
    if (!found) {
      return status(error_code::exhausted,
                    "group allocation failed after attempting " + std::to_string(by_offset.size()) +
                        " service(s): No scanned base can satisfy the complete offset fallback "
                        "pattern");
    }
    for (const group_service* s : by_offset) {
      ports[s->tag] = static_cast<std::uint16_t>(*found + s->offset.value_or(0));
    }
  }

  inferred_metadata guessed;
  if ((project.how == intent::preserve || task.how == intent::preserve) && hooks.infer) {
    guessed = hooks.infer(req.path);  // A.2 #29
  }
  auto pick = [](const metadata_intent& i, const std::optional<std::string>& g) {
    if (i.how == intent::set_default || i.how == intent::set_explicit) {
      return std::optional<std::string>(i.value);
    }
    return i.how == intent::clear ? std::optional<std::string>() : g;
  };
  for (const auto& [tag, port] : ports) {
    reservation r;
    r.key = {req.path, tag};
    r.port = port;
    r.project = pick(project, guessed.project);
    r.task = pick(task, guessed.task);
    r.created_at = r.last_used_at = req.now;
    r.lease = req.lease;
    TROP_RETURN_IF_ERROR(txn.put(r));
  }
  out->ports = std::move(ports);
  return status::ok();
}

}  // namespace

status reserve_group(write_transaction& txn, const group_request& req, const reserve_hooks& hooks,
                     group_outcome* out) {
  if (req.services.empty()) {
    return invalid_argument(
        "validation error for 'reservations.services': Reservation group must contain at least "
        "one service");
  }
  auto reclaimed = reclaim_for_reserve(txn, req.now, hooks, [&](const reservation_key& k) {
    return k.path == req.path && k.tag.has_value();
  });
  if (!reclaimed) {
    return reclaimed.error();
  }
  out->reclaimed = std::move(*reclaimed);
  std::vector<reservation> stored;
  TROP_RETURN_IF_ERROR(txn.view().for_each_under(req.path, [&](const reservation& r) {
    if (r.key.path == req.path && r.key.tag) {
      stored.push_back(r);
    }
    return r.key.path == req.path;
  }));

  if (stored.empty()) {
    out->what = group_outcome::action::created;
    return allocate_fresh(txn, req, req.project, req.task, hooks, out);
  }
  std::string why = incompatibility(stored, req);
  if (why.empty()) {
    out->what = group_outcome::action::refreshed;
    for (reservation r : stored) {
      std::optional<std::string> project, task;
      TROP_RETURN_IF_ERROR(refreshed_value("project", "--allow-project-change", req.project,
                                           r.project, req.force || req.allow_project_change,
                                           req.path, &project));
      TROP_RETURN_IF_ERROR(refreshed_value("task", "--allow-task-change", req.task, r.task,
                                           req.force || req.allow_task_change, req.path, &task));
      r.project = project;
      r.task = task;
      r.last_used_at = req.now;
      r.lease = req.lease;
      out->ports[*r.key.tag] = r.port;
      TROP_RETURN_IF_ERROR(txn.put(r));
    }
    return status::ok();
  }
  if (!req.force) {
    return status(error_code::conflict, "reservation conflict: existing group at " + req.path +
                                            " is incompatible: " + why);
  }
  metadata_intent project, task;
  TROP_RETURN_IF_ERROR(
      forced_value("project", req.project, stored, &reservation::project, &project));
  TROP_RETURN_IF_ERROR(forced_value("task", req.task, stored, &reservation::task, &task));
  for (const auto& r : stored) {
    TROP_RETURN_IF_ERROR(txn.erase(r.key));
  }
  out->what = group_outcome::action::replaced;
  return allocate_fresh(txn, req, project, task, hooks, out);
}

}  // namespace trop
