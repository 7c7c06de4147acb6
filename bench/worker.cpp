#include "worker.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "populate.h"
#include "spawn.h"
#include "trop/store.h"

#ifdef TROP_BENCH_HAVE_SQLITE
#include "sqlite_reserve.h"
#endif

namespace trop::bench {
namespace {

constexpr int kStartFd = 3;
constexpr int kReadyFd = 4;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double us_between(std::chrono::steady_clock::time_point a,
                  std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

std::string key_of(const std::string& prefix, std::size_t i) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%05zu", i);
  return prefix + buf;
}

// A small file read with plain system calls: this runs between timed calls
// of the driver, so it should cost microseconds, not an ifstream.
std::string read_raw(const std::string& path) {
  std::string out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return out;
  }
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

// "1234\n" -> 1234; -1 if stdout is not exactly one port.
int parse_port_line(const std::string& text) {
  if (text.size() < 2 || text.size() > 6 || text.back() != '\n') {
    return -1;
  }
  int v = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return -1;
    }
    v = v * 10 + (text[i] - '0');
  }
  return v >= 1 && v <= 65535 ? v : -1;
}

// The lock wait from "... write lock acquired after X ms" (trop --verbose
// and the SQLite helper print it), in µs; -1 if absent.
double parse_lock_wait(const std::string& text) {
  static constexpr const char kNeedle[] = "write lock acquired after ";
  auto at = text.find(kNeedle);
  if (at == std::string::npos) {
    return -1;
  }
  return std::strtod(text.c_str() + at + sizeof kNeedle - 1, nullptr) * 1000.0;
}

// Whether a failed command's stderr says that it gave up waiting for the
// write lock: trop's message (SPEC A.1) or the SQLite helper's.
bool is_lock_timeout(const std::string& err) {
  return err.find("database lock timeout") != std::string::npos ||
         err.find("database is locked") != std::string::npos;
}

// Blocks until the parent releases every worker (EOF on the start pipe).
void wait_for_start() {
  char c = 'r';
  while (::write(kReadyFd, &c, 1) < 0 && errno == EINTR) {
  }
  ::close(kReadyFd);
  while (::read(kStartFd, &c, 1) < 0 && errno == EINTR) {
  }
  ::close(kStartFd);
}

void run_spawn(const worker_spec& spec, worker_result* res) {
  child_environment env(spec.home);
  child_io io{"", spec.io_prefix + ".out", spec.io_prefix + ".err"};
  // Every command is prepared before the start, so that the timed loop only
  // spawns, waits and reads two small files.
  std::vector<std::unique_ptr<prepared_command>> commands;
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < spec.keys; ++i) {
    keys.push_back(key_of(spec.key_prefix, i + 1));
    std::vector<std::string> args(spec.command.begin() + 1, spec.command.end());
    for (std::string& a : args) {
      if (a == "{key}") {
        a = keys.back();
      }
    }
    commands.push_back(std::make_unique<prepared_command>(spec.command[0], args, io, env));
  }
  wait_for_start();
  res->start_ns = now_ns();
  for (std::size_t i = 0; i < spec.keys; ++i) {
    spawn_outcome r = commands[i]->run();
    worker_call call;
    call.key = keys[i];
    call.latency_us = r.elapsed_us();
    if (!r.ok() && is_lock_timeout(read_raw(io.stderr_path))) {
      call.timed_out = true;
      res->calls.push_back(std::move(call));
      continue;
    }
    if (!r.ok()) {
      res->errors.push_back("`" + commands[i]->display() + "` failed (" + r.describe() +
                            "): " + read_raw(io.stderr_path));
      break;
    }
    if (spec.expect_port) {
      const std::string out = read_raw(io.stdout_path);
      call.port = parse_port_line(out);
      if (call.port < 0) {
        res->errors.push_back("`" + commands[i]->display() + "` printed '" + out + "', not a port");
        break;
      }
      call.lock_wait_us = parse_lock_wait(read_raw(io.stderr_path));
    }
    res->calls.push_back(std::move(call));
  }
  res->end_ns = now_ns();
}

void run_trop_lib(const worker_spec& spec, worker_result* res) {
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < spec.keys; ++i) {
    keys.push_back(key_of(spec.key_prefix, i + 1));
  }
  const exclusion_set none;
  wait_for_start();
  res->start_ns = now_ns();
  // Each process opens the store once and runs K transactions on it.
  store_options opts;
  opts.data_dir = spec.store;
  opts.durability_mode = spec.full ? durability::full : durability::normal;
  opts.create_if_missing = false;
  auto st = store::open(opts);
  if (!st) {
    res->errors.push_back("open: " + st.error().message());
    res->end_ns = now_ns();
    return;
  }
  const std::int64_t now = env::posix()->now_unix();
  for (const std::string& key : keys) {
    const auto t0 = std::chrono::steady_clock::now();
    auto tx = st->begin_write();
    if (!tx && tx.error().code() == error_code::busy) {
      worker_call call;
      call.key = key;
      call.latency_us = us_between(t0, std::chrono::steady_clock::now());
      call.timed_out = true;
      res->calls.push_back(std::move(call));
      continue;
    }
    if (!tx) {
      res->errors.push_back("begin_write: " + tx.error().message());
      break;
    }
    auto existing = tx->view().find(reservation_key{key, std::nullopt});
    if (!existing || *existing) {
      res->errors.push_back(key +
                            (existing ? " exists already" : ": " + existing.error().message()));
      break;
    }
    auto port = tx->view().next_free(spec.min_port, spec.max_port, none);
    if (!port || !*port) {
      res->errors.push_back(port ? "no free port" : port.error().message());
      break;
    }
    if (status s = tx->put(make_record(key, **port, now)); !s.is_ok()) {
      res->errors.push_back("put: " + s.message());
      break;
    }
    if (status s = tx->commit(); !s.is_ok()) {
      res->errors.push_back("commit: " + s.message());
      break;
    }
    const auto t1 = std::chrono::steady_clock::now();
    worker_call call;
    call.key = key;
    call.latency_us = us_between(t0, t1);
    call.lock_wait_us = static_cast<double>(tx->lock_wait().count());
    call.port = **port;
    res->calls.push_back(std::move(call));
  }
  res->end_ns = now_ns();
}

void run_sqlite_lib(const worker_spec& spec, worker_result* res) {
#ifdef TROP_BENCH_HAVE_SQLITE
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < spec.keys; ++i) {
    keys.push_back(key_of(spec.key_prefix, i + 1));
  }
  wait_for_start();
  res->start_ns = now_ns();
  sqlite_store db(spec.store, spec.full, std::chrono::milliseconds(5000));
  if (!db.error().empty()) {
    res->errors.push_back(db.error());
    res->end_ns = now_ns();
    return;
  }
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  for (const std::string& key : keys) {
    const auto t0 = std::chrono::steady_clock::now();
    sqlite_reserve_result r = db.reserve(key, spec.min_port, spec.max_port, now);
    const auto t1 = std::chrono::steady_clock::now();
    if (r.busy) {
      worker_call call;
      call.key = key;
      call.latency_us = us_between(t0, t1);
      call.lock_wait_us = static_cast<double>(r.lock_wait.count());
      call.timed_out = true;
      res->calls.push_back(std::move(call));
      continue;
    }
    if (!r.ok || r.existed) {
      res->errors.push_back(r.exhausted ? "no free port"
                            : r.existed ? key + " exists already"
                                        : r.error);
      break;
    }
    worker_call call;
    call.key = key;
    call.latency_us = us_between(t0, t1);
    call.lock_wait_us = static_cast<double>(r.lock_wait.count());
    call.port = r.port;
    res->calls.push_back(std::move(call));
  }
  res->end_ns = now_ns();
#else
  wait_for_start();
  res->errors.push_back("built without SQLite");
  (void)spec;
#endif
}

bool write_result(const std::string& path, const worker_result& res) {
  std::string s;
  s += "start_ns " + std::to_string(res.start_ns) + "\n";
  s += "end_ns " + std::to_string(res.end_ns) + "\n";
  char buf[64];
  for (const worker_call& c : res.calls) {
    std::snprintf(buf, sizeof buf, " %.3f %.3f %d %d\n", c.latency_us, c.lock_wait_us, c.port,
                  c.timed_out ? 1 : 0);
    s += "call " + c.key + buf;
  }
  for (const std::string& e : res.errors) {
    std::string line = e;
    for (char& ch : line) {
      ch = ch == '\n' ? ' ' : ch;
    }
    s += "error " + line + "\n";
  }
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    return false;
  }
  bool ok = std::fwrite(s.data(), 1, s.size(), f) == s.size();
  return std::fclose(f) == 0 && ok;
}

}  // namespace

std::vector<std::string> worker_arguments(const worker_spec& spec) {
  const char* kind = spec.kind == worker_kind::spawn      ? "spawn"
                     : spec.kind == worker_kind::trop_lib ? "trop-lib"
                                                          : "sqlite-lib";
  std::vector<std::string> a = {"__worker",
                                kind,
                                spec.out_file,
                                std::to_string(spec.keys),
                                spec.key_prefix,
                                spec.expect_port ? "1" : "0",
                                spec.home,
                                spec.io_prefix,
                                spec.store,
                                spec.full ? "full" : "normal",
                                std::to_string(spec.min_port),
                                std::to_string(spec.max_port),
                                "--"};
  a.insert(a.end(), spec.command.begin(), spec.command.end());
  return a;
}

int run_worker(int argc, char** argv) {
  // argv: trop-bench __worker kind out keys prefix expect_port home io_prefix
  //       store durability min max -- command...
  if (argc < 14 || std::strcmp(argv[13], "--") != 0) {
    std::fputs("trop-bench: bad __worker arguments\n", stderr);
    return 2;
  }
  worker_spec spec;
  const std::string kind = argv[2];
  spec.kind = kind == "spawn"      ? worker_kind::spawn
              : kind == "trop-lib" ? worker_kind::trop_lib
                                   : worker_kind::sqlite_lib;
  spec.out_file = argv[3];
  spec.keys = std::strtoul(argv[4], nullptr, 10);
  spec.key_prefix = argv[5];
  spec.expect_port = std::strcmp(argv[6], "1") == 0;
  spec.home = argv[7];
  spec.io_prefix = argv[8];
  spec.store = argv[9];
  spec.full = std::strcmp(argv[10], "full") == 0;
  spec.min_port = static_cast<std::uint32_t>(std::strtoul(argv[11], nullptr, 10));
  spec.max_port = static_cast<std::uint32_t>(std::strtoul(argv[12], nullptr, 10));
  for (int i = 14; i < argc; ++i) {
    spec.command.push_back(argv[i]);
  }
  if (spec.kind == worker_kind::spawn && spec.command.empty()) {
    std::fputs("trop-bench: __worker spawn needs a command\n", stderr);
    return 2;
  }
  worker_result res;
  switch (spec.kind) {
    case worker_kind::spawn:
      run_spawn(spec, &res);
      break;
    case worker_kind::trop_lib:
      run_trop_lib(spec, &res);
      break;
    case worker_kind::sqlite_lib:
      run_sqlite_lib(spec, &res);
      break;
  }
  if (!write_result(spec.out_file, res)) {
    std::fprintf(stderr, "trop-bench: cannot write %s\n", spec.out_file.c_str());
    return 1;
  }
  return res.errors.empty() ? 0 : 1;
}

worker_result read_worker_result(const std::string& out_file) {
  worker_result res;
  std::ifstream in(out_file);
  if (!in) {
    res.errors.push_back("no result file " + out_file);
    return res;
  }
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string tag;
    ls >> tag;
    if (tag == "start_ns") {
      ls >> res.start_ns;
    } else if (tag == "end_ns") {
      ls >> res.end_ns;
    } else if (tag == "call") {
      worker_call c;
      int timed_out = 0;
      ls >> c.key >> c.latency_us >> c.lock_wait_us >> c.port >> timed_out;
      c.timed_out = timed_out != 0;
      if (!ls) {
        res.errors.push_back("bad line in " + out_file + ": " + line);
      }
      res.calls.push_back(std::move(c));
    } else if (tag == "error") {
      res.errors.push_back(line.substr(6));
    } else if (!tag.empty()) {
      res.errors.push_back("bad line in " + out_file + ": " + line);
    }
  }
  return res;
}

std::string self_executable() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace trop::bench
