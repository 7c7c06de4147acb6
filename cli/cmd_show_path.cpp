#include "cmd_show_path.h"

#include "arguments.h"
#include "output.h"
#include "trop/paths.h"

namespace trop::cli {

void setup_show_path(option_sink& sink, show_path_options& opts) {
  // No TROP_PATH here (SPEC B §4.8): show-path shows what --path would give.
  sink.path("--path", &opts.path, "Path to show normalized (default: the canonical cwd)");
  sink.flag("--canonicalize", &opts.canonicalize, "Resolve symlinks (the path must exist)");
}

int run_show_path(const show_path_options& opts, context& ctx) {
  std::string path;
  if (!opts.path) {
    // The implicit path: canonical already, so --canonicalize changes nothing.
    path = ctx.canonical_cwd();
  } else {
    path = normalize_user_path(ctx, *opts.path);
    if (opts.canonicalize) {
      result<std::string> canon = trop::canonicalize(path);
      if (!canon) {
        throw path_failure(canon.error());
      }
      path = std::move(*canon);
    }
  }
  write_stdout(path + "\n");
  return kExitOk;
}

}  // namespace trop::cli
