// Group allocation and reconciliation (SPEC B §9.4).
#include <catch2/catch.hpp>

#include <set>

#include "store_fixture.h"
#include "trop/reserve_group.h"

using namespace trop;
using trop::test::dump;
using trop::test::make_record;
using trop::test::mem_options;

namespace {

constexpr std::int64_t kNow = 1'700'000'000;

struct harness {
  testing::mem_env e;
  store s = std::move(*store::open(mem_options(&e)));
  std::set<std::uint16_t> occupied;

  reserve_hooks hooks() {
    reserve_hooks h;
    h.occupied = [this](std::uint16_t p) {
      return occupied.count(p) ? occupancy_verdict::occupied : occupancy_verdict::free;
    };
    return h;
  }
  status run(const group_request& req, group_outcome* out) {
    auto t = s.begin_write();
    REQUIRE(t.is_ok());
    status st = reserve_group(*t, req, hooks(), out);
    if (st.is_ok()) {
      REQUIRE(t->commit().is_ok());
    }
    return st;
  }
};

group_request web_api_db() {
  group_request g;
  g.path = "/proj";
  g.range = {5000, 7000};
  g.now = kNow;
  g.services = {{"web", 0, 8080}, {"api", 1, std::nullopt}, {"db", 2, std::nullopt}};
  return g;
}

}  // namespace

TEST_CASE("The README group example: web pinned to 8080, api and db from base 5000", "[quick]") {
  harness h;
  group_outcome o;
  REQUIRE(h.run(web_api_db(), &o).is_ok());
  REQUIRE(o.what == group_outcome::action::created);
  REQUIRE(o.ports ==
          std::map<std::string, std::uint16_t>{{"api", 5001}, {"db", 5002}, {"web", 8080}});
  REQUIRE(dump(*h.s.read()).size() == 3);
}

TEST_CASE("A repeated group request refreshes the same mapping", "[quick]") {
  harness h;
  group_outcome a, b;
  REQUIRE(h.run(web_api_db(), &a).is_ok());
  auto again = web_api_db();
  again.now = kNow + 10;
  REQUIRE(h.run(again, &b).is_ok());
  REQUIRE(b.what == group_outcome::action::refreshed);
  REQUIRE(a.ports == b.ports);
  for (const auto& r : dump(*h.s.read())) {
    REQUIRE(r.last_used_at == kNow + 10);
    REQUIRE(r.created_at == kNow);
  }
}

TEST_CASE("A base must fit every offset: reserved, excluded and occupied ports push it up",
          "[quick]") {
  harness h;
  auto t = h.s.begin_write();
  REQUIRE(t->put(make_record("/other", 5001)).is_ok());
  REQUIRE(t->commit().is_ok());
  auto g = web_api_db();
  g.excluded.add(5004);
  h.occupied.insert(5005);
  h.occupied.insert(8080);  // preferred unavailable: web joins the offset set
  group_outcome o;
  REQUIRE(h.run(g, &o).is_ok());
  // Bases 5000 (5001 reserved), 5001..5005 hit 5001/5004/5005; base 5006 fits 5006-5008.
  REQUIRE(o.ports ==
          std::map<std::string, std::uint16_t>{{"api", 5007}, {"db", 5008}, {"web", 5006}});
}

TEST_CASE("Offsets near the end of the range and exhaustion", "[quick]") {
  harness h;
  group_request g;
  g.path = "/end";
  g.range = {5000, 5003};
  g.services = {{"a", 0, std::nullopt}, {"b", 3, std::nullopt}};
  group_outcome o;
  REQUIRE(h.run(g, &o).is_ok());
  REQUIRE(o.ports.at("b") == 5003);
  g.path = "/end2";
  status st = h.run(g, &o);
  REQUIRE(st.code() == error_code::exhausted);
  REQUIRE(st.message() ==
          "group allocation failed after attempting 2 service(s): No scanned base can satisfy "
          "the complete offset fallback pattern");
}

TEST_CASE("Distinct groups get disjoint ports", "[quick]") {
  harness h;
  std::set<std::uint16_t> all;
  for (int i = 0; i < 10; ++i) {
    auto g = web_api_db();
    g.path = "/g" + std::to_string(i);
    group_outcome o;
    REQUIRE(h.run(g, &o).is_ok());
    for (auto [tag, p] : o.ports) {
      REQUIRE(all.insert(p).second);
    }
  }
  REQUIRE(all.size() == 30);  // web's 8080 only once; the others fell back
}

TEST_CASE("An incompatible stored group is refused, or replaced with --force", "[quick]") {
  harness h;
  group_outcome o;
  REQUIRE(h.run(web_api_db(), &o).is_ok());
  auto before = dump(*h.s.read());
  auto g = web_api_db();
  g.services.pop_back();
  status st = h.run(g, &o);
  REQUIRE(st.code() == error_code::conflict);
  REQUIRE(st.message() ==
          "reservation conflict: existing group at /proj is incompatible: requested service set "
          "does not match stored service set");
  REQUIRE(dump(*h.s.read()) == before);
  g.force = true;
  REQUIRE(h.run(g, &o).is_ok());
  REQUIRE(o.what == group_outcome::action::replaced);
  REQUIRE(dump(*h.s.read()).size() == 2);
}

TEST_CASE("Different stored bases are incompatible", "[quick]") {
  harness h;
  auto t = h.s.begin_write();
  auto a = make_record("/proj", 5001, std::string("api"));
  auto d = make_record("/proj", 5012, std::string("db"));
  auto w = make_record("/proj", 8080, std::string("web"));
  for (auto* r : {&a, &d, &w}) {
    REQUIRE(t->put(*r).is_ok());
  }
  REQUIRE(t->commit().is_ok());
  group_outcome o;
  status st = h.run(web_api_db(), &o);
  REQUIRE(st.code() == error_code::conflict);
  REQUIRE_THAT(st.message(), Catch::Contains("stored offset mappings imply different bases"));
}

TEST_CASE("Group sticky metadata and forced replacement with disagreeing rows", "[quick]") {
  harness h;
  auto g = web_api_db();
  g.project = {metadata_intent::kind::set_explicit, "one"};
  group_outcome o;
  REQUIRE(h.run(g, &o).is_ok());
  g.project.value = "two";
  status st = h.run(g, &o);
  REQUIRE(st.code() == error_code::sticky_violation);
  REQUIRE(st.message() ==
          "cannot change sticky field 'project': Cannot change group project from \"one\" to "
          "\"two\" without --force or --allow-project-change (group at /proj)");
  g.allow_project_change = true;
  REQUIRE(h.run(g, &o).is_ok());

  // Make the rows disagree, then force a new shape without a project.
  auto t = h.s.begin_write();
  auto r = *(*t->view().find({"/proj", std::string("db")}));
  r.project = "three";
  REQUIRE(t->put(r).is_ok());
  REQUIRE(t->commit().is_ok());
  auto shape = web_api_db();
  shape.services.pop_back();
  shape.force = true;
  st = h.run(shape, &o);
  REQUIRE(st.code() == error_code::conflict);
  REQUIRE(st.message() ==
          "stored rows disagree on project; provide an explicit value when forcing a shape "
          "replacement");
}

TEST_CASE("An empty group is a validation error", "[quick]") {
  harness h;
  group_request g;
  g.path = "/x";
  group_outcome o;
  REQUIRE(h.run(g, &o).code() == error_code::invalid_argument);
}
