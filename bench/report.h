// The benchmark report: the machine it ran on, result tables, notes and
// correctness violations, printed as an aligned text table or as JSON.
// Also the progress printer (stderr). Thread safety: one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace trop::bench {

// One value of a table: empty, a number shown with `precision` decimals, or text.
struct cell {
  std::variant<std::monostate, double, std::string> value;
  int precision = 1;

  cell() = default;
  cell(double v, int p = 1) : value(v), precision(p) {}  // NOLINT: implicit by design
  cell(std::string s) : value(std::move(s)) {}           // NOLINT
  cell(const char* s) : value(std::string(s)) {}         // NOLINT
  static cell integer(std::uint64_t v) { return cell(static_cast<double>(v), 0); }
};

struct column {
  std::string key;    // JSON name, snake_case
  std::string label;  // text header
};

struct table {
  std::string id;     // JSON name of the table
  std::string title;  // text heading
  std::vector<column> columns;
  std::vector<std::vector<cell>> rows;
  std::vector<std::string> notes;  // printed under the table

  void add_row(std::vector<cell> r) { rows.push_back(std::move(r)); }
};

// Key facts about the machine and the run, printed first.
struct machine_info {
  std::vector<std::pair<std::string, std::string>> facts;  // (key, value), in order

  void set(const std::string& key, const std::string& value);
};

// Collects the CPU model, core count, kernel, the file system of `data_root`,
// build type, compiler and load average.
machine_info describe_machine(const std::string& data_root);

// The current 1/5/15-minute load average as "a b c" (from /proc/loadavg).
std::string load_average();

// How busy the machine was with other work while a mode ran: CPU time of
// every process (from /proc/stat) minus this process and its children (from
// getrusage), as a share of all cores' capacity. The honest answer to "was
// anyone compiling while this ran?".
class cpu_meter {
 public:
  cpu_meter();  // starts measuring
  // The share of total CPU capacity (0..1) used by others since construction;
  // negative when /proc/stat is unavailable.
  double others_share() const;

 private:
  double busy_s_ = 0, total_s_ = 0, own_s_ = 0;
  std::chrono::steady_clock::time_point start_;
};

struct report {
  machine_info machine;
  std::vector<table> tables;
  std::vector<std::string> violations;  // correctness failures (exit non-zero)
  std::vector<std::string> errors;      // failures to run (exit non-zero)
};

void print_text(const report& r, std::FILE* out);
void print_json(const report& r, std::FILE* out);

// Progress lines on stderr; silent when disabled. On a terminal, counters
// update in place; otherwise only start and end lines are written.
class progress {
 public:
  explicit progress(bool enabled);
  void note(const std::string& line) const;
  // Call with done = 0 .. total; prints at most ~20 updates per task.
  void step(const std::string& task, std::size_t done, std::size_t total) const;

 private:
  bool enabled_;
  bool tty_;
};

// Formats a number with `precision` decimals.
std::string format_number(double v, int precision);

}  // namespace trop::bench
