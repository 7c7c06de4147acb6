// Pretty-printing of Boost.JSON values (Boost.JSON 1.81 has no pretty printer).
// Thread safety: a pure function; safe to call concurrently.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace trop {

// Renders `v` the way serde_json's pretty printer does, so `list --format
// json` looks like the original tool's output:
//   * two-space indent, one member or element per line, `"key": value`;
//   * objects keep their insertion order; `[]` and `{}` when empty;
//   * strings escape `"`, `\`, \b \f \n \r \t and other bytes below 0x20 as
//     \u00xx (lowercase hex); every other byte is copied raw, so non-ASCII
//     UTF-8 stays readable and bytes that are not valid UTF-8 survive a round
//     trip through parse_reservations_json (which allows invalid UTF-8);
//   * numbers exactly as boost::json::serialize writes them.
// No trailing newline: callers add one.
// REQUIRES: nesting shallow enough for recursion (values from a parser are
// limited by its max_depth).
std::string to_pretty_json(const boost::json::value& v);

// The same bytes as to_pretty_json of an array of `count` elements, where
// element(i) builds the i-th one when it is written: a long array never
// holds all its elements as JSON values at once (`trop list --format json`
// of 60,000 reservations).
std::string to_pretty_json_array(std::size_t count,
                                 const std::function<boost::json::value(std::size_t)>& element);

// Appends `s` as a JSON string literal (quotes included) with the escaping
// described above.
void append_json_string(std::string& out, std::string_view s);

}  // namespace trop
