// hmac.cpp: HMAC through OpenSSL 3 EVP_MAC.
#include "core/hmac.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace pg_mfa::core {
namespace {

// FetchHmac returns the process-wide HMAC implementation, fetched once (fetching is costly in OpenSSL 3).
EVP_MAC* FetchHmac() noexcept {
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
    return mac;
}

// MakeTemplate returns a new HMAC context with the algorithm's digest set and no key, or nullptr.
EVP_MAC_CTX* MakeTemplate(HashAlgorithm algorithm) noexcept {
    EVP_MAC* mac = FetchHmac();
    EVP_MAC_CTX* ctx = mac == nullptr ? nullptr : EVP_MAC_CTX_new(mac);
    if (ctx == nullptr) {
        return nullptr;
    }
    // OpenSSL's digest names are the otpauth spellings ("SHA1", "SHA256", "SHA512").
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(AlgorithmUriName(algorithm)), 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_CTX_set_params(ctx, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return nullptr;
    }
    return ctx;
}

// Template returns the process-wide template context of an algorithm, made once (thread-safe static
// initialization): fetching the digest is most of the cost of setting up an HMAC, so Init duplicates a
// template and only sets the key.
EVP_MAC_CTX* Template(HashAlgorithm algorithm) noexcept {
    static EVP_MAC_CTX* const sha1 = MakeTemplate(HashAlgorithm::kSha1);
    static EVP_MAC_CTX* const sha256 = MakeTemplate(HashAlgorithm::kSha256);
    static EVP_MAC_CTX* const sha512 = MakeTemplate(HashAlgorithm::kSha512);
    switch (algorithm) {
        case HashAlgorithm::kSha1:
            return sha1;
        case HashAlgorithm::kSha256:
            return sha256;
        case HashAlgorithm::kSha512:
            return sha512;
    }
    return nullptr;
}

}  // namespace

Hmac::~Hmac() {
    EVP_MAC_CTX_free(ctx_);  // OpenSSL cleanses the key schedule
}

Status Hmac::Init(HashAlgorithm algorithm, ByteView key) noexcept {
    EVP_MAC_CTX* model = Template(algorithm);
    if (model == nullptr || ctx_ != nullptr) {
        return Status::kCryptoFailure;
    }
    ctx_ = EVP_MAC_CTX_dup(model);
    if (ctx_ == nullptr) {
        return Status::kOutOfMemory;
    }
    if (EVP_MAC_init(ctx_, key.data, key.size, nullptr) != 1) {
        EVP_MAC_CTX_free(ctx_);
        ctx_ = nullptr;
        return Status::kCryptoFailure;
    }
    used_ = false;
    return Status::kOk;
}

Status Hmac::Compute(ByteView message, HmacResult* out) noexcept {
    if (ctx_ == nullptr) {
        return Status::kCryptoFailure;
    }
    // After a final, a NULL key restarts the computation with the key already set.
    if (used_ && EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1) {
        return Status::kCryptoFailure;
    }
    used_ = true;
    std::size_t written = 0;
    if (EVP_MAC_update(ctx_, message.data, message.size) != 1 ||
        EVP_MAC_final(ctx_, out->bytes, &written, sizeof out->bytes) != 1 || written < 20) {
        return Status::kCryptoFailure;
    }
    out->size = written;
    return Status::kOk;
}

}  // namespace pg_mfa::core
