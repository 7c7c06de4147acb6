// Shared fixtures: benchmark key names and records, and a store filled with
// n reservations whose data is all in the image (empty WAL).
// Thread safety: stateless functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trop/reservation.h"
#include "trop/status.h"

namespace trop::bench {

// The port range benchmarks allocate from: every unprivileged port.
inline constexpr std::uint32_t kFirstPort = 1024;
inline constexpr std::uint32_t kLastPort = 65535;

// Every port of [kFirstPort, kLastPort] in a random order (seeded): the
// ports populate_store gives its records, in record order.
std::vector<std::uint16_t> shuffled_ports(std::uint64_t seed);

// "/bench/<prefix><i, 5 digits>", e.g. /bench/p00001.
std::string key_path(const char* prefix, std::size_t i);

// An untagged record with project "bench", created and last used `now`.
reservation make_record(std::string path, std::uint16_t port, std::int64_t now);

// Fills the store in `data_dir` (created if missing; REQUIRES: empty) with
// `n` records /bench/p00001.. on distinct random ports in [kFirstPort,
// kLastPort] (seeded), in one transaction, then forces a checkpoint (a second
// handle with checkpoint_bytes = 1 commits a touch of one record) so that
// everything is in the image and the WAL is empty. REQUIRES: n <= 64512.
status populate_store(const std::string& data_dir, std::size_t n, std::uint64_t seed);

}  // namespace trop::bench
