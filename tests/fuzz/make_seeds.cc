// Writes the binary seed corpora of the image and WAL fuzz targets:
//   trop_fuzz_make_seeds <tests/fuzz/corpus>
// (the text corpora of the other targets are written by hand). Real stores
// built with the engine, so the fuzzers start from inputs that pass every
// check and mutate from there. Format versions: the seeds committed before
// version 2 (empty.db, three.db, forty.db and the WALs other than
// leased.wal) are version-1 files and stay so (they keep the version-1
// decoding paths covered); this program writes every seed in the current
// version, so copy only the new files out of its output.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "fuzz_golden.h"
#include "store/wal.h"
#include "testing/mem_env.h"
#include "trop/store.h"

using namespace trop;

namespace {

void write(const std::filesystem::path& p, const std::string& bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

reservation rec(const std::string& path, std::uint16_t port, std::optional<std::string> tag = {}) {
  reservation r;
  r.key = {path, std::move(tag)};
  r.port = port;
  r.created_at = r.last_used_at = 1'700'000'000;
  return r;
}

store_detail::wal_op put(const reservation& r, std::uint16_t prev) {
  store_detail::wal_op op;
  op.type = store_detail::wal_op::kind::put;
  op.record = r;
  op.key = r.key;
  op.prev_port = prev;
  return op;
}

store_detail::wal_op erase(const reservation_key& k, std::uint16_t prev) {
  store_detail::wal_op op;
  op.type = store_detail::wal_op::kind::erase;
  op.key = k;
  op.prev_port = prev;
  return op;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: trop_fuzz_make_seeds <corpus dir>\n";
    return 2;
  }
  const std::filesystem::path dir(argv[1]);
  // Images: empty, the golden three records, and a larger one with every field.
  write(dir / "image/empty.db", store_detail::build_image({}, 1, 0));
  write(dir / "image/three.db", fuzz::golden_image());
  std::vector<reservation> many;
  for (int i = 0; i < 40; ++i) {
    reservation r = rec(std::string("/proj/") + std::to_string(100 + i),
                        static_cast<std::uint16_t>(5000 + 7 * i),
                        i % 2 ? std::optional<std::string>("web") : std::nullopt);
    if (i % 3 == 0) {
      r.project = "project";
      r.task = "task-" + std::to_string(i);
    }
    many.push_back(r);
  }
  write(dir / "image/forty.db", store_detail::build_image(many, 7, 123));
  // Version 2: leases (expiry only, owner only, both) and their index.
  std::vector<reservation> leased = many;
  for (std::size_t i = 0; i < leased.size(); i += 4) {
    lease l;
    if (i % 8 == 0) {
      l.expires_at = 1'700'000'600 + static_cast<std::int64_t>(i);
    }
    if (i % 12 != 0) {
      process_identity o;
      o.pid = static_cast<std::int32_t>(1000 + i);
      o.start_ticks = 424242 + i;
      o.pid_namespace = 4026531836ULL;
      o.boot_id.fill(static_cast<std::uint8_t>(i));
      l.owner = o;
    }
    leased[i].lease = l;
  }
  write(dir / "image/leased.db", store_detail::build_image(leased, 9, 200));

  // WALs over the golden image (generation 2, last sequence 5).
  const auto g = fuzz::kGoldenGeneration;
  const std::string header = store_detail::encode_wal_header(g);
  const std::string f6 =
      store_detail::encode_frame(g, 6, store_detail::kFrameSynced, {put(rec("/new/a", 7000), 0)});
  const std::string f7 = store_detail::encode_frame(
      g, 7, 0, {erase({"/img/0", std::nullopt}, 6000), put(rec("/img/1", 7001, "t"), 6001)});
  const std::string f8 = store_detail::encode_frame(
      g, 8, store_detail::kFrameSynced,
      {put(rec("/new/b", 6000), 0), erase({"/new/a", std::nullopt}, 7000)});
  write(dir / "wal/header-only.wal", header);
  write(dir / "wal/three-frames.wal", header + f6 + f7 + f8);
  write(dir / "wal/torn-tail.wal", header + f6 + f7 + f8.substr(0, f8.size() / 2));
  write(dir / "wal/stale.wal", store_detail::encode_wal_header(g - 1) + f6);
  write(dir / "wal/newer.wal", store_detail::encode_wal_header(g + 1));
  write(dir / "wal/empty.wal", "");
  reservation with_lease = rec("/new/leased", 7002);
  with_lease.lease = lease{1'700'000'900, std::nullopt};
  reservation img_leased = rec("/img/2", 6002);
  img_leased.lease = lease{std::nullopt, process_identity{77, 7777, 4026531836ULL, {}}};
  write(dir / "wal/leased.wal",
        header +
            store_detail::encode_frame(g, 6, store_detail::kFrameSynced,
                                       {put(with_lease, 0), put(img_leased, 6002)}) +
            store_detail::encode_frame(g, 7, 0, {put(rec("/img/2", 6002), 6002)}));
  std::cout << "seeds written to " << dir << "\n";
  return 0;
}
