// Corruption, classified by region: every byte of a golden image (40
// records, several pages) and of a golden WAL (six frames) is damaged in
// turn, and both files are truncated at every length. Each case must end in
// a clean error (corruption, unsupported_version, foreign_format) or a valid
// state that the store really held (for the WAL: a committed prefix); never
// a crash, never other data. The per-region counts of each outcome are
// printed for docs/RELIABILITY.md.
#include <catch2/catch.hpp>

#include <cstdio>
#include <map>

#include "store/image.h"
#include "store/wal.h"
#include "testing/mem_env.h"
#include "workload.h"

using namespace trop;
using namespace trop::reliability;

namespace {

struct golden {
  std::string image, wal;
  std::vector<std::vector<reservation>> states;  // image only, then after each WAL frame
  std::vector<std::uint64_t> frame_ends;         // WAL offset after each frame
};

golden make_golden() {
  testing::mem_env e;
  golden g;
  {
    // 40 records folded into an image by a checkpoint.
    auto s = store::open(options_on(&e, durability::full, 1));
    auto t = s->begin_write();
    REQUIRE(t.is_ok());
    for (int i = 0; i < 40; ++i) {
      reservation r;
      r.key = {std::string("/img/") + std::to_string(100 + i),
               i % 3 ? std::optional<std::string>("svc") : std::nullopt};
      r.port = static_cast<std::uint16_t>(6000 + 13 * i);
      if (i % 2) {
        r.project = std::string("project");
        r.task = std::string("task");
      }
      r.created_at = r.last_used_at = 1'700'000'000 + i;
      REQUIRE(t->put(r).is_ok());
    }
    REQUIRE(t->commit().is_ok());
  }
  auto s = store::open(options_on(&e, durability::full, 1 << 20));
  g.states.push_back(dump(*s->read()));
  g.frame_ends.push_back(store_detail::kWalHeaderBytes);
  for (int i = 0; i < 6; ++i) {
    auto t = s->begin_write();
    REQUIRE(t.is_ok());
    reservation r;
    r.key = {std::string("/wal/") + std::to_string(i), std::nullopt};
    r.port = static_cast<std::uint16_t>(5000 + i);
    r.created_at = r.last_used_at = 1'700'000'100;
    REQUIRE(t->put(r).is_ok());
    if (i == 3) {
      REQUIRE(t->erase({"/img/100", std::nullopt}).is_ok());
    }
    REQUIRE(t->commit().is_ok());
    g.states.push_back(dump(*s->read()));
    g.frame_ends.push_back(e.contents("/data/trop.db-wal").size());
  }
  g.image = e.contents("/data/trop.db");
  g.wal = e.contents("/data/trop.db-wal");
  return g;
}

enum class outcome {
  error,            // every entry point reports a clean error
  lazy_then_error,  // reads that did not touch the damage succeed with the true data; validate
                    // fails
  valid_prefix,     // validates and holds a committed prefix
};

const char* outcome_name(outcome o) {
  switch (o) {
    case outcome::error:
      return "error";
    case outcome::lazy_then_error:
      return "lazy read ok, validate error";
    case outcome::valid_prefix:
      return "valid prefix";
  }
  return "?";
}

bool clean_error(const status& s) {
  return s.code() == error_code::corruption || s.code() == error_code::unsupported_version ||
         s.code() == error_code::foreign_format;
}

// Opens damaged files through every entry point; fails the test on anything
// but a clean error or a state the store held.
outcome open_damaged(const golden& g, const std::string& image, const std::string& wal) {
  testing::mem_env e;
  e.set_contents("/data/trop.db", image);
  e.set_contents("/data/trop.db-wal", wal);
  auto s = store::open(options_on(&e, durability::full, 1 << 20));
  auto v = s->validate();
  auto snap = s->read();
  std::optional<std::vector<reservation>> seen;
  if (snap) {
    std::vector<reservation> rs;
    status st = snap->for_each([&](const reservation& r) {
      rs.push_back(r);
      return true;
    });
    if (st) {
      seen = rs;
    } else {
      INFO(st.message());
      REQUIRE(clean_error(st));
    }
  } else {
    INFO(snap.error().message());
    REQUIRE(clean_error(snap.error()));
  }
  bool is_state = false;
  if (seen) {
    for (const auto& state : g.states) {
      is_state = is_state || *seen == state;
    }
    REQUIRE(is_state);  // never other data
  }
  if (!v) {
    INFO(v.error().message());
    REQUIRE(clean_error(v.error()));
    // A writer refuses too: nothing gets built on damaged bytes.
    auto t = s->begin_write();
    if (t) {
      // Only a damaged WAL tail can be cut off by a writer (a torn tail);
      // then what it kept is a committed prefix and it validates again.
      REQUIRE(t->commit().is_ok());
      REQUIRE(s->validate().is_ok());
    } else {
      REQUIRE(clean_error(t.error()));
    }
    return seen ? outcome::lazy_then_error : outcome::error;
  }
  REQUIRE(seen);
  return outcome::valid_prefix;
}

// Region of the image byte at `offset`, from its header's section table.
std::string image_region(const store_detail::image_header& h, std::uint64_t offset) {
  const std::uint64_t page = offset / store_detail::kPageSize;
  const std::uint64_t in_page = offset % store_detail::kPageSize;
  if (in_page >= store_detail::kPagePayload) {
    return "page checksum";
  }
  if (page == 0) {
    return in_page < (h.format_version >= 2 ? 120u : 104u) ? "header" : "header padding";
  }
  const std::uint64_t body = (page - 1) * store_detail::kPagePayload + in_page;
  auto in = [&](const store_detail::image_section& s) {
    return body >= s.offset && body < s.offset + s.length;
  };
  if (in(h.bitmap)) {
    return "bitmap";
  }
  if (in(h.key_index)) {
    return "key index";
  }
  if (in(h.port_index)) {
    return "port index";
  }
  if (in(h.lease_index)) {
    return "lease index";
  }
  if (in(h.records)) {
    return "records";
  }
  return "padding";
}

std::string wal_region(const golden& g, std::uint64_t offset) {
  if (offset < store_detail::kWalHeaderBytes) {
    return "WAL header";
  }
  return offset >= g.frame_ends[g.frame_ends.size() - 2] ? "WAL last frame" : "WAL middle frames";
}

using tally = std::map<std::string, std::map<outcome, int>>;

void print(const char* what, const tally& t) {
  std::string line;
  int total = 0;
  for (const auto& [region, outs] : t) {
    line += "; " + region + ":";
    for (const auto& [o, n] : outs) {
      line += std::string(" ") + outcome_name(o) + " " + std::to_string(n);
      total += n;
    }
  }
  std::printf("[figure] corruption (%s): %d cases%s\n", what, total, line.c_str());
}

}  // namespace

TEST_CASE("Every single-byte damage of the image, by region, is a clean error", "[fault]") {
  golden g = make_golden();
  auto reader = store_detail::image_reader::open(
      std::as_bytes(std::span<const char>(g.image.data(), g.image.size())));
  REQUIRE(reader.is_ok());
  const store_detail::image_header h = reader->header();
  REQUIRE(h.page_count >= 4);
  tally t;
  for (unsigned char x : {0x01, 0x80, 0xff}) {
    for (std::size_t i = 0; i < g.image.size(); ++i) {
      std::string img = g.image;
      img[i] = static_cast<char>(img[i] ^ x);
      INFO("byte " << i << " xor " << int{x} << " (" << image_region(h, i) << ")");
      outcome o = open_damaged(g, img, g.wal);
      REQUIRE(o != outcome::valid_prefix);  // every image byte is under a checksum
      ++t[image_region(h, i)][o];
    }
  }
  print("image, every byte x 3 damages", t);
}

TEST_CASE(
    "Every single-byte damage of the WAL, by region, is a clean error or a committed "
    "prefix",
    "[fault]") {
  golden g = make_golden();
  tally t;
  for (unsigned char x : {0x01, 0x80, 0xff}) {
    for (std::size_t i = 0; i < g.wal.size(); ++i) {
      std::string wal = g.wal;
      wal[i] = static_cast<char>(wal[i] ^ x);
      INFO("byte " << i << " xor " << int{x} << " (" << wal_region(g, i) << ")");
      ++t[wal_region(g, i)][open_damaged(g, g.image, wal)];
    }
  }
  print("WAL, every byte x 3 damages", t);
  // Damage in the last frame is indistinguishable from a torn write.
  CHECK(t["WAL last frame"][outcome::error] == 0);
}

TEST_CASE("Truncation of the image or the WAL at every length, by region", "[fault]") {
  golden g = make_golden();
  auto reader = store_detail::image_reader::open(
      std::as_bytes(std::span<const char>(g.image.data(), g.image.size())));
  const store_detail::image_header h = reader->header();
  tally ti, tw;
  for (std::size_t n = 0; n < g.image.size(); ++n) {
    INFO("image length " << n);
    outcome o = open_damaged(g, g.image.substr(0, n), g.wal);
    REQUIRE(o == outcome::error);
    ++ti[n == 0 ? std::string("empty") : image_region(h, n - 1)][o];
  }
  for (std::size_t n = 0; n <= g.wal.size(); ++n) {
    INFO("WAL length " << n);
    outcome o = open_damaged(g, g.image, g.wal.substr(0, n));
    REQUIRE(o == outcome::valid_prefix);  // a cut WAL is a torn tail
    ++tw[n == 0 ? std::string("empty") : wal_region(g, n - 1)][o];
  }
  print("image truncated at every length", ti);
  print("WAL truncated at every length", tw);
}
