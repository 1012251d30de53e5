// random.cpp: CSPRNG-backed secrets and tokens.
#include "core/random.hpp"

#include "core/encoding.hpp"
#include "core/otp.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <climits>
#include <new>

namespace pg_mfa::core {
namespace {

bool FillFromOpenSsl(void*, std::uint8_t* buffer, std::size_t size) noexcept {
    while (size > 0) {
        const int chunk = size > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(size);
        if (RAND_bytes(buffer, chunk) != 1) {
            return false;
        }
        buffer += chunk;
        size -= static_cast<std::size_t>(chunk);
    }
    return true;
}

bool ValidPrefix(std::string_view prefix) noexcept {
    if (prefix.size() < 2 || prefix.size() > 16 || prefix.back() != '_') {
        return false;
    }
    for (std::size_t i = 0; i + 1 < prefix.size(); ++i) {
        const char c = prefix[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            return false;
        }
    }
    return true;
}

}  // namespace

RandomSource OpenSslRandom() noexcept {
    return RandomSource{&FillFromOpenSsl, nullptr};
}

Status GenerateSecret(const RandomSource& random, std::size_t size, SecretBytes* out) noexcept {
    out->clear();
    if (size == 0) {
        return Status::kSecretEmpty;
    }
    if (size > kMaxSecretBytes) {
        return Status::kSecretTooLong;
    }
    try {
        out->resize(size);
    } catch (const std::bad_alloc&) {
        return Status::kOutOfMemory;
    }
    if (random.fill == nullptr || !random.fill(random.context, out->data(), size)) {
        out->clear();
        return Status::kRandomFailure;
    }
    return Status::kOk;
}

Status GenerateToken(const RandomSource& random, std::string_view prefix, SecretString* out) noexcept {
    out->str().clear();
    if (!ValidPrefix(prefix)) {
        return Status::kBadTokenPrefix;
    }
    std::uint8_t bytes[kTokenBytes];
    if (random.fill == nullptr || !random.fill(random.context, bytes, sizeof bytes)) {
        SecureWipe(bytes, sizeof bytes);
        return Status::kRandomFailure;
    }
    Status status = Status::kOk;
    try {
        out->str().reserve(prefix.size() + 44);
        out->str().append(prefix.data(), prefix.size());
        status = Base64Encode(ByteView(bytes, sizeof bytes), /*url_safe=*/true, &out->str());
    } catch (const std::bad_alloc&) {
        status = Status::kOutOfMemory;
    }
    SecureWipe(bytes, sizeof bytes);
    if (status != Status::kOk) {
        out->str().clear();
    }
    return status;
}

// Sha256 is SHA-256 fetched from OpenSSL's default provider once per process. EVP_sha256() would make every
// digest fetch it again (OpenSSL 3's implicit fetch: a lookup under a lock, about twice the cost of hashing
// a token); a digest runs on every request (validate_session), so it is fetched once.
namespace {
const EVP_MD* Sha256() noexcept {
    static EVP_MD* const fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
}
}  // namespace

Status DigestToken(std::string_view token, TokenDigest* out) noexcept {
    unsigned int written = 0;
    if (EVP_Digest(token.data(), token.size(), out->data(), &written, Sha256(), nullptr) != 1 ||
        written != kTokenDigestBytes) {
        return Status::kCryptoFailure;
    }
    return Status::kOk;
}

}  // namespace pg_mfa::core
