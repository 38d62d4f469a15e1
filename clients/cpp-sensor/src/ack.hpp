// The gateway's acknowledgement records on a TCP connection (docs/wire-format.md §6.4.3).
#pragma once
#include <optional>
#include <string>

#include "bytes.hpp"

namespace tc {

enum class AckOutcome : std::uint8_t { Stored = 0x00, Duplicate = 0x01, Refused = 0x02, Retry = 0x03, Closing = 0x04 };

struct Ack {
  AckOutcome outcome;
  std::uint32_t frame_number;
  std::int16_t device_id;
  std::uint64_t seq;
  std::string code;
};

constexpr std::size_t kAckFixedSize = 19;
constexpr std::size_t kAckMaxSize = kAckFixedSize + 64;

/** One record without its length prefix; nullopt when it is not a v1 ack record. */
std::optional<Ack> decode_ack(const std::uint8_t* p, std::size_t n);
const char* outcome_name(AckOutcome o);

/** Incremental `[u32 length ‖ record]*` reader for a socket (§6.1). */
class RecordReader {
 public:
  explicit RecordReader(std::size_t max_record) : max_(max_record) {}
  void push(const std::uint8_t* p, std::size_t n) { held_.insert(held_.end(), p, p + n); }
  /** The next complete record, if any; `broken` is set when a prefix exceeds the limit. */
  std::optional<Bytes> next(bool& broken);

 private:
  std::size_t max_;
  Bytes held_;
};

}  // namespace tc
