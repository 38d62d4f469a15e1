#include "credentials.hpp"

#include <sodium.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace tc {
namespace {

using nlohmann::json;

template <std::size_t N>
std::array<std::uint8_t, N> key_field(const json& j, const char* name) {
  if (!j.contains(name) || !j[name].is_string()) throw std::runtime_error(std::string(name) + ": missing or not a string");
  auto bytes = from_base64(j[name].get<std::string>());
  if (!bytes) throw std::runtime_error(std::string(name) + ": not standard padded base64");
  if (bytes->size() != N) throw std::runtime_error(std::string(name) + ": " + std::to_string(bytes->size()) + " bytes, expected " + std::to_string(N));
  std::array<std::uint8_t, N> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

}  // namespace

Credentials parse_credentials(const std::string& text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw std::runtime_error(std::string("not JSON: ") + e.what());
  }
  if (!j.is_object()) throw std::runtime_error("not a JSON object");
  if (!j.contains("version") || j["version"] != 1) throw std::runtime_error("version: must be 1");
  if (!j.contains("deviceId") || !j["deviceId"].is_number_integer()) throw std::runtime_error("deviceId: missing or not an integer");
  const auto id = j["deviceId"].get<long long>();
  if (id < 1 || id > 32767) throw std::runtime_error("deviceId: " + std::to_string(id) + " is outside 1..32767");
  Credentials c{static_cast<std::int16_t>(id), j.value("name", std::string()), key_field<64>(j, "identitySecretKey"),
                key_field<32>(j, "identityPublicKey"), key_field<32>(j, "platformPublicKey")};
  // The secret key is seed ‖ public key (§3.4): a mismatch is a damaged file.
  if (!std::equal(c.identity_public_key.begin(), c.identity_public_key.end(), c.identity_secret_key.begin() + 32))
    throw std::runtime_error("identityPublicKey: does not match identitySecretKey");
  return c;
}

Credentials read_credentials(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return parse_credentials(ss.str());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace tc
