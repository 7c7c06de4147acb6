#include "cmd_export.h"

#include <vector>

#include "output.h"
#include "store_access.h"
#include "trop/formats/reservation_json.h"

namespace trop::cli {

void setup_export(option_sink& /*sink*/, export_options& /*opts*/) {}

int run_export(const export_options& /*opts*/, context& ctx) {
  ctx.settings();  // Discover scope, like list: autoinit and durability settings
  store st = open_store(ctx);
  snapshot snap = read_snapshot(ctx, st);
  std::vector<reservation> rows;
  rows.reserve(snap.size());
  status s = snap.for_each([&](const reservation& r) {
    rows.push_back(r);
    return true;
  });
  if (!s) {
    fail(ctx, s);
  }
  // Rendered whole before anything is written: a corrupt record found midway
  // leaves stdout empty instead of holding half a file.
  write_stdout(render_export(rows));
  ctx.trace("exported " + std::to_string(rows.size()) + " reservation(s)");
  return kExitOk;
}

}  // namespace trop::cli
