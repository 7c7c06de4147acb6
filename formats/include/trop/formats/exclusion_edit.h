// Edits of the `excluded_ports` entry of a trop YAML file (trop.yaml,
// trop.local.yaml, config.yaml) that keep every other byte of the file: the
// `exclude`, `scan --autoexclude` and `compact-exclusions` rewrites of SPEC
// A.2 #4, #5, #6 (B §4.5, §12.17, §12.18).
// Thread safety: pure functions of their arguments; safe to call concurrently.
//
// How an edit works: the text is parsed with yaml-cpp, the `excluded_ports`
// entry is located in the text, and only its bytes are replaced (or one entry
// appended, or one key appended at the end of the file). The new text is then
// parsed again and accepted only if it is one YAML document whose top-level
// keys other than `excluded_ports` are identical nodes, in the same order, to
// the original's, and whose `excluded_ports` is exactly the intended list.
// Whatever cannot be edited that way is refused with an error that says why;
// no function here ever drops an entry, a key or a comment silently.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "trop/status.h"

namespace trop {

// One `excluded_ports` entry. A single port (written `8080` or `"8080"`) and a
// range (written `{start: A, end: B}`, as a block mapping, or `"A..B"`) are
// different entries even when they cover the same ports: `8080` is not
// `{start: 8080, end: 8080}` (SPEC B §12.17). The two spellings of each kind
// are the same entry (`"8080..8090"` == `{start: 8080, end: 8090}`), as they
// are in the original, whose parser turns both into the same value.
struct port_exclusion {
  enum class kind { single, range };

  std::uint16_t start = 0;
  std::uint16_t end = 0;  // == start for a single port
  kind form = kind::single;

  static port_exclusion single(std::uint16_t port) { return {port, port, kind::single}; }
  static port_exclusion range(std::uint16_t first, std::uint16_t last) {
    return {first, last, kind::range};
  }
  friend bool operator==(const port_exclusion&, const port_exclusion&) = default;
};

// "8080" or "8080..8090".
std::string to_string(const port_exclusion& e);

// The validation rules of SPEC B §4.5 with A.2 #4: ok, or invalid_argument
// "Invalid port: 0", "Invalid start port: 0" or "Invalid range: A..B (end < start)".
status check_exclusion(const port_exclusion& e);

// The minimal sorted list covering exactly the union of `entries` (A.2 #6):
// overlapping and adjacent entries merge; each maximal run of consecutive
// ports becomes a single port when it is one port long, else a range.
// REQUIRES: every entry passes check_exclusion.
std::vector<port_exclusion> compact_exclusion_list(std::span<const port_exclusion> entries);

// What an edit did.
struct exclusion_edit_result {
  // The new file text. Equal to the input when !changed.
  std::string text;
  bool changed = false;
  // The input has a top-level `excluded_ports` key (with any value, also null).
  bool key_present = false;
  // The entries before and after, in file order (before is empty for a
  // missing key or a null / empty value).
  std::vector<port_exclusion> before;
  std::vector<port_exclusion> after;
};

// Appends `e` to the file's `excluded_ports` unless a structurally identical
// entry exists (then changed == false: "Exclusion already exists"). A file
// without the key gets one `excluded_ports:` block at its end.
// Errors:
//   invalid_argument  `e` breaks check_exclusion; the text is not valid YAML
//                     ("invalid YAML: ..."); an existing entry is not a port,
//                     a range or an "A..B" string, or breaks the rules
//                     ("excluded_ports entry N: ...")
//   conflict          the file cannot be edited safely ("cannot edit
//                     excluded_ports safely: <why>"): anchors, aliases, tags,
//                     several documents, a top level that is not a block
//                     mapping, the key nested elsewhere, tabs used for
//                     indentation, a multi-line flow list with comments, or a
//                     result that does not re-parse as intended.
result<exclusion_edit_result> add_exclusion(std::string_view text, const port_exclusion& e);

// Replaces the list by compact_exclusion_list of its entries (A.2 #6). When
// the list already is that list (same entries, same kinds, same order), or the
// key is missing or empty, nothing changes. Errors as add_exclusion; an
// invalid entry (port 0, end < start, a value outside 1..65535, anything that
// is not an exclusion) is an error, never dropped.
result<exclusion_edit_result> compact_exclusions(std::string_view text);

// Replaces the list by `entries` (in the given order). An empty `entries`
// writes `[]` over an existing list and adds nothing to a file without one.
// Errors as add_exclusion (invalid_argument when an element of `entries`
// breaks check_exclusion).
result<exclusion_edit_result> set_exclusions(std::string_view text,
                                             std::span<const port_exclusion> entries);

// `entries` as a standalone YAML document, for `compact-exclusions --dry-run`
// (A.2 #6), in the block style an edit writes by default:
//   excluded_ports:
//     - 8080
//     - start: 9000
//       end: 9010
// or `excluded_ports: []` when empty. Ends with one newline.
std::string render_exclusions_yaml(std::span<const port_exclusion> entries);

}  // namespace trop
