// Unit tests of the CLI's settings layer (cli/settings.h): defaults, then
// environment, then command line, validated once after merging.
#include <catch2/catch.hpp>
#include <map>

#include "errors.h"
#include "settings.h"

namespace {

trop::cli::env_lookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

}  // namespace

TEST_CASE("settings: defaults, environment, then command line", "[quick][settings]") {
  trop::cli::global_options g;
  trop::cli::effective_settings s = trop::cli::resolve_settings(g, env_of({}));
  CHECK(s.busy_timeout_seconds == 5);
  CHECK_FALSE(s.disable_autoinit);
  CHECK(s.range == trop::port_range{5000, 7000});

  s = trop::cli::resolve_settings(g, env_of({{"TROP_BUSY_TIMEOUT", "9"},
                                             {"TROP_DISABLE_AUTOINIT", "Yes"},
                                             {"TROP_ALLOW_UNRELATED_PATH", "on"}}));
  CHECK(s.busy_timeout_seconds == 9);
  CHECK(s.disable_autoinit);
  CHECK(s.allow_unrelated_path);

  g.busy_timeout = 0;
  s = trop::cli::resolve_settings(g, env_of({{"TROP_BUSY_TIMEOUT", "9"}}));
  CHECK(s.busy_timeout_seconds == 0);
}

TEST_CASE("settings: invalid values are configuration errors", "[quick][settings]") {
  trop::cli::global_options g;
  auto code_of = [&](std::map<std::string, std::string> vars) {
    try {
      trop::cli::resolve_settings(g, env_of(std::move(vars)));
    } catch (const trop::cli::cli_error& e) {
      return e.exit_code();
    }
    return 0;
  };
  CHECK(code_of({{"TROP_BUSY_TIMEOUT", ""}}) == 7);
  CHECK(code_of({{"TROP_BUSY_TIMEOUT", "-1"}}) == 7);
  CHECK(code_of({{"TROP_BUSY_TIMEOUT", "2147484"}}) == 7);
  CHECK(code_of({{"TROP_BUSY_TIMEOUT", "2147483"}}) == 0);
  CHECK(code_of({{"TROP_DISABLE_AUTOINIT", "2"}}) == 7);
  g.busy_timeout = 2147484;
  CHECK(code_of({}) == 7);
}

TEST_CASE("parse_env_bool accepts the documented spellings only", "[quick][settings]") {
  for (const char* t : {"true", "TRUE", "1", "yes", "On"}) {
    CHECK(trop::cli::parse_env_bool(t) == std::optional<bool>(true));
  }
  for (const char* f : {"false", "0", "NO", "off"}) {
    CHECK(trop::cli::parse_env_bool(f) == std::optional<bool>(false));
  }
  for (const char* bad : {"", "y", "2", "truthy", " true"}) {
    CHECK_FALSE(trop::cli::parse_env_bool(bad).has_value());
  }
}

TEST_CASE("settings: durability from the environment and the command line", "[quick][settings]") {
  trop::cli::global_options g;
  CHECK(trop::cli::resolve_settings(g, env_of({})).durability_mode == trop::durability::full);
  CHECK(trop::cli::resolve_settings(g, env_of({{"TROP_DURABILITY", "NORMAL"}})).durability_mode ==
        trop::durability::normal);
  g.durability = "full";
  CHECK(trop::cli::resolve_settings(g, env_of({{"TROP_DURABILITY", "normal"}})).durability_mode ==
        trop::durability::full);
  g.durability.reset();
  CHECK_THROWS_AS(trop::cli::resolve_settings(g, env_of({{"TROP_DURABILITY", "fast"}})),
                  trop::cli::cli_error);
}
