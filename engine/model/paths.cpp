// Path normalization, canonicalization and the relationship guard (SPEC B §5).
#include "trop/paths.h"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace trop {
namespace {

std::vector<std::string_view> split_components(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') {
      ++i;
    }
    std::size_t start = i;
    while (i < path.size() && path[i] != '/') {
      ++i;
    }
    if (i > start) {
      out.push_back(path.substr(start, i - start));
    }
  }
  return out;
}

// "/" followed by the first `n` components joined by '/'; "/" when n == 0.
std::string join_components(const std::vector<std::string_view>& comps, std::size_t n) {
  if (n == 0) {
    return std::string(1, '/');
  }
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back('/');
    out.append(comps[i]);
  }
  return out;
}

// The path as an error message shows it: invalid UTF-8 bytes become \xNN so
// that the message itself stays printable text.
std::string printable(std::string_view path) {
  if (is_valid_utf8(path)) {
    return std::string(path);
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : path) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

status invalid_path(std::string_view path, std::string_view reason) {
  return invalid_argument("invalid path " + printable(path) + ": " + std::string(reason));
}

constexpr std::string_view kTooManyDotDot = "Path contains too many '..' components (escapes root)";

}  // namespace

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
      min = 0x10000;
    } else {
      return false;
    }
    if (i + len > n) {
      return false;
    }
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

result<std::string> normalize_absolute(std::string_view path) {
  std::vector<std::string_view> stack;
  for (std::string_view comp : split_components(path)) {
    if (comp == ".") {
      continue;
    }
    if (comp == "..") {
      if (stack.empty()) {
        return invalid_path(path, kTooManyDotDot);
      }
      stack.pop_back();
      continue;
    }
    stack.push_back(comp);
  }
  if (stack.empty()) {
    return std::string("/");
  }
  std::string out;
  for (std::string_view comp : stack) {
    out.push_back('/');
    out.append(comp);
  }
  return out;
}

result<std::string> normalize_explicit(std::string_view path, std::string_view cwd,
                                       std::string_view home) {
  if (path.empty()) {
    return invalid_path(path, "path is empty");
  }
  if (!is_valid_utf8(path)) {
    return invalid_path(path, "Path contains invalid UTF-8");
  }
  std::string joined;
  if (path[0] == '~') {
    std::string_view rest = path.substr(1);
    if (!rest.empty() && rest[0] != '/' && rest[0] != '\\') {
      return invalid_path(path, "~user syntax is not supported; use ~ or ~/path");
    }
    if (home.empty()) {
      return invalid_path(path, "home directory is unknown");
    }
    joined.assign(home);
    if (!rest.empty()) {
      joined.push_back('/');
      joined.append(rest.substr(1));
    }
    if (joined[0] != '/') {
      // A relative $HOME is joined onto the cwd like any relative path.
      joined = std::string(cwd) + "/" + joined;
    }
  } else if (path[0] == '/') {
    joined.assign(path);
  } else {
    joined.assign(cwd);
    joined.push_back('/');
    joined.append(path);
  }
  result<std::string> normal = normalize_absolute(joined);
  if (!normal) {
    // Name what the user typed, not the joined intermediate.
    return invalid_path(path, kTooManyDotDot);
  }
  return normal;
}

result<std::string> canonicalize(const std::string& path) {
  // realpath with a NULL buffer allocates exactly what it needs (no PATH_MAX trap).
  std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(path.c_str(), nullptr),
                                                       &std::free);
  if (!resolved) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return not_found("path not found: " + printable(path));
    }
    if (err == EACCES) {
      return io_error("permission denied: " + printable(path));
    }
    return io_error("cannot canonicalize " + printable(path) + ": " + std::strerror(err));
  }
  return std::string(resolved.get());
}

result<std::string> physical_path(const std::string& path) {
  std::vector<std::string_view> comps = split_components(path);
  // Walk up until an ancestor canonicalizes; "/" always does.
  for (std::size_t keep = comps.size() + 1; keep-- > 0;) {
    result<std::string> canon = canonicalize(join_components(comps, keep));
    if (!canon) {
      if (canon.error().code() == error_code::not_found) {
        continue;
      }
      return canon.error();
    }
    std::string out = std::move(*canon);
    for (std::size_t i = keep; i < comps.size(); ++i) {
      if (out != "/") {
        out.push_back('/');
      }
      out.append(comps[i]);
    }
    // The missing suffix may itself hold "..": resolve it lexically.
    return normalize_absolute(out);
  }
  return not_found("path not found: " + printable(path));
}

path_relation relationship(std::string_view target, std::string_view cwd) {
  std::vector<std::string_view> t = split_components(target);
  std::vector<std::string_view> c = split_components(cwd);
  std::size_t common = 0;
  while (common < t.size() && common < c.size() && t[common] == c[common]) {
    ++common;
  }
  if (common == t.size() && common == c.size()) {
    return path_relation::same;
  }
  if (common == t.size()) {
    return path_relation::ancestor;
  }
  if (common == c.size()) {
    return path_relation::descendant;
  }
  return path_relation::unrelated;
}

bool is_path_within(std::string_view path, std::string_view prefix) {
  path_relation r = relationship(path, prefix);
  return r == path_relation::same || r == path_relation::descendant;
}

std::optional<std::string> logical_cwd(std::string_view pwd) {
  if (pwd.empty() || pwd[0] != '/') {
    return std::nullopt;
  }
  result<std::string> normal = normalize_absolute(pwd);
  if (!normal || *normal != pwd) {
    // A $PWD with "." or ".." is not what a shell sets; do not guess.
    return std::nullopt;
  }
  struct stat a {};
  struct stat b {};
  if (::stat(normal->c_str(), &a) != 0 || ::stat(".", &b) != 0) {
    return std::nullopt;
  }
  if (a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
    return std::nullopt;
  }
  return std::move(*normal);
}

status check_path_guard(const std::string& target, const std::string& cwd,
                        const std::optional<std::string>& logical) {
  if (relationship(target, cwd) != path_relation::unrelated) {
    return status::ok();
  }
  if (logical && relationship(target, *logical) != path_relation::unrelated) {
    return status::ok();
  }
  result<std::string> phys_target = physical_path(target);
  if (phys_target) {
    result<std::string> phys_cwd = canonicalize(cwd);
    if (phys_cwd && relationship(*phys_target, *phys_cwd) != path_relation::unrelated) {
      return status::ok();
    }
  }
  return {error_code::conflict, "path relationship violation: " + printable(target) + " and " +
                                    printable(cwd) + " are unrelated paths"};
}

result<std::string> default_data_dir(const char* trop_data_dir_env, const char* home_env) {
  if (trop_data_dir_env != nullptr) {
    if (*trop_data_dir_env == '\0') {
      return invalid_argument("TROP_DATA_DIR is empty");
    }
    return std::string(trop_data_dir_env);
  }
  if (home_env == nullptr || *home_env == '\0') {
    return not_found(
        "Could not determine the trop data directory: HOME is not set; use --data-dir or "
        "TROP_DATA_DIR");
  }
  std::string home(home_env);
  return home + (home.back() == '/' ? ".trop" : "/.trop");
}

}  // namespace trop
