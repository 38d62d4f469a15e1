// Builds a device's frames (docs/wire-format.md §2.3, §3, §4): one session
// (fresh ephemeral key, random key id) and a seq that only goes up.
#pragma once
#include "credentials.hpp"
#include "wire.hpp"

namespace tc {

class Sender {
 public:
  /** initial_seq: §2.3.3, now_ms × 1000 for a device that does not persist its counter. Throws on an unusable platform key. */
  Sender(const Credentials& credentials, std::uint64_t initial_seq);

  /** A SESSION frame for the current key (§3.5): first on every run, and again after UNKNOWN_KEY. */
  Bytes session_frame(std::int64_t clock_ms);
  /** A sealed READING frame with a fresh random nonce (§4.1). */
  Bytes reading_frame(std::int64_t ts_ms, float temperature, float pressure, float humidity);

  std::uint32_t key_id() const { return key_id_; }
  std::uint64_t next_seq() const { return seq_; }

 private:
  Header next_header(FrameType type);

  Credentials credentials_;
  KxKeyPair ephemeral_{};
  Key32 tx_{};
  std::uint32_t key_id_ = 0;
  std::uint64_t seq_;
};

}  // namespace tc
