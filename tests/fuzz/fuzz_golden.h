// The fixed image the WAL fuzz target replays over (generation 2, three
// records, last sequence 5), shared with the seed generator.
// Thread safety: a function-local static, initialised once.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/image.h"
#include "trop/reservation.h"

namespace trop::fuzz {

inline constexpr std::uint64_t kGoldenGeneration = 2;
inline constexpr std::uint64_t kGoldenLastSeq = 5;

inline std::vector<reservation> golden_records() {
  std::vector<reservation> rs;
  for (int i = 0; i < 3; ++i) {
    reservation r;
    r.key = {std::string("/img/") + std::to_string(i),
             i == 1 ? std::optional<std::string>("t") : std::nullopt};
    r.port = static_cast<std::uint16_t>(6000 + i);
    r.project = std::string("p");
    r.created_at = r.last_used_at = 1'700'000'000;
    rs.push_back(r);
  }
  return rs;
}

inline const std::string& golden_image() {
  static const std::string image =
      store_detail::build_image(golden_records(), kGoldenGeneration, kGoldenLastSeq);
  return image;
}

}  // namespace trop::fuzz
