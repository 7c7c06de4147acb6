// The image file trop.db: an immutable checkpoint of every reservation,
// read in place from a memory mapping. Byte layout: docs/FORMAT.md "Image".
// Thread safety: an image_reader caches which pages it verified; use one per
// thread (snapshots are per-thread). build_image is stateless.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "trop/reservation.h"
#include "trop/status.h"

namespace trop::store_detail {

// The version this build writes. It reads every version from 1 up to it
// (docs/FORMAT.md "Versioning"); version 2 added leases.
inline constexpr std::uint32_t kFormatVersion = 2;
inline constexpr std::uint32_t kPageSize = 4096;
inline constexpr std::uint32_t kPagePayload = kPageSize - 4;
inline constexpr std::uint32_t kBitmapBytes = 65536 / 8;
inline constexpr char kImageMagic[8] = {'T', 'R', 'O', 'P', 'I', 'M', 'G', '\0'};

struct image_section {
  std::uint64_t offset = 0;  // in the logical body (page payloads concatenated)
  std::uint64_t length = 0;
};

struct image_header {
  std::uint32_t format_version = kFormatVersion;
  std::uint64_t generation = 0;  // the WAL generation that continues this image
  std::uint64_t last_seq = 0;    // sequence number of the last WAL frame folded in
  std::uint32_t record_count = 0;
  std::uint32_t page_count = 0;
  image_section bitmap, key_index, port_index, records;
  // Version 2: the key-order ordinals of the leased records. A version-1
  // image reads as an empty section at the start of the records section.
  image_section lease_index;
};

// Encodes `records` (REQUIRES: sorted by key, unique keys and ports, each
// valid) as a complete image file in format version kFormatVersion.
std::string build_image(const std::vector<reservation>& records, std::uint64_t generation,
                        std::uint64_t last_seq);

// Reads an image in place. Pages are checksum-verified the first time they
// are touched; bad bytes throw corrupt_error (caught at the API edge).
class image_reader {
 public:
  // Checks the magic, version and header page. Errors: foreign_format (a
  // SQLite file), unsupported_version (newer format), corruption.
  // `bytes` must outlive the reader.
  static result<image_reader> open(std::span<const std::byte> bytes);

  const image_header& header() const { return header_; }
  std::uint32_t size() const { return header_.record_count; }

  bool port_bit(std::uint16_t port) const;
  // The record at key-order position `ordinal`. REQUIRES: ordinal < size().
  reservation record_at(std::uint32_t ordinal) const;
  std::optional<std::uint32_t> find_key(const reservation_key& key) const;
  std::optional<std::uint32_t> find_port(std::uint16_t port) const;
  // The first ordinal whose key is >= `key` (size() if none).
  std::uint32_t lower_bound(const reservation_key& key) const;
  // Reads one 64-bit word of the occupancy bitmap (ports 64*w .. 64*w+63).
  std::uint64_t bitmap_word(std::uint32_t w) const;
  // The whole 8 KiB occupancy bitmap.
  std::string bitmap_bytes() const;
  // How many records carry a lease (0 in a version-1 image), and the
  // key-order ordinal of the i-th of them (ascending). REQUIRES: i <
  // lease_count(). Throws corrupt_error for an ordinal out of range.
  std::uint32_t lease_count() const;
  std::uint32_t leased_ordinal(std::uint32_t i) const;

  // Verifies every page and every invariant of the image (validate()).
  void check_everything() const;

 private:
  explicit image_reader(std::span<const std::byte> bytes) : bytes_(bytes) {}
  void verify_page(std::uint64_t page) const;
  std::string read_logical(std::uint64_t offset, std::uint64_t length) const;
  std::uint32_t key_index_entry(std::uint32_t ordinal) const;

  std::span<const std::byte> bytes_;
  image_header header_;
  mutable std::vector<bool> verified_;
};

}  // namespace trop::store_detail
