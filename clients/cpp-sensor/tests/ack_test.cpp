// The client's reading of ack records (docs/wire-format.md §6.4.3) and of credentials (§3.4).
#include <iostream>
#include <stdexcept>
#include <string>

#include "ack.hpp"
#include "credentials.hpp"

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  if (!ok) {
    failures++;
    std::cerr << "FAIL: " << what << "\n";
  }
}

bool throws_with(const std::string& json_text, const std::string& field) {
  try {
    tc::parse_credentials(json_text);
  } catch (const std::runtime_error& e) {
    return std::string(e.what()).rfind(field, 0) == 0;
  }
  return false;
}

}  // namespace

int main() {
  // The same record as core/src/device/tcp-ack.test.ts: REFUSED DECRYPT_FAILED for frame 0xfffffffe.
  const auto bytes = *tc::from_hex("54410102fffffffe000700060a24181e40010e444543525950545f4641494c4544");
  const auto ack = tc::decode_ack(bytes.data(), bytes.size());
  check(ack.has_value(), "a refused record decodes");
  if (ack) {
    check(ack->outcome == tc::AckOutcome::Refused && ack->frame_number == 0xfffffffeU && ack->device_id == 7, "outcome, frame number, device");
    check(ack->seq == 1700000000000001ULL && ack->code == "DECRYPT_FAILED", "seq and code");
  }
  check(!tc::decode_ack(bytes.data(), bytes.size() - 1), "a short record is refused");
  auto bad = bytes;
  bad[3] = 9;
  check(!tc::decode_ack(bad.data(), bad.size()), "an unknown outcome is refused");

  // Records arriving in pieces, then a prefix over the limit.
  tc::RecordReader reader(tc::kAckMaxSize);
  tc::Bytes stream;
  tc::put_u32(stream, static_cast<std::uint32_t>(bytes.size()));
  stream.insert(stream.end(), bytes.begin(), bytes.end());
  tc::put_u32(stream, 5000);
  bool broken = false;
  reader.push(stream.data(), 10);
  check(!reader.next(broken) && !broken, "half a record is held");
  reader.push(stream.data() + 10, stream.size() - 10);
  const auto rec = reader.next(broken);
  check(rec.has_value() && *rec == bytes, "the record comes out whole");
  check(!reader.next(broken) && broken, "a prefix over the limit breaks the stream");

  // Credentials: the key fields are checked by name.
  const std::string ok = R"({"version":1,"deviceId":7,"name":"t","identitySecretKey":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8DoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA==","identityPublicKey":"A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=","platformPublicKey":"mfRnTsyHwLjnEvGSuPSedEKpN2tIdZZ6urooRxAZqT4="})";
  try {
    const auto c = tc::parse_credentials(ok);
    check(c.device_id == 7 && c.identity_public_key[0] == 0x03 && c.platform_public_key[0] == 0x99, "credentials parse");
  } catch (const std::exception& e) {
    check(false, std::string("credentials parse: ") + e.what());
  }
  check(throws_with(R"({"version":1,"deviceId":0})", "deviceId"), "deviceId 0 is refused by name");
  check(throws_with(R"({"version":2})", "version"), "version 2 is refused by name");
  std::string swapped = ok;
  swapped.replace(swapped.find("A6EHv"), 5, "B6EHv");
  check(throws_with(swapped, "identityPublicKey"), "a public key that does not match is refused by name");
  check(throws_with("{not json", "not JSON"), "text that is not JSON is refused");

  std::cout << (failures == 0 ? "ok\n" : "FAILED\n");
  return failures == 0 ? 0 : 1;
}
