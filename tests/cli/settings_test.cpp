// Unit tests of the CLI's settings layer (cli/settings.h): the global options
// join the command-line layer, and configuration errors become exit 7.
#include <catch2/catch.hpp>
#include <map>

#include "errors.h"
#include "settings.h"

namespace {

trop::env_lookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

trop::cli::effective_settings resolve(const trop::cli::global_options& g,
                                      std::map<std::string, std::string> vars) {
  trop::cli::config_needs needs;
  needs.scope = trop::config_scope::defaults_env_cli;
  return trop::cli::resolve_settings(g, std::move(needs), "/nonexistent-trop-data", "",
                                     env_of(std::move(vars)), nullptr);
}

}  // namespace

TEST_CASE("settings: defaults, environment, then command line", "[quick][settings]") {
  trop::cli::global_options g;
  auto s = resolve(g, {});
  CHECK(s.busy_timeout_seconds() == 5);
  CHECK_FALSE(s.disable_autoinit);
  CHECK(s.range() == trop::port_range{5000, 7000});

  s = resolve(g, {{"TROP_BUSY_TIMEOUT", "9"},
                  {"TROP_DISABLE_AUTOINIT", "Yes"},
                  {"TROP_ALLOW_UNRELATED_PATH", "on"}});
  CHECK(s.busy_timeout_seconds() == 9);
  CHECK(s.disable_autoinit);
  CHECK(s.allow_unrelated_path);

  g.busy_timeout = 0;
  g.durability = "normal";
  s = resolve(g, {{"TROP_BUSY_TIMEOUT", "9"}, {"TROP_DURABILITY", "full"}});
  CHECK(s.busy_timeout_seconds() == 0);
  CHECK(s.durability_mode == trop::durability::normal);
}

TEST_CASE("settings: invalid values are configuration errors", "[quick][settings]") {
  trop::cli::global_options g;
  try {
    resolve(g, {{"TROP_DISABLE_AUTOINIT", "maybe"}});
    FAIL("expected a configuration error");
  } catch (const trop::cli::cli_error& e) {
    CHECK(e.exit_code() == 7);
    CHECK_THAT(e.message(), Catch::Contains("TROP_DISABLE_AUTOINIT"));
    CHECK_THAT(e.message(), Catch::Contains("Invalid boolean value: 'maybe'"));
  }
  g.busy_timeout = 2147484;
  try {
    resolve(g, {});
    FAIL("expected a configuration error");
  } catch (const trop::cli::cli_error& e) {
    CHECK(e.exit_code() == 7);
    CHECK_THAT(e.message(), Catch::Contains("must not exceed 2147483 seconds"));
  }
}
