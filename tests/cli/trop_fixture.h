// Test fixture for trop integration tests: a private temporary tree (home,
// work directory, data directory) and a way to run the trop binary in it
// with a controlled environment.
// Thread safety: run() may be called from several threads at once; the
// fixture itself is created and destroyed on one thread.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "process.h"
#include "trop/reservation.h"

namespace trop::test {

// Variables to set (value) or remove (nullopt) on top of the fixture's env.
using env_changes = std::vector<std::pair<std::string, std::optional<std::string>>>;

struct run_options {
  std::string cwd;  // empty = the fixture's work directory
  env_changes env;
  std::string stdin_data;
  std::chrono::milliseconds timeout{60000};
};

class trop_fixture {
 public:
  // Creates <tmp>/trop-cli-XXXXXX with home/ and work/ (canonical paths).
  // The data directory <root>/data is not created.
  trop_fixture();
  ~trop_fixture();
  trop_fixture(const trop_fixture&) = delete;
  trop_fixture& operator=(const trop_fixture&) = delete;

  const std::string& root() const { return root_; }
  const std::string& home() const { return home_; }
  const std::string& work() const { return work_; }
  const std::string& data_dir() const { return data_dir_; }

  // Runs trop with `args`. The environment is the test's, minus every TROP_*
  // variable, with HOME=home(), TROP_DATA_DIR=data_dir(), PWD=cwd, then `opt.env`.
  process_result run(const std::vector<std::string>& args, const run_options& opt = {}) const;

  // The argv/env/cwd that run() would use, for tests that manage the child.
  process_options options(const std::vector<std::string>& args, const run_options& opt = {}) const;

  // Creates a directory (and parents) below root(); returns its path.
  std::string make_dir(const std::string& relative) const;

  // Every reservation in the store, read with the engine API (empty when
  // there is no store). Fails the test on an engine error.
  std::vector<reservation> stored() const;

  // Inserts records with the engine API in one transaction.
  void seed(const std::vector<reservation>& records) const;

  // Names of the entries of data_dir() (empty when it does not exist).
  std::vector<std::string> data_dir_entries() const;

 private:
  std::string root_, home_, work_, data_dir_;
};

// Path of the trop binary under test.
const char* trop_binary();

// Whole-file contents; empty when unreadable.
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& bytes);

}  // namespace trop::test
