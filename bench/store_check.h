// Correctness checks of a store after a benchmark: every key holds one port,
// no port is held twice, records are valid and in order, and validate() agrees.
// Thread safety: stateless functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace trop::bench {

struct store_check_result {
  std::size_t records = 0;
  std::vector<std::string> violations;  // empty when the store is sound
};

// Reads the store in `data_dir` through the library. When `expected_records`
// is set, a different record count is a violation too.
store_check_result check_store(const std::string& data_dir,
                               std::optional<std::size_t> expected_records);

}  // namespace trop::bench
