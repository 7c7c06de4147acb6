#include "cmd_exclude.h"

#include "exclusion_file.h"
#include "output.h"
#include "store_access.h"

namespace trop::cli {
namespace {

// Rust's u16::from_str, which the original uses: an optional '+', then
// decimal digits, at most 65535.
std::optional<std::uint16_t> parse_u16(std::string_view s) {
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
  }
  if (s.empty()) {
    return std::nullopt;
  }
  std::uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
    if (v > 0xFFFF) {
      return std::nullopt;
    }
  }
  return static_cast<std::uint16_t>(v);
}

}  // namespace

port_exclusion parse_exclusion_argument(std::string_view text) {
  port_exclusion e;
  const std::size_t dots = text.find("..");
  if (dots == std::string_view::npos) {
    std::optional<std::uint16_t> p = parse_u16(text);
    if (!p) {
      throw invalid_arguments("Invalid port number");
    }
    e = port_exclusion::single(*p);
  } else {
    std::optional<std::uint16_t> a = parse_u16(text.substr(0, dots));
    std::optional<std::uint16_t> b = parse_u16(text.substr(dots + 2));
    if (!a || !b) {
      throw invalid_arguments("Invalid port number");
    }
    e = port_exclusion::range(*a, *b);
  }
  // A.2 #4: port 0 and inverted ranges would break every later command.
  if (status s = check_exclusion(e); !s) {
    throw invalid_arguments(s.message());
  }
  return e;
}

void setup_exclude(option_sink& sink, exclude_options& opts) {
  sink.positional("PORT_OR_RANGE", &opts.port_or_range, true,
                  "Port (N) or inclusive range (A..B) to exclude from allocation");
  sink.flag("--global", &opts.global,
            "Write to the user configuration <data-dir>/config.yaml instead of the project's "
            "trop.local.yaml or trop.yaml");
  sink.flag("--force", &opts.force, "Exclude ports even when they are reserved");
}

int run_exclude(const exclude_options& opts, context& ctx) {
  ctx.set_config_needs(config_needs{});  // SPEC B §4.3: discover
  ctx.settings();                        // configuration errors come first (exit 7)
  const port_exclusion exclusion = parse_exclusion_argument(opts.port_or_range.value_or(""));

  // A.1: the store is read without the lock, and never created.
  store st = open_store(ctx);
  snapshot snap = read_snapshot(ctx, st);
  if (!opts.force) {
    for (std::uint32_t p = exclusion.start; p <= exclusion.end; ++p) {
      result<bool> reserved = snap.is_reserved(static_cast<std::uint16_t>(p));
      if (!reserved) {
        fail(ctx, reserved.error());
      }
      if (*reserved) {
        throw invalid_arguments(std::string("Port ") + std::to_string(p) +
                                " is reserved. Use --force to override.");
      }
    }
  }

  const std::string file = exclusion_target(ctx, opts.global);
  const std::optional<std::string> text = read_config_text(file);
  result<exclusion_edit_result> edited = add_exclusion(text.value_or(""), exclusion);
  if (!edited) {
    throw exclusion_edit_failure(edited.error(), file, exclusion_command::exclude);
  }
  if (!edited->changed) {
    if (!ctx.quiet()) {
      write_stdout(std::string("Exclusion already exists in ") + file + "\n");
    }
    return kExitOk;
  }
  // A new user file is private like the rest of the data directory.
  write_config_atomically(file, edited->text, opts.global ? 0600 : 0644, opts.global);
  if (!ctx.quiet()) {
    write_stdout(std::string("Added exclusion to ") + file + "\n");
  }
  return kExitOk;
}

}  // namespace trop::cli
