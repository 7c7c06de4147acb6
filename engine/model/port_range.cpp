#include <algorithm>

#include "trop/port_range.h"

namespace trop {

void exclusion_set::add(std::uint16_t first, std::uint16_t last) {
  port_range added{first, last};
  // Insert in order, then merge overlapping or adjacent neighbours.
  auto it =
      std::lower_bound(ranges_.begin(), ranges_.end(), added,
                       [](const port_range& a, const port_range& b) { return a.min < b.min; });
  ranges_.insert(it, added);
  std::vector<port_range> merged;
  merged.reserve(ranges_.size());
  for (const port_range& r : ranges_) {
    if (!merged.empty() && std::uint32_t{r.min} <= std::uint32_t{merged.back().max} + 1) {
      merged.back().max = std::max(merged.back().max, r.max);
    } else {
      merged.push_back(r);
    }
  }
  ranges_ = std::move(merged);
}

bool exclusion_set::contains(std::uint32_t p) const {
  return next_allowed(p) != p;
}

std::uint32_t exclusion_set::next_allowed(std::uint32_t p) const {
  // The last range starting at or below p is the only one that can cover it.
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), p,
                             [](std::uint32_t v, const port_range& r) { return v < r.min; });
  if (it == ranges_.begin()) {
    return p;
  }
  --it;
  return p <= it->max ? std::uint32_t{it->max} + 1 : p;
}

}  // namespace trop
