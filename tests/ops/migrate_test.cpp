// Migration of reservations between paths.
#include <catch2/catch.hpp>

#include "store_fixture.h"
#include "trop/migrate.h"

using namespace trop;
using trop::test::dump;
using trop::test::make_record;
using trop::test::mem_options;

namespace {

struct harness {
  testing::mem_env e;
  store s = std::move(*store::open(mem_options(&e)));
  harness() {
    auto t = s.begin_write();
    std::uint16_t p = 5000;
    for (const char* path : {"/a", "/a/sub", "/a/sub/deep", "/ab", "/dest"}) {
      REQUIRE(t->put(make_record(path, p++)).is_ok());
    }
    REQUIRE(t->put(make_record("/a", p++, std::string("web"))).is_ok());
    REQUIRE(t->commit().is_ok());
  }
  status migrate(const migrate_request& req) {
    auto t = s.begin_write();
    auto plan = plan_migrate(t->view(), req);
    if (!plan) {
      return plan.error();
    }
    TROP_RETURN_IF_ERROR(apply_migrate(*t, *plan));
    return t->commit();
  }
  std::vector<std::string> keys() {
    std::vector<std::string> out;
    for (auto& r : dump(*s.read())) {
      out.push_back(to_display(r.key) + "=" + std::to_string(r.port));
    }
    return out;
  }
};

}  // namespace

TEST_CASE("Exact migration moves every tag at the path and keeps ports", "[quick]") {
  harness h;
  REQUIRE(h.migrate({"/a", "/new", false, false}).is_ok());
  REQUIRE(h.keys() == std::vector<std::string>{"/a/sub=5001", "/a/sub/deep=5002", "/ab=5003",
                                               "/dest=5004", "/new=5000", "/new:web=5005"});
}

TEST_CASE("Recursive migration is component-wise", "[quick]") {
  harness h;
  REQUIRE(h.migrate({"/a", "/z", true, false}).is_ok());
  REQUIRE(h.keys() == std::vector<std::string>{"/ab=5003", "/dest=5004", "/z=5000", "/z:web=5005",
                                               "/z/sub=5001", "/z/sub/deep=5002"});
}

TEST_CASE("Exact migration of nothing is not found; recursive is fine", "[quick]") {
  harness h;
  status st = h.migrate({"/nothing", "/x", false, false});
  REQUIRE(st.code() == error_code::not_found);
  REQUIRE(st.message() == "not found: reservation at /nothing");
  REQUIRE(h.migrate({"/nothing", "/x", true, false}).is_ok());
}

TEST_CASE("Conflicts at the destination are refused unless forced", "[quick]") {
  harness h;
  auto before = h.keys();
  status st = h.migrate({"/ab", "/dest", false, false});
  REQUIRE(st.code() == error_code::conflict);
  REQUIRE(st.message() ==
          "reservation conflict: Found 1 conflicting reservation(s) at destination. Use --force "
          "to overwrite.");
  REQUIRE(h.keys() == before);
  REQUIRE(h.migrate({"/ab", "/dest", false, true}).is_ok());
  REQUIRE(h.keys() == std::vector<std::string>{"/a=5000", "/a:web=5005", "/a/sub=5001",
                                               "/a/sub/deep=5002", "/dest=5003"});
}
