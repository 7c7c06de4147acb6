// The power-loss model of mem_env: synced data survives, unsynced writes
// land whole, not at all or torn by 512-byte sectors, unsynced directory
// operations may be undone.
#include <catch2/catch.hpp>

#include "testing/fault_env.h"
#include "testing/mem_env.h"

using namespace trop;

TEST_CASE("The power-loss model keeps synced data and can tear, drop or keep the rest", "[quick]") {
  // Over many seeds, a file with one synced and one unsynced multi-sector
  // write ends in each of the three shapes, and never loses synced bytes.
  bool kept = false, dropped = false, torn = false;
  for (std::uint64_t seed = 1; seed <= 64; ++seed) {
    testing::mem_env e;
    REQUIRE(e.create_dirs("/d").is_ok());
    auto f = e.open("/d/f", open_mode::read_write);
    REQUIRE(f.is_ok());
    std::string a(1024, 'a'), b(1536, 'b');
    REQUIRE((*f)->write_at(0, std::as_bytes(std::span<const char>(a.data(), a.size()))).is_ok());
    REQUIRE((*f)->sync_data().is_ok());
    REQUIRE(e.sync_dir("/d").is_ok());
    REQUIRE((*f)->write_at(1024, std::as_bytes(std::span<const char>(b.data(), b.size()))).is_ok());
    f->reset();
    e.simulate_power_loss(seed);
    std::string c = e.contents("/d/f");
    REQUIRE(c.substr(0, 1024) == a);
    if (c.size() == 1024) {
      dropped = true;
    } else if (c.substr(1024) == b) {
      kept = true;
    } else {
      REQUIRE(c.size() <= 2560);
      torn = true;
    }
  }
  REQUIRE(kept);
  REQUIRE(dropped);
  REQUIRE(torn);
}

TEST_CASE("The power-loss model may undo an unsynced rename and creation, never a synced one",
          "[quick]") {
  bool undone = false, kept = false;
  for (std::uint64_t seed = 1; seed <= 32; ++seed) {
    testing::mem_env e;
    REQUIRE(e.create_dirs("/d").is_ok());
    e.set_contents("/d/old", "old");
    {
      auto f = e.open("/d/new", open_mode::create_truncate);
      REQUIRE((*f)->write_at(0, std::as_bytes(std::span<const char>("new", 3))).is_ok());
      REQUIRE((*f)->sync_data().is_ok());
    }
    REQUIRE(e.rename("/d/new", "/d/old").is_ok());
    e.simulate_power_loss(seed);
    if (e.contents("/d/old") == "old") {
      undone = true;
    } else {
      REQUIRE(e.contents("/d/old") == "new");
      REQUIRE_FALSE(e.has("/d/new"));
      kept = true;
    }
  }
  REQUIRE(undone);
  REQUIRE(kept);
  testing::mem_env e;
  REQUIRE(e.create_dirs("/d").is_ok());
  {
    auto f = e.open("/d/x", open_mode::create_truncate);
    REQUIRE((*f)->sync_data().is_ok());
  }
  REQUIRE(e.sync_dir("/d").is_ok());
  e.simulate_power_loss(5);
  REQUIRE(e.has("/d/x"));
}
