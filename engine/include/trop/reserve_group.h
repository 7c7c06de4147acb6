// Group reservation (SPEC B §9.4 with A.2 #27, #28, #29): one record per
// service at the group's directory, allocated as preferred pins plus one
// base that fits the whole offset pattern; idempotent refresh of a
// compatible stored group; incompatible shapes refused unless forced.
// Thread safety: a function of its arguments; hooks are called serially.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "trop/reserve.h"

namespace trop {

struct group_service {
  std::string tag;  // trimmed
  std::optional<std::uint16_t> offset;
  std::optional<std::uint16_t> preferred;
};

struct group_request {
  std::string path;  // the group's directory, canonical
  std::vector<group_service> services;
  port_range range;  // [base or ports.min, effective max]
  exclusion_set excluded;
  metadata_intent project, task;
  bool force = false;  // replace an incompatible shape (never bypasses exclusions or occupancy)
  bool allow_project_change = false;
  bool allow_task_change = false;
  std::int64_t now = 0;
  // The lease of every service record after this call: new records get it,
  // a refresh replaces the stored one (nullopt: the group becomes sticky).
  // The group's own records are never reclaimed by this call.
  std::optional<trop::lease> lease;
};

struct group_outcome {
  enum class action { created, refreshed, replaced };
  action what = action::created;
  std::map<std::string, std::uint16_t> ports;  // by tag, byte-wise order
  // The lapsed leases of other keys this call reclaimed or had to keep.
  reclaim_outcome reclaimed;
};

// Reclaims lapsed leases of other keys (as trop::reserve does), then decides
// and applies on `txn`; does not commit. On error the caller aborts
// the transaction, which restores everything. Errors:
//   invalid_argument  no services ("validation error for 'reservations.services': ...")
//   conflict          an incompatible stored group without force, or stored
//                     rows that disagree on project/task when forcing
//   sticky_violation  an explicit project/task differs from the stored one
//   exhausted         "group allocation failed after attempting <k> service(s): ..."
status reserve_group(write_transaction& txn, const group_request& req, const reserve_hooks& hooks,
                     group_outcome* out);

}  // namespace trop
