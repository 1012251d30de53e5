// status.hpp: the one way the pure core reports an expected failure.
//
// Core functions never throw and never call PostgreSQL. They return a Status; the PostgreSQL layer maps
// each value to a SQLSTATE and a message (src/pg/status_map.cpp). A Status names what was wrong with an
// input, never the input itself, so no secret can reach an error message through it.
#pragma once

#include "core/core.hpp"

namespace pg_mfa::core {

enum class Status {
    kOk = 0,

    // Text encodings (base32, base64 in PHC strings).
    kBase32BadCharacter,    // a character outside the RFC 4648 alphabet (after spaces and '=' are dropped)
    kBase32BadLength,       // a length no whole number of bytes encodes to
    kBase32NonZeroPadding,  // trailing bits not zero: the text is not the canonical encoding of any key

    // OTP parameters.
    kSecretEmpty,       // the shared secret has no bytes
    kSecretTooLong,     // the shared secret is longer than kMaxSecretBytes
    kBadDigits,         // digits outside 6..8
    kBadPeriod,         // period below 1 second
    kBadAlgorithm,      // not sha1, sha256 or sha512
    kBadCounter,        // a negative counter
    kBadTime,           // a time before the Unix epoch (or before T0)
    kBadWindow,         // a window outside 0..kMaxWindow
    kMalformedCode,     // a code that is not exactly `digits` ASCII digits (only from ParseCode)

    // otpauth URIs.
    kAccountEmpty,     // the account name of a provisioning URI is empty
    kUriFieldTooLong,  // an account name or issuer longer than kMaxUriField bytes
    kUriFieldColon,    // a ':' in an account name or issuer (the label's separator: it would be ambiguous)

    // Passwords.
    kPasswordEmpty,         // a password of zero bytes
    kPasswordTooLong,       // a password longer than kMaxPasswordBytes
    kHashMalformed,         // not a well-formed Argon2 PHC string
    kHashUnsupported,       // a well-formed PHC string of an algorithm or version we do not verify
    kHashParamsOutOfRange,  // Argon2 parameters outside the limits this build accepts

    // Tokens.
    kBadTokenPrefix,  // a token prefix that is not lowercase letters followed by '_'

    // QR codes.
    kQrEmpty,    // no data to encode
    kQrTooLong,  // the data does not fit in the largest QR code

    // Secrets encrypted at rest (AES-256-GCM) and the key file.
    kKeyFileSyntax,          // a key file line that is not `key_id:base64`
    kKeyFileBadKeyId,        // a key id outside [A-Za-z0-9._-]{1,64}
    kKeyFileBadKey,          // a key that is not the padded base64 of exactly 32 bytes
    kKeyFileDuplicateKeyId,  // two lines with the same key id
    kKeyFileNoKeys,          // a key file without a single key
    kSealedMalformed,        // a stored ciphertext too short or too long to be a sealed TOTP secret
    kSealedAuthFailed,       // the GCM tag does not verify: another key, or a ciphertext altered or moved

    // Environment.
    kAborted,         // the abort callback asked to stop (the caller decides whether to retry)
    kOutOfMemory,     // an allocation failed
    kRandomFailure,   // the CSPRNG failed
    kCryptoFailure,   // OpenSSL, libsodium or libargon2 reported an unexpected failure
    kInternal,        // a bug: a state the code believes unreachable
};

// StatusName returns a stable identifier for `status` ("base32_bad_character"), for tests and logs.
// It returns "unknown" for a value outside the enumeration.
[[nodiscard]] const char* StatusName(Status status) noexcept;

}  // namespace pg_mfa::core
