/* Compile-only: trop/trop.h is valid C11 with -Wpedantic (capi_test.c covers C99). */
#include "trop/trop.h"

/* Referenced so that -Wunused has nothing to say and the types are complete. */
size_t trop_header_check_c(void);
size_t trop_header_check_c(void) {
  trop_reserve_request req;
  trop_reserve_result res;
  trop_reserve_request_init(&req);
  trop_reserve_result_init(&res);
  return sizeof(trop_reservation) + req.struct_size + res.struct_size + TROP_C_API_VERSION;
}
