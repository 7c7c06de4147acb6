#include "svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <vector>

namespace trop::bench {
namespace {

// Panel geometry (px): 2 × 2 panels under a title block.
constexpr double kPanelW = 610, kPanelH = 360;
constexpr double kMarginTop = 78;
constexpr double kPlotLeft = 70, kPlotTop = 40, kPlotW = 300, kPlotH = 260;

struct point {
  double x, y;
};

struct line {
  std::string label;
  std::string color;
  std::string dash;  // stroke-dasharray, "" = solid
  std::vector<point> points;
};

enum class axis_kind { linear, log2, log10 };

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double v, int precision = 1) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", precision, v);
  return buf;
}

// A tick label: 1500 -> "1.5k", 60000 -> "60k", 0.25 -> "0.25".
std::string tick_label(double v) {
  const double a = std::fabs(v);
  if (a >= 1e6) {
    return num(v / 1e6, std::fmod(v, 1e6) == 0 ? 0 : 1) + "M";
  }
  if (a >= 1e3) {
    return num(v / 1e3, std::fmod(v, 1e3) == 0 ? 0 : 1) + "k";
  }
  if (a >= 1 || a == 0) {
    return num(v, std::fmod(v, 1) == 0 ? 0 : 1);
  }
  return num(v, a >= 0.1 ? 1 : 2);
}

struct axis {
  axis_kind kind = axis_kind::linear;
  double lo = 0, hi = 1;  // data range shown
  std::vector<double> ticks;

  double map(double v, double length) const {
    double t;
    switch (kind) {
      case axis_kind::linear:
        t = (v - lo) / (hi - lo);
        break;
      case axis_kind::log2:
        t = (std::log2(v) - std::log2(lo)) / (std::log2(hi) - std::log2(lo));
        break;
      default:
        t = (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
        break;
    }
    return std::clamp(t, -0.05, 1.05) * length;
  }
};

// An axis over the positive values in `values`, with readable ticks.
axis make_axis(axis_kind kind, std::vector<double> values) {
  axis a;
  a.kind = kind;
  std::erase_if(
      values, [&](double v) { return !std::isfinite(v) || (kind != axis_kind::linear && v <= 0); });
  if (values.empty()) {
    values = {1, 10};
  }
  double lo = *std::min_element(values.begin(), values.end());
  double hi = *std::max_element(values.begin(), values.end());
  if (kind == axis_kind::linear) {
    lo = 0;
    hi = hi <= 0 ? 1 : hi * 1.08;
    const double raw = hi / 5;
    const double mag = std::pow(10, std::floor(std::log10(raw)));
    double step = mag;
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
      if (m * mag >= raw) {
        step = m * mag;
        break;
      }
    }
    for (double v = 0; v <= hi + step * 1e-9; v += step) {
      a.ticks.push_back(v);
    }
    a.hi = std::max(hi, a.ticks.back());
    a.lo = 0;
    return a;
  }
  if (kind == axis_kind::log2) {
    // The measured N values themselves are the ticks.
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    a.ticks = values;
    a.lo = lo;
    a.hi = hi > lo ? hi : lo * 2;
    return a;
  }
  // log10: whole decades around the data, with 2 and 5 in between when the
  // range is short.
  double dlo = std::floor(std::log10(lo)), dhi = std::ceil(std::log10(hi));
  if (dhi <= dlo) {
    dhi = dlo + 1;
  }
  a.lo = std::pow(10, dlo);
  a.hi = std::pow(10, dhi);
  for (double d = dlo; d <= dhi; ++d) {
    a.ticks.push_back(std::pow(10, d));
    if (dhi - dlo <= 3 && d < dhi) {
      a.ticks.push_back(2 * std::pow(10, d));
      a.ticks.push_back(5 * std::pow(10, d));
    }
  }
  return a;
}

struct panel {
  std::string title;
  std::string x_label, y_label;
  axis_kind x_kind = axis_kind::log2, y_kind = axis_kind::linear;
  std::vector<line> lines;
  std::string empty_note;  // shown when no line has points
};

void draw_panel(std::string& s, const panel& p, double ox, double oy) {
  s += "<g transform=\"translate(" + num(ox, 0) + "," + num(oy, 0) + ")\">\n";
  s += "<text x=\"10\" y=\"22\" class=\"ptitle\">" + esc(p.title) + "</text>\n";
  std::vector<double> xs, ys;
  for (const line& l : p.lines) {
    for (const point& pt : l.points) {
      xs.push_back(pt.x);
      ys.push_back(pt.y);
    }
  }
  if (xs.empty()) {
    s += "<rect x=\"" + num(kPlotLeft, 0) + "\" y=\"" + num(kPlotTop, 0) + "\" width=\"" +
         num(kPlotW, 0) + "\" height=\"" + num(kPlotH, 0) + "\" class=\"frame\"/>\n";
    s += "<text x=\"" + num(kPlotLeft + kPlotW / 2, 0) + "\" y=\"" + num(kPlotTop + kPlotH / 2, 0) +
         "\" class=\"note\" text-anchor=\"middle\">" + esc(p.empty_note) + "</text>\n</g>\n";
    return;
  }
  const axis ax = make_axis(p.x_kind, xs);
  const axis ay = make_axis(p.y_kind, ys);
  auto px = [&](double x) { return kPlotLeft + ax.map(x, kPlotW); };
  auto py = [&](double y) { return kPlotTop + kPlotH - ay.map(y, kPlotH); };
  // Grid and ticks.
  for (double t : ay.ticks) {
    const double y = py(t);
    s += "<line x1=\"" + num(kPlotLeft) + "\" y1=\"" + num(y) + "\" x2=\"" +
         num(kPlotLeft + kPlotW) + "\" y2=\"" + num(y) + "\" class=\"grid\"/>\n";
    s += "<text x=\"" + num(kPlotLeft - 6) + "\" y=\"" + num(y + 4) +
         "\" class=\"tick\" text-anchor=\"end\">" + tick_label(t) + "</text>\n";
  }
  for (double t : ax.ticks) {
    const double x = px(t);
    s += "<line x1=\"" + num(x) + "\" y1=\"" + num(kPlotTop) + "\" x2=\"" + num(x) + "\" y2=\"" +
         num(kPlotTop + kPlotH) + "\" class=\"grid\"/>\n";
    s += "<text x=\"" + num(x) + "\" y=\"" + num(kPlotTop + kPlotH + 16) +
         "\" class=\"tick\" text-anchor=\"middle\">" + tick_label(t) + "</text>\n";
  }
  s += "<rect x=\"" + num(kPlotLeft, 0) + "\" y=\"" + num(kPlotTop, 0) + "\" width=\"" +
       num(kPlotW, 0) + "\" height=\"" + num(kPlotH, 0) + "\" class=\"frame\"/>\n";
  s += "<text x=\"" + num(kPlotLeft + kPlotW / 2) + "\" y=\"" + num(kPlotTop + kPlotH + 36) +
       "\" class=\"label\" text-anchor=\"middle\">" + esc(p.x_label) + "</text>\n";
  s += "<text transform=\"translate(16," + num(kPlotTop + kPlotH / 2) +
       ") rotate(-90)\" class=\"label\" text-anchor=\"middle\">" + esc(p.y_label) + "</text>\n";
  // Lines with a marker at every measured point.
  double legend_y = kPlotTop + 6;
  for (const line& l : p.lines) {
    if (l.points.empty()) {
      continue;
    }
    std::string d;
    for (const point& pt : l.points) {
      d += (d.empty() ? "M" : " L") + num(px(pt.x)) + "," + num(py(pt.y));
    }
    const std::string dash = l.dash.empty() ? "" : " stroke-dasharray=\"" + l.dash + "\"";
    s += "<path d=\"" + d + "\" fill=\"none\" stroke=\"" + l.color + "\" stroke-width=\"2\"" +
         dash + "><title>" + esc(l.label) + "</title></path>\n";
    for (const point& pt : l.points) {
      s += "<circle cx=\"" + num(px(pt.x)) + "\" cy=\"" + num(py(pt.y)) + "\" r=\"3\" fill=\"" +
           l.color + "\"><title>" + esc(l.label) + ": " + tick_label(pt.x) + " → " +
           num(pt.y, pt.y < 10 ? 2 : 0) + "</title></circle>\n";
    }
    // Legend to the right of the plot.
    const double lx = kPlotLeft + kPlotW + 14;
    s += "<line x1=\"" + num(lx) + "\" y1=\"" + num(legend_y) + "\" x2=\"" + num(lx + 24) +
         "\" y2=\"" + num(legend_y) + "\" stroke=\"" + l.color + "\" stroke-width=\"2\"" + dash +
         "/>\n";
    s += "<text x=\"" + num(lx + 30) + "\" y=\"" + num(legend_y + 4) + "\" class=\"legend\">" +
         esc(l.label) + "</text>\n";
    legend_y += 18;
  }
  s += "</g>\n";
}

const table* find_table(const report& r, const std::string& id) {
  for (const table& t : r.tables) {
    if (t.id == id) {
      return &t;
    }
  }
  return nullptr;
}

std::optional<std::size_t> column_of(const table& t, const std::string& key) {
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    if (t.columns[i].key == key) {
      return i;
    }
  }
  return std::nullopt;
}

std::optional<double> number_at(const std::vector<cell>& row, std::optional<std::size_t> col) {
  if (!col || *col >= row.size()) {
    return std::nullopt;
  }
  if (const double* d = std::get_if<double>(&row[*col].value)) {
    return *d;
  }
  return std::nullopt;
}

std::string text_at(const std::vector<cell>& row, std::optional<std::size_t> col) {
  if (!col || *col >= row.size()) {
    return "";
  }
  const std::string* s = std::get_if<std::string>(&row[*col].value);
  return s ? *s : "";
}

struct style {
  const char* id;
  const char* label;
  const char* color;
  const char* dash;
};

// Series of the concurrent table: trop blue, SQLite red, the spawn limit
// grey; full durability solid, normal dashed.
constexpr style kProcessSeries[] = {
    {"spawn_limit", "spawn limit (trivial C)", "#555555", "2,3"},
    {"trop_bin_full", "trop reserve, full", "#1f5fbf", ""},
    {"trop_bin_normal", "trop reserve, normal", "#1f5fbf", "7,4"},
    {"sqlite_bin_full", "SQLite, FULL", "#c0392b", ""},
    {"sqlite_bin_normal", "SQLite, NORMAL", "#c0392b", "7,4"},
};
constexpr style kLibrarySeries[] = {
    {"trop_lib_full", "trop library, full", "#1f5fbf", ""},
    {"trop_lib_normal", "trop library, normal", "#1f5fbf", "7,4"},
    {"sqlite_lib_full", "SQLite in-process, FULL", "#c0392b", ""},
    {"sqlite_lib_normal", "SQLite in-process, NORMAL", "#c0392b", "7,4"},
};
// Operations of the scale table.
constexpr style kScaleSeries[] = {
    {"open+lookup", "open+lookup", "#2e8b57", ""},
    {"reserve (normal)", "reserve, normal", "#1f5fbf", "7,4"},
    {"reserve (normal), WAL empty", "reserve, normal, WAL empty", "#7f7fdf", "2,3"},
    {"reserve (full)", "reserve, full", "#1f5fbf", ""},
    {"checkpoint (commit + new image)", "checkpoint", "#8e44ad", ""},
};

// Lines of `styles` from the concurrent table: x = N, y = column `key` × scale.
std::vector<line> concurrent_lines(const table* t, const style* styles, std::size_t count,
                                   const std::string& key, double scale) {
  std::vector<line> out;
  for (std::size_t i = 0; i < count; ++i) {
    out.push_back({styles[i].label, styles[i].color, styles[i].dash, {}});
  }
  if (t == nullptr) {
    return out;
  }
  auto n_col = column_of(*t, "n");
  auto id_col = column_of(*t, "series_id");
  auto v_col = column_of(*t, key);
  for (const auto& row : t->rows) {
    const std::string id = text_at(row, id_col);
    auto n = number_at(row, n_col);
    auto v = number_at(row, v_col);
    for (std::size_t i = 0; i < count; ++i) {
      if (id == styles[i].id && n && v && *v > 0) {
        out[i].points.push_back({*n, *v * scale});
      }
    }
  }
  for (line& l : out) {
    std::sort(l.points.begin(), l.points.end(),
              [](const point& a, const point& b) { return a.x < b.x; });
  }
  return out;
}

std::vector<line> scale_lines(const table* t) {
  std::vector<line> out;
  for (const style& st : kScaleSeries) {
    out.push_back({st.label, st.color, st.dash, {}});
  }
  if (t == nullptr) {
    return out;
  }
  auto size_col = column_of(*t, "size");
  auto op_col = column_of(*t, "operation");
  auto med_col = column_of(*t, "median_us");
  for (const auto& row : t->rows) {
    const std::string op = text_at(row, op_col);
    auto n = number_at(row, size_col);
    auto v = number_at(row, med_col);
    for (std::size_t i = 0; i < std::size(kScaleSeries); ++i) {
      if (op == kScaleSeries[i].id && n && v && *v > 0) {
        out[i].points.push_back({*n, *v});
      }
    }
  }
  return out;
}

std::string fact(const report& r, const std::string& key) {
  for (const auto& [k, v] : r.machine.facts) {
    if (k == key) {
      return v;
    }
  }
  return "";
}

}  // namespace

std::string render_svg(const report& r) {
  const table* conc = find_table(r, "concurrent");
  const table* scale = find_table(r, "scale");
  std::string keys = "K keys each";
  if (conc != nullptr) {
    // "concurrent: N processes × 50 new keys each (...)" -> "50 keys each"
    auto x = conc->title.find("× ");
    auto e = conc->title.find(" new keys");
    if (x != std::string::npos && e != std::string::npos && e > x) {
      keys = conc->title.substr(x + 3, e - x - 3) + " keys each";
    }
  }
  panel p1{"Reserves/s, N processes (" + keys + ")",
           "N (concurrent processes)",
           "calls per second",
           axis_kind::log2,
           axis_kind::linear,
           concurrent_lines(conc, kProcessSeries, std::size(kProcessSeries), "per_s", 1.0),
           "concurrent mode not run"};
  panel p2{"p99 latency of one call, N processes",
           "N (concurrent processes)",
           "p99 (ms, log)",
           axis_kind::log2,
           axis_kind::log10,
           concurrent_lines(conc, kProcessSeries, std::size(kProcessSeries), "p99_us", 1e-3),
           "concurrent mode not run"};
  panel p3{"Library: transactions/s, N processes",
           "N (concurrent processes)",
           "transactions per second (log)",
           axis_kind::log2,
           axis_kind::log10,
           concurrent_lines(conc, kLibrarySeries, std::size(kLibrarySeries), "per_s", 1.0),
           "concurrent mode not run"};
  panel p4{"Library cost by store size (median)",
           "reservations in the store (log)",
           "µs per operation (log)",
           axis_kind::log10,
           axis_kind::log10,
           scale_lines(scale),
           "scale mode not run"};

  const double width = 2 * kPanelW + 20, height = kMarginTop + 2 * kPanelH + 20;
  std::string s;
  s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width, 0) + "\" height=\"" +
       num(height, 0) + "\" viewBox=\"0 0 " + num(width, 0) + " " + num(height, 0) + "\">\n";
  s += "<style>text{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;fill:#222}"
       ".title{font-size:18px;font-weight:bold}.sub{font-size:12px;fill:#555}"
       ".ptitle{font-size:14px;font-weight:bold}.tick{font-size:11px;fill:#444}"
       ".label{font-size:12px}.legend{font-size:11px}.note{font-size:13px;fill:#888}"
       ".grid{stroke:#e3e3e3;stroke-width:1}.frame{fill:none;stroke:#999;stroke-width:1}"
       "</style>\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  s += "<text x=\"20\" y=\"30\" class=\"title\">trop-bench</text>\n";
  s += "<text x=\"20\" y=\"50\" class=\"sub\">" +
       esc(fact(r, "cpu") + ", " + fact(r, "cores") + " cores, " + fact(r, "kernel") + ", " +
           fact(r, "data_fs") + "; " + fact(r, "build_type") + "; " + fact(r, "date")) +
       "</text>\n";
  s += "<text x=\"20\" y=\"66\" class=\"sub\">" +
       esc("CPU used by others while each mode ran: " + fact(r, "cpu_used_by_others")) +
       "</text>\n";
  draw_panel(s, p1, 10, kMarginTop);
  draw_panel(s, p2, 10 + kPanelW, kMarginTop);
  draw_panel(s, p3, 10, kMarginTop + kPanelH);
  draw_panel(s, p4, 10 + kPanelW, kMarginTop + kPanelH);
  s += "</svg>\n";
  return s;
}

std::string write_svg(const report& r, const std::string& path) {
  const std::string text = render_svg(r);
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    return "cannot write " + path;
  }
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok ? "" : "cannot write " + path;
}

}  // namespace trop::bench
