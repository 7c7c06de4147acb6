/* The C API of trop: open a reservation store, reserve, release, look up and
 * list ports from C or any language with a C FFI. Full reference with
 * examples: docs/c-api.md.
 *
 * Thread safety: a trop_store may be shared between threads (every call on it
 * is safe concurrently; writes of all threads and processes are serialised by
 * the store's lock). A trop_options belongs to one thread at a time. Error
 * texts are per thread (trop_last_error).
 *
 * Conventions, for every function below unless it says otherwise:
 *   - Functions that can fail return a trop_error; TROP_OK (0) is success.
 *     On failure, out-parameters are left untouched (pointer outputs are set
 *     to NULL) and trop_last_error() holds a message for this thread.
 *   - A NULL handle or a NULL required pointer is TROP_E_INVALID_ARGUMENT.
 *   - Strings passed in are borrowed for the duration of the call only
 *     (copied when kept) and must be NUL-terminated UTF-8.
 *   - Memory returned by a function is freed by the function its
 *     documentation names (trop_options_free, trop_close,
 *     trop_reservation_free, trop_list_free), never by free().
 *   - No C++ exception ever crosses this API: an unexpected failure inside is
 *     TROP_E_INTERNAL, an allocation failure TROP_E_NO_MEMORY.
 *   - A failed call that changes the store leaves it exactly as it was.
 *
 * The library is static (libtrop.a) and written in C++: a C program links it
 * with the C++ runtime (the CMake package and trop.pc do that; see
 * docs/c-api.md). This header is valid C99 and C++.
 */
#ifndef TROP_TROP_H
#define TROP_TROP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped when a function or field is added. */
#define TROP_C_API_VERSION 1

/* ------------------------------------------------------------------------ */
/* Errors */

/* Error codes. The numbers are stable (never reused or renumbered); 1..11
 * mirror trop::error_code of the C++ engine (trop/status.h). */
typedef enum trop_error {
  TROP_OK = 0,
  TROP_E_NOT_FOUND = 1,           /* no such reservation; store missing with autoinit off */
  TROP_E_INVALID_ARGUMENT = 2,    /* bad argument, NULL handle, bad path, tag or option */
  TROP_E_CONFLICT = 3,            /* the change would break an invariant */
  TROP_E_BUSY = 4,                /* the write lock was not acquired within the busy timeout */
  TROP_E_CORRUPTION = 5,          /* stored bytes fail a checksum, a bound or an invariant */
  TROP_E_UNSUPPORTED_VERSION = 6, /* the store was written by a newer trop */
  TROP_E_FOREIGN_FORMAT = 7,      /* the data directory holds something that is not a trop store */
  TROP_E_IO = 8,                  /* the operating system refused an operation */
  TROP_E_EXHAUSTED = 9,           /* no port satisfies the request */
  TROP_E_STICKY_VIOLATION = 10,   /* a change of a stored project or task without permission */
  TROP_E_CRASHED = 11,            /* test builds only: a simulated crash */
  TROP_E_CONFIG = 100,            /* trop_options_load_config: invalid configuration */
  TROP_E_NO_MEMORY = 101,         /* an allocation failed */
  TROP_E_INTERNAL = 102,          /* an unexpected failure inside trop (a bug) */
  /* Not a code: keeps the type int-sized and every int value a valid one. */
  TROP_E_ENUM_MAX_ = 0x7fffffff
} trop_error;

/* The name of a code: "ok", "not_found", "invalid_argument", ...,
 * "internal"; "unknown" for any other value. Static storage; never NULL. */
const char* trop_error_name(trop_error code);

/* The message of the most recent failed call on this thread, e.g.
 * "no port available in range 6000-6001: all ports are reserved"; "" when
 * the most recent call succeeded (every call that can fail clears it first).
 * Owned by the library; valid until the next trop_ call on the same thread. */
const char* trop_last_error(void);

/* ------------------------------------------------------------------------ */
/* Options */

/* Everything a store handle needs besides the reservation itself: where the
 * store lives, the allocation range, exclusions, durability, the occupancy
 * policy, the lock wait, autoinit, automatic cleanup and the configured
 * project/task. Opaque so that it can grow; created with the built-in
 * defaults of the CLI (SPEC B §4.4): data directory NULL (resolved at
 * trop_open as the CLI does: TROP_DATA_DIR, else $HOME/.trop), range
 * 5000-7000, no exclusions, durability full, every occupancy probe on,
 * busy timeout 5000 ms, autoinit on, prune and expire after 30 days on,
 * no project or task, no change permissions. */
typedef struct trop_options trop_options;

typedef enum trop_durability {
  TROP_DURABILITY_FULL = 0, /* a reported port survives power loss (fdatasync per commit) */
  TROP_DURABILITY_NORMAL =
      1, /* survives a killed process; a power loss may drop the last commits */
  TROP_DURABILITY_ENUM_MAX_ = 0x7fffffff /* not a value (int-sized type) */
} trop_durability;

/* Occupancy policy bits (SPEC B §8.1): which bind probes decide whether a
 * port is in use right now. 0 = loopback TCP and UDP over IPv4 and IPv6. */
#define TROP_OCCUPANCY_SKIP_IPV4 0x01u
#define TROP_OCCUPANCY_SKIP_IPV6 0x02u
#define TROP_OCCUPANCY_SKIP_TCP 0x04u
#define TROP_OCCUPANCY_SKIP_UDP 0x08u
#define TROP_OCCUPANCY_ALL_INTERFACES 0x10u /* also probe 0.0.0.0 and :: */
/* No probing at all: ports are never considered occupied. */
#define TROP_OCCUPANCY_OFF                                                         \
  (TROP_OCCUPANCY_SKIP_IPV4 | TROP_OCCUPANCY_SKIP_IPV6 | TROP_OCCUPANCY_SKIP_TCP | \
   TROP_OCCUPANCY_SKIP_UDP)

/* Creates options with the built-in defaults. *out is freed by
 * trop_options_free. Errors: INVALID_ARGUMENT (out NULL), NO_MEMORY. */
trop_error trop_options_new(trop_options** out);

/* Frees options; NULL is a no-op. */
void trop_options_free(trop_options* options);

/* Replaces every setting with the effective configuration the CLI would use
 * in `directory` (NULL: the process's current directory): built-in defaults,
 * <data-dir>/config.yaml, trop.yaml and trop.local.yaml found from the
 * canonical `directory` upwards, then the TROP_* environment variables
 * (including TROP_PROJECT and TROP_TASK, as `trop reserve` reads them), with
 * the same code and the same validation as the CLI. The data directory is
 * kept when one was set; otherwise it is resolved now as trop_open would and
 * then stays set. A project from a configuration file becomes a default for
 * new reservations; one from TROP_PROJECT is sticky-checked (A.2 #28).
 * On failure `options` is unchanged.
 * Errors: CONFIG (an invalid file or variable; the message is the CLI's
 * "Configuration error: ..." text without that prefix), NOT_FOUND (directory
 * missing, or no HOME to find the data directory), INVALID_ARGUMENT
 * (TROP_DATA_DIR set but empty), IO. */
trop_error trop_options_load_config(trop_options* options, const char* directory);

/* The data directory; NULL = resolve at trop_open (TROP_DATA_DIR, else
 * $HOME/.trop). A relative path is relative to the process's cwd. Copied.
 * Errors: INVALID_ARGUMENT (empty string). */
trop_error trop_options_set_data_dir(trop_options* options, const char* data_dir);
/* NULL when unset. Owned by `options`; valid until it changes or is freed. */
const char* trop_options_data_dir(const trop_options* options);

/* The allocation range, inclusive. Errors: INVALID_ARGUMENT unless
 * 1 <= min <= max. */
trop_error trop_options_set_range(trop_options* options, uint16_t min, uint16_t max);
/* Either pointer may be NULL. */
void trop_options_range(const trop_options* options, uint16_t* min, uint16_t* max);

/* Excludes the ports first..last (inclusive) from allocation; overlapping
 * and adjacent ranges merge. Errors: INVALID_ARGUMENT unless
 * 1 <= first <= last. */
trop_error trop_options_add_exclusion(trop_options* options, uint16_t first, uint16_t last);
/* Removes every exclusion. */
void trop_options_clear_exclusions(trop_options* options);
/* The merged exclusion ranges, ascending: count, then range i. */
size_t trop_options_exclusion_count(const trop_options* options);
/* Errors: INVALID_ARGUMENT (index >= count, NULL first or last). */
trop_error trop_options_exclusion(const trop_options* options, size_t index, uint16_t* first,
                                  uint16_t* last);

/* Errors: INVALID_ARGUMENT (not a trop_durability value). */
trop_error trop_options_set_durability(trop_options* options, trop_durability durability);
trop_durability trop_options_durability(const trop_options* options);

/* A combination of TROP_OCCUPANCY_* bits. Errors: INVALID_ARGUMENT (unknown bits). */
trop_error trop_options_set_occupancy(trop_options* options, unsigned policy);
unsigned trop_options_occupancy(const trop_options* options);

/* How long a write waits for the lock, in milliseconds; 0 = try once. */
void trop_options_set_busy_timeout_ms(trop_options* options, uint32_t milliseconds);
uint32_t trop_options_busy_timeout_ms(const trop_options* options);

/* Autoinit: whether a write may create the data directory and an empty
 * store (default 1). With 0, every call on a missing store fails with
 * NOT_FOUND, like the CLI's exit 3. */
void trop_options_set_autoinit(trop_options* options, int enabled);
int trop_options_autoinit(const trop_options* options);

/* Automatic cleanup when the range is exhausted (SPEC B §9.3): prune
 * reservations whose directory is gone, expire those unused for
 * `expire_after_days` days, then retry once. Errors: INVALID_ARGUMENT
 * (expire_after_days == 0). */
trop_error trop_options_set_cleanup(trop_options* options, int prune, int expire,
                                    uint32_t expire_after_days);
/* Any pointer may be NULL. */
void trop_options_cleanup(const trop_options* options, int* prune, int* expire,
                          uint32_t* expire_after_days);

/* Permission to change a stored project / task without a per-call flag
 * (the config's allow_change_project / allow_change_task / allow_change). */
void trop_options_set_allow_change(trop_options* options, int project, int task);
/* Either pointer may be NULL. */
void trop_options_allow_change(const trop_options* options, int* project, int* task);

/* The project and task new reservations get when a request names none, as
 * loaded by trop_options_load_config (NULL when none). Owned by `options`;
 * valid until it changes or is freed. */
const char* trop_options_project(const trop_options* options);
const char* trop_options_task(const trop_options* options);

/* ------------------------------------------------------------------------ */
/* Store */

/* A handle on one data directory. Cheap to keep open: it holds no lock and no
 * file between calls. */
typedef struct trop_store trop_store;

/* Opens a handle with a copy of `options` (NULL: the built-in defaults).
 * Touches nothing on disk: the store is created by the first reservation.
 * *out is closed with trop_close.
 * Errors: INVALID_ARGUMENT (out NULL, TROP_DATA_DIR set but empty),
 * NOT_FOUND (no data directory given and HOME unset), NO_MEMORY. */
trop_error trop_open(const trop_options* options, trop_store** out);

/* Closes the handle; NULL is a no-op. REQUIRES: no other thread uses it. */
void trop_close(trop_store* store);

/* The data directory the handle uses. Owned by the handle. */
const char* trop_store_data_dir(const trop_store* store);

/* ------------------------------------------------------------------------ */
/* Reserve */

/* Flags of a reservation request. */
#define TROP_RESERVE_OVERWRITE 0x001u         /* re-allocate the port of an existing key */
#define TROP_RESERVE_FORCE 0x002u             /* overwrite + both ignores + both allows */
#define TROP_RESERVE_IGNORE_OCCUPIED 0x004u   /* take the preferred port even if in use */
#define TROP_RESERVE_IGNORE_EXCLUSIONS 0x008u /* take the preferred port even if excluded */
#define TROP_RESERVE_ALLOW_PROJECT_CHANGE 0x010u
#define TROP_RESERVE_ALLOW_TASK_CHANGE 0x020u
#define TROP_RESERVE_CLEAR_PROJECT 0x040u /* store no project (sticky-checked) */
#define TROP_RESERVE_CLEAR_TASK 0x080u    /* store no task (sticky-checked) */
#define TROP_RESERVE_NO_GIT 0x100u        /* no project/task inference from a git repository */
#define TROP_RESERVE_DRY_RUN 0x200u       /* plan on a snapshot without the lock; change nothing */

/* What to reserve. Initialise with trop_reserve_request_init (it sets
 * struct_size, which lets later versions append fields). */
typedef struct trop_reserve_request {
  size_t struct_size;
  /* The directory the port belongs to. NULL = the process's canonical cwd; a
   * relative path is joined onto the cwd, "~" means $HOME; then normalised
   * lexically (SPEC B §5.1; symlinks are not followed). Unlike the CLI, no
   * path-relationship guard applies. */
  const char* path;
  /* NULL = untagged; otherwise trimmed and must not be empty. */
  const char* tag;
  /* NULL = the options' configured project (if any), else the stored one,
   * else git inference for a new key. Non-NULL: trimmed, at most 255 bytes,
   * sticky-checked against a stored value. Likewise `task`. */
  const char* project;
  const char* task;
  /* A port to try first (any 1..65535, also outside the range); 0 = none. */
  uint16_t preferred_port;
  /* TROP_RESERVE_* bits. */
  unsigned flags;
  /* A lease (docs/leases.md): the reservation lapses after ttl_seconds
   * (0 = no time limit) or when process owner_pid is gone (0 = no owner;
   * identified now by pid and start time, as `trop reserve --owner-pid`).
   * Both 0: a sticky reservation (a leased key reserved this way becomes
   * sticky). A lapsed lease is reclaimed by the next writer once its port
   * is free. */
  int64_t ttl_seconds;
  int32_t owner_pid;
} trop_reserve_request;

/* Zeroes the request and sets struct_size. */
void trop_reserve_request_init(trop_reserve_request* request);

typedef enum trop_reserve_action {
  TROP_RESERVE_CREATED = 1,                  /* a new reservation */
  TROP_RESERVE_REFRESHED = 2,                /* the key existed: same port, last use refreshed */
  TROP_RESERVE_METADATA_UPDATED = 3,         /* the key existed: same port, project/task changed */
  TROP_RESERVE_REALLOCATED = 4,              /* OVERWRITE/FORCE: allocated again */
  TROP_RESERVE_ACTION_ENUM_MAX_ = 0x7fffffff /* not a value (int-sized type) */
} trop_reserve_action;

/* What trop_reserve did. Initialise with trop_reserve_result_init. */
typedef struct trop_reserve_result {
  size_t struct_size;
  uint16_t port;
  trop_reserve_action action;
  /* 1 when a preferred port was asked for and another port was reserved. */
  int preferred_passed_over;
  /* Records removed by the automatic cleanup before the successful retry. */
  uint32_t cleanup_pruned;
  uint32_t cleanup_expired;
  /* Lapsed leases of other keys this call reclaimed (erased) first. */
  uint32_t leases_reclaimed;
} trop_reserve_result;

/* Zeroes the result and sets struct_size. */
void trop_reserve_result_init(trop_reserve_result* result);

/* Reserves (or reuses) the port of (path, tag): the operation of
 * `trop reserve`, with the same stickiness, preferred-port rules, occupancy
 * probes and automatic cleanup with one retry, under the store's lock from
 * lookup to commit. The CLI's built-in reads (TROP_PATH, the path guard,
 * output) are not applied. `result` may be NULL.
 * Errors: INVALID_ARGUMENT (bad path, tag, project, task, struct_size,
 * flags or lease; an owner_pid that names no process, or one in another pid
 * namespace),
 * NOT_FOUND (autoinit off and no store), BUSY, EXHAUSTED (no port; the
 * message says what blocked the range), STICKY_VIOLATION (the project or
 * task differs from the stored one), CORRUPTION, UNSUPPORTED_VERSION,
 * FOREIGN_FORMAT, IO. */
trop_error trop_reserve(trop_store* store, const trop_reserve_request* request,
                        trop_reserve_result* result);

/* ------------------------------------------------------------------------ */
/* Records: release, lookup, list */

/* One stored reservation. Every string is UTF-8, NUL-terminated and owned by
 * the allocation it came in (freed by trop_reservation_free or
 * trop_list_free). Fields may be appended in later versions. */
typedef struct trop_reservation {
  const char* path;    /* absolute, normal */
  const char* tag;     /* NULL = untagged */
  const char* project; /* NULL = none */
  const char* task;    /* NULL = none */
  uint16_t port;
  int64_t created_at;   /* Unix seconds */
  int64_t last_used_at; /* Unix seconds */
  /* Lease: has_lease is 0 for a sticky reservation. lease_expires_at is the
   * Unix second it lapses (0 = no time limit); lease_owner_pid the owning
   * process (0 = none). */
  int has_lease;
  int64_t lease_expires_at;
  int32_t lease_owner_pid;
} trop_reservation;

/* Deletes the reservation of (path, tag); path and tag as in
 * trop_reserve_request. Errors: NOT_FOUND (no such reservation: nothing
 * changed), INVALID_ARGUMENT, BUSY, CORRUPTION, IO, ... */
trop_error trop_release(trop_store* store, const char* path, const char* tag);

/* The reservation of (path, tag), read from a snapshot without any lock.
 * *out is freed by trop_reservation_free. Errors: NOT_FOUND (*out = NULL),
 * INVALID_ARGUMENT, CORRUPTION, IO, ... */
trop_error trop_lookup(trop_store* store, const char* path, const char* tag,
                       trop_reservation** out);

/* The reservation holding `port`. Errors as trop_lookup. */
trop_error trop_lookup_port(trop_store* store, uint16_t port, trop_reservation** out);

/* Frees a record from trop_lookup or trop_lookup_port; NULL is a no-op. */
void trop_reservation_free(trop_reservation* reservation);

/* Every reservation in key order (path, then tag; untagged first), or only
 * those at or below `under` (component-wise; NULL = all). *items is one
 * allocation of *count records, freed by trop_list_free (*items may be
 * non-NULL with *count 0). A missing store lists nothing.
 * Errors: INVALID_ARGUMENT, NOT_FOUND (autoinit off and no store),
 * CORRUPTION, IO, ... */
trop_error trop_list(trop_store* store, const char* under, trop_reservation** items, size_t* count);

/* Frees the array of trop_list; NULL is a no-op. */
void trop_list_free(trop_reservation* items);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TROP_TROP_H */
