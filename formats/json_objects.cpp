#include "json_objects.h"

#include <optional>

#include <boost/json/value.hpp>

namespace trop::formats_internal {

namespace {

boost::json::value optional_string(const std::optional<std::string>& s) {
  if (!s) {
    return nullptr;
  }
  return boost::json::string(*s);
}

constexpr char kHexDigits[] = "0123456789abcdef";

boost::json::value lease_value(const lease& l, std::string (*format_time)(std::int64_t)) {
  boost::json::object o;
  o.reserve(2);
  if (l.expires_at) {
    o.emplace("expires_at", format_time(*l.expires_at));
  } else {
    o.emplace("expires_at", nullptr);
  }
  if (l.owner) {
    boost::json::object owner;
    owner.reserve(4);
    owner.emplace("pid", l.owner->pid);
    owner.emplace("start_ticks", l.owner->start_ticks);
    owner.emplace("pid_namespace", l.owner->pid_namespace);
    std::string hex;
    for (std::uint8_t b : l.owner->boot_id) {
      hex += kHexDigits[b >> 4];
      hex += kHexDigits[b & 0xf];
    }
    owner.emplace("boot_id", hex);
    o.emplace("owner", std::move(owner));
  } else {
    o.emplace("owner", nullptr);
  }
  return o;
}

}  // namespace

boost::json::object reservation_object(const reservation& r,
                                       std::string (*format_time)(std::int64_t)) {
  // boost::json::object keeps insertion order, which is the output order.
  boost::json::object o;
  o.reserve(7);
  o.emplace("port", r.port);
  o.emplace("path", boost::json::string(r.key.path));
  o.emplace("tag", optional_string(r.key.tag));
  o.emplace("project", optional_string(r.project));
  o.emplace("task", optional_string(r.task));
  o.emplace("created_at", format_time(r.created_at));
  o.emplace("last_used_at", format_time(r.last_used_at));
  // Appended, and only for a leased reservation: a sticky one keeps exactly
  // the original's seven keys (SPEC A.3), and an export without leases stays
  // readable by trop versions that predate them.
  if (r.lease) {
    o.emplace("lease", lease_value(*r.lease, format_time));
  }
  return o;
}

}  // namespace trop::formats_internal
