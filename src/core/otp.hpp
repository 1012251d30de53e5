// otp.hpp: HOTP (RFC 4226) and TOTP (RFC 6238) with HMAC-SHA1/SHA256/SHA512 through OpenSSL 3 EVP_MAC.
//
// Time is a parameter: nothing here reads a clock, so every result is reproducible under test.
#pragma once

#include "core/bytes.hpp"
#include "core/status.hpp"

#include <cstdint>
#include <string_view>

namespace pg_mfa::core {

enum class HashAlgorithm { kSha1, kSha256, kSha512 };

constexpr int kMinDigits = 6;
constexpr int kMaxDigits = 8;
constexpr int kMaxWindow = 10;                 // steps either side; a wider window is a brute-force gift
constexpr std::size_t kMaxSecretBytes = 1024;  // far above any real key (RFC 6238 uses at most 64 bytes)

// ParseAlgorithm reads "sha1", "sha256" or "sha512" (any case). Returns kBadAlgorithm otherwise.
[[nodiscard]] Status ParseAlgorithm(std::string_view name, HashAlgorithm* out) noexcept;

// AlgorithmUriName returns the otpauth spelling: "SHA1", "SHA256" or "SHA512".
[[nodiscard]] const char* AlgorithmUriName(HashAlgorithm algorithm) noexcept;

// OtpParams: how codes are made from a key.
struct OtpParams {
    HashAlgorithm algorithm = HashAlgorithm::kSha1;
    int digits = 6;
    std::int64_t period = 30;  // seconds, TOTP only
};

// ValidateOtpParams checks digits (6..8) and period (>= 1). Returns kBadDigits or kBadPeriod.
[[nodiscard]] Status ValidateOtpParams(const OtpParams& params) noexcept;

// OtpCode: a code as text, exactly `digits` ASCII digits with leading zeros, NUL-terminated.
struct OtpCode {
    char text[kMaxDigits + 1] = {};
    int digits = 0;
    std::string_view view() const noexcept { return {text, static_cast<std::size_t>(digits)}; }
    ~OtpCode() { SecureWipe(text, sizeof text); }
};

// HotpCode computes the RFC 4226 code of `key` at `counter`. Fails with kSecretEmpty, kSecretTooLong,
// kBadDigits, kBadAlgorithm or kCryptoFailure; `*out` is then empty.
[[nodiscard]] Status HotpCode(ByteView key, std::uint64_t counter, const OtpParams& params, OtpCode* out) noexcept;

// TotpStep computes the RFC 6238 §4.2 time step T = floor((unix_time - T0) / period) with T0 = 0.
// Fails with kBadPeriod for period < 1 and kBadTime for a time before T0.
[[nodiscard]] Status TotpStep(std::int64_t unix_time, std::int64_t period, std::uint64_t* step) noexcept;

// TotpCode computes the RFC 6238 code of `key` at `unix_time` (seconds since 1970, 64-bit).
[[nodiscard]] Status TotpCode(ByteView key, std::int64_t unix_time, const OtpParams& params, OtpCode* out) noexcept;

// ParseCode checks that `text` is exactly `digits` ASCII digits ('0'..'9': no sign, no space, no
// full-width digits) and copies it. "12345" is never "012345". Returns kMalformedCode or kBadDigits.
[[nodiscard]] Status ParseCode(std::string_view text, int digits, OtpCode* out) noexcept;

// WindowCheck: the outcome of TotpCheckWindow.
struct WindowMatch {
    bool matched = false;
    std::uint64_t step = 0;  // the accepted time step when matched
    bool replayed = false;   // not matched, but the code is that of a step at or before last_step
};

// TotpCheckWindow checks `code` against every step from T-window to T+window (T the step of unix_time).
// Every candidate is computed and compared in constant time, with no early exit, so the time taken does not
// tell which step (if any) matched. A candidate only counts when it is later than `last_step` (pass
// has_last_step = false for a credential that never accepted a code), which makes every code single-use.
// Of several matching candidates the earliest is chosen. When the code matches only steps that are not
// later than `last_step`, `replayed` is set (for the audit trail; it is still no match). A malformed code is simply no match (after the
// same work), because to a verifier it is just a wrong code. Fails (without matching) with kBadWindow,
// kBadTime, kSecretEmpty, kSecretTooLong, kBadDigits, kBadPeriod or kCryptoFailure.
[[nodiscard]] Status TotpCheckWindow(ByteView key, std::string_view code, const OtpParams& params,
                                     std::int64_t unix_time, int window, bool has_last_step,
                                     std::uint64_t last_step, WindowMatch* out) noexcept;

}  // namespace pg_mfa::core
