// Port ranges and exclusion sets used by allocation.
// Thread safety: plain values; const methods are safe to share.
#pragma once

#include <cstdint>
#include <vector>

namespace trop {

// An inclusive range of ports. REQUIRES: 1 <= min <= max.
struct port_range {
  std::uint16_t min = 5000;
  std::uint16_t max = 7000;

  bool contains(std::uint32_t p) const { return p >= min && p <= max; }
  friend bool operator==(const port_range&, const port_range&) = default;
};

// A set of excluded ports, kept as sorted, merged, inclusive ranges so that
// "the next port at or above p that is not excluded" is a binary search.
class exclusion_set {
 public:
  exclusion_set() = default;

  // Adds [first, last]. REQUIRES: first <= last. Overlaps and duplicates merge.
  void add(std::uint16_t first, std::uint16_t last);
  void add(std::uint16_t p) { add(p, p); }

  bool contains(std::uint32_t p) const;
  // The smallest port >= p that is not excluded, or 65536 if there is none.
  std::uint32_t next_allowed(std::uint32_t p) const;
  // The merged ranges in ascending order.
  const std::vector<port_range>& ranges() const { return ranges_; }
  bool empty() const { return ranges_.empty(); }

 private:
  std::vector<port_range> ranges_;
};

}  // namespace trop
