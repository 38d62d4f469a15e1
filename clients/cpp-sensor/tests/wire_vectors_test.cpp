// Checks the client against every committed vector of test-vectors/wire-v1.json,
// byte for byte, following docs/wire-format.md §9.4: keys, encoder, decoder,
// errors (stage, code, offset) and streams.
#include <sodium.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "wire.hpp"
#include "wire_decode.hpp"

using nlohmann::json;

namespace {

int failures = 0;
int checks = 0;

void check(bool ok, const std::string& what) {
  checks++;
  if (!ok) {
    failures++;
    std::cerr << "FAIL: " << what << "\n";
  }
}

tc::Bytes hex(const json& j) {
  auto b = tc::from_hex(j.get<std::string>());
  if (!b) throw std::runtime_error("bad hex in the vectors: " + j.get<std::string>().substr(0, 40));
  return *b;
}

template <std::size_t N>
std::array<std::uint8_t, N> arr(const json& j) {
  const auto b = hex(j);
  if (b.size() != N) throw std::runtime_error("wrong key size in the vectors");
  std::array<std::uint8_t, N> out{};
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

/** §9.2: numbers, or "NaN", "Infinity", "-Infinity". */
float f32(const json& j) {
  if (j.is_string()) {
    const auto s = j.get<std::string>();
    if (s == "NaN") return std::numeric_limits<float>::quiet_NaN();
    return s == "Infinity" ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity();
  }
  return j.get<float>();
}

tc::FrameType type_of(const std::string& s) {
  return s == "session" ? tc::FrameType::Session : s == "reading" ? tc::FrameType::Reading : tc::FrameType::Cycle;
}

tc::Header header_of(const json& h) {
  return tc::Header{type_of(h["type"].get<std::string>()), h["deviceId"].get<std::int16_t>(), h["keyId"].get<std::uint32_t>(), std::stoull(h["seq"].get<std::string>())};
}

tc::Bytes payload_of(const json& p) {
  if (p["type"] == "reading")
    return tc::encode_reading({p["deviceId"].get<std::int16_t>(), p["ts"].get<std::int64_t>(), f32(p["temperature"]), f32(p["pressure"]), f32(p["humidity"])});
  tc::CyclePayload c{p["deviceId"].get<std::int16_t>(), p["cycleStart"].get<std::int64_t>(), p["cycle"].get<std::uint32_t>(), {}};
  for (std::size_t ph = 0; ph < 5; ph++)
    for (std::size_t s = 0; s < 5; s++) c.phases[ph][s] = f32(p["phases"][ph][s]);
  return tc::encode_cycle(c);
}

struct Keys {
  std::array<std::uint8_t, 32> identity_pk{};
  std::array<std::uint8_t, 64> identity_sk{};
  tc::KxKeyPair platform{};
  tc::KxKeyPair ephemeral{};
  tc::Key32 session{};
};

Keys check_keys(const json& k) {
  Keys keys;
  const auto identity_seed = arr<32>(k["identitySeed"]);
  crypto_sign_seed_keypair(keys.identity_pk.data(), keys.identity_sk.data(), identity_seed.data());
  check(tc::to_hex({keys.identity_pk.begin(), keys.identity_pk.end()}) == k["identityPublicKey"], "keys: identity public key");
  check(tc::to_hex({keys.identity_sk.begin(), keys.identity_sk.end()}) == k["identitySecretKey"], "keys: identity secret key");
  const auto platform_seed = arr<32>(k["platformSeed"]);
  crypto_kx_seed_keypair(keys.platform.public_key.data(), keys.platform.secret_key.data(), platform_seed.data());
  check(tc::to_hex({keys.platform.public_key.begin(), keys.platform.public_key.end()}) == k["platformPublicKey"], "keys: platform public key");
  check(tc::to_hex({keys.platform.secret_key.begin(), keys.platform.secret_key.end()}) == k["platformSecretKey"], "keys: platform secret key");
  const auto eph_seed = arr<32>(k["ephemeralSeed"]);
  crypto_kx_seed_keypair(keys.ephemeral.public_key.data(), keys.ephemeral.secret_key.data(), eph_seed.data());
  check(tc::to_hex({keys.ephemeral.public_key.begin(), keys.ephemeral.public_key.end()}) == k["ephemeralPublicKey"], "keys: ephemeral public key");
  check(tc::to_hex({keys.ephemeral.secret_key.begin(), keys.ephemeral.secret_key.end()}) == k["ephemeralSecretKey"], "keys: ephemeral secret key");
  check(tc::client_session_key(keys.ephemeral, keys.platform.public_key, keys.session), "keys: client session key derives");
  check(tc::to_hex({keys.session.begin(), keys.session.end()}) == k["sessionKey"], "keys: session key (client tx)");
  tc::Key32 rx{};
  tc::Bytes session_frame(124);
  std::copy(keys.ephemeral.public_key.begin(), keys.ephemeral.public_key.end(), session_frame.begin() + 20);
  check(!tc::server_session_key(session_frame, keys.platform, rx) && rx == keys.session, "keys: server rx equals client tx (§3.3.1)");
  return keys;
}

void check_frame(const json& v, const Keys& keys) {
  const std::string name = "frame \"" + v["name"].get<std::string>() + "\"";
  const tc::Header h = header_of(v["header"]);
  const tc::Bytes expected = hex(v["frame"]);
  // Encoder (§9.4 step 2).
  tc::Bytes built;
  if (h.type == tc::FrameType::Session) {
    built = tc::session_frame(h, arr<32>(v["session"]["ephemeralPublicKey"]), v["session"]["clockMs"].get<std::int64_t>(), keys.identity_sk);
  } else {
    const tc::Bytes plaintext = payload_of(v["payload"]);
    check(tc::to_hex(plaintext) == v["plaintext"], name + ": payload encodes to plaintext");
    built = tc::sealed_frame(h, hex(v["plaintext"]), keys.session, arr<tc::kNonceSize>(v["nonce"]));
  }
  check(tc::to_hex(built) == v["frame"], name + ": encoder reproduces the frame byte for byte");
  // Decoder (§9.4 step 3).
  tc::Decoded d{};
  const auto err = tc::decode_frame(expected, &d);
  check(!err, name + ": decodes");
  if (err) return;
  check(d.header.type == h.type && d.header.device_id == h.device_id && d.header.key_id == h.key_id && d.header.seq == h.seq, name + ": header fields");
  if (h.type == tc::FrameType::Session) {
    check(!tc::verify_session(expected, keys.identity_pk), name + ": signature verifies");
  } else {
    tc::Bytes plaintext;
    check(!tc::open_frame(expected, keys.session, plaintext) && tc::to_hex(plaintext) == v["plaintext"], name + ": opens to the plaintext");
    check(!tc::check_payload(h.type, h.device_id, plaintext), name + ": payload passes §5.3");
  }
}

/** §9.4 step 4: run the stages in order; the first failure must be the vector's. */
void check_error(const json& v, const Keys& keys) {
  const std::string name = "error \"" + v["name"].get<std::string>() + "\"";
  const tc::Bytes f = hex(v["frame"]);
  std::string stage = "decode";
  tc::Decoded d{};
  std::optional<tc::WireError> err = tc::decode_frame(f, &d);
  if (!err && d.header.type == tc::FrameType::Session) {
    stage = "verify";
    err = tc::verify_session(f, keys.identity_pk);
    if (!err) {
      stage = "session-key";
      tc::Key32 rx{};
      err = tc::server_session_key(f, keys.platform, rx);
    }
  } else if (!err) {
    stage = "open";
    tc::Bytes plaintext;
    err = tc::open_frame(f, keys.session, plaintext);
    if (!err) {
      stage = "payload";
      err = tc::check_payload(d.header.type, d.header.device_id, plaintext);
    }
  }
  check(err.has_value(), name + ": fails");
  if (!err) return;
  const std::string got = stage + " " + err->code + " at " + std::to_string(err->at);
  const std::string want = v["stage"].get<std::string>() + " " + v["code"].get<std::string>() + " at " + std::to_string(v["at"].get<std::size_t>());
  check(got == want, name + ": expected " + want + ", got " + got);
}

void check_stream(const json& v) {
  const std::string name = "stream \"" + v["name"].get<std::string>() + "\"";
  const auto split = tc::split_stream(hex(v["body"]));
  check(split.frames.size() == v["frames"].size(), name + ": frame count");
  for (std::size_t i = 0; i < split.frames.size() && i < v["frames"].size(); i++) check(tc::to_hex(split.frames[i]) == v["frames"][i], name + ": frame " + std::to_string(i));
  if (v["rest"].is_null()) check(!split.rest, name + ": no framing failure");
  else check(split.rest && split.rest->code == v["rest"]["code"] && split.rest->at == v["rest"]["at"].get<std::size_t>(), name + ": framing failure " + v["rest"].dump());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: wire_vectors_test path/to/test-vectors/wire-v1.json\n";
    return 2;
  }
  if (sodium_init() < 0) return 2;
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << argv[1] << ": cannot be read\n";
    return 2;
  }
  const json vectors = json::parse(in);
  const Keys keys = check_keys(vectors["keys"]);
  for (const auto& v : vectors["frames"]) check_frame(v, keys);
  for (const auto& v : vectors["errors"]) check_error(v, keys);
  for (const auto& v : vectors["streams"]) check_stream(v);
  const auto counts = std::to_string(vectors["frames"].size()) + " frames, " + std::to_string(vectors["errors"].size()) + " errors, " + std::to_string(vectors["streams"].size()) + " streams";
  std::cout << (failures == 0 ? "ok: " : "FAILED: ") << checks - failures << "/" << checks << " checks passed over " << counts << "\n";
  return failures == 0 ? 0 : 1;
}
