// Parsing one trop configuration file (trop.yaml, trop.local.yaml, the user
// config.yaml) into a trop::config_layer, with the strict YAML rules of
// SPEC B §4.4-§4.6 that yaml-cpp does not enforce by itself.
// Thread safety: pure functions over their arguments; safe from any thread.
#pragma once

#include <string_view>

#include "trop/config.h"

namespace trop {

// Parses `text` (the whole file) as the configuration file `path` (used as the
// provenance of every field and as the source of every error). `kind` is
// config_origin::user_file, project_file or local_file; it is recorded in the
// layer (a user file forbids `project` and `reservations`, which
// validate_layer() reports).
//
// Every problem of the file is reported, in file order, each with its 1-based
// line and column, as kind syntax (the "Invalid YAML" shape of §4.9):
//   * YAML syntax errors (yaml-cpp's message; parsing stops there), invalid
//     UTF-8, more than one document, a top level that is not a mapping;
//   * unknown keys at every level, duplicate keys (yaml-cpp keeps both);
//   * wrong types: integers must be plain decimal scalars without sign, base
//     prefix, exponent or leading zero ("5000", not "\"5000\"", "+5", "0x10",
//     "010", "1e3"); booleans are true/True/TRUE/false/False/FALSE only;
//     explicit tags other than !!str are refused;
//   * `ports:` without `min`, `reservations:` without `services`.
// An empty value, `~` or `null` counts as absent, except `reservations`,
// where it is an explicit clear. Empty and comment-only files give an empty
// layer. Value rules (port 0, ranges, group rules) are not checked here: see
// validate_layer() and load_config_text().
// Never throws (yaml-cpp exceptions are caught here).
layer_outcome parse_config_yaml(std::string_view text, std::string_view path, config_origin kind);

// parse_config_yaml() followed by validate_layer() on what was parsed: every
// problem of one file, syntax and value errors together in file order. This is
// what `trop validate` and the loader check for a file.
layer_outcome load_config_text(std::string_view text, std::string_view path, config_origin kind);

}  // namespace trop
