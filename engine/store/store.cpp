// The public store API: snapshots, write transactions, checkpoints, validation.
// Recovery and checkpoint steps follow docs/FORMAT.md "Recovery" and "Checkpoint".
#include "trop/store.h"

#include <cstring>

#include "store/corrupt_error.h"
#include "store/failpoint.h"
#include "store/image.h"
#include "store/store_state.h"
#include "store/wal.h"

namespace trop {

using store_detail::corrupt_error;
using store_detail::image_reader;
using store_detail::wal_frame;
using store_detail::wal_op;
using store_detail::wal_scan;

store_paths::store_paths(const std::string& data_dir)
    : dir(data_dir),
      image(data_dir + "/trop.db"),
      wal(data_dir + "/trop.db-wal"),
      lock(data_dir + "/trop.db-lock") {}

namespace {

constexpr int kReadAttempts = 16;

std::string image_tmp_path(const store_paths& p) {
  return p.dir + "/trop.db-new";
}

template <class F>
auto guard_corruption(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const corrupt_error& e) {
    return corruption(e.what());
  }
}

status write_all(random_access_file& f, std::uint64_t offset, std::string_view bytes) {
  return f.write_at(offset, std::as_bytes(std::span<const char>(bytes.data(), bytes.size())));
}

result<std::string> read_whole(random_access_file& f) {
  auto size = f.size();
  if (!size) {
    return size.error();
  }
  std::string buf(*size, '\0');
  std::size_t got = 0;
  TROP_RETURN_IF_ERROR(
      f.read_at(0, std::as_writable_bytes(std::span<char>(buf.data(), buf.size())), &got));
  buf.resize(got);
  return buf;
}

// Writes a complete image next to the store and renames it into place:
// temp file, fdatasync, rename, fsync of the directory. `phase` names the
// failpoints ("create", "checkpoint").
status install_image(env& e, const store_paths& p, const std::string& bytes,
                     [[maybe_unused]] const char* phase) {
  const std::string tmp = image_tmp_path(p);
  {
    auto f = e.open(tmp, open_mode::create_truncate);
    if (!f) {
      return f.error();
    }
    TROP_RETURN_IF_ERROR(write_all(**f, 0, bytes));
    TROP_FAILPOINT(std::string(phase) + ".after_image_write");
    TROP_RETURN_IF_ERROR((*f)->sync_data());
    TROP_FAILPOINT(std::string(phase) + ".after_image_sync");
  }
  TROP_RETURN_IF_ERROR(e.rename(tmp, p.image));
  TROP_FAILPOINT(std::string(phase) + ".after_rename");
  TROP_RETURN_IF_ERROR(e.sync_dir(p.dir));
  TROP_FAILPOINT(std::string(phase) + ".after_dir_sync");
  return status::ok();
}

// Empties the WAL and starts `generation`. Synced: the header must be durable
// before frames that depend on it. `phase` names the failpoints
// ("recovery", "checkpoint").
// `version` is the image's format version: the frames that follow are
// encoded in it.
status reset_wal(random_access_file& wal, std::uint64_t generation, std::uint32_t version,
                 [[maybe_unused]] const char* phase) {
  TROP_RETURN_IF_ERROR(wal.truncate(0));
  TROP_FAILPOINT(std::string(phase) + ".after_wal_truncate");
  TROP_RETURN_IF_ERROR(write_all(wal, 0, store_detail::encode_wal_header(generation, version)));
  TROP_FAILPOINT(std::string(phase) + ".after_wal_header");
  TROP_RETURN_IF_ERROR(wal.sync_data());
  TROP_FAILPOINT(std::string(phase) + ".after_wal_reset");
  return status::ok();
}

// Maps the image; nullptr state when there is no trop.db.
result<std::shared_ptr<store_state>> map_image(env& e, const store_paths& p) {
  auto m = e.map_read_only(p.image);
  if (!m) {
    if (m.error().code() == error_code::not_found) {
      return std::shared_ptr<store_state>();
    }
    return m.error();
  }
  std::shared_ptr<mapped_file> mapping = std::move(*m);
  auto reader = image_reader::open(mapping->bytes());
  if (!reader) {
    return reader.error();
  }
  return std::make_shared<store_state>(mapping, std::move(*reader));
}

status replay(store_state& st, const wal_scan& scan) {
  return guard_corruption([&]() -> status {
    for (const wal_frame& f : scan.frames) {
      st.apply(f);
    }
    return status::ok();
  });
}

// The file's id for a handle's cache; nullopt (no cache) when the handle
// keeps no state or the id cannot be told, which is never an error of the
// transaction.
std::optional<file_id> identify(const store_options& o, env& e, const std::string& path) {
  if (!o.keep_write_state) {
    return std::nullopt;
  }
  auto id = e.identify(path);
  return id ? *id : std::nullopt;
}

std::string busy_message(std::chrono::milliseconds timeout) {
  return "database lock timeout while starting a write transaction after " +
         std::to_string(timeout.count() / 1000) + "s";
}

}  // namespace

// ---- snapshot -------------------------------------------------------------------

snapshot::snapshot() : state_(std::make_shared<store_state>()) {}
snapshot::~snapshot() = default;
snapshot::snapshot(snapshot&&) noexcept = default;
snapshot& snapshot::operator=(snapshot&&) noexcept = default;

result<std::optional<reservation>> snapshot::find(const reservation_key& key) const {
  return guard_corruption(
      [&]() -> result<std::optional<reservation>> { return state_->find(key); });
}

result<std::optional<reservation>> snapshot::find_by_port(std::uint16_t port) const {
  return guard_corruption(
      [&]() -> result<std::optional<reservation>> { return state_->find_by_port(port); });
}

status snapshot::for_each(const std::function<bool(const reservation&)>& visit) const {
  return guard_corruption([&]() -> status {
    state_->visit_from(reservation_key{}, visit);
    return status::ok();
  });
}

status snapshot::for_each_leased(const std::function<bool(const reservation&)>& visit) const {
  return guard_corruption([&]() -> status {
    state_->visit_leased(visit);
    return status::ok();
  });
}

status snapshot::for_each_under(const std::string& path,
                                const std::function<bool(const reservation&)>& visit) const {
  return guard_corruption([&]() -> status {
    if (path == "/") {
      state_->visit_from(reservation_key{}, visit);
      return status::ok();
    }
    // Byte order puts "/a/b-c" between "/a/b" and "/a/b/...": visit the exact
    // path, then the descendants, as two ranges.
    bool go_on = true;
    state_->visit_from(reservation_key{path, std::nullopt}, [&](const reservation& r) {
      if (r.key.path != path) {
        return false;
      }
      go_on = visit(r);
      return go_on;
    });
    if (!go_on) {
      return status::ok();
    }
    const std::string prefix = path + "/";
    state_->visit_from(reservation_key{prefix, std::nullopt}, [&](const reservation& r) {
      if (r.key.path.compare(0, prefix.size(), prefix) != 0) {
        return false;
      }
      return visit(r);
    });
    return status::ok();
  });
}

result<bool> snapshot::is_reserved(std::uint16_t port) const {
  return guard_corruption([&]() -> result<bool> { return state_->is_reserved(port); });
}

result<std::optional<std::uint16_t>> snapshot::next_free(std::uint32_t from, std::uint32_t last,
                                                         const exclusion_set& excluded) const {
  return guard_corruption([&]() -> result<std::optional<std::uint16_t>> {
    return state_->next_free(from, last, excluded);
  });
}

std::size_t snapshot::size() const {
  return state_->size();
}
std::uint32_t snapshot::format_version() const {
  return state_->format_version();
}

// ---- store ------------------------------------------------------------------------

// What a store handle keeps from its last committed write transaction, so
// that the next begin_write() reads and replays only the WAL frames appended
// since (by any process) instead of mapping the image and replaying the
// whole WAL again. Valid only while the image and the WAL are the same files
// (file ids; the held mapping and descriptor keep them from being reused)
// and the last frame it saw is still where it was, byte for byte.
struct write_state_cache {
  std::shared_ptr<store_state> state;  // as of wal_end; nobody else holds it
  std::unique_ptr<random_access_file> wal;
  file_id image_id, wal_id;
  std::uint32_t wal_version = 0;
  std::uint64_t wal_end = 0;
  std::string tail;  // the bytes before wal_end: the last frame (the header if none)
  bool tail_unsynced = false;
};

struct store::impl {
  store_options options;
  store_paths paths;
  env* e;
  // Taken by begin_write() under the write lock, given back by a commit.
  mutable std::mutex cache_mu;
  mutable std::optional<write_state_cache> cache;
  impl(store_options o)
      : options(std::move(o)),
        paths(options.data_dir),
        e(options.file_env ? options.file_env
                           : (options.private_files ? env::posix_private() : env::posix())) {}

  std::optional<write_state_cache> take_cache() const {
    std::lock_guard<std::mutex> g(cache_mu);
    std::optional<write_state_cache> c = std::move(cache);
    cache.reset();
    return c;
  }
  void keep_cache(write_state_cache c) const {
    std::lock_guard<std::mutex> g(cache_mu);
    cache = std::move(c);
  }
};

store::store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
store::store(store&&) noexcept = default;
store& store::operator=(store&&) noexcept = default;
store::~store() = default;

result<store> store::open(store_options options) {
#if defined(TROP_FAILPOINTS) && TROP_FAILPOINTS
  options.checkpoint_bytes = store_detail::failpoint_checkpoint_bytes(options.checkpoint_bytes);
#endif
  if (options.data_dir.empty()) {
    return invalid_argument("the data directory path is empty");
  }
  if (options.busy_timeout.count() < 0) {
    return invalid_argument("the busy timeout is negative");
  }
  return store(std::make_unique<impl>(std::move(options)));
}

const store_options& store::options() const {
  return impl_->options;
}
const store_paths& store::paths() const {
  return impl_->paths;
}

result<bool> store::exists() const {
  return impl_->e->file_exists(impl_->paths.image);
}

result<snapshot> store::read() const {
  env& e = *impl_->e;
  const store_paths& p = impl_->paths;
  TROP_RETURN_IF_ERROR(e.check_directory(p.dir));
  for (int attempt = 0; attempt < kReadAttempts; ++attempt) {
    auto st = map_image(e, p);
    if (!st) {
      return st.error();
    }
    snapshot snap;
    if (!*st) {
      return snap;  // no store yet: empty
    }
    std::shared_ptr<store_state> state = std::move(*st);
    auto wal = e.open(p.wal, open_mode::read_only);
    if (!wal) {
      if (wal.error().code() != error_code::not_found) {
        return wal.error();
      }
      snap.state_ = std::move(state);
      return snap;
    }
    auto bytes = read_whole(**wal);
    if (!bytes) {
      return bytes.error();
    }
    auto scan = store_detail::scan_wal(*bytes, state->generation(), state->last_seq() + 1);
    if (!scan) {
      return scan.error();
    }
    if (scan->header == wal_scan::header_state::newer) {
      continue;  // a checkpoint replaced the image after we mapped it
    }
    if (scan->header == wal_scan::header_state::current) {
      // The WAL must still be of this generation after we read it; a
      // checkpoint that reset it meanwhile may have cut frames we needed.
      std::string again(store_detail::kWalHeaderBytes, '\0');
      std::size_t got = 0;
      TROP_RETURN_IF_ERROR((*wal)->read_at(
          0, std::as_writable_bytes(std::span<char>(again.data(), again.size())), &got));
      if (got != again.size() || again != bytes->substr(0, again.size())) {
        continue;
      }
      TROP_RETURN_IF_ERROR(replay(*state, *scan));
    }
    snap.state_ = std::move(state);
    return snap;
  }
  return corruption(
      "trop.db-wal belongs to a newer generation than trop.db (the image was replaced by an "
      "older copy, or the files come from different stores)");
}

// ---- write transactions ---------------------------------------------------------

class transaction_impl {
 public:
  const store::impl* owner = nullptr;
  std::unique_ptr<file_lock> lock;
  std::unique_ptr<random_access_file> wal;
  std::uint64_t wal_end = 0;
  snapshot view;
  std::vector<wal_op> ops;
  bool only_touches = true;
  // The last committed frame was written without a sync (refresh-only, or
  // durability normal): it may not be durable yet.
  bool tail_unsynced = false;
  bool finished = false;
  bool dry_run = false;
  std::chrono::microseconds waited{0};
  // For the handle's cache (write_state_cache): the files this transaction
  // works on (nullopt when the env cannot identify them), the WAL's format
  // version, and the last frame (or the header) as read or written: the
  // bytes just before wal_end.
  std::optional<file_id> image_id, wal_id;
  std::uint32_t wal_version = 0;
  std::string tail;
  // put/erase began changing the view (even if they then failed): it no
  // longer describes the files unless the commit succeeds.
  bool view_changed = false;
  // begin_write() completed: the view, wal_end and tail describe the files.
  bool loaded = false;

  ~transaction_impl() {
    if (!finished && !dry_run && lock && !view_changed) {
      keep_state();  // read-only use: the view still matches the files
    }
  }

  status checkpoint();
  // Takes the WAL's committed frames (read from `bytes`, which start at file
  // offset `base`) into the view and sets wal_end / tail_unsynced / tail;
  // cuts a torn tail off.
  status adopt_frames(const wal_scan& scan, std::string_view bytes, std::uint64_t base);
  // Resumes from the handle's cache instead of loading everything; false
  // when the cache no longer matches the files (the caller loads afresh).
  bool resume(write_state_cache& cache);
  // Hands the committed state to the handle for the next transaction.
  void keep_state();
};

status transaction_impl::adopt_frames(const wal_scan& scan, std::string_view bytes,
                                      std::uint64_t base) {
  TROP_RETURN_IF_ERROR(replay(*view.state_, scan));
  if (!scan.frames.empty()) {
    tail = std::string(
        bytes.substr(scan.last_frame_offset - base, scan.valid_end - scan.last_frame_offset));
    tail_unsynced = (scan.frames.back().flags & store_detail::kFrameSynced) == 0;
  }
  wal_end = scan.valid_end;
  if (scan.torn_tail) {
    // An uncommitted transaction's bytes: cut them off before appending.
    TROP_RETURN_IF_ERROR(wal->truncate(wal_end));
    TROP_FAILPOINT("recovery.after_tail_truncate");
  }
  return status::ok();
}

bool transaction_impl::resume(write_state_cache& c) {
  env& e = *owner->e;
  const store_paths& p = owner->paths;
  auto image_now = e.identify(p.image);
  auto wal_now = e.identify(p.wal);
  if (!image_now || !*image_now || **image_now != c.image_id || !wal_now || !*wal_now ||
      **wal_now != c.wal_id || c.state.use_count() != 1) {
    return false;
  }
  auto size = c.wal->size();
  if (!size || *size < c.wal_end) {
    return false;
  }
  const std::uint64_t tail_offset = c.wal_end - c.tail.size();
  std::string bytes(*size - tail_offset, '\0');
  std::size_t got = 0;
  if (!c.wal->read_at(tail_offset, std::as_writable_bytes(std::span<char>(bytes)), &got).is_ok() ||
      got != bytes.size() || bytes.compare(0, c.tail.size(), c.tail) != 0) {
    return false;
  }
  store_state& st = *c.state;
  auto scan = store_detail::scan_wal_frames(bytes, tail_offset, c.tail.size(), st.generation(),
                                            st.last_seq() + 1, c.wal_version);
  if (!scan) {
    return false;  // loading afresh reports it
  }
  view.state_ = std::move(c.state);
  wal = std::move(c.wal);
  image_id = c.image_id;
  wal_id = c.wal_id;
  wal_version = c.wal_version;
  tail = std::move(c.tail);
  tail_unsynced = c.tail_unsynced;
  if (!adopt_frames(*scan, bytes, tail_offset).is_ok()) {
    // Half applied: forget all of it and load afresh.
    view.state_ = std::make_shared<store_state>();
    wal.reset();
    image_id.reset();
    wal_id.reset();
    wal_end = 0;
    tail.clear();
    tail_unsynced = false;
    return false;
  }
  return true;
}

void transaction_impl::keep_state() {
  if (!loaded || !image_id || !wal_id) {
    return;
  }
  write_state_cache c;
  c.state = view.state_;
  c.wal = std::move(wal);
  c.image_id = *image_id;
  c.wal_id = *wal_id;
  c.wal_version = wal_version;
  c.wal_end = wal_end;
  c.tail = std::move(tail);
  c.tail_unsynced = tail_unsynced;
  owner->keep_cache(std::move(c));
}

status transaction_impl::checkpoint() {
  env& e = *owner->e;
  const store_paths& p = owner->paths;
  store_state& st = *view.state_;
  auto records = guard_corruption([&]() -> result<std::vector<reservation>> { return st.all(); });
  if (!records) {
    return records.error();
  }
  const std::uint64_t next_generation = st.generation() + 1;
  TROP_RETURN_IF_ERROR(install_image(
      e, p, store_detail::build_image(*records, next_generation, st.last_seq()), "checkpoint"));
  // The new image is durable; the old WAL generation is now stale and safe to drop.
  TROP_RETURN_IF_ERROR(
      reset_wal(*wal, next_generation, store_detail::kFormatVersion, "checkpoint"));
  wal_end = store_detail::kWalHeaderBytes;
  // The view still describes the replaced image: whoever goes on from here
  // maps the new one (and identifies it) first.
  image_id.reset();
  wal_version = store_detail::kFormatVersion;
  tail = store_detail::encode_wal_header(next_generation, store_detail::kFormatVersion);
  return status::ok();
}

result<write_transaction> store::begin_write() const {
  env& e = *impl_->e;
  const store_paths& p = impl_->paths;
  TROP_RETURN_IF_ERROR(e.check_directory(p.dir));
  auto exists = e.file_exists(p.dir);
  if (!exists) {
    return exists.error();
  }
  if (!*exists) {
    if (!impl_->options.create_if_missing) {
      return not_found("the data directory " + p.dir + " does not exist");
    }
    TROP_RETURN_IF_ERROR(e.create_dirs(p.dir));
  }
  auto t = std::make_unique<transaction_impl>();
  t->owner = impl_.get();
  auto started = std::chrono::steady_clock::now();
  auto lock = e.lock(p.lock, impl_->options.busy_timeout);
  if (!lock) {
    if (lock.error().code() == error_code::busy) {
      return status(error_code::busy, busy_message(impl_->options.busy_timeout));
    }
    return lock.error();
  }
  t->lock = std::move(*lock);
  t->waited = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);

  if (auto cache = impl_->take_cache(); cache && t->resume(*cache)) {
    t->loaded = true;
    return write_transaction(std::move(t));
  }
  auto st = map_image(e, p);
  if (!st) {
    return st.error();
  }
  if (!*st) {
    if (!impl_->options.create_if_missing) {
      return not_found("no store at " + p.image);
    }
    // A WAL without an image belongs to a store that no longer exists.
    TROP_RETURN_IF_ERROR(e.remove(p.wal));
    TROP_RETURN_IF_ERROR(install_image(e, p, store_detail::build_image({}, 1, 0), "create"));
    st = map_image(e, p);
    if (!st) {
      return st.error();
    }
  }
  t->image_id = identify(impl_->options, e, p.image);
  std::shared_ptr<store_state> state = std::move(*st);
  bool wal_existed = true;
  {
    auto ex = e.file_exists(p.wal);
    if (!ex) {
      return ex.error();
    }
    wal_existed = *ex;
  }
  auto wal = e.open(p.wal, open_mode::read_write);
  if (!wal) {
    return wal.error();
  }
  t->wal = std::move(*wal);
  t->wal_id = identify(impl_->options, e, p.wal);
  auto bytes = read_whole(*t->wal);
  if (!bytes) {
    return bytes.error();
  }
  auto scan = store_detail::scan_wal(*bytes, state->generation(), state->last_seq() + 1);
  if (!scan) {
    return scan.error();
  }
  switch (scan->header) {
    case wal_scan::header_state::newer:
      return corruption("trop.db-wal: generation " + std::to_string(scan->generation) +
                        " is newer than the image's generation " +
                        std::to_string(state->generation()) +
                        " (the image was replaced by an older copy?)");
    case wal_scan::header_state::absent:
    case wal_scan::header_state::stale:
      if (wal_existed) {
        // The image we mapped may be a checkpoint whose rename is not yet
        // durable (its writer died before the directory fsync). Resetting
        // the WAL destroys the frames the previous image needs, so the
        // rename must reach the disk first.
        TROP_RETURN_IF_ERROR(e.sync_dir(p.dir));
        TROP_FAILPOINT("recovery.after_dir_sync");
      }
      // In the image's version: an older store stays entirely in its version
      // until the upgrade below has replaced the image.
      TROP_RETURN_IF_ERROR(
          reset_wal(*t->wal, state->generation(), state->format_version(), "recovery"));
      if (!wal_existed) {
        TROP_RETURN_IF_ERROR(e.sync_dir(p.dir));
      }
      t->wal_end = store_detail::kWalHeaderBytes;
      t->wal_version = state->format_version();
      t->tail = store_detail::encode_wal_header(state->generation(), t->wal_version);
      t->view.state_ = std::move(state);
      break;
    case wal_scan::header_state::current:
      t->wal_version = scan->version;
      t->tail = bytes->substr(0, store_detail::kWalHeaderBytes);
      t->view.state_ = std::move(state);
      TROP_RETURN_IF_ERROR(t->adopt_frames(*scan, *bytes, 0));
      break;
  }
  if (t->view.format_version() < store_detail::kFormatVersion) {
    // An older format: rewrite it in the current one before changing anything.
    TROP_RETURN_IF_ERROR(t->checkpoint());
    // This transaction's frames continue the new image (its generation, in
    // its version): plan on it, not on the replaced one.
    auto upgraded = map_image(e, p);
    if (!upgraded) {
      return upgraded.error();
    }
    if (!*upgraded) {
      return corruption("trop.db vanished while the write lock was held");
    }
    t->view.state_ = std::move(*upgraded);
    t->image_id = identify(impl_->options, e, p.image);
    t->tail_unsynced = false;
  }
  t->loaded = true;
  return write_transaction(std::move(t));
}

result<write_transaction> store::begin_dry_run() const {
  auto snap = read();
  if (!snap) {
    return snap.error();
  }
  auto t = std::make_unique<transaction_impl>();
  t->owner = impl_.get();
  t->dry_run = true;
  t->view = std::move(*snap);
  return write_transaction(std::move(t));
}

status store::recreate() const {
  env& e = *impl_->e;
  const store_paths& p = impl_->paths;
  TROP_RETURN_IF_ERROR(e.check_directory(p.dir));
  TROP_RETURN_IF_ERROR(e.create_dirs(p.dir));
  auto lock = e.lock(p.lock, impl_->options.busy_timeout);
  if (!lock) {
    if (lock.error().code() == error_code::busy) {
      return status(error_code::busy, busy_message(impl_->options.busy_timeout));
    }
    return lock.error();
  }
  impl_->take_cache();  // about to describe files that no longer exist
  // Remove the WAL first: an image without a WAL is a complete store, a WAL
  // without an image is ignored and discarded by the next writer.
  TROP_RETURN_IF_ERROR(e.remove(p.wal));
  TROP_RETURN_IF_ERROR(e.sync_dir(p.dir));
  return install_image(e, p, store_detail::build_image({}, 1, 0), "create");
}

result<validation_report> store::validate() const {
  env& e = *impl_->e;
  const store_paths& p = impl_->paths;
  TROP_RETURN_IF_ERROR(e.check_directory(p.dir));
  auto exists = e.file_exists(p.image);
  if (!exists) {
    return exists.error();
  }
  if (!*exists) {
    return not_found("the data directory does not contain " + p.image);
  }
  for (int attempt = 0; attempt < kReadAttempts; ++attempt) {
    auto st = map_image(e, p);
    if (!st) {
      return st.error();
    }
    if (!*st) {
      return not_found("the data directory does not contain " + p.image);
    }
    store_state& state = **st;
    TROP_RETURN_IF_ERROR(guard_corruption([&]() -> status {
      state.image().check_everything();
      return status::ok();
    }));
    validation_report report;
    auto wal = e.open(p.wal, open_mode::read_only);
    if (!wal) {
      if (wal.error().code() != error_code::not_found) {
        return wal.error();
      }
      report.records = state.size();
      return report;
    }
    auto bytes = read_whole(**wal);
    if (!bytes) {
      return bytes.error();
    }
    auto scan = store_detail::scan_wal(*bytes, state.generation(), state.last_seq() + 1);
    if (!scan) {
      return scan.error();
    }
    if (scan->header == wal_scan::header_state::newer) {
      continue;
    }
    TROP_RETURN_IF_ERROR(guard_corruption([&]() -> status {
      for (const wal_frame& f : scan->frames) {
        for (const wal_op& op : f.ops) {
          auto current = state.find(op.key);
          if ((current ? current->port : 0) != op.prev_port) {
            throw corrupt_error("trop.db-wal: frame " + std::to_string(f.seq) + " (" +
                                to_display(op.key) + ") records previous port " +
                                std::to_string(op.prev_port) + ", but the key holds " +
                                std::to_string(current ? current->port : 0));
          }
          if (op.type == wal_op::kind::put) {
            status s = check_reservation(op.record);
            if (!s.is_ok()) {
              throw corrupt_error("trop.db-wal: frame " + std::to_string(f.seq) + " (" +
                                  to_display(op.key) + "): " + s.message());
            }
          }
        }
        state.apply(f);
      }
      return status::ok();
    }));
    report.records = state.size();
    report.wal_frames = scan->frames.size();
    return report;
  }
  return corruption("trop.db-wal belongs to a newer generation than trop.db");
}

// ---- write_transaction ------------------------------------------------------------

write_transaction::write_transaction(std::unique_ptr<transaction_impl> p) : impl_(std::move(p)) {}
write_transaction::write_transaction(write_transaction&&) noexcept = default;
write_transaction& write_transaction::operator=(write_transaction&&) noexcept = default;
write_transaction::~write_transaction() = default;

const snapshot& write_transaction::view() const {
  return impl_->view;
}

status write_transaction::put(const reservation& r) {
  if (impl_->finished) {
    return invalid_argument("the transaction has already finished");
  }
  TROP_RETURN_IF_ERROR(check_reservation(r));
  store_state& st = *impl_->view.state_;
  return guard_corruption([&]() -> status {
    auto current = st.find(r.key);
    if (current && *current == r) {
      return status::ok();
    }
    if (!(current && current->port == r.port) && st.is_reserved(r.port)) {
      return status(error_code::conflict,
                    "port " + std::to_string(r.port) + " is already reserved by another key");
    }
    // A lease change is a real change (it must be durable), not a refresh.
    bool touch = current && current->port == r.port && current->project == r.project &&
                 current->task == r.task && current->created_at == r.created_at &&
                 current->lease == r.lease;
    impl_->only_touches = impl_->only_touches && touch;
    wal_op op;
    op.type = wal_op::kind::put;
    op.record = r;
    op.key = r.key;
    op.prev_port = current ? current->port : 0;
    impl_->view_changed = true;
    st.apply(op);
    impl_->ops.push_back(std::move(op));
    return status::ok();
  });
}

status write_transaction::erase(const reservation_key& key) {
  if (impl_->finished) {
    return invalid_argument("the transaction has already finished");
  }
  store_state& st = *impl_->view.state_;
  return guard_corruption([&]() -> status {
    auto current = st.find(key);
    if (!current) {
      return status::ok();
    }
    wal_op op;
    op.type = wal_op::kind::erase;
    op.key = key;
    op.prev_port = current->port;
    impl_->view_changed = true;
    st.apply(op);
    impl_->ops.push_back(std::move(op));
    impl_->only_touches = false;
    return status::ok();
  });
}

bool write_transaction::is_dry_run() const {
  return impl_->dry_run;
}

bool write_transaction::has_changes() const {
  return !impl_->ops.empty();
}

status write_transaction::commit() {
  transaction_impl& t = *impl_;
  if (t.finished) {
    return invalid_argument("the transaction has already finished");
  }
  if (t.dry_run) {
    return invalid_argument("a dry-run transaction cannot commit");
  }
  t.finished = true;
  if (t.ops.empty()) {
    if (!t.view_changed) {
      t.keep_state();
    }
    t.lock.reset();
    return status::ok();
  }
  store_state& st = *t.view.state_;
  const bool sync = t.owner->options.durability_mode == durability::full && !t.only_touches;
  const std::uint64_t seq = st.last_seq() + 1;
  std::string frame = store_detail::encode_frame(st.generation(), seq,
                                                 sync ? store_detail::kFrameSynced : 0, t.ops);
  status s;
  std::uint8_t note = 0;
  if (sync) {
    // A synced-flagged frame after a damaged one makes the scan report
    // corruption (FORMAT.md "WAL"), so every earlier frame must be durable
    // before this one can reach the disk. It is, unless the last frame was
    // written without a sync, or its writer died between its write and the
    // end of its fdatasync (the lock file's note, set below, says so).
    note = t.lock->read_note();
    if (t.tail_unsynced || note != 0) {
      s = t.wal->sync_data();
      TROP_FAILPOINT("commit.after_presync");
    }
    t.lock->write_note(1);
  }
  if (s.is_ok()) {
    if (TROP_FAILPOINT_ERROR("commit.before_write")) {
      s = io_error("write " + t.owner->paths.wal +
                   ": Input/output error (failpoint commit.before_write)");
    } else {
      s = write_all(*t.wal, t.wal_end, frame);
      TROP_FAILPOINT("commit.after_write");
    }
  }
  if (s.is_ok() && sync) {
    if (TROP_FAILPOINT_ERROR("commit.before_sync")) {
      s = io_error("fdatasync " + t.owner->paths.wal +
                   ": Input/output error (failpoint commit.before_sync)");
    } else {
      s = t.wal->sync_data();
    }
    if (s.is_ok()) {
      TROP_FAILPOINT("commit.after_sync");
      t.lock->write_note(0);
    }
  }
  if (!s.is_ok()) {
    // Best effort: cut the frame off so that the failed transaction cannot
    // surface later. If this fails too, the frame's bytes may be torn and are
    // discarded as a torn tail, or are intact and count as committed.
    if (t.wal->truncate(t.wal_end).is_ok() && sync) {
      // The frame is gone again; the WAL is as the previous writer left it.
      t.lock->write_note(note);
    }
    t.lock.reset();
    return s;
  }
  t.wal_end += frame.size();
  t.tail = std::move(frame);
  t.tail_unsynced = !sync;
  st.set_last_seq(seq);
  if (t.wal_end >= t.owner->options.checkpoint_bytes) {
    // The commit is durable already; a failed checkpoint is retried by the
    // next writer, so its error does not fail this transaction.
    (void)t.checkpoint();
  } else {
    t.keep_state();
  }
  t.lock.reset();
  return status::ok();
}

void write_transaction::abort() {
  transaction_impl& t = *impl_;
  if (!t.finished && !t.dry_run && t.lock && !t.view_changed) {
    t.keep_state();
  }
  t.finished = true;
  t.lock.reset();
}

std::chrono::microseconds write_transaction::lock_wait() const {
  return impl_->waited;
}

}  // namespace trop
