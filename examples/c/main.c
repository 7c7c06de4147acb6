/* trop's C API from C: load the configuration `trop reserve` would use for a
 * project directory, reserve a port for it, look it up, list, release.
 *
 *   trop_c_example              a temporary project and data directory
 *   trop_c_example DIR DATA     project directory DIR, data directory DATA
 *
 * Build: see CMakeLists.txt (find_package), or with pkg-config:
 *   cc main.c $(pkg-config --cflags --libs trop) -o trop_c_example
 * Exits 1 on any unexpected result. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <trop/trop.h>

static int fail(const char* what, trop_error code) {
  fprintf(stderr, "%s failed: %s: %s\n", what, trop_error_name(code), trop_last_error());
  return 1;
}

static int run(const char* project, const char* data_dir) {
  trop_options* options = NULL;
  trop_store* store = NULL;
  trop_reserve_request request;
  trop_reserve_result result;
  trop_reservation* found = NULL;
  trop_reservation* items = NULL;
  size_t count = 0, i;
  trop_error e;
  uint16_t min = 0, max = 0;
  int status = 1;

  /* The CLI's effective configuration for `project` (defaults, config.yaml,
   * trop.yaml, TROP_* variables), with our own data directory. */
  if ((e = trop_options_new(&options)) != TROP_OK) {
    return fail("trop_options_new", e);
  }
  if ((e = trop_options_set_data_dir(options, data_dir)) != TROP_OK ||
      (e = trop_options_load_config(options, project)) != TROP_OK) {
    status = fail("loading the configuration", e);
    goto done;
  }
  trop_options_range(options, &min, &max);
  printf("range %u-%u, data directory %s\n", (unsigned)min, (unsigned)max,
         trop_options_data_dir(options));
  if ((e = trop_open(options, &store)) != TROP_OK) {
    status = fail("trop_open", e);
    goto done;
  }

  trop_reserve_request_init(&request);
  request.path = project;
  request.tag = "web";
  trop_reserve_result_init(&result);
  if ((e = trop_reserve(store, &request, &result)) != TROP_OK) {
    status = fail("trop_reserve", e);
    goto done;
  }
  printf("reserved port %u for %s:web (%s)\n", (unsigned)result.port, project,
         result.action == TROP_RESERVE_CREATED ? "new" : "existing");

  /* Reserving again is idempotent: the same port. */
  {
    trop_reserve_result again;
    trop_reserve_result_init(&again);
    if ((e = trop_reserve(store, &request, &again)) != TROP_OK) {
      status = fail("trop_reserve (again)", e);
      goto done;
    }
    if (again.port != result.port || again.action != TROP_RESERVE_REFRESHED) {
      fprintf(stderr, "second reservation gave port %u, expected %u\n", (unsigned)again.port,
              (unsigned)result.port);
      goto done;
    }
  }

  if ((e = trop_lookup(store, project, "web", &found)) != TROP_OK) {
    status = fail("trop_lookup", e);
    goto done;
  }
  printf("lookup: port %u, project %s\n", (unsigned)found->port,
         found->project != NULL ? found->project : "(none)");
  if (found->port != result.port) {
    fprintf(stderr, "lookup gave port %u, expected %u\n", (unsigned)found->port,
            (unsigned)result.port);
    goto done;
  }

  if ((e = trop_list(store, project, &items, &count)) != TROP_OK) {
    status = fail("trop_list", e);
    goto done;
  }
  printf("list: %lu reservation(s)\n", (unsigned long)count);
  for (i = 0; i < count; ++i) {
    printf("  %s%s%s %u\n", items[i].path, items[i].tag != NULL ? ":" : "",
           items[i].tag != NULL ? items[i].tag : "", (unsigned)items[i].port);
  }
  if (count != 1) {
    goto done;
  }

  if ((e = trop_release(store, project, "web")) != TROP_OK) {
    status = fail("trop_release", e);
    goto done;
  }
  printf("released %s:web\n", project);

  trop_reservation_free(found);
  found = NULL;
  e = trop_lookup(store, project, "web", &found);
  printf("lookup after release: %s\n", trop_error_name(e));
  if (e != TROP_E_NOT_FOUND) {
    goto done;
  }
  status = 0;

done:
  trop_reservation_free(found);
  trop_list_free(items);
  trop_close(store);
  trop_options_free(options);
  return status;
}

int main(int argc, char** argv) {
  char root[] = "/tmp/trop-c-example-XXXXXX";
  char project[sizeof root + 16], data_dir[sizeof root + 16], cmd[sizeof root + 32];
  int status;
  if (argc == 3) {
    status = run(argv[1], argv[2]);
  } else {
    if (mkdtemp(root) == NULL) {
      perror("mkdtemp");
      return 1;
    }
    snprintf(project, sizeof project, "%s/project", root);
    snprintf(data_dir, sizeof data_dir, "%s/data", root);
    if (mkdir(project, 0700) != 0) {
      perror(project);
      return 1;
    }
    status = run(project, data_dir);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0) {
      fprintf(stderr, "could not remove %s\n", root);
    }
  }
  printf("%s\n", status == 0 ? "example: ok" : "example: FAILED");
  return status;
}
