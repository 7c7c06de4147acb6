// trop_test_lock_holder DATA_DIR [SECONDS]: takes the store's write lock with
// the engine API, prints "locked", and holds it until killed or until
// SECONDS (default 60) pass. Lets tests check lock timeouts and that readers
// never wait for a writer.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "trop/store.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs("usage: trop_test_lock_holder DATA_DIR [SECONDS]\n", stderr);
    return 2;
  }
  trop::store_options opts;
  opts.data_dir = argv[1];
  opts.busy_timeout = std::chrono::seconds(30);
  trop::result<trop::store> st = trop::store::open(opts);
  if (!st) {
    std::fprintf(stderr, "open: %s\n", st.error().message().c_str());
    return 1;
  }
  trop::result<trop::write_transaction> txn = st->begin_write();
  if (!txn) {
    std::fprintf(stderr, "begin_write: %s\n", txn.error().message().c_str());
    return 1;
  }
  std::fputs("locked\n", stdout);
  std::fflush(stdout);
  unsigned seconds = argc > 2 ? static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10)) : 60;
  while (seconds > 0) {
    seconds = ::sleep(seconds);
  }
  return 0;
}
