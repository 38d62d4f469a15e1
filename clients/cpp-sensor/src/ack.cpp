#include "ack.hpp"

namespace tc {

std::optional<Ack> decode_ack(const std::uint8_t* p, std::size_t n) {
  if (n < kAckFixedSize || p[0] != 0x54 || p[1] != 0x41 || p[2] != 0x01 || p[3] > 0x04) return std::nullopt;
  const std::size_t code_length = p[18];
  if (code_length > 64 || n != kAckFixedSize + code_length) return std::nullopt;
  return Ack{static_cast<AckOutcome>(p[3]), get_u32(p + 4), static_cast<std::int16_t>(get_u16(p + 8)), get_u64(p + 10),
             std::string(reinterpret_cast<const char*>(p + kAckFixedSize), code_length)};
}

const char* outcome_name(AckOutcome o) {
  switch (o) {
    case AckOutcome::Stored: return "STORED";
    case AckOutcome::Duplicate: return "DUPLICATE";
    case AckOutcome::Refused: return "REFUSED";
    case AckOutcome::Retry: return "RETRY";
    case AckOutcome::Closing: return "CLOSING";
  }
  return "?";
}

std::optional<Bytes> RecordReader::next(bool& broken) {
  broken = false;
  if (held_.size() < 4) return std::nullopt;
  const std::size_t length = get_u32(held_.data());
  if (length > max_) {
    broken = true;
    return std::nullopt;
  }
  if (held_.size() < 4 + length) return std::nullopt;
  Bytes record(held_.begin() + 4, held_.begin() + static_cast<std::ptrdiff_t>(4 + length));
  held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(4 + length));
  return record;
}

}  // namespace tc
