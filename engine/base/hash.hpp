// Content hashes for staleness checks and run records. Not cryptographic:
// they tell changed sources apart, nothing more.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace base {

std::uint64_t hash64(std::string_view data, std::uint64_t seed = 0);
std::string hash_hex(std::string_view data);  // 16 hex digits

}  // namespace base
