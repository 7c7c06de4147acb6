// Fuzz target: group rendering (reserve-group / autoreserve output).
// Input: byte 0 picks the format, byte 1 the shell, the rest is services,
// one per line: "tag<TAB>env<TAB>port" (env empty = derive from the tag).
// Whatever the tags and names hold (newlines, quotes, $(), non-UTF-8),
// rendering must either refuse or produce lines a shell or dotenv parser
// reads as NAME=PORT assignments and nothing else.
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "trop/formats/group_output.h"

using namespace trop;

namespace {

bool is_name(std::string_view s) {
  return is_valid_env_var_name(s);
}

bool is_port(std::string_view s) {
  if (s.empty() || s.size() > 5) {
    return false;
  }
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

// Each line of export/dotenv output is exactly one assignment of a port.
void check_assignments(const std::string& out, group_format f, shell_kind sh) {
  TROP_FUZZ_CHECK(!out.empty() && out.back() == '\n');
  std::size_t pos = 0;
  while (pos < out.size()) {
    std::size_t nl = out.find('\n', pos);
    std::string line = out.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) {
      continue;  // an empty group prints an empty line
    }
    std::string_view l(line);
    if (f == group_format::dotenv || sh == shell_kind::bash || sh == shell_kind::zsh) {
      if (f != group_format::dotenv) {
        TROP_FUZZ_CHECK(l.substr(0, 7) == "export ");
        l.remove_prefix(7);
      }
      auto eq = l.find('=');
      TROP_FUZZ_CHECK(eq != std::string_view::npos);
      TROP_FUZZ_CHECK(is_name(l.substr(0, eq)));
      TROP_FUZZ_CHECK(is_port(l.substr(eq + 1)));
    } else if (sh == shell_kind::fish) {
      TROP_FUZZ_CHECK(l.substr(0, 7) == "set -x ");
      l.remove_prefix(7);
      auto sp = l.find(' ');
      TROP_FUZZ_CHECK(sp != std::string_view::npos);
      TROP_FUZZ_CHECK(is_name(l.substr(0, sp)));
      TROP_FUZZ_CHECK(is_port(l.substr(sp + 1)));
    } else {
      TROP_FUZZ_CHECK(l.substr(0, 5) == "$env:");
      l.remove_prefix(5);
      auto eq = l.find("=\"");
      TROP_FUZZ_CHECK(eq != std::string_view::npos && l.back() == '"');
      TROP_FUZZ_CHECK(is_name(l.substr(0, eq)));
      TROP_FUZZ_CHECK(is_port(l.substr(eq + 2, l.size() - eq - 3)));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) {
    return 0;
  }
  const group_format formats[] = {group_format::export_vars, group_format::json,
                                  group_format::dotenv, group_format::human};
  const shell_kind shells[] = {shell_kind::bash, shell_kind::zsh, shell_kind::fish,
                               shell_kind::powershell};
  const group_format f = formats[data[0] % 4];
  const shell_kind sh = shells[data[1] % 4];
  std::string rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::vector<group_port> ports;
  std::size_t pos = 0;
  while (pos < rest.size() && ports.size() < 64) {
    std::size_t nl = rest.find('\n', pos);
    std::string line = rest.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? rest.size() : nl + 1;
    group_port p;
    std::size_t t1 = line.find('\t');
    p.tag = line.substr(0, t1);
    if (t1 != std::string::npos) {
      std::size_t t2 = line.find('\t', t1 + 1);
      std::string env =
          line.substr(t1 + 1, t2 == std::string::npos ? std::string::npos : t2 - t1 - 1);
      if (!env.empty()) {
        p.env = env;
      }
      if (t2 != std::string::npos) {
        p.port = static_cast<std::uint16_t>(std::strtoul(line.c_str() + t2 + 1, nullptr, 10));
      }
    }
    ports.push_back(p);
  }
  auto out = render_group(ports, f, sh);
  if (!out) {
    TROP_FUZZ_CHECK(!out.error().message().empty());
    return 0;
  }
  if (f == group_format::export_vars || f == group_format::dotenv) {
    check_assignments(*out, f, sh);
  }
  if (f == group_format::json) {
    // Strict JSON (valid UTF-8 included): a consumer must be able to parse it.
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(*out, ec);
    TROP_FUZZ_CHECK(!ec && v.is_object());
  }
  TROP_FUZZ_CHECK(!out->empty() && out->back() == '\n');
  return 0;
}
