#include "report.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <ctime>
#include <fstream>
#include <thread>

#ifndef TROP_BENCH_BUILD_TYPE
#define TROP_BENCH_BUILD_TYPE "unknown"
#endif

namespace trop::bench {
namespace {

std::string file_system_name(unsigned long type) {
  switch (type) {
    case 0xEF53UL:
      return "ext2/3/4";
    case 0x01021994UL:
      return "tmpfs";
    case 0x9123683EUL:
      return "btrfs";
    case 0x58465342UL:
      return "xfs";
    case 0x794C7630UL:
      return "overlayfs";
    case 0x2FC12FC1UL:
      return "zfs";
    case 0xF2F52010UL:
      return "f2fs";
    case 0x6969UL:
      return "nfs";
    case 0x65735546UL:
      return "fuse";
    case 0x01021997UL:
      return "9p";
    case 0x858458F6UL:
      return "ramfs";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%lx", type);
      return std::string("unknown (f_type ") += std::string(buf) += ")";
    }
  }
}

std::string cpu_model(unsigned* processors) {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model;
  *processors = 0;
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) {
      continue;
    }
    std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
    std::string value = line.substr(std::min(line.size(), colon + 2));
    if (key == "processor") {
      ++*processors;
    } else if (key == "model name" && model.empty()) {
      model = value;
    }
  }
  return model.empty() ? "unknown" : model;
}

// Display width of UTF-8 text: code points, not bytes (labels use "µs").
std::size_t width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string render(const cell& c) {
  if (const double* d = std::get_if<double>(&c.value)) {
    return format_number(*d, c.precision);
  }
  if (const std::string* s = std::get_if<std::string>(&c.value)) {
    return *s;
  }
  return "-";
}

void json_string(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void json_cell(std::string& out, const cell& c) {
  if (const double* d = std::get_if<double>(&c.value)) {
    if (!std::isfinite(*d)) {
      out += "null";
      return;
    }
    // Three more decimals than shown: JSON is for machines, keep precision.
    out += format_number(*d, c.precision == 0 ? 0 : c.precision + 3);
    return;
  }
  if (const std::string* s = std::get_if<std::string>(&c.value)) {
    json_string(out, *s);
    return;
  }
  out += "null";
}

void json_string_list(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) {
      out += ", ";
    }
    json_string(out, items[i]);
  }
  out += ']';
}

// Busy and total CPU seconds of the whole machine since boot.
bool machine_cpu_seconds(double* busy, double* total) {
  std::ifstream in("/proc/stat");
  std::string cpu;
  unsigned long long v[10] = {};
  in >> cpu;
  for (auto& x : v) {
    in >> x;
  }
  if (!in || cpu != "cpu") {
    return false;
  }
  // user nice system idle iowait irq softirq steal (guest time is within user).
  const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const unsigned long long idle = v[3] + v[4];
  const unsigned long long all = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
  *busy = static_cast<double>(all - idle) / hz;
  *total = static_cast<double>(all) / hz;
  return true;
}

double own_cpu_seconds() {
  auto seconds = [](const struct rusage& u) {
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  };
  struct rusage self {
  }, children{};
  ::getrusage(RUSAGE_SELF, &self);
  ::getrusage(RUSAGE_CHILDREN, &children);
  return seconds(self) + seconds(children);
}

}  // namespace

cpu_meter::cpu_meter() : start_(std::chrono::steady_clock::now()) {
  if (!machine_cpu_seconds(&busy_s_, &total_s_)) {
    total_s_ = -1;
  }
  own_s_ = own_cpu_seconds();
}

double cpu_meter::others_share() const {
  double busy = 0, total = 0;
  if (total_s_ < 0 || !machine_cpu_seconds(&busy, &total) || total <= total_s_) {
    return -1;
  }
  const double others = (busy - busy_s_) - (own_cpu_seconds() - own_s_);
  return std::clamp(others / (total - total_s_), 0.0, 1.0);
}

std::string format_number(double v, int precision) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", precision, v);
  return buf;
}

void machine_info::set(const std::string& key, const std::string& value) {
  for (auto& [k, v] : facts) {
    if (k == key) {
      v = value;
      return;
    }
  }
  facts.emplace_back(key, value);
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a.empty() ? "unknown" : a + " " + b + " " + c;
}

machine_info describe_machine(const std::string& data_root) {
  machine_info m;
  unsigned processors = 0;
  m.set("cpu", cpu_model(&processors));
  m.set("cores",
        std::to_string(processors != 0 ? processors : std::thread::hardware_concurrency()));
  struct utsname u {};
  if (::uname(&u) == 0) {
    m.set("kernel", std::string(u.sysname) + " " + u.release + " " + u.machine);
  }
  struct statfs sf {};
  if (::statfs(data_root.c_str(), &sf) == 0) {
    m.set("data_fs",
          file_system_name(static_cast<unsigned long>(sf.f_type)) + " (" + data_root + ")");
  }
  m.set("build_type", TROP_BENCH_BUILD_TYPE);
#if defined(__clang__)
  m.set("compiler", std::string("clang ") += __clang_version__);
#elif defined(__GNUC__)
  m.set("compiler", std::string("gcc ") += __VERSION__);
#endif
  std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  m.set("date", when);
  m.set("load_average_start", load_average());
  // Children inherit it: under `chrt -r` every process of the run (trop,
  // the floors, the baselines) preempts other users' work alike.
  const int policy = ::sched_getscheduler(0);
  struct sched_param sp {};
  ::sched_getparam(0, &sp);
  errno = 0;
  const int nice_value = ::getpriority(PRIO_PROCESS, 0);
  m.set("scheduling",
        policy == SCHED_FIFO ? "SCHED_FIFO priority " + std::to_string(sp.sched_priority)
        : policy == SCHED_RR ? "SCHED_RR priority " + std::to_string(sp.sched_priority)
                             : "SCHED_OTHER nice " + std::to_string(nice_value));
  return m;
}

void print_text(const report& r, std::FILE* out) {
  std::size_t key_width = 0;
  for (const auto& [k, v] : r.machine.facts) {
    key_width = std::max(key_width, k.size());
  }
  for (const auto& [k, v] : r.machine.facts) {
    std::fprintf(out, "%-*s  %s\n", static_cast<int>(key_width), k.c_str(), v.c_str());
  }
  for (const table& t : r.tables) {
    std::fprintf(out, "\n== %s ==\n", t.title.c_str());
    std::vector<std::vector<std::string>> text;
    std::vector<std::size_t> widths;
    for (const column& c : t.columns) {
      widths.push_back(width(c.label));
    }
    for (const auto& row : t.rows) {
      std::vector<std::string> line;
      for (std::size_t i = 0; i < t.columns.size(); ++i) {
        line.push_back(i < row.size() ? render(row[i]) : "");
        widths[i] = std::max(widths[i], width(line.back()));
      }
      text.push_back(std::move(line));
    }
    // The first column (names) is left-aligned, numbers right-aligned.
    auto emit = [&](const std::vector<std::string>& line) {
      std::string s;
      for (std::size_t i = 0; i < line.size(); ++i) {
        std::string pad(widths[i] - width(line[i]), ' ');
        if (i > 0) {
          s += "  ";
        }
        s += i == 0 ? line[i] + pad : pad + line[i];
      }
      s.erase(s.find_last_not_of(' ') + 1);
      std::fprintf(out, "%s\n", s.c_str());
    };
    std::vector<std::string> header;
    for (const column& c : t.columns) {
      header.push_back(c.label);
    }
    emit(header);
    for (const auto& line : text) {
      emit(line);
    }
    for (const std::string& n : t.notes) {
      std::fprintf(out, "  * %s\n", n.c_str());
    }
  }
  if (!r.errors.empty()) {
    std::fprintf(out, "\n== ERRORS ==\n");
    for (const std::string& e : r.errors) {
      std::fprintf(out, "  %s\n", e.c_str());
    }
  }
  if (!r.violations.empty()) {
    std::fprintf(out, "\n== CORRECTNESS VIOLATIONS ==\n");
    for (const std::string& v : r.violations) {
      std::fprintf(out, "  %s\n", v.c_str());
    }
  }
  std::fflush(out);
}

void print_json(const report& r, std::FILE* out) {
  std::string s = "{\n  \"machine\": {";
  for (std::size_t i = 0; i < r.machine.facts.size(); ++i) {
    s += i == 0 ? "\n    " : ",\n    ";
    json_string(s, r.machine.facts[i].first);
    s += ": ";
    json_string(s, r.machine.facts[i].second);
  }
  s += "\n  },\n  \"tables\": [";
  for (std::size_t t = 0; t < r.tables.size(); ++t) {
    const table& tb = r.tables[t];
    s += t == 0 ? "\n    {" : ",\n    {";
    s += "\"id\": ";
    json_string(s, tb.id);
    s += ", \"title\": ";
    json_string(s, tb.title);
    s += ",\n     \"rows\": [";
    for (std::size_t i = 0; i < tb.rows.size(); ++i) {
      s += i == 0 ? "\n      {" : ",\n      {";
      for (std::size_t c = 0; c < tb.columns.size(); ++c) {
        if (c > 0) {
          s += ", ";
        }
        json_string(s, tb.columns[c].key);
        s += ": ";
        json_cell(s, c < tb.rows[i].size() ? tb.rows[i][c] : cell());
      }
      s += '}';
    }
    s += "],\n     \"notes\": ";
    json_string_list(s, tb.notes);
    s += '}';
  }
  s += "\n  ],\n  \"errors\": ";
  json_string_list(s, r.errors);
  s += ",\n  \"violations\": ";
  json_string_list(s, r.violations);
  s += ",\n  \"ok\": ";
  s += r.errors.empty() && r.violations.empty() ? "true" : "false";
  s += "\n}\n";
  std::fputs(s.c_str(), out);
  std::fflush(out);
}

progress::progress(bool enabled) : enabled_(enabled), tty_(::isatty(2) == 1) {}

void progress::note(const std::string& line) const {
  if (enabled_) {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

void progress::step(const std::string& task, std::size_t done, std::size_t total) const {
  if (!enabled_ || total == 0) {
    return;
  }
  if (tty_) {
    const std::size_t every = std::max<std::size_t>(1, total / 20);
    if (done % every == 0 || done == total) {
      std::fprintf(stderr, "\r  %s: %zu/%zu%s", task.c_str(), done, total,
                   done == total ? "\n" : "");
    }
  } else if (done == total) {
    std::fprintf(stderr, "  %s: %zu/%zu done\n", task.c_str(), done, total);
  }
}

}  // namespace trop::bench
