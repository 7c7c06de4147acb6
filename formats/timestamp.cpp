#include "trop/formats/timestamp.h"

#include <cstdio>
#include <ctime>

namespace trop {

namespace {

// `separator` goes between the date and the time; `suffix` after the time.
std::string format_utc(std::int64_t unix_seconds, char separator, const char* suffix) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (static_cast<std::int64_t>(t) != unix_seconds || gmtime_r(&t, &tm) == nullptr) {
    return std::to_string(unix_seconds);
  }
  char buf[64];
  // long long: tm_year + 1900 overflows int for the largest years gmtime_r accepts.
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d%c%02d:%02d:%02d%s",
                static_cast<long long>(tm.tm_year) + 1900, tm.tm_mon + 1, tm.tm_mday, separator,
                tm.tm_hour, tm.tm_min, tm.tm_sec, suffix);
  return buf;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil); exact for every year this parser accepts (0000..9999).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool is_leap(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// A small cursor over the text; every reader consumes only on success.
class cursor {
 public:
  explicit cursor(std::string_view s) : s_(s) {}

  bool at_end() const { return pos_ == s_.size(); }

  // Reads exactly `n` ASCII digits.
  bool digits(std::size_t n, unsigned& out) {
    if (s_.size() - pos_ < n) {
      return false;
    }
    unsigned v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const char c = s_[pos_ + i];
      if (c < '0' || c > '9') {
        return false;
      }
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    pos_ += n;
    out = v;
    return true;
  }

  bool literal(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  // Skips one or more digits.
  bool skip_digits() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      ++pos_;
    }
    return pos_ > start;
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string format_timestamp(std::int64_t unix_seconds) {
  return format_utc(unix_seconds, ' ', "");
}

std::string format_rfc3339(std::int64_t unix_seconds) {
  return format_utc(unix_seconds, 'T', "Z");
}

std::optional<std::int64_t> parse_timestamp(std::string_view text) {
  cursor c(text);
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!c.digits(4, year) || !c.literal('-') || !c.digits(2, month) || !c.literal('-') ||
      !c.digits(2, day)) {
    return std::nullopt;
  }
  const bool space_separated = c.literal(' ');
  if (!space_separated && !c.literal('T') && !c.literal('t')) {
    return std::nullopt;
  }
  if (!c.digits(2, hour) || !c.literal(':') || !c.digits(2, minute) || !c.literal(':') ||
      !c.digits(2, second)) {
    return std::nullopt;
  }
  if (c.literal('.') && !c.skip_digits()) {
    return std::nullopt;
  }
  std::int64_t offset_seconds = 0;
  if (c.at_end()) {
    // The original tool's form: no zone means UTC, but only with a space, since
    // "2024-01-15T10:30:45" is ISO 8601 local time of an unknown zone.
    if (!space_separated) {
      return std::nullopt;
    }
  } else if (c.literal('Z') || c.literal('z')) {
    // UTC.
  } else {
    const bool negative = c.literal('-');
    if (!negative && !c.literal('+')) {
      return std::nullopt;
    }
    unsigned off_h = 0, off_m = 0;
    if (!c.digits(2, off_h) || !c.literal(':') || !c.digits(2, off_m) || off_h > 23 || off_m > 59) {
      return std::nullopt;
    }
    offset_seconds = (static_cast<std::int64_t>(off_h) * 60 + off_m) * 60;
    if (negative) {
      offset_seconds = -offset_seconds;
    }
  }
  if (!c.at_end()) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return std::nullopt;
  }
  const std::int64_t local = days_from_civil(year, month, day) * 86400 +
                             (static_cast<std::int64_t>(hour) * 60 + minute) * 60 + second;
  // The offset is how far local time runs ahead of UTC.
  return local - offset_seconds;
}

}  // namespace trop
