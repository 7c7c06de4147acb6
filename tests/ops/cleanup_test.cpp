// Prune / expire selection and ordering.
#include <catch2/catch.hpp>

#include <map>

#include "store_fixture.h"
#include "trop/cleanup.h"

using namespace trop;
using trop::test::dump;
using trop::test::make_record;
using trop::test::mem_options;

namespace {
constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kNow = 1'700'000'000;

reservation aged(const std::string& path, std::uint16_t port, std::int64_t age,
                 std::optional<std::string> tag = std::nullopt) {
  auto r = make_record(path, port, std::move(tag));
  r.last_used_at = kNow - age;
  return r;
}
}  // namespace

TEST_CASE("Expiry is strict: exactly N days old survives", "[quick]") {
  REQUIRE_FALSE(is_expired(aged("/a", 1, 30 * kDay), 30, kNow));
  REQUIRE(is_expired(aged("/a", 1, 30 * kDay + 1), 30, kNow));
}

TEST_CASE("Autoclean lists pruned in key order, then expired oldest first, each once", "[quick]") {
  testing::mem_env e;
  auto s = store::open(mem_options(&e));
  auto t = s->begin_write();
  REQUIRE(t->put(aged("/gone/b", 5000, 100 * kDay)).is_ok());  // stale and old: pruned
  REQUIRE(t->put(aged("/gone/a", 5001, 0)).is_ok());
  REQUIRE(t->put(aged("/gone/a", 5002, 0, std::string("web"))).is_ok());
  REQUIRE(t->put(aged("/live/x", 5003, 40 * kDay)).is_ok());
  REQUIRE(t->put(aged("/live/y", 5004, 50 * kDay)).is_ok());
  REQUIRE(t->put(aged("/live/z", 5005, 40 * kDay)).is_ok());
  REQUIRE(t->put(aged("/locked", 5006, 0)).is_ok());
  REQUIRE(t->commit().is_ok());

  int probes = 0;
  cleanup_request req;
  req.prune = req.expire = true;
  req.now = kNow;
  req.inspect = [&](const std::string& p) {
    ++probes;
    if (p == "/locked") {
      return path_inspection{path_verdict::uninspectable, "permission denied", "Permission denied"};
    }
    return path_inspection{
        p.rfind("/gone", 0) == 0 ? path_verdict::prune : path_verdict::keep, {}, {}};
  };
  auto plan = plan_cleanup(*s->read(), req);
  REQUIRE(plan.is_ok());
  REQUIRE(probes == 6);  // each distinct path once
  std::vector<std::string> pruned, expired;
  for (auto& r : plan->pruned) {
    pruned.push_back(to_display(r.key));
  }
  for (auto& r : plan->expired) {
    expired.push_back(to_display(r.key));
  }
  REQUIRE(pruned == std::vector<std::string>{"/gone/a", "/gone/a:web", "/gone/b"});
  REQUIRE(expired == std::vector<std::string>{"/live/y", "/live/x", "/live/z"});
  REQUIRE(plan->uninspectable.size() == 1);
  REQUIRE(plan->uninspectable[0].advice ==
          "Restore access to the path and its parents, then retry.");

  auto w = s->begin_write();
  REQUIRE(apply_cleanup(*w, *plan).is_ok());
  REQUIRE(w->commit().is_ok());
  auto left = dump(*s->read());
  REQUIRE(left.size() == 1);
  REQUIRE(left[0].key.path == "/locked");
}

TEST_CASE("inspect_path keeps directories and prunes missing paths and files", "[quick]") {
  REQUIRE(inspect_path("/").verdict == path_verdict::keep);
  REQUIRE(inspect_path("/nonexistent/trop/path").verdict == path_verdict::prune);
  REQUIRE(inspect_path("/proc/self/status").verdict == path_verdict::prune);
  REQUIRE(inspect_path("/proc/self/status/x").verdict == path_verdict::prune);  // ENOTDIR
}
