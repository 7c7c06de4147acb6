// Lapsed leases: by time, by owner death (including pid reuse), reclaimed
// only when the port is free, never touching sticky reservations; and how
// trop::reserve / trop::reserve_group reclaim before planning and store the
// request's lease.
#include <catch2/catch.hpp>

#include <unistd.h>
#include <map>
#include <set>

#include "store_fixture.h"
#include "trop/lease_reclaim.h"
#include "trop/reserve.h"
#include "trop/reserve_group.h"

using namespace trop;
using trop::test::dump;
using trop::test::make_record;
using trop::test::mem_options;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;

process_identity proc(std::int32_t pid, std::uint64_t start) {
  process_identity o;
  o.pid = pid;
  o.start_ticks = start;
  o.pid_namespace = 4026531836ULL;
  o.boot_id.fill(0x42);
  return o;
}

reservation with_lease(const std::string& path, std::uint16_t port,
                       std::optional<std::int64_t> expires,
                       std::optional<process_identity> owner = std::nullopt) {
  reservation r = make_record(path, port);
  r.lease = lease{expires, owner};
  return r;
}

// A fake process table: pid -> start ticks of the process living there now.
// Pids in `foreign` live in another pid namespace (unknowable).
struct fake_procs {
  std::map<std::int32_t, std::uint64_t> alive;
  std::set<std::int32_t> foreign;
  int calls = 0;

  owner_checker checker() {
    return [this](const process_identity& o) {
      ++calls;
      if (foreign.count(o.pid)) {
        return owner_state::unknowable;
      }
      auto it = alive.find(o.pid);
      return it != alive.end() && it->second == o.start_ticks ? owner_state::alive
                                                              : owner_state::gone;
    };
  }
};

struct harness {
  testing::mem_env e;
  store s = std::move(*store::open(mem_options(&e)));
  std::set<std::uint16_t> occupied, unknown;
  fake_procs procs;

  occupancy_check occupancy() {
    return [this](std::uint16_t p) {
      if (occupied.count(p)) {
        return occupancy_verdict::occupied;
      }
      return unknown.count(p) ? occupancy_verdict::possibly_occupied : occupancy_verdict::free;
    };
  }
  reserve_hooks hooks() {
    reserve_hooks h;
    h.occupied = occupancy();
    h.check_owner = procs.checker();
    return h;
  }
  void put(const std::vector<reservation>& rs) {
    auto t = s.begin_write();
    REQUIRE(t.is_ok());
    for (const auto& r : rs) {
      REQUIRE(t->put(r).is_ok());
    }
    REQUIRE(t->commit().is_ok());
  }
  reclaim_outcome reclaim(std::int64_t now) {
    auto t = s.begin_write();
    REQUIRE(t.is_ok());
    reclaim_request req;
    req.now = now;
    req.occupied = occupancy();
    req.owner = procs.checker();
    auto out = reclaim_lapsed_leases(*t, req);
    REQUIRE(out.is_ok());
    REQUIRE(t->commit().is_ok());
    return *out;
  }
  std::vector<std::string> paths() {
    std::vector<std::string> out;
    for (const auto& r : dump(*s.read())) {
      out.push_back(r.key.path);
    }
    return out;
  }
  status run(const reserve_request& req, reserve_outcome* out) {
    auto t = s.begin_write();
    REQUIRE(t.is_ok());
    status st = reserve(*t, req, hooks(), out);
    if (st.is_ok()) {
      REQUIRE(t->commit().is_ok());
    }
    return st;
  }
};

std::vector<std::string> paths_of(const std::vector<lapsed_lease>& v) {
  std::vector<std::string> out;
  for (const auto& l : v) {
    out.push_back(l.record.key.path);
  }
  return out;
}

reserve_request request(const std::string& path, std::optional<lease> l = std::nullopt) {
  reserve_request r;
  r.key = {path, std::nullopt};
  r.range = {5000, 5009};
  r.now = kNow;
  r.lease = std::move(l);
  return r;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("A lease lapses by time at expires_at, not a second before", "[quick]") {
  harness h;
  h.put({with_lease("/early", 5000, kNow - 1), with_lease("/now", 5001, kNow),
         with_lease("/later", 5002, kNow + 1)});
  reclaim_outcome out = h.reclaim(kNow);
  REQUIRE(paths_of(out.reclaimed) == V{"/early", "/now"});
  REQUIRE(out.reclaimed[0].why == lapse_reason::expired);
  REQUIRE(out.kept_in_use.empty());
  REQUIRE(h.paths() == V{"/later"});
  REQUIRE(h.reclaim(kNow + 1).reclaimed.size() == 1);
  REQUIRE(h.paths().empty());
}

TEST_CASE("A lease lapses when its owner is gone; an unknowable owner never lapses", "[quick]") {
  harness h;
  h.procs.alive = {{100, 1000}, {200, 2000}};
  h.procs.foreign = {300};
  h.put({with_lease("/alive", 5000, std::nullopt, proc(100, 1000)),
         with_lease("/dead", 5001, std::nullopt, proc(150, 1500)),
         with_lease("/foreign", 5002, std::nullopt, proc(300, 3000)),
         with_lease("/alive-but-expired", 5003, kNow - 10, proc(200, 2000))});
  reclaim_outcome out = h.reclaim(kNow);
  REQUIRE(paths_of(out.reclaimed) == V{"/alive-but-expired", "/dead"});
  REQUIRE(out.reclaimed[0].why == lapse_reason::expired);
  REQUIRE(out.reclaimed[1].why == lapse_reason::owner_gone);
  REQUIRE(h.paths() == V{"/alive", "/foreign"});
  // The owner dies later: the next writer reclaims it.
  h.procs.alive.erase(100);
  REQUIRE(paths_of(h.reclaim(kNow).reclaimed) == V{"/alive"});
  REQUIRE(h.paths() == V{"/foreign"});
}

TEST_CASE("A reused pid (another start time) does not keep a lease alive", "[quick]") {
  harness h;
  h.procs.alive = {{4242, 777}};  // pid 4242 now belongs to a process started at 777
  h.put({with_lease("/original", 5000, std::nullopt, proc(4242, 555)),
         with_lease("/current", 5001, std::nullopt, proc(4242, 777))});
  reclaim_outcome out = h.reclaim(kNow);
  REQUIRE(paths_of(out.reclaimed) == V{"/original"});
  REQUIRE(out.reclaimed[0].why == lapse_reason::owner_gone);
  REQUIRE(h.paths() == V{"/current"});
}

TEST_CASE("The default owner check reads /proc: our identity lives, another start time is gone",
          "[quick]") {
  auto me = identify_process(static_cast<std::int32_t>(getpid()));
  REQUIRE(me.is_ok());
  process_identity reused = *me;
  reused.start_ticks += 1;
  testing::mem_env e;
  auto s = store::open(mem_options(&e));
  {
    auto t = s->begin_write();
    REQUIRE(t->put(with_lease("/me", 5000, std::nullopt, *me)).is_ok());
    REQUIRE(t->put(with_lease("/reused", 5001, std::nullopt, reused)).is_ok());
    REQUIRE(t->commit().is_ok());
  }
  auto t = s->begin_write();
  reclaim_request req;  // no owner checker: trop::check_owner
  req.now = kNow;
  auto out = reclaim_lapsed_leases(*t, req);
  REQUIRE(out.is_ok());
  REQUIRE(paths_of(out->reclaimed) == V{"/reused"});
  REQUIRE(t->commit().is_ok());
  REQUIRE(dump(*s->read()).size() == 1);
}

TEST_CASE("A lapsed lease is reclaimed only once its port is free", "[quick]") {
  harness h;
  h.occupied = {5000};
  h.unknown = {5001};
  h.put({with_lease("/occupied", 5000, kNow - 1), with_lease("/unknown", 5001, kNow - 1),
         with_lease("/free", 5002, kNow - 1)});
  reclaim_outcome out = h.reclaim(kNow);
  REQUIRE(paths_of(out.reclaimed) == V{"/free"});
  REQUIRE(paths_of(out.kept_in_use) == V{"/occupied", "/unknown"});
  REQUIRE(h.paths() == V{"/occupied", "/unknown"});
  // The orphan stopped listening: the next writer reclaims.
  h.occupied.clear();
  h.unknown.clear();
  REQUIRE(paths_of(h.reclaim(kNow).reclaimed) == V{"/occupied", "/unknown"});
}

TEST_CASE("Sticky reservations are never reclaimed and not even looked at", "[quick]") {
  harness h;
  std::vector<reservation> sticky;
  for (int i = 0; i < 50; ++i) {
    sticky.push_back(
        make_record("/s/" + std::to_string(100 + i), static_cast<std::uint16_t>(6000 + i)));
  }
  h.put(sticky);
  h.put({with_lease("/t", 5000, std::nullopt, proc(9, 9))});
  h.procs.alive = {{9, 9}};
  reclaim_outcome out = h.reclaim(kNow + 100 * 365 * 86400LL);
  REQUIRE(out.reclaimed.empty());
  REQUIRE(out.kept_in_use.empty());
  REQUIRE(h.procs.calls == 1);  // only the leased record's owner was checked
  REQUIRE(dump(*h.s.read()).size() == 51);
}

TEST_CASE("reserve reclaims a lapsed lease of another key and takes its port", "[quick]") {
  harness h;
  h.put({with_lease("/old", 5000, kNow - 5)});
  reserve_request req = request("/new");
  req.range = {5000, 5000};
  reserve_outcome out;
  REQUIRE(h.run(req, &out).is_ok());
  REQUIRE(out.port == 5000);  // not a conflict: the lapsed record is gone first
  REQUIRE(paths_of(out.reclaimed.reclaimed) == V{"/old"});
  REQUIRE(h.paths() == V{"/new"});
  REQUIRE_FALSE(out.record.lease.has_value());
}

TEST_CASE("reserve keeps a lapsed lease whose port is in use and allocates elsewhere", "[quick]") {
  harness h;
  h.put({with_lease("/old", 5000, kNow - 5)});
  h.occupied = {5000};
  reserve_outcome out;
  REQUIRE(h.run(request("/new"), &out).is_ok());
  REQUIRE(out.port == 5001);
  REQUIRE(paths_of(out.reclaimed.kept_in_use) == V{"/old"});
  REQUIRE(h.paths() == V{"/new", "/old"});
  // With only that port in range, the range is exhausted (the record stays).
  reserve_request only = request("/other");
  only.range = {5000, 5000};
  only.prune_enabled = only.expire_enabled = false;
  REQUIRE(h.run(only, &out).code() == error_code::exhausted);
  REQUIRE(h.paths() == V{"/new", "/old"});
}

TEST_CASE("reserve reclaims lapsed leases outside its own range too", "[quick]") {
  harness h;
  h.put({with_lease("/far", 6000, kNow - 5), with_lease("/held", 6001, kNow + 60)});
  reserve_outcome out;
  REQUIRE(h.run(request("/new"), &out).is_ok());
  REQUIRE(out.port == 5000);
  REQUIRE(h.paths() == V{"/held", "/new"});
}

TEST_CASE("reserve stores the request's lease; a plain re-reserve makes the key sticky",
          "[quick]") {
  harness h;
  h.procs.alive = {{100, 1}};
  reserve_outcome out;
  REQUIRE(h.run(request("/a", lease{kNow + 60, std::nullopt}), &out).is_ok());
  REQUIRE(out.what == reserve_outcome::action::created);
  REQUIRE(out.record.lease == lease{kNow + 60, std::nullopt});
  REQUIRE(h.s.read()->find({"/a", std::nullopt})->value().lease == out.record.lease);

  // A lease-only change on an existing key commits, port and created_at kept.
  auto refresh = request("/a", lease{std::nullopt, proc(100, 1)});
  refresh.now = kNow + 10;
  REQUIRE(h.run(refresh, &out).is_ok());
  REQUIRE(out.port == 5000);
  REQUIRE(out.record.created_at == kNow);
  auto stored = h.s.read()->find({"/a", std::nullopt})->value();
  REQUIRE(stored.lease == lease{std::nullopt, proc(100, 1)});
  std::size_t leased = 0;
  REQUIRE(h.s.read()
              ->for_each_leased([&](const reservation&) {
                ++leased;
                return true;
              })
              .is_ok());
  REQUIRE(leased == 1);

  // A plain reserve of the leased key drops the lease: it is sticky now.
  REQUIRE(h.run(request("/a"), &out).is_ok());
  REQUIRE(out.port == 5000);
  REQUIRE_FALSE(h.s.read()->find({"/a", std::nullopt})->value().lease.has_value());
  h.procs.alive.clear();
  REQUIRE(h.reclaim(kNow + 1000).reclaimed.empty());
  REQUIRE(h.paths() == V{"/a"});
}

TEST_CASE("A key whose own lease lapsed keeps its port when re-reserved", "[quick]") {
  harness h;
  h.put({make_record("/x", 5000), with_lease("/mine", 5004, kNow - 1, proc(7, 7))});
  reserve_outcome out;
  REQUIRE(h.run(request("/mine", lease{kNow + 600, std::nullopt}), &out).is_ok());
  REQUIRE(out.port == 5004);  // not the lowest free port (5001): its own
  REQUIRE(out.reclaimed.reclaimed.empty());
  REQUIRE(out.record.lease == lease{kNow + 600, std::nullopt});
  REQUIRE(h.s.read()->find({"/mine", std::nullopt})->value().lease->expires_at == kNow + 600);
}

TEST_CASE("A dry run shows reclamation without changing the store", "[quick]") {
  harness h;
  h.put({with_lease("/old", 5000, kNow - 5)});
  auto t = h.s.begin_dry_run();
  REQUIRE(t.is_ok());
  reserve_request req = request("/new");
  req.range = {5000, 5000};
  reserve_outcome out;
  REQUIRE(reserve(*t, req, h.hooks(), &out).is_ok());
  REQUIRE(out.port == 5000);
  REQUIRE(out.reclaimed.reclaimed.size() == 1);
  REQUIRE(h.paths() == V{"/old"});
}

TEST_CASE("reserve_group reclaims first and leases every service", "[quick]") {
  harness h;
  h.put({with_lease("/stale", 5000, kNow - 1), with_lease("/stale2", 5001, kNow - 1)});
  group_request g;
  g.path = "/proj";
  g.range = {5000, 5100};
  g.now = kNow;
  g.services = {{"web", 0, std::nullopt}, {"api", 1, std::nullopt}};
  g.lease = lease{kNow + 60, std::nullopt};
  group_outcome out;
  {
    auto t = h.s.begin_write();
    REQUIRE(reserve_group(*t, g, h.hooks(), &out).is_ok());
    REQUIRE(t->commit().is_ok());
  }
  REQUIRE(out.ports == std::map<std::string, std::uint16_t>{{"api", 5001}, {"web", 5000}});
  REQUIRE(paths_of(out.reclaimed.reclaimed) == V{"/stale", "/stale2"});
  for (const auto& r : dump(*h.s.read())) {
    REQUIRE(r.lease == g.lease);
  }
  // The group's own lapsed lease: a refresh keeps its ports and takes the new lease.
  g.now = kNow + 120;
  g.lease = lease{kNow + 600, std::nullopt};
  {
    auto t = h.s.begin_write();
    REQUIRE(reserve_group(*t, g, h.hooks(), &out).is_ok());
    REQUIRE(t->commit().is_ok());
  }
  REQUIRE(out.what == group_outcome::action::refreshed);
  REQUIRE(out.ports == std::map<std::string, std::uint16_t>{{"api", 5001}, {"web", 5000}});
  REQUIRE(out.reclaimed.reclaimed.empty());
  for (const auto& r : dump(*h.s.read())) {
    REQUIRE(r.lease == g.lease);
  }
  // Without a lease, a refresh makes the group sticky.
  g.lease.reset();
  {
    auto t = h.s.begin_write();
    REQUIRE(reserve_group(*t, g, h.hooks(), &out).is_ok());
    REQUIRE(t->commit().is_ok());
  }
  for (const auto& r : dump(*h.s.read())) {
    REQUIRE_FALSE(r.lease.has_value());
  }
}
