// Image encoder and in-place reader. docs/FORMAT.md "Image" is the contract:
//   file   := page*            (page_count pages of kPageSize bytes)
//   page   := payload[4092] masked_crc32c(payload):u32
//   page 0 := header (see write_header) padded with zeros
//   body   := payloads of pages 1.. concatenated
//             = bitmap key_index port_index records               (version 1)
//             = bitmap key_index port_index lease_index records   (version 2)
#include "store/image.h"

#include <algorithm>
#include <cstring>

#include "store/coding.h"
#include "store/corrupt_error.h"
#include "store/crc32c.h"
#include "store/record_codec.h"

namespace trop::store_detail {
namespace {

constexpr char kSqliteMagic[16] = {'S', 'Q', 'L', 'i', 't', 'e', ' ', 'f',
                                   'o', 'r', 'm', 'a', 't', ' ', '3', '\0'};
// The header's length by version: version 2 appends the lease index section.
constexpr std::size_t kHeaderBytesV1 = 104;
constexpr std::size_t kHeaderBytesV2 = 120;

std::size_t header_bytes(std::uint32_t version) {
  return version >= 2 ? kHeaderBytesV2 : kHeaderBytesV1;
}
constexpr std::uint32_t kMaxRecords = 65535;  // ports are unique and non-zero
// Smallest encoded image record: len prefix + fixed fields + empty path length.
constexpr std::uint64_t kMinRecordBytes = 4 + 20 + 4;

[[noreturn]] void fail(const std::string& what) {
  throw corrupt_error("trop.db: " + what);
}

void write_header(std::string& out, const image_header& h) {
  out.append(kImageMagic, sizeof kImageMagic);
  put_u32(out, h.format_version);
  put_u32(out, kPageSize);
  put_u64(out, h.generation);
  put_u64(out, h.last_seq);
  put_u32(out, h.record_count);
  put_u32(out, h.page_count);
  for (const image_section* s :
       {&h.bitmap, &h.key_index, &h.port_index, &h.records, &h.lease_index}) {
    put_u64(out, s->offset);
    put_u64(out, s->length);
  }
}

void append_page(std::string& file, std::string_view payload) {
  std::string page(payload);
  page.resize(kPagePayload, '\0');
  put_u32(page, mask_crc(crc32c(page)));
  file += page;
}

}  // namespace

std::string build_image(const std::vector<reservation>& records, std::uint64_t generation,
                        std::uint64_t last_seq) {
  const auto n = static_cast<std::uint32_t>(records.size());
  std::string bitmap(kBitmapBytes, '\0');
  std::string key_index, port_index, lease_index, recs;
  std::vector<std::pair<std::uint16_t, std::uint16_t>> by_port;
  by_port.reserve(n);
  std::string one;
  for (std::uint32_t i = 0; i < n; ++i) {
    const reservation& r = records[i];
    put_u32(key_index, static_cast<std::uint32_t>(recs.size()));
    one.clear();
    encode_record(one, r);
    put_u32(recs, static_cast<std::uint32_t>(one.size()));
    recs += one;
    bitmap[r.port / 8] = static_cast<char>(bitmap[r.port / 8] | (1 << (r.port % 8)));
    by_port.emplace_back(r.port, static_cast<std::uint16_t>(i));
    if (r.lease) {
      put_u32(lease_index, i);
    }
  }
  std::sort(by_port.begin(), by_port.end());
  for (auto [port, ordinal] : by_port) {
    put_u16(port_index, port);
    put_u16(port_index, ordinal);
  }

  image_header h;
  h.generation = generation;
  h.last_seq = last_seq;
  h.record_count = n;
  std::uint64_t at = 0;
  for (auto [section, bytes] :
       {std::pair{&h.bitmap, &bitmap}, std::pair{&h.key_index, &key_index},
        std::pair{&h.port_index, &port_index}, std::pair{&h.lease_index, &lease_index},
        std::pair{&h.records, &recs}}) {
    section->offset = at;
    section->length = bytes->size();
    at += bytes->size();
  }
  std::string body = bitmap + key_index + port_index + lease_index + recs;
  std::uint64_t body_pages = (body.size() + kPagePayload - 1) / kPagePayload;
  h.page_count = static_cast<std::uint32_t>(1 + body_pages);

  std::string file;
  file.reserve(std::size_t{h.page_count} * kPageSize);
  std::string header;
  write_header(header, h);
  append_page(file, header);
  for (std::uint64_t p = 0; p < body_pages; ++p) {
    append_page(file, std::string_view(body).substr(p * kPagePayload, kPagePayload));
  }
  return file;
}

result<image_reader> image_reader::open(std::span<const std::byte> bytes) {
  const char* data = reinterpret_cast<const char*>(bytes.data());
  if (bytes.size() >= sizeof kSqliteMagic &&
      std::memcmp(data, kSqliteMagic, sizeof kSqliteMagic) == 0) {
    return status(error_code::foreign_format,
                  "trop.db is a SQLite database written by the original trop tool, which this "
                  "version cannot read. To move your reservations: with the original trop binary "
                  "run 'trop list --format json > reservations.json'; move the old trop.db aside; "
                  "then run 'trop import reservations.json'");
  }
  if (bytes.size() < kPageSize) {
    return corruption("trop.db: file is " + std::to_string(bytes.size()) +
                      " bytes, shorter than one page");
  }
  if (std::memcmp(data, kImageMagic, sizeof kImageMagic) != 0) {
    return corruption("trop.db: not a trop store image (bad magic number)");
  }
  // The version is checked before the page checksum: a newer format may lay
  // out its header differently, and it must be refused, not called corrupt.
  std::uint32_t version = load_u32(data + 8);
  if (version > kFormatVersion) {
    return status(error_code::unsupported_version, "unsupported store format version: expected " +
                                                       std::to_string(kFormatVersion) + ", found " +
                                                       std::to_string(version));
  }
  image_reader r(bytes);
  r.verified_.assign(bytes.size() / kPageSize + 1, false);
  try {
    r.verify_page(0);
  } catch (const corrupt_error& e) {
    return corruption(e.what());
  }
  byte_reader in(std::string_view(data + 8, header_bytes(version) - 8));
  image_header& h = r.header_;
  h.format_version = in.u32();
  std::uint32_t page_size = in.u32();
  h.generation = in.u64();
  h.last_seq = in.u64();
  h.record_count = in.u32();
  h.page_count = in.u32();
  for (image_section* s : {&h.bitmap, &h.key_index, &h.port_index, &h.records}) {
    s->offset = in.u64();
    s->length = in.u64();
  }
  if (version >= 2) {
    h.lease_index.offset = in.u64();
    h.lease_index.length = in.u64();
  } else {
    h.lease_index.offset = h.port_index.offset + h.port_index.length;
    h.lease_index.length = 0;
  }
  auto bad = [](const std::string& what) { return corruption("trop.db: header: " + what); };
  if (h.format_version == 0) {
    return bad("format version 0");
  }
  if (page_size != kPageSize) {
    return bad("page size " + std::to_string(page_size) + ", expected 4096");
  }
  if (bytes.size() % kPageSize != 0 || std::uint64_t{h.page_count} * kPageSize != bytes.size()) {
    return bad("page count " + std::to_string(h.page_count) + " does not match the file size " +
               std::to_string(bytes.size()));
  }
  const std::uint64_t n = h.record_count;
  const std::uint64_t body = std::uint64_t{h.page_count - 1} * kPagePayload;
  if (n > kMaxRecords) {
    return bad("record count " + std::to_string(n) + " exceeds 65535");
  }
  // Sections are contiguous and in order: bitmap, key index, port index,
  // lease index (version 2; empty in version 1), records.
  if (h.bitmap.offset != 0 || h.bitmap.length != kBitmapBytes ||
      h.key_index.offset != h.bitmap.length || h.key_index.length != 4 * n ||
      h.port_index.offset != h.key_index.offset + h.key_index.length ||
      h.port_index.length != 4 * n ||
      h.lease_index.offset != h.port_index.offset + h.port_index.length ||
      h.lease_index.length % 4 != 0 || h.lease_index.length > 4 * n ||
      h.records.offset != h.lease_index.offset + h.lease_index.length ||
      h.records.length < kMinRecordBytes * n || h.records.length > body ||
      h.records.offset + h.records.length > body ||
      body - (h.records.offset + h.records.length) >= kPagePayload) {
    return bad("section table is inconsistent with the record count and file size");
  }
  return r;
}

void image_reader::verify_page(std::uint64_t page) const {
  if (verified_[page]) {
    return;
  }
  const char* p = reinterpret_cast<const char*>(bytes_.data()) + page * kPageSize;
  std::uint32_t stored = load_u32(p + kPagePayload);
  if (unmask_crc(stored) != crc32c(std::string_view(p, kPagePayload))) {
    fail("page " + std::to_string(page) + " (bytes " + std::to_string(page * kPageSize) + "-" +
         std::to_string(page * kPageSize + kPageSize - 1) + "): checksum mismatch");
  }
  verified_[page] = true;
}

std::string image_reader::read_logical(std::uint64_t offset, std::uint64_t length) const {
  const std::uint64_t body = std::uint64_t{header_.page_count - 1} * kPagePayload;
  if (offset > body || length > body - offset) {
    fail("read of " + std::to_string(length) + " bytes at body offset " + std::to_string(offset) +
         " is out of bounds");
  }
  std::string out;
  out.reserve(length);
  const char* base = reinterpret_cast<const char*>(bytes_.data());
  while (length > 0) {
    std::uint64_t page = 1 + offset / kPagePayload;
    std::uint64_t in_page = offset % kPagePayload;
    std::uint64_t n = std::min<std::uint64_t>(length, kPagePayload - in_page);
    verify_page(page);
    out.append(base + page * kPageSize + in_page, n);
    offset += n;
    length -= n;
  }
  return out;
}

bool image_reader::port_bit(std::uint16_t port) const {
  std::string b = read_logical(header_.bitmap.offset + port / 8, 1);
  return (static_cast<unsigned char>(b[0]) >> (port % 8)) & 1;
}

std::uint64_t image_reader::bitmap_word(std::uint32_t w) const {
  return load_u64(read_logical(header_.bitmap.offset + std::uint64_t{w} * 8, 8).data());
}

std::string image_reader::bitmap_bytes() const {
  return read_logical(header_.bitmap.offset, kBitmapBytes);
}

std::uint32_t image_reader::lease_count() const {
  return static_cast<std::uint32_t>(header_.lease_index.length / 4);
}

std::uint32_t image_reader::leased_ordinal(std::uint32_t i) const {
  std::uint32_t ordinal =
      load_u32(read_logical(header_.lease_index.offset + std::uint64_t{i} * 4, 4).data());
  if (ordinal >= size()) {
    fail("lease index entry " + std::to_string(i) + " points past the last record");
  }
  return ordinal;
}

std::uint32_t image_reader::key_index_entry(std::uint32_t ordinal) const {
  return load_u32(read_logical(header_.key_index.offset + std::uint64_t{ordinal} * 4, 4).data());
}

reservation image_reader::record_at(std::uint32_t ordinal) const {
  std::uint64_t rel = key_index_entry(ordinal);
  if (rel + 4 > header_.records.length) {
    fail("key index entry " + std::to_string(ordinal) + " points outside the records section");
  }
  std::uint32_t len = load_u32(read_logical(header_.records.offset + rel, 4).data());
  if (len > header_.records.length - rel - 4) {
    fail("record " + std::to_string(ordinal) + " runs past the records section");
  }
  std::string bytes = read_logical(header_.records.offset + rel + 4, len);
  byte_reader in(bytes);
  reservation r;
  if (!decode_record(in, &r, header_.format_version) || in.remaining() != 0) {
    fail("record " + std::to_string(ordinal) + " is malformed");
  }
  return r;
}

std::uint32_t image_reader::lower_bound(const reservation_key& key) const {
  std::uint32_t lo = 0, hi = size();
  while (lo < hi) {
    std::uint32_t mid = lo + (hi - lo) / 2;
    if (record_at(mid).key < key) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

std::optional<std::uint32_t> image_reader::find_key(const reservation_key& key) const {
  std::uint32_t i = lower_bound(key);
  if (i < size() && record_at(i).key == key) {
    return i;
  }
  return std::nullopt;
}

std::optional<std::uint32_t> image_reader::find_port(std::uint16_t port) const {
  if (!port_bit(port)) {
    return std::nullopt;
  }
  std::uint32_t lo = 0, hi = size();
  while (lo < hi) {
    std::uint32_t mid = lo + (hi - lo) / 2;
    std::string e = read_logical(header_.port_index.offset + std::uint64_t{mid} * 4, 4);
    std::uint16_t p = load_u16(e.data());
    if (p < port) {
      lo = mid + 1;
    } else if (p > port) {
      hi = mid;
    } else {
      std::uint16_t ordinal = load_u16(e.data() + 2);
      if (ordinal >= size() || record_at(ordinal).port != port) {
        fail("port index entry for port " + std::to_string(port) + " disagrees with its record");
      }
      return ordinal;
    }
  }
  fail("port " + std::to_string(port) + " is set in the bitmap but missing from the port index");
}

void image_reader::check_everything() const {
  for (std::uint64_t p = 0; p < header_.page_count; ++p) {
    verify_page(p);
  }
  const char* base = reinterpret_cast<const char*>(bytes_.data());
  // The unused tail of the header page must be zero (room for later versions).
  for (std::size_t i = header_bytes(header_.format_version); i < kPagePayload; ++i) {
    if (base[i] != 0) {
      fail("header: non-zero byte at offset " + std::to_string(i));
    }
  }
  std::string bitmap = read_logical(header_.bitmap.offset, kBitmapBytes);
  std::string expected_bitmap(kBitmapBytes, '\0');
  std::vector<std::uint16_t> ordinal_of_port(65536, 0xffff);
  std::uint64_t next_offset = 0;
  std::optional<reservation_key> previous;
  std::vector<std::uint32_t> leased;
  for (std::uint32_t i = 0; i < size(); ++i) {
    if (key_index_entry(i) != next_offset) {
      fail("key index entry " + std::to_string(i) + " does not point at the next record");
    }
    reservation r = record_at(i);
    next_offset +=
        4 + load_u32(read_logical(header_.records.offset + key_index_entry(i), 4).data());
    status s = check_reservation(r);
    if (!s.is_ok()) {
      fail("record " + std::to_string(i) + " (" + to_display(r.key) + "): " + s.message());
    }
    if (previous && !(*previous < r.key)) {
      fail("record " + std::to_string(i) + " (" + to_display(r.key) +
           ") is out of order or duplicates the previous key");
    }
    if (ordinal_of_port[r.port] != 0xffff) {
      fail("port " + std::to_string(r.port) + " is stored for more than one reservation");
    }
    ordinal_of_port[r.port] = static_cast<std::uint16_t>(i);
    if (r.lease) {
      leased.push_back(i);
    }
    expected_bitmap[r.port / 8] =
        static_cast<char>(expected_bitmap[r.port / 8] | (1 << (r.port % 8)));
    previous = r.key;
  }
  if (next_offset != header_.records.length) {
    fail("records section has " + std::to_string(header_.records.length - next_offset) +
         " unaccounted bytes");
  }
  if (bitmap != expected_bitmap) {
    fail("occupancy bitmap disagrees with the records");
  }
  std::uint32_t prev_port = 0;
  for (std::uint32_t i = 0; i < size(); ++i) {
    std::string e = read_logical(header_.port_index.offset + std::uint64_t{i} * 4, 4);
    std::uint16_t port = load_u16(e.data());
    std::uint16_t ordinal = load_u16(e.data() + 2);
    if (port <= prev_port || ordinal_of_port[port] != ordinal) {
      fail("port index entry " + std::to_string(i) + " is out of order or disagrees with records");
    }
    prev_port = port;
  }
  // The lease index lists exactly the leased records, in key order.
  if (lease_count() != leased.size()) {
    fail("lease index has " + std::to_string(lease_count()) + " entries, but " +
         std::to_string(leased.size()) + " records carry a lease");
  }
  for (std::uint32_t i = 0; i < lease_count(); ++i) {
    std::uint32_t ordinal =
        load_u32(read_logical(header_.lease_index.offset + std::uint64_t{i} * 4, 4).data());
    if (ordinal != leased[i]) {
      fail("lease index entry " + std::to_string(i) + " (record " + std::to_string(ordinal) +
           ") disagrees with the records (expected record " + std::to_string(leased[i]) + ")");
    }
  }
  // Padding after the records section must be zero.
  const std::uint64_t body = std::uint64_t{header_.page_count - 1} * kPagePayload;
  std::uint64_t end = header_.records.offset + header_.records.length;
  std::string pad = read_logical(end, body - end);
  if (pad.find_first_not_of('\0') != std::string::npos) {
    fail("non-zero padding after the records section");
  }
}

}  // namespace trop::store_detail
