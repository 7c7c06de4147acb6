// The {port} / {port:TAG} placeholders of `trop exec` (cli/port_template.h),
// as pure functions: every rule of docs/commands/exec.md, edge cases included.
#include <catch2/catch.hpp>
#include <vector>

#include "port_template.h"

using trop::cli::expand_port_placeholders;
using trop::cli::port_binding;

namespace {

std::string expand(std::string_view arg, const std::vector<port_binding>& b) {
  trop::result<std::string> r = expand_port_placeholders(arg, b);
  REQUIRE(r);
  return *r;
}

std::string error_of(std::string_view arg, const std::vector<port_binding>& b) {
  trop::result<std::string> r = expand_port_placeholders(arg, b);
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == trop::error_code::invalid_argument);
  return r.error().message();
}

const std::vector<port_binding> kSingle = {{std::nullopt, 5000}};
const std::vector<port_binding> kTagged = {{"web", 5001}};
const std::vector<port_binding> kGroup = {{"web", 6000}, {"api", 6001}, {"db main", 6002}};

}  // namespace

TEST_CASE("{port} is the single port, anywhere and as often as written", "[quick][exec]") {
  CHECK(expand("{port}", kSingle) == "5000");
  CHECK(expand("--listen=127.0.0.1:{port}", kSingle) == "--listen=127.0.0.1:5000");
  CHECK(expand("{port}{port}", kSingle) == "50005000");
  CHECK(expand("{port}", kTagged) == "5001");
  CHECK(expand("{port:web}", kTagged) == "5001");
  CHECK(expand("", kSingle).empty());
}

TEST_CASE("{port:TAG} names a group's service by its exact tag", "[quick][exec]") {
  CHECK(expand("{port:api}/{port:web}", kGroup) == "6001/6000");
  CHECK(expand("{port:db main}", kGroup) == "6002");
  CHECK(expand("{port:web}", {{"web", 7000}}) == "7000");
  CHECK(expand("{port}", {{"only", 7000}}) == "7000");  // one service: unambiguous
}

TEST_CASE("{{port is the escape; every other brace is literal", "[quick][exec]") {
  CHECK(expand("{{port}", kSingle) == "{port}");
  CHECK(expand("{{port:web}", kGroup) == "{port:web}");
  CHECK(expand("{{port:nope", kGroup) == "{port:nope");  // escaped: no tag check
  CHECK(expand("{{{port}", kSingle) == "{{port}");       // '{' then the escape
  CHECK(expand("{}", kSingle) == "{}");
  CHECK(expand("{{.Name}}", kSingle) == "{{.Name}}");
  CHECK(expand("${PORT}", kSingle) == "${PORT}");
  CHECK(expand("{portal}", kSingle) == "{portal}");
  CHECK(expand("{port", kSingle) == "{port");
  CHECK(expand("awk '{print $1}'", kSingle) == "awk '{print $1}'");
  CHECK(expand("}}{{", kSingle) == "}}{{");
}

TEST_CASE("bad placeholders are errors that name the problem", "[quick][exec]") {
  CHECK(error_of("{port:web}", kSingle) == "unknown tag in placeholder '{port:web}'");
  CHECK(error_of("{port:WEB}", kGroup) == "unknown tag in placeholder '{port:WEB}'");
  CHECK(error_of("x{port:}", kGroup) == "empty tag in placeholder '{port:}'");
  CHECK(error_of("{port:web", kGroup).find("unterminated placeholder") == 0);
  CHECK(error_of("{port}", kGroup) == "{port} is ambiguous with 3 ports: name one with {port:TAG}");
  CHECK(error_of("{port}", {}) == "{port} names no port");
  // A tag is echoed escaped: control characters never reach the terminal raw.
  CHECK(error_of("{port:a\tb}", kGroup) == "unknown tag in placeholder '{port:a\\tb}'");
}
