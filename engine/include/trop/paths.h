// Path rules (SPEC B §5, A.2 #18): normalization of explicit paths,
// canonicalization, the component-wise relationship of two paths and the
// path-relationship guard of reserve/release.
// Thread safety: free functions without shared state; safe from any thread.
// Only canonicalize(), physical_path(), logical_cwd() and check_path_guard()
// touch the file system (stat/realpath); nothing here ever writes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "trop/status.h"

namespace trop {

// Turns a user-supplied path into an identity (SPEC B §5.1):
//   * the text must be valid UTF-8;
//   * "~" is `home`, "~/rest" (or "~\rest") is home/rest; "~user" is refused;
//   * a relative path is joined onto `cwd` (not canonicalized);
//   * "." is dropped, ".." pops one component, repeated and trailing '/'
//     collapse; ".." above the root is an error (never clamped);
//   * symlinks are not followed and the path need not exist.
// REQUIRES: cwd is absolute. `home` is only used for a leading '~'; an empty
// home then fails.
// Errors (invalid_argument): "invalid path <p>: <reason>" with reason one of
// "Path contains invalid UTF-8", "~user syntax is not supported; use ~ or ~/path",
// "Path contains too many '..' components (escapes root)", "path is empty",
// "home directory is unknown".
result<std::string> normalize_explicit(std::string_view path, std::string_view cwd,
                                       std::string_view home);

// Lexical component resolution of an absolute path (the last two steps of
// normalize_explicit). Errors as normalize_explicit.
result<std::string> normalize_absolute(std::string_view path);

// realpath(3): resolves symlinks; the path must exist.
// Errors: not_found "path not found: <p>"; io_error "permission denied: <p>";
// io_error "cannot canonicalize <p>: <os error>" for anything else.
result<std::string> canonicalize(const std::string& path);

// Canonicalizes the longest existing ancestor of the absolute, normal `path`
// and re-appends the missing suffix, so that a path that does not exist yet
// still gets its physical spelling. Errors as canonicalize().
result<std::string> physical_path(const std::string& path);

// How a target path T lies relative to a directory C, compared component-wise
// ("/a/b" is not an ancestor of "/a/bc").
enum class path_relation {
  same,        // T == C
  ancestor,    // T is a proper prefix of C
  descendant,  // C is a proper prefix of T
  unrelated,
};
// REQUIRES: both paths absolute. Repeated and trailing '/' are ignored.
path_relation relationship(std::string_view target, std::string_view cwd);

// True when `path` equals `prefix` or lies below it, component-wise.
bool is_path_within(std::string_view path, std::string_view prefix);

// The logical working directory: `pwd` (the shell's $PWD) when it is an
// absolute, lexically normal path naming the same directory as "." (same
// device and inode); otherwise nullopt. It keeps the user's symlink spelling,
// which getcwd(3) resolves away.
std::optional<std::string> logical_cwd(std::string_view pwd);

// The path-relationship guard (SPEC B §5.4 with A.2 #18). `target` passes when
// it is the same as, an ancestor of or a descendant of
//   1. `cwd` (the process cwd as getcwd(3) reports it), or
//   2. `logical` (see logical_cwd()), or
//   3. physically: physical_path(target) against canonicalize(cwd); any
//      failure in this step counts as unrelated.
// Errors: conflict "path relationship violation: <target> and <cwd> are
// unrelated paths".
status check_path_guard(const std::string& target, const std::string& cwd,
                        const std::optional<std::string>& logical);

// The data directory when none is given explicitly (SPEC B §2.2 without the
// --data-dir option): `trop_data_dir_env` (the value of TROP_DATA_DIR,
// nullptr when unset) verbatim, else `home_env` + "/.trop" (a HOME ending in
// '/' gets ".trop"). Shared by the CLI and the C API (trop.h).
// Errors: invalid_argument "TROP_DATA_DIR is empty" when the variable is set
// but empty; not_found "Could not determine the trop data directory: HOME is
// not set; use --data-dir or TROP_DATA_DIR" when HOME is unset or empty.
result<std::string> default_data_dir(const char* trop_data_dir_env, const char* home_env);

// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code
// points above U+10FFFF).
bool is_valid_utf8(std::string_view s);

}  // namespace trop
