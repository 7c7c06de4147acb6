// The C++ wrapper trop/trop.hpp over the C API, and the C API's agreement
// with the CLI: a store written by `trop reserve` and by trop_reserve in the
// same directory with the same configuration gives the same ports.
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "trop/trop.hpp"

namespace fs = std::filesystem;

namespace {

// A canonical temporary directory, removed at the end.
struct temp_tree {
  fs::path root;
  temp_tree() {
    std::string templ = (fs::temp_directory_path() / "trop-capi-cpp-XXXXXX").string();
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    root = fs::canonical(templ);
  }
  ~temp_tree() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  std::string dir(const std::string& name) const {
    fs::create_directories(root / name);
    return (root / name).string();
  }
};

trop::api::options test_options(const temp_tree& t, std::uint16_t lo, std::uint16_t hi) {
  trop::api::options o;
  o.data_dir((t.root / "data").string()).range(lo, hi).occupancy(TROP_OCCUPANCY_OFF);
  return o;
}

trop::api::request request_for(const std::string& path, unsigned flags = 0) {
  trop::api::request r;
  r.path = path;
  r.flags = flags | TROP_RESERVE_NO_GIT;
  return r;
}

}  // namespace

TEST_CASE("The C++ wrapper reserves, looks up, lists and releases", "[quick]") {
  temp_tree t;
  trop::api::store s(test_options(t, 6700, 6709));
  std::string a = t.dir("a"), b = t.dir("b");

  trop::api::reserve_result r = s.reserve(request_for(a));
  CHECK(r.port == 6700);
  CHECK(r.action == TROP_RESERVE_CREATED);
  CHECK(s.reserve(request_for(a)).action == TROP_RESERVE_REFRESHED);
  trop::api::request tagged = request_for(a);
  tagged.tag = "db";
  tagged.project = "shop";
  CHECK(s.reserve(tagged).port == 6701);
  CHECK(s.reserve(request_for(b)).port == 6702);

  std::optional<trop::api::reservation> got = s.lookup(a, "db");
  REQUIRE(got);
  CHECK(got->port == 6701);
  CHECK(got->tag == "db");
  CHECK(got->project == "shop");
  CHECK(!got->task);
  CHECK(!s.lookup(t.dir("c")));
  CHECK(s.lookup_port(6702)->path == b);
  CHECK(!s.lookup_port(6709));

  std::vector<trop::api::reservation> all = s.list();
  REQUIRE(all.size() == 3);
  CHECK(all[0].path == a);
  CHECK(!all[0].tag);
  CHECK(all[1].tag == "db");
  CHECK(all[2].path == b);
  CHECK(s.list(a).size() == 2);

  CHECK(s.release(a, "db"));
  CHECK(!s.release(a, "db"));
  CHECK(s.list().size() == 2);
  CHECK(s.data_dir() == (t.root / "data").string());
}

TEST_CASE("The C++ wrapper throws trop::api::error with the code and message", "[quick]") {
  temp_tree t;
  trop::api::options o = test_options(t, 6710, 6710);
  o.exclude(6800, 6810);
  CHECK(o.exclusions() == std::vector<std::pair<std::uint16_t, std::uint16_t>>{{6800, 6810}});
  CHECK(o.range() == std::pair<std::uint16_t, std::uint16_t>{6710, 6710});
  trop::api::store s(o);
  s.reserve(request_for(t.dir("one"), TROP_RESERVE_NO_GIT));
  try {
    s.reserve(request_for(t.dir("two")));
    FAIL("no exception");
  } catch (const trop::api::error& e) {
    CHECK(e.code() == TROP_E_EXHAUSTED);
    CHECK(std::string(e.what()).find("port range 6710-6710 exhausted") != std::string::npos);
  }
  try {
    o.range(10, 1);
    FAIL("no exception");
  } catch (const trop::api::error& e) {
    CHECK(e.code() == TROP_E_INVALID_ARGUMENT);
    CHECK(std::string(e.what()).find("Invalid port range") != std::string::npos);
  }
  CHECK_THROWS_AS(s.lookup(t.dir("one"), "   "), trop::api::error);

  // Moved-from handles are empty and safe to destroy.
  trop::api::store moved = std::move(s);
  CHECK(moved.lookup(t.dir("one")));
  CHECK(s.get() == nullptr);
}

#ifdef TROP_BINARY
namespace {

// Runs the trop binary in `cwd` with TROP_DATA_DIR=`data_dir`; returns its
// stdout, and its exit status in *status.
std::string run_trop(const std::string& cwd, const std::string& data_dir, const std::string& args,
                     int* status) {
  std::string cmd = "cd '" + cwd + "' && env -u TROP_PROJECT -u TROP_TASK TROP_DATA_DIR='" +
                    data_dir + "' " + TROP_BINARY + " " + args + " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p) != nullptr) {
    out += buf;
  }
  int st = ::pclose(p);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

}  // namespace

TEST_CASE("trop_options_load_config gives the CLI's configuration for a directory", "[quick]") {
  temp_tree t;
  std::string project = t.dir("proj");
  std::string sub = t.dir("proj/sub");
  std::string data = t.dir("data");
  std::ofstream(project + "/trop.yaml") << "project: demo\n"
                                           "ports: {min: 6720, max: 6730}\n"
                                           "excluded_ports: [6720, 6722]\n"
                                           "occupancy_check: {skip: true}\n";
  // The CLI, run in the subdirectory, reserves for it with the file's settings.
  int status = -1;
  std::string out = run_trop(sub, data, "reserve", &status);
  REQUIRE(status == 0);
  CHECK(out == "6721\n");

  // The C API with the configuration loaded for the same directory: the
  // same store, the same key, the same range and exclusions.
  trop::api::options o = trop::api::options::from_config(sub, data.c_str());
  CHECK(o.project() == "demo");
  trop::api::store s(o);
  std::optional<trop::api::reservation> cli_made = s.lookup(sub);
  REQUIRE(cli_made);
  CHECK(cli_made->port == 6721);
  CHECK(cli_made->project == "demo");
  trop::api::request r = request_for(sub);
  CHECK(s.reserve(r).action == TROP_RESERVE_REFRESHED);
  r.tag = "api";
  CHECK(s.reserve(r).port == 6723);  // 6722 is excluded
  // And the CLI sees what the C API reserved.
  out = run_trop(sub, data, "reserve --tag api", &status);
  CHECK(status == 0);
  CHECK(out == "6723\n");
  out = run_trop(sub, data, "reserve --tag third", &status);
  CHECK(out == "6724\n");
  CHECK(s.lookup(sub, "third")->port == 6724);
}
#endif
