// Fuzz target: the WAL reader (scan + replay). Input: the bytes of
// trop.db-wal, replayed over a fixed image (generation 2, 3 records, last
// sequence 5). scan_wal must return a clean error or a scan whose frames
// decode; the store API (read, validate, begin_write, which cuts torn tails,
// and a commit) must never crash and, when validate passes, hold valid
// records with unique ports.
#include <set>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "fuzz_golden.h"
#include "fuzz_snapshot_check.h"
#include "store/image.h"
#include "store/wal.h"
#include "testing/mem_env.h"
#include "trop/store.h"

using namespace trop;

using trop::fuzz::golden_image;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string wal(reinterpret_cast<const char*>(data), size);
  auto scan =
      store_detail::scan_wal(wal, trop::fuzz::kGoldenGeneration, trop::fuzz::kGoldenLastSeq + 1);
  if (scan) {
    TROP_FUZZ_CHECK(scan->valid_end <= wal.size() || scan->frames.empty());
    std::uint64_t seq = trop::fuzz::kGoldenLastSeq + 1;
    for (const auto& f : scan->frames) {
      TROP_FUZZ_CHECK(f.seq == seq++);
      TROP_FUZZ_CHECK(!f.ops.empty());
    }
  }
  testing::mem_env e;
  e.set_contents("/d/trop.db", golden_image());
  e.set_contents("/d/trop.db-wal", wal);
  store_options o;
  o.data_dir = "/d";
  o.file_env = &e;
  o.busy_timeout = std::chrono::milliseconds(0);
  auto s = store::open(o);
  auto v = s->validate();
  auto snap = s->read();
  if (!v) {
    return 0;
  }
  TROP_FUZZ_CHECK(snap.is_ok());
  fuzz::check_validated_snapshot(*snap);
  // A writer recovers (cuts a torn tail) and appends; the result validates.
  auto t = s->begin_write();
  TROP_FUZZ_CHECK(t.is_ok());
  auto port = t->view().next_free(7000, 7100, exclusion_set{});
  TROP_FUZZ_CHECK(port.is_ok() && port->has_value());
  reservation r;
  r.key = {"/fuzz/new", std::nullopt};
  r.port = **port;
  if (!t->view().find(r.key)->has_value()) {
    TROP_FUZZ_CHECK(t->put(r).is_ok());
    TROP_FUZZ_CHECK(t->commit().is_ok());
    TROP_FUZZ_CHECK(s->validate().is_ok());
    TROP_FUZZ_CHECK(s->read()->size() == snap->size() + 1);
  }
  return 0;
}
