// The C API (trop/trop.h) over the C++ engine. Every entry point runs its body
// inside guarded(): engine statuses become trop_error codes, and no exception
// ever leaves (std::bad_alloc is TROP_E_NO_MEMORY, anything else
// TROP_E_INTERNAL). Reservations go through trop::reserve with the CLI's hooks
// (occupancy probes, git inference), and trop_options_load_config runs the
// CLI's configuration pipeline (trop::load_config), so behaviour matches
// `trop reserve` in the same directory.
// Thread safety: as trop.h says; the only shared mutable state is the
// per-thread error text.
#include "trop/trop.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "trop/config.h"
#include "trop/env.h"
#include "trop/formats/config_loader.h"
#include "trop/git_inference.h"
#include "trop/lease.h"
#include "trop/occupancy.h"
#include "trop/paths.h"
#include "trop/reserve.h"
#include "trop/store.h"

// The C codes mirror trop::error_code (trop.h promises it).
static_assert(TROP_E_NOT_FOUND == static_cast<int>(trop::error_code::not_found));
static_assert(TROP_E_INVALID_ARGUMENT == static_cast<int>(trop::error_code::invalid_argument));
static_assert(TROP_E_CONFLICT == static_cast<int>(trop::error_code::conflict));
static_assert(TROP_E_BUSY == static_cast<int>(trop::error_code::busy));
static_assert(TROP_E_CORRUPTION == static_cast<int>(trop::error_code::corruption));
static_assert(TROP_E_UNSUPPORTED_VERSION ==
              static_cast<int>(trop::error_code::unsupported_version));
static_assert(TROP_E_FOREIGN_FORMAT == static_cast<int>(trop::error_code::foreign_format));
static_assert(TROP_E_IO == static_cast<int>(trop::error_code::io_error));
static_assert(TROP_E_EXHAUSTED == static_cast<int>(trop::error_code::exhausted));
static_assert(TROP_E_STICKY_VIOLATION == static_cast<int>(trop::error_code::sticky_violation));
static_assert(TROP_E_CRASHED == static_cast<int>(trop::error_code::crashed));

struct trop_options {
  std::optional<std::string> data_dir;
  trop::port_range range{trop::kDefaultPortMin, trop::kDefaultPortMax};
  trop::exclusion_set excluded;
  trop::durability durability = trop::durability::full;
  unsigned occupancy = 0;
  std::uint32_t busy_timeout_ms = static_cast<std::uint32_t>(trop::kDefaultLockWaitSeconds * 1000);
  bool autoinit = true;
  bool prune = true;
  bool expire = true;
  std::uint32_t expire_after_days = trop::kDefaultExpireAfterDays;
  bool allow_project_change = false;
  bool allow_task_change = false;
  // From trop_options_load_config: set_default (a file) or set_explicit
  // (TROP_PROJECT / TROP_TASK); preserve when none.
  trop::metadata_intent project;
  trop::metadata_intent task;
};

struct trop_store {
  trop_options options;
  trop::store store;
};

namespace {

thread_local std::string g_last_error;

trop_error fail(trop_error code, std::string message) {
  g_last_error = std::move(message);
  return code;
}

trop_error fail(const trop::status& s) {
  return fail(static_cast<trop_error>(s.code()), s.message());
}

trop_error invalid(std::string message) {
  return fail(TROP_E_INVALID_ARGUMENT, std::move(message));
}

// Sets the error text where building it must not throw (out of memory):
// the fixed text, or none at all.
trop_error fail_noexcept(trop_error code, const char* message) noexcept {
  try {
    g_last_error = message;
  } catch (...) {
    g_last_error.clear();
  }
  return code;
}

// Runs an entry point's body: clears the error text, and turns every
// exception into a code so that none crosses the C boundary.
template <class F>
trop_error guarded(F&& body) noexcept {
  try {
    g_last_error.clear();
    return body();
  } catch (const std::bad_alloc&) {
    return fail_noexcept(TROP_E_NO_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    try {
      return fail(TROP_E_INTERNAL, std::string("internal error: ") + e.what());
    } catch (...) {
      return fail_noexcept(TROP_E_INTERNAL, "internal error");
    }
  } catch (...) {
    return fail_noexcept(TROP_E_INTERNAL, "internal error: unknown exception");
  }
}

const char* env_or_null(const char* name) {
  return std::getenv(name);
}

trop::result<std::string> current_directory() {
  std::unique_ptr<char, decltype(&std::free)> buf(::getcwd(nullptr, 0), &std::free);
  if (!buf) {
    int err = errno;
    return trop::io_error(std::string("cannot read the current directory: ") + std::strerror(err) +
                          " (os error " + std::to_string(err) + ")");
  }
  return std::string(buf.get());
}

trop::result<std::string> resolve_data_dir(const trop_options& o) {
  if (o.data_dir) {
    return *o.data_dir;
  }
  return trop::default_data_dir(std::getenv("TROP_DATA_DIR"), std::getenv("HOME"));
}

// A reservation path as the CLI resolves --path (SPEC B §5.1), or the
// canonical cwd when `path` is NULL.
trop::result<std::string> resolve_path(const char* path) {
  if (path == nullptr) {
    trop::result<std::string> cwd = current_directory();
    if (!cwd) {
      return cwd.error();
    }
    trop::result<std::string> canon = trop::canonicalize(*cwd);
    if (!canon) {
      return canon.error();
    }
    // An identity is valid UTF-8 (SPEC B §5.1 holds for the implicit path too).
    if (trop::result<std::string> checked = trop::normalize_explicit(*canon, "/", ""); !checked) {
      return checked.error();
    }
    return canon;
  }
  std::string_view p(path);
  std::string home;
  if (!p.empty() && p[0] == '~') {
    const char* h = std::getenv("HOME");
    home = h == nullptr ? "" : h;
  }
  std::string cwd;
  if (!p.empty() && p[0] != '/' && (p[0] != '~' || home.empty() || home[0] != '/')) {
    trop::result<std::string> c = current_directory();
    if (!c) {
      return c.error();
    }
    cwd = std::move(*c);
  }
  return trop::normalize_explicit(p, cwd, home);
}

trop::result<std::optional<std::string>> resolve_tag(const char* tag) {
  if (tag == nullptr) {
    return std::optional<std::string>();
  }
  std::string_view t = trop::trim_whitespace(tag);
  if (t.empty()) {
    return trop::invalid_argument(
        "validation error for 'tag': tag must be non-empty after trimming whitespace");
  }
  return std::optional<std::string>(std::string(t));
}

trop::result<trop::reservation_key> resolve_key(const char* path, const char* tag) {
  trop::result<std::string> p = resolve_path(path);
  if (!p) {
    return p.error();
  }
  trop::result<std::optional<std::string>> t = resolve_tag(tag);
  if (!t) {
    return t.error();
  }
  return trop::reservation_key{std::move(*p), std::move(*t)};
}

// An explicit --project / --task value: trimmed and checked (SPEC B §6).
trop::result<std::string> explicit_identifier(const char* value, const char* field) {
  std::string_view v = trop::trim_whitespace(value);
  if (std::optional<std::string> problem = trop::check_identifier(v)) {
    return trop::invalid_argument(std::string("validation error for '") + field + "': " + *problem);
  }
  return std::string(v);
}

trop::occupancy_policy policy_of(unsigned bits) {
  trop::occupancy_policy p;
  p.skip_ip4 = (bits & TROP_OCCUPANCY_SKIP_IPV4) != 0;
  p.skip_ip6 = (bits & TROP_OCCUPANCY_SKIP_IPV6) != 0;
  p.skip_tcp = (bits & TROP_OCCUPANCY_SKIP_TCP) != 0;
  p.skip_udp = (bits & TROP_OCCUPANCY_SKIP_UDP) != 0;
  p.check_all_interfaces = (bits & TROP_OCCUPANCY_ALL_INTERFACES) != 0;
  return p;
}

unsigned bits_of(const trop::occupancy_policy& p) {
  return (p.skip_ip4 ? TROP_OCCUPANCY_SKIP_IPV4 : 0u) |
         (p.skip_ip6 ? TROP_OCCUPANCY_SKIP_IPV6 : 0u) |
         (p.skip_tcp ? TROP_OCCUPANCY_SKIP_TCP : 0u) | (p.skip_udp ? TROP_OCCUPANCY_SKIP_UDP : 0u) |
         (p.check_all_interfaces ? TROP_OCCUPANCY_ALL_INTERFACES : 0u);
}

// The store is missing and autoinit is off: the CLI's exit 3.
trop_error store_missing(const trop_store& s) {
  return fail(TROP_E_NOT_FOUND, "Data directory not found: no trop store in " +
                                    s.store.paths().dir + " and autoinit is disabled");
}

// With autoinit off, a missing trop.db fails every call (SPEC B §2.3).
trop_error require_store_if_autoinit_off(const trop_store& s) {
  if (s.options.autoinit) {
    return TROP_OK;
  }
  trop::result<bool> exists = s.store.exists();
  if (!exists) {
    return fail(exists.error());
  }
  return *exists ? TROP_OK : store_missing(s);
}

// The request's lease (trop/lease.h): a lapse time and/or an owner process,
// identified now by pid, start time, pid namespace and boot id as the CLI's
// --owner-pid does (a missing process or one in another pid namespace is an
// invalid argument, like the CLI's exit 4).
trop_error apply_lease(trop::reserve_request& req, const trop_reserve_request& rq) {
  if (rq.ttl_seconds < 0) {
    return invalid("ttl_seconds must not be negative");
  }
  if (rq.owner_pid < 0) {
    return invalid("owner_pid must not be negative");
  }
  if (rq.ttl_seconds == 0 && rq.owner_pid == 0) {
    return TROP_OK;  // sticky
  }
  trop::lease l;
  if (rq.ttl_seconds > 0) {
    if (rq.ttl_seconds > std::numeric_limits<std::int64_t>::max() - req.now) {
      return invalid(std::string("ttl_seconds ") + std::to_string(rq.ttl_seconds) +
                     " is too large");
    }
    l.expires_at = req.now + rq.ttl_seconds;
  }
  if (rq.owner_pid > 0) {
    trop::result<trop::process_identity> id = trop::identify_process(rq.owner_pid);
    if (!id) {
      trop::error_code c = id.error().code();
      return fail(c == trop::error_code::not_found || c == trop::error_code::invalid_argument
                      ? TROP_E_INVALID_ARGUMENT
                      : static_cast<trop_error>(c),
                  "owner_pid: " + id.error().message());
    }
    l.owner = *id;
  }
  req.lease = l;
  return TROP_OK;
}

void copy_lease(const trop::reservation& r, trop_reservation* out) {
  if (r.lease) {
    out->has_lease = 1;
    out->lease_expires_at = r.lease->expires_at.value_or(0);
    out->lease_owner_pid = r.lease->owner ? r.lease->owner->pid : 0;
  }
}

// Copies records into one malloc'ed block: the array, then every string.
trop_reservation* pack(const std::vector<trop::reservation>& records) {
  std::size_t bytes = records.size() * sizeof(trop_reservation);
  auto text_size = [](const std::optional<std::string>& s) { return s ? s->size() + 1 : 0; };
  for (const trop::reservation& r : records) {
    bytes +=
        r.key.path.size() + 1 + text_size(r.key.tag) + text_size(r.project) + text_size(r.task);
  }
  void* block = std::malloc(bytes == 0 ? 1 : bytes);
  if (block == nullptr) {
    throw std::bad_alloc();
  }
  auto* items = static_cast<trop_reservation*>(block);
  char* text = static_cast<char*>(block) + records.size() * sizeof(trop_reservation);
  auto put = [&text](const std::string& s) {
    std::memcpy(text, s.c_str(), s.size() + 1);
    const char* at = text;
    text += s.size() + 1;
    return at;
  };
  auto put_optional = [&put](const std::optional<std::string>& s) -> const char* {
    return s ? put(*s) : nullptr;
  };
  for (std::size_t i = 0; i < records.size(); ++i) {
    const trop::reservation& r = records[i];
    trop_reservation* out = &items[i];
    *out = trop_reservation{};
    out->path = put(r.key.path);
    out->tag = put_optional(r.key.tag);
    out->project = put_optional(r.project);
    out->task = put_optional(r.task);
    out->port = r.port;
    out->created_at = r.created_at;
    out->last_used_at = r.last_used_at;
    copy_lease(r, out);
  }
  return items;
}

trop::occupancy_verdict verdict_of(trop::occupancy_state state) {
  switch (state) {
    case trop::occupancy_state::free:
      return trop::occupancy_verdict::free;
    case trop::occupancy_state::occupied:
      return trop::occupancy_verdict::occupied;
    case trop::occupancy_state::unknown:
      break;
  }
  return trop::occupancy_verdict::possibly_occupied;
}

constexpr unsigned kAllReserveFlags =
    TROP_RESERVE_OVERWRITE | TROP_RESERVE_FORCE | TROP_RESERVE_IGNORE_OCCUPIED |
    TROP_RESERVE_IGNORE_EXCLUSIONS | TROP_RESERVE_ALLOW_PROJECT_CHANGE |
    TROP_RESERVE_ALLOW_TASK_CHANGE | TROP_RESERVE_CLEAR_PROJECT | TROP_RESERVE_CLEAR_TASK |
    TROP_RESERVE_NO_GIT | TROP_RESERVE_DRY_RUN;

constexpr unsigned kAllOccupancyBits = TROP_OCCUPANCY_OFF | TROP_OCCUPANCY_ALL_INTERFACES;

trop_reserve_action action_of(trop::reserve_outcome::action a) {
  switch (a) {
    case trop::reserve_outcome::action::created:
      return TROP_RESERVE_CREATED;
    case trop::reserve_outcome::action::refreshed:
      return TROP_RESERVE_REFRESHED;
    case trop::reserve_outcome::action::metadata_updated:
      return TROP_RESERVE_METADATA_UPDATED;
    case trop::reserve_outcome::action::reallocated:
      break;
  }
  return TROP_RESERVE_REALLOCATED;
}

// The project or task intent of a request (A.2 #28 for the configured one).
trop::result<trop::metadata_intent> intent_of(const char* value, bool clear,
                                              const trop::metadata_intent& configured,
                                              const char* field) {
  if (clear && value != nullptr) {
    return trop::invalid_argument(std::string("a ") + field + " cannot be both given and cleared");
  }
  if (clear) {
    return trop::metadata_intent{trop::metadata_intent::kind::clear, {}};
  }
  if (value != nullptr) {
    trop::result<std::string> v = explicit_identifier(value, field);
    if (!v) {
      return v.error();
    }
    return trop::metadata_intent{trop::metadata_intent::kind::set_explicit, std::move(*v)};
  }
  return configured;
}

}  // namespace

extern "C" {

const char* trop_error_name(trop_error code) {
  switch (code) {
    case TROP_OK:
      return "ok";
    case TROP_E_NOT_FOUND:
      return "not_found";
    case TROP_E_INVALID_ARGUMENT:
      return "invalid_argument";
    case TROP_E_CONFLICT:
      return "conflict";
    case TROP_E_BUSY:
      return "busy";
    case TROP_E_CORRUPTION:
      return "corruption";
    case TROP_E_UNSUPPORTED_VERSION:
      return "unsupported_version";
    case TROP_E_FOREIGN_FORMAT:
      return "foreign_format";
    case TROP_E_IO:
      return "io_error";
    case TROP_E_EXHAUSTED:
      return "exhausted";
    case TROP_E_STICKY_VIOLATION:
      return "sticky_violation";
    case TROP_E_CRASHED:
      return "crashed";
    case TROP_E_CONFIG:
      return "config";
    case TROP_E_NO_MEMORY:
      return "no_memory";
    case TROP_E_INTERNAL:
      return "internal";
    case TROP_E_ENUM_MAX_:
      break;
  }
  return "unknown";
}

const char* trop_last_error(void) {
  return g_last_error.c_str();
}

// ---------------------------------------------------------------------------
// Options

trop_error trop_options_new(trop_options** out) {
  if (out != nullptr) {
    *out = nullptr;
  }
  return guarded([&] {
    if (out == nullptr) {
      return invalid("trop_options_new: out is NULL");
    }
    *out = new trop_options();
    return TROP_OK;
  });
}

void trop_options_free(trop_options* options) {
  delete options;
}

trop_error trop_options_load_config(trop_options* options, const char* directory) {
  return guarded([&] {
    if (options == nullptr) {
      return invalid("trop_options_load_config: options is NULL");
    }
    trop::result<std::string> data_dir = resolve_data_dir(*options);
    if (!data_dir) {
      return fail(data_dir.error());
    }
    std::string dir;
    if (directory == nullptr) {
      trop::result<std::string> cwd = current_directory();
      if (!cwd) {
        return fail(cwd.error());
      }
      dir = std::move(*cwd);
    } else {
      dir = directory;
    }
    trop::result<std::string> canon = trop::canonicalize(dir);
    if (!canon) {
      return fail(canon.error());
    }

    // What `trop reserve` in `directory` resolves, without command-line flags.
    trop::config_request req;
    req.data_dir = *data_dir;
    req.cwd = *canon;
    req.scope = trop::config_scope::discover;
    req.command_line.kind = trop::config_origin::command_line;
    req.command_line.origin = std::string(trop::kOriginCommandLine);
    req.getenv = env_or_null;
    req.uses_project_task = true;
    trop::config_outcome out = trop::load_config(req);
    if (!out.ok()) {
      return fail(TROP_E_CONFIG, trop::describe_config_errors(out.errors));
    }
    const trop::effective_config& c = out.config;

    trop_options loaded;
    loaded.data_dir = std::move(*data_dir);
    loaded.range = c.range();
    loaded.excluded = c.exclusions;
    loaded.durability = c.durability_mode;
    loaded.occupancy = bits_of(c.occupancy.policy());
    loaded.busy_timeout_ms = c.busy_timeout_seconds() * 1000u;  // <= 2147483 s: no overflow
    loaded.autoinit = !c.disable_autoinit;
    loaded.prune = !c.disable_autoprune;
    loaded.expire = !c.disable_autoexpire;
    loaded.expire_after_days = c.expire_after_days;
    loaded.allow_project_change = c.may_change_project();
    loaded.allow_task_change = c.may_change_task();
    loaded.project = trop::configured_intent(c.project, c.project_cleared, c.project_source());
    loaded.task = trop::configured_intent(c.task, c.task_cleared, c.task_source());
    *options = std::move(loaded);
    return TROP_OK;
  });
}

trop_error trop_options_set_data_dir(trop_options* options, const char* data_dir) {
  return guarded([&] {
    if (options == nullptr) {
      return invalid("trop_options_set_data_dir: options is NULL");
    }
    if (data_dir == nullptr) {
      options->data_dir.reset();
      return TROP_OK;
    }
    if (*data_dir == '\0') {
      return invalid("the data directory must not be empty");
    }
    options->data_dir = data_dir;
    return TROP_OK;
  });
}

const char* trop_options_data_dir(const trop_options* options) {
  return options == nullptr || !options->data_dir ? nullptr : options->data_dir->c_str();
}

trop_error trop_options_set_range(trop_options* options, uint16_t min, uint16_t max) {
  return guarded([&] {
    if (options == nullptr) {
      return invalid("trop_options_set_range: options is NULL");
    }
    if (min == 0 || min > max) {
      return invalid(std::string("Invalid port range: ") + std::to_string(min) + "-" +
                     std::to_string(max) + " (need 1 <= min <= max)");
    }
    options->range = trop::port_range{min, max};
    return TROP_OK;
  });
}

void trop_options_range(const trop_options* options, uint16_t* min, uint16_t* max) {
  if (options == nullptr) {
    return;
  }
  if (min != nullptr) {
    *min = options->range.min;
  }
  if (max != nullptr) {
    *max = options->range.max;
  }
}

trop_error trop_options_add_exclusion(trop_options* options, uint16_t first, uint16_t last) {
  return guarded([&] {
    if (options == nullptr) {
      return invalid("trop_options_add_exclusion: options is NULL");
    }
    if (first == 0 || first > last) {
      return invalid(std::string("Invalid excluded range: ") + std::to_string(first) + "-" +
                     std::to_string(last) + " (need 1 <= first <= last)");
    }
    options->excluded.add(first, last);
    return TROP_OK;
  });
}

void trop_options_clear_exclusions(trop_options* options) {
  if (options != nullptr) {
    options->excluded = trop::exclusion_set();
  }
}

size_t trop_options_exclusion_count(const trop_options* options) {
  return options == nullptr ? 0 : options->excluded.ranges().size();
}

trop_error trop_options_exclusion(const trop_options* options, size_t index, uint16_t* first,
                                  uint16_t* last) {
  return guarded([&] {
    if (options == nullptr || first == nullptr || last == nullptr) {
      return invalid("trop_options_exclusion: NULL argument");
    }
    const std::vector<trop::port_range>& ranges = options->excluded.ranges();
    if (index >= ranges.size()) {
      return invalid(std::string("exclusion index ") + std::to_string(index) + " out of range (" +
                     std::to_string(ranges.size()) + " ranges)");
    }
    *first = ranges[index].min;
    *last = ranges[index].max;
    return TROP_OK;
  });
}

trop_error trop_options_set_durability(trop_options* options, trop_durability durability) {
  return guarded([&] {
    if (options == nullptr) {
      return invalid("trop_options_set_durability: options is NULL");
    }
    switch (durability) {
      case TROP_DURABILITY_FULL:
        options->durability = trop::durability::full;
        return TROP_OK;
      case TROP_DURABILITY_NORMAL:
        options->durability = trop::durability::normal;
        return TROP_OK;
      case TROP_DURABILITY_ENUM_MAX_:
        break;
    }
    return invalid(std::string("unknown durability ") +
                   std::to_string(static_cast<int>(durability)));
  });
}

trop_durability trop_options_durability(const trop_options* options) {
  return options != nullptr && options->durability == trop::durability::normal
             ? TROP_DURABILITY_NORMAL
             : TROP_DURABILITY_FULL;
}

trop_error trop_options_set_occupancy(trop_options* options, unsigned policy) {
  return guarded([&] {
    if (options == nullptr) {
      return invalid("trop_options_set_occupancy: options is NULL");
    }
    if ((policy & ~kAllOccupancyBits) != 0) {
      return invalid("unknown occupancy policy bits " +
                     std::to_string(policy & ~kAllOccupancyBits));
    }
    options->occupancy = policy;
    return TROP_OK;
  });
}

unsigned trop_options_occupancy(const trop_options* options) {
  return options == nullptr ? 0u : options->occupancy;
}

void trop_options_set_busy_timeout_ms(trop_options* options, uint32_t milliseconds) {
  if (options != nullptr) {
    options->busy_timeout_ms = milliseconds;
  }
}

uint32_t trop_options_busy_timeout_ms(const trop_options* options) {
  return options == nullptr ? 0u : options->busy_timeout_ms;
}

void trop_options_set_autoinit(trop_options* options, int enabled) {
  if (options != nullptr) {
    options->autoinit = enabled != 0;
  }
}

int trop_options_autoinit(const trop_options* options) {
  return options != nullptr && options->autoinit ? 1 : 0;
}

trop_error trop_options_set_cleanup(trop_options* options, int prune, int expire,
                                    uint32_t expire_after_days) {
  return guarded([&] {
    if (options == nullptr) {
      return invalid("trop_options_set_cleanup: options is NULL");
    }
    if (expire_after_days == 0) {
      return invalid("expire_after_days must be at least 1");
    }
    options->prune = prune != 0;
    options->expire = expire != 0;
    options->expire_after_days = expire_after_days;
    return TROP_OK;
  });
}

void trop_options_cleanup(const trop_options* options, int* prune, int* expire,
                          uint32_t* expire_after_days) {
  if (options == nullptr) {
    return;
  }
  if (prune != nullptr) {
    *prune = options->prune ? 1 : 0;
  }
  if (expire != nullptr) {
    *expire = options->expire ? 1 : 0;
  }
  if (expire_after_days != nullptr) {
    *expire_after_days = options->expire_after_days;
  }
}

void trop_options_set_allow_change(trop_options* options, int project, int task) {
  if (options != nullptr) {
    options->allow_project_change = project != 0;
    options->allow_task_change = task != 0;
  }
}

void trop_options_allow_change(const trop_options* options, int* project, int* task) {
  if (options == nullptr) {
    return;
  }
  if (project != nullptr) {
    *project = options->allow_project_change ? 1 : 0;
  }
  if (task != nullptr) {
    *task = options->allow_task_change ? 1 : 0;
  }
}

const char* trop_options_project(const trop_options* options) {
  if (options == nullptr || options->project.how == trop::metadata_intent::kind::preserve ||
      options->project.how == trop::metadata_intent::kind::clear) {
    return nullptr;
  }
  return options->project.value.c_str();
}

const char* trop_options_task(const trop_options* options) {
  if (options == nullptr || options->task.how == trop::metadata_intent::kind::preserve ||
      options->task.how == trop::metadata_intent::kind::clear) {
    return nullptr;
  }
  return options->task.value.c_str();
}

// ---------------------------------------------------------------------------
// Store

trop_error trop_open(const trop_options* options, trop_store** out) {
  if (out != nullptr) {
    *out = nullptr;
  }
  return guarded([&] {
    if (out == nullptr) {
      return invalid("trop_open: out is NULL");
    }
    trop_options opts = options == nullptr ? trop_options() : *options;
    trop::result<std::string> data_dir = resolve_data_dir(opts);
    if (!data_dir) {
      return fail(data_dir.error());
    }
    trop::store_options so;
    so.data_dir = *data_dir;
    so.durability_mode = opts.durability;
    so.busy_timeout = std::chrono::milliseconds(opts.busy_timeout_ms);
    so.create_if_missing = opts.autoinit;
    trop::result<trop::store> st = trop::store::open(std::move(so));
    if (!st) {
      return fail(st.error());
    }
    opts.data_dir = std::move(*data_dir);
    *out = new trop_store{std::move(opts), std::move(*st)};
    return TROP_OK;
  });
}

void trop_close(trop_store* store) {
  delete store;
}

const char* trop_store_data_dir(const trop_store* store) {
  return store == nullptr ? nullptr : store->options.data_dir->c_str();
}

// ---------------------------------------------------------------------------
// Reserve

void trop_reserve_request_init(trop_reserve_request* request) {
  if (request != nullptr) {
    *request = trop_reserve_request{};
    request->struct_size = sizeof(trop_reserve_request);
  }
}

void trop_reserve_result_init(trop_reserve_result* result) {
  if (result != nullptr) {
    *result = trop_reserve_result{};
    result->struct_size = sizeof(trop_reserve_result);
  }
}

trop_error trop_reserve(trop_store* store, const trop_reserve_request* request,
                        trop_reserve_result* result) {
  return guarded([&] {
    if (store == nullptr || request == nullptr) {
      return invalid("trop_reserve: NULL store or request");
    }
    if (request->struct_size < sizeof(trop_reserve_request)) {
      return invalid("trop_reserve: request not initialised (call trop_reserve_request_init)");
    }
    if (result != nullptr && result->struct_size < sizeof(trop_reserve_result)) {
      return invalid("trop_reserve: result not initialised (call trop_reserve_result_init)");
    }
    const unsigned flags = request->flags;
    if ((flags & ~kAllReserveFlags) != 0) {
      return invalid(std::string("trop_reserve: unknown flags ") +
                     std::to_string(flags & ~kAllReserveFlags));
    }
    const trop_options& o = store->options;

    trop::reserve_request req;
    trop::result<trop::reservation_key> key = resolve_key(request->path, request->tag);
    if (!key) {
      return fail(key.error());
    }
    req.key = std::move(*key);
    if (request->preferred_port != 0) {
      req.preferred = request->preferred_port;
    }
    req.range = o.range;
    req.excluded = o.excluded;
    trop::result<trop::metadata_intent> project = intent_of(
        request->project, (flags & TROP_RESERVE_CLEAR_PROJECT) != 0, o.project, "project");
    if (!project) {
      return fail(project.error());
    }
    req.project = std::move(*project);
    trop::result<trop::metadata_intent> task =
        intent_of(request->task, (flags & TROP_RESERVE_CLEAR_TASK) != 0, o.task, "task");
    if (!task) {
      return fail(task.error());
    }
    req.task = std::move(*task);
    req.overwrite = (flags & TROP_RESERVE_OVERWRITE) != 0;
    req.force = (flags & TROP_RESERVE_FORCE) != 0;
    req.ignore_occupied = (flags & TROP_RESERVE_IGNORE_OCCUPIED) != 0;
    req.ignore_exclusions = (flags & TROP_RESERVE_IGNORE_EXCLUSIONS) != 0;
    req.allow_project_change =
        (flags & TROP_RESERVE_ALLOW_PROJECT_CHANGE) != 0 || o.allow_project_change;
    req.allow_task_change = (flags & TROP_RESERVE_ALLOW_TASK_CHANGE) != 0 || o.allow_task_change;
    req.prune_enabled = o.prune;
    req.expire_enabled = o.expire;
    req.expire_after_days = o.expire_after_days;
    req.now = trop::env::posix()->now_unix();
    if (trop_error e = apply_lease(req, *request); e != TROP_OK) {
      return e;
    }

    // The hooks of `trop reserve` (cli/cmd_reserve.cpp): bind probes with the
    // options' policy and git inference for new keys.
    trop::reserve_hooks hooks;
    trop::system_occupancy_probe probe;
    const trop::occupancy_policy policy = policy_of(o.occupancy);
    hooks.occupied = [&probe, &policy](std::uint16_t port) {
      return verdict_of(probe.check(port, policy).state);
    };
    if ((flags & TROP_RESERVE_NO_GIT) == 0) {
      hooks.infer = [](const std::string& path) {
        trop::git_facts g = trop::infer_git_facts(path);
        return trop::inferred_metadata{std::move(g.project), std::move(g.task)};
      };
    }

    if (trop_error e = require_store_if_autoinit_off(*store); e != TROP_OK) {
      return e;
    }
    const bool dry_run = (flags & TROP_RESERVE_DRY_RUN) != 0;
    trop::result<trop::write_transaction> txn =
        dry_run ? store->store.begin_dry_run() : store->store.begin_write();
    if (!txn) {
      if (txn.error().code() == trop::error_code::not_found && !o.autoinit) {
        return store_missing(*store);  // trop.db vanished between the check and the lock
      }
      return fail(txn.error());
    }
    trop::reserve_outcome out;
    if (trop::status s = trop::reserve(*txn, req, hooks, &out); !s) {
      return fail(s);  // the transaction is dropped: nothing was committed
    }
    if (!dry_run) {
      if (trop::status s = txn->commit(); !s) {
        return fail(s);
      }
    }
    if (result != nullptr) {
      result->port = out.port;
      result->action = action_of(out.what);
      result->preferred_passed_over = out.preferred_warning ? 1 : 0;
      result->cleanup_pruned =
          out.cleanup ? static_cast<std::uint32_t>(out.cleanup->pruned.size()) : 0u;
      result->cleanup_expired =
          out.cleanup ? static_cast<std::uint32_t>(out.cleanup->expired.size()) : 0u;
      result->leases_reclaimed = static_cast<std::uint32_t>(out.reclaimed.reclaimed.size());
    }
    return TROP_OK;
  });
}

// ---------------------------------------------------------------------------
// Records

trop_error trop_release(trop_store* store, const char* path, const char* tag) {
  return guarded([&] {
    if (store == nullptr) {
      return invalid("trop_release: store is NULL");
    }
    trop::result<trop::reservation_key> key = resolve_key(path, tag);
    if (!key) {
      return fail(key.error());
    }
    const std::string not_found_text =
        std::string("No reservation found for ") + trop::to_display(*key) + " (already released)";
    if (trop_error e = require_store_if_autoinit_off(*store); e != TROP_OK) {
      return e;
    }
    // Releasing from a store that does not exist creates nothing.
    trop::result<bool> exists = store->store.exists();
    if (!exists) {
      return fail(exists.error());
    }
    if (!*exists) {
      return fail(TROP_E_NOT_FOUND, not_found_text);
    }
    trop::result<trop::write_transaction> txn = store->store.begin_write();
    if (!txn) {
      return fail(txn.error());
    }
    trop::result<std::optional<trop::reservation>> found = txn->view().find(*key);
    if (!found) {
      return fail(found.error());
    }
    if (!*found) {
      return fail(TROP_E_NOT_FOUND, not_found_text);
    }
    if (trop::status s = txn->erase(*key); !s) {
      return fail(s);
    }
    if (trop::status s = txn->commit(); !s) {
      return fail(s);
    }
    return TROP_OK;
  });
}

trop_error trop_lookup(trop_store* store, const char* path, const char* tag,
                       trop_reservation** out) {
  if (out != nullptr) {
    *out = nullptr;
  }
  return guarded([&] {
    if (store == nullptr || out == nullptr) {
      return invalid("trop_lookup: NULL store or out");
    }
    trop::result<trop::reservation_key> key = resolve_key(path, tag);
    if (!key) {
      return fail(key.error());
    }
    // A lock-free snapshot; a missing store reads as empty and is not created.
    if (trop_error e = require_store_if_autoinit_off(*store); e != TROP_OK) {
      return e;
    }
    trop::result<trop::snapshot> snap = store->store.read();
    if (!snap) {
      return fail(snap.error());
    }
    trop::result<std::optional<trop::reservation>> found = snap->find(*key);
    if (!found) {
      return fail(found.error());
    }
    if (!*found) {
      return fail(TROP_E_NOT_FOUND,
                  std::string("No reservation found for ") + trop::to_display(*key));
    }
    *out = pack({std::move(**found)});
    return TROP_OK;
  });
}

trop_error trop_lookup_port(trop_store* store, uint16_t port, trop_reservation** out) {
  if (out != nullptr) {
    *out = nullptr;
  }
  return guarded([&] {
    if (store == nullptr || out == nullptr) {
      return invalid("trop_lookup_port: NULL store or out");
    }
    if (port == 0) {
      return invalid("Invalid port number: 0");
    }
    // A lock-free snapshot; a missing store reads as empty and is not created.
    if (trop_error e = require_store_if_autoinit_off(*store); e != TROP_OK) {
      return e;
    }
    trop::result<trop::snapshot> snap = store->store.read();
    if (!snap) {
      return fail(snap.error());
    }
    trop::result<std::optional<trop::reservation>> found = snap->find_by_port(port);
    if (!found) {
      return fail(found.error());
    }
    if (!*found) {
      return fail(TROP_E_NOT_FOUND,
                  std::string("No reservation holds port ") + std::to_string(port));
    }
    *out = pack({std::move(**found)});
    return TROP_OK;
  });
}

void trop_reservation_free(trop_reservation* reservation) {
  std::free(reservation);
}

trop_error trop_list(trop_store* store, const char* under, trop_reservation** items,
                     size_t* count) {
  if (items != nullptr) {
    *items = nullptr;
  }
  return guarded([&] {
    if (store == nullptr || items == nullptr || count == nullptr) {
      return invalid("trop_list: NULL store, items or count");
    }
    std::optional<std::string> prefix;
    if (under != nullptr) {
      trop::result<std::string> p = resolve_path(under);
      if (!p) {
        return fail(p.error());
      }
      prefix = std::move(*p);
    }
    // A lock-free snapshot; a missing store reads as empty and is not created.
    if (trop_error e = require_store_if_autoinit_off(*store); e != TROP_OK) {
      return e;
    }
    trop::result<trop::snapshot> snap = store->store.read();
    if (!snap) {
      return fail(snap.error());
    }
    std::vector<trop::reservation> records;
    auto collect = [&records](const trop::reservation& r) {
      records.push_back(r);
      return true;
    };
    trop::status s = prefix ? snap->for_each_under(*prefix, collect) : snap->for_each(collect);
    if (!s) {
      return fail(s);
    }
    *items = pack(records);
    *count = records.size();
    return TROP_OK;
  });
}

void trop_list_free(trop_reservation* items) {
  std::free(items);
}

}  // extern "C"
