#include "arguments.h"

#include <cstdlib>

#include "trop/paths.h"

namespace trop::cli {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

std::string normalize_user_path(context& ctx, std::string_view path) {
  std::string home;
  if (!path.empty() && path[0] == '~') {
    home = ctx.require_home();
  }
  // Only a relative path needs the cwd; an absolute one must work even when
  // the cwd is gone.
  std::string cwd;
  if (!path.empty() && path[0] != '/' && (path[0] != '~' || home[0] != '/')) {
    cwd = ctx.cwd();
  }
  result<std::string> normal = normalize_explicit(path, cwd, home);
  if (!normal) {
    throw path_failure(normal.error());
  }
  return std::move(*normal);
}

std::string resolve_target_path(context& ctx, const std::optional<std::string>& path_flag) {
  if (path_flag) {
    // The option itself rejects an empty value at parse time.
    return normalize_user_path(ctx, *path_flag);
  }
  if (const char* env = std::getenv("TROP_PATH"); env != nullptr) {
    if (*env == '\0') {
      throw usage_failure(
          "a value is required for '--path <PATH>' but none was supplied (TROP_PATH is empty)");
    }
    return normalize_user_path(ctx, env);
  }
  // SPEC B §5.1 holds for the implicit path too: an identity is valid UTF-8
  // (list JSON, export and import depend on it).
  const std::string& cwd = ctx.canonical_cwd();
  if (result<std::string> checked = normalize_explicit(cwd, "/", ""); !checked) {
    throw path_failure(checked.error());
  }
  return cwd;
}

std::optional<std::string> validated_tag(const std::optional<std::string>& tag) {
  if (!tag) {
    return std::nullopt;
  }
  std::string_view t = trim(*tag);
  if (t.empty()) {
    throw invalid_arguments(
        "validation error for 'tag': tag must be non-empty after trimming whitespace");
  }
  return std::string(t);
}

std::uint16_t parse_port_argument(std::string_view text, std::string_view option) {
  try {
    return parse_port_argument(text);
  } catch (const cli_error& e) {
    if (option == "--port") {
      throw;
    }
    // "Invalid arguments: invalid --min value: Invalid port number: ..." (one prefix, A.2 #11).
    std::string detail = e.message();
    std::string_view prefix = "Invalid arguments: ";
    if (detail.rfind(prefix, 0) == 0) {
      detail.erase(0, prefix.size());
    }
    throw invalid_arguments("invalid " + std::string(option) + " value: " + detail);
  }
}

std::uint16_t parse_port_argument(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && digits[0] == '+') {
    digits.remove_prefix(1);
  }
  std::uint64_t v = 0;
  bool ok = !digits.empty() && digits.size() <= 10;
  for (char c : digits) {
    if (c < '0' || c > '9') {
      ok = false;
      break;
    }
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (!ok || v > 0xFFFFFFFFu) {
    throw invalid_arguments("Invalid port number: '" + std::string(text) +
                            "' is not a valid number");
  }
  if (v == 0) {
    throw invalid_arguments("Invalid port number: port 0 is reserved and cannot be used");
  }
  if (v > 65535) {
    throw invalid_arguments("Invalid port number: " + std::to_string(v) +
                            " is greater than maximum port 65535");
  }
  return static_cast<std::uint16_t>(v);
}

std::uint16_t parse_u16_positional(std::string_view text, std::string_view name) {
  std::string_view digits = text;
  if (!digits.empty() && digits[0] == '+') {
    digits.remove_prefix(1);
  }
  const std::string prefix =
      std::string("invalid value '").append(text).append("' for '").append(name).append("': ");
  if (digits.empty()) {
    throw usage_failure(prefix + (text.empty() ? "cannot parse integer from empty string"
                                               : "invalid digit found in string"));
  }
  std::uint32_t v = 0;
  bool too_large = false;
  for (char c : digits) {
    if (c < '0' || c > '9') {
      throw usage_failure(prefix + "invalid digit found in string");
    }
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
    if (v > 65535) {
      too_large = true;  // keep scanning: a later non-digit is the better message
      v = 65536;
    }
  }
  if (too_large) {
    throw usage_failure(prefix + std::string(text) + " is not in 0..=65535");
  }
  return static_cast<std::uint16_t>(v);
}

cli_error port_zero() {
  return invalid_arguments("invalid port 0: port 0 is invalid");
}

void enforce_path_guard(context& ctx, const std::string& target, bool bypass) {
  if (bypass) {
    return;
  }
  status s = check_path_guard(target, ctx.cwd(), ctx.logical_cwd());
  if (!s) {
    throw guard_violation(s);
  }
}

}  // namespace trop::cli
