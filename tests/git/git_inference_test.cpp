// Git inference of project and task (SPEC B §10, A.2 #20) on repositories
// written file by file, plus one made by the git binary when it is installed.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>

#include "trop/git_inference.h"

namespace fs = std::filesystem;
using trop::git_facts;
using trop::infer_git_facts;

namespace {

constexpr const char* kCommit = "0123456789abcdef0123456789abcdef01234567";

// A temporary directory (canonical, so that expected names are stable),
// removed with everything in it.
class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "trop-git-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = fs::canonical(tmpl);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// A git dir's skeleton: HEAD, objects/, refs/heads/.
void make_git_dir(const fs::path& git_dir, const std::string& head) {
  fs::create_directories(git_dir / "objects");
  fs::create_directories(git_dir / "refs" / "heads");
  fs::create_directories(git_dir / "refs" / "tags");
  write(git_dir / "HEAD", head);
}

// A work tree at `dir` with a .git directory on `branch` (which has a commit).
void make_repo(const fs::path& dir, const std::string& branch = "main") {
  make_git_dir(dir / ".git", std::string("ref: refs/heads/") + branch + "\n");
  write(dir / ".git" / "refs" / "heads" / branch, std::string(kCommit) + "\n");
  fs::create_directories(dir / "src");
}

// A linked worktree of the repository whose common dir is `common`: its
// private git dir under common/worktrees/<name> and a `.git` file in `dir`.
void make_worktree(const fs::path& common, const fs::path& dir, const std::string& name,
                   const std::string& gitdir_line) {
  fs::path wt_git = common / "worktrees" / name;
  fs::create_directories(wt_git);
  write(wt_git / "HEAD", "ref: refs/heads/wt-branch\n");
  write(wt_git / "commondir", "../..\n");
  write(wt_git / "gitdir", (dir / ".git").string() + "\n");
  write(dir / ".git", std::string("gitdir: ") + gitdir_line + "\n");
}

git_facts facts(std::optional<std::string> project, std::optional<std::string> task) {
  return git_facts{std::move(project), std::move(task)};
}

std::string str(const git_facts& f) {
  return std::string("project=") + f.project.value_or("(none)") +
         " task=" + f.task.value_or("(none)");
}

}  // namespace

namespace Catch {
template <>
struct StringMaker<git_facts> {
  static std::string convert(const git_facts& f) { return str(f); }
};
}  // namespace Catch

TEST_CASE("A repository gives its directory name and the current branch", "[quick]") {
  temp_dir t;
  make_repo(t.path() / "myrepo");
  CHECK(infer_git_facts((t.path() / "myrepo").string()) == facts("myrepo", "main"));
  // Discovery walks up from a subdirectory or a file.
  CHECK(infer_git_facts((t.path() / "myrepo" / "src").string()) == facts("myrepo", "main"));
  write(t.path() / "myrepo" / "src" / "a.txt", "x");
  CHECK(infer_git_facts((t.path() / "myrepo" / "src" / "a.txt").string()) ==
        facts("myrepo", "main"));
}

TEST_CASE("Branch names keep their slashes", "[quick]") {
  temp_dir t;
  make_repo(t.path() / "app", "feature/user-auth");
  CHECK(infer_git_facts((t.path() / "app").string()) == facts("app", "feature/user-auth"));
}

TEST_CASE("An unborn branch gives its name as task", "[quick]") {
  temp_dir t;
  make_git_dir(t.path() / "fresh" / ".git", "ref: refs/heads/trunk\n");  // no refs/heads/trunk
  CHECK(infer_git_facts((t.path() / "fresh").string()) == facts("fresh", "trunk"));
}

TEST_CASE("A detached HEAD gives no task", "[quick]") {
  temp_dir t;
  make_repo(t.path() / "repo");
  write(t.path() / "repo" / ".git" / "HEAD", std::string(kCommit) + "\n");
  CHECK(infer_git_facts((t.path() / "repo").string()) == facts("repo", std::nullopt));
  // A SHA-256 object id is detached too.
  write(t.path() / "repo" / ".git" / "HEAD", std::string(kCommit) + "0123456789abcdef01234567\n");
  CHECK(infer_git_facts((t.path() / "repo").string()) == facts("repo", std::nullopt));
}

TEST_CASE("A linked worktree gives the main repository and its own directory name", "[quick]") {
  temp_dir t;
  make_repo(t.path() / "myrepo");
  fs::path common = t.path() / "myrepo" / ".git";

  SECTION("absolute gitdir") {
    fs::path wt = t.path() / "wt-one";
    make_worktree(common, wt, "wt-one", (common / "worktrees" / "wt-one").string());
    CHECK(infer_git_facts(wt.string()) == facts("myrepo", "wt-one"));
    fs::create_directories(wt / "deep" / "er");
    CHECK(infer_git_facts((wt / "deep" / "er").string()) == facts("myrepo", "wt-one"));
  }
  SECTION("gitdir relative to the .git file's directory") {
    fs::path wt = t.path() / "nested" / "wt-two";
    make_worktree(common, wt, "wt-two", "../../myrepo/.git/worktrees/wt-two");
    CHECK(infer_git_facts(wt.string()) == facts("myrepo", "wt-two"));
  }
}

TEST_CASE("A bare repository's worktree takes the bare name minus .git", "[quick]") {
  temp_dir t;
  fs::path bare = t.path() / "source-project.git";
  make_git_dir(bare, "ref: refs/heads/main\n");
  fs::path wt = t.path() / "checkout";
  make_worktree(bare, wt, "checkout", (bare / "worktrees" / "checkout").string());
  CHECK(infer_git_facts(wt.string()) == facts("source-project", "checkout"));
  // Inside the bare repository itself: no work tree, so the task is HEAD's branch.
  CHECK(infer_git_facts(bare.string()) == facts("source-project", "main"));
  CHECK(infer_git_facts((bare / "refs").string()) == facts("source-project", "main"));
}

TEST_CASE("A submodule is named after its git dir and its work tree directory", "[quick]") {
  temp_dir t;
  fs::path super = t.path() / "super";
  make_repo(super);
  make_git_dir(super / ".git" / "modules" / "libfoo", "ref: refs/heads/main\n");
  write(super / "libfoo" / ".git", "gitdir: ../.git/modules/libfoo\n");
  CHECK(infer_git_facts((super / "libfoo").string()) == facts("libfoo", "libfoo"));
  CHECK(infer_git_facts((super / "src").string()) == facts("super", "main"));
}

TEST_CASE("The innermost repository wins", "[quick]") {
  temp_dir t;
  make_repo(t.path() / "outer", "main");
  make_repo(t.path() / "outer" / "inner", "dev");
  CHECK(infer_git_facts((t.path() / "outer" / "inner" / "src").string()) == facts("inner", "dev"));
  CHECK(infer_git_facts((t.path() / "outer" / "src").string()) == facts("outer", "main"));
}

TEST_CASE("One trailing .git is stripped from a work tree's name too", "[quick]") {
  temp_dir t;
  make_repo(t.path() / "tool.git");
  CHECK(infer_git_facts((t.path() / "tool.git").string()) == facts("tool", "main"));
  make_repo(t.path() / "x.git.git");
  CHECK(infer_git_facts((t.path() / "x.git.git").string()) == facts("x.git", "main"));
}

TEST_CASE("The common dir is canonicalized before it is named", "[quick]") {
  temp_dir t;
  make_repo(t.path() / "real-name");
  fs::create_directory_symlink(t.path() / "real-name", t.path() / "alias");
  CHECK(infer_git_facts((t.path() / "alias" / "src").string()) == facts("real-name", "main"));
  // A worktree whose gitdir goes through a symlink still names the target.
  fs::path wt = t.path() / "wt";
  make_worktree(t.path() / "real-name" / ".git", wt, "wt",
                (t.path() / "alias" / ".git" / "worktrees" / "wt").string());
  CHECK(infer_git_facts(wt.string()) == facts("real-name", "wt"));
}

TEST_CASE("Paths outside a repository, missing paths and broken repositories give nothing",
          "[quick]") {
  temp_dir t;
  fs::create_directories(t.path() / "plain");
  CHECK(infer_git_facts((t.path() / "plain").string()) == git_facts{});
  CHECK(infer_git_facts((t.path() / "does-not-exist").string()) == git_facts{});
  CHECK(infer_git_facts("") == git_facts{});

  make_repo(t.path() / "outer");
  SECTION("a malformed .git file stops discovery") {
    write(t.path() / "outer" / "broken" / ".git", "not a gitdir line\n");
    CHECK(infer_git_facts((t.path() / "outer" / "broken").string()) == git_facts{});
  }
  SECTION("a .git file pointing nowhere stops discovery") {
    write(t.path() / "outer" / "dangling" / ".git", "gitdir: /nonexistent/trop/gitdir\n");
    CHECK(infer_git_facts((t.path() / "outer" / "dangling").string()) == git_facts{});
  }
  SECTION("a .git directory that is not a git dir is passed over") {
    fs::create_directories(t.path() / "outer" / "half" / ".git" / "objects");
    CHECK(infer_git_facts((t.path() / "outer" / "half").string()) == facts("outer", "main"));
  }
  SECTION("a HEAD that points outside refs/ makes the directory no repository") {
    write(t.path() / "outer" / ".git" / "HEAD", "ref: elsewhere\n");
    CHECK(infer_git_facts((t.path() / "outer").string()) == git_facts{});
  }
}

TEST_CASE("Invalid inferred values are dropped and valid ones trimmed", "[quick]") {
  temp_dir t;
  SECTION("a branch name over 255 bytes") {
    make_repo(t.path() / "proj", std::string(256, 'b'));
    CHECK(infer_git_facts((t.path() / "proj").string()) == facts("proj", std::nullopt));
  }
  SECTION("a branch name of exactly 255 bytes") {
    make_repo(t.path() / "proj", std::string(255, 'b'));
    CHECK(infer_git_facts((t.path() / "proj").string()) == facts("proj", std::string(255, 'b')));
  }
  SECTION("a NUL byte in the branch") {
    make_git_dir(t.path() / "proj" / ".git", std::string("ref: refs/heads/a\0b\n", 20));
    CHECK(infer_git_facts((t.path() / "proj").string()) == facts("proj", std::nullopt));
  }
  SECTION("a directory name with surrounding blanks") {
    make_repo(t.path() / " spaced ");
    CHECK(infer_git_facts((t.path() / " spaced ").string()) == facts("spaced", "main"));
  }
  SECTION("a directory name of blanks only") {
    make_repo(t.path() / "   ");
    CHECK(infer_git_facts((t.path() / "   ").string()) == facts(std::nullopt, "main"));
  }
}

TEST_CASE("Repositories made by the git binary: unborn, linked worktree, detached", "[quick]") {
  if (std::system("git --version > /dev/null 2>&1") != 0) {
    WARN("skipped: the git binary is not installed (CI installs it)");
    std::cerr << "trop_tests_git: skipping the git-binary test: git is not installed\n";
    return;
  }
  temp_dir t;
  const std::string root = t.path().string();
  // Ignore the user's and the system's git configuration.
  const std::string git = std::string("GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=") +
                          root +
                          " git -c user.name=trop -c user.email=trop@example.invalid"
                          " -c init.defaultBranch=main -c advice.detachedHead=false ";
  auto run = [&](const std::string& cmd) {
    INFO(cmd);
    REQUIRE(std::system((cmd + " > /dev/null 2>&1").c_str()) == 0);
  };

  run(git + "init -q " + root + "/proj");
  CHECK(infer_git_facts(root + "/proj") == facts("proj", "main"));  // unborn

  run(git + "-C " + root + "/proj commit -q --allow-empty -m first");
  run(git + "-C " + root + "/proj worktree add -q -b feature/x " + root + "/proj-feature");
  CHECK(infer_git_facts(root + "/proj-feature") == facts("proj", "proj-feature"));
  CHECK(infer_git_facts(root + "/proj") == facts("proj", "main"));

  run(git + "-C " + root + "/proj checkout -q --detach");
  CHECK(infer_git_facts(root + "/proj") == facts("proj", std::nullopt));
}
