// aead.hpp: AES-256-GCM (NIST SP 800-38D) through OpenSSL 3, and the sealed form of a TOTP secret at rest.
//
// A sealed secret is nonce (12 bytes) || ciphertext (as long as the secret) || tag (16 bytes). The nonce is
// fresh random bytes for every encryption (SP 800-38D §8.2.2, RBG-based construction); the associated data
// binds the ciphertext to its row (TotpSecretAad), so a ciphertext copied to another credential does not
// decrypt there.
#pragma once

#include "core/bytes.hpp"
#include "core/random.hpp"
#include "core/status.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace pg_mfa::core {

constexpr std::size_t kAeadKeyBytes = 32;    // AES-256
constexpr std::size_t kAeadNonceBytes = 12;  // SP 800-38D §5.2.1.1: 96-bit IVs
constexpr std::size_t kAeadTagBytes = 16;    // the full 128-bit tag
constexpr std::size_t kSealedOverhead = kAeadNonceBytes + kAeadTagBytes;

// AesGcmEncrypt encrypts `plaintext` under the 32-byte `key` and 12-byte `nonce`, authenticating `aad` too,
// and writes plaintext.size bytes to `ciphertext` and kAeadTagBytes to `tag`. Returns kCryptoFailure for a
// key or nonce of another size or when OpenSSL fails.
[[nodiscard]] Status AesGcmEncrypt(ByteView key, ByteView nonce, ByteView aad, ByteView plaintext,
                                   std::uint8_t* ciphertext, std::uint8_t* tag) noexcept;

// AesGcmDecrypt writes the plaintext of `ciphertext` (ciphertext.size bytes) to `plaintext` once the
// kAeadTagBytes `tag` verifies over the ciphertext and `aad`. Returns kSealedAuthFailed when it does not (a
// wrong key, or altered ciphertext, tag, nonce or associated data; `plaintext` is then wiped), and
// kCryptoFailure for a key, nonce or tag of another size or when OpenSSL fails.
[[nodiscard]] Status AesGcmDecrypt(ByteView key, ByteView nonce, ByteView aad, ByteView ciphertext, ByteView tag,
                                   std::uint8_t* plaintext) noexcept;

// TotpAad: the associated data of a sealed TOTP secret.
using TotpAad = std::array<std::uint8_t, 30>;

// TotpSecretAad returns "pg_mfa totp v1" followed by the credential id and the user id, each as 8 bytes,
// most significant first: the row a sealed secret belongs to.
[[nodiscard]] TotpAad TotpSecretAad(std::int64_t credential_id, std::int64_t user_id) noexcept;

// SealSecret replaces `*out` with a sealed `secret`: a fresh nonce from `random`, the ciphertext and the tag.
// Fails with kSecretEmpty, kSecretTooLong (over kMaxSecretBytes), kRandomFailure, kCryptoFailure or
// kOutOfMemory; `*out` is then empty.
[[nodiscard]] Status SealSecret(const RandomSource& random, ByteView key, ByteView aad, ByteView secret,
                                std::vector<std::uint8_t>* out) noexcept;

// OpenSecret replaces `*out` with the secret `sealed` holds. Fails with kSealedMalformed (a value too short or
// too long to be a sealed secret), kSealedAuthFailed, kCryptoFailure or kOutOfMemory; `*out` is then empty.
[[nodiscard]] Status OpenSecret(ByteView key, ByteView aad, ByteView sealed, SecretBytes* out) noexcept;

}  // namespace pg_mfa::core
