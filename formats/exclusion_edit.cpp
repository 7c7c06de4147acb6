#include "trop/formats/exclusion_edit.h"

#include "yaml_documents.h"

#include <algorithm>
#include <cstddef>
#include <exception>
#include <optional>
#include <sstream>
#include <utility>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

// The edit works on lines of the text (without the BOM). Grammar of what is
// recognised, everything else being refused or reported:
//
//   file        := (line EOL)* line?            EOL is "\n" or "\r\n"
//   key line    := INDENT KEY SP* ":" rest      KEY is excluded_ports, plain
//                                               or quoted
//   rest        := (SP+ comment)?               -> block list or empty value
//                | SP+ ("~"|"null"|"Null"|"NULL") (SP+ comment)?
//                | SP+ "[" flow "]" (SP+ comment)?
//   block list  := item+ where an item starts on a line at ITEM_INDENT
//                  (>= the key's indent) with "-", and its other lines are
//                  indented deeper; comment and blank lines may sit between.
//
// yaml-cpp tells where the key is (its mark) and what the value holds; the
// text scan tells which bytes to replace. Both must agree, and the edited
// text must read back as intended, or the edit is refused.

namespace trop {

namespace {

constexpr std::string_view kKey = "excluded_ports";
constexpr std::string_view kBom = "\xEF\xBB\xBF";
// Deeper than any configuration file; also stops a cyclic alias.
constexpr int kMaxDepth = 64;
// Indent of the items of a list this module starts, relative to the key.
constexpr int kNewListIndent = 2;

status refuse(std::string_view why) {
  std::string m("cannot edit excluded_ports safely: ");
  m.append(why);
  return {error_code::conflict, std::move(m)};
}

status entry_error(std::size_t index, std::string_view why) {
  std::string m("excluded_ports entry ");
  m.append(std::to_string(index + 1)).append(": ").append(why);
  return invalid_argument(std::move(m));
}

bool is_blank_char(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim_blank(std::string_view s) {
  while (!s.empty() && is_blank_char(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_blank_char(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

std::string_view trim_space(std::string_view s) {
  const auto space = [](char c) { return is_blank_char(c) || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

// ---------------------------------------------------------------------------
// Entries as values.

// A u16 in decimal digits only (the original's u16::from_str without a
// sign). nullopt when not all digits or above 65535.
std::optional<std::uint16_t> parse_decimal(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  std::uint32_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
    if (v > 0xFFFF) {
      return std::nullopt;
    }
  }
  return static_cast<std::uint16_t>(v);
}

bool looks_numeric(std::string_view s) {
  return !s.empty() && ((s[0] >= '0' && s[0] <= '9') || s[0] == '+' || s[0] == '-' || s[0] == '.');
}

constexpr std::string_view kNotAnExclusion =
    "expected a port number, a {start, end} mapping or an \"A..B\" string";
constexpr std::string_view kNotAPort =
    "expected a plain decimal port number 0..65535 (no sign, base prefix or leading zero)";

// A plain integer with the config loader's rules (formats/config_yaml.cpp):
// decimal digits, no leading zero, at most 65535.
result<std::uint16_t> plain_port(const YAML::Node& n, std::size_t index) {
  if (!n.IsScalar() || n.Tag() != "?") {
    return entry_error(index, kNotAPort);
  }
  const std::string& s = n.Scalar();
  const auto v = parse_decimal(s);
  if (!v || (s.size() > 1 && s[0] == '0')) {
    return entry_error(index, kNotAPort);
  }
  return *v;
}

// "N" or "A..B", each side trimmed (SPEC B §4.5).
std::optional<port_exclusion> parse_port_string(std::string_view s) {
  const std::size_t dots = s.find("..");
  if (dots == std::string_view::npos) {
    const auto v = parse_decimal(trim_space(s));
    return v ? std::optional(port_exclusion::single(*v)) : std::nullopt;
  }
  const auto a = parse_decimal(trim_space(s.substr(0, dots)));
  const auto b = parse_decimal(trim_space(s.substr(dots + 2)));
  return a && b ? std::optional(port_exclusion::range(*a, *b)) : std::nullopt;
}

// One element of the excluded_ports sequence (SPEC B §4.5), read as the
// config loader reads it: a plain number is an integer; any other plain or
// quoted scalar is the string form ("8080..8090" also unquoted).
result<port_exclusion> parse_entry(const YAML::Node& n, std::size_t index) {
  if (const std::string& tag = n.Tag(); !tag.empty() && tag != "?" && tag != "!") {
    return refuse("an entry of excluded_ports has a YAML tag");
  }
  if (n.IsScalar() && (n.Tag() == "?" || n.Tag() == "!")) {
    const std::string& s = n.Scalar();
    if (n.Tag() == "?" && looks_numeric(s) && s.find("..") == std::string::npos) {
      auto p = plain_port(n, index);
      if (!p) {
        return p.error();
      }
      return port_exclusion::single(*p);
    }
    if (const auto e = parse_port_string(s)) {
      return *e;
    }
    return entry_error(index, kNotAnExclusion);
  }
  if (n.IsMap()) {
    std::optional<std::uint16_t> start;
    std::optional<std::uint16_t> end;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const YAML::Node k = it->first;  // a copy: it-> returns a temporary proxy
      if (!k.IsScalar() || (k.Scalar() != "start" && k.Scalar() != "end")) {
        return entry_error(index, "a range has only the keys start and end");
      }
      std::optional<std::uint16_t>& slot = k.Scalar() == "start" ? start : end;
      if (slot) {
        return entry_error(index, "a range names start or end twice");
      }
      auto p = plain_port(it->second, index);
      if (!p) {
        return p.error();
      }
      slot = *p;
    }
    if (!start || !end) {
      return entry_error(index, "a range needs both start and end");
    }
    return port_exclusion::range(*start, *end);
  }
  return entry_error(index, kNotAnExclusion);
}

// Every element of `seq`, each checked with check_exclusion.
result<std::vector<port_exclusion>> parse_entries(const YAML::Node& seq) {
  std::vector<port_exclusion> out;
  std::size_t i = 0;
  for (auto it = seq.begin(); it != seq.end(); ++it, ++i) {
    auto e = parse_entry(*it, i);
    if (!e) {
      return e.error();
    }
    if (const status s = check_exclusion(*e); !s) {
      return entry_error(i, s.message());
    }
    out.push_back(*e);
  }
  return out;
}

// ---------------------------------------------------------------------------
// YAML documents.

// The documents of `body` (formats_detail::load_yaml_documents); only the
// first document's tree is built (more are refused anyway).
using formats_detail::yaml_documents;

result<yaml_documents> load_all(std::string_view body) {
  try {
    yaml_documents docs = formats_detail::load_yaml_documents(body);
    if (docs.stuck_at) {
      std::string m("invalid YAML: the text cannot be parsed at line ");
      m.append(std::to_string(docs.stuck_at->line + 1)).append(", column ");
      m.append(std::to_string(docs.stuck_at->column + 1));
      return invalid_argument(std::move(m));
    }
    return docs;
  } catch (const YAML::Exception& e) {
    return invalid_argument(std::string("invalid YAML: ") + e.what());
  } catch (const std::exception& e) {
    return invalid_argument(std::string("cannot read the YAML text: ") + e.what());
  }
}

// Structural equality of two nodes: type, tag, scalar text, children in order.
bool same_node(const YAML::Node& a, const YAML::Node& b, int depth) {
  if (depth > kMaxDepth || a.Type() != b.Type() || a.Tag() != b.Tag()) {
    return false;
  }
  switch (a.Type()) {
    case YAML::NodeType::Scalar:
      return a.Scalar() == b.Scalar();
    case YAML::NodeType::Sequence:
    case YAML::NodeType::Map: {
      if (a.size() != b.size()) {
        return false;
      }
      auto ib = b.begin();
      for (auto ia = a.begin(); ia != a.end(); ++ia, ++ib) {
        if (a.IsMap()) {
          if (!same_node(ia->first, ib->first, depth + 1) ||
              !same_node(ia->second, ib->second, depth + 1)) {
            return false;
          }
        } else if (!same_node(*ia, *ib, depth + 1)) {
          return false;
        }
      }
      return true;
    }
    default:
      return true;
  }
}

bool is_key(const YAML::Node& k, std::string_view name) {
  return k.IsScalar() && k.Scalar() == name;
}

// Where a node sits, for check_nested.
enum class nest_context { top, reservations, services, other };

// Refuses an `excluded_ports` key below the top level (which trop never reads
// and a user may have meant), except as a service tag (a key of
// reservations.services), where it is a legitimate name.
status check_nested(const YAML::Node& n, int depth, nest_context where) {
  if (depth > kMaxDepth) {
    return refuse("the file nests deeper than a trop configuration can");
  }
  if (n.IsSequence()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      TROP_RETURN_IF_ERROR(check_nested(*it, depth + 1, nest_context::other));
    }
  } else if (n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (where != nest_context::top && where != nest_context::services &&
          is_key(it->first, kKey)) {
        return refuse(
            "an excluded_ports key is nested under another key (trop reads only the top-level "
            "one); move it to the top level by hand");
      }
      nest_context child = nest_context::other;
      if (where == nest_context::top && is_key(it->first, "reservations")) {
        child = nest_context::reservations;
      } else if (where == nest_context::reservations && is_key(it->first, "services")) {
        child = nest_context::services;
      }
      TROP_RETURN_IF_ERROR(check_nested(it->second, depth + 1, child));
    }
  }
  return status::ok();
}

// ---------------------------------------------------------------------------
// Text scanning.

struct text_line {
  std::size_t begin = 0;
  std::size_t end = 0;   // before "\n" or "\r\n"
  std::size_t next = 0;  // start of the following line
};

result<std::vector<text_line>> split_lines(std::string_view s) {
  std::vector<text_line> lines;
  std::size_t begin = 0;
  while (begin < s.size()) {
    const std::size_t nl = s.find('\n', begin);
    text_line l;
    l.begin = begin;
    l.next = nl == std::string_view::npos ? s.size() : nl + 1;
    l.end = nl == std::string_view::npos ? s.size() : nl;
    if (l.end > l.begin && s[l.end - 1] == '\r' && nl != std::string_view::npos) {
      --l.end;
    }
    if (s.substr(l.begin, l.end - l.begin).find('\r') != std::string_view::npos) {
      return refuse("the file has a carriage return that does not end a line");
    }
    lines.push_back(l);
    begin = l.next;
  }
  return lines;
}

// Quote state carried from line to line (a quoted scalar may span lines).
struct scan_state {
  char quote = 0;  // 0, '\'' or '"'
};

struct scan_result {
  std::size_t comment = std::string_view::npos;  // offset of the '#' opening a comment
  std::size_t close = std::string_view::npos;    // offset of the ']' closing the flow list
  bool special = false;  // & * ! | > ? outside quotes: anchor, alias, tag, block scalar, key
};

// Scans `s` from `from` to its end (or its comment). With `depth`, tracks
// flow brackets and records where the depth returns to zero.
scan_result scan(std::string_view s, std::size_t from, scan_state& st, int* depth) {
  scan_result r;
  for (std::size_t i = from; i < s.size(); ++i) {
    const char c = s[i];
    if (st.quote == '"') {
      if (c == '\\') {
        ++i;  // the escaped character
      } else if (c == '"') {
        st.quote = 0;
      }
      continue;
    }
    if (st.quote == '\'') {
      if (c == '\'') {
        if (i + 1 < s.size() && s[i + 1] == '\'') {
          ++i;  // '' is an escaped quote
        } else {
          st.quote = 0;
        }
      }
      continue;
    }
    const bool token_start =
        i == 0 || is_blank_char(s[i - 1]) || s[i - 1] == '[' || s[i - 1] == '{' || s[i - 1] == ',';
    if (c == '#' && (i == 0 || is_blank_char(s[i - 1]))) {
      r.comment = i;
      return r;
    }
    if ((c == '"' || c == '\'') && token_start) {
      st.quote = c;
      continue;
    }
    if (c == '&' || c == '*' || c == '!' || c == '|' || c == '>' || c == '?') {
      r.special = true;
    }
    if (depth != nullptr && r.close == std::string_view::npos) {
      if (c == '[' || c == '{') {
        ++*depth;
      } else if (c == ']' || c == '}') {
        if (--*depth == 0) {
          r.close = i;
        }
      }
    }
  }
  return r;
}

enum class value_shape {
  absent,      // no excluded_ports key
  empty,       // `excluded_ports:` with nothing (but comments) below
  null_token,  // `excluded_ports: ~` / null
  block,       // `- ...` items below the key
  flow,        // `[ ... ]`
};

// How a range entry is spelled in the list (the first range found decides).
enum class range_style { block_map, flow_map, double_quoted, single_quoted, plain };

struct block_item {
  std::size_t first_line = 0;
  std::size_t last_line = 0;
};

// Everything an edit needs to know about the file.
struct file_layout {
  std::string_view bom;
  std::string_view body;  // the text after the BOM
  std::vector<text_line> lines;
  std::string eol = "\n";
  YAML::Node root;  // null for an empty document
  int root_indent = 0;
  value_shape shape = value_shape::absent;
  std::size_t key_line = 0;
  int key_indent = 0;
  std::size_t after_colon = 0;  // offset just after the key's ':'
  std::vector<port_exclusion> entries;
  range_style ranges = range_style::block_map;
  // null_token
  std::size_t token_begin = 0;
  std::size_t token_end = 0;
  // block
  int item_indent = 0;
  std::string dash_gap = " ";
  std::vector<block_item> items;
  std::vector<std::string> region_comments;  // comments among the items, to keep
  // flow
  std::size_t open = 0;   // offset of '['
  std::size_t close = 0;  // offset of the matching ']'
  bool flow_empty = true;
  std::string flow_sep = ", ";
  bool flow_pad = false;
  bool flow_trailing_comma = false;
  std::size_t flow_insert = 0;  // just after the last element (or its trailing comma)

  std::string_view line_text(std::size_t i) const {
    return body.substr(lines[i].begin, lines[i].end - lines[i].begin);
  }
};

int leading_spaces(std::string_view s) {
  int n = 0;
  while (static_cast<std::size_t>(n) < s.size() && s[static_cast<std::size_t>(n)] == ' ') {
    ++n;
  }
  return n;
}

// True when the line's indentation (up to its first non-blank) holds a tab.
bool tab_in_indent(std::string_view s) {
  for (const char c : s) {
    if (c == '\t') {
      return true;
    }
    if (c != ' ') {
      return false;
    }
  }
  return false;
}

range_style style_of_spelling(char first) {
  switch (first) {
    case '"':
      return range_style::double_quoted;
    case '\'':
      return range_style::single_quoted;
    case '{':
      return range_style::flow_map;
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
      return range_style::plain;  // an unquoted 8080..8090
    default:
      return range_style::block_map;
  }
}

// The block items below the key line; fills items, item_indent, dash_gap,
// region_comments and ranges.
status scan_block(file_layout& L) {
  scan_state st;
  int item_indent = -1;
  bool first_item = true;
  for (std::size_t i = L.key_line + 1; i < L.lines.size(); ++i) {
    const std::string_view s = L.line_text(i);
    if (st.quote != 0) {  // inside a quoted scalar that began on an earlier line
      if (L.items.empty()) {
        return refuse("a quoted value spans lines in an unexpected place");
      }
      if (scan(s, 0, st, nullptr).special) {
        return refuse("the list uses anchors, aliases, tags or block scalars");
      }
      L.items.back().last_line = i;
      continue;
    }
    if (trim_blank(s).empty()) {
      continue;
    }
    if (tab_in_indent(s)) {
      return refuse("tabs are used for indentation near excluded_ports");
    }
    const int indent = leading_spaces(s);
    const std::string_view rest = s.substr(static_cast<std::size_t>(indent));
    if (rest.front() == '#') {
      continue;  // kept if an item follows (it is then inside the region)
    }
    const bool dash = rest.front() == '-' && (rest.size() == 1 || is_blank_char(rest[1]));
    if (item_indent < 0) {
      if (!dash || indent < L.key_indent) {
        break;
      }
      item_indent = indent;
    }
    if (indent == item_indent && dash) {
      L.items.push_back({i, i});
      if (first_item) {
        first_item = false;
        const std::string_view after = rest.substr(1);
        const std::size_t gap = after.find_first_not_of(' ');
        if (gap != std::string_view::npos && after[gap] == '\t') {
          return refuse("a tab follows a '-' in excluded_ports");
        }
        if (gap != std::string_view::npos && gap > 0 && after[gap] != '#') {
          L.dash_gap.assign(gap, ' ');
        }
      }
    } else if (indent > item_indent) {
      L.items.back().last_line = i;
    } else if (indent > L.key_indent) {
      return refuse("the items of excluded_ports are not aligned");
    } else {
      break;
    }
    if (scan(s, static_cast<std::size_t>(indent), st, nullptr).special) {
      return refuse("the list uses anchors, aliases, tags or block scalars");
    }
  }
  if (st.quote != 0) {
    return refuse("a quoted value in excluded_ports is not closed");
  }
  L.item_indent = item_indent < 0 ? L.key_indent + kNewListIndent : item_indent;
  if (L.items.empty()) {
    return status::ok();
  }

  // Comments among the items, in order: a comment line as it is, a comment
  // that trailed an entry as a line of its own at the items' indent.
  scan_state cs;
  for (std::size_t i = L.items.front().first_line; i <= L.items.back().last_line; ++i) {
    const std::string_view s = L.line_text(i);
    const bool continued = cs.quote != 0;
    const scan_result r = scan(s, 0, cs, nullptr);
    if (r.comment == std::string_view::npos) {
      continue;
    }
    if (!continued && trim_blank(s.substr(0, r.comment)).empty()) {
      L.region_comments.emplace_back(s);
    } else {
      std::string c(static_cast<std::size_t>(L.item_indent), ' ');
      c.append(trim_blank(s.substr(r.comment)));
      L.region_comments.push_back(std::move(c));
    }
  }

  for (std::size_t k = 0; k < L.items.size() && k < L.entries.size(); ++k) {
    if (L.entries[k].form != port_exclusion::kind::range) {
      continue;
    }
    const std::string_view s = L.line_text(L.items[k].first_line);
    const std::string_view after = trim_blank(s.substr(static_cast<std::size_t>(item_indent) + 1));
    L.ranges = after.empty() ? range_style::block_map : style_of_spelling(after.front());
    break;
  }
  return status::ok();
}

// The flow list starting at L.open; fills close and the style fields.
status scan_flow(file_layout& L) {
  scan_state st;
  int depth = 0;
  bool comment_inside = false;
  std::size_t line = L.key_line;
  std::size_t from = L.open - L.lines[line].begin;
  for (;;) {
    const std::string_view s = L.line_text(line);
    const scan_result r = scan(s, from, st, &depth);
    if (r.special) {
      return refuse("the list uses anchors, aliases, tags or block scalars");
    }
    if (r.close != std::string_view::npos) {
      L.close = L.lines[line].begin + r.close;
      const std::size_t tail_end = r.comment == std::string_view::npos ? s.size() : r.comment;
      if (!trim_blank(s.substr(r.close + 1, tail_end - r.close - 1)).empty()) {
        return refuse("something follows the flow list of excluded_ports on its line");
      }
      break;
    }
    if (r.comment != std::string_view::npos) {
      comment_inside = true;
    }
    if (++line >= L.lines.size()) {
      return refuse("the flow list of excluded_ports is not closed");
    }
    from = 0;
  }
  if (line != L.key_line && comment_inside) {
    return refuse("the flow list of excluded_ports spans lines and has comments inside");
  }

  // Elements: split the inside at commas of depth zero, outside quotes.
  const std::string_view inner = L.body.substr(L.open + 1, L.close - L.open - 1);
  std::vector<std::string_view> elements;
  char quote = 0;
  int d = 0;
  std::size_t start = 0;
  std::size_t first_comma = std::string_view::npos;
  for (std::size_t i = 0; i <= inner.size(); ++i) {
    if (i < inner.size()) {
      const char c = inner[i];
      if (quote == '"') {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          quote = 0;
        }
        continue;
      }
      if (quote == '\'') {
        if (c == '\'' && i + 1 < inner.size() && inner[i + 1] == '\'') {
          ++i;
        } else if (c == '\'') {
          quote = 0;
        }
        continue;
      }
      if (c == '"' || c == '\'') {
        quote = c;
        continue;
      }
      if (c == '[' || c == '{') {
        ++d;
      } else if (c == ']' || c == '}') {
        --d;
      }
      if (c != ',' || d != 0) {
        continue;
      }
      if (first_comma == std::string_view::npos) {
        first_comma = i;
      }
    }
    elements.push_back(trim_space(inner.substr(start, i - start)));
    start = i + 1;
  }
  L.flow_trailing_comma = elements.size() > 1 && elements.back().empty();
  if (L.flow_trailing_comma) {
    elements.pop_back();
  }
  L.flow_empty = elements.size() == 1 && elements.front().empty();
  if (L.flow_empty) {
    elements.clear();
  }
  if (elements.size() != L.entries.size() ||
      std::any_of(elements.begin(), elements.end(), [](auto e) { return e.empty(); })) {
    return refuse("could not match the flow list's text to its entries");
  }
  if (first_comma != std::string_view::npos && first_comma + 1 < inner.size() &&
      !is_blank_char(inner[first_comma + 1]) && inner[first_comma + 1] != '\n' &&
      inner[first_comma + 1] != '\r') {
    L.flow_sep = ",";
  }
  L.flow_pad = !L.flow_empty && inner.front() == ' ';
  const std::size_t last = inner.find_last_not_of(" \t\r\n");
  L.flow_insert = L.open + 1 + (last == std::string_view::npos ? 0 : last + 1);
  for (std::size_t k = 0; k < elements.size(); ++k) {
    if (L.entries[k].form == port_exclusion::kind::range) {
      L.ranges = style_of_spelling(elements[k].front());
      if (L.ranges == range_style::block_map) {
        L.ranges = range_style::flow_map;
      }
      break;
    }
  }
  if (L.ranges == range_style::block_map) {
    L.ranges = range_style::flow_map;  // the default inside a flow list
  }
  return status::ok();
}

// Finds the key on its line; sets key_indent and after_colon.
status locate_key(file_layout& L, const YAML::Mark& mark) {
  if (mark.line < 0 || static_cast<std::size_t>(mark.line) >= L.lines.size()) {
    return refuse("could not find the excluded_ports key in the text");
  }
  L.key_line = static_cast<std::size_t>(mark.line);
  const std::string_view s = L.line_text(L.key_line);
  if (tab_in_indent(s)) {
    return refuse("tabs are used for indentation near excluded_ports");
  }
  L.key_indent = leading_spaces(s);
  std::string_view rest = s.substr(static_cast<std::size_t>(L.key_indent));
  std::size_t key_len = 0;
  if (rest.starts_with(kKey)) {
    key_len = kKey.size();
  } else if (rest.size() >= kKey.size() + 2 && (rest[0] == '"' || rest[0] == '\'') &&
             rest.substr(1, kKey.size()) == kKey && rest[kKey.size() + 1] == rest[0]) {
    key_len = kKey.size() + 2;
  } else {
    return refuse("the excluded_ports key is written in an unusual way (edit it by hand)");
  }
  rest.remove_prefix(key_len);
  const std::size_t colon = rest.find_first_not_of(" \t");
  if (colon == std::string_view::npos || rest[colon] != ':' ||
      (colon + 1 < rest.size() && !is_blank_char(rest[colon + 1]))) {
    return refuse("the excluded_ports key is written in an unusual way (edit it by hand)");
  }
  L.after_colon =
      L.lines[L.key_line].begin + static_cast<std::size_t>(L.key_indent) + key_len + colon + 1;
  return status::ok();
}

bool is_null_token(std::string_view t) {
  return t == "~" || t == "null" || t == "Null" || t == "NULL";
}

// Classifies the text after the key's colon against the parsed value.
status classify_value(file_layout& L, const YAML::Node& value) {
  const std::string_view line = L.line_text(L.key_line);
  const std::size_t col = L.after_colon - L.lines[L.key_line].begin;
  const std::string_view rest = line.substr(col);
  const std::size_t p = rest.find_first_not_of(" \t");
  if (p == std::string_view::npos || rest[p] == '#') {
    if (!value.IsNull() && !(value.IsSequence() && value.Style() == YAML::EmitterStyle::Block)) {
      return refuse("the value of excluded_ports does not look like what it holds");
    }
    TROP_RETURN_IF_ERROR(scan_block(L));
    if (L.items.size() != (value.IsSequence() ? value.size() : 0)) {
      return refuse("could not match the list's lines to its entries");
    }
    L.shape = L.items.empty() ? value_shape::empty : value_shape::block;
    return status::ok();
  }
  const char c = rest[p];
  if (c == '[') {
    if (!value.IsSequence() || value.Style() != YAML::EmitterStyle::Flow) {
      return refuse("the value of excluded_ports does not look like what it holds");
    }
    L.open = L.lines[L.key_line].begin + col + p;
    TROP_RETURN_IF_ERROR(scan_flow(L));
    L.shape = value_shape::flow;
    return status::ok();
  }
  const std::size_t token_end = rest.find_first_of(" \t", p);
  const std::string_view token =
      rest.substr(p, token_end == std::string_view::npos ? std::string_view::npos : token_end - p);
  if (is_null_token(token) && value.IsNull()) {
    const std::string_view after =
        token_end == std::string_view::npos ? std::string_view() : rest.substr(token_end);
    const std::string_view after_trim = trim_blank(after);
    if (!after_trim.empty() && after_trim.front() != '#') {
      return refuse("something follows the null value of excluded_ports");
    }
    L.token_begin = L.after_colon + p;
    L.token_end = L.token_begin + token.size();
    L.shape = value_shape::null_token;
    return status::ok();
  }
  if (c == '&' || c == '*') {
    return refuse("excluded_ports uses an anchor or an alias");
  }
  if (c == '!') {
    return refuse("excluded_ports has a YAML tag");
  }
  return refuse("the value of excluded_ports is written in an unusual way");
}

result<file_layout> analyze(std::string_view text) {
  file_layout L;
  if (text.starts_with(kBom)) {
    L.bom = text.substr(0, kBom.size());
    text.remove_prefix(kBom.size());
  }
  L.body = text;
  auto lines = split_lines(L.body);
  if (!lines) {
    return lines.error();
  }
  L.lines = std::move(*lines);
  for (const text_line& l : L.lines) {
    if (l.next > l.end) {
      L.eol = std::string(L.body.substr(l.end, l.next - l.end));
      break;
    }
  }

  auto docs = load_all(L.body);
  if (!docs) {
    return docs.error();
  }
  if (docs->count > 1) {
    return refuse("the file holds several YAML documents");
  }
  for (std::size_t i = 0; i < L.lines.size(); ++i) {
    const std::string_view s = L.line_text(i);
    if (s.starts_with("...") && (s.size() == 3 || is_blank_char(s[3]))) {
      return refuse("the file has a document end marker ('...')");
    }
  }
  L.root = docs->first;
  if (L.root.IsNull()) {
    return L;
  }
  if (!L.root.IsMap()) {
    return refuse("the top level of the file is not a mapping");
  }
  if (L.root.Style() != YAML::EmitterStyle::Block) {
    return refuse("the top level of the file is a flow mapping ({...})");
  }
  TROP_RETURN_IF_ERROR(check_nested(L.root, 0, nest_context::top));

  std::optional<YAML::Node> key;
  std::optional<YAML::Node> value;
  bool first = true;
  for (auto it = L.root.begin(); it != L.root.end(); ++it) {
    if (first) {
      first = false;
      const YAML::Mark m = it->first.Mark();
      if (m.line >= 0 && static_cast<std::size_t>(m.line) < L.lines.size()) {
        L.root_indent = leading_spaces(L.line_text(static_cast<std::size_t>(m.line)));
      }
    }
    if (!is_key(it->first, kKey)) {
      continue;
    }
    if (key) {
      return refuse("the top-level excluded_ports key appears more than once");
    }
    key = it->first;
    value = it->second;
  }
  if (!key) {
    return L;
  }
  if (key->Tag() != "?" && key->Tag() != "!") {
    return refuse("the excluded_ports key has a YAML tag");
  }
  const std::string& tag = value->Tag();
  if (!tag.empty() && tag != "?" && tag != "!") {
    return refuse("excluded_ports has a YAML tag");
  }
  if (!value->IsNull() && !value->IsSequence()) {
    return invalid_argument("excluded_ports: expected a list");
  }
  if (value->IsSequence()) {
    auto entries = parse_entries(*value);
    if (!entries) {
      return entries.error();
    }
    L.entries = std::move(*entries);
  }
  TROP_RETURN_IF_ERROR(locate_key(L, key->Mark()));
  if (const text_line& kl = L.lines[L.key_line]; kl.next > kl.end) {
    L.eol = std::string(L.body.substr(kl.end, kl.next - kl.end));  // new lines match the key's
  }
  // An alias value has the mark of its anchor, elsewhere in the file.
  const YAML::Mark vm = value->Mark();
  if (!vm.is_null() && value->IsSequence() && vm.line < static_cast<int>(L.key_line)) {
    return refuse("excluded_ports uses an alias");
  }
  TROP_RETURN_IF_ERROR(classify_value(L, *value));
  return L;
}

// ---------------------------------------------------------------------------
// Writing.

std::string flow_item(const port_exclusion& e, range_style style) {
  const std::string a = std::to_string(e.start);
  const std::string b = std::to_string(e.end);
  if (e.form == port_exclusion::kind::single) {
    return a;
  }
  switch (style) {
    case range_style::double_quoted:
      return std::string("\"") + a + ".." + b + "\"";
    case range_style::single_quoted:
      return std::string("'") + a + ".." + b + "'";
    case range_style::plain:
      return a + ".." + b;
    case range_style::block_map:
    case range_style::flow_map:
      break;
  }
  return std::string("{start: ") + a + ", end: " + b + "}";
}

// One block item (one or two lines, joined by `eol`, no final EOL).
std::string block_item_text(const port_exclusion& e, int indent, std::string_view gap,
                            range_style style, std::string_view eol) {
  std::string out(static_cast<std::size_t>(indent), ' ');
  out.append("-").append(gap);
  if (e.form == port_exclusion::kind::range && style == range_style::block_map) {
    out.append("start: ").append(std::to_string(e.start)).append(eol);
    out.append(static_cast<std::size_t>(indent) + 1 + gap.size(), ' ');
    out.append("end: ").append(std::to_string(e.end));
    return out;
  }
  out.append(flow_item(e, style));
  return out;
}

// Each item preceded by `eol`.
std::string block_items(std::span<const port_exclusion> entries, int indent, std::string_view gap,
                        range_style style, std::string_view eol) {
  std::string out;
  for (const port_exclusion& e : entries) {
    out.append(eol).append(block_item_text(e, indent, gap, style, eol));
  }
  return out;
}

struct splice {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string text;
};

std::string apply(std::string_view body, std::vector<splice> splices) {
  std::sort(splices.begin(), splices.end(),
            [](const splice& a, const splice& b) { return a.begin < b.begin; });
  std::string out;
  std::size_t at = 0;
  for (const splice& s : splices) {
    out.append(body.substr(at, s.begin - at)).append(s.text);
    at = s.end;
  }
  out.append(body.substr(at));
  return out;
}

// A new `excluded_ports:` block at the end of the file.
std::string append_key(const file_layout& L, std::span<const port_exclusion> entries) {
  std::string out(L.body);
  if (!out.empty() && out.back() != '\n') {
    out.append(L.eol);
  }
  out.append(static_cast<std::size_t>(L.root_indent), ' ').append(kKey).append(":");
  out.append(
      block_items(entries, L.root_indent + kNewListIndent, " ", range_style::block_map, L.eol));
  out.append(L.eol);
  return out;
}

// The key line of an empty or null value followed by `entries` as a new
// block list. REQUIRES: shape empty or null_token, entries not empty.
std::string start_list(const file_layout& L, std::span<const port_exclusion> entries) {
  const std::size_t line_end = L.lines[L.key_line].end;
  std::string rest;
  if (L.shape == value_shape::null_token) {
    // `excluded_ports: ~  # c` -> `excluded_ports:  # c`
    const std::string_view after = L.body.substr(L.token_end, line_end - L.token_end);
    if (!trim_blank(after).empty()) {
      rest.assign(after);
    }
  } else {
    rest.assign(L.body.substr(L.after_colon, line_end - L.after_colon));
  }
  rest.append(
      block_items(entries, L.key_indent + kNewListIndent, " ", range_style::block_map, L.eol));
  return apply(L.body, {splice{L.after_colon, line_end, std::move(rest)}});
}

std::string append_entry(const file_layout& L, const port_exclusion& e) {
  const std::span<const port_exclusion> one(&e, 1);
  switch (L.shape) {
    case value_shape::absent:
      return append_key(L, one);
    case value_shape::empty:
    case value_shape::null_token:
      return start_list(L, one);
    case value_shape::block: {
      const std::size_t at = L.lines[L.items.back().last_line].end;
      return apply(L.body,
                   {splice{at, at, block_items(one, L.item_indent, L.dash_gap, L.ranges, L.eol)}});
    }
    case value_shape::flow:
      if (L.flow_empty) {
        return apply(L.body, {splice{L.open + 1, L.close, flow_item(e, L.ranges)}});
      }
      if (L.flow_trailing_comma) {
        std::string t(L.flow_sep.size() > 1 ? " " : "");
        t.append(flow_item(e, L.ranges)).append(",");
        return apply(L.body, {splice{L.flow_insert, L.flow_insert, std::move(t)}});
      }
      return apply(L.body,
                   {splice{L.flow_insert, L.flow_insert, L.flow_sep + flow_item(e, L.ranges)}});
  }
  return std::string(L.body);
}

// REQUIRES: entries differ from L.entries.
std::string replace_list(const file_layout& L, std::span<const port_exclusion> entries) {
  switch (L.shape) {
    case value_shape::absent:
      return append_key(L, entries);
    case value_shape::empty:
    case value_shape::null_token:
      return start_list(L, entries);
    case value_shape::block: {
      const std::size_t first = L.items.front().first_line;
      const std::size_t last_end = L.lines[L.items.back().last_line].end;
      std::string kept;
      for (const std::string& c : L.region_comments) {
        kept.append(L.eol).append(c);
      }
      if (entries.empty()) {
        // `excluded_ports: []`, comments kept below it.
        return apply(L.body, {splice{L.after_colon, L.after_colon, " []"},
                              splice{L.lines[first - 1].end, last_end, std::move(kept)}});
      }
      kept.append(block_items(entries, L.item_indent, L.dash_gap, L.ranges, L.eol));
      // The region starts at its first line, so drop the leading EOL.
      return apply(L.body, {splice{L.lines[first].begin, last_end, kept.substr(L.eol.size())}});
    }
    case value_shape::flow: {
      std::string t("[");
      const std::string pad = L.flow_pad && !entries.empty() ? " " : "";
      t.append(pad);
      for (std::size_t i = 0; i < entries.size(); ++i) {
        if (i > 0) {
          t.append(L.flow_sep);
        }
        t.append(flow_item(entries[i], L.ranges));
      }
      t.append(pad).append("]");
      return apply(L.body, {splice{L.open, L.close + 1, std::move(t)}});
    }
  }
  return std::string(L.body);
}

// Re-parses `new_body` and checks that only excluded_ports changed, to `intended`.
status verify(const file_layout& L, std::string_view new_body,
              std::span<const port_exclusion> intended) {
  auto docs = load_all(new_body);
  if (!docs) {
    return refuse(std::string("the edited file would not parse (") + docs.error().message() + ")");
  }
  if (docs->count != 1 || !docs->first.IsMap()) {
    return refuse("the edited file would not be one YAML mapping");
  }
  const YAML::Node& now = docs->first;
  std::vector<std::pair<YAML::Node, YAML::Node>> before;
  std::vector<std::pair<YAML::Node, YAML::Node>> after;
  std::optional<YAML::Node> list;
  if (L.root.IsMap()) {
    for (auto it = L.root.begin(); it != L.root.end(); ++it) {
      if (!is_key(it->first, kKey)) {
        before.emplace_back(it->first, it->second);
      }
    }
  }
  for (auto it = now.begin(); it != now.end(); ++it) {
    if (!is_key(it->first, kKey)) {
      after.emplace_back(it->first, it->second);
    } else if (list) {
      return refuse("the edited file would have excluded_ports twice");
    } else {
      list = it->second;
    }
  }
  if (before.size() != after.size()) {
    return refuse("the edit would change other keys of the file");
  }
  for (std::size_t i = 0; i < before.size(); ++i) {
    if (!same_node(before[i].first, after[i].first, 0) ||
        !same_node(before[i].second, after[i].second, 0)) {
      return refuse("the edit would change other keys of the file");
    }
  }
  std::vector<port_exclusion> got;
  if (list && list->IsSequence()) {
    auto entries = parse_entries(*list);
    if (!entries) {
      return refuse("the edited list would not read back");
    }
    got = std::move(*entries);
  } else if (list && !list->IsNull()) {
    return refuse("the edited list would not read back");
  }
  if (!std::equal(got.begin(), got.end(), intended.begin(), intended.end())) {
    return refuse("the edited list would not read back as intended");
  }
  return status::ok();
}

// Builds the result of writing `target` (or of no change when it equals the
// current entries).
result<exclusion_edit_result> finish(std::string_view text, const file_layout& L,
                                     std::vector<port_exclusion> target, std::string new_body) {
  exclusion_edit_result r;
  r.key_present = L.shape != value_shape::absent;
  r.before = L.entries;
  TROP_RETURN_IF_ERROR(verify(L, new_body, target));
  r.text.reserve(L.bom.size() + new_body.size());
  r.text.append(L.bom).append(new_body);
  r.changed = r.text != text;
  r.after = std::move(target);
  return r;
}

exclusion_edit_result unchanged(std::string_view text, const file_layout& L) {
  exclusion_edit_result r;
  r.text.assign(text);
  r.key_present = L.shape != value_shape::absent;
  r.before = L.entries;
  r.after = L.entries;
  return r;
}

}  // namespace

std::string to_string(const port_exclusion& e) {
  if (e.form == port_exclusion::kind::single) {
    return std::to_string(e.start);
  }
  return std::to_string(e.start) + ".." + std::to_string(e.end);
}

status check_exclusion(const port_exclusion& e) {
  if (e.form == port_exclusion::kind::single) {
    if (e.start == 0) {
      return invalid_argument("Invalid port: 0");
    }
    if (e.end != e.start) {
      return invalid_argument("a single port has end != start");
    }
    return status::ok();
  }
  if (e.start == 0) {
    return invalid_argument("Invalid start port: 0");
  }
  if (e.end < e.start) {
    return invalid_argument(std::string("Invalid range: ") + to_string(e) + " (end < start)");
  }
  return status::ok();
}

std::vector<port_exclusion> compact_exclusion_list(std::span<const port_exclusion> entries) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> spans;
  spans.reserve(entries.size());
  for (const port_exclusion& e : entries) {
    spans.emplace_back(e.start, e.end);
  }
  std::sort(spans.begin(), spans.end());
  std::vector<port_exclusion> out;
  for (std::size_t i = 0; i < spans.size();) {
    const std::uint32_t first = spans[i].first;
    std::uint32_t last = spans[i].second;
    for (++i; i < spans.size() && spans[i].first <= last + 1; ++i) {
      last = std::max(last, spans[i].second);
    }
    out.push_back(first == last ? port_exclusion::single(static_cast<std::uint16_t>(first))
                                : port_exclusion::range(static_cast<std::uint16_t>(first),
                                                        static_cast<std::uint16_t>(last)));
  }
  return out;
}

result<exclusion_edit_result> add_exclusion(std::string_view text, const port_exclusion& e) {
  TROP_RETURN_IF_ERROR(check_exclusion(e));
  auto layout = analyze(text);
  if (!layout) {
    return layout.error();
  }
  const file_layout& L = *layout;
  if (std::find(L.entries.begin(), L.entries.end(), e) != L.entries.end()) {
    return unchanged(text, L);
  }
  std::vector<port_exclusion> target = L.entries;
  target.push_back(e);
  return finish(text, L, std::move(target), append_entry(L, e));
}

result<exclusion_edit_result> compact_exclusions(std::string_view text) {
  auto layout = analyze(text);
  if (!layout) {
    return layout.error();
  }
  const file_layout& L = *layout;
  std::vector<port_exclusion> target = compact_exclusion_list(L.entries);
  if (target == L.entries) {
    return unchanged(text, L);
  }
  std::string body = replace_list(L, target);
  return finish(text, L, std::move(target), std::move(body));
}

result<exclusion_edit_result> set_exclusions(std::string_view text,
                                             std::span<const port_exclusion> entries) {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (const status s = check_exclusion(entries[i]); !s) {
      return invalid_argument(std::string("exclusion ") + std::to_string(i + 1) + ": " +
                              s.message());
    }
  }
  auto layout = analyze(text);
  if (!layout) {
    return layout.error();
  }
  const file_layout& L = *layout;
  std::vector<port_exclusion> target(entries.begin(), entries.end());
  if (target == L.entries) {
    return unchanged(text, L);
  }
  std::string body = replace_list(L, target);
  return finish(text, L, std::move(target), std::move(body));
}

std::string render_exclusions_yaml(std::span<const port_exclusion> entries) {
  if (entries.empty()) {
    return std::string(kKey) + ": []\n";
  }
  std::string out(kKey);
  out.append(":");
  out.append(block_items(entries, kNewListIndent, " ", range_style::block_map, "\n"));
  out.append("\n");
  return out;
}

}  // namespace trop
