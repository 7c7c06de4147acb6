// The internal exception that store readers throw on bad bytes. It never
// leaves the engine: the public API catches it and returns a corruption status.
// Thread safety: a value.
#pragma once

#include <stdexcept>
#include <string>

namespace trop::store_detail {

class corrupt_error : public std::runtime_error {
 public:
  explicit corrupt_error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace trop::store_detail
