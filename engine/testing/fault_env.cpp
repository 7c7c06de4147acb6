#include "testing/fault_env.h"

namespace trop::testing {
namespace {

class fault_file final : public random_access_file {
 public:
  fault_file(fault_env* env, std::unique_ptr<random_access_file> base, std::string path)
      : env_(env), base_(std::move(base)), path_(std::move(path)) {}

  status read_at(std::uint64_t offset, std::span<std::byte> out, std::size_t* read) override {
    return base_->read_at(offset, out, read);
  }
  status write_at(std::uint64_t offset, std::span<const std::byte> data) override {
    bool torn = false;
    status s = env_->before(fault_env::op_kind::write, "write " + path_, &torn);
    if (!s.is_ok()) {
      if (torn) {
        (void)base_->write_at(offset, data.first(data.size() / 2));
      }
      return s;
    }
    return base_->write_at(offset, data);
  }
  status sync_data() override {
    bool torn = false;
    TROP_RETURN_IF_ERROR(env_->before(fault_env::op_kind::sync, "fdatasync " + path_, &torn));
    return base_->sync_data();
  }
  status truncate(std::uint64_t size) override {
    bool torn = false;
    TROP_RETURN_IF_ERROR(env_->before(fault_env::op_kind::truncate, "truncate " + path_, &torn));
    return base_->truncate(size);
  }
  result<std::uint64_t> size() override { return base_->size(); }

 private:
  fault_env* env_;
  std::unique_ptr<random_access_file> base_;
  std::string path_;
};

}  // namespace

status fault_env::before(op_kind kind, const std::string& what, bool* torn) {
  std::uint64_t n = ++ops_;
  std::uint64_t k = ++kind_count_[static_cast<int>(kind)];
  if (crashed_ || (crash_at_ != 0 && n >= crash_at_)) {
    *torn = !crashed_ && torn_ && kind == op_kind::write;
    crashed_ = true;
    return status(error_code::crashed, what + ": simulated crash");
  }
  if (fail_at_ != 0 && (fail_kind_ == op_kind::any || fail_kind_ == kind)) {
    std::uint64_t index = fail_kind_ == op_kind::any ? n : k;
    if (index == fail_at_ || (fail_persistent_ && index > fail_at_)) {
      return io_error(what + ": Input/output error (injected)");
    }
  }
  return status::ok();
}

result<std::unique_ptr<random_access_file>> fault_env::open(const std::string& path,
                                                            open_mode mode) {
  if (crashed_) {
    return status(error_code::crashed, "open " + path + ": simulated crash");
  }
  auto f = base_->open(path, mode);
  if (!f) {
    return f.error();
  }
  return std::unique_ptr<random_access_file>(new fault_file(this, std::move(*f), path));
}

status fault_env::rename(const std::string& from, const std::string& to) {
  bool torn = false;
  TROP_RETURN_IF_ERROR(before(op_kind::rename, "rename " + from, &torn));
  return base_->rename(from, to);
}

status fault_env::remove(const std::string& path) {
  bool torn = false;
  TROP_RETURN_IF_ERROR(before(op_kind::remove, "remove " + path, &torn));
  return base_->remove(path);
}

status fault_env::sync_dir(const std::string& dir) {
  bool torn = false;
  TROP_RETURN_IF_ERROR(before(op_kind::sync_dir, "fsync directory " + dir, &torn));
  return base_->sync_dir(dir);
}

}  // namespace trop::testing
