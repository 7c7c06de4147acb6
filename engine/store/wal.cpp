// WAL encoder and scanner. docs/FORMAT.md "WAL" is the contract:
//   wal    := header frame*  [tail]
//   header := magic[8] version:u32 zero:u32 generation:u64 zero:u32 masked_crc:u32
//   frame  := len:u32 masked_crc:u32 generation:u64 seq:u64 flags:u32 zero:u32
//             payload[len] zero-padding to a multiple of 8
//   payload:= op_count:u32 op*
//   op     := 1:u8 record prev_port:u16 | 2:u8 key prev_port:u16   (record_codec.cpp)
// Records decode as the header's version says (a lease only from version 2).
// The frame CRC covers bytes 8.. of the frame header and the payload.
#include "store/wal.h"

#include <algorithm>
#include <cstring>

#include "store/coding.h"
#include "store/crc32c.h"
#include "store/image.h"
#include "store/record_codec.h"

namespace trop::store_detail {
namespace {

std::uint64_t padded(std::uint64_t n) {
  return (n + 7) & ~std::uint64_t{7};
}

bool all_zero(std::string_view s) {
  return s.find_first_not_of('\0') == std::string_view::npos;
}

// A frame whose header and checksum hold at `offset`, or nothing.
struct frame_view {
  std::uint64_t generation, seq, total;
  std::uint32_t flags;
  std::string_view payload;
};

bool read_frame(std::string_view bytes, std::uint64_t offset, frame_view* f) {
  if (offset > bytes.size() || bytes.size() - offset < kFrameHeaderBytes) {
    return false;
  }
  const char* h = bytes.data() + offset;
  std::uint32_t len = load_u32(h);
  std::uint64_t total = padded(kFrameHeaderBytes + std::uint64_t{len});
  if (len == 0 || total > bytes.size() - offset) {
    return false;
  }
  std::uint32_t crc = crc32c_extend(0, h + 8, kFrameHeaderBytes - 8 + len);
  if (unmask_crc(load_u32(h + 4)) != crc) {
    return false;
  }
  f->generation = load_u64(h + 8);
  f->seq = load_u64(h + 16);
  f->flags = load_u32(h + 24);
  f->total = total;
  f->payload = std::string_view(h + kFrameHeaderBytes, len);
  return true;
}

bool decode_ops(std::string_view payload, std::uint32_t version, std::vector<wal_op>* ops) {
  byte_reader in(payload);
  std::uint32_t count = in.u32();
  if (count == 0 || count > payload.size()) {
    return false;
  }
  ops->clear();
  for (std::uint32_t i = 0; i < count && in.ok(); ++i) {
    wal_op op;
    std::uint8_t type = in.u8();
    if (type == static_cast<std::uint8_t>(wal_op::kind::put)) {
      op.type = wal_op::kind::put;
      if (!decode_record(in, &op.record, version)) {
        return false;
      }
      op.key = op.record.key;
    } else if (type == static_cast<std::uint8_t>(wal_op::kind::erase)) {
      op.type = wal_op::kind::erase;
      if (!decode_key(in, &op.key)) {
        return false;
      }
    } else {
      return false;
    }
    op.prev_port = in.u16();
    ops->push_back(std::move(op));
  }
  return in.ok() && in.remaining() == 0;
}

// Reads the committed frames from `offset` (relative to `bytes`, which start
// at file offset `base`) into scan->frames, and classifies what follows them.
status scan_frames(std::string_view bytes, std::uint64_t base, std::uint64_t offset,
                   std::uint64_t generation, std::uint64_t first_seq, wal_scan* scan) {
  std::uint64_t expected_seq = first_seq;
  for (;;) {
    frame_view f{};
    if (read_frame(bytes, offset, &f) && f.generation == generation && f.seq == expected_seq) {
      wal_frame frame;
      frame.seq = f.seq;
      frame.flags = f.flags;
      if (!decode_ops(f.payload, scan->version, &frame.ops)) {
        return corruption("trop.db-wal: frame " + std::to_string(f.seq) + " at offset " +
                          std::to_string(base + offset) +
                          " has a valid checksum but does not decode");
      }
      scan->frames.push_back(std::move(frame));
      scan->last_frame_offset = base + offset;
      offset += f.total;
      ++expected_seq;
      continue;
    }
    break;
  }
  scan->valid_end = base + offset;
  std::string_view rest = bytes.substr(offset);
  if (all_zero(rest)) {
    return status::ok();  // a clean end, or a zero-filled tail
  }
  // Damage at `offset`. It is a torn tail unless a later frame of this
  // generation, written after a sync that covered the damaged bytes, survives.
  for (std::uint64_t at = offset + 8; at + kFrameHeaderBytes <= bytes.size(); at += 8) {
    frame_view later{};
    if (read_frame(bytes, at, &later) && later.generation == generation &&
        later.seq > expected_seq && (later.flags & kFrameSynced) != 0) {
      return corruption("trop.db-wal: frame " + std::to_string(expected_seq) + " at offset " +
                        std::to_string(base + offset) + " is damaged, but committed frame " +
                        std::to_string(later.seq) + " follows it at offset " +
                        std::to_string(base + at));
    }
  }
  scan->torn_tail = true;
  return status::ok();
}

}  // namespace

std::string encode_wal_header(std::uint64_t generation, std::uint32_t version) {
  std::string h(kWalMagic, sizeof kWalMagic);
  put_u32(h, version);
  put_u32(h, 0);
  put_u64(h, generation);
  put_u32(h, 0);
  put_u32(h, mask_crc(crc32c(h)));
  return h;
}

std::string encode_frame(std::uint64_t generation, std::uint64_t seq, std::uint32_t flags,
                         const std::vector<wal_op>& ops) {
  std::string payload;
  put_u32(payload, static_cast<std::uint32_t>(ops.size()));
  for (const wal_op& op : ops) {
    put_u8(payload, static_cast<std::uint8_t>(op.type));
    if (op.type == wal_op::kind::put) {
      encode_record(payload, op.record);
    } else {
      encode_key(payload, op.key);
    }
    put_u16(payload, op.prev_port);
  }
  std::string f;
  put_u32(f, static_cast<std::uint32_t>(payload.size()));
  put_u32(f, 0);  // CRC, filled below
  put_u64(f, generation);
  put_u64(f, seq);
  put_u32(f, flags);
  put_u32(f, 0);
  f += payload;
  std::uint32_t crc = crc32c_extend(0, f.data() + 8, f.size() - 8);
  store_u32(f.data() + 4, mask_crc(crc));
  f.resize(padded(f.size()), '\0');
  return f;
}

result<wal_scan> scan_wal(std::string_view bytes, std::uint64_t generation,
                          std::uint64_t first_seq) {
  wal_scan scan;
  if (bytes.size() < kWalHeaderBytes ||
      unmask_crc(load_u32(bytes.data() + 28)) != crc32c(bytes.substr(0, 28))) {
    // A header torn while being written (a crash before the reset's
    // fdatasync, then a power loss) leaves a short or unchecksummed header,
    // followed by nothing, zeros, or the unsynced bytes of frames appended
    // meanwhile. It is damage only if a frame of this generation that a
    // writer had synced follows: frames are synced after their header.
    scan.torn_tail = !bytes.empty();
    for (std::uint64_t at = kWalHeaderBytes; at + kFrameHeaderBytes <= bytes.size(); at += 8) {
      frame_view later{};
      if (read_frame(bytes, at, &later) && later.generation == generation &&
          (later.flags & kFrameSynced) != 0) {
        return corruption("trop.db-wal: header checksum mismatch, but committed frame " +
                          std::to_string(later.seq) + " follows it at offset " +
                          std::to_string(at));
      }
    }
    return scan;
  }
  if (std::memcmp(bytes.data(), kWalMagic, sizeof kWalMagic) != 0) {
    return corruption("trop.db-wal: not a trop write-ahead log (bad magic number)");
  }
  std::uint32_t version = load_u32(bytes.data() + 8);
  if (version > kFormatVersion) {
    return status(error_code::unsupported_version,
                  "unsupported store format version: expected " + std::to_string(kFormatVersion) +
                      ", found " + std::to_string(version) + " (in trop.db-wal)");
  }
  scan.generation = load_u64(bytes.data() + 16);
  if (scan.generation < generation) {
    scan.header = wal_scan::header_state::stale;
    return scan;
  }
  if (scan.generation > generation) {
    scan.header = wal_scan::header_state::newer;
    return scan;
  }
  scan.header = wal_scan::header_state::current;
  scan.version = version;
  TROP_RETURN_IF_ERROR(scan_frames(bytes, 0, kWalHeaderBytes, generation, first_seq, &scan));
  return scan;
}

result<wal_scan> scan_wal_frames(std::string_view bytes, std::uint64_t base, std::uint64_t skip,
                                 std::uint64_t generation, std::uint64_t first_seq,
                                 std::uint32_t version) {
  wal_scan scan;
  scan.header = wal_scan::header_state::current;
  scan.generation = generation;
  scan.version = version;
  TROP_RETURN_IF_ERROR(scan_frames(bytes, base, skip, generation, first_seq, &scan));
  return scan;
}

}  // namespace trop::store_detail
