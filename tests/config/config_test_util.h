// Helpers shared by the configuration tests: a fake environment, a temporary
// directory and short ways to parse a file and look at its errors.
// Thread safety: test-only; each object is used by one thread.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "trop/config.h"
#include "trop/formats/config_loader.h"
#include "trop/formats/config_yaml.h"

namespace trop::testing {

// An environment made of a map; lookup() returns nullptr for unset names.
class fake_env {
 public:
  fake_env() = default;
  fake_env(std::initializer_list<std::pair<const std::string, std::string>> vars) : vars_(vars) {}

  void set(const std::string& name, std::string value) { vars_[name] = std::move(value); }

  env_lookup lookup() const {
    return [this](const char* name) -> const char* {
      auto it = vars_.find(name);
      return it == vars_.end() ? nullptr : it->second.c_str();
    };
  }

 private:
  std::map<std::string, std::string> vars_;
};

// A fresh directory under the system temp dir, removed with its contents.
class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "trop-config-XXXXXX").string();
    char* made = ::mkdtemp(tmpl.data());
    if (made == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    // Canonical, as the loader expects the cwd to be.
    path_ = std::filesystem::canonical(made).string();
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }

  // Creates the directory `rel` (and parents); returns its absolute path.
  std::string mkdir(const std::string& rel) const {
    std::string p = path_ + "/" + rel;
    std::filesystem::create_directories(p);
    return p;
  }

  // Writes `text` to `rel` (parents created); returns the absolute path.
  std::string write(const std::string& rel, const std::string& text) const {
    std::filesystem::path p = std::filesystem::path(path_) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

 private:
  std::string path_;
};

inline layer_outcome parse_project(const std::string& text) {
  return load_config_text(text, "/p/trop.yaml", config_origin::project_file);
}

inline layer_outcome parse_user(const std::string& text) {
  return load_config_text(text, "/d/config.yaml", config_origin::user_file);
}

// The formatted errors, one per line, for readable failure output (INFO).
inline std::string lines(const std::vector<config_error>& errors) {
  std::string out;
  for (const config_error& e : errors) {
    out += format_config_error(e) + " [line " + std::to_string(e.line) + "]\n";
  }
  return out;
}

inline bool any_contains(const std::vector<config_error>& errors, const std::string& needle) {
  for (const config_error& e : errors) {
    if (format_config_error(e).find(needle) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace trop::testing
