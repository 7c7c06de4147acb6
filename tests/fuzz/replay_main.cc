// Runs a fuzz target over files, without libFuzzer: every corpus file is a
// regression test (built by g++ and run by CTest). Arguments are files or
// directories (searched recursively). Exit 0 when every input ran; a failed
// invariant aborts.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "fuzz_common.h"

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    fs::path p(argv[i]);
    if (fs::is_directory(p)) {
      for (const auto& e : fs::recursive_directory_iterator(p)) {
        if (e.is_regular_file()) {
          files.push_back(e.path());
        }
      }
    } else {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    std::string bytes;
    if (std::FILE* in = std::fopen(f.c_str(), "rb")) {
      char buf[65536];
      std::size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, in)) > 0) {
        bytes.append(buf, n);
      }
      std::fclose(in);
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::cerr << "replayed " << files.size() << " inputs\n";
  return files.empty() ? 1 : 0;
}
