// Discovery, loading and merging of the configuration layers (SPEC B §4.1-§4.3).
#include "trop/formats/config_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "trop/formats/config_yaml.h"

namespace trop {
namespace {

std::string join_path(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') {
    out.push_back('/');
  }
  out.append(name);
  return out;
}

// Rust's Path::exists: stat(2) succeeds (symlinks followed).
bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string parent_of(const std::string& dir) {
  std::size_t slash = dir.find_last_of('/');
  if (slash == std::string::npos || slash == 0) {
    return "/";
  }
  return dir.substr(0, slash);
}

std::string base_name(std::string_view path) {
  std::size_t slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// "<strerror> (os error N)", the way the original prints an io::Error
// (std::generic_category uses the thread-safe strerror_r).
std::string os_error(int err) {
  return std::generic_category().message(err) + " (os error " + std::to_string(err) + ")";
}

// Reads a whole file; an errno on failure.
int read_file(const std::string& path, std::string& out) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    return errno;
  }
  char buf[8192];
  int err = 0;
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      err = errno;
      break;
    }
    if (n == 0) {
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);  // not retried on EINTR: the descriptor is gone either way
  return err;
}

std::string position_suffix(const config_error& e) {
  if (e.line <= 0) {
    return "";
  }
  return " at line " + std::to_string(e.line) + " column " + std::to_string(e.column);
}

}  // namespace

std::string user_config_path(const std::string& data_dir) {
  return join_path(data_dir, kUserConfigName);
}

std::optional<project_files> discover_project_files(const std::string& cwd) {
  std::string dir = cwd.empty() ? std::string("/") : cwd;
  while (true) {
    std::string project = join_path(dir, kProjectConfigName);
    std::string local = join_path(dir, kLocalConfigName);
    bool has_project = exists(project);
    bool has_local = exists(local);
    if (has_project || has_local) {
      project_files f;
      f.dir = dir;
      if (has_project) {
        f.project = std::move(project);
      }
      if (has_local) {
        f.local = std::move(local);
      }
      return f;
    }
    if (dir == "/") {
      return std::nullopt;
    }
    dir = parent_of(dir);
  }
}

project_files explicit_project_files(const std::string& file, const std::string& cwd) {
  std::string path = (!file.empty() && file.front() == '/') ? file : join_path(cwd, file);
  project_files f;
  f.dir = parent_of(path);
  std::string name = base_name(path);
  if (name == kProjectConfigName) {
    f.project = path;
    if (std::string local = join_path(f.dir, kLocalConfigName); exists(local)) {
      f.local = std::move(local);
    }
  } else if (name == kLocalConfigName) {
    if (std::string project = join_path(f.dir, kProjectConfigName); exists(project)) {
      f.project = std::move(project);
    }
    f.local = path;
  } else {
    f.project = path;
  }
  return f;
}

layer_outcome load_config_file(const std::string& path, config_origin kind) {
  std::string text;
  if (int err = read_file(path, text); err != 0) {
    layer_outcome out;
    out.layer.kind = kind;
    out.layer.origin = path;
    config_error e;
    e.kind = config_error_kind::read;
    e.source = path;
    e.message = "Failed to read configuration file: " + os_error(err);
    out.errors.push_back(std::move(e));
    return out;
  }
  return load_config_text(text, path, kind);
}

config_outcome load_config(const config_request& request) {
  config_outcome out;
  if (request.scope == config_scope::none) {
    return out;
  }

  std::vector<config_layer> layers;
  auto load = [&](const std::string& path, config_origin kind) {
    out.files.push_back(loaded_file{path, kind});
    layer_outcome l = load_config_file(path, kind);
    out.errors.insert(out.errors.end(), l.errors.begin(), l.errors.end());
    layers.push_back(std::move(l.layer));
  };

  if (request.scope == config_scope::discover || request.scope == config_scope::explicit_project) {
    if (std::string user = user_config_path(request.data_dir); exists(user)) {
      load(user, config_origin::user_file);
    }
    std::optional<project_files> project;
    if (request.scope == config_scope::discover) {
      // An unknown cwd (deleted directory) discovers nothing.
      if (!request.cwd.empty()) {
        project = discover_project_files(request.cwd);
      }
    } else {
      project = explicit_project_files(request.explicit_file, request.cwd);
    }
    if (project) {
      out.project_dir = project->dir;
      if (project->project) {
        load(*project->project, config_origin::project_file);
      }
      if (project->local) {
        load(*project->local, config_origin::local_file);
      }
    }
  }

  if (request.getenv) {
    layer_outcome env = read_env_layer(request.getenv, request.uses_project_task);
    out.errors.insert(out.errors.end(), env.errors.begin(), env.errors.end());
    layers.push_back(std::move(env.layer));
  }

  config_layer cli = request.command_line;
  cli.kind = config_origin::command_line;
  cli.origin = std::string(kOriginCommandLine);
  layers.push_back(std::move(cli));

  out.config = merge_layers(layers);
  if (!out.errors.empty()) {
    return out;  // every file problem first; merged checks would only repeat them
  }
  out.errors = validate_effective(out.config);
  return out;
}

std::string format_config_error(const config_error& e) {
  switch (e.kind) {
    case config_error_kind::read:
      return "invalid path " + e.source + ": " + e.message;
    case config_error_kind::syntax:
      return "validation error for '" + e.source + "': Invalid YAML: " + describe_syntax_error(e);
    case config_error_kind::value:
      break;
  }
  std::string what;
  if (e.field.empty()) {
    what = e.source;
  } else if (e.source.empty()) {
    what = e.field;
  } else {
    what = e.field + " (" + e.source + ")";
  }
  return "validation error for '" + what + "': " + e.message;
}

std::string describe_syntax_error(const config_error& e) {
  std::string out;
  if (!e.field.empty()) {
    out = e.field + ": ";
  }
  out += e.message;
  out += position_suffix(e);
  return out;
}

std::string describe_config_errors(const std::vector<config_error>& errors) {
  const config_error& first = errors.front();
  std::string msg = format_config_error(first);
  if (first.kind == config_error_kind::value && first.line > 0) {
    // The §4.9 text names the file and the field; the position finds the
    // line in it (syntax errors carry theirs already).
    msg += " at line " + std::to_string(first.line) + " column " + std::to_string(first.column);
  }
  if (errors.size() > 1) {
    msg += " (and " + std::to_string(errors.size() - 1) + " more problem" +
           (errors.size() > 2 ? "s" : "") + ")";
  }
  return msg;
}

metadata_intent configured_intent(const std::optional<std::string>& value, bool cleared,
                                  const field_source& source) {
  if (cleared) {
    return {metadata_intent::kind::clear, {}};
  }
  if (!value) {
    return {};
  }
  bool from_file = source.kind == config_origin::project_file ||
                   source.kind == config_origin::local_file ||
                   source.kind == config_origin::user_file;
  return {from_file ? metadata_intent::kind::set_default : metadata_intent::kind::set_explicit,
          *value};
}

}  // namespace trop
