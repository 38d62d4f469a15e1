#include "sender.hpp"

#include <sodium.h>

#include <stdexcept>

namespace tc {

Sender::Sender(const Credentials& credentials, std::uint64_t initial_seq) : credentials_(credentials), seq_(initial_seq) {
  crypto_kx_keypair(ephemeral_.public_key.data(), ephemeral_.secret_key.data());
  key_id_ = randombytes_random();  // §3.3.3: a fresh random u32 per session
  if (!client_session_key(ephemeral_, credentials_.platform_public_key, tx_))
    throw std::runtime_error("platformPublicKey: key exchange fails with it; provision the device again");
}

Header Sender::next_header(FrameType type) {
  if (seq_ > kMaxSeq) throw std::runtime_error("seq exhausted: 2^63-1 reached");
  return Header{type, credentials_.device_id, key_id_, seq_++};  // §2.3.1: strictly increasing
}

Bytes Sender::session_frame(std::int64_t clock_ms) {
  return tc::session_frame(next_header(FrameType::Session), ephemeral_.public_key, clock_ms, credentials_.identity_secret_key);
}

Bytes Sender::reading_frame(std::int64_t ts_ms, float temperature, float pressure, float humidity) {
  Nonce nonce{};
  randombytes_buf(nonce.data(), nonce.size());
  const Bytes plaintext = encode_reading({credentials_.device_id, ts_ms, temperature, pressure, humidity});
  return sealed_frame(next_header(FrameType::Reading), plaintext, tx_, nonce);
}

}  // namespace tc
