#include "testing/fault_env.h"

namespace trop::testing {
namespace {

bool is_durable(fault_env::op_kind k) {
  return k != fault_env::op_kind::open && k != fault_env::op_kind::mmap;
}

class fault_file final : public random_access_file {
 public:
  fault_file(fault_env* env, std::unique_ptr<random_access_file> base, std::string path)
      : env_(env), base_(std::move(base)), path_(std::move(path)) {}

  status read_at(std::uint64_t offset, std::span<std::byte> out, std::size_t* read) override {
    return base_->read_at(offset, out, read);
  }
  status write_at(std::uint64_t offset, std::span<const std::byte> data) override {
    auto d = env_->before(fault_env::op_kind::write, "write", path_);
    if (!d.st.is_ok()) {
      if (d.torn || d.short_write) {
        (void)base_->write_at(offset, data.first(data.size() / 2));
      }
      env_->record(fault_env::op_kind::write, path_, true);
      return d.st;
    }
    status s = base_->write_at(offset, data);
    env_->record(fault_env::op_kind::write, path_, !s.is_ok());
    return s;
  }
  status sync_data() override {
    auto d = env_->before(fault_env::op_kind::sync, "fdatasync", path_);
    status s = d.st.is_ok() ? base_->sync_data() : d.st;
    env_->record(fault_env::op_kind::sync, path_, !s.is_ok());
    return s;
  }
  status truncate(std::uint64_t size) override {
    auto d = env_->before(fault_env::op_kind::truncate, "truncate", path_);
    status s = d.st.is_ok() ? base_->truncate(size) : d.st;
    env_->record(fault_env::op_kind::truncate, path_, !s.is_ok());
    return s;
  }
  result<std::uint64_t> size() override { return base_->size(); }

 private:
  fault_env* env_;
  std::unique_ptr<random_access_file> base_;
  std::string path_;
};

}  // namespace

const char* fault_env::kind_name(op_kind k) {
  switch (k) {
    case op_kind::write:
      return "write";
    case op_kind::sync:
      return "fdatasync";
    case op_kind::truncate:
      return "ftruncate";
    case op_kind::rename:
      return "rename";
    case op_kind::remove:
      return "remove";
    case op_kind::sync_dir:
      return "directory fsync";
    case op_kind::open:
      return "open";
    case op_kind::mmap:
      return "mmap";
    case op_kind::any:
      return "any";
  }
  return "?";
}

const char* fault_env::mode_name(fault_mode m) {
  switch (m) {
    case fault_mode::eio:
      return "EIO";
    case fault_mode::enospc:
      return "ENOSPC";
    case fault_mode::eintr:
      return "EINTR";
    case fault_mode::short_write:
      return "short write";
  }
  return "?";
}

fault_env::decision fault_env::before(op_kind kind, const std::string& op_name,
                                      const std::string& path) {
  decision d;
  const bool durable = is_durable(kind);
  std::uint64_t n = durable ? ++ops_ : ops_.load();
  std::uint64_t k = ++kind_count_[static_cast<int>(kind)];
  if (crashed_ || (durable && crash_at_ != 0 && n >= crash_at_)) {
    d.torn = !crashed_ && torn_ && kind == op_kind::write;
    crashed_ = true;
    d.st = status(error_code::crashed, op_name + " " + path + ": simulated crash");
    return d;
  }
  const std::uint64_t at = fail_at_;
  if (at != 0 && (fail_kind_ == op_kind::any || fail_kind_ == kind)) {
    std::uint64_t index = fail_kind_ == op_kind::any ? n : k;
    if (fail_kind_ == op_kind::any && !durable) {
      return d;  // `any` numbers durable operations only
    }
    if (index == at || (fail_persistent_ && index > at)) {
      ++injected_;
      std::string why;
      switch (fail_mode_) {
        case fault_mode::eio:
          why = "Input/output error";
          break;
        case fault_mode::eintr:
          why = "Interrupted system call";
          break;
        case fault_mode::enospc:
          why = "No space left on device";
          break;
        case fault_mode::short_write:
          why = "No space left on device";
          d.short_write = kind == op_kind::write;
          break;
      }
      d.st = io_error(op_name + " " + path + ": " + why + " (injected)");
    }
  }
  return d;
}

void fault_env::record(op_kind kind, const std::string& path, bool failed) {
  std::lock_guard<std::mutex> g(trace_mu_);
  trace_.push_back({kind, path, failed});
}

std::vector<fault_env::event> fault_env::trace() const {
  std::lock_guard<std::mutex> g(trace_mu_);
  return trace_;
}

void fault_env::clear_trace() {
  std::lock_guard<std::mutex> g(trace_mu_);
  trace_.clear();
}

result<std::unique_ptr<random_access_file>> fault_env::open(const std::string& path,
                                                            open_mode mode) {
  auto d = before(op_kind::open, "open", path);
  if (!d.st.is_ok()) {
    record(op_kind::open, path, true);
    return d.st;
  }
  auto f = base_->open(path, mode);
  record(op_kind::open, path, !f.is_ok());
  if (!f) {
    return f.error();
  }
  return std::unique_ptr<random_access_file>(new fault_file(this, std::move(*f), path));
}

result<std::unique_ptr<mapped_file>> fault_env::map_read_only(const std::string& path) {
  auto d = before(op_kind::mmap, "mmap", path);
  if (!d.st.is_ok()) {
    record(op_kind::mmap, path, true);
    return d.st;
  }
  auto m = base_->map_read_only(path);
  record(op_kind::mmap, path, !m.is_ok() && m.error().code() != error_code::not_found);
  return m;
}

status fault_env::rename(const std::string& from, const std::string& to) {
  auto d = before(op_kind::rename, "rename", from);
  status s = d.st.is_ok() ? base_->rename(from, to) : d.st;
  record(op_kind::rename, from, !s.is_ok());
  return s;
}

status fault_env::remove(const std::string& path) {
  auto d = before(op_kind::remove, "remove", path);
  status s = d.st.is_ok() ? base_->remove(path) : d.st;
  record(op_kind::remove, path, !s.is_ok());
  return s;
}

status fault_env::sync_dir(const std::string& dir) {
  auto d = before(op_kind::sync_dir, "fsync directory", dir);
  status s = d.st.is_ok() ? base_->sync_dir(dir) : d.st;
  record(op_kind::sync_dir, dir, !s.is_ok());
  return s;
}

}  // namespace trop::testing
