// Helpers shared by the store tests: records, stores on a mem_env, dumps.
#pragma once

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "testing/mem_env.h"
#include "trop/store.h"

namespace trop::test {

inline reservation make_record(const std::string& path, std::uint16_t port,
                               std::optional<std::string> tag = std::nullopt) {
  reservation r;
  r.key = {path, std::move(tag)};
  r.port = port;
  r.project = "proj";
  r.created_at = 1'700'000'000;
  r.last_used_at = 1'700'000'000;
  return r;
}

inline store_options mem_options(env* e, std::uint64_t checkpoint_bytes = 64 * 1024) {
  store_options o;
  o.data_dir = "/data";
  o.file_env = e;
  o.busy_timeout = std::chrono::milliseconds(0);
  o.checkpoint_bytes = checkpoint_bytes;
  return o;
}

// Every record of a snapshot, in key order; fails the test on error.
inline std::vector<reservation> dump(const snapshot& s) {
  std::vector<reservation> out;
  status st = s.for_each([&](const reservation& r) {
    out.push_back(r);
    return true;
  });
  if (!st.is_ok()) {
    throw std::runtime_error("dump failed: " + st.message());
  }
  return out;
}

// Puts `r` in one committed write transaction; fails the test on error.
inline void commit_put(const store& s, const reservation& r) {
  auto t = s.begin_write();
  REQUIRE(t.is_ok());
  REQUIRE(t->put(r).is_ok());
  REQUIRE(t->commit().is_ok());
}

// A fresh directory under /tmp, removed with everything in it at the end.
struct temp_dir {
  std::string path;
  explicit temp_dir(const char* prefix = "trop-store") {
    std::string tmpl = std::string("/tmp/") + prefix + "-XXXXXX";
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

}  // namespace trop::test
