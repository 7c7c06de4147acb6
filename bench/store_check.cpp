#include "store_check.h"

#include <bitset>
#include <memory>

#include "trop/reservation.h"
#include "trop/store.h"

namespace trop::bench {

store_check_result check_store(const std::string& data_dir,
                               std::optional<std::size_t> expected_records) {
  store_check_result out;
  auto fail = [&](const std::string& what) {
    out.violations.push_back(std::string(data_dir) += ": " + what);
  };
  store_options opts;
  opts.data_dir = data_dir;
  opts.create_if_missing = false;
  auto st = store::open(opts);
  if (!st) {
    fail("open: " + st.error().message());
    return out;
  }
  auto snap = st->read();
  if (!snap) {
    fail("read: " + snap.error().message());
    return out;
  }
  // 65536 bits: small enough for the stack of a check, but keep it off it anyway.
  auto held = std::make_unique<std::bitset<65536>>();
  std::optional<reservation_key> previous;
  std::size_t count = 0;
  status visited = snap->for_each([&](const reservation& r) {
    ++count;
    if (status s = check_reservation(r); !s.is_ok()) {
      fail("invalid record " + to_display(r.key) + ": " + s.message());
    }
    if (previous && !(*previous < r.key)) {
      fail("key " + to_display(r.key) + " is out of order or held twice");
    }
    if (held->test(r.port)) {
      fail("port " + std::to_string(r.port) + " is held by more than one key (again by " +
           to_display(r.key) + ")");
    }
    held->set(r.port);
    previous = r.key;
    return true;
  });
  if (!visited.is_ok()) {
    fail("for_each: " + visited.message());
  }
  if (count != snap->size()) {
    fail("for_each visited " + std::to_string(count) + " records but size() is " +
         std::to_string(snap->size()));
  }
  if (expected_records && count != *expected_records) {
    fail("expected " + std::to_string(*expected_records) + " records, found " +
         std::to_string(count));
  }
  auto v = st->validate();
  if (!v) {
    fail("validate: " + v.error().message());
  } else if (v->records != count) {
    fail("validate counted " + std::to_string(v->records) + " records, a snapshot " +
         std::to_string(count));
  }
  out.records = count;
  return out;
}

}  // namespace trop::bench
