// The logical contents of the store at one moment: the mapped image plus the
// WAL frames replayed on top of it as an in-memory overlay.
// Thread safety: one thread at a time (the image reader caches verification).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "store/image.h"
#include "store/wal.h"
#include "trop/env.h"
#include "trop/port_range.h"

namespace trop {

class store_state {
 public:
  // An empty store (no image yet).
  store_state() = default;
  // A store whose image is `reader` over the bytes of `mapping`.
  store_state(std::shared_ptr<mapped_file> mapping, store_detail::image_reader reader);

  // Applies one logical operation. Trusts op.prev_port for the key's current
  // port (validate() cross-checks it); throws corrupt_error when it is
  // inconsistent or a put takes a port held by another key.
  void apply(const store_detail::wal_op& op);
  void apply(const store_detail::wal_frame& frame);

  std::optional<reservation> find(const reservation_key& key) const;
  std::optional<reservation> find_by_port(std::uint16_t port) const;
  bool is_reserved(std::uint16_t port) const;
  std::optional<std::uint16_t> next_free(std::uint32_t from, std::uint32_t last,
                                         const exclusion_set& excluded) const;
  // Visits records with key >= `start` in key order until `visit` returns false.
  void visit_from(const reservation_key& start,
                  const std::function<bool(const reservation&)>& visit) const;
  // Visits the records that carry a lease, in key order, until `visit`
  // returns false. Cost: one image record read (O(1) pages) and one overlay
  // lookup per entry of the image's lease index, plus the WAL's leased keys;
  // never a scan of every record.
  void visit_leased(const std::function<bool(const reservation&)>& visit) const;
  std::vector<reservation> all() const;
  std::size_t size() const { return size_; }

  bool has_image() const { return image_.has_value(); }
  const store_detail::image_reader& image() const { return *image_; }
  std::uint64_t generation() const { return generation_; }
  std::uint64_t last_seq() const { return last_seq_; }
  void set_last_seq(std::uint64_t s) { last_seq_ = s; }
  std::uint32_t format_version() const { return image_ ? image_->header().format_version : 0; }

 private:
  std::optional<reservation> image_find(const reservation_key& key) const;
  void load_bitmap() const;
  bool image_bit(std::uint16_t port) const;

  std::shared_ptr<mapped_file> mapping_;
  std::optional<store_detail::image_reader> image_;
  std::uint64_t generation_ = 0;
  std::uint64_t last_seq_ = 0;
  std::size_t size_ = 0;
  // WAL changes: nullopt marks a key erased since the image.
  std::map<reservation_key, std::optional<reservation>> overlay_;
  std::map<std::uint16_t, reservation_key> overlay_ports_;
  // The overlay's keys whose current record carries a lease (the image's
  // leased records are listed by its lease index).
  std::set<reservation_key> overlay_leased_;
  // Image ports whose records the overlay replaced or erased.
  std::set<std::uint16_t> released_image_ports_;
  // The image's occupancy bitmap, copied once on first use.
  mutable std::vector<std::uint64_t> bitmap_;
};

}  // namespace trop
