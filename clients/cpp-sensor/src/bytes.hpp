// Byte helpers: big-endian integers (wire-format §1.1), hex and base64.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tc {

using Bytes = std::vector<std::uint8_t>;

void put_u16(Bytes& out, std::uint16_t v);
void put_u32(Bytes& out, std::uint32_t v);
void put_u64(Bytes& out, std::uint64_t v);
/** IEEE 754 binary32, big-endian (§1.1): the bits as they are, NaN and infinities included. */
void put_f32(Bytes& out, float v);

std::uint16_t get_u16(const std::uint8_t* p);
std::uint32_t get_u32(const std::uint8_t* p);
std::uint64_t get_u64(const std::uint8_t* p);

std::string to_hex(const Bytes& b);
/** Strict: nullopt on an odd length or a non-hex digit. */
std::optional<Bytes> from_hex(const std::string& s);
/** Standard, padded base64 (§3.4); nullopt when it is not. */
std::optional<Bytes> from_base64(const std::string& s);

}  // namespace tc
