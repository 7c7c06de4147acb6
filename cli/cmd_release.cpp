#include "cmd_release.h"

#include <vector>

#include "arguments.h"
#include "store_access.h"
#include "trop/paths.h"

namespace trop::cli {
namespace {

// Which tags of a path a release selects.
struct tag_filter {
  enum class kind { any, tagged, untagged } mode = kind::any;
  std::string tag;

  bool matches(const reservation_key& k) const {
    switch (mode) {
      case kind::any:
        return true;
      case kind::untagged:
        return !k.tag;
      case kind::tagged:
        return k.tag && *k.tag == tag;
    }
    return false;
  }
};

std::vector<reservation_key> select(context& ctx, const snapshot& snap, const std::string& path,
                                    const tag_filter& filter, bool recursive) {
  std::vector<reservation_key> keys;
  if (!recursive && filter.mode != tag_filter::kind::any) {
    reservation_key key{path, std::nullopt};
    if (filter.mode == tag_filter::kind::tagged) {
      key.tag = filter.tag;
    }
    result<std::optional<reservation>> found = snap.find(key);
    if (!found) {
      fail(ctx, found.error());
    }
    if (*found) {
      keys.push_back(std::move(key));
    }
    return keys;
  }
  status s = snap.for_each_under(path, [&](const reservation& r) {
    if (!recursive && r.key.path != path) {
      // Records of `path` itself come first in key order; the rest lie below it.
      return false;
    }
    if (filter.matches(r.key)) {
      keys.push_back(r.key);
    }
    return true;
  });
  if (!s) {
    fail(ctx, s);
  }
  return keys;
}

}  // namespace

void setup_release(option_sink& sink, release_options& opts) {
  sink.path("--path", &opts.path, "Directory to release (env TROP_PATH; default: cwd)");
  sink.text("--tag", &opts.tag, "TAG", "Release only the reservation with this tag");
  sink.flag("--untagged-only", &opts.untagged_only, "Release only the untagged reservation");
  sink.flag("--recursive", &opts.recursive, "Also release every path below --path");
  sink.flag("--allow-unrelated-path", &opts.allow_unrelated_path,
            "Allow a path that is not the cwd, an ancestor or a descendant of it");
  sink.flag("--force", &opts.force, "Bypass the path-relationship check");
  sink.flag("--dry-run", &opts.dry_run, "Show what would be released; change nothing");
}

int run_release(const release_options& opts, context& ctx) {
  const effective_settings& settings = ctx.settings();
  const std::string path = resolve_target_path(ctx, opts.path);
  if (opts.tag && opts.untagged_only) {
    throw invalid_arguments("Cannot specify both --tag and --untagged-only");
  }
  tag_filter filter;
  if (std::optional<std::string> tag = validated_tag(opts.tag)) {
    filter.mode = tag_filter::kind::tagged;
    filter.tag = std::move(*tag);
  } else if (opts.untagged_only) {
    filter.mode = tag_filter::kind::untagged;
  }
  enforce_path_guard(ctx, path,
                     opts.force || opts.allow_unrelated_path || settings.allow_unrelated_path);

  // What to say when nothing matched (SPEC B §12.2).
  std::string none_warning;
  if (opts.recursive) {
    none_warning = "No reservations found under " + path + " (already released)";
  } else if (filter.mode == tag_filter::kind::any) {
    none_warning = "No reservations found for " + path + " (already released)";
  } else {
    reservation_key k{path, std::nullopt};
    if (filter.mode == tag_filter::kind::tagged) {
      k.tag = filter.tag;
    }
    none_warning = "No reservation found for " + to_display(k) + " (already released)";
  }

  store st = open_store(ctx);
  if (opts.dry_run) {
    // A.1: a dry-run reads a snapshot and takes no lock.
    snapshot snap = read_snapshot(ctx, st);
    std::vector<reservation_key> keys = select(ctx, snap, path, filter, opts.recursive);
    if (opts.recursive) {
      ctx.info("Dry run - would release " + std::to_string(keys.size()) + " reservation(s):");
      for (const reservation_key& k : keys) {
        ctx.info("  - Delete reservation for " + to_display(k));
      }
    } else {
      ctx.info("Dry run - would perform the following actions:");
      std::size_t i = 0;
      for (const reservation_key& k : keys) {
        ctx.info("  " + std::to_string(++i) + ". Delete reservation for " + to_display(k));
      }
    }
    if (keys.empty()) {
      ctx.info("Warnings:");
      ctx.info("  - " + none_warning);
    }
    return kExitOk;
  }

  write_transaction txn = begin_write(ctx, st);
  std::vector<reservation_key> keys = select(ctx, txn.view(), path, filter, opts.recursive);
  for (const reservation_key& k : keys) {
    ctx.trace("deleting reservation for " + to_display(k));
    status s = txn.erase(k);
    if (!s) {
      fail(ctx, s);
    }
  }
  if (!keys.empty()) {
    commit(ctx, txn);
  } else {
    txn.abort();
  }

  if (opts.recursive) {
    ctx.info("Released " + std::to_string(keys.size()) + " reservation(s)");
  } else if (!keys.empty()) {
    ctx.info("Released reservation successfully");
  } else {
    ctx.info("No reservation found (already released)");
  }
  if (keys.empty()) {
    ctx.warn(none_warning);
  }
  return kExitOk;
}

}  // namespace trop::cli
