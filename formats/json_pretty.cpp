#include "trop/formats/json_pretty.h"

#include <string_view>

#include <boost/json/serialize.hpp>

namespace trop {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr std::size_t kIndentWidth = 2;

void append_indent(std::string& out, std::size_t depth) {
  out.append(depth * kIndentWidth, ' ');
}

void append_value(std::string& out, const boost::json::value& v, std::size_t depth);

// An array of `count` elements at `depth`; element(i) yields the i-th.
template <class Element>
void append_array(std::string& out, std::size_t count, const Element& element, std::size_t depth) {
  if (count == 0) {
    out += "[]";
    return;
  }
  out += "[\n";
  for (std::size_t i = 0; i < count; ++i) {
    append_indent(out, depth + 1);
    append_value(out, element(i), depth + 1);
    out += i + 1 < count ? ",\n" : "\n";
  }
  append_indent(out, depth);
  out += ']';
}

void append_value(std::string& out, const boost::json::value& v, std::size_t depth) {
  switch (v.kind()) {
    case boost::json::kind::null:
      out += "null";
      return;
    case boost::json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return;
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      out += boost::json::serialize(v);
      return;
    case boost::json::kind::string: {
      const boost::json::string& s = v.get_string();
      append_json_string(out, std::string_view(s.data(), s.size()));
      return;
    }
    case boost::json::kind::array: {
      const boost::json::array& a = v.get_array();
      append_array(
          out, a.size(), [&](std::size_t i) -> const boost::json::value& { return a[i]; }, depth);
      return;
    }
    case boost::json::kind::object: {
      const boost::json::object& o = v.get_object();
      if (o.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      std::size_t i = 0;
      for (const auto& member : o) {
        append_indent(out, depth + 1);
        append_json_string(out, std::string_view(member.key().data(), member.key().size()));
        out += ": ";
        append_value(out, member.value(), depth + 1);
        out += ++i < o.size() ? ",\n" : "\n";
      }
      append_indent(out, depth);
      out += '}';
      return;
    }
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHexDigits[c >> 4];
          out += kHexDigits[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

std::string to_pretty_json(const boost::json::value& v) {
  std::string out;
  append_value(out, v, 0);
  return out;
}

std::string to_pretty_json_array(std::size_t count,
                                 const std::function<boost::json::value(std::size_t)>& element) {
  std::string out;
  append_array(out, count, element, 0);
  return out;
}

}  // namespace trop
