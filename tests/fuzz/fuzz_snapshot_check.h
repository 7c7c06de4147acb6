// Shared by the image and WAL fuzz targets: what every snapshot of a store
// that passed validate() must satisfy.
// Thread safety: single-threaded, like the fuzzers.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

#include "fuzz_common.h"
#include "trop/store.h"

namespace trop::fuzz {

// Every record meets the record invariants, no port is held twice, the
// count agrees with size(), and for_each_leased lists exactly the leased
// records in key order.
inline void check_validated_snapshot(const snapshot& snap) {
  std::set<std::uint16_t> ports;
  std::size_t n = 0;
  std::vector<reservation_key> leased;
  TROP_FUZZ_CHECK(snap.for_each([&](const reservation& r) {
                        TROP_FUZZ_CHECK(check_reservation(r).is_ok());
                        TROP_FUZZ_CHECK(ports.insert(r.port).second);
                        ++n;
                        if (r.lease) {
                          leased.push_back(r.key);
                        }
                        return true;
                      })
                      .is_ok());
  TROP_FUZZ_CHECK(n == snap.size());
  std::vector<reservation_key> listed;
  TROP_FUZZ_CHECK(snap.for_each_leased([&](const reservation& r) {
                        listed.push_back(r.key);
                        return true;
                      })
                      .is_ok());
  TROP_FUZZ_CHECK(listed == leased);
}

}  // namespace trop::fuzz
