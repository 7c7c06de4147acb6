// Unit tests of the CLI's allocation logic (cli/allocation.h) with a fake
// occupancy probe, and of the settings layer (cli/settings.h).
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "allocation.h"
#include "errors.h"
#include "settings.h"
#include "trop_fixture.h"

using trop::reservation;
using trop::cli::allocate;
using trop::cli::allocation_outcome;
using trop::cli::allocation_request;
using trop::cli::occupancy;
using trop::cli::port_block;

namespace {

class fake_probe final : public trop::cli::occupancy_probe {
 public:
  std::set<std::uint16_t> occupied;
  std::set<std::uint16_t> failing;
  std::vector<std::uint16_t> asked;

  occupancy probe(std::uint16_t port) override {
    asked.push_back(port);
    if (failing.count(port) != 0) {
      return occupancy::unknown;
    }
    return occupied.count(port) != 0 ? occupancy::occupied : occupancy::free;
  }
};

reservation record(const std::string& path, std::uint16_t port) {
  reservation r;
  r.key.path = path;
  r.port = port;
  r.created_at = r.last_used_at = 1;
  return r;
}

// A snapshot holding records at `ports`.
trop::snapshot snapshot_with(const trop::test::trop_fixture& fx,
                             const std::vector<std::uint16_t>& ports) {
  std::vector<reservation> rs;
  for (std::uint16_t p : ports) {
    rs.push_back(record("/r/" + std::to_string(p), p));
  }
  if (!rs.empty()) {
    fx.seed(rs);
  }
  trop::store_options o;
  o.data_dir = fx.data_dir();
  trop::result<trop::store> st = trop::store::open(o);
  REQUIRE(st.is_ok());
  trop::result<trop::snapshot> snap = st->read();
  REQUIRE(snap.is_ok());
  return std::move(*snap);
}

allocation_outcome run(const trop::snapshot& snap, const allocation_request& req,
                       fake_probe& probe) {
  trop::result<allocation_outcome> out = allocate(snap, req, probe, {});
  REQUIRE(out.is_ok());
  return std::move(*out);
}

allocation_request range(std::uint16_t lo, std::uint16_t hi) {
  allocation_request req;
  req.range = {lo, hi};
  return req;
}

}  // namespace

TEST_CASE("allocation takes the lowest port that is free, allowed and unoccupied",
          "[quick][allocation]") {
  trop::test::trop_fixture fx;
  trop::snapshot snap = snapshot_with(fx, {5000, 5001, 5003});
  fake_probe probe;
  probe.occupied = {5002, 5004};
  trop::exclusion_set excluded;
  excluded.add(5005, 5006);
  allocation_request req = range(5000, 5010);
  req.excluded = &excluded;
  allocation_outcome out = run(snap, req, probe);
  REQUIRE(out.port);
  CHECK(*out.port == 5007);
  // Reserved and excluded ports are never probed.
  CHECK(probe.asked == std::vector<std::uint16_t>{5002, 5004, 5007});
}

TEST_CASE("a failed probe counts as possibly occupied", "[quick][allocation]") {
  trop::test::trop_fixture fx;
  trop::snapshot snap = snapshot_with(fx, {});
  fake_probe probe;
  probe.failing = {5000};
  allocation_outcome out = run(snap, range(5000, 5001), probe);
  REQUIRE(out.port);
  CHECK(*out.port == 5001);
}

TEST_CASE("the preferred port is used when usable, anywhere in 1..65535", "[quick][allocation]") {
  trop::test::trop_fixture fx;
  trop::snapshot snap = snapshot_with(fx, {});
  fake_probe probe;
  allocation_request req = range(5000, 5010);
  req.preferred = 80;
  allocation_outcome out = run(snap, req, probe);
  CHECK(out.port == std::optional<std::uint16_t>(80));
  CHECK_FALSE(out.preferred_blocked);
}

TEST_CASE("a blocked preferred port reports why, in check order", "[quick][allocation]") {
  trop::test::trop_fixture fx;
  trop::snapshot snap = snapshot_with(fx, {6000});
  fake_probe probe;
  probe.occupied = {6001, 6000};
  trop::exclusion_set excluded;
  excluded.add(6000, 6002);
  allocation_request req = range(5000, 5010);
  req.excluded = &excluded;

  req.preferred = 6000;  // reserved and excluded and occupied: reserved wins
  allocation_outcome out = run(snap, req, probe);
  CHECK(out.preferred_blocked == std::optional<port_block>(port_block::reserved));
  CHECK(out.port == std::optional<std::uint16_t>(5000));

  req.preferred = 6001;
  CHECK(run(snap, req, probe).preferred_blocked == std::optional<port_block>(port_block::excluded));

  excluded = {};
  CHECK(run(snap, req, probe).preferred_blocked == std::optional<port_block>(port_block::occupied));

  // --force ignores exclusions and occupancy for the preferred port, never reservations.
  excluded.add(6001);
  req.ignore_exclusions = req.ignore_occupied = true;
  CHECK(run(snap, req, probe).port == std::optional<std::uint16_t>(6001));
  req.preferred = 6000;
  CHECK(run(snap, req, probe).preferred_blocked == std::optional<port_block>(port_block::reserved));
}

TEST_CASE("a key's own port counts as free when re-allocating", "[quick][allocation]") {
  trop::test::trop_fixture fx;
  trop::snapshot snap = snapshot_with(fx, {5000, 5001});
  fake_probe probe;
  allocation_request req = range(5000, 5010);
  req.own_port = 5001;
  CHECK(run(snap, req, probe).port == std::optional<std::uint16_t>(5001));
  req.preferred = 5001;
  CHECK(run(snap, req, probe).port == std::optional<std::uint16_t>(5001));
  req.preferred = 5000;
  CHECK(run(snap, req, probe).preferred_blocked == std::optional<port_block>(port_block::reserved));
}

TEST_CASE("exhaustion names the blockers", "[quick][allocation]") {
  trop::test::trop_fixture fx;
  trop::snapshot snap = snapshot_with(fx, {5000});
  fake_probe probe;
  probe.occupied = {5002};
  trop::exclusion_set excluded;
  excluded.add(5001);
  allocation_request req = range(5000, 5002);
  req.excluded = &excluded;
  allocation_outcome out = run(snap, req, probe);
  CHECK_FALSE(out.port);
  CHECK(out.blockers == "reserved, excluded, occupied");

  req = range(5000, 5000);
  CHECK(run(snap, req, probe).blockers == "reserved");
}

TEST_CASE("allocation reaches the top of the port space without overflow", "[quick][allocation]") {
  trop::test::trop_fixture fx;
  trop::snapshot snap = snapshot_with(fx, {65534});
  fake_probe probe;
  probe.occupied = {65535};
  allocation_outcome out = run(snap, range(65534, 65535), probe);
  CHECK_FALSE(out.port);
  CHECK(out.blockers == "reserved, occupied");
}

namespace {

trop::cli::env_lookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

}  // namespace

TEST_CASE("settings: defaults, environment, then command line", "[quick][settings]") {
  trop::cli::global_options g;
  trop::cli::effective_settings s = trop::cli::resolve_settings(g, env_of({}));
  CHECK(s.busy_timeout_seconds == 5);
  CHECK_FALSE(s.disable_autoinit);
  CHECK(s.range == trop::port_range{5000, 7000});

  s = trop::cli::resolve_settings(g, env_of({{"TROP_BUSY_TIMEOUT", "9"},
                                             {"TROP_DISABLE_AUTOINIT", "Yes"},
                                             {"TROP_ALLOW_UNRELATED_PATH", "on"}}));
  CHECK(s.busy_timeout_seconds == 9);
  CHECK(s.disable_autoinit);
  CHECK(s.allow_unrelated_path);

  g.busy_timeout = 0;
  s = trop::cli::resolve_settings(g, env_of({{"TROP_BUSY_TIMEOUT", "9"}}));
  CHECK(s.busy_timeout_seconds == 0);
}

TEST_CASE("settings: invalid values are configuration errors", "[quick][settings]") {
  trop::cli::global_options g;
  auto code_of = [&](std::map<std::string, std::string> vars) {
    try {
      trop::cli::resolve_settings(g, env_of(std::move(vars)));
    } catch (const trop::cli::cli_error& e) {
      return e.exit_code();
    }
    return 0;
  };
  CHECK(code_of({{"TROP_BUSY_TIMEOUT", ""}}) == 7);
  CHECK(code_of({{"TROP_BUSY_TIMEOUT", "-1"}}) == 7);
  CHECK(code_of({{"TROP_BUSY_TIMEOUT", "2147484"}}) == 7);
  CHECK(code_of({{"TROP_BUSY_TIMEOUT", "2147483"}}) == 0);
  CHECK(code_of({{"TROP_DISABLE_AUTOINIT", "2"}}) == 7);
  g.busy_timeout = 2147484;
  CHECK(code_of({}) == 7);
}

TEST_CASE("parse_env_bool accepts the documented spellings only", "[quick][settings]") {
  for (const char* t : {"true", "TRUE", "1", "yes", "On"}) {
    CHECK(trop::cli::parse_env_bool(t) == std::optional<bool>(true));
  }
  for (const char* f : {"false", "0", "NO", "off"}) {
    CHECK(trop::cli::parse_env_bool(f) == std::optional<bool>(false));
  }
  for (const char* bad : {"", "y", "2", "truthy", " true"}) {
    CHECK_FALSE(trop::cli::parse_env_bool(bad).has_value());
  }
}
