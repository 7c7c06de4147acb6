#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "trop/formats/timestamp.h"

using trop::format_rfc3339;
using trop::format_timestamp;
using trop::parse_timestamp;

namespace {
constexpr std::int64_t kJan15 = 1705314645;  // 2024-01-15 10:30:45 UTC
}

TEST_CASE("Display timestamps are UTC YYYY-MM-DD HH:MM:SS", "[quick]") {
  CHECK(format_timestamp(0) == "1970-01-01 00:00:00");
  CHECK(format_timestamp(kJan15) == "2024-01-15 10:30:45");
  CHECK(format_timestamp(951868800) == "2000-03-01 00:00:00");
}

TEST_CASE("RFC 3339 timestamps are UTC with a Z suffix", "[quick]") {
  CHECK(format_rfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(format_rfc3339(kJan15) == "2024-01-15T10:30:45Z");
}

TEST_CASE("Timestamps gmtime cannot represent print as the bare number", "[quick]") {
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  CHECK(format_timestamp(max) == std::to_string(max));
  CHECK(format_rfc3339(max) == std::to_string(max));
}

TEST_CASE("Parsing accepts RFC 3339 with Z", "[quick]") {
  CHECK(parse_timestamp("2024-01-15T10:30:45Z") == kJan15);
  CHECK(parse_timestamp("2024-01-15t10:30:45z") == kJan15);
  CHECK(parse_timestamp("1970-01-01T00:00:00Z") == 0);
}

TEST_CASE("Parsing accepts RFC 3339 with a numeric offset", "[quick]") {
  CHECK(parse_timestamp("2024-01-15T12:30:45+02:00") == kJan15);
  CHECK(parse_timestamp("2024-01-15T05:00:45-05:30") == kJan15);
  CHECK(parse_timestamp("2024-01-15T10:30:45+00:00") == kJan15);
  CHECK(parse_timestamp("2024-01-15T10:30:45-00:00") == kJan15);
  CHECK(parse_timestamp("2024-01-16T00:30:45+14:00") == kJan15);
}

TEST_CASE("Parsing accepts the original tool's form as UTC", "[quick]") {
  CHECK(parse_timestamp("2024-01-15 10:30:45") == kJan15);
  CHECK(parse_timestamp("2024-01-15 10:30:45Z") == kJan15);
}

TEST_CASE("Parsing drops fractional seconds", "[quick]") {
  CHECK(parse_timestamp("2024-01-15T10:30:45.999Z") == kJan15);
  CHECK(parse_timestamp("2024-01-15T10:30:45.0+00:00") == kJan15);
  CHECK_FALSE(parse_timestamp("2024-01-15T10:30:45.Z"));
}

TEST_CASE("Parsing accepts leap days and the last second of a year", "[quick]") {
  CHECK(parse_timestamp("2024-02-29 23:59:59") == 1709251199);
  CHECK(parse_timestamp("2000-02-29T00:00:00Z") == 951782400);
  CHECK(parse_timestamp("9999-12-31T23:59:59Z") == 253402300799);
}

TEST_CASE("Parsing returns times before 1970 as negative numbers", "[quick]") {
  CHECK(parse_timestamp("1969-12-31T23:59:59Z") == -1);
  CHECK(parse_timestamp("1970-01-01T00:30:00+01:00") == -1800);
}

TEST_CASE("Parsing rejects a T form without a zone", "[quick]") {
  CHECK_FALSE(parse_timestamp("2024-01-15T10:30:45"));
}

TEST_CASE("Parsing rejects out-of-range fields", "[quick]") {
  CHECK_FALSE(parse_timestamp("2024-13-15T10:30:45Z"));
  CHECK_FALSE(parse_timestamp("2024-00-15T10:30:45Z"));
  CHECK_FALSE(parse_timestamp("2024-01-00T10:30:45Z"));
  CHECK_FALSE(parse_timestamp("2024-01-32T10:30:45Z"));
  CHECK_FALSE(parse_timestamp("2023-02-29T10:30:45Z"));
  CHECK_FALSE(parse_timestamp("1900-02-29T10:30:45Z"));
  CHECK_FALSE(parse_timestamp("2024-04-31T10:30:45Z"));
  CHECK_FALSE(parse_timestamp("2024-01-15T24:00:00Z"));
  CHECK_FALSE(parse_timestamp("2024-01-15T10:60:45Z"));
  CHECK_FALSE(parse_timestamp("2024-12-31T23:59:60Z"));
  CHECK_FALSE(parse_timestamp("2024-01-15T10:30:45+24:00"));
  CHECK_FALSE(parse_timestamp("2024-01-15T10:30:45+01:60"));
}

TEST_CASE("Parsing rejects malformed text", "[quick]") {
  CHECK_FALSE(parse_timestamp(""));
  CHECK_FALSE(parse_timestamp("1705314645"));
  CHECK_FALSE(parse_timestamp(" 2024-01-15 10:30:45"));
  CHECK_FALSE(parse_timestamp("2024-01-15 10:30:45 "));
  CHECK_FALSE(parse_timestamp("2024-01-15"));
  CHECK_FALSE(parse_timestamp("2024-1-15 10:30:45"));
  CHECK_FALSE(parse_timestamp("2024-01-15 10:30"));
  CHECK_FALSE(parse_timestamp("2024-01-15_10:30:45"));
  CHECK_FALSE(parse_timestamp("2024-01-15T10:30:45+0100"));
  CHECK_FALSE(parse_timestamp("2024-01-15T10:30:45+01"));
  CHECK_FALSE(parse_timestamp("2024-01-15T10:30:45ZZ"));
  CHECK_FALSE(parse_timestamp("2024-01-15T10:30:45UTC"));
  CHECK_FALSE(parse_timestamp("+2024-01-15T10:30:45Z"));
  CHECK_FALSE(parse_timestamp("2024-01-15T1a:30:45Z"));
  CHECK_FALSE(parse_timestamp(std::string_view("2024-01-15 10:30:45\0", 20)));
}

TEST_CASE("Formatting then parsing gives back the same seconds", "[quick]") {
  for (std::int64_t t : {std::int64_t{0}, std::int64_t{1}, kJan15, std::int64_t{951782400},
                         std::int64_t{253402300799}}) {
    CHECK(parse_timestamp(format_rfc3339(t)) == t);
    CHECK(parse_timestamp(format_timestamp(t)) == t);
  }
}
