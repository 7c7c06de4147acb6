#include "port_info_output.h"

#include "trop/formats/text_escape.h"
#include "trop/formats/timestamp.h"

namespace trop::cli {
namespace {

void line(std::string* out, std::string_view label, std::string_view value) {
  out->append(label).append(value).push_back('\n');
}

std::string probe_subject(const probe_result& p) {
  std::string s = "  - ";
  s.append(human_name(p.protocol))
      .append(" ")
      .append(human_name(p.family))
      .append(" ")
      .append(to_string(p.scope))
      .append(" at ")
      .append(p.address);
  return s;
}

}  // namespace

std::string render_reservation_info(std::uint16_t port, const std::optional<reservation>& found,
                                    bool path_exists) {
  std::string out;
  if (!found) {
    line(&out, "Port ", std::to_string(port) + " is not reserved");
    return out;
  }
  const reservation& r = *found;
  line(&out, "Port: ", std::to_string(r.port));
  line(&out, "Path: ", escape_tsv_field(r.key.path));
  if (r.key.tag) {
    line(&out, "Tag: ", escape_tsv_field(*r.key.tag));
  }
  if (r.project) {
    line(&out, "Project: ", escape_tsv_field(*r.project));
  }
  if (r.task) {
    line(&out, "Task: ", escape_tsv_field(*r.task));
  }
  line(&out, "Created: ", format_timestamp(r.created_at));
  line(&out, "Last used: ", format_timestamp(r.last_used_at));
  line(&out, "Path exists: ", path_exists ? "yes" : "no");
  return out;
}

std::string format_duration_short(std::int64_t seconds) {
  if (seconds < 0) {
    seconds = -seconds;
  }
  constexpr std::int64_t kSizes[] = {86400, 3600, 60, 1};
  constexpr char kNames[] = {'d', 'h', 'm', 's'};
  std::int64_t parts[4] = {};
  for (int i = 0; i < 4; ++i) {
    parts[i] = seconds / kSizes[i];
    seconds %= kSizes[i];
  }
  int first = 0;
  while (first < 3 && parts[first] == 0) {
    ++first;
  }
  std::string out = std::to_string(parts[first]) + kNames[first];
  if (first < 3 && parts[first + 1] != 0) {
    out += ' ' + std::to_string(parts[first + 1]) + kNames[first + 1];
  }
  return out;
}

std::string render_lease_info(const lease& l, const lease_facts& facts) {
  std::string out;
  std::string state = "active";
  if (facts.lapsed) {
    if (!facts.port) {
      state = "lapsed, port not checked (the next write reclaims it)";
    } else {
      switch (*facts.port) {
        case occupancy_state::free:
          state = "lapsed, port free (the next write reclaims it)";
          break;
        case occupancy_state::occupied:
          state = "lapsed, port in use (kept until it is free)";
          break;
        case occupancy_state::unknown:
          state = "lapsed, port possibly in use (kept until a probe shows it free)";
          break;
      }
    }
  }
  line(&out, "Lease: ", state);
  if (l.expires_at) {
    const std::int64_t left = *l.expires_at - facts.now;
    line(&out, "Lease expires: ",
         format_timestamp(*l.expires_at) + " (" +
             (left > 0 ? std::string("in ") + format_duration_short(left)
                       : format_duration_short(left) + " ago") +
             ")");
  }
  if (l.owner) {
    std::string_view how = "unknowable";
    if (facts.owner == owner_state::alive) {
      how = "alive";
    } else if (facts.owner == owner_state::gone) {
      how = "gone";
    }
    line(&out, "Lease owner: ",
         std::string("pid ") + std::to_string(l.owner->pid) + " (" + std::string(how) + ")");
  }
  return out;
}

std::string render_occupancy_info(bool any_probe_enabled, const port_occupancy& occupancy,
                                  const owner_lookup& owner_of) {
  std::string out = "\nOccupancy status:\n";
  if (!any_probe_enabled) {
    out += "  Not checked: the effective policy disabled every probe\n";
    return out;
  }
  switch (occupancy.state) {
    case occupancy_state::free:
      out += "  Port is available\n";
      return out;
    case occupancy_state::occupied:
      out += "  Port is currently in use\n";
      break;
    case occupancy_state::unknown:
      out += "  Port is possibly in use (an occupancy probe failed)\n";
      break;
  }
  for (const probe_result& p : occupancy.probes) {
    if (p.state == occupancy_state::unknown) {
      out += probe_subject(p) + ": possibly in use (probe failed" +
             (p.error.empty() ? std::string() : ": " + p.error) + ")\n";
      continue;
    }
    if (p.state != occupancy_state::occupied) {
      continue;
    }
    out += probe_subject(p) + "\n";
    socket_owner o = owner_of ? owner_of(p) : socket_owner{};
    line(&out, "    Process ID: ", o.pid ? std::to_string(*o.pid) : "unavailable");
    line(&out, "    Process: ", o.process_name ? escape_tsv_field(*o.process_name) : "unavailable");
    line(&out, "    User: ", o.user ? escape_tsv_field(*o.user) : "unavailable");
    line(&out, "    Owner metadata: ", to_string(o.status()));
  }
  return out;
}

}  // namespace trop::cli
