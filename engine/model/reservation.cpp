#include "trop/reservation.h"

#include "trop/paths.h"

namespace trop {

std::string to_display(const reservation_key& key) {
  return key.tag ? key.path + ":" + *key.tag : key.path;
}

bool is_lexically_normal_absolute(const std::string& path) {
  if (path.empty() || path[0] != '/') {
    return false;
  }
  if (path == "/") {
    return true;
  }
  if (path.back() == '/') {
    return false;
  }
  // Every component between separators must be non-empty and not "." or "..".
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) {
      end = path.size();
    }
    std::string_view comp(path.data() + start, end - start);
    if (comp.empty() || comp == "." || comp == "..") {
      return false;
    }
    start = end + 1;
  }
  return path.find('\0') == std::string::npos;
}

namespace {
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
}  // namespace

bool is_trimmed_non_empty(const std::string& s) {
  return !s.empty() && !is_space(s.front()) && !is_space(s.back());
}

status check_reservation(const reservation& r) {
  if (!is_lexically_normal_absolute(r.key.path)) {
    return invalid_argument("path must be absolute and lexically normal");
  }
  if (r.key.tag && !is_trimmed_non_empty(*r.key.tag)) {
    return invalid_argument("tag must be non-empty and trimmed");
  }
  if (r.port == 0) {
    return invalid_argument("port must be within 1..65535");
  }
  for (const auto* field : {&r.project, &r.task}) {
    if (*field && (!is_trimmed_non_empty(**field) || (*field)->find('\0') != std::string::npos)) {
      return invalid_argument(std::string(field == &r.project ? "project" : "task") +
                              " must be non-empty, trimmed and free of NUL bytes");
    }
  }
  if (r.created_at < 0 || r.last_used_at < 0) {
    return invalid_argument("timestamps must not be negative");
  }
  // Every output (JSON above all) must be able to carry the text as is.
  if (!is_valid_utf8(r.key.path)) {
    return invalid_argument("path must be valid UTF-8");
  }
  if (r.key.tag && !is_valid_utf8(*r.key.tag)) {
    return invalid_argument("tag must be valid UTF-8");
  }
  if ((r.project && !is_valid_utf8(*r.project)) || (r.task && !is_valid_utf8(*r.task))) {
    return invalid_argument(
        std::string(r.project && !is_valid_utf8(*r.project) ? "project" : "task") +
        " must be valid UTF-8");
  }
  if (r.lease) {
    if (!r.lease->expires_at && !r.lease->owner) {
      return invalid_argument("a lease must have an expiry time or an owner process");
    }
    if (r.lease->expires_at && *r.lease->expires_at < 0) {
      return invalid_argument("lease expiry must not be negative");
    }
    if (r.lease->owner && r.lease->owner->pid <= 0) {
      return invalid_argument("lease owner pid must be positive");
    }
  }
  return status::ok();
}

}  // namespace trop
