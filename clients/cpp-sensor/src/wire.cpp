#include "wire.hpp"

#include <sodium.h>

#include <stdexcept>

namespace tc {

std::size_t body_size(FrameType t) {
  switch (t) {
    case FrameType::Session: return kSessionBodySize;
    case FrameType::Reading: return kReadingBodySize;
    case FrameType::Cycle: return kCycleBodySize;
  }
  throw std::invalid_argument("unknown frame type");
}

Bytes encode_header(const Header& h) {
  if (h.device_id <= 0) throw std::invalid_argument("device id must be 1..32767");
  if (h.seq > kMaxSeq) throw std::invalid_argument("seq must be below 2^63");
  Bytes out;
  out.reserve(kMaxFrameSize);
  out.push_back(0x54);  // "TC"
  out.push_back(0x43);
  out.push_back(0x01);  // version
  out.push_back(static_cast<std::uint8_t>(h.type));
  put_u16(out, static_cast<std::uint16_t>(h.device_id));
  put_u32(out, h.key_id);
  put_u64(out, h.seq);
  put_u16(out, static_cast<std::uint16_t>(body_size(h.type)));
  return out;
}

Bytes encode_reading(const ReadingPayload& r) {
  Bytes out;
  out.reserve(kReadingPayloadSize);
  put_u16(out, static_cast<std::uint16_t>(r.device_id));
  put_u64(out, static_cast<std::uint64_t>(r.ts_ms));
  put_f32(out, r.temperature);
  put_f32(out, r.pressure);
  put_f32(out, r.humidity);
  return out;
}

Bytes encode_cycle(const CyclePayload& c) {
  Bytes out;
  out.reserve(kCyclePayloadSize);
  put_u16(out, static_cast<std::uint16_t>(c.device_id));
  put_u64(out, static_cast<std::uint64_t>(c.cycle_start_ms));
  put_u32(out, c.cycle);
  for (const auto& phase : c.phases)
    for (float v : phase) put_f32(out, v);  // phase-major (§5.2)
  return out;
}

Bytes session_frame(const Header& h, const Key32& eph_pk, std::int64_t clock_ms, const std::array<std::uint8_t, 64>& identity_sk) {
  if (h.type != FrameType::Session) throw std::invalid_argument("session_frame needs a SESSION header");
  Bytes out = encode_header(h);
  out.insert(out.end(), eph_pk.begin(), eph_pk.end());
  put_u64(out, static_cast<std::uint64_t>(clock_ms));
  std::array<std::uint8_t, crypto_sign_BYTES> sig{};
  crypto_sign_detached(sig.data(), nullptr, out.data(), out.size(), identity_sk.data());
  out.insert(out.end(), sig.begin(), sig.end());
  return out;
}

Bytes sealed_frame(const Header& h, const Bytes& plaintext, const Key32& session_key, const Nonce& nonce) {
  if (h.type == FrameType::Session) throw std::invalid_argument("sealed_frame needs a READING or CYCLE header");
  if (plaintext.size() + kNonceSize + kTagSize != body_size(h.type)) throw std::invalid_argument("plaintext size does not fit the frame type");
  Bytes out = encode_header(h);
  const std::size_t header_end = out.size();
  out.insert(out.end(), nonce.begin(), nonce.end());
  out.resize(out.size() + plaintext.size() + kTagSize);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + header_end + kNonceSize, &written, plaintext.data(), plaintext.size(),
                                             out.data(), header_end,  // AD = the 20 header bytes
                                             nullptr, nonce.data(), session_key.data());
  return out;
}

bool client_session_key(const KxKeyPair& ephemeral, const Key32& platform_pk, Key32& tx) {
  Key32 rx{};
  return crypto_kx_client_session_keys(rx.data(), tx.data(), ephemeral.public_key.data(), ephemeral.secret_key.data(), platform_pk.data()) == 0;
}

}  // namespace tc
