#include "scratch.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace trop::bench {

scratch_dir::scratch_dir(const std::string& root, const std::string& tag, bool keep) : keep_(keep) {
  std::string pattern = root;
  pattern += "/trop-bench-";
  pattern += tag;
  pattern += "-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    error_ = "cannot create a temporary directory under " + root + ": " + std::strerror(errno);
    return;
  }
  path_ = buf.data();
}

scratch_dir::~scratch_dir() {
  if (!path_.empty() && !keep_) {
    std::error_code ec;  // best effort: a leftover temp dir is not worth a failure
    std::filesystem::remove_all(path_, ec);
  }
}

std::string scratch_dir::sub(const std::string& name) const {
  std::string s = path_;
  s += '/';
  s += name;
  return s;
}

}  // namespace trop::bench
