#include "context.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "output.h"
#include "trop/paths.h"

namespace trop::cli {
namespace {

const char* env_or_null(const char* name) {
  return std::getenv(name);
}

}  // namespace

context::context(global_options globals, std::string command_name)
    : globals_(std::move(globals)), command_name_(std::move(command_name)) {}

void context::set_config_needs(config_needs needs) {
  config_needs_ = std::move(needs);
  settings_.reset();
}

const effective_settings& context::settings() {
  if (!settings_) {
    std::string cwd_for_discovery;
    if (config_needs_.scope == config_scope::discover ||
        config_needs_.scope == config_scope::explicit_project) {
      // Discovery starts at the canonical cwd; an unreadable or deleted cwd
      // discovers nothing rather than failing commands that do not need it.
      std::unique_ptr<char, decltype(&std::free)> buf(::getcwd(nullptr, 0), &std::free);
      if (buf) {
        if (result<std::string> canon = canonicalize(buf.get()); canon) {
          cwd_for_discovery = std::move(*canon);
        }
      }
    }
    const std::string& dir = config_needs_.scope == config_scope::none ? std::string() : data_dir();
    settings_ = resolve_settings(globals_, config_needs_, dir, cwd_for_discovery, env_or_null,
                                 &config_files_);
    if (verbose()) {
      for (const loaded_file& f : config_files_) {
        trace("loaded configuration " + f.path);
      }
    }
  }
  return *settings_;
}

void context::set_data_dir_override(std::string dir) {
  data_dir_override_ = std::move(dir);
  data_dir_.reset();
}

const std::string& context::data_dir() {
  if (data_dir_) {
    return *data_dir_;
  }
  if (data_dir_override_) {
    data_dir_ = *data_dir_override_;
  } else if (globals_.data_dir) {
    data_dir_ = *globals_.data_dir;
  } else {
    // TROP_DATA_DIR, else $HOME/.trop: the rule the C API shares (trop/paths.h).
    result<std::string> dir = default_data_dir(std::getenv("TROP_DATA_DIR"), std::getenv("HOME"));
    if (!dir) {
      if (dir.error().code() == error_code::invalid_argument) {
        throw usage_failure(
            "a value is required for '--data-dir <PATH>' but none was supplied "
            "(TROP_DATA_DIR is empty)");
      }
      throw config_failure(dir.error().message());
    }
    data_dir_ = std::move(*dir);
  }
  return *data_dir_;
}

const std::string& context::cwd() {
  if (!cwd_) {
    // getcwd with a NULL buffer allocates what it needs (glibc), so deep trees work.
    std::unique_ptr<char, decltype(&std::free)> buf(::getcwd(nullptr, 0), &std::free);
    if (!buf) {
      int err = errno;
      throw io_failure(std::string("cannot read the current directory: ") + std::strerror(err) +
                       " (os error " + std::to_string(err) + ")");
    }
    cwd_ = std::string(buf.get());
  }
  return *cwd_;
}

const std::string& context::canonical_cwd() {
  if (!canonical_cwd_) {
    const std::string& c = cwd();
    result<std::string> canon = canonicalize(c);
    if (!canon) {
      if (canon.error().code() == error_code::not_found) {
        warn("Cannot canonicalize inferred path because it does not exist: " + c);
      }
      throw path_failure(canon.error());
    }
    canonical_cwd_ = std::move(*canon);
  }
  return *canonical_cwd_;
}

const std::optional<std::string>& context::logical_cwd() {
  if (!logical_cwd_) {
    const char* pwd = std::getenv("PWD");
    logical_cwd_ = pwd == nullptr ? std::nullopt : trop::logical_cwd(pwd);
  }
  return *logical_cwd_;
}

std::optional<std::string> context::home() const {
  const char* h = std::getenv("HOME");
  if (h == nullptr || *h == '\0') {
    return std::nullopt;
  }
  return std::string(h);
}

std::string context::require_home() const {
  std::optional<std::string> h = home();
  if (!h) {
    throw config_failure("Cannot determine home directory: HOME is not set");
  }
  return *h;
}

failure_context context::failure() {
  failure_context f;
  if (settings_) {
    f.busy_timeout_seconds = settings_->busy_timeout_seconds();
  }
  if (data_dir_) {
    f.data_dir = *data_dir_;
  }
  return f;
}

void context::warn(std::string_view text) const {
  if (!quiet()) {
    write_stderr_line("Warning: " + std::string(text));
  }
}

void context::info(std::string_view text) const {
  if (!quiet()) {
    write_stderr_line(text);
  }
}

void context::trace(std::string_view text) const {
  if (verbose()) {
    write_stderr_line("trop: " + std::string(text));
  }
}

void check_global_environment(const global_options& globals) {
  if (globals.data_dir) {
    return;
  }
  const char* env = std::getenv("TROP_DATA_DIR");
  if (env != nullptr && *env == '\0') {
    throw usage_failure(
        "a value is required for '--data-dir <PATH>' but none was supplied (TROP_DATA_DIR is "
        "empty)");
  }
}

}  // namespace trop::cli
