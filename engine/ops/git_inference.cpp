// Git inference (SPEC B §10, A.2 #20): repository discovery and HEAD reading
// done on the repository's files, the way git's setup_git_directory does it.
#include "trop/git_inference.h"

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace trop {
namespace {

namespace fs = std::filesystem;

// Files we read are a few bytes (HEAD, commondir, a gitdir link); anything
// bigger is not what git writes.
constexpr std::size_t kMaxSmallFile = 64 * 1024;
constexpr std::size_t kMaxValueBytes = 255;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

// SPEC B §6: trimmed, non-empty, no NUL, at most 255 bytes; else dropped.
std::optional<std::string> valid_value(std::string_view candidate) {
  std::string_view v = trim(candidate);
  if (v.empty() || v.size() > kMaxValueBytes || v.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  return std::string(v);
}

std::optional<std::string> read_small_file(const fs::path& p) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) {
    return std::nullopt;
  }
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::string out;
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    out.append(buf, static_cast<std::size_t>(in.gcount()));
    if (out.size() > kMaxSmallFile) {
      return std::nullopt;
    }
  }
  if (in.bad()) {
    return std::nullopt;
  }
  return out;
}

bool is_hex_object_id(std::string_view s) {
  if (s.size() != 40 && s.size() != 64) {  // SHA-1 or SHA-256
    return false;
  }
  for (char c : s) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) {
      return false;
    }
  }
  return true;
}

// What HEAD holds.
struct head_info {
  bool valid = false;
  std::optional<std::string> symbolic_target;  // "refs/heads/main"; none when detached
};

head_info read_head(const fs::path& git_dir) {
  head_info h;
  std::optional<std::string> text = read_small_file(git_dir / "HEAD");
  if (!text) {
    return h;
  }
  std::string_view v = trim(*text);
  constexpr std::string_view kRef = "ref:";
  if (v.substr(0, kRef.size()) == kRef) {
    std::string_view target = trim(v.substr(kRef.size()));
    // git's validate_headref: a symbolic HEAD points into refs/.
    if (target.substr(0, 5) != "refs/") {
      return h;
    }
    h.valid = true;
    h.symbolic_target = std::string(target);
    return h;
  }
  h.valid = is_hex_object_id(v);  // detached
  return h;
}

// The common dir of a git dir: `commondir` (relative to the git dir) when
// present, else the git dir itself.
fs::path common_dir_of(const fs::path& git_dir) {
  std::optional<std::string> text = read_small_file(git_dir / "commondir");
  if (!text) {
    return git_dir;
  }
  std::string_view v = *text;
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) {
    v.remove_suffix(1);
  }
  if (v.empty()) {
    return git_dir;
  }
  fs::path p{std::string(v)};
  return p.is_absolute() ? p : git_dir / p;
}

// git's is_git_directory: a valid HEAD, and objects/ and refs/ in the common dir.
bool is_git_dir(const fs::path& dir) {
  std::error_code ec;
  if (!read_head(dir).valid) {
    return false;
  }
  fs::path common = common_dir_of(dir);
  return fs::is_directory(common / "objects", ec) && fs::is_directory(common / "refs", ec);
}

std::optional<std::string> project_from(const fs::path& git_dir) {
  std::error_code ec;
  fs::path common = fs::canonical(common_dir_of(git_dir), ec);
  if (ec) {
    return std::nullopt;
  }
  std::string name = common.filename().string();
  if (name == ".git") {
    name = common.parent_path().filename().string();
  }
  constexpr std::string_view kSuffix = ".git";
  if (name.size() >= kSuffix.size() &&
      std::string_view(name).substr(name.size() - kSuffix.size()) == kSuffix) {
    name.resize(name.size() - kSuffix.size());
  }
  return valid_value(name);
}

std::optional<std::string> branch_from(const fs::path& git_dir) {
  head_info h = read_head(git_dir);
  if (!h.symbolic_target) {
    return std::nullopt;  // detached HEAD
  }
  std::string_view target = *h.symbolic_target;
  constexpr std::string_view kHeads = "refs/heads/";
  if (target.substr(0, kHeads.size()) == kHeads) {
    target.remove_prefix(kHeads.size());
  }
  // An unborn branch (no commit yet, so no ref file) still names itself here (A.2 #20).
  return valid_value(target);
}

// The git dir named by a ".git" file ("gitdir: <path>"); nullopt if malformed.
std::optional<fs::path> read_gitfile(const fs::path& file) {
  std::optional<std::string> text = read_small_file(file);
  if (!text) {
    return std::nullopt;
  }
  std::string_view v = *text;
  constexpr std::string_view kPrefix = "gitdir: ";
  if (v.substr(0, kPrefix.size()) != kPrefix) {
    return std::nullopt;
  }
  v.remove_prefix(kPrefix.size());
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) {
    v.remove_suffix(1);
  }
  if (v.empty()) {
    return std::nullopt;
  }
  fs::path p{std::string(v)};
  return p.is_absolute() ? p : file.parent_path() / p;
}

git_facts discover(const std::string& path) {
  std::error_code ec;
  fs::path dir = fs::canonical(fs::path(path), ec);
  if (ec) {
    return {};  // a path that does not exist gives nothing (SPEC B §10)
  }
  if (!fs::is_directory(dir, ec)) {
    dir = dir.parent_path();
  }
  for (;;) {
    const fs::path dot_git = dir / ".git";
    const fs::file_status st = fs::status(dot_git, ec);
    if (fs::is_regular_file(st)) {
      // A linked worktree or a submodule. A malformed file is a repository
      // error (git stops there too), not a reason to look further up.
      std::optional<fs::path> git_dir = read_gitfile(dot_git);
      if (!git_dir || !is_git_dir(*git_dir)) {
        return {};
      }
      return git_facts{project_from(*git_dir), valid_value(dir.filename().string())};
    }
    if (fs::is_directory(st) && is_git_dir(dot_git)) {
      return git_facts{project_from(dot_git), branch_from(dot_git)};
    }
    if (is_git_dir(dir)) {
      // A bare repository, or a path inside a .git directory.
      return git_facts{project_from(dir), branch_from(dir)};
    }
    fs::path parent = dir.parent_path();
    if (parent == dir || parent.empty()) {
      return {};
    }
    dir = std::move(parent);
  }
}

}  // namespace

git_facts infer_git_facts(const std::string& path) {
  // Best effort by contract: nothing here may fail a command, so even an
  // allocation failure inside std::filesystem is swallowed.
  try {
    return discover(path);
  } catch (...) {
    return {};
  }
}

}  // namespace trop
