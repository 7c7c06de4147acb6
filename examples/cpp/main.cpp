// trop from C++ through the RAII wrapper trop/trop.hpp (C++17): the same steps
// as examples/c — configuration for a project directory, reserve, look up,
// list, release. Errors are trop::api::error exceptions.
//
//   trop_cpp_example              a temporary project and data directory
//   trop_cpp_example DIR DATA     project directory DIR, data directory DATA
#include <stdlib.h>

#include <filesystem>
#include <iostream>
#include <string>

#include <trop/trop.hpp>

namespace fs = std::filesystem;

namespace {

bool run(const std::string& project, const std::string& data_dir) {
  trop::api::options options = trop::api::options::from_config(project, data_dir.c_str());
  auto [min, max] = options.range();
  std::cout << "range " << min << "-" << max << ", data directory " << data_dir << "\n";
  trop::api::store store(options);

  trop::api::request request;
  request.path = project;
  request.tag = "web";
  trop::api::reserve_result reserved = store.reserve(request);
  std::cout << "reserved port " << reserved.port << " for " << project << ":web\n";
  if (store.reserve(request).port != reserved.port) {
    std::cerr << "a second reservation gave another port\n";
    return false;
  }

  std::optional<trop::api::reservation> found = store.lookup(project, "web");
  if (!found || found->port != reserved.port) {
    std::cerr << "lookup did not find port " << reserved.port << "\n";
    return false;
  }
  std::cout << "lookup: port " << found->port << ", project " << found->project.value_or("(none)")
            << "\n";

  std::vector<trop::api::reservation> all = store.list(project);
  std::cout << "list: " << all.size() << " reservation(s)\n";
  for (const trop::api::reservation& r : all) {
    std::cout << "  " << r.path << (r.tag ? ":" + *r.tag : "") << " " << r.port << "\n";
  }
  if (all.size() != 1) {
    return false;
  }

  if (!store.release(project, "web")) {
    std::cerr << "release found nothing\n";
    return false;
  }
  std::cout << "released " << project << ":web\n";
  bool gone = !store.lookup(project, "web");
  std::cout << "lookup after release: " << (gone ? "not_found" : "still there") << "\n";
  return gone;
}

}  // namespace

int main(int argc, char** argv) {
  bool ok = false;
  try {
    if (argc == 3) {
      ok = run(argv[1], argv[2]);
    } else {
      std::string templ = (fs::temp_directory_path() / "trop-cpp-example-XXXXXX").string();
      if (::mkdtemp(templ.data()) == nullptr) {
        std::cerr << "mkdtemp failed\n";
        return 1;
      }
      fs::path root(templ);
      fs::create_directory(root / "project");
      ok = run((root / "project").string(), (root / "data").string());
      fs::remove_all(root);
    }
  } catch (const trop::api::error& e) {
    std::cerr << "trop error " << trop_error_name(e.code()) << ": " << e.what() << "\n";
  }
  std::cout << (ok ? "example: ok" : "example: FAILED") << "\n";
  return ok ? 0 : 1;
}
