// The interprocess lock on a real file system: busy timeouts, prompt wake-up,
// two handles in one process, and the fcntl close-any-descriptor trap.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "store_fixture.h"
#include "trop/store.h"

using namespace trop;
using trop::test::temp_dir;
using namespace std::chrono_literals;

namespace {

store open_store(const std::string& dir, std::chrono::milliseconds timeout) {
  store_options o;
  o.data_dir = dir + "/data";
  o.busy_timeout = timeout;
  return std::move(*store::open(o));
}

// Forks a child that tries to take the lock with `timeout`; returns its exit
// code: 0 locked, 2 busy, 1 other error.
int child_tries_lock(const std::string& dir, std::chrono::milliseconds timeout) {
  pid_t pid = ::fork();
  if (pid == 0) {
    auto s = open_store(dir, timeout);
    auto t = s.begin_write();
    ::_exit(t.is_ok() ? 0 : (t.error().code() == error_code::busy ? 2 : 1));
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

}  // namespace

TEST_CASE("A second handle in the same process waits for the lock and times out", "[quick]") {
  temp_dir d;
  auto a = open_store(d.path, 0ms);
  auto b = open_store(d.path, 200ms);
  auto ta = a.begin_write();
  REQUIRE(ta.is_ok());
  auto start = std::chrono::steady_clock::now();
  auto tb = b.begin_write();
  auto waited = std::chrono::steady_clock::now() - start;
  REQUIRE(tb.error().code() == error_code::busy);
  REQUIRE(tb.error().message() ==
          "database lock timeout while starting a write transaction after 0s");
  REQUIRE(waited >= 190ms);
  REQUIRE(waited < 2s);
}

TEST_CASE("Another process cannot take the lock while it is held", "[quick]") {
  temp_dir d;
  auto a = open_store(d.path, 0ms);
  auto ta = a.begin_write();
  REQUIRE(ta.is_ok());
  REQUIRE(child_tries_lock(d.path, 0ms) == 2);
  REQUIRE(child_tries_lock(d.path, 300ms) == 2);
  ta->abort();
  REQUIRE(child_tries_lock(d.path, 0ms) == 0);
}

TEST_CASE("A stray open and close of the lock file does not drop the lock", "[quick]") {
  temp_dir d;
  auto a = open_store(d.path, 0ms);
  auto b = open_store(d.path, 0ms);  // a second handle in the same process
  auto ta = a.begin_write();
  REQUIRE(ta.is_ok());
  int fd = ::open((d.path + "/data/trop.db-lock").c_str(), O_RDWR);
  REQUIRE(fd >= 0);
  ::close(fd);  // with classic fcntl locks this would release the lock
  REQUIRE(b.begin_write().error().code() == error_code::busy);
  REQUIRE(child_tries_lock(d.path, 0ms) == 2);
}

TEST_CASE("A waiter wakes promptly when the holder releases", "[quick]") {
  temp_dir d;
  auto a = open_store(d.path, 0ms);
  auto ta = a.begin_write();
  REQUIRE(ta.is_ok());
  pid_t pid = ::fork();
  if (pid == 0) {
    auto s = open_store(d.path, 5000ms);
    auto start = std::chrono::steady_clock::now();
    auto t = s.begin_write();
    auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    // The holder releases after ~300 ms; a sleep-polling waiter would still
    // be asleep for a while, a kernel waiter returns at once.
    ::_exit(t.is_ok() && waited < 1000ms ? 0 : 1);
  }
  std::this_thread::sleep_for(300ms);
  ta->abort();
  int st = 0;
  ::waitpid(pid, &st, 0);
  REQUIRE(WIFEXITED(st));
  REQUIRE(WEXITSTATUS(st) == 0);
}

TEST_CASE("Threads sharing one handle are serialised", "[quick]") {
  temp_dir d;
  auto s = open_store(d.path, 5000ms);
  std::atomic<int> inside{0}, max_inside{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 20; ++k) {
        auto t = s.begin_write();
        REQUIRE(t.is_ok());
        int now = ++inside;
        max_inside = std::max(max_inside.load(), now);
        auto port = t->view().next_free(5000, 7000, exclusion_set{});
        reservation r;
        r.key.path = "/t/" + std::to_string(i) + "/" + std::to_string(k);
        r.port = **port;
        --inside;
        REQUIRE(t->put(r).is_ok());
        REQUIRE(t->commit().is_ok());
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  REQUIRE(max_inside == 1);
  REQUIRE(s.read()->size() == 80);
  REQUIRE(s.validate().is_ok());
}
