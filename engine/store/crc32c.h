// CRC-32C (Castagnoli), hardware-accelerated where the CPU has SSE4.2, and
// the LevelDB-style mask applied to every CRC stored on disk (a CRC of data
// that itself contains CRCs is then not trivially related to them).
// Thread safety: stateless.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace trop::store_detail {

// Extends `crc` (initially 0) over `data`.
std::uint32_t crc32c_extend(std::uint32_t crc, const char* data, std::size_t n);
inline std::uint32_t crc32c(std::string_view data) {
  return crc32c_extend(0, data.data(), data.size());
}

inline constexpr std::uint32_t kCrcMaskDelta = 0xa282ead8u;
inline std::uint32_t mask_crc(std::uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + kCrcMaskDelta;
}
inline std::uint32_t unmask_crc(std::uint32_t masked) {
  std::uint32_t rot = masked - kCrcMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace trop::store_detail
