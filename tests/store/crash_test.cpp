// Crash safety: a workload of reserves, releases and multi-record
// transactions, with at least two checkpoints, is stopped at every durable
// operation in turn (optionally with a torn write, optionally followed by a
// power loss that drops unsynced data). After each stop the store must open,
// validate, hold every acknowledged transaction, and hold each transaction
// entirely or not at all. Recovery must also accept new writes afterwards.
#include <catch2/catch.hpp>

#include "store/image.h"
#include "store_fixture.h"
#include "testing/fault_env.h"

using namespace trop;
using trop::test::dump;
using trop::test::make_record;
using trop::test::mem_options;

namespace {

struct txn_plan {
  std::vector<reservation> puts;
  std::vector<reservation_key> erases;
};

constexpr std::uint64_t kCheckpointBytes = 1500;

// Builds the workload against a clean store and records the state after each commit.
std::vector<txn_plan> make_workload(std::vector<std::vector<reservation>>* states) {
  testing::mem_env e;
  auto s = store::open(mem_options(&e, kCheckpointBytes));
  std::vector<txn_plan> plans;
  states->push_back({});
  exclusion_set none;
  for (int i = 0; i < 60; ++i) {
    auto t = s->begin_write();
    REQUIRE(t.is_ok());
    txn_plan plan;
    int members = (i % 7 == 6) ? 3 : 1;
    for (int m = 0; m < members; ++m) {
      auto port = t->view().next_free(5000, 7000, none);
      REQUIRE(port.is_ok());
      auto r = make_record(
          "/w/" + std::to_string(i), **port,
          members > 1 ? std::optional<std::string>("svc" + std::to_string(m)) : std::nullopt);
      REQUIRE(t->put(r).is_ok());
      plan.puts.push_back(r);
    }
    if (i % 4 == 3) {
      reservation_key k{"/w/" + std::to_string(i - 2), std::nullopt};
      REQUIRE(t->erase(k).is_ok());
      plan.erases.push_back(k);
    }
    REQUIRE(t->commit().is_ok());
    plans.push_back(plan);
    states->push_back(dump(*s->read()));
  }
  auto img = e.contents("/data/trop.db");
  auto reader = store_detail::image_reader::open(
      std::as_bytes(std::span<const char>(img.data(), img.size())));
  REQUIRE(reader.is_ok());
  REQUIRE(reader->header().generation >= 3);  // at least two checkpoints happened
  return plans;
}

// Runs plans until one fails; returns how many were acknowledged.
std::size_t run(const store& s, const std::vector<txn_plan>& plans) {
  std::size_t acked = 0;
  for (const txn_plan& p : plans) {
    auto t = s.begin_write();
    if (!t) {
      return acked;
    }
    for (const auto& r : p.puts) {
      REQUIRE(t->put(r).is_ok());
    }
    for (const auto& k : p.erases) {
      REQUIRE(t->erase(k).is_ok());
    }
    if (!t->commit().is_ok()) {
      return acked;
    }
    ++acked;
  }
  return acked;
}

void check_recovered(testing::mem_env& e, std::size_t acked,
                     const std::vector<std::vector<reservation>>& states,
                     const std::string& where) {
  INFO(where << ", acknowledged " << acked);
  auto s = store::open(mem_options(&e, kCheckpointBytes));
  auto v = s->validate();
  if (acked == 0 && !v.is_ok()) {
    // Nothing was acknowledged: a store that never got created is fine.
    REQUIRE(v.error().code() == error_code::not_found);
  } else {
    REQUIRE(v.is_ok());
  }
  auto snap = s->read();
  REQUIRE(snap.is_ok());
  auto now = dump(*snap);
  bool matches = now == states[acked] || (acked + 1 < states.size() && now == states[acked + 1]);
  REQUIRE(matches);
  // Recovery is idempotent and the store accepts new writes.
  auto t = s->begin_write();
  REQUIRE(t.is_ok());
  auto port = t->view().next_free(5000, 7000, exclusion_set{});
  REQUIRE(t->put(make_record("/after-crash", **port)).is_ok());
  REQUIRE(t->commit().is_ok());
  REQUIRE(s->validate().is_ok());
  REQUIRE(dump(*s->read()).size() == now.size() + 1);
}

}  // namespace

TEST_CASE("A crash at every durable operation loses no acknowledged transaction", "[crash]") {
  std::vector<std::vector<reservation>> states;
  auto plans = make_workload(&states);

  std::uint64_t total;
  {
    testing::mem_env e;
    testing::fault_env f(&e);
    auto s = store::open(mem_options(&f, kCheckpointBytes));
    REQUIRE(run(*s, plans) == plans.size());
    total = f.ops();
  }
  REQUIRE(total > 100);
  int runs = 0;
  for (std::uint64_t n = 1; n <= total + 1; ++n) {
    for (bool torn : {false, true}) {
      for (bool power_loss : {false, true}) {
        testing::mem_env e;
        std::size_t acked;
        {
          testing::fault_env f(&e);
          f.crash_at(n, torn);
          auto s = store::open(mem_options(&f, kCheckpointBytes));
          acked = run(*s, plans);
        }
        if (power_loss) {
          e.simulate_power_loss();
        }
        check_recovered(e, acked, states,
                        "crash at op " + std::to_string(n) + (torn ? " torn" : "") +
                            (power_loss ? " + power loss" : ""));
        ++runs;
      }
    }
  }
  REQUIRE(runs == static_cast<int>(4 * (total + 1)));
}

TEST_CASE("A failed write or sync fails the commit and leaves the store as it was", "[fault]") {
  using kind = testing::fault_env::op_kind;
  for (kind k : {kind::write, kind::sync, kind::truncate, kind::rename, kind::sync_dir}) {
    for (std::uint64_t n = 1; n <= 6; ++n) {
      testing::mem_env e;
      testing::fault_env f(&e);
      auto s = store::open(mem_options(&f, 600));
      f.fail_at(k, n);
      std::vector<reservation> committed;
      for (int i = 0; i < 12; ++i) {
        auto t = s->begin_write();
        if (!t) {
          REQUIRE(t.error().code() == error_code::io_error);
          continue;
        }
        auto r = make_record("/f/" + std::to_string(i), static_cast<std::uint16_t>(5000 + i));
        REQUIRE(t->put(r).is_ok());
        status st = t->commit();
        if (st.is_ok()) {
          committed.push_back(r);
        } else {
          REQUIRE(st.code() == error_code::io_error);
          REQUIRE_THAT(st.message(), Catch::Contains("injected"));
        }
      }
      auto clean = store::open(mem_options(&e, 600));
      REQUIRE(clean->validate().is_ok());
      auto now = dump(*clean->read());
      std::sort(committed.begin(), committed.end(), [](auto& a, auto& b) { return a.key < b.key; });
      REQUIRE(now == committed);
    }
  }
}
