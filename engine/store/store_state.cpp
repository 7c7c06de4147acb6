#include "store/store_state.h"

#include "store/coding.h"
#include "store/corrupt_error.h"

namespace trop {

using store_detail::corrupt_error;
using store_detail::wal_op;

store_state::store_state(std::shared_ptr<mapped_file> mapping, store_detail::image_reader reader)
    : mapping_(std::move(mapping)), image_(std::move(reader)) {
  generation_ = image_->header().generation;
  last_seq_ = image_->header().last_seq;
  size_ = image_->size();
}

std::optional<reservation> store_state::image_find(const reservation_key& key) const {
  if (!image_) {
    return std::nullopt;
  }
  auto i = image_->find_key(key);
  return i ? std::optional<reservation>(image_->record_at(*i)) : std::nullopt;
}

std::optional<reservation> store_state::find(const reservation_key& key) const {
  if (auto it = overlay_.find(key); it != overlay_.end()) {
    return it->second;
  }
  return image_find(key);
}

void store_state::apply(const wal_op& op) {
  const reservation_key& key = op.key;
  auto it = overlay_.find(key);
  std::optional<std::uint16_t> current_port;
  if (it != overlay_.end()) {
    if (it->second) {
      current_port = it->second->port;
    }
  } else if (op.prev_port != 0) {
    // The key's record is in the image (the writer recorded its port).
    if (!image_ || released_image_ports_.count(op.prev_port) || !image_bit(op.prev_port)) {
      throw corrupt_error("an operation on " + to_display(key) + " replaces port " +
                          std::to_string(op.prev_port) + ", which the image does not hold");
    }
    current_port = op.prev_port;
    released_image_ports_.insert(op.prev_port);
  }
  if (current_port.value_or(0) != op.prev_port) {
    throw corrupt_error("an operation on " + to_display(key) + " expects port " +
                        std::to_string(op.prev_port) + " but the key holds " +
                        std::to_string(current_port.value_or(0)));
  }
  if (op.type == wal_op::kind::put) {
    std::uint16_t port = op.record.port;
    if (current_port != port && is_reserved(port)) {
      throw corrupt_error("port " + std::to_string(port) + " is stored for more than one " +
                          "reservation (" + to_display(key) + ")");
    }
  }
  if (current_port) {
    overlay_ports_.erase(*current_port);
    --size_;
  }
  if (op.type == wal_op::kind::put) {
    overlay_ports_[op.record.port] = key;
    overlay_[key] = op.record;
    ++size_;
  } else {
    overlay_[key] = std::nullopt;
  }
  if (op.type == wal_op::kind::put && op.record.lease) {
    overlay_leased_.insert(key);
  } else {
    overlay_leased_.erase(key);
  }
}

void store_state::apply(const store_detail::wal_frame& frame) {
  for (const wal_op& op : frame.ops) {
    apply(op);
  }
  last_seq_ = frame.seq;
}

void store_state::load_bitmap() const {
  if (!bitmap_.empty() || !image_) {
    return;
  }
  // One read of the whole 8 KiB bitmap (three pages checked once).
  std::string bytes = image_->bitmap_bytes();
  bitmap_.resize(1024);
  for (std::uint32_t w = 0; w < 1024; ++w) {
    bitmap_[w] = store_detail::load_u64(bytes.data() + std::size_t{w} * 8);
  }
}

bool store_state::image_bit(std::uint16_t port) const {
  if (!image_) {
    return false;
  }
  load_bitmap();
  return (bitmap_[port / 64] >> (port % 64)) & 1;
}

bool store_state::is_reserved(std::uint16_t port) const {
  if (overlay_ports_.count(port)) {
    return true;
  }
  return image_bit(port) && !released_image_ports_.count(port);
}

std::optional<reservation> store_state::find_by_port(std::uint16_t port) const {
  if (auto it = overlay_ports_.find(port); it != overlay_ports_.end()) {
    return overlay_.at(it->second);
  }
  if (!image_ || released_image_ports_.count(port)) {
    return std::nullopt;
  }
  auto i = image_->find_port(port);
  return i ? std::optional<reservation>(image_->record_at(*i)) : std::nullopt;
}

std::optional<std::uint16_t> store_state::next_free(std::uint32_t from, std::uint32_t last,
                                                    const exclusion_set& excluded) const {
  load_bitmap();
  last = std::min<std::uint32_t>(last, 65535);
  std::uint32_t p = std::max<std::uint32_t>(from, 1);
  while (p <= last) {
    p = excluded.next_allowed(p);
    if (p > last) {
      break;
    }
    // Skip whole bitmap words that are full and untouched by the overlay.
    if (image_ && p % 64 == 0 && bitmap_[p / 64] == ~std::uint64_t{0} && p + 63 <= last) {
      auto lo = released_image_ports_.lower_bound(static_cast<std::uint16_t>(p));
      if (lo == released_image_ports_.end() || *lo > p + 63) {
        p += 64;
        continue;
      }
    }
    if (!is_reserved(static_cast<std::uint16_t>(p))) {
      return static_cast<std::uint16_t>(p);
    }
    ++p;
  }
  return std::nullopt;
}

void store_state::visit_from(const reservation_key& start,
                             const std::function<bool(const reservation&)>& visit) const {
  std::uint32_t i = image_ ? image_->lower_bound(start) : 0;
  const std::uint32_t n = image_ ? image_->size() : 0;
  auto ov = overlay_.lower_bound(start);
  std::optional<reservation> img;
  while (i < n || ov != overlay_.end()) {
    if (i < n && !img) {
      img = image_->record_at(i);
    }
    if (ov == overlay_.end() || (img && img->key < ov->first)) {
      ++i;
      reservation r = std::move(*img);
      img.reset();
      if (!visit(r)) {
        return;
      }
      continue;
    }
    if (img && img->key == ov->first) {
      ++i;  // the overlay replaces or erases this image record
      img.reset();
    }
    const auto& value = ov->second;
    ++ov;
    if (value && !visit(*value)) {
      return;
    }
  }
}

void store_state::visit_leased(const std::function<bool(const reservation&)>& visit) const {
  // Merge, in key order, the image's leased records the overlay has not
  // touched with the overlay's leased records.
  const std::uint32_t n = image_ ? image_->lease_count() : 0;
  std::uint32_t i = 0;
  auto ov = overlay_leased_.begin();
  std::optional<reservation> img;
  for (;;) {
    while (!img && i < n) {
      reservation r = image_->record_at(image_->leased_ordinal(i++));
      if (!r.lease) {
        throw corrupt_error("trop.db: the lease index lists " + to_display(r.key) +
                            ", which has no lease");
      }
      if (!overlay_.count(r.key)) {
        img = std::move(r);
      }
    }
    if (!img && ov == overlay_leased_.end()) {
      return;
    }
    if (img && (ov == overlay_leased_.end() || img->key < *ov)) {
      reservation r = std::move(*img);
      img.reset();
      if (!visit(r)) {
        return;
      }
      continue;
    }
    const reservation& r = *overlay_.at(*ov);
    ++ov;
    if (!visit(r)) {
      return;
    }
  }
}

std::vector<reservation> store_state::all() const {
  std::vector<reservation> out;
  out.reserve(size_);
  visit_from(reservation_key{}, [&](const reservation& r) {
    out.push_back(r);
    return true;
  });
  return out;
}

}  // namespace trop
