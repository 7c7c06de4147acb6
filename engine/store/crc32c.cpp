#include "store/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#if defined(__GLIBC__) && __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>
#endif
#endif

namespace trop::store_detail {
namespace {

constexpr std::uint32_t kPolyReflected = 0x82f63b78u;

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) {
      c = (c & 1) ? (c >> 1) ^ kPolyReflected : c >> 1;
    }
    t[i] = c;
  }
  return t;
}
constexpr auto kTable = make_table();

std::uint32_t extend_portable(std::uint32_t crc, const char* data, std::size_t n) {
  std::uint32_t c = ~crc;
  for (std::size_t i = 0; i < n; ++i) {
    c = kTable[(c ^ static_cast<unsigned char>(data[i])) & 0xff] ^ (c >> 8);
  }
  return ~c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t extend_sse42(std::uint32_t crc, const char* data,
                                                             std::size_t n) {
  std::uint64_t c = ~crc;
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, data, 8);
    c = _mm_crc32_u64(c, word);
    data += 8;
    n -= 8;
  }
  auto c32 = static_cast<std::uint32_t>(c);
  while (n > 0) {
    c32 = _mm_crc32_u8(c32, static_cast<unsigned char>(*data));
    ++data;
    --n;
  }
  return ~c32;
}

// Asks glibc, which identified the CPU at start-up anyway: no CPUID of our
// own (a VM exit under virtualisation: in a profile of `trop reserve` it
// cost more than all the checksumming), and no __builtin_cpu_supports,
// which links libgcc's start-up constructor and its series of CPUIDs into
// every process.
bool cpu_has_sse42() {
#if defined(__GLIBC__) && __has_include(<sys/platform/x86.h>)
  static const bool has = CPU_FEATURE_ACTIVE(SSE4_2);
#else
  static const bool has = [] {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & bit_SSE4_2) != 0;
  }();
#endif
  return has;
}
#endif

}  // namespace

std::uint32_t crc32c_extend(std::uint32_t crc, const char* data, std::size_t n) {
#if defined(__x86_64__)
  if (cpu_has_sse42()) {
    return extend_sse42(crc, data, n);
  }
#endif
  return extend_portable(crc, data, n);
}

}  // namespace trop::store_detail
