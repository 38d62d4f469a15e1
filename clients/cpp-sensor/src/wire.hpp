// Wire format v1, the device side (docs/wire-format.md): headers, payloads,
// SESSION signing and data sealing. Keys and nonces are parameters, so the
// test vectors (§9) can be reproduced byte for byte.
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "bytes.hpp"

namespace tc {

// §2.1, §2.2
constexpr std::size_t kHeaderSize = 20;
constexpr std::size_t kMaxFrameSize = 1024;
constexpr std::size_t kSessionBodySize = 104;
constexpr std::size_t kReadingBodySize = 62;
constexpr std::size_t kCycleBodySize = 154;
constexpr std::size_t kReadingPayloadSize = 22;  // §5.1
constexpr std::size_t kCyclePayloadSize = 114;   // §5.2
constexpr std::size_t kNonceSize = 24;            // §4.1
constexpr std::size_t kTagSize = 16;
constexpr std::uint64_t kMaxSeq = (std::uint64_t{1} << 63) - 1;  // §2.3.2

enum class FrameType : std::uint8_t { Session = 0x01, Reading = 0x02, Cycle = 0x03 };

struct Header {
  FrameType type;
  std::int16_t device_id;
  std::uint32_t key_id;
  std::uint64_t seq;
};

using Key32 = std::array<std::uint8_t, 32>;
using Nonce = std::array<std::uint8_t, kNonceSize>;

struct KxKeyPair {
  Key32 public_key;
  Key32 secret_key;
};

std::size_t body_size(FrameType t);
/** The 20 header bytes (§2.1); the body length comes from the type (§2.2.2). */
Bytes encode_header(const Header& h);

struct ReadingPayload {
  std::int16_t device_id;
  std::int64_t ts_ms;
  float temperature;
  float pressure;
  float humidity;
};
/** §5.1, 22 bytes. */
Bytes encode_reading(const ReadingPayload& r);

struct CyclePayload {
  std::int16_t device_id;
  std::int64_t cycle_start_ms;
  std::uint32_t cycle;
  std::array<std::array<float, 5>, 5> phases;  // [phase][sensor], §5.2
};
/** §5.2, 114 bytes. */
Bytes encode_cycle(const CyclePayload& c);

/** §3.1, §3.2: header ‖ eph_pk ‖ clock ‖ Ed25519(identity secret key, header ‖ eph_pk ‖ clock). */
Bytes session_frame(const Header& h, const Key32& eph_pk, std::int64_t clock_ms, const std::array<std::uint8_t, 64>& identity_sk);

/** §4.1: header ‖ nonce ‖ XChaCha20-Poly1305-IETF(key, nonce, AD = header, plaintext). */
Bytes sealed_frame(const Header& h, const Bytes& plaintext, const Key32& session_key, const Nonce& nonce);

/** §3.3.1: the device's sealing key, crypto_kx client tx; false for an unusable key (§3.3.2). */
bool client_session_key(const KxKeyPair& ephemeral, const Key32& platform_pk, Key32& tx);

}  // namespace tc
