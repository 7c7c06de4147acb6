// Reservation records and their keys: the values the store keeps.
// Thread safety: plain values.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>

#include "trop/lease.h"
#include "trop/status.h"

namespace trop {

// The identity of a reservation: an absolute, lexically normal path plus an
// optional tag. "Untagged" is distinct from every tag and sorts before them.
// Ordering is byte-wise (std::string compares as unsigned char): path, then tag.
struct reservation_key {
  std::string path;
  std::optional<std::string> tag;

  friend bool operator==(const reservation_key&, const reservation_key&) = default;
  friend std::strong_ordering operator<=>(const reservation_key& a, const reservation_key& b) {
    if (int c = a.path.compare(b.path); c != 0) {
      return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
    }
    if (a.tag.has_value() != b.tag.has_value()) {
      return a.tag.has_value() ? std::strong_ordering::greater : std::strong_ordering::less;
    }
    if (!a.tag) {
      return std::strong_ordering::equal;
    }
    int c = a.tag->compare(*b.tag);
    return c < 0 ? std::strong_ordering::less
                 : (c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
  }
};

// One stored reservation. Timestamps are Unix seconds (UTC).
struct reservation {
  reservation_key key;
  std::uint16_t port = 0;
  std::optional<std::string> project;
  std::optional<std::string> task;
  std::int64_t created_at = 0;
  std::int64_t last_used_at = 0;
  // Absent: a sticky reservation, kept until released, pruned or expired.
  std::optional<trop::lease> lease;

  friend bool operator==(const reservation&, const reservation&) = default;
};

// "<path>" or "<path>:<tag>", as messages and plans print a key.
std::string to_display(const reservation_key& key);

// True when `path` is absolute and lexically normal: starts with '/', has no
// empty, "." or ".." component and no trailing '/' (except "/" itself).
bool is_lexically_normal_absolute(const std::string& path);

// True when `s` is non-empty and has no leading or trailing ASCII whitespace.
bool is_trimmed_non_empty(const std::string& s);

// Checks the stored-record invariants (SPEC B §7.1, §17): path absolute and
// lexically normal, tag absent or trimmed non-empty, port 1..65535, project and
// task absent or trimmed non-empty without NUL, timestamps >= 0, all text
// valid UTF-8 (so that every output format can carry it unchanged), and a
// lease absent or with an expiry >= 0 and/or an owner with pid > 0 (at least
// one of the two).
// Returns invalid_argument naming the offending field on failure.
status check_reservation(const reservation& r);

}  // namespace trop
