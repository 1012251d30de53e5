// parse.hpp: the small readers the hash-string parsers share (Argon2 PHC strings in password.cpp, the
// passlib and Django formats in imported_hash.cpp).
#pragma once

#include <cstdint>
#include <string_view>

namespace pg_mfa::core {

// ParseDecimal reads a decimal uint32 without sign or leading zeros; false (and `*out` untouched) for
// anything else, an empty text or a value above UINT32_MAX included.
[[nodiscard]] bool ParseDecimal(std::string_view text, std::uint32_t* out) noexcept;

// ConsumePrefix removes `prefix` from the front of `*text`, reporting whether it was there.
[[nodiscard]] bool ConsumePrefix(std::string_view* text, std::string_view prefix) noexcept;

}  // namespace pg_mfa::core
