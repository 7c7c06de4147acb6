// The reserve operation: allocation, preferred ports, sticky metadata,
// overwrite, inference and automatic cleanup with one retry.
#include <catch2/catch.hpp>

#include <set>

#include "store_fixture.h"
#include "trop/reserve.h"

using namespace trop;
using trop::test::dump;
using trop::test::mem_options;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;

struct harness {
  testing::mem_env e;
  store s = std::move(*store::open(mem_options(&e)));
  std::set<std::uint16_t> occupied;
  std::set<std::string> gone;  // paths that prune sees as missing
  std::vector<std::string> trace;

  reserve_hooks hooks() {
    reserve_hooks h;
    h.occupied = [this](std::uint16_t p) {
      return occupied.count(p) ? occupancy_verdict::occupied : occupancy_verdict::free;
    };
    h.inspect = [this](const std::string& p) {
      return path_inspection{gone.count(p) ? path_verdict::prune : path_verdict::keep, {}, {}};
    };
    h.infer = [](const std::string&) { return inferred_metadata{"inferred", "branch"}; };
    h.trace = [this](std::string_view t) { trace.emplace_back(t); };
    return h;
  }

  // Runs one reserve and commits it; returns the status.
  status run(const reserve_request& req, reserve_outcome* out = nullptr) {
    reserve_outcome local;
    auto t = s.begin_write();
    REQUIRE(t.is_ok());
    status st = reserve(*t, req, hooks(), out ? out : &local);
    if (st.is_ok()) {
      REQUIRE(t->commit().is_ok());
    }
    return st;
  }
};

reserve_request request(const std::string& path, std::optional<std::string> tag = std::nullopt) {
  reserve_request r;
  r.key = {path, std::move(tag)};
  r.range = {5000, 5009};
  r.now = kNow;
  return r;
}

metadata_intent explicit_value(std::string v) {
  return {metadata_intent::kind::set_explicit, std::move(v)};
}

}  // namespace

TEST_CASE("A new key gets the lowest free port and a repeat returns the same port", "[quick]") {
  harness h;
  reserve_outcome a, b, c;
  REQUIRE(h.run(request("/a"), &a).is_ok());
  REQUIRE(h.run(request("/b"), &b).is_ok());
  REQUIRE(a.port == 5000);
  REQUIRE(b.port == 5001);
  auto again = request("/a");
  again.now = kNow + 50;
  REQUIRE(h.run(again, &c).is_ok());
  REQUIRE(c.port == 5000);
  REQUIRE(c.what == reserve_outcome::action::refreshed);
  REQUIRE(c.record.last_used_at == kNow + 50);
  REQUIRE(c.record.created_at == kNow);
}

TEST_CASE("A new key without project or task takes the inferred ones", "[quick]") {
  harness h;
  reserve_outcome o;
  REQUIRE(h.run(request("/a"), &o).is_ok());
  REQUIRE(o.record.project == std::optional<std::string>("inferred"));
  REQUIRE(o.record.task == std::optional<std::string>("branch"));
  auto r = request("/b");
  r.project = {metadata_intent::kind::set_default, "fromfile"};
  r.task = {metadata_intent::kind::clear, {}};
  REQUIRE(h.run(r, &o).is_ok());
  REQUIRE(o.record.project == std::optional<std::string>("fromfile"));
  REQUIRE_FALSE(o.record.task.has_value());
}

TEST_CASE("A preferred port anywhere in 1..65535 is used when it is free", "[quick]") {
  harness h;
  auto r = request("/a");
  r.preferred = 8080;  // outside the range (A.2 #1)
  reserve_outcome o;
  REQUIRE(h.run(r, &o).is_ok());
  REQUIRE(o.port == 8080);
  REQUIRE_FALSE(o.preferred_warning.has_value());
}

TEST_CASE("An unusable preferred port falls back with a warning naming why", "[quick]") {
  harness h;
  auto first = request("/a");
  first.preferred = 5005;
  REQUIRE(h.run(first).is_ok());

  reserve_outcome o;
  auto taken = request("/b");
  taken.preferred = 5005;
  REQUIRE(h.run(taken, &o).is_ok());
  REQUIRE(o.port == 5000);
  REQUIRE(*o.preferred_warning == "preferred port 5005 is reserved; reserved 5000 instead");

  auto excluded = request("/c");
  excluded.preferred = 5007;
  excluded.excluded.add(5007);
  REQUIRE(h.run(excluded, &o).is_ok());
  REQUIRE(*o.preferred_warning == "preferred port 5007 is excluded; reserved 5001 instead");

  h.occupied.insert(5008);
  auto busy = request("/d");
  busy.preferred = 5008;
  REQUIRE(h.run(busy, &o).is_ok());
  REQUIRE(*o.preferred_warning == "preferred port 5008 is occupied; reserved 5002 instead");

  auto ignoring = request("/e");
  ignoring.preferred = 5008;
  ignoring.ignore_occupied = true;
  REQUIRE(h.run(ignoring, &o).is_ok());
  REQUIRE(o.port == 5008);
}

TEST_CASE("The scan skips excluded and occupied ports; ignore flags do not affect it", "[quick]") {
  harness h;
  h.occupied = {5000, 5001};
  auto r = request("/a");
  r.excluded.add(5002, 5003);
  r.ignore_occupied = true;
  r.ignore_exclusions = true;
  reserve_outcome o;
  REQUIRE(h.run(r, &o).is_ok());
  REQUIRE(o.port == 5004);
}

TEST_CASE("An explicit project change of an existing key is a sticky violation", "[quick]") {
  harness h;
  auto r = request("/a");
  r.project = explicit_value("one");
  REQUIRE(h.run(r).is_ok());
  auto before = dump(*h.s.read());

  r.project = explicit_value("two");
  status st = h.run(r);
  REQUIRE(st.code() == error_code::sticky_violation);
  REQUIRE(st.message() ==
          "cannot change sticky field 'project': Cannot change project from \"one\" to \"two\" "
          "without --force or --allow-project-change");
  REQUIRE(dump(*h.s.read()) == before);

  r.task = {metadata_intent::kind::clear, {}};
  r.project = explicit_value("one");
  st = h.run(r);
  REQUIRE(st.code() == error_code::sticky_violation);
  REQUIRE_THAT(st.message(), Catch::Contains("from \"branch\" to -"));

  r.allow_task_change = true;
  reserve_outcome o;
  REQUIRE(h.run(r, &o).is_ok());
  REQUIRE(o.what == reserve_outcome::action::metadata_updated);
  REQUIRE_FALSE(o.record.task.has_value());
  REQUIRE(o.port == 5000);
}

TEST_CASE("A project from a project file never breaks an existing key (A.2 #28)", "[quick]") {
  harness h;
  REQUIRE(h.run(request("/a")).is_ok());
  auto r = request("/a");
  r.project = {metadata_intent::kind::set_default, "added-later"};
  reserve_outcome o;
  REQUIRE(h.run(r, &o).is_ok());
  REQUIRE(o.what == reserve_outcome::action::refreshed);
  REQUIRE(o.record.project == std::optional<std::string>("inferred"));
}

TEST_CASE("Overwrite re-allocates, treating the key's own port as free", "[quick]") {
  harness h;
  REQUIRE(h.run(request("/low")).is_ok());  // 5000
  REQUIRE(h.run(request("/a")).is_ok());    // 5001
  auto rel = h.s.begin_write();
  REQUIRE(rel->erase({"/low", std::nullopt}).is_ok());
  REQUIRE(rel->commit().is_ok());
  auto r = request("/a");
  r.overwrite = true;
  reserve_outcome o;
  REQUIRE(h.run(r, &o).is_ok());
  REQUIRE(o.port == 5000);
  REQUIRE(o.what == reserve_outcome::action::reallocated);
  REQUIRE(o.record.created_at == kNow);
  r.preferred = 5009;
  REQUIRE(h.run(r, &o).is_ok());
  REQUIRE(o.port == 5009);
  REQUIRE(h.s.read()->size() == 1);
}

TEST_CASE("Exhaustion with cleanup disabled names the blockers", "[quick]") {
  harness h;
  auto r = request("/a");
  r.range = {5000, 5002};
  r.excluded.add(5002);
  h.occupied.insert(5001);
  REQUIRE(h.run(request("/x")).is_ok());  // takes 5000
  r.prune_enabled = r.expire_enabled = false;
  status st = h.run(r);
  REQUIRE(st.code() == error_code::exhausted);
  REQUIRE(st.message() ==
          "port range 5000-5002 exhausted: cleanup was skipped (automatic pruning and expiration "
          "disabled); remaining blockers: reserved, excluded, occupied");
}

TEST_CASE("Exhaustion prunes stale reservations and retries once", "[quick]") {
  harness h;
  for (const char* p : {"/s1", "/s2"}) {
    auto r = request(p);
    r.range = {5000, 5001};
    REQUIRE(h.run(r).is_ok());
  }
  h.gone.insert("/s2");
  auto r = request("/new");
  r.range = {5000, 5001};
  reserve_outcome o;
  REQUIRE(h.run(r, &o).is_ok());
  REQUIRE(o.port == 5001);
  REQUIRE(o.cleanup.has_value());
  REQUIRE(o.cleanup->pruned.size() == 1);
  REQUIRE(h.s.read()->size() == 2);
}

TEST_CASE("A failed retry rolls the cleanup back", "[quick]") {
  harness h;
  auto r = request("/old");
  r.range = {5000, 5000};
  r.now = kNow - 40 * 86400;
  REQUIRE(h.run(r).is_ok());
  auto before = dump(*h.s.read());
  h.occupied.insert(5000);  // expiring /old frees 5000, but it is occupied
  auto n = request("/new");
  n.range = {5000, 5000};
  status st = h.run(n);
  REQUIRE(st.code() == error_code::exhausted);
  REQUIRE(st.message() ==
          "port range 5000-5000 exhausted after cleanup: remaining blockers after the single "
          "retry: occupied; automatic cleanup pruned 0 and expired 1 reservation(s); automatic "
          "pruning and expiration enabled");
  REQUIRE(dump(*h.s.read()) == before);
}

TEST_CASE("A dry-run transaction plans on a snapshot and cannot commit", "[quick]") {
  harness h;
  REQUIRE(h.run(request("/a")).is_ok());
  auto t = h.s.begin_dry_run();
  REQUIRE(t.is_ok());
  REQUIRE(t->is_dry_run());
  reserve_outcome o;
  REQUIRE(reserve(*t, request("/b"), h.hooks(), &o).is_ok());
  REQUIRE(o.port == 5001);
  REQUIRE(t->commit().code() == error_code::invalid_argument);
  REQUIRE(h.s.read()->size() == 1);
  // A dry run takes no lock: a writer can start while it is open.
  REQUIRE(h.s.begin_write().is_ok());
}
