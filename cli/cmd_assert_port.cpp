#include "cmd_assert_port.h"

#include "arguments.h"
#include "store_access.h"

namespace trop::cli {

void setup_assert_port(option_sink& sink, assert_port_options& opts) {
  sink.positional("PORT", &opts.port, true, "Port to check, 1..65535");
  sink.flag("--not", &opts.negate, "Succeed when the port is not reserved");
}

int run_assert_port(const assert_port_options& opts, context& ctx) {
  // The parser's check (exit 2) comes first, as clap's u16 does; port 0
  // passes it and is refused after the configuration (SPEC B §6).
  const std::uint16_t port = parse_u16_positional(opts.port.value_or(""), "<PORT>");
  ctx.settings();
  if (port == 0) {
    throw port_zero();
  }
  store st = open_store(ctx);
  snapshot snap = read_snapshot(ctx, st);
  result<bool> reserved = snap.is_reserved(port);
  if (!reserved) {
    fail(ctx, reserved.error());
  }
  const std::string p = std::to_string(port);
  if (*reserved && opts.negate) {
    throw semantic_failure("Assertion failed: port " + p + " is reserved");
  }
  if (!*reserved && !opts.negate) {
    throw semantic_failure("Assertion failed: port " + p + " is not reserved");
  }
  return kExitOk;
}

}  // namespace trop::cli
