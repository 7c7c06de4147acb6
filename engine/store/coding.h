// Little-endian fixed-width encoding into byte strings, and a bounds-checked
// reader over untrusted bytes. Every on-disk integer goes through here.
// Thread safety: stateless functions; a byte_reader belongs to one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace trop::store_detail {

void put_u8(std::string& out, std::uint8_t v);
void put_u16(std::string& out, std::uint16_t v);
void put_u32(std::string& out, std::uint32_t v);
void put_u64(std::string& out, std::uint64_t v);
// A u32 length followed by the bytes.
void put_bytes(std::string& out, std::string_view bytes);

std::uint16_t load_u16(const char* p);
std::uint32_t load_u32(const char* p);
std::uint64_t load_u64(const char* p);
void store_u32(char* p, std::uint32_t v);

// Reads fixed-width values from untrusted bytes. Any read past the end sets
// the failed flag and yields zeros, so a decoder checks ok() once at the end.
class byte_reader {
 public:
  explicit byte_reader(std::string_view data) : data_(data) {}

  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u32();
  std::uint64_t u64();
  // A u32 length followed by that many bytes; fails if the length exceeds what is left.
  std::string_view bytes();

  bool ok() const { return ok_; }
  std::size_t consumed() const { return pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }

 private:
  const char* take(std::size_t n);
  std::string_view data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace trop::store_detail
