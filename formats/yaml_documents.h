// Splitting YAML text into documents safely. Not YAML::LoadAll: on some
// invalid texts (a stray ',' where a document starts) yaml-cpp 0.7's parser
// reports an empty document without consuming the token, so LoadAll loops
// forever, growing its vector until memory runs out. Here a document that
// starts where the previous one did stops the scan as an error.
// Thread safety: stateless.
#pragma once

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <optional>
#include <string_view>

namespace trop::formats_detail {

struct yaml_mark {
  int line = 0;  // 0-based, as yaml-cpp reports
  int column = 0;
};

struct yaml_documents {
  std::size_t count = 0;
  YAML::Node first;                   // the first document's tree (null when count == 0)
  std::optional<yaml_mark> second;    // where a second document starts, if any
  std::optional<yaml_mark> stuck_at;  // set when the parser stopped advancing (invalid text)
};

// Counts the documents of `text` and builds the first one's tree. Throws
// YAML::Exception on a syntax error (callers report it with its mark).
yaml_documents load_yaml_documents(std::string_view text);

}  // namespace trop::formats_detail
