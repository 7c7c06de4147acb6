// Unit tests of trop/paths.h: SPEC B §5 and A.2 #18.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "trop/paths.h"
#include "trop_fixture.h"

namespace {

using trop::error_code;
using trop::path_relation;

std::string norm(std::string_view p, std::string_view cwd = "/work/dir",
                 std::string_view home = "/home/me") {
  trop::result<std::string> r = trop::normalize_explicit(p, cwd, home);
  INFO("error: " << r.error().message());
  REQUIRE(r.is_ok());
  return *r;
}

std::string norm_error(std::string_view p, std::string_view cwd = "/work/dir",
                       std::string_view home = "/home/me") {
  trop::result<std::string> r = trop::normalize_explicit(p, cwd, home);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.error().code() == error_code::invalid_argument);
  return r.error().message();
}

}  // namespace

TEST_CASE("normalize_explicit keeps an absolute normal path as is", "[quick][paths]") {
  CHECK(norm("/a/b") == "/a/b");
  CHECK(norm("/") == "/");
}

TEST_CASE("normalize_explicit joins a relative path onto the cwd", "[quick][paths]") {
  CHECK(norm("x") == "/work/dir/x");
  CHECK(norm("x/y/") == "/work/dir/x/y");
  CHECK(norm(".") == "/work/dir");
  CHECK(norm("..") == "/work");
  CHECK(norm("../other") == "/work/other");
}

TEST_CASE("normalize_explicit resolves dot components and collapses separators", "[quick][paths]") {
  CHECK(norm("/a/./b") == "/a/b");
  CHECK(norm("/a//b///c/") == "/a/b/c");
  CHECK(norm("/a/b/../c") == "/a/c");
  CHECK(norm("/a/b/..") == "/a");
  CHECK(norm("/a/..") == "/");
  CHECK(norm("//") == "/");
}

TEST_CASE("normalize_explicit refuses '..' above the root instead of clamping", "[quick][paths]") {
  CHECK(norm_error("/..") ==
        "invalid path /..: Path contains too many '..' components (escapes root)");
  CHECK(norm_error("/a/../..") ==
        "invalid path /a/../..: Path contains too many '..' components (escapes root)");
  CHECK(norm_error("../../..") ==
        "invalid path ../../..: Path contains too many '..' components (escapes root)");
  // The cwd has two components, so two '..' reach the root and are fine.
  CHECK(norm("../..") == "/");
}

TEST_CASE("normalize_explicit expands ~ and ~/ from home", "[quick][paths]") {
  CHECK(norm("~") == "/home/me");
  CHECK(norm("~/") == "/home/me");
  CHECK(norm("~/proj/x") == "/home/me/proj/x");
  CHECK(norm("~\\proj") == "/home/me/proj");
  CHECK(norm("~/../other") == "/home/other");
  CHECK(norm("~", "/w", "/home/me/") == "/home/me");
}

TEST_CASE("normalize_explicit refuses ~user", "[quick][paths]") {
  CHECK(norm_error("~bob/x") ==
        "invalid path ~bob/x: ~user syntax is not supported; use ~ or ~/path");
}

TEST_CASE("normalize_explicit needs a home for ~", "[quick][paths]") {
  CHECK(norm_error("~/x", "/w", "") == "invalid path ~/x: home directory is unknown");
}

TEST_CASE("normalize_explicit treats a '~' inside a path literally", "[quick][paths]") {
  CHECK(norm("a/~") == "/work/dir/a/~");
  CHECK(norm("/x/~bob") == "/x/~bob");
}

TEST_CASE("normalize_explicit rejects invalid UTF-8 and empty paths", "[quick][paths]") {
  CHECK(norm_error("/a/\xff\xfe") == "invalid path /a/\\xff\\xfe: Path contains invalid UTF-8");
  CHECK(norm_error("") == "invalid path : path is empty");
  CHECK(norm("/caf\xc3\xa9") == "/caf\xc3\xa9");
}

TEST_CASE("is_valid_utf8 rejects overlong forms, surrogates and out-of-range code points",
          "[quick][paths]") {
  CHECK(trop::is_valid_utf8(""));
  CHECK(trop::is_valid_utf8("plain"));
  CHECK(trop::is_valid_utf8("\xe2\x82\xac"));            // U+20AC
  CHECK(trop::is_valid_utf8("\xf0\x9f\x98\x80"));        // U+1F600
  CHECK_FALSE(trop::is_valid_utf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(trop::is_valid_utf8("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(trop::is_valid_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  CHECK_FALSE(trop::is_valid_utf8("\xe2\x82"));          // truncated
  CHECK_FALSE(trop::is_valid_utf8("\x80"));
}

TEST_CASE("normalize_explicit does not follow symlinks", "[quick][paths]") {
  trop::test::trop_fixture fx;
  std::string real = fx.make_dir("real");
  std::filesystem::create_directory_symlink(real, fx.root() + "/link");
  CHECK(norm("link/../x", fx.root()) == fx.root() + "/x");
  CHECK(norm(fx.root() + "/link/sub") == fx.root() + "/link/sub");
}

TEST_CASE("relationship compares component-wise", "[quick][paths]") {
  CHECK(trop::relationship("/a/b", "/a/b") == path_relation::same);
  CHECK(trop::relationship("/a", "/a/b") == path_relation::ancestor);
  CHECK(trop::relationship("/a/b/c", "/a/b") == path_relation::descendant);
  CHECK(trop::relationship("/a/bc", "/a/b") == path_relation::unrelated);
  CHECK(trop::relationship("/a/b", "/a/bc") == path_relation::unrelated);
  CHECK(trop::relationship("/x", "/y") == path_relation::unrelated);
  CHECK(trop::relationship("/", "/a") == path_relation::ancestor);
  CHECK(trop::relationship("/a", "/") == path_relation::descendant);
  CHECK(trop::relationship("/", "/") == path_relation::same);
  CHECK(trop::relationship("/a/b/", "/a//b") == path_relation::same);
}

TEST_CASE("is_path_within is same-or-descendant", "[quick][paths]") {
  CHECK(trop::is_path_within("/a/b", "/a/b"));
  CHECK(trop::is_path_within("/a/b/c", "/a/b"));
  CHECK_FALSE(trop::is_path_within("/a/bc", "/a/b"));
  CHECK_FALSE(trop::is_path_within("/a", "/a/b"));
}

TEST_CASE("canonicalize resolves symlinks and reports missing paths", "[quick][paths]") {
  trop::test::trop_fixture fx;
  std::string real = fx.make_dir("real/sub");
  std::filesystem::create_directory_symlink(fx.root() + "/real", fx.root() + "/link");
  trop::result<std::string> c = trop::canonicalize(fx.root() + "/link/sub");
  REQUIRE(c.is_ok());
  CHECK(*c == real);

  trop::result<std::string> missing = trop::canonicalize(fx.root() + "/nope");
  REQUIRE_FALSE(missing.is_ok());
  CHECK(missing.error().code() == error_code::not_found);
  CHECK(missing.error().message() == "path not found: " + fx.root() + "/nope");
}

TEST_CASE("canonicalize reports permission problems", "[quick][paths]") {
  if (::geteuid() == 0) {
    SUCCEED("root ignores directory permissions; nothing to check");
    return;
  }
  trop::test::trop_fixture fx;
  std::string locked = fx.make_dir("locked");
  fx.make_dir("locked/inner");
  ::chmod(locked.c_str(), 0);
  trop::result<std::string> c = trop::canonicalize(locked + "/inner");
  ::chmod(locked.c_str(), 0700);
  REQUIRE_FALSE(c.is_ok());
  CHECK(c.error().message() == "permission denied: " + locked + "/inner");
}

TEST_CASE("physical_path canonicalizes the existing part and keeps the rest", "[quick][paths]") {
  trop::test::trop_fixture fx;
  std::string real = fx.make_dir("real");
  std::filesystem::create_directory_symlink(real, fx.root() + "/link");
  trop::result<std::string> p = trop::physical_path(fx.root() + "/link/not/yet");
  REQUIRE(p.is_ok());
  CHECK(*p == real + "/not/yet");
  trop::result<std::string> root = trop::physical_path("/");
  REQUIRE(root.is_ok());
  CHECK(*root == "/");
}

TEST_CASE("path guard accepts same, ancestor and descendant of the cwd", "[quick][paths]") {
  CHECK(trop::check_path_guard("/a/b", "/a/b", std::nullopt).is_ok());
  CHECK(trop::check_path_guard("/a", "/a/b", std::nullopt).is_ok());
  CHECK(trop::check_path_guard("/a/b/c/d", "/a/b", std::nullopt).is_ok());
}

TEST_CASE("path guard refuses an unrelated path with the contract's message", "[quick][paths]") {
  trop::status s = trop::check_path_guard("/nonexistent-x/y", "/nonexistent-a/b", std::nullopt);
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.code() == error_code::conflict);
  CHECK(s.message() ==
        "path relationship violation: /nonexistent-x/y and /nonexistent-a/b are unrelated paths");
}

TEST_CASE("path guard accepts a target related to the logical cwd", "[quick][paths]") {
  CHECK(trop::check_path_guard("/logical/dir/sub", "/physical/dir", std::string("/logical/dir"))
            .is_ok());
  CHECK_FALSE(
      trop::check_path_guard("/other/sub", "/physical/dir", std::string("/logical/dir")).is_ok());
}

TEST_CASE("path guard falls back to a physical comparison", "[quick][paths]") {
  trop::test::trop_fixture fx;
  std::string real = fx.make_dir("real/project");
  std::filesystem::create_directory_symlink(fx.root() + "/real", fx.root() + "/link");
  // Target spelled through the symlink (and not existing yet), cwd physical.
  CHECK(trop::check_path_guard(fx.root() + "/link/project/new", real, std::nullopt).is_ok());
  // Target physical, cwd spelled through the symlink.
  CHECK(trop::check_path_guard(real + "/x", fx.root() + "/link/project", std::nullopt).is_ok());
  CHECK_FALSE(trop::check_path_guard(fx.root() + "/elsewhere", real, std::nullopt).is_ok());
}

TEST_CASE("logical_cwd accepts $PWD only when it names the cwd", "[quick][paths]") {
  trop::test::trop_fixture fx;
  std::string real = fx.make_dir("real");
  std::filesystem::create_directory_symlink(real, fx.root() + "/link");
  std::string old = std::filesystem::current_path();
  REQUIRE(::chdir(real.c_str()) == 0);
  CHECK(trop::logical_cwd(fx.root() + "/link") == std::optional<std::string>(fx.root() + "/link"));
  CHECK(trop::logical_cwd(real) == std::optional<std::string>(real));
  CHECK(trop::logical_cwd(fx.root()) == std::nullopt);
  CHECK(trop::logical_cwd("relative") == std::nullopt);
  CHECK(trop::logical_cwd(fx.root() + "/link/.") == std::nullopt);
  CHECK(trop::logical_cwd("") == std::nullopt);
  REQUIRE(::chdir(old.c_str()) == 0);
}
