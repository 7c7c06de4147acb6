#include "populate.h"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

#include "trop/store.h"

namespace trop::bench {

std::string key_path(const char* prefix, std::size_t i) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "/bench/%s%05zu", prefix, i);
  return buf;
}

reservation make_record(std::string path, std::uint16_t port, std::int64_t now) {
  reservation r;
  r.key.path = std::move(path);
  r.port = port;
  r.project = "bench";
  r.created_at = now;
  r.last_used_at = now;
  return r;
}

std::vector<std::uint16_t> shuffled_ports(std::uint64_t seed) {
  std::vector<std::uint16_t> ports(kLastPort - kFirstPort + 1);
  std::iota(ports.begin(), ports.end(), static_cast<std::uint16_t>(kFirstPort));
  // Ports in random order: key order and port order differ, as in real stores.
  std::mt19937_64 rng(seed);
  std::shuffle(ports.begin(), ports.end(), rng);
  return ports;
}

status populate_store(const std::string& data_dir, std::size_t n, std::uint64_t seed) {
  const std::vector<std::uint16_t> ports = shuffled_ports(seed);
  const std::int64_t now = env::posix()->now_unix();

  store_options opts;
  opts.data_dir = data_dir;
  opts.durability_mode = durability::normal;
  auto st = store::open(opts);
  if (!st) {
    return st.error();
  }
  {
    auto tx = st->begin_write();
    if (!tx) {
      return tx.error();
    }
    for (std::size_t i = 0; i < n; ++i) {
      TROP_RETURN_IF_ERROR(tx->put(make_record(key_path("p", i + 1), ports[i], now)));
    }
    TROP_RETURN_IF_ERROR(tx->commit());
  }
  opts.checkpoint_bytes = 1;
  auto forcing = store::open(opts);
  if (!forcing) {
    return forcing.error();
  }
  auto tx = forcing->begin_write();
  if (!tx) {
    return tx.error();
  }
  auto first = tx->view().find(reservation_key{key_path("p", 1), std::nullopt});
  if (!first || !*first) {
    return status(error_code::not_found, "populate: the first record is missing");
  }
  reservation touched = **first;
  touched.last_used_at += 1;
  TROP_RETURN_IF_ERROR(tx->put(touched));
  return tx->commit();
}

}  // namespace trop::bench
