#include "trop/lease_reclaim.h"

namespace trop {

std::optional<lapse_reason> lease_lapsed(const lease& l, std::int64_t now,
                                         const owner_checker& check) {
  if (l.expires_at && now >= *l.expires_at) {
    return lapse_reason::expired;
  }
  if (l.owner && check(*l.owner) == owner_state::gone) {
    return lapse_reason::owner_gone;
  }
  return std::nullopt;
}

result<reclaim_outcome> reclaim_lapsed_leases(write_transaction& txn, const reclaim_request& req) {
  const owner_checker check =
      req.owner ? req.owner
                : owner_checker([](const process_identity& o) { return check_owner(o); });
  // Collect first: erasing while the snapshot is being visited would change
  // what the visit walks.
  std::vector<lapsed_lease> lapsed;
  TROP_RETURN_IF_ERROR(txn.view().for_each_leased([&](const reservation& r) {
    if (req.spare && req.spare(r.key)) {
      return true;
    }
    if (auto why = lease_lapsed(*r.lease, req.now, check)) {
      lapsed.push_back(lapsed_lease{r, *why});
    }
    return true;
  }));
  reclaim_outcome out;
  for (lapsed_lease& l : lapsed) {
    bool in_use = req.occupied && req.occupied(l.record.port) != occupancy_verdict::free;
    if (in_use) {
      out.kept_in_use.push_back(std::move(l));
      continue;
    }
    TROP_RETURN_IF_ERROR(txn.erase(l.record.key));
    out.reclaimed.push_back(std::move(l));
  }
  return out;
}

}  // namespace trop
