// The worker processes of `concurrent`: trop-bench re-executes itself as
// `trop-bench __worker ...`, once per concurrent process, so every worker is
// a fresh process that shares nothing with the parent (in particular no open
// lock file: an open-file-description lock inherited through fork would be
// shared by every child). A worker signals that it is ready, blocks until
// the parent releases all workers at once, runs its K calls, and writes its
// samples to a file.
// Thread safety: one worker per process; the parent side is single-threaded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace trop::bench {

// What a worker runs K times.
enum class worker_kind {
  spawn,       // posix_spawn a program (trop reserve, the SQLite helper, the noop) and wait
  trop_lib,    // one write transaction through trop::engine (one store handle per worker)
  sqlite_lib,  // the SQLite reserve transaction in-process (one connection per worker)
};

struct worker_spec {
  worker_kind kind = worker_kind::spawn;
  std::string out_file;    // where the worker writes its samples
  std::size_t keys = 0;    // K: calls, each on a new key
  std::string key_prefix;  // key i is key_prefix + 5-digit i
  // spawn: the command; an argument "{key}" is replaced by the call's key.
  std::vector<std::string> command;
  bool expect_port = true;  // spawn: stdout must be a port
  std::string home;         // spawn: HOME of the children
  std::string io_prefix;    // spawn: children's stdout/stderr go to io_prefix + ".out"/".err"
  // trop_lib / sqlite_lib
  std::string store;  // data dir or database file
  bool full = true;   // durability full (synchronous=FULL) or normal
  std::uint32_t min_port = 0, max_port = 0;
};

// One call as the worker saw it.
struct worker_call {
  std::string key;
  double latency_us = 0;
  double lock_wait_us = -1;  // -1 = not reported
  int port = -1;             // -1 = none
  // The call gave up waiting for the write lock (trop: exit 2 "database lock
  // timeout"; SQLite: SQLITE_BUSY after its busy handler's 5 s): an outcome
  // to count, not a benchmark failure. The worker goes on with its next key.
  bool timed_out = false;
};

struct worker_result {
  std::int64_t start_ns = 0, end_ns = 0;  // steady_clock, comparable across processes
  std::vector<worker_call> calls;
  std::vector<std::string> errors;
};

// The argv tail that makes trop-bench run `spec` as a worker (after argv[0]).
std::vector<std::string> worker_arguments(const worker_spec& spec);

// Entry point of `trop-bench __worker ...`: fd 3 is the start pipe (EOF =
// go), fd 4 the ready pipe. Returns the exit status.
int run_worker(int argc, char** argv);

// Reads what a worker wrote; errors (a missing file, bad lines) land in errors.
worker_result read_worker_result(const std::string& out_file);

// The path of the running executable (/proc/self/exe).
std::string self_executable();

}  // namespace trop::bench
