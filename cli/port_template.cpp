#include "port_template.h"

#include "trop/formats/text_escape.h"

namespace trop::cli {
namespace {

constexpr std::string_view kOpen = "{port";

const port_binding* find_tag(std::span<const port_binding> bindings, std::string_view tag) {
  for (const port_binding& b : bindings) {
    if (b.tag && *b.tag == tag) {
      return &b;
    }
  }
  return nullptr;
}

}  // namespace

result<std::string> expand_port_placeholders(std::string_view arg,
                                             std::span<const port_binding> bindings) {
  std::string out;
  out.reserve(arg.size());
  std::size_t i = 0;
  while (i < arg.size()) {
    // "{{port" is the escape: one '{' is dropped and "port..." is plain text.
    const std::string_view rest = arg.substr(i);
    if (rest.starts_with("{{port")) {
      out += '{';
      i += 2;
      continue;
    }
    if (!rest.starts_with(kOpen)) {
      out += arg[i++];
      continue;
    }
    std::size_t after = i + kOpen.size();
    if (after < arg.size() && arg[after] == '}') {
      if (bindings.size() != 1) {
        return invalid_argument(bindings.empty() ? std::string("{port} names no port")
                                                 : std::string("{port} is ambiguous with ") +
                                                       std::to_string(bindings.size()) +
                                                       " ports: name one with {port:TAG}");
      }
      out += std::to_string(bindings.front().port);
      i = after + 1;
      continue;
    }
    if (after < arg.size() && arg[after] == ':') {
      std::size_t close = arg.find('}', after + 1);
      if (close == std::string_view::npos) {
        return invalid_argument(
            "unterminated placeholder '{port:' (write '{{port' for the literal text)");
      }
      std::string_view tag = arg.substr(after + 1, close - after - 1);
      if (tag.empty()) {
        return invalid_argument("empty tag in placeholder '{port:}'");
      }
      const port_binding* b = find_tag(bindings, tag);
      if (b == nullptr) {
        return invalid_argument(std::string("unknown tag in placeholder '{port:") +
                                escape_tsv_field(tag) + "}'");
      }
      out += std::to_string(b->port);
      i = close + 1;
      continue;
    }
    out += arg[i++];  // "{portal}": plain text
  }
  return out;
}

}  // namespace trop::cli
