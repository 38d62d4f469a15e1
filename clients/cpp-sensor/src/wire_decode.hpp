// Wire format v1, the checking side (docs/wire-format.md §2.4, §3.2, §3.3.2,
// §4.2, §5.3, §6): what the platform checks, so the client's tests can run
// every error vector of §9.4 and the client can read streams.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "wire.hpp"

namespace tc {

/** A failure as the spec names it: catalogue code and frame offset. */
struct WireError {
  std::string code;
  std::size_t at;
};

struct Decoded {
  Header header;
  Bytes body;
};

/** §2.4: structure only, in the spec's order; never throws. */
std::optional<WireError> decode_frame(const Bytes& frame, Decoded* out = nullptr);

/** §3.2 (signature, then the clock's range). */
std::optional<WireError> verify_session(const Bytes& frame, const std::array<std::uint8_t, 32>& identity_pk);

/** §3.3.2: the platform's receiving key (crypto_kx server rx) for the frame's ephemeral key. */
std::optional<WireError> server_session_key(const Bytes& frame, const KxKeyPair& platform, Key32& rx);

/** §4.2. */
std::optional<WireError> open_frame(const Bytes& frame, const Key32& session_key, Bytes& plaintext);

/** §5.3, for READING or CYCLE plaintexts. */
std::optional<WireError> check_payload(FrameType type, std::int16_t header_device, const Bytes& plaintext);

struct SplitStream {
  std::vector<Bytes> frames;
  std::optional<WireError> rest;  // §6.2: where framing broke, with `at` the prefix's offset
};

/** §6.1 over a complete body. */
SplitStream split_stream(const Bytes& body);

}  // namespace tc
