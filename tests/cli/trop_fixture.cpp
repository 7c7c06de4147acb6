#include "trop_fixture.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "trop/store.h"

#ifndef TROP_BINARY
#error "TROP_BINARY must name the trop executable"
#endif

namespace trop::test {

const char* trop_binary() {
  return TROP_BINARY;
}

trop_fixture::trop_fixture() {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/trop-cli-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  // Canonical, so that implicit (canonicalized) paths compare equal.
  char buf[PATH_MAX];
  if (::realpath(tmpl.c_str(), buf) == nullptr) {
    throw std::runtime_error("realpath failed");
  }
  root_ = buf;
  home_ = root_ + "/home";
  work_ = root_ + "/work";
  data_dir_ = root_ + "/data";
  std::filesystem::create_directories(home_);
  std::filesystem::create_directories(work_);
}

trop_fixture::~trop_fixture() {
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

process_options trop_fixture::options(const std::vector<std::string>& args,
                                      const run_options& opt) const {
  process_options p;
  p.argv.push_back(trop_binary());
  p.argv.insert(p.argv.end(), args.begin(), args.end());
  p.cwd = opt.cwd.empty() ? work_ : opt.cwd;
  env_changes changes;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    if (kv.rfind("TROP_", 0) == 0) {
      changes.emplace_back(kv.substr(0, kv.find('=')), std::nullopt);
    }
  }
  changes.emplace_back("HOME", home_);
  changes.emplace_back("TROP_DATA_DIR", data_dir_);
  changes.emplace_back("PWD", p.cwd);
#ifdef TROP_FIXTURE_PORT_RANGE
  // A suite that runs beside tests/cli under `ctest -j` allocates from its own
  // range: an occupancy probe binds its port for a moment, and two suites
  // probing 5000 at once see each other's probe as a listener.
  {
    const std::string range = TROP_FIXTURE_PORT_RANGE;  // "min-max"
    changes.emplace_back("TROP_PORT_MIN", range.substr(0, range.find('-')));
    changes.emplace_back("TROP_PORT_MAX", range.substr(range.find('-') + 1));
  }
#endif
  changes.insert(changes.end(), opt.env.begin(), opt.env.end());
  p.env = make_env(changes);
  p.stdin_data = opt.stdin_data;
  p.timeout = opt.timeout;
  return p;
}

process_result trop_fixture::run(const std::vector<std::string>& args,
                                 const run_options& opt) const {
  return run_process(options(args, opt));
}

std::string trop_fixture::make_dir(const std::string& relative) const {
  std::string p = root_ + "/" + relative;
  std::filesystem::create_directories(p);
  return p;
}

std::vector<reservation> trop_fixture::stored() const {
  store_options o;
  o.data_dir = data_dir_;
  o.create_if_missing = false;
  o.private_files = false;  // tests inspect stores they handed to other users
  result<store> st = store::open(o);
  REQUIRE(st.is_ok());
  result<snapshot> snap = st->read();
  INFO(snap.error().message());
  REQUIRE(snap.is_ok());
  std::vector<reservation> out;
  status s = snap->for_each([&](const reservation& r) {
    out.push_back(r);
    return true;
  });
  INFO(s.message());
  REQUIRE(s.is_ok());
  return out;
}

void trop_fixture::seed(const std::vector<reservation>& records) const {
  store_options o;
  o.data_dir = data_dir_;
  o.private_files = false;  // tests inspect stores they handed to other users
  result<store> st = store::open(o);
  REQUIRE(st.is_ok());
  result<write_transaction> txn = st->begin_write();
  INFO(txn.error().message());
  REQUIRE(txn.is_ok());
  for (const reservation& r : records) {
    status s = txn->put(r);
    INFO(s.message());
    REQUIRE(s.is_ok());
  }
  status c = txn->commit();
  INFO(c.message());
  REQUIRE(c.is_ok());
}

std::vector<std::string> trop_fixture::data_dir_entries() const {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(data_dir_, ec)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

}  // namespace trop::test
