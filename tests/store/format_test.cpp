// Byte-format tests: image and WAL encode/decode, torn tails, checksums.
#include <catch2/catch.hpp>

#include "store/crc32c.h"
#include "store/image.h"
#include "store/wal.h"
#include "store_fixture.h"

using namespace trop;
using namespace trop::store_detail;
using trop::test::make_record;

namespace {

std::span<const std::byte> as_span(const std::string& s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

std::vector<reservation> sample_records(int n) {
  std::vector<reservation> v;
  for (int i = 0; i < n; ++i) {
    char path[32];
    std::snprintf(path, sizeof path, "/w/p%04d", i);
    v.push_back(make_record(path, static_cast<std::uint16_t>(6000 + (i * 7) % 900)));
    if (i % 3 == 0) {
      v.back().key.tag = "web";
      v.back().task = "main";
    }
  }
  std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.key < b.key; });
  return v;
}

wal_op put_op(const reservation& r) {
  wal_op op;
  op.type = wal_op::kind::put;
  op.record = r;
  op.key = r.key;
  return op;
}

std::string wal_with_frames(int n, std::uint32_t flags = kFrameSynced) {
  std::string w = encode_wal_header(7);
  for (int i = 0; i < n; ++i) {
    w += encode_frame(
        7, 1 + i, flags,
        {put_op(make_record("/f/" + std::to_string(i), static_cast<std::uint16_t>(5000 + i)))});
  }
  return w;
}

}  // namespace

TEST_CASE("CRC32C matches the published check value", "[quick]") {
  REQUIRE(crc32c("123456789") == 0xE3069283u);
  REQUIRE(unmask_crc(mask_crc(0x12345678u)) == 0x12345678u);
}

TEST_CASE("An image round-trips every record and index", "[quick]") {
  auto recs = sample_records(500);
  std::string img = build_image(recs, 3, 42);
  REQUIRE(img.size() % kPageSize == 0);
  auto r = image_reader::open(as_span(img));
  REQUIRE(r.is_ok());
  REQUIRE(r->size() == 500);
  REQUIRE(r->header().generation == 3);
  REQUIRE(r->header().last_seq == 42);
  for (std::uint32_t i = 0; i < recs.size(); ++i) {
    REQUIRE(r->record_at(i) == recs[i]);
    REQUIRE(r->find_key(recs[i].key) == std::optional<std::uint32_t>(i));
    REQUIRE(r->find_port(recs[i].port) == std::optional<std::uint32_t>(i));
    REQUIRE(r->port_bit(recs[i].port));
  }
  REQUIRE_FALSE(r->find_key({"/w/none", std::nullopt}).has_value());
  REQUIRE_FALSE(r->find_port(4999).has_value());
  REQUIRE_NOTHROW(r->check_everything());
}

TEST_CASE("An empty image has one header page and an empty bitmap", "[quick]") {
  std::string img = build_image({}, 1, 0);
  auto r = image_reader::open(as_span(img));
  REQUIRE(r.is_ok());
  REQUIRE(r->size() == 0);
  REQUIRE(r->bitmap_word(78) == 0);
  REQUIRE_NOTHROW(r->check_everything());
}

TEST_CASE("A SQLite file is recognised as the original tool's store", "[quick]") {
  std::string sqlite = std::string("SQLite format 3") + '\0' + std::string(4080, 'x');
  auto r = image_reader::open(as_span(sqlite));
  REQUIRE(r.error().code() == error_code::foreign_format);
  REQUIRE_THAT(r.error().message(), Catch::Contains("trop list --format json"));
  REQUIRE_THAT(r.error().message(), Catch::Contains("trop import"));
}

TEST_CASE("A newer format version is refused as unsupported", "[quick]") {
  std::string img = build_image({}, 1, 0);
  img[8] = 3;
  auto r = image_reader::open(as_span(img));
  REQUIRE(r.error().code() == error_code::unsupported_version);
  REQUIRE(r.error().message() == "unsupported store format version: expected 2, found 3");
}

TEST_CASE("Garbage and short files are corruption, not crashes", "[quick]") {
  for (std::string bytes : {std::string(), std::string(100, 'a'), std::string(8192, '\x7f')}) {
    auto r = image_reader::open(as_span(bytes));
    REQUIRE(r.error().code() == error_code::corruption);
  }
}

TEST_CASE("A WAL round-trips its frames", "[quick]") {
  std::string w = wal_with_frames(5);
  auto s = scan_wal(w, 7, 1);
  REQUIRE(s.is_ok());
  REQUIRE(s->header == wal_scan::header_state::current);
  REQUIRE(s->frames.size() == 5);
  REQUIRE(s->frames[4].seq == 5);
  REQUIRE(s->frames[4].ops[0].record.port == 5004);
  REQUIRE(s->valid_end == w.size());
  REQUIRE_FALSE(s->torn_tail);
}

TEST_CASE("TruncatedTrailingFrameIsIgnored", "[quick]") {
  std::string w = wal_with_frames(3);
  std::string full = w;
  w.resize(w.size() - 5);
  auto s = scan_wal(w, 7, 1);
  REQUIRE(s.is_ok());
  REQUIRE(s->frames.size() == 2);
  REQUIRE(s->torn_tail);
}

TEST_CASE("A checksum mismatch in the last frame is a torn tail", "[quick]") {
  std::string w = wal_with_frames(3);
  w[w.size() - 10] ^= 0x40;
  auto s = scan_wal(w, 7, 1);
  REQUIRE(s.is_ok());
  REQUIRE(s->frames.size() == 2);
  REQUIRE(s->torn_tail);
}

TEST_CASE("A checksum mismatch in a middle frame followed by a synced frame is corruption",
          "[quick]") {
  std::string w = wal_with_frames(3);
  w[kWalHeaderBytes + kFrameHeaderBytes + 3] ^= 0x01;  // payload of frame 1
  auto s = scan_wal(w, 7, 1);
  REQUIRE(s.error().code() == error_code::corruption);
  REQUIRE_THAT(s.error().message(), Catch::Contains("frame 1"));
}

TEST_CASE("Damage followed only by unsynced frames is a torn tail (normal durability)", "[quick]") {
  std::string w = wal_with_frames(3, 0);
  w[kWalHeaderBytes + kFrameHeaderBytes + 3] ^= 0x01;
  auto s = scan_wal(w, 7, 1);
  REQUIRE(s.is_ok());
  REQUIRE(s->frames.empty());
  REQUIRE(s->torn_tail);
}

TEST_CASE("A zero-filled tail is the end of the log", "[quick]") {
  std::string w = wal_with_frames(2) + std::string(4096, '\0');
  auto s = scan_wal(w, 7, 1);
  REQUIRE(s.is_ok());
  REQUIRE(s->frames.size() == 2);
  REQUIRE_FALSE(s->torn_tail);
}

TEST_CASE("A WAL of an older generation is stale and a newer one is reported", "[quick]") {
  std::string w = wal_with_frames(2);
  REQUIRE(scan_wal(w, 8, 1)->header == wal_scan::header_state::stale);
  REQUIRE(scan_wal(w, 6, 1)->header == wal_scan::header_state::newer);
}

TEST_CASE("A frame out of sequence before committed frames is corruption", "[quick]") {
  // Within one generation the first frame always follows the image's last
  // sequence number; anything else means the files do not belong together.
  std::string w = wal_with_frames(3);
  REQUIRE(scan_wal(w, 7, 2).error().code() == error_code::corruption);
}

TEST_CASE("A torn WAL header with nothing after it reads as an absent log", "[quick]") {
  std::string w = encode_wal_header(7).substr(0, 20);
  auto s = scan_wal(w, 7, 1);
  REQUIRE(s.is_ok());
  REQUIRE(s->header == wal_scan::header_state::absent);
  std::string damaged = wal_with_frames(2);
  damaged[17] ^= 1;
  REQUIRE(scan_wal(damaged, 7, 1).error().code() == error_code::corruption);
}

TEST_CASE("The WAL bytes match the worked example of docs/FORMAT.md", "[quick]") {
  reservation r;
  r.key.path = "/w";
  r.port = 5000;
  r.created_at = r.last_used_at = 0x0102030405060708;
  std::string w = encode_wal_header(1) + encode_frame(1, 1, kFrameSynced, {put_op(r)});
  REQUIRE(w.size() == 0x68);
  REQUIRE(w.substr(0, 8) == std::string("TROPWAL\0", 8));
  REQUIRE(w.substr(0x08, 4) == std::string("\x02\0\0\0", 4));
  REQUIRE(w.substr(0x10, 8) == std::string("\x01\0\0\0\0\0\0\0", 8));
  REQUIRE(w.substr(0x20, 4) == std::string("\x21\0\0\0", 4));
  REQUIRE(w.substr(0x28, 8) == std::string("\x01\0\0\0\0\0\0\0", 8));
  REQUIRE(w.substr(0x30, 8) == std::string("\x01\0\0\0\0\0\0\0", 8));
  REQUIRE(w.substr(0x38, 4) == std::string("\x01\0\0\0", 4));
  REQUIRE(w.substr(0x40, 4) == std::string("\x01\0\0\0", 4));
  REQUIRE(w[0x44] == 1);
  REQUIRE(w.substr(0x45, 4) == std::string("\x88\x13\0\0", 4));
  REQUIRE(w.substr(0x49, 8) == std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
  REQUIRE(w.substr(0x59, 6) == std::string("\x02\0\0\0/w", 6));
  REQUIRE(w.substr(0x5f, 2) == std::string("\0\0", 2));  // prev_port 0
  REQUIRE(w.substr(0x61, 7) == std::string(7, '\0'));
}
