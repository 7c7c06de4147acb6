#include "cmd_show_data_dir.h"

#include "output.h"

namespace trop::cli {

void setup_show_data_dir(option_sink& /*sink*/, show_data_dir_options& /*opts*/) {}

int run_show_data_dir(const show_data_dir_options& /*opts*/, context& ctx) {
  // --data-dir, TROP_DATA_DIR, then $HOME/.trop, verbatim. Without a home
  // this is exit 7 with a message saying what to set (A.2 #22), not a crash.
  write_stdout(ctx.data_dir() + "\n");
  return kExitOk;
}

}  // namespace trop::cli
