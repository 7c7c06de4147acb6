// Writes a small store (image + WAL) with the engine of the current commit,
// on mem_env, and dumps trop.db, trop.db-wal and the expected contents.
// Not built by CMake: run by hand once per format version, at the commit
// where that version was current (see golden/v1/README.md). Usage:
//   make_golden <out_dir>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "testing/mem_env.h"
#include "trop/store.h"

using namespace trop;

namespace {

reservation rec(const std::string& path, std::optional<std::string> tag, std::uint16_t port,
                std::optional<std::string> project, std::optional<std::string> task,
                std::int64_t created, std::int64_t used) {
  reservation r;
  r.key = {path, std::move(tag)};
  r.port = port;
  r.project = std::move(project);
  r.task = std::move(task);
  r.created_at = created;
  r.last_used_at = used;
  return r;
}

void check(const status& s) {
  if (!s.is_ok()) {
    std::cerr << s.message() << "\n";
    std::exit(1);
  }
}

void commit(const store& s, const std::vector<reservation>& puts,
            const std::vector<reservation_key>& erases = {}) {
  auto t = s.begin_write();
  check(t.is_ok() ? status::ok() : t.error());
  for (const auto& r : puts)
    check(t->put(r));
  for (const auto& k : erases)
    check(t->erase(k));
  check(t->commit());
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_golden <out_dir>\n";
    return 2;
  }
  const std::string out = argv[1];
  testing::mem_env e;
  store_options o;
  o.data_dir = "/data";
  o.file_env = &e;
  o.checkpoint_bytes = 1;  // every commit checkpoints: these land in the image
  {
    auto s = store::open(o);
    commit(*s, {rec("/home/u/app", std::nullopt, 5000, "app", std::nullopt, 1700000000, 1700000100),
                rec("/home/u/app", "web", 5001, "app", "main", 1700000001, 1700000101),
                rec("/home/u/app", "db", 5002, "app", "feature-x", 1700000002, 1700000102)});
    commit(*s,
           {rec("/srv/x", std::nullopt, 5003, std::nullopt, std::nullopt, 1700000003, 1700000003),
            rec("/srv/x/y", "api", 5004, std::nullopt, "t1", 1700000004, 1700000004),
            rec("/srv/x-z", std::nullopt, 5005, "z", std::nullopt, 1700000005, 1700000005)});
  }
  o.checkpoint_bytes = 1 << 20;  // from here on: WAL frames on top of the image
  {
    auto s = store::open(o);
    commit(*s,
           {rec("/tmp/a", std::nullopt, 6000, std::nullopt, std::nullopt, 1700000200, 1700000200)});
    commit(*s, {}, {reservation_key{"/srv/x", std::nullopt}});
    commit(*s, {rec("/home/u/app", "db", 5010, "app", "feature-x", 1700000002, 1700000300)});
    commit(*s, {rec("/home/u/\xc3\xbcn\xc3\xaf", "t\xc3\xa4g", 6001, "\xc3\xbc", std::nullopt,
                    1700000301, 1700000301),
                rec("/a", std::nullopt, 6002, "root-ish", "x", 1700000302, 1700000302)});
    // A refresh-only commit (only last_used_at): an unsynced frame.
    commit(*s, {rec("/srv/x/y", "api", 5004, std::nullopt, "t1", 1700000004, 1700000400)});
    check(s->validate().is_ok() ? status::ok() : s->validate().error());
    auto snap = s->read();
    std::ofstream exp(out + "/expected.txt");
    check(snap->for_each([&](const reservation& r) {
      exp << r.key.path << "|" << (r.key.tag ? "+" + *r.key.tag : "-") << "|" << r.port << "|"
          << (r.project ? "+" + *r.project : "-") << "|" << (r.task ? "+" + *r.task : "-") << "|"
          << r.created_at << "|" << r.last_used_at << "\n";
      return true;
    }));
    std::cout << "records " << snap->size() << ", format version " << snap->format_version()
              << "\n";
  }
  write_file(out + "/trop.db", e.contents("/data/trop.db"));
  write_file(out + "/trop.db-wal", e.contents("/data/trop.db-wal"));
  return 0;
}
