#include "output.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "errors.h"

namespace trop::cli {

void write_stdout(std::string_view text) {
  if (!text.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
}

void finish_stdout() {
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    int err = errno;
    std::clearerr(stdout);
    std::string detail = "failed to write to stdout";
    if (err != 0) {
      detail += ": ";
      detail += std::strerror(err);
      detail += " (os error " + std::to_string(err) + ")";
    }
    throw io_failure(detail);
  }
}

void write_stderr_line(std::string_view line) {
  std::string buf;
  buf.reserve(line.size() + 1);
  buf.append(line);
  buf.push_back('\n');
  write_stderr(buf);
}

void write_stderr(std::string_view text) {
  // stderr is unbuffered: one fwrite keeps a line whole even with other writers.
  std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace trop::cli
