#include "wire_decode.hpp"

#include <sodium.h>

namespace tc {
namespace {

constexpr std::int64_t kMaxAbsTimeMs = 8'640'000'000'000'000;  // §5.3

struct Field {
  const char* name;
  std::size_t at;
  std::size_t size;
};
constexpr Field kFields[] = {{"magic", 0, 2}, {"version", 2, 1}, {"type", 3, 1}, {"device id", 4, 2}, {"key id", 6, 4}, {"seq", 10, 8}, {"body length", 18, 2}};

bool time_ok(std::int64_t ms) { return ms >= -kMaxAbsTimeMs && ms <= kMaxAbsTimeMs; }

}  // namespace

std::optional<WireError> decode_frame(const Bytes& f, Decoded* out) {
  const std::size_t len = f.size();
  if (len > kMaxFrameSize) return WireError{"TOO_LARGE", kMaxFrameSize};
  std::size_t complete = kHeaderSize;  // header bytes whose fields are whole
  const Field* cut = nullptr;
  for (const auto& field : kFields) {
    if (len < field.at + field.size) {
      cut = &field;
      complete = field.at;
      break;
    }
  }
  auto has = [&](std::size_t at) { return at < complete; };
  if (has(0) && (f[0] != 0x54 || f[1] != 0x43)) return WireError{"BAD_MAGIC", 0};
  if (has(2) && f[2] != 0x01) return WireError{"BAD_VERSION", 2};
  if (has(3) && (f[3] < 0x01 || f[3] > 0x03)) return WireError{"BAD_TYPE", 3};
  if (has(4) && static_cast<std::int16_t>(get_u16(&f[4])) <= 0) return WireError{"BAD_DEVICE_ID", 4};
  if (has(10) && get_u64(&f[10]) > kMaxSeq) return WireError{"BAD_SEQ", 10};
  if (cut != nullptr) return WireError{"TRUNCATED", cut->at};
  const auto type = static_cast<FrameType>(f[3]);
  const std::size_t body_length = get_u16(&f[18]);
  if (body_length > kMaxFrameSize - kHeaderSize) return WireError{"TOO_LARGE", 18};
  if (body_length != body_size(type)) return WireError{"BAD_LENGTH", 18};
  const std::size_t end = kHeaderSize + body_length;
  if (len < end) return WireError{"TRUNCATED", kHeaderSize};
  if (len > end) return WireError{"BAD_LENGTH", end};
  if (out != nullptr) {
    out->header = Header{type, static_cast<std::int16_t>(get_u16(&f[4])), get_u32(&f[6]), get_u64(&f[10])};
    out->body.assign(f.begin() + static_cast<std::ptrdiff_t>(kHeaderSize), f.end());
  }
  return std::nullopt;
}

std::optional<WireError> verify_session(const Bytes& f, const std::array<std::uint8_t, 32>& identity_pk) {
  if (crypto_sign_verify_detached(&f[60], f.data(), 60, identity_pk.data()) != 0) return WireError{"BAD_SIGNATURE", 60};
  if (!time_ok(static_cast<std::int64_t>(get_u64(&f[52])))) return WireError{"BAD_PAYLOAD", 52};
  return std::nullopt;
}

std::optional<WireError> server_session_key(const Bytes& f, const KxKeyPair& platform, Key32& rx) {
  Key32 tx{};
  if (crypto_kx_server_session_keys(rx.data(), tx.data(), platform.public_key.data(), platform.secret_key.data(), &f[20]) != 0) return WireError{"BAD_SESSION_KEY", 20};
  return std::nullopt;
}

std::optional<WireError> open_frame(const Bytes& f, const Key32& session_key, Bytes& plaintext) {
  const std::size_t ct = kHeaderSize + kNonceSize;
  plaintext.resize(f.size() - ct - kTagSize);
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(plaintext.data(), &written, nullptr, &f[ct], f.size() - ct, f.data(), kHeaderSize, &f[kHeaderSize], session_key.data()) != 0)
    return WireError{"DECRYPT_FAILED", ct};
  return std::nullopt;
}

std::optional<WireError> check_payload(FrameType type, std::int16_t header_device, const Bytes& p) {
  const std::size_t size = type == FrameType::Reading ? kReadingPayloadSize : kCyclePayloadSize;
  if (p.size() != size) return WireError{"BAD_PAYLOAD", 0};
  if (static_cast<std::int16_t>(get_u16(&p[0])) != header_device) return WireError{"DEVICE_MISMATCH", 0};
  if (!time_ok(static_cast<std::int64_t>(get_u64(&p[2])))) return WireError{"BAD_PAYLOAD", 2};
  return std::nullopt;
}

SplitStream split_stream(const Bytes& body) {
  SplitStream s;
  std::size_t at = 0;
  while (at < body.size()) {
    if (body.size() - at < 4) {
      s.rest = WireError{"TRUNCATED", at};
      return s;
    }
    const std::size_t length = get_u32(&body[at]);
    if (length > kMaxFrameSize) {
      s.rest = WireError{"TOO_LARGE", at};
      return s;
    }
    if (at + 4 + length > body.size()) {
      s.rest = WireError{"TRUNCATED", at};
      return s;
    }
    const auto begin = body.begin() + static_cast<std::ptrdiff_t>(at + 4);
    s.frames.emplace_back(begin, begin + static_cast<std::ptrdiff_t>(length));
    at += 4 + length;
  }
  return s;
}

}  // namespace tc
