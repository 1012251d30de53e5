// otp.cpp: HOTP (RFC 4226) and TOTP (RFC 6238).
#include "core/otp.hpp"

#include "core/hmac.hpp"

#include <openssl/crypto.h>

#include <cstring>

namespace pg_mfa::core {
namespace {

constexpr std::uint32_t kPowersOfTen[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

// FormatDigits writes `value` as exactly `digits` decimal digits with leading zeros.
void FormatDigits(std::uint32_t value, int digits, OtpCode* out) noexcept {
    out->digits = digits;
    for (int i = digits - 1; i >= 0; --i) {
        out->text[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    out->text[digits] = '\0';
}

// CodeFromMac: RFC 4226 §5.3 dynamic truncation of an HMAC value, reduced to `digits` digits.
void CodeFromMac(const HmacResult& mac, int digits, OtpCode* out) noexcept {
    const unsigned offset = mac.bytes[mac.size - 1] & 0x0f;
    const std::uint32_t binary = (std::uint32_t{mac.bytes[offset]} & 0x7f) << 24 |
                                 std::uint32_t{mac.bytes[offset + 1]} << 16 |
                                 std::uint32_t{mac.bytes[offset + 2]} << 8 | std::uint32_t{mac.bytes[offset + 3]};
    FormatDigits(binary % kPowersOfTen[digits], digits, out);
}

// CounterBytes: RFC 4226 §5.2, the counter as 8 bytes, most significant first.
void CounterBytes(std::uint64_t counter, std::uint8_t out[8]) noexcept {
    for (int i = 7; i >= 0; --i) {
        out[i] = static_cast<std::uint8_t>(counter & 0xff);
        counter >>= 8;
    }
}

Status ValidateKey(ByteView key) noexcept {
    if (key.size == 0) {
        return Status::kSecretEmpty;
    }
    if (key.size > kMaxSecretBytes) {
        return Status::kSecretTooLong;
    }
    return Status::kOk;
}

bool EqualsIgnoringCase(std::string_view a, const char* b) noexcept {
    const std::size_t n = std::strlen(b);
    if (a.size() != n) {
        return false;
    }
    for (std::size_t i = 0; i < n; ++i) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
        if (c != b[i]) {
            return false;
        }
    }
    return true;
}

}  // namespace

Status ParseAlgorithm(std::string_view name, HashAlgorithm* out) noexcept {
    if (EqualsIgnoringCase(name, "sha1")) {
        *out = HashAlgorithm::kSha1;
    } else if (EqualsIgnoringCase(name, "sha256")) {
        *out = HashAlgorithm::kSha256;
    } else if (EqualsIgnoringCase(name, "sha512")) {
        *out = HashAlgorithm::kSha512;
    } else {
        return Status::kBadAlgorithm;
    }
    return Status::kOk;
}

const char* AlgorithmUriName(HashAlgorithm algorithm) noexcept {
    switch (algorithm) {
        case HashAlgorithm::kSha1:
            return "SHA1";
        case HashAlgorithm::kSha256:
            return "SHA256";
        case HashAlgorithm::kSha512:
            return "SHA512";
    }
    return "SHA1";
}

Status ValidateOtpParams(const OtpParams& params) noexcept {
    if (params.digits < kMinDigits || params.digits > kMaxDigits) {
        return Status::kBadDigits;
    }
    if (params.period < 1) {
        return Status::kBadPeriod;
    }
    return Status::kOk;
}

Status HotpCode(ByteView key, std::uint64_t counter, const OtpParams& params, OtpCode* out) noexcept {
    *out = OtpCode{};
    Status status = ValidateKey(key);
    if (status == Status::kOk && (params.digits < kMinDigits || params.digits > kMaxDigits)) {
        status = Status::kBadDigits;
    }
    if (status != Status::kOk) {
        return status;
    }
    Hmac hmac;
    status = hmac.Init(params.algorithm, key);
    if (status != Status::kOk) {
        return status;
    }
    std::uint8_t message[8];
    CounterBytes(counter, message);
    HmacResult mac;
    status = hmac.Compute(ByteView(message, sizeof message), &mac);
    if (status != Status::kOk) {
        return status;
    }
    CodeFromMac(mac, params.digits, out);
    return Status::kOk;
}

Status TotpStep(std::int64_t unix_time, std::int64_t period, std::uint64_t* step) noexcept {
    if (period < 1) {
        return Status::kBadPeriod;
    }
    if (unix_time < 0) {
        return Status::kBadTime;
    }
    *step = static_cast<std::uint64_t>(unix_time / period);
    return Status::kOk;
}

Status TotpCode(ByteView key, std::int64_t unix_time, const OtpParams& params, OtpCode* out) noexcept {
    *out = OtpCode{};
    Status status = ValidateOtpParams(params);
    if (status != Status::kOk) {
        return status;
    }
    std::uint64_t step = 0;
    status = TotpStep(unix_time, params.period, &step);
    if (status != Status::kOk) {
        return status;
    }
    return HotpCode(key, step, params, out);
}

Status ParseCode(std::string_view text, int digits, OtpCode* out) noexcept {
    *out = OtpCode{};
    if (digits < kMinDigits || digits > kMaxDigits) {
        return Status::kBadDigits;
    }
    if (text.size() != static_cast<std::size_t>(digits)) {
        return Status::kMalformedCode;
    }
    for (char c : text) {
        if (c < '0' || c > '9') {
            return Status::kMalformedCode;
        }
    }
    std::memcpy(out->text, text.data(), text.size());
    out->text[digits] = '\0';
    out->digits = digits;
    return Status::kOk;
}

Status TotpCheckWindow(ByteView key, std::string_view code, const OtpParams& params, std::int64_t unix_time,
                       int window, bool has_last_step, std::uint64_t last_step, WindowMatch* out) noexcept {
    *out = WindowMatch{};
    if (window < 0 || window > kMaxWindow) {
        return Status::kBadWindow;
    }
    Status status = ValidateKey(key);
    if (status == Status::kOk) {
        status = ValidateOtpParams(params);
    }
    std::uint64_t now_step = 0;
    if (status == Status::kOk) {
        status = TotpStep(unix_time, params.period, &now_step);
    }
    if (status != Status::kOk) {
        return status;
    }

    // A malformed code is compared like any other, against text no candidate can equal, so a caller
    // learns nothing from timing about why a code failed.
    OtpCode given;
    const bool well_formed = ParseCode(code, params.digits, &given) == Status::kOk;
    if (!well_formed) {
        std::memset(given.text, 'x', static_cast<std::size_t>(params.digits));
        given.digits = params.digits;
    }

    Hmac hmac;
    status = hmac.Init(params.algorithm, key);
    if (status != Status::kOk) {
        return status;
    }

    // Every candidate step is evaluated; the match is selected with masks, not branches.
    std::uint64_t found = 0;
    std::uint64_t stale = 0;
    std::uint64_t chosen = 0;
    const std::uint64_t first = now_step >= static_cast<std::uint64_t>(window) ? now_step - window : 0;
    const std::uint64_t last = now_step + static_cast<std::uint64_t>(window);
    for (std::uint64_t step = first; step <= last; ++step) {
        std::uint8_t message[8];
        CounterBytes(step, message);
        HmacResult mac;
        status = hmac.Compute(ByteView(message, sizeof message), &mac);
        if (status != Status::kOk) {
            return status;
        }
        OtpCode candidate;
        CodeFromMac(mac, params.digits, &candidate);
        const int diff = CRYPTO_memcmp(candidate.text, given.text, static_cast<std::size_t>(params.digits));
        const std::uint64_t equal = (static_cast<std::uint32_t>(diff) - 1u) >> 31;  // 1 iff diff == 0
        const std::uint64_t fresh = has_last_step ? static_cast<std::uint64_t>(step > last_step) : 1u;
        const std::uint64_t hit = equal & fresh & (found ^ 1u);
        const std::uint64_t mask = 0 - hit;
        chosen = (chosen & ~mask) | (step & mask);
        found |= hit;
        stale |= equal & (fresh ^ 1u);
    }
    out->matched = found != 0;
    out->step = chosen;
    out->replayed = found == 0 && stale != 0;
    return Status::kOk;
}

}  // namespace pg_mfa::core
