// aead.cpp: AES-256-GCM through OpenSSL 3 EVP, and sealed TOTP secrets.
#include "core/aead.hpp"

#include "core/otp.hpp"

#include <openssl/evp.h>

#include <climits>
#include <cstring>
#include <memory>
#include <new>

namespace pg_mfa::core {
namespace {

// Cipher returns the process-wide AES-256-GCM implementation, fetched once (fetching is costly in OpenSSL 3).
EVP_CIPHER* Cipher() noexcept {
    static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    return cipher;
}

struct ContextFree {
    void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }  // cleanses the key schedule
};
using Context = std::unique_ptr<EVP_CIPHER_CTX, ContextFree>;

// Start returns a context keyed for encryption or decryption with the nonce set, or nullptr.
Context Start(ByteView key, ByteView nonce, bool encrypt) noexcept {
    EVP_CIPHER* cipher = Cipher();
    if (cipher == nullptr || key.size != kAeadKeyBytes || nonce.size != kAeadNonceBytes) {
        return nullptr;
    }
    Context ctx(EVP_CIPHER_CTX_new());
    if (!ctx) {
        return nullptr;
    }
    // A GCM cipher's IV length is 12 bytes unless set otherwise.
    const int ok = encrypt ? EVP_EncryptInit_ex2(ctx.get(), cipher, key.data, nonce.data, nullptr)
                           : EVP_DecryptInit_ex2(ctx.get(), cipher, key.data, nonce.data, nullptr);
    return ok == 1 ? std::move(ctx) : nullptr;
}

bool FitsInt(std::size_t size) noexcept {
    return size <= static_cast<std::size_t>(INT_MAX);
}

// Feed passes `in` through the cipher to `out` (nullptr: associated data). Returns false when OpenSSL fails.
bool Feed(EVP_CIPHER_CTX* ctx, bool encrypt, ByteView in, std::uint8_t* out) noexcept {
    if (in.size == 0) {
        return true;
    }
    if (!FitsInt(in.size)) {
        return false;
    }
    int written = 0;
    const int n = static_cast<int>(in.size);
    const int ok = encrypt ? EVP_EncryptUpdate(ctx, out, &written, in.data, n)
                           : EVP_DecryptUpdate(ctx, out, &written, in.data, n);
    return ok == 1 && (out == nullptr || written == n);
}

void PutBigEndian(std::int64_t value, std::uint8_t* out) noexcept {
    auto bits = static_cast<std::uint64_t>(value);
    for (int i = 7; i >= 0; --i) {
        out[i] = static_cast<std::uint8_t>(bits & 0xff);
        bits >>= 8;
    }
}

constexpr char kAadLabel[] = "pg_mfa totp v1";

}  // namespace

Status AesGcmEncrypt(ByteView key, ByteView nonce, ByteView aad, ByteView plaintext, std::uint8_t* ciphertext,
                     std::uint8_t* tag) noexcept {
    Context ctx = Start(key, nonce, /*encrypt=*/true);
    if (!ctx || !Feed(ctx.get(), true, aad, nullptr) || !Feed(ctx.get(), true, plaintext, ciphertext)) {
        return Status::kCryptoFailure;
    }
    int tail = 0;
    std::uint8_t scratch[16];  // GCM is a stream mode: Final writes nothing
    if (EVP_EncryptFinal_ex(ctx.get(), scratch, &tail) != 1 || tail != 0 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kAeadTagBytes), tag) != 1) {
        return Status::kCryptoFailure;
    }
    return Status::kOk;
}

Status AesGcmDecrypt(ByteView key, ByteView nonce, ByteView aad, ByteView ciphertext, ByteView tag,
                     std::uint8_t* plaintext) noexcept {
    if (tag.size != kAeadTagBytes) {
        return Status::kCryptoFailure;
    }
    Context ctx = Start(key, nonce, /*encrypt=*/false);
    std::uint8_t tag_copy[kAeadTagBytes];  // OpenSSL's setter takes a non-const pointer
    std::memcpy(tag_copy, tag.data, kAeadTagBytes);
    if (!ctx || !Feed(ctx.get(), false, aad, nullptr) || !Feed(ctx.get(), false, ciphertext, plaintext) ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kAeadTagBytes), tag_copy) != 1) {
        SecureWipe(plaintext, ciphertext.size);
        return Status::kCryptoFailure;
    }
    int tail = 0;
    std::uint8_t scratch[16];
    if (EVP_DecryptFinal_ex(ctx.get(), scratch, &tail) != 1) {
        SecureWipe(plaintext, ciphertext.size);
        return Status::kSealedAuthFailed;
    }
    return Status::kOk;
}

TotpAad TotpSecretAad(std::int64_t credential_id, std::int64_t user_id) noexcept {
    TotpAad aad{};
    static_assert(sizeof kAadLabel - 1 + 16 == sizeof aad, "label and two ids fill the associated data");
    std::memcpy(aad.data(), kAadLabel, sizeof kAadLabel - 1);
    PutBigEndian(credential_id, aad.data() + sizeof kAadLabel - 1);
    PutBigEndian(user_id, aad.data() + sizeof kAadLabel - 1 + 8);
    return aad;
}

Status SealSecret(const RandomSource& random, ByteView key, ByteView aad, ByteView secret,
                  std::vector<std::uint8_t>* out) noexcept {
    out->clear();
    if (secret.size == 0) {
        return Status::kSecretEmpty;
    }
    if (secret.size > kMaxSecretBytes) {
        return Status::kSecretTooLong;
    }
    try {
        out->resize(kSealedOverhead + secret.size);
    } catch (const std::bad_alloc&) {
        return Status::kOutOfMemory;
    }
    std::uint8_t* nonce = out->data();
    std::uint8_t* ciphertext = nonce + kAeadNonceBytes;
    std::uint8_t* tag = ciphertext + secret.size;
    if (random.fill == nullptr || !random.fill(random.context, nonce, kAeadNonceBytes)) {
        out->clear();
        return Status::kRandomFailure;
    }
    const Status status = AesGcmEncrypt(key, ByteView(nonce, kAeadNonceBytes), aad, secret, ciphertext, tag);
    if (status != Status::kOk) {
        out->clear();
    }
    return status;
}

Status OpenSecret(ByteView key, ByteView aad, ByteView sealed, SecretBytes* out) noexcept {
    out->clear();
    if (sealed.size <= kSealedOverhead || sealed.size > kSealedOverhead + kMaxSecretBytes) {
        return Status::kSealedMalformed;
    }
    const std::size_t size = sealed.size - kSealedOverhead;
    try {
        out->resize(size);
    } catch (const std::bad_alloc&) {
        return Status::kOutOfMemory;
    }
    const ByteView nonce(sealed.data, kAeadNonceBytes);
    const ByteView ciphertext(sealed.data + kAeadNonceBytes, size);
    const ByteView tag(sealed.data + kAeadNonceBytes + size, kAeadTagBytes);
    const Status status = AesGcmDecrypt(key, nonce, aad, ciphertext, tag, out->data());
    if (status != Status::kOk) {
        out->clear();
    }
    return status;
}

}  // namespace pg_mfa::core
