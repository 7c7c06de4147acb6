// The occupancy seam (SPEC B §8): "is some process using this port right
// now?". Allocation asks it about each candidate; this slice ships only the
// no-op probe, and a later change plugs bind probes in here.
// Thread safety: a probe is used by one thread at a time.
#pragma once

#include <cstdint>

namespace trop::cli {

enum class occupancy {
  free,
  occupied,
  unknown,  // the probe failed: allocation treats the port as possibly occupied (A.2 #19)
};

class occupancy_probe {
 public:
  virtual ~occupancy_probe() = default;
  virtual occupancy probe(std::uint16_t port) = 0;
};

// Reports every port free: occupancy checking is not part of this slice.
class no_occupancy_probe final : public occupancy_probe {
 public:
  occupancy probe(std::uint16_t /*port*/) override { return occupancy::free; }
};

}  // namespace trop::cli
