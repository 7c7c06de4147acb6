#include "cmd_validate.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "output.h"
#include "trop/formats/config_loader.h"
#include "trop/formats/config_yaml.h"

namespace trop::cli {
namespace {

std::string os_error(int err) {
  return std::generic_category().message(err) + " (os error " + std::to_string(err) + ")";
}

std::string base_name(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Reads the whole file; throws exit 5 for anything but "missing" (exit 4),
// which the caller has ruled out already.
std::string read_config(const std::string& path) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    int err = errno;
    throw io_failure("cannot read " + path + ": " + os_error(err));
  }
  std::string text;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      int err = errno;
      ::close(fd);  // not retried on EINTR: the descriptor is gone either way
      throw io_failure("cannot read " + path + ": " + os_error(err));
    }
    if (n == 0) {
      break;
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

// " at line L column C" for a located value error (syntax errors carry it
// in describe_syntax_error already).
std::string position_of(const config_error& e) {
  if (e.line <= 0) {
    return "";
  }
  return " at line " + std::to_string(e.line) + " column " + std::to_string(e.column);
}

}  // namespace

void setup_validate(option_sink& sink, validate_options& opts) {
  sink.positional("CONFIG_PATH", &opts.config_path, true,
                  "Configuration file to check (config.yaml is checked as a user file)");
}

int run_validate(const validate_options& opts, context& ctx) {
  config_needs needs;
  needs.scope = config_scope::none;  // SPEC B §4.3: no configuration resolved
  ctx.set_config_needs(std::move(needs));
  const std::string& path = *opts.config_path;
  if (path.empty()) {
    throw usage_failure("a value is required for '<CONFIG_PATH>' but none was supplied");
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      throw invalid_arguments("File not found: " + path);
    }
    throw io_failure("cannot read " + path + ": " + os_error(err));
  }
  // SPEC B §12.16 (quirk 21 kept): only the exact name config.yaml is a user file.
  config_origin kind =
      base_name(path) == kUserConfigName ? config_origin::user_file : config_origin::project_file;
  layer_outcome outcome = load_config_text(read_config(path), path, kind);
  if (outcome.ok()) {
    write_stdout("Configuration is valid\n");
    return kExitOk;
  }

  // Every problem, one line each, in file order as the parser found them.
  bool syntax = false;
  for (const config_error& e : outcome.errors) {
    switch (e.kind) {
      case config_error_kind::syntax:
        syntax = true;
        write_stderr_line("Parse error in " + path + ": " + describe_syntax_error(e));
        break;
      case config_error_kind::read:
        // load_config_text never reports one; kept readable should that change.
        write_stderr_line("Parse error in " + path + ": " + e.message);
        syntax = true;
        break;
      case config_error_kind::value:
        write_stderr_line("Validation error: " + format_config_error(e) + position_of(e));
        break;
    }
  }
  throw semantic_failure(syntax ? "Configuration file is invalid"
                                : "Configuration validation failed");
}

}  // namespace trop::cli
