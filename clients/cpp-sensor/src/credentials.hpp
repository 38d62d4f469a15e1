// The device credentials file `typedcluster device add` writes (docs/wire-format.md §3.4).
#pragma once
#include <array>
#include <string>

#include "wire.hpp"

namespace tc {

struct Credentials {
  std::int16_t device_id;
  std::string name;
  std::array<std::uint8_t, 64> identity_secret_key;
  std::array<std::uint8_t, 32> identity_public_key;
  Key32 platform_public_key;
};

/** Parses the JSON text; throws std::runtime_error naming the field that is wrong. */
Credentials parse_credentials(const std::string& json_text);
/** Reads and parses a file; throws std::runtime_error with the path and the reason. */
Credentials read_credentials(const std::string& path);

}  // namespace tc
