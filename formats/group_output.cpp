#include "trop/formats/group_output.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "trop/formats/json_pretty.h"
#include "trop/formats/text_escape.h"
#include "trop/paths.h"

namespace trop {

namespace {

constexpr std::size_t kMaxTagBytes = 255;
constexpr std::string_view kFieldTag = "reservations.services.tag";
constexpr std::string_view kFieldEnv = "reservations.services.env";
constexpr std::string_view kFieldEnvVar = "environment_variable";

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ascii_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_ascii_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
char ascii_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

std::string ascii_lowered(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

// "validation error for '<field>': <message>". Built by appending: every
// piece here is a constant or a number, never user text.
status validation_error(std::string_view field, std::string_view message) {
  std::string m("validation error for '");
  m.append(field);
  m.append("': ");
  m.append(message);
  return invalid_argument(std::move(m));
}

std::string service_label(std::size_t index) {
  return std::string("service ") + std::to_string(index + 1);
}

// Why a trimmed tag breaks the identifier rules (SPEC B §6), without its text.
std::optional<std::string_view> tag_problem(std::string_view trimmed) {
  if (trimmed.empty()) {
    return "Cannot be empty or only whitespace";
  }
  if (trimmed.find('\0') != std::string_view::npos) {
    return "Cannot contain NUL bytes";
  }
  if (trimmed.size() > kMaxTagBytes) {
    return "Cannot exceed 255 characters";
  }
  if (!is_valid_utf8(trimmed)) {
    // The JSON format carries the tag as is (found by tests/fuzz/fuzz_group.cc).
    return "Must be valid UTF-8";
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(shell_kind s) {
  switch (s) {
    case shell_kind::bash:
      return "bash";
    case shell_kind::zsh:
      return "zsh";
    case shell_kind::fish:
      return "fish";
    case shell_kind::powershell:
      return "powershell";
  }
  return "bash";
}

std::optional<group_format> parse_group_format(std::string_view name) {
  if (name == "export") {
    return group_format::export_vars;
  }
  if (name == "json") {
    return group_format::json;
  }
  if (name == "dotenv") {
    return group_format::dotenv;
  }
  if (name == "human") {
    return group_format::human;
  }
  return std::nullopt;
}

result<shell_kind> parse_shell(std::string_view name) {
  const std::string lower = ascii_lowered(name);
  if (lower == "bash" || lower == "sh") {
    return shell_kind::bash;
  }
  if (lower == "zsh") {
    return shell_kind::zsh;
  }
  if (lower == "fish") {
    return shell_kind::fish;
  }
  if (lower == "powershell" || lower == "pwsh" || lower == "ps") {
    return shell_kind::powershell;
  }
  // The user typed this name on the command line; echoing it is the
  // original's message (SPEC B §12.4 (f)).
  std::string m("unknown shell type '");
  m.append(name);
  m.append("': supported shells are bash, zsh, fish, powershell");
  return validation_error("shell", m);
}

shell_kind detect_shell(const std::function<const char*(const char*)>& getenv) {
  if (getenv("ZSH_VERSION") != nullptr) {
    return shell_kind::zsh;
  }
  if (getenv("FISH_VERSION") != nullptr) {
    return shell_kind::fish;
  }
  if (getenv("PSModulePath") != nullptr) {
    return shell_kind::powershell;
  }
  const char* shell = getenv("SHELL");
  if (shell == nullptr) {
    return shell_kind::bash;
  }
  const std::string_view s(shell);
  if (s.find("zsh") != std::string_view::npos) {
    return shell_kind::zsh;
  }
  if (s.find("fish") != std::string_view::npos) {
    return shell_kind::fish;
  }
  if (s.find("pwsh") != std::string_view::npos || s.find("powershell") != std::string_view::npos) {
    return shell_kind::powershell;
  }
  return shell_kind::bash;
}

bool is_valid_env_var_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxEnvVarNameBytes) {
    return false;
  }
  const auto is_alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!is_alpha(name[0]) && name[0] != '_') {
    return false;
  }
  return std::all_of(name.begin() + 1, name.end(),
                     [&](char c) { return is_alpha(c) || is_digit(c) || c == '_'; });
}

std::optional<std::string> env_var_name_from_tag(std::string_view tag) {
  const std::string_view trimmed = trim(tag);
  std::string name;
  name.reserve(trimmed.size());
  for (const char c : trimmed) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return std::nullopt;
    }
    name += c == '-' ? '_' : ascii_upper(c);
  }
  if (!is_valid_env_var_name(name)) {
    return std::nullopt;
  }
  return name;
}

result<std::vector<std::string>> resolve_group_env_names(
    std::span<const group_env_source> services) {
  // Tags first, so that a bad tag is reported as a tag problem rather than as
  // an underivable name.
  std::vector<std::string_view> trimmed;
  trimmed.reserve(services.size());
  for (std::size_t i = 0; i < services.size(); ++i) {
    trimmed.push_back(trim(services[i].tag));
    if (const auto problem = tag_problem(trimmed.back())) {
      return validation_error(kFieldTag, service_label(i) + ": " + std::string(*problem));
    }
  }
  for (std::size_t i = 0; i < trimmed.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (trimmed[i] == trimmed[j]) {
        return validation_error(kFieldTag, std::string("services ") + std::to_string(j + 1) +
                                               " and " + std::to_string(i + 1) +
                                               " have the same tag after trimming");
      }
    }
  }

  std::vector<std::string> names;
  names.reserve(services.size());
  for (std::size_t i = 0; i < services.size(); ++i) {
    if (services[i].env) {
      if (!is_valid_env_var_name(*services[i].env)) {
        return validation_error(kFieldEnv,
                                service_label(i) +
                                    ": Invalid environment variable name (it must match "
                                    "[A-Za-z_][A-Za-z0-9_]* and have at most 255 bytes)");
      }
      names.emplace_back(*services[i].env);
      continue;
    }
    auto derived = env_var_name_from_tag(trimmed[i]);
    if (!derived) {
      return validation_error(
          kFieldEnvVar, service_label(i) +
                            ": Cannot derive an environment variable name from the tag (the "
                            "trimmed tag must be ASCII and, uppercased with '-' as '_', match "
                            "[A-Za-z_][A-Za-z0-9_]*), so set 'env' for this service");
    }
    names.push_back(std::move(*derived));
  }

  // Names that differ only in letter case would collide on Windows and
  // confuse everyone elsewhere.
  std::vector<std::string> folded;
  folded.reserve(names.size());
  for (const std::string& n : names) {
    folded.push_back(ascii_lowered(n));
  }
  for (std::size_t i = 0; i < folded.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (folded[i] == folded[j]) {
        return validation_error(kFieldEnvVar,
                                std::string("services ") + std::to_string(j + 1) + " and " +
                                    std::to_string(i + 1) +
                                    " resolve to the same environment variable name (compared "
                                    "ignoring ASCII letter case)");
      }
    }
  }
  return names;
}

result<std::string> render_group(std::span<const group_port> ports, group_format format,
                                 shell_kind shell) {
  std::vector<group_env_source> sources;
  sources.reserve(ports.size());
  for (std::size_t i = 0; i < ports.size(); ++i) {
    if (ports[i].port == 0) {
      return validation_error("port", service_label(i) + ": Invalid port: 0");
    }
    group_env_source s;
    s.tag = ports[i].tag;
    if (ports[i].env) {
      s.env = std::string_view(*ports[i].env);
    }
    sources.push_back(s);
  }
  auto names = resolve_group_env_names(sources);
  if (!names) {
    return names.error();
  }

  // Byte-wise order of the trimmed tags (std::string_view compares as
  // unsigned char). Tags are unique after trimming, so the order is total.
  std::vector<std::size_t> order(ports.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return trim(ports[a].tag) < trim(ports[b].tag); });

  std::string out;
  switch (format) {
    case group_format::export_vars:
    case group_format::dotenv:
      for (std::size_t k = 0; k < order.size(); ++k) {
        const std::string& name = (*names)[order[k]];
        const std::string port = std::to_string(ports[order[k]].port);
        if (k > 0) {
          out += '\n';
        }
        if (format == group_format::dotenv) {
          out.append(name).append("=").append(port);
          continue;
        }
        switch (shell) {
          case shell_kind::bash:
          case shell_kind::zsh:
            out.append("export ").append(name).append("=").append(port);
            break;
          case shell_kind::fish:
            out.append("set -x ").append(name).append(" ").append(port);
            break;
          case shell_kind::powershell:
            out.append("$env:").append(name).append("=\"").append(port).append("\"");
            break;
        }
      }
      break;
    case group_format::json: {
      boost::json::object obj;
      for (const std::size_t i : order) {
        const std::string_view tag = trim(ports[i].tag);
        obj[boost::json::string_view(tag.data(), tag.size())] = ports[i].port;
      }
      out = to_pretty_json(boost::json::value(std::move(obj)));
      break;
    }
    case group_format::human:
      if (order.empty()) {
        out = "No ports reserved.";
        break;
      }
      out = "Reserved ports:";
      for (const std::size_t i : order) {
        out.append("\n  ").append(escape_tsv_field(trim(ports[i].tag))).append(": ");
        out.append(std::to_string(ports[i].port));
      }
      break;
  }
  out += '\n';
  return out;
}

}  // namespace trop
