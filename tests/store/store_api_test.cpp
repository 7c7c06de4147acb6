// The public store API on an in-memory env: transactions, snapshots,
// lookups, free-port search, prefix ranges, checkpoints.
#include <catch2/catch.hpp>

#include "store/image.h"
#include "store/wal.h"
#include "store_fixture.h"

using namespace trop;
using trop::test::commit_put;
using trop::test::dump;
using trop::test::make_record;
using trop::test::mem_options;

TEST_CASE("A missing store reads as empty and reading creates nothing", "[quick]") {
  testing::mem_env e;
  auto s = store::open(mem_options(&e));
  REQUIRE(s.is_ok());
  auto snap = s->read();
  REQUIRE(snap.is_ok());
  REQUIRE(snap->size() == 0);
  REQUIRE_FALSE(e.has("/data/trop.db"));
  REQUIRE_FALSE(*s->exists());
  REQUIRE(s->validate().error().code() == error_code::not_found);
}

TEST_CASE("A committed put is visible to later snapshots, not to earlier ones", "[quick]") {
  testing::mem_env e;
  auto s = store::open(mem_options(&e));
  auto before = s->read();
  commit_put(*s, make_record("/a", 5000));
  REQUIRE(before->size() == 0);
  auto after = s->read();
  REQUIRE(after->size() == 1);
  auto found = after->find({"/a", std::nullopt});
  REQUIRE(found.is_ok());
  REQUIRE(found->has_value());
  REQUIRE((*found)->port == 5000);
  REQUIRE((*after->find_by_port(5000))->key.path == "/a");
  REQUIRE(s->validate().is_ok());
}

TEST_CASE("An aborted or destroyed transaction leaves the store unchanged", "[quick]") {
  testing::mem_env e;
  auto s = store::open(mem_options(&e));
  commit_put(*s, make_record("/a", 5000));
  {
    auto t = s->begin_write();
    REQUIRE(t->put(make_record("/b", 5001)).is_ok());
    REQUIRE(t->view().size() == 2);
  }
  {
    auto t = s->begin_write();
    REQUIRE(t->erase({"/a", std::nullopt}).is_ok());
    t->abort();
  }
  REQUIRE(dump(*s->read()).size() == 1);
}

TEST_CASE("put refuses a port held by another key and an invalid record", "[quick]") {
  testing::mem_env e;
  auto s = store::open(mem_options(&e));
  commit_put(*s, make_record("/a", 5000));
  auto t = s->begin_write();
  REQUIRE(t->put(make_record("/b", 5000)).code() == error_code::conflict);
  REQUIRE(t->put(make_record("relative", 5001)).code() == error_code::invalid_argument);
  REQUIRE(t->put(make_record("/a/../b", 5001)).code() == error_code::invalid_argument);
  auto bad_tag = make_record("/c", 5002, std::string(" web"));
  REQUIRE(t->put(bad_tag).code() == error_code::invalid_argument);
  // Moving a key to a new port frees its old one within the same transaction.
  REQUIRE(t->put(make_record("/a", 5003)).is_ok());
  REQUIRE(t->put(make_record("/b", 5000)).is_ok());
  REQUIRE(t->commit().is_ok());
  auto snap = s->read();
  REQUIRE((*snap->find_by_port(5000))->key.path == "/b");
  REQUIRE((*snap->find_by_port(5003))->key.path == "/a");
  REQUIRE(s->validate().is_ok());
}

TEST_CASE("Untagged and tagged keys are distinct and untagged sorts first", "[quick]") {
  testing::mem_env e;
  auto s = store::open(mem_options(&e));
  auto t = s->begin_write();
  REQUIRE(t->put(make_record("/p", 5002, std::string("web"))).is_ok());
  REQUIRE(t->put(make_record("/p", 5001, std::string("api"))).is_ok());
  REQUIRE(t->put(make_record("/p", 5000)).is_ok());
  REQUIRE(t->commit().is_ok());
  auto all = dump(*s->read());
  REQUIRE(all.size() == 3);
  REQUIRE_FALSE(all[0].key.tag.has_value());
  REQUIRE(*all[1].key.tag == "api");
  REQUIRE(*all[2].key.tag == "web");
}

TEST_CASE("next_free skips reserved and excluded ports and honours the range end", "[quick]") {
  testing::mem_env e;
  auto s = store::open(mem_options(&e));
  auto t = s->begin_write();
  for (std::uint16_t p = 5000; p < 5200; ++p) {
    REQUIRE(t->put(make_record("/k/" + std::to_string(p), p)).is_ok());
  }
  REQUIRE(t->commit().is_ok());
  auto snap = s->read();
  exclusion_set none;
  REQUIRE(**snap->next_free(5000, 7000, none) == 5200);
  exclusion_set ex;
  ex.add(5200, 5210);
  ex.add(5212);
  REQUIRE(**snap->next_free(5000, 7000, ex) == 5211);
  REQUIRE_FALSE(snap->next_free(5000, 5199, none)->has_value());
  REQUIRE(**snap->next_free(4000, 7000, none) == 4000);
}

TEST_CASE("for_each_under is component-wise", "[quick]") {
  testing::mem_env e;
  auto s = store::open(mem_options(&e));
  auto t = s->begin_write();
  std::uint16_t port = 5000;
  for (const char* p : {"/a/b", "/a/b-c", "/a/b.d", "/a/b/c", "/a/b/c/d", "/a/bc", "/a"}) {
    REQUIRE(t->put(make_record(p, port++)).is_ok());
  }
  REQUIRE(t->put(make_record("/a/b", port++, std::string("web"))).is_ok());
  REQUIRE(t->commit().is_ok());
  auto snap = s->read();
  std::vector<std::string> seen;
  REQUIRE(snap->for_each_under("/a/b",
                               [&](const reservation& r) {
                                 seen.push_back(to_display(r.key));
                                 return true;
                               })
              .is_ok());
  REQUIRE(seen == std::vector<std::string>{"/a/b", "/a/b:web", "/a/b/c", "/a/b/c/d"});
  seen.clear();
  REQUIRE(snap->for_each_under("/",
                               [&](const reservation& r) {
                                 seen.push_back(r.key.path);
                                 return true;
                               })
              .is_ok());
  REQUIRE(seen.size() == 8);
}

TEST_CASE("Checkpoints fold the WAL into a new image without losing anything", "[quick]") {
  testing::mem_env e;
  auto s = store::open(mem_options(&e, 2048));
  std::vector<reservation> expected;
  for (int i = 0; i < 300; ++i) {
    auto t = s->begin_write();
    auto r = make_record("/ck/" + std::to_string(i), static_cast<std::uint16_t>(5000 + i));
    REQUIRE(t->put(r).is_ok());
    if (i % 5 == 4) {
      REQUIRE(t->erase({"/ck/" + std::to_string(i - 2), std::nullopt}).is_ok());
    }
    REQUIRE(t->commit().is_ok());
  }
  auto snap = s->read();
  // Records 2, 7, 12, ... were erased.
  REQUIRE(snap->size() == 300 - 60);
  REQUIRE_FALSE(snap->find({"/ck/2", std::nullopt})->has_value());
  REQUIRE((*snap->find({"/ck/299", std::nullopt}))->port == 5299);
  // The image has advanced past generation 1 and the WAL stays small.
  REQUIRE(e.contents("/data/trop.db-wal").size() < 4096);
  auto report = s->validate();
  REQUIRE(report.is_ok());
  REQUIRE(report->records == 240);
}

TEST_CASE("A reader opened before a checkpoint keeps its consistent view", "[quick]") {
  testing::mem_env e;
  auto s = store::open(mem_options(&e, 1024));
  commit_put(*s, make_record("/x", 5000));
  auto old = s->read();
  for (int i = 1; i < 50; ++i) {
    commit_put(*s, make_record("/x" + std::to_string(i), static_cast<std::uint16_t>(5000 + i)));
  }
  REQUIRE(dump(*old).size() == 1);
  REQUIRE(dump(*s->read()).size() == 50);
}

TEST_CASE("A commit that only refreshes last_used_at is not synced", "[quick]") {
  testing::mem_env e;
  auto s = store::open(mem_options(&e));
  auto r = make_record("/t", 5000);
  commit_put(*s, r);
  r.last_used_at += 100;
  commit_put(*s, r);
  e.simulate_power_loss();
  auto snap = s->read();
  REQUIRE((*snap->find(r.key))->last_used_at == 1'700'000'000);
}

TEST_CASE("Normal durability loses only a suffix on power loss", "[quick]") {
  testing::mem_env e;
  auto o = mem_options(&e);
  o.durability_mode = durability::normal;
  auto s = store::open(o);
  commit_put(*s, make_record("/n1", 5000));
  commit_put(*s, make_record("/n2", 5001));
  e.simulate_power_loss();
  auto snap = s->read();
  REQUIRE(snap.is_ok());
  REQUIRE(snap->size() <= 2);
  REQUIRE(s->validate().is_ok());
}

TEST_CASE("recreate empties the store", "[quick]") {
  testing::mem_env e;
  auto s = store::open(mem_options(&e));
  commit_put(*s, make_record("/r", 5000));
  REQUIRE(s->recreate().is_ok());
  REQUIRE(s->read()->size() == 0);
  REQUIRE(s->validate().is_ok());
}

TEST_CASE("begin_write without create_if_missing does not create a store", "[quick]") {
  testing::mem_env e;
  auto o = mem_options(&e);
  o.create_if_missing = false;
  auto s = store::open(o);
  REQUIRE(s->begin_write().error().code() == error_code::not_found);
  REQUIRE_FALSE(e.has("/data/trop.db"));
}

TEST_CASE("A WAL op whose previous port contradicts the state is corruption", "[quick]") {
  testing::mem_env e;
  auto s = store::open(mem_options(&e));
  commit_put(*s, make_record("/a", 5000));
  // Fold /a into the image, then plant a frame by hand.
  auto folded = store::open(mem_options(&e, 1));
  commit_put(*folded, make_record("/b", 5001));
  auto img = e.contents("/data/trop.db");
  auto reader = store_detail::image_reader::open(
      std::as_bytes(std::span<const char>(img.data(), img.size())));
  REQUIRE(reader.is_ok());
  const auto gen = reader->header().generation;
  const auto seq = reader->header().last_seq + 1;

  store_detail::wal_op put;
  put.type = store_detail::wal_op::kind::put;
  put.record = make_record("/a", 5002);
  put.key = put.record.key;
  put.prev_port = 0;  // wrong: /a holds 5000 in the image
  e.set_contents("/data/trop.db-wal", store_detail::encode_wal_header(gen) +
                                          store_detail::encode_frame(gen, seq, 1, {put}));
  REQUIRE(s->validate().error().code() == error_code::corruption);
  REQUIRE_THAT(s->validate().error().message(), Catch::Contains("previous port 0"));

  put.prev_port = 4000;  // a port the image does not hold
  e.set_contents("/data/trop.db-wal", store_detail::encode_wal_header(gen) +
                                          store_detail::encode_frame(gen, seq, 1, {put}));
  REQUIRE(s->read().error().code() == error_code::corruption);

  put.prev_port = 5000;  // right
  e.set_contents("/data/trop.db-wal", store_detail::encode_wal_header(gen) +
                                          store_detail::encode_frame(gen, seq, 1, {put}));
  REQUIRE(s->validate().is_ok());
  REQUIRE((*s->read()->find({"/a", std::nullopt}))->port == 5002);
  REQUIRE_FALSE(*s->read()->is_reserved(5000));
}
