// Grammar (all integers little-endian):
//   record := port:u16 flags:u8 zero:u8 created_at:i64 last_used_at:i64
//             path:bytes [tag:bytes] [project:bytes] [task:bytes] [lease]
//   lease  := lflags:u8 [expires_at:i64] [pid:i32 start_ticks:u64 pid_namespace:u64
//             boot_id:byte[16]]                          (format version 2 only)
//   key    := flags:u8 path:bytes [tag:bytes]
//   bytes  := len:u32 byte[len]
// The bracketed fields are present iff their flag bit is set (kHasTag, ...,
// kHasLease; in a lease kLeaseHasExpiry, kLeaseHasOwner).
#include "store/record_codec.h"

namespace trop::store_detail {

void encode_record(std::string& out, const reservation& r) {
  std::uint8_t flags = (r.key.tag ? kHasTag : 0) | (r.project ? kHasProject : 0) |
                       (r.task ? kHasTask : 0) | (r.lease ? kHasLease : 0);
  put_u16(out, r.port);
  put_u8(out, flags);
  put_u8(out, 0);
  put_u64(out, static_cast<std::uint64_t>(r.created_at));
  put_u64(out, static_cast<std::uint64_t>(r.last_used_at));
  put_bytes(out, r.key.path);
  if (r.key.tag) {
    put_bytes(out, *r.key.tag);
  }
  if (r.project) {
    put_bytes(out, *r.project);
  }
  if (r.task) {
    put_bytes(out, *r.task);
  }
  if (r.lease) {
    const lease& l = *r.lease;
    put_u8(out, (l.expires_at ? kLeaseHasExpiry : 0) | (l.owner ? kLeaseHasOwner : 0));
    if (l.expires_at) {
      put_u64(out, static_cast<std::uint64_t>(*l.expires_at));
    }
    if (l.owner) {
      put_u32(out, static_cast<std::uint32_t>(l.owner->pid));
      put_u64(out, l.owner->start_ticks);
      put_u64(out, l.owner->pid_namespace);
      out.append(reinterpret_cast<const char*>(l.owner->boot_id.data()), l.owner->boot_id.size());
    }
  }
}

bool decode_record(byte_reader& in, reservation* r, std::uint32_t version) {
  r->port = in.u16();
  std::uint8_t flags = in.u8();
  std::uint8_t zero = in.u8();
  r->created_at = static_cast<std::int64_t>(in.u64());
  r->last_used_at = static_cast<std::int64_t>(in.u64());
  r->key.path = std::string(in.bytes());
  r->key.tag.reset();
  r->project.reset();
  r->task.reset();
  r->lease.reset();
  const std::uint8_t known = version >= 2 ? kKnownRecordFlagsV2 : kKnownRecordFlagsV1;
  if ((flags & ~known) != 0) {
    return false;
  }
  if (flags & kHasTag) {
    r->key.tag = std::string(in.bytes());
  }
  if (flags & kHasProject) {
    r->project = std::string(in.bytes());
  }
  if (flags & kHasTask) {
    r->task = std::string(in.bytes());
  }
  if (flags & kHasLease) {
    std::uint8_t lflags = in.u8();
    if (lflags == 0 || (lflags & ~(kLeaseHasExpiry | kLeaseHasOwner)) != 0) {
      return false;
    }
    lease l;
    if (lflags & kLeaseHasExpiry) {
      l.expires_at = static_cast<std::int64_t>(in.u64());
    }
    if (lflags & kLeaseHasOwner) {
      process_identity o;
      o.pid = static_cast<std::int32_t>(in.u32());
      o.start_ticks = in.u64();
      o.pid_namespace = in.u64();
      for (auto& b : o.boot_id) {
        b = in.u8();
      }
      l.owner = o;
    }
    r->lease = l;
  }
  return in.ok() && zero == 0;
}

void encode_key(std::string& out, const reservation_key& k) {
  put_u8(out, k.tag ? kHasTag : 0);
  put_bytes(out, k.path);
  if (k.tag) {
    put_bytes(out, *k.tag);
  }
}

bool decode_key(byte_reader& in, reservation_key* k) {
  std::uint8_t flags = in.u8();
  k->path = std::string(in.bytes());
  k->tag.reset();
  if (flags & kHasTag) {
    k->tag = std::string(in.bytes());
  }
  return in.ok() && (flags & ~kHasTag) == 0;
}

}  // namespace trop::store_detail
