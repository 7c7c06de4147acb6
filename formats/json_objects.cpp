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
  return o;
}

}  // namespace trop::formats_internal
