#include "store/coding.h"

namespace trop::store_detail {

void put_u8(std::string& out, std::uint8_t v) {
  out.push_back(static_cast<char>(v));
}

void put_u16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

void put_bytes(std::string& out, std::string_view bytes) {
  put_u32(out, static_cast<std::uint32_t>(bytes.size()));
  out.append(bytes);
}

std::uint16_t load_u16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<std::uint16_t>(u[0] | (u[1] << 8));
}

std::uint32_t load_u32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return std::uint32_t{u[0]} | (std::uint32_t{u[1]} << 8) | (std::uint32_t{u[2]} << 16) |
         (std::uint32_t{u[3]} << 24);
}

std::uint64_t load_u64(const char* p) {
  return std::uint64_t{load_u32(p)} | (std::uint64_t{load_u32(p + 4)} << 32);
}

void store_u32(char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  }
}

const char* byte_reader::take(std::size_t n) {
  if (!ok_ || n > data_.size() - pos_) {
    ok_ = false;
    return nullptr;
  }
  const char* p = data_.data() + pos_;
  pos_ += n;
  return p;
}

std::uint8_t byte_reader::u8() {
  const char* p = take(1);
  return p ? static_cast<std::uint8_t>(*p) : 0;
}
std::uint16_t byte_reader::u16() {
  const char* p = take(2);
  return p ? load_u16(p) : 0;
}
std::uint32_t byte_reader::u32() {
  const char* p = take(4);
  return p ? load_u32(p) : 0;
}
std::uint64_t byte_reader::u64() {
  const char* p = take(8);
  return p ? load_u64(p) : 0;
}
std::string_view byte_reader::bytes() {
  std::uint32_t n = u32();
  const char* p = take(n);
  return p ? std::string_view(p, n) : std::string_view();
}

}  // namespace trop::store_detail
