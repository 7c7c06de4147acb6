// Git inference of project and task for new reservations (SPEC B §10, A.2
// #20, #29): the repository's files are read directly (no git binary, no
// libgit2).
// Thread safety: a free function without shared state; safe from any thread.
#pragma once

#include <optional>
#include <string>

namespace trop {

// What a repository says about a path. Each field is absent when it cannot be
// inferred or the candidate is invalid (empty after trimming, a NUL byte, or
// more than 255 bytes); the values are trimmed.
struct git_facts {
  std::optional<std::string> project;
  std::optional<std::string> task;

  friend bool operator==(const git_facts&, const git_facts&) = default;
};

// Discovers the repository that contains `path` (which must exist; a file
// counts as its directory) by walking up like git: at each directory, a `.git`
// directory that is a git dir, a `.git` file "gitdir: <dir>" (linked worktree
// or submodule; a relative dir is resolved against the file's directory), or
// the directory itself being a git dir (bare repository). The innermost wins.
//
// project: the common git dir (`commondir` in the git dir, relative to the git
// dir; else the git dir), canonicalized; the name of its parent when its name
// is ".git", else its own name; then one trailing ".git" is stripped
// ("/x/myrepo/.git" → "myrepo", "/x/source-project.git" → "source-project").
// task: the work tree's directory name when `.git` is a file; else HEAD's
// branch ("ref: refs/heads/<branch>" → "<branch>", slashes kept; an unborn
// branch gives its name too); a detached HEAD gives none.
//
// Never fails and never throws: a missing path, a directory outside any
// repository, an unreadable or malformed file all give empty facts.
git_facts infer_git_facts(const std::string& path);

}  // namespace trop
