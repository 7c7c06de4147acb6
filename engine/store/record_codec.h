// Encoding of one reservation and of one key, shared by the image and the WAL
// (docs/FORMAT.md, "Record" and "Key"): one encoder, one decoder, one path
// for live writes and for recovery.
// Thread safety: stateless.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/coding.h"
#include "trop/reservation.h"

namespace trop::store_detail {

inline constexpr std::uint8_t kHasTag = 1;
inline constexpr std::uint8_t kHasProject = 2;
inline constexpr std::uint8_t kHasTask = 4;
inline constexpr std::uint8_t kKnownRecordFlags = kHasTag | kHasProject | kHasTask;

void encode_record(std::string& out, const reservation& r);
// Decodes one record; false when the bytes are malformed (unknown flags,
// lengths past the end). Does not check the record invariants.
bool decode_record(byte_reader& in, reservation* r);

void encode_key(std::string& out, const reservation_key& k);
bool decode_key(byte_reader& in, reservation_key* k);

}  // namespace trop::store_detail
