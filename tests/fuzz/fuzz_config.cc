// Fuzz target: the YAML configuration loader. Input: a configuration file's
// text, parsed as each kind of file. Must never throw or crash; every error
// has a message, and a syntax error points into the file.
#include <string>
#include <string_view>

#include "fuzz_common.h"
#include "trop/formats/config_yaml.h"

using namespace trop;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (config_origin kind :
       {config_origin::user_file, config_origin::project_file, config_origin::local_file}) {
    layer_outcome parsed = parse_config_yaml(text, "/fuzz/trop.yaml", kind);
    layer_outcome loaded = load_config_text(text, "/fuzz/trop.yaml", kind);
    for (const layer_outcome* o : {&parsed, &loaded}) {
      for (const config_error& e : o->errors) {
        TROP_FUZZ_CHECK(!e.message.empty());
        TROP_FUZZ_CHECK(e.line >= 0 && e.column >= 0);
      }
    }
    // Syntax errors are found by both; the loader only adds value errors.
    TROP_FUZZ_CHECK(loaded.errors.size() >= parsed.errors.size());
  }
  return 0;
}
