// recovery.hpp: codes as people type them, and recovery codes.
//
// A user types a code from an authenticator app ("123 456"), pastes it ("123-456", " 123456 "), or reads
// a recovery code off paper ("7KQ2-M9XD-4TNB-WR3H", "7kq2 m9xd 4tnb wr3h"). ClassifyCode drops ASCII
// spaces and hyphens and then tells the two apart by their shape; anything else cannot be right and is
// refused before it is compared with anything.
//
// A recovery code is 80 random bits written as 16 characters of Crockford's base32 alphabet
// (0-9 and A-Z without I, L, O and U), shown in four groups of four. Input is case-insensitive, and the
// letters people confuse with digits are read as those digits (I and L as 1, O as 0), so no misreading of
// a printed code can make it wrong. Only a digest is stored: SHA-256 over a domain label, the user id
// and the canonical code, so one precomputation cannot serve several users.
#pragma once

#include "core/bytes.hpp"
#include "core/random.hpp"
#include "core/status.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pg_mfa::core {

constexpr std::size_t kRecoveryCodeBits = 80;
constexpr std::size_t kRecoveryCodeBytes = kRecoveryCodeBits / 8;     // 10
constexpr std::size_t kRecoveryCodeChars = kRecoveryCodeBits / 5;     // 16 symbols of 5 bits
constexpr std::size_t kRecoveryCodeGroup = 4;                          // shown as XXXX-XXXX-XXXX-XXXX
constexpr std::size_t kRecoveryCodeShownChars = kRecoveryCodeChars + kRecoveryCodeChars / kRecoveryCodeGroup - 1;
constexpr std::size_t kRecoveryDigestBytes = 32;
// Longer input is refused without looking at it: a code with every character separated by a space and a
// hyphen is still far shorter.
constexpr std::size_t kMaxTypedCodeBytes = 64;

enum class CodeKind { kMalformed, kTotp, kRecovery };

// TypedCode: what ClassifyCode found: the canonical text (the digits of a TOTP code, or the 16 upper-case
// symbols of a recovery code), NUL-terminated. Wiped on destruction: it is a live credential.
struct TypedCode {
    CodeKind kind = CodeKind::kMalformed;
    std::size_t size = 0;
    char text[kRecoveryCodeChars + 1] = {};

    TypedCode() noexcept = default;
    TypedCode(const TypedCode&) = delete;
    TypedCode& operator=(const TypedCode&) = delete;
    ~TypedCode() { SecureWipe(text, sizeof text); }

    [[nodiscard]] std::string_view view() const noexcept { return std::string_view(text, size); }
};

// ClassifyCode drops ASCII spaces and hyphens from `typed` and classifies what is left: kTotp when it is 6
// to 8 ASCII digits, kRecovery when it is 16 symbols of the recovery alphabet (any case, I/L read as 1 and O
// as 0), kMalformed otherwise (also for input longer than kMaxTypedCodeBytes). It never fails; `*out` is
// kMalformed with no text when nothing matched. Its time depends on the input's length only loosely and
// never on which valid code was typed.
void ClassifyCode(std::string_view typed, TypedCode* out) noexcept;

using RecoveryCodeText = std::array<char, kRecoveryCodeShownChars + 1>;  // NUL-terminated

// GenerateRecoveryCode writes a fresh code as it is shown ("7KQ2-M9XD-4TNB-WR3H"). Fails with
// kRandomFailure (then `*out` is zeroed).
[[nodiscard]] Status GenerateRecoveryCode(const RandomSource& random, RecoveryCodeText* out) noexcept;

using RecoveryDigest = std::array<std::uint8_t, kRecoveryDigestBytes>;

// DigestRecoveryCode computes the stored form of a canonical recovery code (TypedCode::view() of a
// kRecovery code) for one user: SHA-256("pg_mfa recovery code v1" || NUL || user id, 8 bytes big-endian ||
// code). Returns kMalformedCode if `canonical` is not 16 canonical symbols, kCryptoFailure if OpenSSL fails.
[[nodiscard]] Status DigestRecoveryCode(std::int64_t user_id, std::string_view canonical, RecoveryDigest* out) noexcept;

}  // namespace pg_mfa::core
