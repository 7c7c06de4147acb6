#include "cmd_completions.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "command_catalog.h"
#include "commands.h"
#include "completion_scripts.h"
#include "man_page.h"
#include "output.h"

#ifndef TROP_VERSION
#error "TROP_VERSION must be defined by the build"
#endif

namespace trop::cli {
namespace {

// The shells trop writes scripts for, as the positional's values.
const std::vector<std::string> kSupportedShells = {"bash", "zsh", "fish"};
// Shells the original tool also accepted; refused with a clear message.
constexpr std::string_view kUnsupportedShells[] = {"powershell", "elvish"};

// The stderr hints of SPEC B §12.22 (printed even with --quiet).
std::string hints(std::string_view shell) {
  std::string out = std::string("# Generating ") + std::string(shell) +
                    " completion script\n# Run the following command to enable completions:\n";
  if (shell == "bash") {
    out +=
        "#   trop completions bash > ~/.local/share/bash-completion/completions/trop\n"
        "# Or source it directly in ~/.bashrc:\n"
        "#   eval \"$(trop completions bash)\"\n";
  } else if (shell == "zsh") {
    out +=
        "#   trop completions zsh > ~/.zsh/completions/_trop\n"
        "# Make sure ~/.zsh/completions is in your $fpath\n"
        "# Or add to ~/.zshrc:\n"
        "#   eval \"$(trop completions zsh)\"\n";
  } else {
    out +=
        "#   trop completions fish > ~/.config/fish/completions/trop.fish\n"
        "# Or add to config.fish:\n"
        "#   trop completions fish | source\n";
  }
  return out + "\n";
}

std::string render(std::string_view shell, const cli_catalog& catalog) {
  if (shell == "bash") {
    return render_bash_completion(catalog, TROP_VERSION);
  }
  if (shell == "zsh") {
    return render_zsh_completion(catalog, TROP_VERSION);
  }
  return render_fish_completion(catalog, TROP_VERSION);
}

// Writes `text` to `path` (created 0644 or truncated). Empty on success,
// else the error text.
std::string write_whole_file(const std::string& path, std::string_view text) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    return std::strerror(errno);
  }
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      int err = errno;
      ::close(fd);  // not retried on EINTR: the descriptor is gone either way
      return std::strerror(err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    return std::strerror(errno);
  }
  return {};
}

}  // namespace

void setup_completions(option_sink& sink, completions_options& opts) {
  sink.positional_choice("SHELL", &opts.shell, true, kSupportedShells,
                         "Shell to generate the completion script for: bash, zsh or fish");
}

int run_completions(const completions_options& opts, context& ctx) {
  config_needs needs;
  needs.scope = config_scope::none;  // SPEC B §4.3: no configuration resolved
  ctx.set_config_needs(std::move(needs));
  const std::string& shell = opts.shell.value_or("");
  for (std::string_view refused : kUnsupportedShells) {
    if (shell == refused) {
      throw invalid_arguments(std::string("completions for ") + shell +
                              " are not supported; trop generates scripts for bash, zsh and fish");
    }
  }
  bool known = false;
  for (const std::string& s : kSupportedShells) {
    known = known || s == shell;
  }
  if (!known) {
    // Case-sensitive, as clap's value enum (SPEC B §12.22).
    throw usage_failure(std::string("invalid value '") + shell +
                        "' for '<SHELL>'\n  [possible values: bash, zsh, fish]");
  }
  const cli_catalog catalog = build_catalog(all_commands());
  write_stderr(hints(shell));
  write_stdout(render(shell, catalog));
  return kExitOk;
}

int generate_docs(const std::string& dir) {
  const cli_catalog catalog = build_catalog(all_commands());
  const std::pair<const char*, std::string> files[] = {
      {"trop.1", render_man_page(catalog, TROP_VERSION)},
      {"trop.bash", render_bash_completion(catalog, TROP_VERSION)},
      {"_trop", render_zsh_completion(catalog, TROP_VERSION)},
      {"trop.fish", render_fish_completion(catalog, TROP_VERSION)},
  };
  for (const auto& [name, text] : files) {
    const std::string path = dir + "/" + name;
    if (std::string err = write_whole_file(path, text); !err.empty()) {
      write_stderr_line(std::string("Error: I/O error: cannot write ") + path + ": " + err);
      return kExitIo;
    }
  }
  return kExitOk;
}

}  // namespace trop::cli
