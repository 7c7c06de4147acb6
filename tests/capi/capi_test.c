/* The C API (trop/trop.h) exercised from C (C99): every function, the error
 * codes and texts, NULL arguments, bad options, busy, exhausted, not found,
 * sticky violations, autoinit, configuration loading and ownership.
 * Each test runs in its own temporary tree; the program prints
 * "N passed, M failed" and exits non-zero on any failed check. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "trop/trop.h"

static int g_checks = 0;
static int g_failed = 0;

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    ++g_checks;                                                                                    \
    if (!(cond)) {                                                                                 \
      ++g_failed;                                                                                  \
      fprintf(stderr, "%s:%d: CHECK(%s) failed (last error: \"%s\")\n", __FILE__, __LINE__, #cond, \
              trop_last_error());                                                                  \
    }                                                                                              \
  } while (0)

#define CHECK_CODE(expr, expected)                                                           \
  do {                                                                                       \
    trop_error got_ = (expr);                                                                \
    ++g_checks;                                                                              \
    if (got_ != (expected)) {                                                                \
      ++g_failed;                                                                            \
      fprintf(stderr, "%s:%d: %s returned %s, expected %s (last error: \"%s\")\n", __FILE__, \
              __LINE__, #expr, trop_error_name(got_), trop_error_name(expected),             \
              trop_last_error());                                                            \
    }                                                                                        \
  } while (0)

/* The last error contains `needle`. */
#define CHECK_MESSAGE(needle) CHECK(strstr(trop_last_error(), (needle)) != NULL)

/* ------------------------------------------------------------------------ */
/* A temporary tree per test: <root>/data is the data directory. */

static char g_root[512];

static void make_root(void) {
  char templ[] = "/tmp/trop-capi-XXXXXX";
  if (mkdtemp(templ) == NULL) {
    perror("mkdtemp");
    exit(2);
  }
  /* Canonical, so that paths compare equal to what the library stores. */
  char canonical[PATH_MAX];
  if (realpath(templ, canonical) == NULL || strlen(canonical) >= sizeof g_root) {
    perror("realpath");
    exit(2);
  }
  memcpy(g_root, canonical, strlen(canonical) + 1);
}

static void remove_root(void) {
  char cmd[PATH_MAX + 32];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_root);
  if (system(cmd) != 0) {
    fprintf(stderr, "cannot remove %s\n", g_root);
  }
}

/* <root>/<name> in a static buffer of four slots (enough for one call;
 * copy a result that must live longer). */
static const char* at(const char* name) {
  static char slots[4][PATH_MAX];
  static int next = 0;
  char* s = slots[next++ % 4];
  snprintf(s, PATH_MAX, "%s/%s", g_root, name);
  return s;
}

static const char* make_dir(const char* name) {
  const char* p = at(name);
  if (mkdir(p, 0700) != 0 && errno != EEXIST) {
    perror(p);
    exit(2);
  }
  return p;
}

static void write_file(const char* path, const char* text) {
  FILE* f = fopen(path, "w");
  if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
    perror(path);
    exit(2);
  }
}

static int exists(const char* path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* Options for a deterministic store in <root>/data: range lo..hi, no
 * occupancy probes. */
static trop_options* test_options(uint16_t lo, uint16_t hi) {
  trop_options* o = NULL;
  if (trop_options_new(&o) != TROP_OK || trop_options_set_data_dir(o, at("data")) != TROP_OK ||
      trop_options_set_range(o, lo, hi) != TROP_OK ||
      trop_options_set_occupancy(o, TROP_OCCUPANCY_OFF) != TROP_OK) {
    fprintf(stderr, "cannot build options: %s\n", trop_last_error());
    exit(2);
  }
  return o;
}

static trop_store* open_store(const trop_options* o) {
  trop_store* s = NULL;
  if (trop_open(o, &s) != TROP_OK) {
    fprintf(stderr, "trop_open: %s\n", trop_last_error());
    exit(2);
  }
  return s;
}

/* Reserves (path, tag) with `flags` and no git inference. */
static trop_error reserve(trop_store* s, const char* path, const char* tag, unsigned flags,
                          trop_reserve_result* res) {
  trop_reserve_request req;
  trop_reserve_request_init(&req);
  req.path = path;
  req.tag = tag;
  req.flags = flags | TROP_RESERVE_NO_GIT;
  trop_reserve_result_init(res);
  return trop_reserve(s, &req, res);
}

static uint16_t port_of(trop_store* s, const char* path, const char* tag) {
  trop_reservation* r = NULL;
  uint16_t port = 0;
  if (trop_lookup(s, path, tag, &r) == TROP_OK) {
    port = r->port;
  }
  trop_reservation_free(r);
  return port;
}

/* ------------------------------------------------------------------------ */

static void test_error_codes_and_names(void) {
  /* The numbers are part of the ABI. */
  CHECK(TROP_OK == 0);
  CHECK(TROP_E_NOT_FOUND == 1);
  CHECK(TROP_E_INVALID_ARGUMENT == 2);
  CHECK(TROP_E_BUSY == 4);
  CHECK(TROP_E_EXHAUSTED == 9);
  CHECK(TROP_E_STICKY_VIOLATION == 10);
  CHECK(TROP_E_CONFIG == 100);
  CHECK(TROP_E_INTERNAL == 102);
  CHECK(strcmp(trop_error_name(TROP_OK), "ok") == 0);
  CHECK(strcmp(trop_error_name(TROP_E_NOT_FOUND), "not_found") == 0);
  CHECK(strcmp(trop_error_name(TROP_E_BUSY), "busy") == 0);
  CHECK(strcmp(trop_error_name(TROP_E_EXHAUSTED), "exhausted") == 0);
  CHECK(strcmp(trop_error_name(TROP_E_STICKY_VIOLATION), "sticky_violation") == 0);
  CHECK(strcmp(trop_error_name(TROP_E_CONFIG), "config") == 0);
  CHECK(strcmp(trop_error_name((trop_error)77), "unknown") == 0);
}

static void test_null_arguments(void) {
  trop_options* o = test_options(6000, 6010);
  trop_store* s = open_store(o);
  trop_reserve_request req;
  trop_reserve_result res;
  trop_reservation* r = (trop_reservation*)&res; /* must be reset to NULL */
  trop_reservation* items = NULL;
  size_t n = 0;

  CHECK_CODE(trop_options_new(NULL), TROP_E_INVALID_ARGUMENT);
  CHECK_MESSAGE("NULL");
  CHECK_CODE(trop_options_load_config(NULL, "/"), TROP_E_INVALID_ARGUMENT);
  CHECK_CODE(trop_options_set_range(NULL, 1, 2), TROP_E_INVALID_ARGUMENT);
  CHECK_CODE(trop_options_add_exclusion(NULL, 1, 2), TROP_E_INVALID_ARGUMENT);
  CHECK_CODE(trop_options_set_data_dir(NULL, "/x"), TROP_E_INVALID_ARGUMENT);
  CHECK_CODE(trop_options_exclusion(o, 0, NULL, NULL), TROP_E_INVALID_ARGUMENT);
  CHECK_CODE(trop_open(o, NULL), TROP_E_INVALID_ARGUMENT);

  trop_reserve_request_init(&req);
  trop_reserve_result_init(&res);
  CHECK_CODE(trop_reserve(NULL, &req, &res), TROP_E_INVALID_ARGUMENT);
  CHECK_CODE(trop_reserve(s, NULL, &res), TROP_E_INVALID_ARGUMENT);
  CHECK_CODE(trop_release(NULL, g_root, NULL), TROP_E_INVALID_ARGUMENT);
  CHECK_CODE(trop_lookup(NULL, g_root, NULL, &r), TROP_E_INVALID_ARGUMENT);
  CHECK(r == NULL);
  CHECK_CODE(trop_lookup(s, g_root, NULL, NULL), TROP_E_INVALID_ARGUMENT);
  CHECK_CODE(trop_lookup_port(s, 6000, NULL), TROP_E_INVALID_ARGUMENT);
  CHECK_CODE(trop_list(s, NULL, NULL, &n), TROP_E_INVALID_ARGUMENT);
  CHECK_CODE(trop_list(s, NULL, &items, NULL), TROP_E_INVALID_ARGUMENT);
  CHECK_CODE(trop_list(NULL, NULL, &items, &n), TROP_E_INVALID_ARGUMENT);

  /* A request that was not initialised (struct_size 0). */
  memset(&req, 0, sizeof req);
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_E_INVALID_ARGUMENT);
  CHECK_MESSAGE("trop_reserve_request_init");
  /* Unknown flag bits. */
  trop_reserve_request_init(&req);
  req.path = g_root;
  req.flags = 0x80000000u;
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_E_INVALID_ARGUMENT);
  CHECK_MESSAGE("unknown flags");

  /* NULL is a no-op for every free function; getters tolerate NULL. */
  trop_close(NULL);
  trop_options_free(NULL);
  trop_list_free(NULL);
  trop_reservation_free(NULL);
  CHECK(trop_options_data_dir(NULL) == NULL);
  CHECK(trop_options_exclusion_count(NULL) == 0);
  CHECK(trop_store_data_dir(NULL) == NULL);
  /* Nothing was created by all that. */
  CHECK(!exists(at("data")));

  trop_close(s);
  trop_options_free(o);
}

static void test_options_setters(void) {
  trop_options* o = NULL;
  uint16_t lo = 0, hi = 0;
  int prune = -1, expire = -1, allow_p = -1, allow_t = -1;
  uint32_t days = 0;

  CHECK_CODE(trop_options_new(&o), TROP_OK);
  /* The CLI's built-in defaults. */
  trop_options_range(o, &lo, &hi);
  CHECK(lo == 5000 && hi == 7000);
  CHECK(trop_options_data_dir(o) == NULL);
  CHECK(trop_options_exclusion_count(o) == 0);
  CHECK(trop_options_durability(o) == TROP_DURABILITY_FULL);
  CHECK(trop_options_occupancy(o) == 0);
  CHECK(trop_options_busy_timeout_ms(o) == 5000);
  CHECK(trop_options_autoinit(o) == 1);
  trop_options_cleanup(o, &prune, &expire, &days);
  CHECK(prune == 1 && expire == 1 && days == 30);
  trop_options_allow_change(o, &allow_p, &allow_t);
  CHECK(allow_p == 0 && allow_t == 0);
  CHECK(trop_options_project(o) == NULL && trop_options_task(o) == NULL);

  /* Bad values are refused and change nothing. */
  CHECK_CODE(trop_options_set_range(o, 0, 10), TROP_E_INVALID_ARGUMENT);
  CHECK_MESSAGE("Invalid port range");
  CHECK_CODE(trop_options_set_range(o, 6010, 6000), TROP_E_INVALID_ARGUMENT);
  trop_options_range(o, &lo, &hi);
  CHECK(lo == 5000 && hi == 7000);
  CHECK_CODE(trop_options_add_exclusion(o, 0, 3), TROP_E_INVALID_ARGUMENT);
  CHECK_CODE(trop_options_add_exclusion(o, 9, 3), TROP_E_INVALID_ARGUMENT);
  CHECK(trop_options_exclusion_count(o) == 0);
  CHECK_CODE(trop_options_set_durability(o, (trop_durability)7), TROP_E_INVALID_ARGUMENT);
  CHECK_CODE(trop_options_set_occupancy(o, 0x100u), TROP_E_INVALID_ARGUMENT);
  CHECK_MESSAGE("unknown occupancy");
  CHECK_CODE(trop_options_set_data_dir(o, ""), TROP_E_INVALID_ARGUMENT);
  CHECK_CODE(trop_options_set_cleanup(o, 1, 1, 0), TROP_E_INVALID_ARGUMENT);
  /* A successful call clears the error text. */
  CHECK(trop_last_error()[0] != '\0');
  CHECK_CODE(trop_options_set_range(o, 6000, 6100), TROP_OK);
  CHECK(trop_last_error()[0] == '\0');

  /* Setters and getters round-trip; exclusions merge. */
  trop_options_range(o, &lo, &hi);
  CHECK(lo == 6000 && hi == 6100);
  CHECK_CODE(trop_options_add_exclusion(o, 6010, 6012), TROP_OK);
  CHECK_CODE(trop_options_add_exclusion(o, 6011, 6015), TROP_OK);
  CHECK_CODE(trop_options_add_exclusion(o, 6050, 6050), TROP_OK);
  CHECK(trop_options_exclusion_count(o) == 2);
  CHECK_CODE(trop_options_exclusion(o, 0, &lo, &hi), TROP_OK);
  CHECK(lo == 6010 && hi == 6015);
  CHECK_CODE(trop_options_exclusion(o, 1, &lo, &hi), TROP_OK);
  CHECK(lo == 6050 && hi == 6050);
  CHECK_CODE(trop_options_exclusion(o, 2, &lo, &hi), TROP_E_INVALID_ARGUMENT);
  trop_options_clear_exclusions(o);
  CHECK(trop_options_exclusion_count(o) == 0);
  CHECK_CODE(trop_options_set_durability(o, TROP_DURABILITY_NORMAL), TROP_OK);
  CHECK(trop_options_durability(o) == TROP_DURABILITY_NORMAL);
  CHECK_CODE(trop_options_set_occupancy(o, TROP_OCCUPANCY_SKIP_UDP | TROP_OCCUPANCY_ALL_INTERFACES),
             TROP_OK);
  CHECK(trop_options_occupancy(o) == (TROP_OCCUPANCY_SKIP_UDP | TROP_OCCUPANCY_ALL_INTERFACES));
  trop_options_set_busy_timeout_ms(o, 250);
  CHECK(trop_options_busy_timeout_ms(o) == 250);
  trop_options_set_autoinit(o, 0);
  CHECK(trop_options_autoinit(o) == 0);
  CHECK_CODE(trop_options_set_cleanup(o, 0, 1, 9), TROP_OK);
  trop_options_cleanup(o, &prune, &expire, &days);
  CHECK(prune == 0 && expire == 1 && days == 9);
  trop_options_set_allow_change(o, 1, 0);
  trop_options_allow_change(o, &allow_p, &allow_t);
  CHECK(allow_p == 1 && allow_t == 0);
  CHECK_CODE(trop_options_set_data_dir(o, "/some/dir"), TROP_OK);
  CHECK(strcmp(trop_options_data_dir(o), "/some/dir") == 0);
  CHECK_CODE(trop_options_set_data_dir(o, NULL), TROP_OK);
  CHECK(trop_options_data_dir(o) == NULL);
  trop_options_free(o);
}

static void test_open_resolves_data_dir(void) {
  trop_store* s = NULL;
  char expected[PATH_MAX];
  const char* saved_home = getenv("HOME");
  char home_copy[PATH_MAX] = "";
  if (saved_home != NULL) {
    snprintf(home_copy, sizeof home_copy, "%s", saved_home);
  }

  /* NULL options: TROP_DATA_DIR, else $HOME/.trop, as the CLI resolves it. */
  setenv("TROP_DATA_DIR", at("from-env"), 1);
  CHECK_CODE(trop_open(NULL, &s), TROP_OK);
  CHECK(s != NULL && strcmp(trop_store_data_dir(s), at("from-env")) == 0);
  trop_close(s);
  s = NULL;
  unsetenv("TROP_DATA_DIR");
  setenv("HOME", g_root, 1);
  CHECK_CODE(trop_open(NULL, &s), TROP_OK);
  snprintf(expected, sizeof expected, "%s/.trop", g_root);
  CHECK(s != NULL && strcmp(trop_store_data_dir(s), expected) == 0);
  trop_close(s);
  s = NULL;
  /* Opening touches nothing on disk. */
  CHECK(!exists(expected));
  /* An empty TROP_DATA_DIR is refused; so is a missing HOME. */
  setenv("TROP_DATA_DIR", "", 1);
  s = (trop_store*)&s; /* must be reset to NULL */
  CHECK_CODE(trop_open(NULL, &s), TROP_E_INVALID_ARGUMENT);
  CHECK(s == NULL);
  CHECK_MESSAGE("TROP_DATA_DIR is empty");
  unsetenv("TROP_DATA_DIR");
  unsetenv("HOME");
  CHECK_CODE(trop_open(NULL, &s), TROP_E_NOT_FOUND);
  CHECK_MESSAGE("HOME is not set");
  if (home_copy[0] != '\0') {
    setenv("HOME", home_copy, 1);
  }
}

static void test_reserve_lookup_list_release(void) {
  trop_options* o = test_options(6100, 6109);
  trop_store* s = open_store(o);
  char p1[PATH_MAX], p2[PATH_MAX], p3[PATH_MAX];
  trop_reserve_result res;
  trop_reserve_request req;
  trop_reservation* r = NULL;
  trop_reservation* items = NULL;
  size_t n = 99;
  char cwd[PATH_MAX];
  snprintf(p1, sizeof p1, "%s", make_dir("p1"));
  snprintf(p2, sizeof p2, "%s", make_dir("p2"));
  snprintf(p3, sizeof p3, "%s", make_dir("p3"));

  CHECK(strcmp(trop_store_data_dir(s), at("data")) == 0);
  /* A missing store lists nothing and is not created by reading. */
  CHECK_CODE(trop_list(s, NULL, &items, &n), TROP_OK);
  CHECK(n == 0);
  trop_list_free(items);
  CHECK(!exists(at("data")));

  CHECK_CODE(reserve(s, p1, NULL, 0, &res), TROP_OK);
  CHECK(res.port == 6100 && res.action == TROP_RESERVE_CREATED);
  CHECK(res.preferred_passed_over == 0 && res.cleanup_pruned == 0 && res.cleanup_expired == 0);
  CHECK(res.leases_reclaimed == 0);
  CHECK(exists(at("data/trop.db")));
  CHECK_CODE(reserve(s, p1, NULL, 0, &res), TROP_OK);
  CHECK(res.port == 6100 && res.action == TROP_RESERVE_REFRESHED);
  CHECK_CODE(reserve(s, p1, "web", 0, &res), TROP_OK);
  CHECK(res.port == 6101 && res.action == TROP_RESERVE_CREATED);
  /* Tags are trimmed; an empty one is refused. */
  CHECK_CODE(reserve(s, p1, "  web\t", 0, &res), TROP_OK);
  CHECK(res.port == 6101 && res.action == TROP_RESERVE_REFRESHED);
  CHECK_CODE(reserve(s, p1, "   ", 0, &res), TROP_E_INVALID_ARGUMENT);
  CHECK_MESSAGE("tag must be non-empty");

  /* The preferred port, and a preferred port that is taken. */
  trop_reserve_request_init(&req);
  req.path = p2;
  req.preferred_port = 6105;
  req.flags = TROP_RESERVE_NO_GIT;
  trop_reserve_result_init(&res);
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_OK);
  CHECK(res.port == 6105 && res.preferred_passed_over == 0);
  req.path = p3;
  req.preferred_port = 6100;
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_OK);
  CHECK(res.port == 6102 && res.preferred_passed_over == 1);
  /* The result may be NULL. */
  req.preferred_port = 0;
  CHECK_CODE(trop_reserve(s, &req, NULL), TROP_OK);

  /* Lookup by key and by port. */
  CHECK_CODE(trop_lookup(s, p1, NULL, &r), TROP_OK);
  CHECK(r != NULL && r->port == 6100 && r->tag == NULL && strcmp(r->path, p1) == 0);
  CHECK(r != NULL && r->project == NULL && r->task == NULL && r->has_lease == 0);
  CHECK(r != NULL && r->created_at > 0 && r->last_used_at >= r->created_at);
  trop_reservation_free(r);
  CHECK_CODE(trop_lookup(s, p1, "web", &r), TROP_OK);
  CHECK(r != NULL && r->port == 6101 && r->tag != NULL && strcmp(r->tag, "web") == 0);
  trop_reservation_free(r);
  r = (trop_reservation*)&res;
  CHECK_CODE(trop_lookup(s, at("p4"), NULL, &r), TROP_E_NOT_FOUND);
  CHECK(r == NULL);
  CHECK_MESSAGE("No reservation found for ");
  CHECK_CODE(trop_lookup_port(s, 6105, &r), TROP_OK);
  CHECK(r != NULL && strcmp(r->path, p2) == 0);
  trop_reservation_free(r);
  CHECK_CODE(trop_lookup_port(s, 6109, &r), TROP_E_NOT_FOUND);
  CHECK_CODE(trop_lookup_port(s, 0, &r), TROP_E_INVALID_ARGUMENT);

  /* List: everything in key order, or under a path. */
  CHECK_CODE(trop_list(s, NULL, &items, &n), TROP_OK);
  CHECK(n == 4);
  if (n == 4) {
    CHECK(strcmp(items[0].path, p1) == 0 && items[0].tag == NULL && items[0].port == 6100);
    CHECK(strcmp(items[1].path, p1) == 0 && strcmp(items[1].tag, "web") == 0);
    CHECK(strcmp(items[2].path, p2) == 0 && items[2].port == 6105);
    CHECK(strcmp(items[3].path, p3) == 0 && items[3].port == 6102);
  }
  trop_list_free(items);
  CHECK_CODE(trop_list(s, p1, &items, &n), TROP_OK);
  CHECK(n == 2);
  trop_list_free(items);
  CHECK_CODE(trop_list(s, at("p"), &items, &n), TROP_OK); /* component-wise: not p1 */
  CHECK(n == 0);
  trop_list_free(items);

  /* Paths: relative, NULL (the cwd), "~", and one that escapes the root. */
  if (getcwd(cwd, sizeof cwd) == NULL || chdir(p1) != 0) {
    perror("chdir");
    exit(2);
  }
  CHECK_CODE(reserve(s, ".", NULL, 0, &res), TROP_OK);
  CHECK(res.port == 6100 && res.action == TROP_RESERVE_REFRESHED);
  CHECK_CODE(reserve(s, NULL, NULL, 0, &res), TROP_OK);
  CHECK(res.port == 6100 && res.action == TROP_RESERVE_REFRESHED);
  CHECK_CODE(reserve(s, "../p2", NULL, 0, &res), TROP_OK);
  CHECK(res.port == 6105);
  if (chdir(cwd) != 0) {
    perror("chdir");
    exit(2);
  }
  setenv("HOME", g_root, 1);
  CHECK(port_of(s, "~/p2", NULL) == 6105);
  CHECK_CODE(reserve(s, "/../..", NULL, 0, &res), TROP_E_INVALID_ARGUMENT);
  CHECK_MESSAGE("escapes root");

  /* A dry run allocates but stores nothing. */
  CHECK_CODE(reserve(s, make_dir("p4"), NULL, TROP_RESERVE_DRY_RUN, &res), TROP_OK);
  CHECK(res.port == 6103 && res.action == TROP_RESERVE_CREATED);
  CHECK(port_of(s, at("p4"), NULL) == 0);

  /* Overwrite re-allocates. */
  CHECK_CODE(reserve(s, p2, NULL, TROP_RESERVE_OVERWRITE, &res), TROP_OK);
  CHECK(res.action == TROP_RESERVE_REALLOCATED);
  CHECK(port_of(s, p2, NULL) == res.port);

  /* Release: once, then not found with the CLI's wording. */
  CHECK_CODE(trop_release(s, p1, "web"), TROP_OK);
  CHECK(port_of(s, p1, "web") == 0);
  CHECK(port_of(s, p1, NULL) == 6100);
  CHECK_CODE(trop_release(s, p1, "web"), TROP_E_NOT_FOUND);
  CHECK_MESSAGE("already released");
  CHECK_CODE(trop_release(s, p1, "  "), TROP_E_INVALID_ARGUMENT);
  CHECK_CODE(trop_list(s, NULL, &items, &n), TROP_OK);
  CHECK(n == 3);
  trop_list_free(items);

  /* A second handle (another options copy) sees the same store; options
   * may be freed once the store is open. */
  trop_options_free(o);
  {
    trop_options* o2 = test_options(6100, 6109);
    trop_store* s2 = open_store(o2);
    trop_options_free(o2);
    CHECK(port_of(s2, p3, NULL) == 6102);
    trop_close(s2);
  }
  trop_close(s);
}

static void test_sticky_metadata(void) {
  trop_options* o = test_options(6150, 6159);
  trop_store* s = open_store(o);
  const char* p = make_dir("sticky");
  trop_reserve_request req;
  trop_reserve_result res;
  trop_reservation* r = NULL;
  char path[PATH_MAX];
  char long_name[300];
  snprintf(path, sizeof path, "%s", p);

  trop_reserve_request_init(&req);
  req.path = path;
  req.flags = TROP_RESERVE_NO_GIT;
  req.project = " alpha ";
  req.task = "t1";
  trop_reserve_result_init(&res);
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_OK);
  CHECK_CODE(trop_lookup(s, path, NULL, &r), TROP_OK);
  CHECK(r != NULL && strcmp(r->project, "alpha") == 0 && strcmp(r->task, "t1") == 0);
  trop_reservation_free(r);

  /* Another project without permission: refused, store unchanged. */
  req.project = "beta";
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_E_STICKY_VIOLATION);
  CHECK_MESSAGE("alpha");
  CHECK_CODE(trop_lookup(s, path, NULL, &r), TROP_OK);
  CHECK(r != NULL && strcmp(r->project, "alpha") == 0);
  trop_reservation_free(r);
  /* Clearing is sticky-checked too. */
  req.project = NULL;
  req.task = NULL;
  req.flags = TROP_RESERVE_NO_GIT | TROP_RESERVE_CLEAR_TASK;
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_E_STICKY_VIOLATION);
  /* With permission the change is made. */
  req.project = "beta";
  req.flags = TROP_RESERVE_NO_GIT | TROP_RESERVE_ALLOW_PROJECT_CHANGE;
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_OK);
  CHECK(res.action == TROP_RESERVE_METADATA_UPDATED && res.port == 6150);
  CHECK_CODE(trop_lookup(s, path, NULL, &r), TROP_OK);
  CHECK(r != NULL && strcmp(r->project, "beta") == 0 && strcmp(r->task, "t1") == 0);
  trop_reservation_free(r);
  /* Permission from the options instead of the flags. */
  trop_options_set_allow_change(o, 0, 1);
  trop_close(s);
  s = open_store(o);
  req.project = NULL;
  req.task = "t2";
  req.flags = TROP_RESERVE_NO_GIT;
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_OK);
  CHECK(port_of(s, path, NULL) == 6150);
  /* Bad identifiers. */
  req.task = NULL;
  req.project = "  ";
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_E_INVALID_ARGUMENT);
  CHECK_MESSAGE("project");
  memset(long_name, 'x', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = '\0';
  req.project = long_name;
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_E_INVALID_ARGUMENT);
  CHECK_MESSAGE("255");
  req.project = "gamma";
  req.flags = TROP_RESERVE_NO_GIT | TROP_RESERVE_CLEAR_PROJECT;
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_E_INVALID_ARGUMENT);

  trop_close(s);
  trop_options_free(o);
}

static void test_exhausted_and_cleanup(void) {
  trop_options* o = test_options(6200, 6201);
  trop_store* s;
  trop_reserve_result res;
  trop_reserve_request req;
  uint16_t first = 0;

  CHECK_CODE(trop_options_set_cleanup(o, 0, 0, 30), TROP_OK);
  s = open_store(o);
  CHECK_CODE(reserve(s, make_dir("q1"), NULL, 0, &res), TROP_OK);
  first = res.port;
  CHECK_CODE(reserve(s, make_dir("q2"), NULL, 0, &res), TROP_OK);
  CHECK_CODE(reserve(s, make_dir("q3"), NULL, 0, &res), TROP_E_EXHAUSTED);
  CHECK_MESSAGE("port range 6200-6201 exhausted");
  CHECK(port_of(s, at("q3"), NULL) == 0);
  trop_close(s);

  /* With cleanup on, a reservation whose directory is gone is pruned and
   * the single retry succeeds. */
  CHECK_CODE(trop_options_set_cleanup(o, 1, 1, 30), TROP_OK);
  s = open_store(o);
  if (rmdir(at("q1")) != 0) {
    perror("rmdir");
  }
  CHECK_CODE(reserve(s, at("q3"), NULL, 0, &res), TROP_OK);
  CHECK(res.port == first && res.cleanup_pruned == 1 && res.cleanup_expired == 0);
  CHECK(port_of(s, at("q1"), NULL) == 0);
  trop_close(s);

  /* Exclusions: only 6302 is left; the preferred excluded port needs the flag. */
  CHECK_CODE(trop_options_set_range(o, 6300, 6302), TROP_OK);
  CHECK_CODE(trop_options_add_exclusion(o, 6300, 6301), TROP_OK);
  s = open_store(o);
  CHECK_CODE(reserve(s, make_dir("x1"), NULL, 0, &res), TROP_OK);
  CHECK(res.port == 6302);
  CHECK_CODE(reserve(s, make_dir("x2"), NULL, 0, &res), TROP_E_EXHAUSTED);
  CHECK_MESSAGE("excluded");
  trop_reserve_request_init(&req);
  req.path = at("x2");
  req.preferred_port = 6300;
  req.flags = TROP_RESERVE_NO_GIT | TROP_RESERVE_IGNORE_EXCLUSIONS;
  trop_reserve_result_init(&res);
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_OK);
  CHECK(res.port == 6300);
  trop_close(s);
  trop_options_free(o);
}

static void test_busy(void) {
  trop_options* o = test_options(6250, 6259);
  trop_store* s;
  trop_reserve_result res;
  trop_reservation* items = NULL;
  size_t n = 0;
  struct flock fl;
  int fd;

  trop_options_set_busy_timeout_ms(o, 100);
  s = open_store(o);
  CHECK_CODE(reserve(s, make_dir("b1"), NULL, 0, &res), TROP_OK);

  /* Hold the writers' lock (docs/FORMAT.md: an OFD lock on trop.db-lock) as
   * another writer would. */
  fd = open(at("data/trop.db-lock"), O_RDWR);
  CHECK(fd >= 0);
  memset(&fl, 0, sizeof fl);
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  CHECK(fcntl(fd, F_OFD_SETLK, &fl) == 0);

  CHECK_CODE(reserve(s, make_dir("b2"), NULL, 0, &res), TROP_E_BUSY);
  CHECK(trop_last_error()[0] != '\0');
  CHECK_CODE(trop_release(s, at("b1"), NULL), TROP_E_BUSY);
  /* Readers never wait for the lock. */
  CHECK_CODE(trop_list(s, NULL, &items, &n), TROP_OK);
  CHECK(n == 1);
  trop_list_free(items);

  fl.l_type = F_UNLCK;
  CHECK(fcntl(fd, F_OFD_SETLK, &fl) == 0);
  close(fd);
  CHECK_CODE(reserve(s, at("b2"), NULL, 0, &res), TROP_OK);
  CHECK_CODE(trop_release(s, at("b1"), NULL), TROP_OK);
  trop_close(s);
  trop_options_free(o);
}

static void test_autoinit_off(void) {
  trop_options* o = test_options(6260, 6269);
  trop_store* s;
  trop_reserve_result res;
  trop_reservation* items = NULL;
  trop_reservation* r = NULL;
  size_t n = 0;

  trop_options_set_autoinit(o, 0);
  s = open_store(o);
  CHECK_CODE(reserve(s, make_dir("a1"), NULL, 0, &res), TROP_E_NOT_FOUND);
  CHECK_MESSAGE("autoinit is disabled");
  CHECK_CODE(trop_list(s, NULL, &items, &n), TROP_E_NOT_FOUND);
  CHECK(items == NULL);
  CHECK_CODE(trop_lookup(s, at("a1"), NULL, &r), TROP_E_NOT_FOUND);
  CHECK_CODE(trop_release(s, at("a1"), NULL), TROP_E_NOT_FOUND);
  CHECK(!exists(at("data")));
  trop_close(s);

  /* Once a store exists, autoinit off changes nothing. */
  trop_options_set_autoinit(o, 1);
  s = open_store(o);
  CHECK_CODE(reserve(s, at("a1"), NULL, 0, &res), TROP_OK);
  trop_close(s);
  trop_options_set_autoinit(o, 0);
  s = open_store(o);
  CHECK(port_of(s, at("a1"), NULL) == res.port);
  trop_close(s);
  trop_options_free(o);
}

static void test_load_config(void) {
  trop_options* o = NULL;
  trop_store* s;
  trop_reserve_request req;
  trop_reserve_result res;
  trop_reservation* r = NULL;
  uint16_t lo = 0, hi = 0;
  const char* proj = make_dir("cfg");
  char proj_copy[PATH_MAX];
  int allow_p = -1, allow_t = -1;
  snprintf(proj_copy, sizeof proj_copy, "%s", proj);
  make_dir("cfg/sub");
  make_dir("data");
  write_file(at("cfg/trop.yaml"),
             "project: demo\n"
             "ports:\n  min: 6400\n  max: 6450\n"
             "excluded_ports:\n  - 6400\n  - {start: 6402, end: 6404}\n"
             "occupancy_check:\n  skip: true\n"
             "durability: normal\n"
             "maximum_lock_wait_seconds: 2\n"
             "allow_change_task: true\n");

  CHECK_CODE(trop_options_new(&o), TROP_OK);
  CHECK_CODE(trop_options_set_data_dir(o, at("data")), TROP_OK);
  /* Discovery walks up from the directory, as the CLI does from its cwd. */
  CHECK_CODE(trop_options_load_config(o, at("cfg/sub")), TROP_OK);
  trop_options_range(o, &lo, &hi);
  CHECK(lo == 6400 && hi == 6450);
  CHECK(trop_options_exclusion_count(o) == 2);
  CHECK_CODE(trop_options_exclusion(o, 1, &lo, &hi), TROP_OK);
  CHECK(lo == 6402 && hi == 6404);
  CHECK(trop_options_durability(o) == TROP_DURABILITY_NORMAL);
  CHECK(trop_options_occupancy(o) == TROP_OCCUPANCY_OFF);
  CHECK(trop_options_busy_timeout_ms(o) == 2000);
  CHECK(trop_options_project(o) != NULL && strcmp(trop_options_project(o), "demo") == 0);
  CHECK(trop_options_task(o) == NULL);
  trop_options_allow_change(o, &allow_p, &allow_t);
  CHECK(allow_p == 0 && allow_t == 1);
  CHECK(strcmp(trop_options_data_dir(o), at("data")) == 0);

  /* The file's project is a default for new keys (A.2 #28): a reservation
   * that already has another project keeps it without a sticky error. */
  s = open_store(o);
  trop_reserve_request_init(&req);
  req.path = proj_copy;
  req.flags = TROP_RESERVE_NO_GIT;
  trop_reserve_result_init(&res);
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_OK);
  CHECK(res.port == 6401);
  CHECK_CODE(trop_lookup(s, proj_copy, NULL, &r), TROP_OK);
  CHECK(r != NULL && r->project != NULL && strcmp(r->project, "demo") == 0);
  trop_reservation_free(r);
  req.project = "other";
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_E_STICKY_VIOLATION);
  trop_close(s);

  /* TROP_PROJECT is explicit (sticky-checked); environment beats files. */
  setenv("TROP_PROJECT", "fromenv", 1);
  setenv("TROP_PORT_MIN", "6410", 1);
  CHECK_CODE(trop_options_load_config(o, proj_copy), TROP_OK);
  unsetenv("TROP_PROJECT");
  unsetenv("TROP_PORT_MIN");
  CHECK(strcmp(trop_options_project(o), "fromenv") == 0);
  trop_options_range(o, &lo, &hi);
  CHECK(lo == 6410 && hi == 6450);
  s = open_store(o);
  req.project = NULL;
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_E_STICKY_VIOLATION);
  CHECK_MESSAGE("demo");
  trop_close(s);

  /* The user file <data>/config.yaml applies where no project file is. */
  write_file(at("data/config.yaml"), "ports:\n  min: 6500\n  max: 6600\n");
  CHECK_CODE(trop_options_load_config(o, make_dir("elsewhere")), TROP_OK);
  trop_options_range(o, &lo, &hi);
  CHECK(lo == 6500 && hi == 6600);
  CHECK(trop_options_project(o) == NULL);
  CHECK(trop_options_occupancy(o) == 0);

  /* An invalid file: CONFIG with the CLI's text; the options stay as they were. */
  make_dir("bad");
  write_file(at("bad/trop.yaml"), "ports:\n  min: 7000\n  max: 6000\n");
  CHECK_CODE(trop_options_load_config(o, at("bad")), TROP_E_CONFIG);
  CHECK_MESSAGE("validation error for 'ports.");
  CHECK_MESSAGE("bad/trop.yaml");
  trop_options_range(o, &lo, &hi);
  CHECK(lo == 6500 && hi == 6600);
  write_file(at("bad/trop.yaml"), "ports: [1, 2\n");
  CHECK_CODE(trop_options_load_config(o, at("bad")), TROP_E_CONFIG);
  CHECK_MESSAGE("Invalid YAML");
  setenv("TROP_PORT_MIN", "zero", 1);
  CHECK_CODE(trop_options_load_config(o, at("elsewhere")), TROP_E_CONFIG);
  CHECK_MESSAGE("TROP_PORT_MIN");
  unsetenv("TROP_PORT_MIN");
  /* A directory that does not exist. */
  CHECK_CODE(trop_options_load_config(o, at("missing")), TROP_E_NOT_FOUND);

  /* Without a data directory it is resolved as trop_open would, then kept. */
  trop_options_free(o);
  CHECK_CODE(trop_options_new(&o), TROP_OK);
  setenv("TROP_DATA_DIR", at("data"), 1);
  CHECK_CODE(trop_options_load_config(o, at("elsewhere")), TROP_OK);
  unsetenv("TROP_DATA_DIR");
  CHECK(trop_options_data_dir(o) != NULL && strcmp(trop_options_data_dir(o), at("data")) == 0);
  trop_options_range(o, &lo, &hi);
  CHECK(lo == 6500 && hi == 6600);
  trop_options_free(o);
}

/* Leases through the C API: stored with the record, made sticky by a plain
 * reserve, and reclaimed by the next writer that needs the port once the
 * owner died. */
static void test_leases(void) {
  trop_options* o = test_options(6600, 6600); /* one port */
  trop_store* s = open_store(o);
  trop_reserve_request req;
  trop_reserve_result res;
  trop_reservation* r = NULL;
  pid_t child;
  char path[PATH_MAX], other[PATH_MAX];
  snprintf(path, sizeof path, "%s", make_dir("lease"));
  snprintf(other, sizeof other, "%s", make_dir("other"));

  trop_reserve_request_init(&req);
  req.path = path;
  req.flags = TROP_RESERVE_NO_GIT;
  req.ttl_seconds = -5;
  trop_reserve_result_init(&res);
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_E_INVALID_ARGUMENT);
  CHECK_MESSAGE("ttl_seconds");
  req.ttl_seconds = 0;
  req.owner_pid = -1;
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_E_INVALID_ARGUMENT);

  /* A timed lease owned by this process. */
  req.ttl_seconds = 600;
  req.owner_pid = (int32_t)getpid();
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_OK);
  {
    time_t now = time(NULL);
    CHECK_CODE(trop_lookup(s, path, NULL, &r), TROP_OK);
    CHECK(r != NULL && r->has_lease == 1 && r->lease_owner_pid == (int32_t)getpid());
    CHECK(r != NULL && r->lease_expires_at >= now + 590 && r->lease_expires_at <= now + 610);
    trop_reservation_free(r);
  }
  /* A plain reserve of the key makes it sticky again. */
  req.ttl_seconds = 0;
  req.owner_pid = 0;
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_OK);
  CHECK_CODE(trop_lookup(s, path, NULL, &r), TROP_OK);
  CHECK(r != NULL && r->has_lease == 0 && r->lease_expires_at == 0 && r->lease_owner_pid == 0);
  trop_reservation_free(r);
  CHECK_CODE(trop_release(s, path, NULL), TROP_OK);

  /* No such owner process (the CLI's exit 4); a lapse time beyond int64. */
  req.owner_pid = 0x7ffffff0;
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_E_INVALID_ARGUMENT);
  CHECK_MESSAGE("owner_pid: ");
  req.owner_pid = 0;
  req.ttl_seconds = INT64_MAX;
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_E_INVALID_ARGUMENT);
  CHECK_MESSAGE("too large");
  req.ttl_seconds = 0;
  CHECK(port_of(s, path, NULL) == 0);

  /* Owned by a child that then dies: the only port is reclaimed for another key. */
  child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  CHECK(child > 0);
  req.owner_pid = (int32_t)child;
  CHECK_CODE(trop_reserve(s, &req, &res), TROP_OK);
  CHECK(res.port == 6600);
  CHECK_CODE(reserve(s, other, NULL, 0, &res), TROP_E_EXHAUSTED); /* the owner lives */
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  CHECK_CODE(reserve(s, other, NULL, 0, &res), TROP_OK);
  CHECK(res.port == 6600 && res.leases_reclaimed == 1);
  CHECK(port_of(s, path, NULL) == 0);
  trop_close(s);
  trop_options_free(o);
}

/* One store handle shared by threads: every reservation gets its own port,
 * and each thread's error text is its own. */
enum { kThreads = 4, kPerThread = 10 };

struct thread_work {
  trop_store* store;
  int index;
  uint16_t ports[kPerThread];
  int failures;
  int own_error_kept;
};

static void* reserve_many(void* arg) {
  struct thread_work* w = (struct thread_work*)arg;
  char dir[PATH_MAX];
  char tag[32];
  int i;
  snprintf(dir, sizeof dir, "%s/threads", g_root);
  for (i = 0; i < kPerThread; ++i) {
    trop_reserve_result res;
    snprintf(tag, sizeof tag, "t%d-%d", w->index, i);
    if (reserve(w->store, dir, tag, 0, &res) != TROP_OK) {
      ++w->failures;
    }
    w->ports[i] = res.port;
  }
  /* A failure here leaves a text that no other thread's call overwrites. */
  if (trop_reserve(w->store, NULL, NULL) == TROP_E_INVALID_ARGUMENT) {
    char text[256];
    snprintf(text, sizeof text, "%s", trop_last_error());
    usleep(20000); /* the other threads make successful calls meanwhile */
    w->own_error_kept = strcmp(text, trop_last_error()) == 0 && strstr(text, "NULL") != NULL;
  }
  return NULL;
}

static void test_threads_share_a_store(void) {
  trop_options* o = test_options(6800, 6899);
  trop_store* s = open_store(o);
  struct thread_work work[kThreads];
  pthread_t threads[kThreads];
  trop_reservation* items = NULL;
  size_t n = 0;
  uint16_t all[kThreads * kPerThread];
  int i, j, k, distinct = 1;
  make_dir("threads");
  for (i = 0; i < kThreads; ++i) {
    memset(&work[i], 0, sizeof work[i]);
    work[i].store = s;
    work[i].index = i;
    CHECK(pthread_create(&threads[i], NULL, reserve_many, &work[i]) == 0);
  }
  for (i = 0; i < kThreads; ++i) {
    pthread_join(threads[i], NULL);
    CHECK(work[i].failures == 0);
    CHECK(work[i].own_error_kept == 1);
  }
  for (i = 0; i < kThreads; ++i) {
    for (j = 0; j < kPerThread; ++j) {
      all[i * kPerThread + j] = work[i].ports[j];
    }
  }
  for (j = 0; j < kThreads * kPerThread; ++j) {
    for (k = j + 1; k < kThreads * kPerThread; ++k) {
      if (all[j] == all[k] || all[j] < 6800 || all[j] > 6899) {
        distinct = 0;
      }
    }
  }
  CHECK(distinct);
  CHECK_CODE(trop_list(s, NULL, &items, &n), TROP_OK);
  CHECK(n == kThreads * kPerThread);
  trop_list_free(items);
  trop_close(s);
  trop_options_free(o);
}

int main(void) {
  static const struct {
    const char* name;
    void (*run)(void);
  } tests[] = {
      {"error codes and names", test_error_codes_and_names},
      {"NULL arguments", test_null_arguments},
      {"options", test_options_setters},
      {"open resolves the data directory", test_open_resolves_data_dir},
      {"reserve, lookup, list, release", test_reserve_lookup_list_release},
      {"sticky metadata", test_sticky_metadata},
      {"exhausted and cleanup", test_exhausted_and_cleanup},
      {"busy", test_busy},
      {"autoinit off", test_autoinit_off},
      {"load config", test_load_config},
      {"leases", test_leases},
      {"threads share a store", test_threads_share_a_store},
  };
  size_t i;
  int tests_failed = 0;
  /* The environment must not steer the configuration tests. */
  static const char* const vars[] = {"TROP_DATA_DIR",       "TROP_PROJECT",
                                     "TROP_TASK",           "TROP_PORT_MIN",
                                     "TROP_PORT_MAX",       "TROP_EXCLUDED_PORTS",
                                     "TROP_DURABILITY",     "TROP_BUSY_TIMEOUT",
                                     "TROP_PATH",           "TROP_MAXIMUM_LOCK_WAIT_SECONDS",
                                     "TROP_PORT_MAX_OFFSET"};
  for (i = 0; i < sizeof vars / sizeof vars[0]; ++i) {
    unsetenv(vars[i]);
  }
  for (i = 0; i < sizeof tests / sizeof tests[0]; ++i) {
    int before = g_failed;
    make_root();
    setenv("HOME", g_root, 1);
    tests[i].run();
    remove_root();
    if (g_failed != before) {
      ++tests_failed;
      fprintf(stderr, "FAILED: %s\n", tests[i].name);
    }
  }
  printf("%d checks, %d failed\n", g_checks, g_failed);
  printf("%d passed, %d failed\n", (int)(sizeof tests / sizeof tests[0]) - tests_failed,
         tests_failed);
  return tests_failed == 0 ? 0 : 1;
}
