// Temporary directories for benchmark data, removed when done (unless kept).
// Thread safety: one owner.
#pragma once

#include <string>

namespace trop::bench {

class scratch_dir {
 public:
  // Creates `<root>/trop-bench-<tag>-XXXXXX`. Check ok() afterwards.
  scratch_dir(const std::string& root, const std::string& tag, bool keep);
  ~scratch_dir();
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  const std::string& error() const { return error_; }
  // path() + "/" + name
  std::string sub(const std::string& name) const;

 private:
  std::string path_;
  std::string error_;
  bool keep_;
};

}  // namespace trop::bench
