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
// Format version 2: a lease follows the other fields.
inline constexpr std::uint8_t kHasLease = 8;
inline constexpr std::uint8_t kKnownRecordFlagsV1 = kHasTag | kHasProject | kHasTask;
inline constexpr std::uint8_t kKnownRecordFlagsV2 = kKnownRecordFlagsV1 | kHasLease;

// Lease flags (the byte that opens a lease).
inline constexpr std::uint8_t kLeaseHasExpiry = 1;
inline constexpr std::uint8_t kLeaseHasOwner = 2;

// Encodes in the current format version (a record without a lease encodes
// identically in versions 1 and 2).
void encode_record(std::string& out, const reservation& r);
// Decodes one record as format `version` writes it; false when the bytes are
// malformed (flags unknown to that version, lengths past the end, a lease
// with neither expiry nor owner). Does not check the record invariants.
bool decode_record(byte_reader& in, reservation* r, std::uint32_t version);

void encode_key(std::string& out, const reservation_key& k);
bool decode_key(byte_reader& in, reservation_key* k);

}  // namespace trop::store_detail
