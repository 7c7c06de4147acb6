#include "testing/mem_env.h"

#include <cstring>

namespace trop::testing {
namespace {

std::string parent_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

class mem_file final : public random_access_file {
 public:
  mem_file(std::mutex* mu, std::shared_ptr<mem_env::node> n, bool writable)
      : mu_(mu), node_(std::move(n)), writable_(writable) {}

  status read_at(std::uint64_t offset, std::span<std::byte> out, std::size_t* read) override {
    std::lock_guard<std::mutex> g(*mu_);
    const std::string& d = node_->data;
    std::size_t n = offset >= d.size() ? 0 : std::min<std::size_t>(out.size(), d.size() - offset);
    std::memcpy(out.data(), d.data() + offset, n);
    *read = n;
    return status::ok();
  }
  status write_at(std::uint64_t offset, std::span<const std::byte> data) override {
    if (!writable_) {
      return io_error("write: file opened read-only");
    }
    std::lock_guard<std::mutex> g(*mu_);
    std::string& d = node_->data;
    if (d.size() < offset + data.size()) {
      d.resize(offset + data.size(), '\0');
    }
    std::memcpy(d.data() + offset, data.data(), data.size());
    return status::ok();
  }
  status sync_data() override {
    std::lock_guard<std::mutex> g(*mu_);
    node_->synced = node_->data;
    return status::ok();
  }
  status truncate(std::uint64_t size) override {
    std::lock_guard<std::mutex> g(*mu_);
    node_->data.resize(size, '\0');
    return status::ok();
  }
  result<std::uint64_t> size() override {
    std::lock_guard<std::mutex> g(*mu_);
    return static_cast<std::uint64_t>(node_->data.size());
  }

 private:
  std::mutex* mu_;
  std::shared_ptr<mem_env::node> node_;
  bool writable_;
};

class mem_mapping final : public mapped_file {
 public:
  explicit mem_mapping(std::string bytes) : bytes_(std::move(bytes)) {}
  std::span<const std::byte> bytes() const override {
    return std::as_bytes(std::span<const char>(bytes_.data(), bytes_.size()));
  }

 private:
  std::string bytes_;
};

class mem_lock final : public file_lock {
 public:
  explicit mem_lock(std::shared_ptr<std::timed_mutex> m) : m_(std::move(m)) {}
  ~mem_lock() override { m_->unlock(); }

 private:
  std::shared_ptr<std::timed_mutex> m_;
};

}  // namespace

result<std::unique_ptr<random_access_file>> mem_env::open(const std::string& path, open_mode mode) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = names_.find(path);
  if (it == names_.end()) {
    if (mode == open_mode::read_only) {
      return not_found("open " + path + ": No such file or directory");
    }
    if (!dirs_.count(parent_of(path))) {
      return not_found("open " + path + ": No such file or directory");
    }
    it = names_.emplace(path, std::make_shared<node>()).first;
  } else if (mode == open_mode::create_truncate) {
    it->second->data.clear();
  }
  return std::unique_ptr<random_access_file>(
      new mem_file(&mu_, it->second, mode != open_mode::read_only));
}

result<std::unique_ptr<mapped_file>> mem_env::map_read_only(const std::string& path) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = names_.find(path);
  if (it == names_.end()) {
    return not_found("open " + path + ": No such file or directory");
  }
  return std::unique_ptr<mapped_file>(new mem_mapping(it->second->data));
}

status mem_env::rename(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = names_.find(from);
  if (it == names_.end()) {
    return not_found("rename " + from + ": No such file or directory");
  }
  names_[to] = it->second;
  names_.erase(from);
  return status::ok();
}

status mem_env::remove(const std::string& path) {
  std::lock_guard<std::mutex> g(mu_);
  names_.erase(path);
  return status::ok();
}

status mem_env::sync_dir(const std::string& dir) {
  std::lock_guard<std::mutex> g(mu_);
  for (auto it = durable_names_.begin(); it != durable_names_.end();) {
    it = parent_of(it->first) == dir ? durable_names_.erase(it) : std::next(it);
  }
  for (const auto& [name, n] : names_) {
    if (parent_of(name) == dir) {
      durable_names_[name] = n;
    }
  }
  return status::ok();
}

status mem_env::create_dirs(const std::string& dir) {
  std::lock_guard<std::mutex> g(mu_);
  std::string d = dir;
  while (!d.empty() && d != "/" && d != ".") {
    dirs_[d] = true;
    d = parent_of(d);
  }
  return status::ok();
}

result<bool> mem_env::file_exists(const std::string& path) {
  std::lock_guard<std::mutex> g(mu_);
  return names_.count(path) > 0 || dirs_.count(path) > 0;
}

result<std::unique_ptr<file_lock>> mem_env::lock(const std::string& path,
                                                 std::chrono::milliseconds timeout) {
  std::shared_ptr<std::timed_mutex> m;
  {
    std::lock_guard<std::mutex> g(mu_);
    auto& slot = locks_[path];
    if (!slot) {
      slot = std::make_shared<std::timed_mutex>();
    }
    m = slot;
  }
  if (!m->try_lock_for(timeout)) {
    return status(error_code::busy, "lock " + path + ": timed out");
  }
  return std::unique_ptr<file_lock>(new mem_lock(m));
}

std::int64_t mem_env::now_unix() {
  std::lock_guard<std::mutex> g(mu_);
  return now_;
}

void mem_env::set_now(std::int64_t t) {
  std::lock_guard<std::mutex> g(mu_);
  now_ = t;
}

void mem_env::simulate_power_loss() {
  std::lock_guard<std::mutex> g(mu_);
  names_ = durable_names_;
  for (auto& [name, n] : names_) {
    n->data = n->synced;
  }
}

std::string mem_env::contents(const std::string& path) const {
  std::lock_guard<std::mutex> g(mu_);
  auto it = names_.find(path);
  return it == names_.end() ? std::string() : it->second->data;
}

bool mem_env::has(const std::string& path) const {
  std::lock_guard<std::mutex> g(mu_);
  return names_.count(path) > 0;
}

void mem_env::set_contents(const std::string& path, const std::string& bytes) {
  std::lock_guard<std::mutex> g(mu_);
  auto& n = names_[path];
  if (!n) {
    n = std::make_shared<node>();
  }
  n->data = bytes;
  n->synced = bytes;
  durable_names_[path] = n;
  dirs_[parent_of(path)] = true;
}

}  // namespace trop::testing
