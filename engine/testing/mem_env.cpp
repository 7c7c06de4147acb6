#include "testing/mem_env.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <set>

namespace trop::testing {
namespace {

std::string parent_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

void write_into(std::string& d, std::uint64_t offset, std::string_view bytes) {
  if (d.size() < offset + bytes.size()) {
    d.resize(offset + bytes.size(), '\0');
  }
  std::memcpy(d.data() + offset, bytes.data(), bytes.size());
}

// The contents a power loss leaves of `n` (see simulate_power_loss).
std::string settle(const mem_env::node& n, std::mt19937_64& rng, power_loss_report* report) {
  constexpr std::uint64_t kSector = mem_env::kSector;
  const std::vector<mem_env::pending_op>& ops = n.pending;
  if (ops.empty()) {
    return n.synced;
  }
  // The size after a prefix of the changes, and the largest size ever reached.
  std::uint64_t size = n.synced.size(), largest = size;
  std::vector<std::uint64_t> size_after;
  for (const auto& op : ops) {
    size = op.is_truncate ? op.offset : std::max<std::uint64_t>(size, op.offset + op.bytes.size());
    largest = std::max(largest, size);
    size_after.push_back(size);
  }
  const std::size_t q = static_cast<std::size_t>(rng() % (ops.size() + 1));
  const std::uint64_t final_size = q == 0 ? n.synced.size() : size_after[q - 1];
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].is_truncate) {
      ++(i < q ? report->truncates_kept : report->truncates_dropped);
    }
  }

  std::string d = n.synced;
  d.resize(largest, '\0');
  std::vector<int> sectors_kept(ops.size(), 0), sectors_total(ops.size(), 0);
  for (std::uint64_t s = 0; s * kSector < largest; ++s) {
    const std::uint64_t lo = s * kSector, hi = std::min(lo + kSector, largest);
    // The changes that touched this sector, in order.
    std::vector<std::size_t> touching;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const auto& op = ops[i];
      const bool touches =
          op.is_truncate ? op.offset < hi : op.offset < hi && op.offset + op.bytes.size() > lo;
      if (touches) {
        touching.push_back(i);
      }
    }
    if (touching.empty()) {
      continue;
    }
    const std::size_t p = static_cast<std::size_t>(rng() % (touching.size() + 1));
    for (std::size_t j = 0; j < touching.size(); ++j) {
      const auto& op = ops[touching[j]];
      if (!op.is_truncate) {
        ++sectors_total[touching[j]];
      }
      if (j >= p) {
        continue;
      }
      if (op.is_truncate) {
        // Truncated bytes read back as zero if the file grows again.
        const std::uint64_t from = std::max(lo, op.offset);
        std::fill(d.begin() + static_cast<std::ptrdiff_t>(from),
                  d.begin() + static_cast<std::ptrdiff_t>(hi), '\0');
      } else {
        ++sectors_kept[touching[j]];
        const std::uint64_t from = std::max(lo, op.offset);
        const std::uint64_t to = std::min(hi, op.offset + op.bytes.size());
        std::memcpy(d.data() + from, op.bytes.data() + (from - op.offset), to - from);
      }
    }
  }
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].is_truncate) {
      continue;
    }
    if (sectors_kept[i] == 0) {
      ++report->writes_dropped;
    } else if (sectors_kept[i] == sectors_total[i]) {
      ++report->writes_kept;
    } else {
      ++report->writes_torn;
    }
  }
  d.resize(final_size, '\0');
  return d;
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
    std::string_view bytes(reinterpret_cast<const char*>(data.data()), data.size());
    write_into(node_->data, offset, bytes);
    node_->pending.push_back({false, offset, std::string(bytes)});
    return status::ok();
  }
  status sync_data() override {
    std::lock_guard<std::mutex> g(*mu_);
    node_->synced = node_->data;
    node_->pending.clear();
    return status::ok();
  }
  status truncate(std::uint64_t size) override {
    std::lock_guard<std::mutex> g(*mu_);
    node_->data.resize(size, '\0');
    node_->pending.push_back({true, size, {}});
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
  mem_lock(std::mutex* mu, std::shared_ptr<std::timed_mutex> m, std::uint8_t* note,
           std::shared_ptr<void> keep)
      : mu_(mu), m_(std::move(m)), note_(note), keep_(std::move(keep)) {}
  ~mem_lock() override { m_->unlock(); }
  std::uint8_t read_note() override {
    std::lock_guard<std::mutex> g(*mu_);
    return *note_;
  }
  void write_note(std::uint8_t value) override {
    std::lock_guard<std::mutex> g(*mu_);
    *note_ = value;
  }

 private:
  std::mutex* mu_;
  std::shared_ptr<std::timed_mutex> m_;
  std::uint8_t* note_;
  std::shared_ptr<void> keep_;
};

}  // namespace

std::string power_loss_report::describe() const {
  return "writes kept/dropped/torn " + std::to_string(writes_kept) + "/" +
         std::to_string(writes_dropped) + "/" + std::to_string(writes_torn) +
         ", truncates kept/dropped " + std::to_string(truncates_kept) + "/" +
         std::to_string(truncates_dropped) + ", directory ops kept/undone " +
         std::to_string(dir_ops_kept) + "/" + std::to_string(dir_ops_undone);
}

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
    it->second->serial = next_serial_++;
    pending_dir_ops_[parent_of(path)].push_back({dir_op::kind::create, {}, path, it->second});
  } else if (mode == open_mode::create_truncate) {
    it->second->data.clear();
    it->second->pending.push_back({true, 0, {}});
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
  auto n = it->second;
  names_[to] = n;
  names_.erase(from);
  pending_dir_ops_[parent_of(to)].push_back({dir_op::kind::rename, from, to, n});
  return status::ok();
}

status mem_env::remove(const std::string& path) {
  std::lock_guard<std::mutex> g(mu_);
  if (names_.erase(path) > 0) {
    pending_dir_ops_[parent_of(path)].push_back({dir_op::kind::remove, {}, path, nullptr});
  }
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
  pending_dir_ops_.erase(dir);
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
  std::shared_ptr<lock_state> slot;
  {
    std::lock_guard<std::mutex> g(mu_);
    auto& s = locks_[path];
    if (!s) {
      s = std::make_shared<lock_state>();
    }
    slot = s;
  }
  if (!slot->mutex.try_lock_for(timeout)) {
    return status(error_code::busy, "lock " + path + ": timed out");
  }
  std::shared_ptr<std::timed_mutex> m(slot, &slot->mutex);
  return std::unique_ptr<file_lock>(new mem_lock(&mu_, m, &slot->note, slot));
}

result<std::optional<file_id>> mem_env::identify(const std::string& path) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = names_.find(path);
  if (it == names_.end()) {
    return not_found("stat " + path + ": No such file or directory");
  }
  return std::optional<file_id>(file_id{0, it->second->serial});
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
  for (auto& [path, l] : locks_) {
    l->note = 0;  // never synced
  }
  names_ = durable_names_;
  for (auto& [name, n] : names_) {
    n->data = n->synced;
    n->pending.clear();
  }
  pending_dir_ops_.clear();
  renumber_files();
}

power_loss_report mem_env::simulate_power_loss(std::uint64_t seed) {
  std::lock_guard<std::mutex> g(mu_);
  std::mt19937_64 rng(seed);
  power_loss_report report;
  for (auto& [path, l] : locks_) {
    l->note = static_cast<std::uint8_t>(rng() % 2);  // never synced: anything
  }

  // Directories: a prefix of each directory's unsynced operations survives.
  std::map<std::string, std::shared_ptr<node>> names = durable_names_;
  for (const auto& [dir, ops] : pending_dir_ops_) {
    const std::size_t keep = static_cast<std::size_t>(rng() % (ops.size() + 1));
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if (i >= keep) {
        ++report.dir_ops_undone;
        continue;
      }
      ++report.dir_ops_kept;
      const dir_op& op = ops[i];
      switch (op.what) {
        case dir_op::kind::create:
          names[op.to] = op.n;
          break;
        case dir_op::kind::rename:
          // By name, as the journal replays it: whatever `from` names now moves.
          if (auto it = names.find(op.from); it != names.end()) {
            auto n = it->second;
            names.erase(it);
            names[op.to] = n;
          }
          break;
        case dir_op::kind::remove:
          names.erase(op.to);
          break;
      }
    }
  }

  // Files: what the page cache had is written back sector by sector, in any
  // order, at any time. So each 512-byte sector holds its synced contents
  // plus some prefix of the unsynced writes and truncates that touched it
  // (never a later write without the earlier ones: the page holds both), and
  // the size is the size after some prefix of all the changes.
  std::set<node*> done;
  for (auto& [name, n] : names) {
    if (!done.insert(n.get()).second) {
      continue;
    }
    n->data = settle(*n, rng, &report);
    n->synced = n->data;
    n->pending.clear();
  }
  names_ = names;
  durable_names_ = std::move(names);
  pending_dir_ops_.clear();
  renumber_files();
  return report;
}

void mem_env::renumber_files() {
  // After a power loss no process survives, so no handle may carry what it
  // read before into the files as they are now (identify()).
  for (auto& [name, n] : names_) {
    n->serial = next_serial_++;
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
  // Planted bytes count as a new file: a store handle must not trust what
  // it read of the old contents.
  n->serial = next_serial_++;
  n->data = bytes;
  n->synced = bytes;
  n->pending.clear();
  durable_names_[path] = n;
  dirs_[parent_of(path)] = true;
}

std::unique_ptr<mem_env> mem_env::clone() const {
  std::lock_guard<std::mutex> g(mu_);
  auto out = std::make_unique<mem_env>();
  std::map<const node*, std::shared_ptr<node>> copies;
  auto copy = [&](const std::shared_ptr<node>& n) -> std::shared_ptr<node> {
    if (!n) {
      return nullptr;
    }
    auto& c = copies[n.get()];
    if (!c) {
      c = std::make_shared<node>(*n);
    }
    return c;
  };
  for (const auto& [name, n] : names_) {
    out->names_[name] = copy(n);
  }
  for (const auto& [name, n] : durable_names_) {
    out->durable_names_[name] = copy(n);
  }
  for (const auto& [dir, ops] : pending_dir_ops_) {
    auto& to = out->pending_dir_ops_[dir];
    for (const dir_op& op : ops) {
      to.push_back({op.what, op.from, op.to, copy(op.n)});
    }
  }
  for (const auto& [path, l] : locks_) {
    out->locks_[path] = std::make_shared<lock_state>();
    out->locks_[path]->note = l->note;
  }
  out->dirs_ = dirs_;
  out->now_ = now_;
  out->next_serial_ = next_serial_;
  return out;
}

std::size_t mem_env::unsynced_file_ops() const {
  std::lock_guard<std::mutex> g(mu_);
  std::set<node*> seen;
  std::size_t total = 0;
  for (const auto& [name, n] : names_) {
    if (seen.insert(n.get()).second) {
      total += n->pending.size();
    }
  }
  return total;
}

std::size_t mem_env::unsynced_dir_ops() const {
  std::lock_guard<std::mutex> g(mu_);
  std::size_t total = 0;
  for (const auto& [dir, ops] : pending_dir_ops_) {
    total += ops.size();
  }
  return total;
}

}  // namespace trop::testing
