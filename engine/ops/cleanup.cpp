#include "trop/cleanup.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

namespace trop {
namespace {

std::string advice_for(const std::string& kind) {
  if (kind == "permission denied") {
    return "Restore access to the path and its parents, then retry.";
  }
  if (kind == "symlink loop") {
    return "Repair the symlink loop, then retry.";
  }
  if (kind == "transient I/O error") {
    return "Retry when the filesystem or mount is available.";
  }
  if (kind == "unsupported filesystem operation") {
    return "Verify filesystem support or release the reservation explicitly.";
  }
  return "Inspect the filesystem state or release the reservation explicitly.";
}

}  // namespace

path_inspection inspect_path(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    return {S_ISDIR(st.st_mode) ? path_verdict::keep : path_verdict::prune, {}, {}};
  }
  int e = errno;
  switch (e) {
    case ENOENT:
    case ENOTDIR:
    case ENAMETOOLONG:
    case EINVAL:
      return {path_verdict::prune, {}, {}};
    case EACCES:
    case EPERM:
      return {path_verdict::uninspectable, "permission denied", std::strerror(e)};
    case ELOOP:
      return {path_verdict::uninspectable, "symlink loop", std::strerror(e)};
    case ESTALE:
    case EBUSY:
    case EDEADLK:
    case ETXTBSY:
    case ENETDOWN:
    case ENETUNREACH:
    case EHOSTUNREACH:
    case EINTR:
    case EAGAIN:
    case ETIMEDOUT:
    case ECONNREFUSED:
    case ECONNRESET:
    case ECONNABORTED:
    case EIO:
      return {path_verdict::uninspectable, "transient I/O error", std::strerror(e)};
    case ENOTSUP:
    case ENOSYS:
      return {path_verdict::uninspectable, "unsupported filesystem operation", std::strerror(e)};
    default:
      return {path_verdict::uninspectable, "unknown filesystem error", std::strerror(e)};
  }
}

bool is_expired(const reservation& r, std::uint32_t days, std::int64_t now) {
  return now - r.last_used_at > static_cast<std::int64_t>(days) * 86400;
}

result<cleanup_plan> plan_cleanup(const snapshot& snap, const cleanup_request& req) {
  cleanup_plan plan;
  const path_inspector& inspect = req.inspect ? req.inspect : path_inspector(inspect_path);
  std::map<std::string, path_inspection> seen;  // each distinct path is probed once
  std::vector<reservation> expired;
  status st = snap.for_each([&](const reservation& r) {
    if (req.prune) {
      auto it = seen.find(r.key.path);
      if (it == seen.end()) {
        it = seen.emplace(r.key.path, inspect(r.key.path)).first;
        if (it->second.verdict == path_verdict::uninspectable) {
          plan.uninspectable.push_back(
              {r.key.path, it->second.kind, it->second.os_message, advice_for(it->second.kind)});
        }
      }
      if (it->second.verdict == path_verdict::prune) {
        plan.pruned.push_back(r);
        return true;
      }
    }
    if (req.expire && is_expired(r, req.expire_after_days, req.now)) {
      expired.push_back(r);
    }
    return true;
  });
  if (!st.is_ok()) {
    return st;
  }
  std::stable_sort(expired.begin(), expired.end(), [](const reservation& a, const reservation& b) {
    return a.last_used_at < b.last_used_at;
  });
  plan.expired = std::move(expired);
  return plan;
}

status apply_cleanup(write_transaction& txn, const cleanup_plan& plan) {
  for (const auto* list : {&plan.pruned, &plan.expired}) {
    for (const reservation& r : *list) {
      TROP_RETURN_IF_ERROR(txn.erase(r.key));
    }
  }
  return status::ok();
}

}  // namespace trop
