// Fuzz target: the image reader (trop.db). Input: the bytes of trop.db.
// Through image_reader (open, every lookup, check_everything) and through
// the store API on a mem_env (read, validate, begin_write + commit), bad
// bytes must be a clean error; anything accepted must satisfy the record
// invariants and hold each port once.
#include <set>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "fuzz_snapshot_check.h"
#include "store/corrupt_error.h"
#include "store/image.h"
#include "testing/mem_env.h"
#include "trop/store.h"

using namespace trop;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto reader = store_detail::image_reader::open(
      std::as_bytes(std::span<const char>(bytes.data(), bytes.size())));
  if (reader) {
    try {
      // Lazy lookups first (they verify only the pages they touch)...
      (void)reader->port_bit(5000);
      (void)reader->find_port(5000);
      (void)reader->find_key(reservation_key{"/a", std::nullopt});
      (void)reader->lower_bound(reservation_key{"/", std::nullopt});
      (void)reader->bitmap_word(78);
      // ...then everything; only a fully checked image is trusted below.
      reader->check_everything();
      std::set<std::uint16_t> ports;
      for (std::uint32_t i = 0; i < reader->size(); ++i) {
        reservation r = reader->record_at(i);
        TROP_FUZZ_CHECK(check_reservation(r).is_ok());
        TROP_FUZZ_CHECK(ports.insert(r.port).second);
        TROP_FUZZ_CHECK(reader->find_port(r.port) == i);
        TROP_FUZZ_CHECK(reader->find_key(r.key) == i);
      }
    } catch (const store_detail::corrupt_error&) {
    }
  }
  // The same bytes as a store on disk.
  testing::mem_env e;
  e.set_contents("/d/trop.db", bytes);
  store_options o;
  o.data_dir = "/d";
  o.file_env = &e;
  o.busy_timeout = std::chrono::milliseconds(0);
  auto s = store::open(o);
  auto v = s->validate();
  auto snap = s->read();
  if (v) {
    TROP_FUZZ_CHECK(snap.is_ok());
    fuzz::check_validated_snapshot(*snap);
    auto t = s->begin_write();
    TROP_FUZZ_CHECK(t.is_ok());
    auto port = t->view().next_free(1, 65535, exclusion_set{});
    TROP_FUZZ_CHECK(port.is_ok());
    if (port->has_value()) {
      reservation r;
      r.key = {"/fuzz/new", std::nullopt};
      r.port = **port;
      TROP_FUZZ_CHECK(t->put(r).is_ok());
      TROP_FUZZ_CHECK(t->commit().is_ok());
      TROP_FUZZ_CHECK(s->validate().is_ok());
    }
  } else if (snap) {
    // validate() checks more than a lazy read: reads may still succeed, but
    // never crash; walking everything must then report or succeed cleanly.
    (void)snap->for_each([](const reservation&) { return true; });
    (void)snap->next_free(1, 65535, exclusion_set{});
  }
  return 0;
}
