// A header-only C++17 RAII wrapper over the C API (trop/trop.h): trop::api::
// options and store own their handles and free them in their destructors;
// records are plain values. Failures throw trop::api::error (a
// std::runtime_error carrying the trop_error code and the library's message);
// "not found" from lookup and release is a result, not an exception
// (std::optional / bool). Full reference: docs/c-api.md.
//
// Thread safety: as the C API: a store may be shared between threads
// (its methods are const-safe to call concurrently); an options object
// belongs to one thread at a time.
//
// The namespace is trop::api so that this header can be included next to the
// C++ engine's own trop::store and trop::reservation.
#ifndef TROP_TROP_HPP
#define TROP_TROP_HPP

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "trop/trop.h"

namespace trop::api {

// A failed call: code() is the C API's trop_error; what() its message.
class error : public std::runtime_error {
 public:
  error(trop_error code, const std::string& message)
      : std::runtime_error(message.empty() ? std::string(trop_error_name(code)) : message),
        code_(code) {}
  trop_error code() const noexcept { return code_; }

 private:
  trop_error code_;
};

namespace detail {
// Throws error for a failed code, with this thread's message.
inline void check(trop_error code) {
  if (code != TROP_OK) {
    throw error(code, trop_last_error());
  }
}
inline std::optional<std::string> text(const char* s) {
  return s == nullptr ? std::nullopt : std::optional<std::string>(s);
}
}  // namespace detail

// One stored reservation (see trop_reservation).
struct reservation {
  std::string path;
  std::optional<std::string> tag, project, task;
  std::uint16_t port = 0;
  std::int64_t created_at = 0, last_used_at = 0;
  bool has_lease = false;
  std::int64_t lease_expires_at = 0;  // 0: no time limit
  std::int32_t lease_owner_pid = 0;   // 0: no owner

  static reservation from(const trop_reservation& r) {
    reservation out;
    out.path = r.path;
    out.tag = detail::text(r.tag);
    out.project = detail::text(r.project);
    out.task = detail::text(r.task);
    out.port = r.port;
    out.created_at = r.created_at;
    out.last_used_at = r.last_used_at;
    out.has_lease = r.has_lease != 0;
    out.lease_expires_at = r.lease_expires_at;
    out.lease_owner_pid = r.lease_owner_pid;
    return out;
  }
};

// Owns a trop_options (built-in defaults when constructed).
class options {
 public:
  options() { detail::check(trop_options_new(&raw_)); }
  ~options() { trop_options_free(raw_); }
  options(const options&) = delete;
  options& operator=(const options&) = delete;
  options(options&& o) noexcept : raw_(std::exchange(o.raw_, nullptr)) {}
  options& operator=(options&& o) noexcept {
    std::swap(raw_, o.raw_);
    return *this;
  }

  // The CLI's effective configuration for `directory` (trop_options_load_config).
  static options from_config(const std::string& directory, const char* data_dir = nullptr) {
    options o;
    if (data_dir != nullptr) {
      o.data_dir(data_dir);
    }
    detail::check(trop_options_load_config(o.raw_, directory.c_str()));
    return o;
  }

  options& data_dir(const std::string& dir) {
    detail::check(trop_options_set_data_dir(raw_, dir.c_str()));
    return *this;
  }
  options& range(std::uint16_t min, std::uint16_t max) {
    detail::check(trop_options_set_range(raw_, min, max));
    return *this;
  }
  options& exclude(std::uint16_t first, std::uint16_t last) {
    detail::check(trop_options_add_exclusion(raw_, first, last));
    return *this;
  }
  options& durability(trop_durability d) {
    detail::check(trop_options_set_durability(raw_, d));
    return *this;
  }
  options& occupancy(unsigned policy) {
    detail::check(trop_options_set_occupancy(raw_, policy));
    return *this;
  }
  options& busy_timeout_ms(std::uint32_t ms) {
    trop_options_set_busy_timeout_ms(raw_, ms);
    return *this;
  }
  options& autoinit(bool on) {
    trop_options_set_autoinit(raw_, on ? 1 : 0);
    return *this;
  }

  std::pair<std::uint16_t, std::uint16_t> range() const {
    std::uint16_t lo = 0, hi = 0;
    trop_options_range(raw_, &lo, &hi);
    return {lo, hi};
  }
  std::vector<std::pair<std::uint16_t, std::uint16_t>> exclusions() const {
    std::vector<std::pair<std::uint16_t, std::uint16_t>> out;
    for (std::size_t i = 0, n = trop_options_exclusion_count(raw_); i < n; ++i) {
      std::uint16_t lo = 0, hi = 0;
      detail::check(trop_options_exclusion(raw_, i, &lo, &hi));
      out.emplace_back(lo, hi);
    }
    return out;
  }
  std::optional<std::string> project() const { return detail::text(trop_options_project(raw_)); }
  std::optional<std::string> task() const { return detail::text(trop_options_task(raw_)); }

  const trop_options* get() const noexcept { return raw_; }
  trop_options* get() noexcept { return raw_; }

 private:
  trop_options* raw_ = nullptr;
};

// A reservation request (trop_reserve_request) with owned strings.
struct request {
  std::optional<std::string> path;  // nullopt: the process's cwd
  std::optional<std::string> tag, project, task;
  std::uint16_t preferred_port = 0;
  unsigned flags = 0;  // TROP_RESERVE_*
  std::int64_t ttl_seconds = 0;
  std::int32_t owner_pid = 0;
};

// What reserve() did (trop_reserve_result).
struct reserve_result {
  std::uint16_t port = 0;
  trop_reserve_action action = TROP_RESERVE_CREATED;
  bool preferred_passed_over = false;
  std::uint32_t cleanup_pruned = 0, cleanup_expired = 0;
  std::uint32_t leases_reclaimed = 0;
};

// Owns a trop_store; closed by the destructor.
class store {
 public:
  // Opens with a copy of `opts` (trop_open).
  explicit store(const options& opts) { detail::check(trop_open(opts.get(), &raw_)); }
  // Built-in defaults (data directory from TROP_DATA_DIR or $HOME/.trop).
  store() { detail::check(trop_open(nullptr, &raw_)); }
  ~store() { trop_close(raw_); }
  store(const store&) = delete;
  store& operator=(const store&) = delete;
  store(store&& o) noexcept : raw_(std::exchange(o.raw_, nullptr)) {}
  store& operator=(store&& o) noexcept {
    std::swap(raw_, o.raw_);
    return *this;
  }

  std::string data_dir() const { return trop_store_data_dir(raw_); }

  reserve_result reserve(const request& r) const {
    trop_reserve_request req;
    trop_reserve_request_init(&req);
    req.path = r.path ? r.path->c_str() : nullptr;
    req.tag = r.tag ? r.tag->c_str() : nullptr;
    req.project = r.project ? r.project->c_str() : nullptr;
    req.task = r.task ? r.task->c_str() : nullptr;
    req.preferred_port = r.preferred_port;
    req.flags = r.flags;
    req.ttl_seconds = r.ttl_seconds;
    req.owner_pid = r.owner_pid;
    trop_reserve_result res;
    trop_reserve_result_init(&res);
    detail::check(trop_reserve(raw_, &req, &res));
    reserve_result out;
    out.port = res.port;
    out.action = res.action;
    out.preferred_passed_over = res.preferred_passed_over != 0;
    out.cleanup_pruned = res.cleanup_pruned;
    out.cleanup_expired = res.cleanup_expired;
    out.leases_reclaimed = res.leases_reclaimed;
    return out;
  }
  // The port of (path, tag), reserved or reused.
  std::uint16_t reserve(const std::string& path, const std::optional<std::string>& tag = {}) const {
    request r;
    r.path = path;
    r.tag = tag;
    return reserve(r).port;
  }

  // False when there was no such reservation.
  bool release(const std::string& path, const std::optional<std::string>& tag = {}) const {
    trop_error e = trop_release(raw_, path.c_str(), tag ? tag->c_str() : nullptr);
    if (e == TROP_E_NOT_FOUND) {
      return false;
    }
    detail::check(e);
    return true;
  }

  std::optional<reservation> lookup(const std::string& path,
                                    const std::optional<std::string>& tag = {}) const {
    trop_reservation* r = nullptr;
    trop_error e = trop_lookup(raw_, path.c_str(), tag ? tag->c_str() : nullptr, &r);
    return take_one(e, r);
  }
  std::optional<reservation> lookup_port(std::uint16_t port) const {
    trop_reservation* r = nullptr;
    trop_error e = trop_lookup_port(raw_, port, &r);
    return take_one(e, r);
  }

  // Every reservation, or those at or below `under`.
  std::vector<reservation> list(const std::optional<std::string>& under = {}) const {
    trop_reservation* items = nullptr;
    std::size_t n = 0;
    detail::check(trop_list(raw_, under ? under->c_str() : nullptr, &items, &n));
    std::unique_ptr<trop_reservation, decltype(&trop_list_free)> owned(items, &trop_list_free);
    std::vector<reservation> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back(reservation::from(items[i]));
    }
    return out;
  }

  trop_store* get() const noexcept { return raw_; }

 private:
  static std::optional<reservation> take_one(trop_error e, trop_reservation* r) {
    std::unique_ptr<trop_reservation, decltype(&trop_reservation_free)> owned(
        r, &trop_reservation_free);
    if (e == TROP_E_NOT_FOUND) {
      return std::nullopt;
    }
    detail::check(e);
    return reservation::from(*r);
  }

  trop_store* raw_ = nullptr;
};

}  // namespace trop::api

#endif  // TROP_TROP_HPP
