// random.hpp: randomness as a parameter, TOTP secrets, login and session tokens.
#pragma once

#include "core/bytes.hpp"
#include "core/otp.hpp"
#include "core/status.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace pg_mfa::core {

// RandomSource: where random bytes come from. `fill` writes `size` bytes and returns false on failure.
// Production passes a CSPRNG (OpenSslRandom here, pg_strong_random in the PostgreSQL layer); tests pass a
// deterministic source.
struct RandomSource {
    bool (*fill)(void* context, std::uint8_t* buffer, std::size_t size) noexcept = nullptr;
    void* context = nullptr;
};

// OpenSslRandom returns a source backed by OpenSSL's RAND_bytes.
[[nodiscard]] RandomSource OpenSslRandom() noexcept;

constexpr std::size_t kSecretBytes = 20;  // RFC 4226 §4 R6 recommends 160 bits
constexpr std::size_t kTokenBytes = 32;   // 256 bits
constexpr std::size_t kTokenDigestBytes = 32;

// GenerateSecret replaces `*out` with `size` random bytes (1..kMaxSecretBytes). Fails with
// kSecretEmpty, kSecretTooLong, kRandomFailure or kOutOfMemory; `*out` is then empty.
[[nodiscard]] Status GenerateSecret(const RandomSource& random, std::size_t size, SecretBytes* out) noexcept;

// GenerateToken replaces `*out` with `prefix` followed by kTokenBytes random bytes in unpadded base64url
// ("kli_" + 43 characters). The prefix must be 1 to 16 lowercase ASCII letters or digits ending in '_'
// (kBadTokenPrefix otherwise); it lets people and secret scanners tell token kinds apart.
[[nodiscard]] Status GenerateToken(const RandomSource& random, std::string_view prefix, SecretString* out) noexcept;

using TokenDigest = std::array<std::uint8_t, kTokenDigestBytes>;

// DigestToken computes SHA-256 of the token text: the only form in which a token is stored.
// Returns kCryptoFailure if OpenSSL fails.
[[nodiscard]] Status DigestToken(std::string_view token, TokenDigest* out) noexcept;

}  // namespace pg_mfa::core
