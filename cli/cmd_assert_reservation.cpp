#include "cmd_assert_reservation.h"

#include "arguments.h"
#include "output.h"
#include "store_access.h"

namespace trop::cli {

void setup_assert_reservation(option_sink& sink, assert_reservation_options& opts) {
  sink.path("--path", &opts.path, "Directory to check (env TROP_PATH; default: cwd)");
  sink.text("--tag", &opts.tag, "TAG", "Check the reservation with this tag (default: untagged)");
  sink.flag("--not", &opts.negate, "Succeed when there is no such reservation");
}

int run_assert_reservation(const assert_reservation_options& opts, context& ctx) {
  // Config (7), path (2/6), tag (4), then the store (3/6): arguments are
  // judged before the store is read, like reserve (A.2 #10).
  ctx.settings();
  reservation_key key;
  key.path = resolve_target_path(ctx, opts.path);
  key.tag = validated_tag(opts.tag);

  store st = open_store(ctx);
  snapshot snap = read_snapshot(ctx, st);
  result<std::optional<reservation>> found = snap.find(key);
  if (!found) {
    fail(ctx, found.error());
  }
  if (opts.negate) {
    if (*found) {
      throw semantic_failure("Assertion failed: reservation exists for " + to_display(key));
    }
    return kExitOk;
  }
  if (!*found) {
    throw semantic_failure("Assertion failed: no reservation found for " + to_display(key));
  }
  if (!ctx.quiet()) {
    write_stdout(std::to_string((*found)->port) + "\n");
  }
  return kExitOk;
}

}  // namespace trop::cli
