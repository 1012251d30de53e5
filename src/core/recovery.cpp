// recovery.cpp: codes as people type them, and recovery codes.
#include "core/recovery.hpp"

#include <openssl/evp.h>

#include <cstring>

namespace pg_mfa::core {
namespace {

// Crockford's base32 symbols, in value order.
constexpr char kSymbols[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
static_assert(sizeof kSymbols == 33, "32 symbols");

constexpr char kDigestLabel[] = "pg_mfa recovery code v1";  // with its NUL: the label ends before the id

// SymbolOf returns the canonical symbol a typed character stands for, or 0 when it is none.
char SymbolOf(char c) noexcept {
    if (c >= 'a' && c <= 'z') {
        c = static_cast<char>(c - 'a' + 'A');
    }
    switch (c) {
        case 'I':
        case 'L':
            return '1';
        case 'O':
            return '0';
        case 'U':
            return 0;
        default:
            break;
    }
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) {
        return c;
    }
    return 0;
}

bool IsCanonical(std::string_view code) noexcept {
    if (code.size() != kRecoveryCodeChars) {
        return false;
    }
    for (char c : code) {
        if (std::memchr(kSymbols, c, sizeof kSymbols - 1) == nullptr || c == '\0') {
            return false;
        }
    }
    return true;
}

}  // namespace

void ClassifyCode(std::string_view typed, TypedCode* out) noexcept {
    out->kind = CodeKind::kMalformed;
    out->size = 0;
    SecureWipe(out->text, sizeof out->text);
    if (typed.size() > kMaxTypedCodeBytes) {
        return;
    }
    // One pass: keep what is not a separator, up to one more than the longest form (so that overlong
    // input is seen as such), and note whether it was all digits and all recovery symbols.
    char kept[kRecoveryCodeChars + 1];
    std::size_t size = 0;
    bool digits = true;
    bool symbols = true;
    for (char c : typed) {
        if (c == ' ' || c == '-') {
            continue;
        }
        if (size == sizeof kept) {
            SecureWipe(kept, sizeof kept);
            return;
        }
        const char symbol = SymbolOf(c);
        digits = digits && c >= '0' && c <= '9';
        symbols = symbols && symbol != 0;
        kept[size++] = symbol != 0 ? symbol : c;
    }
    if (digits && size >= 6 && size <= 8) {
        out->kind = CodeKind::kTotp;
    } else if (symbols && size == kRecoveryCodeChars) {
        out->kind = CodeKind::kRecovery;
    }
    if (out->kind != CodeKind::kMalformed) {
        std::memcpy(out->text, kept, size);
        out->text[size] = '\0';
        out->size = size;
    }
    SecureWipe(kept, sizeof kept);
}

Status GenerateRecoveryCode(const RandomSource& random, RecoveryCodeText* out) noexcept {
    out->fill('\0');
    std::uint8_t bytes[kRecoveryCodeBytes];
    if (random.fill == nullptr || !random.fill(random.context, bytes, sizeof bytes)) {
        SecureWipe(bytes, sizeof bytes);
        return Status::kRandomFailure;
    }
    // 80 bits, 5 at a time from the most significant end: 16 symbols.
    std::size_t shown = 0;
    std::uint32_t buffer = 0;
    int bits = 0;
    std::size_t next = 0;
    for (std::size_t symbol = 0; symbol < kRecoveryCodeChars; ++symbol) {
        if (bits < 5) {
            buffer = (buffer << 8) | bytes[next++];
            bits += 8;
        }
        bits -= 5;
        const std::uint32_t value = (buffer >> bits) & 0x1fu;
        if (symbol > 0 && symbol % kRecoveryCodeGroup == 0) {
            (*out)[shown++] = '-';
        }
        (*out)[shown++] = kSymbols[value];
    }
    buffer = 0;
    SecureWipe(bytes, sizeof bytes);
    (*out)[shown] = '\0';
    return Status::kOk;
}

Status DigestRecoveryCode(std::int64_t user_id, std::string_view canonical, RecoveryDigest* out) noexcept {
    out->fill(0);
    if (!IsCanonical(canonical)) {
        return Status::kMalformedCode;
    }
    std::uint8_t message[sizeof kDigestLabel + 8 + kRecoveryCodeChars];
    std::memcpy(message, kDigestLabel, sizeof kDigestLabel);
    const auto id = static_cast<std::uint64_t>(user_id);
    for (int i = 0; i < 8; ++i) {
        message[sizeof kDigestLabel + i] = static_cast<std::uint8_t>(id >> (56 - 8 * i));
    }
    std::memcpy(message + sizeof kDigestLabel + 8, canonical.data(), kRecoveryCodeChars);
    unsigned int written = 0;
    const bool ok = EVP_Digest(message, sizeof message, out->data(), &written, EVP_sha256(), nullptr) == 1 &&
                    written == kRecoveryDigestBytes;
    SecureWipe(message, sizeof message);
    if (!ok) {
        out->fill(0);
        return Status::kCryptoFailure;
    }
    return Status::kOk;
}

}  // namespace pg_mfa::core
