#include <catch2/catch.hpp>

#include <string>

#include "trop/formats/text_escape.h"

using trop::escape_tsv_field;
using trop::quote_csv_field;

TEST_CASE("TSV escaping leaves ordinary text alone", "[quick]") {
  CHECK(escape_tsv_field("") == "");
  CHECK(escape_tsv_field("/home/u/my app,\"x\"") == "/home/u/my app,\"x\"");
}

TEST_CASE("TSV escaping uses C escapes for tab, newline, CR and backslash", "[quick]") {
  CHECK(escape_tsv_field("a\tb\nc\rd\\e") == "a\\tb\\nc\\rd\\\\e");
}

TEST_CASE("TSV escaping writes other control bytes as uppercase \\xNN", "[quick]") {
  CHECK(escape_tsv_field(std::string("\0\x01\x08\x0b\x0c\x1b\x1f\x7f", 8)) ==
        "\\x00\\x01\\x08\\x0B\\x0C\\x1B\\x1F\\x7F");
}

TEST_CASE("TSV escaping passes UTF-8 and invalid UTF-8 bytes through", "[quick]") {
  CHECK(escape_tsv_field("caf\xC3\xA9 \x80\xFF") == "caf\xC3\xA9 \x80\xFF");
}

TEST_CASE("CSV quoting leaves fields without special characters bare", "[quick]") {
  CHECK(quote_csv_field("") == "");
  CHECK(quote_csv_field("/a b\tc\\d") == "/a b\tc\\d");
}

TEST_CASE("CSV quoting wraps fields with comma, quote, CR or LF", "[quick]") {
  CHECK(quote_csv_field("a,b") == "\"a,b\"");
  CHECK(quote_csv_field("a\"b") == "\"a\"\"b\"");
  CHECK(quote_csv_field("\"") == "\"\"\"\"");
  CHECK(quote_csv_field("a\rb") == "\"a\rb\"");
  CHECK(quote_csv_field("a\nb") == "\"a\nb\"");
}

TEST_CASE("CSV quoting honours another delimiter", "[quick]") {
  CHECK(quote_csv_field("a;b", ';') == "\"a;b\"");
  CHECK(quote_csv_field("a,b", ';') == "a,b");
}
