// The write-ahead log trop.db-wal: one frame per committed transaction.
// Byte layout and recovery rules: docs/FORMAT.md "WAL".
// Thread safety: stateless functions over byte strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/image.h"
#include "trop/reservation.h"
#include "trop/status.h"

namespace trop::store_detail {

inline constexpr char kWalMagic[8] = {'T', 'R', 'O', 'P', 'W', 'A', 'L', '\0'};
inline constexpr std::size_t kWalHeaderBytes = 32;
inline constexpr std::size_t kFrameHeaderBytes = 32;
// Frame flag: the writer fdatasync'ed the WAL after this frame, before it
// released the lock. A damaged frame followed by such a frame is corruption,
// not a torn tail (the damaged frame had been synced).
inline constexpr std::uint32_t kFrameSynced = 1;

struct wal_op {
  enum class kind : std::uint8_t { put = 1, erase = 2 };
  kind type = kind::put;
  reservation record;   // put: the whole new record
  reservation_key key;  // erase: the key removed (put: record.key)
  // The port the key held before this op (0: none). Recorded by the writer,
  // which knows it under the lock, so that replay never has to search the
  // image for the record an op replaces.
  std::uint16_t prev_port = 0;
};

struct wal_frame {
  std::uint64_t seq = 0;
  std::uint32_t flags = 0;
  std::vector<wal_op> ops;
};

// `version`: the format version of the frames that will follow (a writer
// keeps the image's version until it upgrades the image).
std::string encode_wal_header(std::uint64_t generation, std::uint32_t version = kFormatVersion);
std::string encode_frame(std::uint64_t generation, std::uint64_t seq, std::uint32_t flags,
                         const std::vector<wal_op>& ops);

// What a scan of the WAL bytes found.
struct wal_scan {
  enum class header_state {
    absent,   // empty file, or a header torn while being written (no synced frame after it)
    stale,    // an older generation: its frames are already in the image
    current,  // the generation the image expects
    newer,    // a newer generation than the image (a checkpoint raced a reader)
  };
  header_state header = header_state::absent;
  std::uint64_t generation = 0;
  std::uint32_t version = 0;      // the header's format version (current header only)
  std::vector<wal_frame> frames;  // the committed frames, in order
  std::uint64_t valid_end = 0;    // byte offset just past the last committed frame
  // Byte offset of the last committed frame (of the header when there is none).
  std::uint64_t last_frame_offset = 0;
  bool torn_tail = false;  // bytes after valid_end that a writer must cut off
};

// Parses `bytes` (the whole WAL file) for the image of `generation`, whose
// first frame must have sequence `first_seq`. Errors: corruption (a damaged
// header or frame followed by a synced frame of this generation, a
// checksummed frame that does not decode), unsupported_version.
result<wal_scan> scan_wal(std::string_view bytes, std::uint64_t generation,
                          std::uint64_t first_seq);

// Continues a scan that ended at a frame boundary: `bytes` are the WAL's
// bytes from file offset `base` on, and the frames to read start `skip`
// bytes into them (the earlier scan's valid_end), the first with sequence
// `first_seq`. The header is not read: the caller knows it is current and in
// format `version`. Offsets in the result are file offsets; a result with no
// new frame has last_frame_offset == 0. Errors: as scan_wal's frames.
result<wal_scan> scan_wal_frames(std::string_view bytes, std::uint64_t base, std::uint64_t skip,
                                 std::uint64_t generation, std::uint64_t first_seq,
                                 std::uint32_t version);

}  // namespace trop::store_detail
