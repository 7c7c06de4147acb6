#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "trop/formats/json_pretty.h"

namespace {

using trop::to_pretty_json;

std::string pretty(std::string_view json) {
  return to_pretty_json(boost::json::parse(json));
}

}  // namespace

TEST_CASE("Pretty JSON prints scalars on their own", "[quick]") {
  CHECK(pretty("null") == "null");
  CHECK(pretty("true") == "true");
  CHECK(pretty("false") == "false");
  CHECK(pretty("0") == "0");
  CHECK(pretty("-42") == "-42");
  CHECK(pretty("18446744073709551615") == "18446744073709551615");
  CHECK(pretty("\"x\"") == "\"x\"");
}

TEST_CASE("Pretty JSON prints doubles as Boost serializes them", "[quick]") {
  const boost::json::value v = 1.5;
  CHECK(to_pretty_json(v) == boost::json::serialize(v));
}

TEST_CASE("Pretty JSON prints empty containers compactly", "[quick]") {
  CHECK(pretty("[]") == "[]");
  CHECK(pretty("{}") == "{}");
  CHECK(pretty("{\"a\":[],\"b\":{}}") == "{\n  \"a\": [],\n  \"b\": {}\n}");
}

TEST_CASE("Pretty JSON indents nested containers by two spaces", "[quick]") {
  CHECK(pretty("[1,[2,{\"k\":null}],3]") ==
        "[\n"
        "  1,\n"
        "  [\n"
        "    2,\n"
        "    {\n"
        "      \"k\": null\n"
        "    }\n"
        "  ],\n"
        "  3\n"
        "]");
}

TEST_CASE("Pretty JSON keeps object insertion order", "[quick]") {
  boost::json::object o;
  o["zeta"] = 1;
  o["alpha"] = 2;
  o["mid"] = 3;
  CHECK(to_pretty_json(o) == "{\n  \"zeta\": 1,\n  \"alpha\": 2,\n  \"mid\": 3\n}");
}

TEST_CASE("Pretty JSON has no trailing newline", "[quick]") {
  CHECK(pretty("[1]") == "[\n  1\n]");
}

TEST_CASE("Pretty JSON escapes quotes, backslashes and control characters", "[quick]") {
  const boost::json::value v = boost::json::string("q\"b\\n\nt\tr\rb\bf\fz\x01\x1f\x7f/");
  CHECK(to_pretty_json(v) == R"("q\"b\\n\nt\tr\rb\bf\fz\u0001\u001f)"
                             "\x7f"
                             R"(/")");
}

TEST_CASE("Pretty JSON escapes a NUL byte as \\u0000", "[quick]") {
  const boost::json::value v = boost::json::string(std::string("a\0b", 3));
  CHECK(to_pretty_json(v) == R"("a\u0000b")");
}

TEST_CASE("Pretty JSON emits non-ASCII UTF-8 raw", "[quick]") {
  CHECK(pretty("\"caf\\u00e9 \\ud83d\\ude00\"") == "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
}

TEST_CASE("Pretty JSON copies bytes that are not UTF-8 unchanged", "[quick]") {
  const boost::json::value v = boost::json::string("/srv/\xFF\xFE");
  CHECK(to_pretty_json(v) == "\"/srv/\xFF\xFE\"");
}

TEST_CASE("Pretty JSON escapes object keys like strings", "[quick]") {
  boost::json::object o;
  o["a\"b\n"] = nullptr;
  CHECK(to_pretty_json(o) == "{\n  \"a\\\"b\\n\": null\n}");
}

TEST_CASE("An array written one element at a time has the bytes of the whole array", "[quick]") {
  for (std::size_t n : {0, 1, 3}) {
    boost::json::array whole;
    auto element = [](std::size_t i) -> boost::json::value {
      return boost::json::parse(R"({"port": )" + std::to_string(5000 + i) +
                                R"(, "tags": ["a", {"b": null}], "empty": {}})");
    };
    for (std::size_t i = 0; i < n; ++i) {
      whole.push_back(element(i));
    }
    INFO("elements: " << n);
    CHECK(trop::to_pretty_json_array(n, element) == to_pretty_json(whole));
  }
}
