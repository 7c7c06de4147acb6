// Compile-only: trop/trop.h is valid C++11 and trop/trop.hpp valid C++17
// (TROP_HEADER_CHECK_HPP), with the project's warnings.
#include <cstddef>

#include "trop/trop.h"
#ifdef TROP_HEADER_CHECK_HPP
#include "trop/trop.hpp"
#endif

std::size_t trop_header_check_cxx();
std::size_t trop_header_check_cxx() {
  trop_reserve_request req;
  trop_reserve_request_init(&req);
#ifdef TROP_HEADER_CHECK_HPP
  trop::api::request r;
  return req.struct_size + r.flags;
#else
  return req.struct_size;
#endif
}
