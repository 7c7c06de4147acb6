#include "trop/allocation.h"

namespace trop {
namespace {

const exclusion_set kNoExclusions;

// Whether `port` is held by a key other than the one being re-allocated.
result<bool> reserved_by_other(const snapshot& snap, std::uint16_t port,
                               const allocation_request& req) {
  if (req.own_port && *req.own_port == port) {
    return false;
  }
  return snap.is_reserved(port);
}

void say(const trace_fn& trace, const std::string& text) {
  if (trace) {
    trace(text);
  }
}

// "port 5000" or "ports 5000-5009".
std::string range_text(std::uint32_t a, std::uint32_t b) {
  return a == b ? std::string("port ") + std::to_string(a)
                : std::string("ports ") + std::to_string(a) + "-" + std::to_string(b);
}

}  // namespace

std::string_view to_string(port_block b) {
  switch (b) {
    case port_block::reserved:
      return "reserved";
    case port_block::excluded:
      return "excluded";
    case port_block::occupied:
      return "occupied";
  }
  return "unavailable";
}

result<allocation_outcome> allocate(const snapshot& snap, const allocation_request& req,
                                    const occupancy_check& occupied, const trace_fn& trace) {
  const exclusion_set& excluded = req.excluded != nullptr ? *req.excluded : kNoExclusions;
  auto probe = [&](std::uint16_t p) { return occupied ? occupied(p) : occupancy_verdict::free; };
  allocation_outcome out;

  if (req.preferred && *req.preferred != 0) {
    const std::uint16_t p = *req.preferred;
    result<bool> reserved = reserved_by_other(snap, p, req);
    if (!reserved) {
      return reserved.error();
    }
    if (*reserved) {
      out.preferred_blocked = port_block::reserved;
    } else if (!req.ignore_exclusions && excluded.contains(p)) {
      out.preferred_blocked = port_block::excluded;
    } else if (!req.ignore_occupied && probe(p) != occupancy_verdict::free) {
      out.preferred_blocked = port_block::occupied;
    } else {
      out.port = p;
      return out;
    }
    say(trace, "preferred port " + std::to_string(p) +
                   " skipped: " + std::string(to_string(*out.preferred_blocked)));
  }

  bool met_occupied = false;
  std::uint32_t from = req.range.min;
  const std::uint32_t last = req.range.max;
  while (from <= last) {
    result<std::optional<std::uint16_t>> next = snap.next_free(from, last, excluded);
    if (!next) {
      return next.error();
    }
    std::optional<std::uint32_t> cand;
    if (*next) {
      cand = **next;
    }
    // The key's own port is not free in the snapshot but is free for it.
    if (req.own_port && *req.own_port >= from && *req.own_port <= last &&
        !excluded.contains(*req.own_port) && (!cand || *req.own_port < *cand)) {
      cand = *req.own_port;
    }
    if (!cand) {
      say(trace, range_text(from, last) + " skipped: reserved or excluded");
      break;
    }
    if (*cand > from) {
      say(trace, range_text(from, *cand - 1) + " skipped: reserved or excluded");
    }
    const auto port = static_cast<std::uint16_t>(*cand);
    occupancy_verdict v = probe(port);
    if (v == occupancy_verdict::free) {
      out.port = port;
      return out;
    }
    met_occupied = true;
    say(trace,
        "port " + std::to_string(port) + " skipped: " +
            (v == occupancy_verdict::occupied ? "occupied" : "possibly occupied (probe failed)"));
    from = *cand + 1;
  }

  // Exhausted: name what blocked (a rare path, so a plain scan of the range).
  bool met_reserved = false;
  bool met_excluded = false;
  for (std::uint32_t p = req.range.min; p <= last; ++p) {
    result<bool> reserved = reserved_by_other(snap, static_cast<std::uint16_t>(p), req);
    if (!reserved) {
      return reserved.error();
    }
    if (*reserved) {
      met_reserved = true;
    } else if (excluded.contains(p)) {
      met_excluded = true;
    }
  }
  for (auto [met, name] : {std::pair{met_reserved, "reserved"}, std::pair{met_excluded, "excluded"},
                           std::pair{met_occupied, "occupied"}}) {
    if (met) {
      if (!out.blockers.empty()) {
        out.blockers += ", ";
      }
      out.blockers += name;
    }
  }
  if (out.blockers.empty()) {
    out.blockers = "unavailable";
  }
  return out;
}

}  // namespace trop
