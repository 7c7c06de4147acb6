// Threads sharing one store handle (built under ThreadSanitizer in CI,
// -DTROP_TSAN=ON): writers reserve and release through the engine's reserve
// operation, readers take snapshots and validate, all at once on a real
// directory. The in-process mutex paired with the file lock must serialise
// the writers; no port is ever held twice; every acknowledged reservation
// is there at the end.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "trop/reserve.h"
#include "trop/store.h"

using namespace trop;

namespace {

struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/trop-threads-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("Threads sharing one store handle never hand out a port twice and lose nothing",
          "[torture]") {
  temp_dir d;
  store_options o;
  o.data_dir = d.path + "/data";
  o.busy_timeout = std::chrono::seconds(60);
  o.checkpoint_bytes = 4096;  // several checkpoints while readers read
  auto s = store::open(o);
  REQUIRE(s.is_ok());
  const store& st = *s;
  REQUIRE(st.begin_write().is_ok());  // create it, so that validate() has a store from the start

  constexpr int kWriters = 6, kReaders = 2, kEach = 120;
  std::mutex mu;
  std::map<std::string, std::uint16_t> acked;  // path -> port, for kept reservations
  std::vector<std::string> failures;
  std::atomic<bool> done{false};
  auto fail = [&](const std::string& f) {
    std::lock_guard<std::mutex> g(mu);
    failures.push_back(f);
  };

  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        const std::string path = "/threads/w" + std::to_string(w) + "/" + std::to_string(i);
        auto t = st.begin_write();
        if (!t) {
          fail("begin_write: " + t.error().message());
          continue;
        }
        reserve_request req;
        req.key = {path, std::nullopt};
        req.range = {20000, 29999};
        req.prune_enabled = req.expire_enabled = false;
        req.now = 1'700'000'000 + i;
        reserve_outcome out;
        status planned = reserve(*t, req, reserve_hooks{}, &out);
        if (!planned) {
          fail("reserve: " + planned.message());
          continue;
        }
        // Every third reservation is released again by a second transaction.
        const bool release = i % 3 == 2;
        if (!t->commit()) {
          fail("commit failed");
          continue;
        }
        if (release) {
          auto t2 = st.begin_write();
          if (!t2 || !t2->erase(req.key) || !t2->commit()) {
            fail("release failed");
            continue;
          }
        } else {
          std::lock_guard<std::mutex> g(mu);
          acked[path] = out.port;
        }
      }
    });
  }
  std::atomic<int> reads{0};
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      while (!done) {
        auto snap = st.read();
        if (!snap) {
          fail("read: " + snap.error().message());
          continue;
        }
        std::set<std::uint16_t> ports;
        status s2 = snap->for_each([&](const reservation& rec) {
          if (!ports.insert(rec.port).second) {
            fail("port " + std::to_string(rec.port) + " held twice");
          }
          return true;
        });
        if (!s2) {
          fail("for_each: " + s2.message());
        }
        if (r == 0) {
          auto v = st.validate();
          if (!v) {
            fail("validate: " + v.error().message());
          }
        }
        ++reads;
      }
    });
  }
  for (int i = 0; i < kWriters; ++i) {
    threads[static_cast<std::size_t>(i)].join();
  }
  done = true;
  for (std::size_t i = kWriters; i < threads.size(); ++i) {
    threads[i].join();
  }
  for (const std::string& f : failures) {
    FAIL_CHECK(f);
  }
  auto snap = st.read();
  REQUIRE(snap.is_ok());
  std::map<std::string, std::uint16_t> stored;
  REQUIRE(snap->for_each([&](const reservation& r) {
    stored[r.key.path] = r.port;
    return true;
  }));
  CHECK(stored == acked);
  CHECK(stored.size() == kWriters * (kEach - kEach / 3));
  CHECK(reads > 0);
  CHECK(st.validate().is_ok());
}
