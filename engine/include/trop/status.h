// trop::status and trop::result<T>: the error type of the engine.
// Thread safety: values; safe to copy between threads.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace trop {

// What went wrong, coarse enough for a caller to choose an exit code.
enum class error_code {
  ok = 0,
  not_found,            // a named thing does not exist (store file, record)
  invalid_argument,     // the caller passed something that breaks a rule
  conflict,             // the change would break an invariant (port owned by another key)
  busy,                 // the write lock was not acquired within the busy timeout
  corruption,           // stored bytes fail a checksum, a bound or an invariant
  unsupported_version,  // the store was written by a newer format version
  foreign_format,       // the file is not a trop store (e.g. the original tool's SQLite file)
  io_error,             // the operating system refused an operation
  exhausted,            // no port satisfies the request
  sticky_violation,     // a change of a reservation's project or task without permission
  crashed,              // test-only: the fault-injecting env simulated a crash
};

// A success or an error code with a message. Cheap on success (no allocation).
class status {
 public:
  status() = default;
  status(error_code code, std::string message) : code_(code), message_(std::move(message)) {}

  static status ok() { return {}; }

  bool is_ok() const { return code_ == error_code::ok; }
  explicit operator bool() const { return is_ok(); }
  error_code code() const { return code_; }
  // The human-readable text, without any "Error: " prefix.
  const std::string& message() const { return message_; }

 private:
  error_code code_ = error_code::ok;
  std::string message_;
};

// Shorthand constructors, named by code.
inline status io_error(std::string msg) {
  return {error_code::io_error, std::move(msg)};
}
inline status corruption(std::string msg) {
  return {error_code::corruption, std::move(msg)};
}
inline status invalid_argument(std::string msg) {
  return {error_code::invalid_argument, std::move(msg)};
}
inline status not_found(std::string msg) {
  return {error_code::not_found, std::move(msg)};
}

// Either a T or a non-ok status.
template <class T>
class result {
 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  result(status error) : v_(std::in_place_index<1>, std::move(error)) {  // NOLINT
    assert(!std::get<1>(v_).is_ok());
  }

  bool is_ok() const { return v_.index() == 0; }
  explicit operator bool() const { return is_ok(); }

  // REQUIRES: is_ok().
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The error; an ok status when is_ok().
  status error() const { return is_ok() ? status::ok() : std::get<1>(v_); }

 private:
  std::variant<T, status> v_;
};

}  // namespace trop

// Propagates a non-ok status from an expression returning status.
#define TROP_RETURN_IF_ERROR(expr)        \
  do {                                    \
    ::trop::status trop_status_ = (expr); \
    if (!trop_status_.is_ok()) {          \
      return trop_status_;                \
    }                                     \
  } while (false)
