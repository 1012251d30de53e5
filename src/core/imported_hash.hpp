// imported_hash.hpp: verifying password hashes that applications bring from other systems.
//
//   bcrypt         $2b$12$<22-char salt><31-char checksum>          ($2a$, $2b$, $2y$; libxcrypt computes it)
//   scrypt         $scrypt$ln=16,r=8,p=1$<salt>$<hash>             passlib; standard base64 without padding
//                  scrypt$16384$<salt text>$8$5$<hash>            Django; hash in padded standard base64
//   PBKDF2-SHA256  $pbkdf2-sha256$29000$<salt>$<hash>              passlib; "adapted" base64: '.' for '+',
//                                                                   no padding
//                  pbkdf2_sha256$1000000$<salt text>$<hash>        Django; hash in padded standard base64
//
// scrypt and PBKDF2 are computed by OpenSSL. pg_mfa never makes such hashes: a user whose stored hash is
// one of them gets an Argon2id hash at the next successful login (NeedsRehash is always true for them).
//
// Every parser is strict (decimal numbers without signs or leading zeros, canonical base64, exactly the
// fields its format has) and fails with kHashMalformed for text that is not the format and with
// kHashParamsOutOfRange for parameters outside the ceilings below, which bound the work a supplied hash
// can demand (verify_password takes its cost from the hash its caller gives it).
#pragma once

#include "core/bytes.hpp"
#include "core/password.hpp"
#include "core/status.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pg_mfa::core {

// bcrypt's cost is the base-2 logarithm of its key-expansion rounds: each step doubles the time. Cost 10
// takes some 50-80 ms of one core, 12 (Laravel's and passlib's default) 0.2-0.3 s, and 16 four to five
// seconds: the most a login may reasonably take, and far above any default (pgcrypto's gen_salt('bf') makes
// 6, Devise 12). 4 is bcrypt's own minimum.
constexpr std::uint32_t kMinBcryptCost = 4;
constexpr std::uint32_t kMaxBcryptCost = 16;

// scrypt (RFC 7914): N a power of two from 2 to 2^20, memory 128 N r bytes at most kMaxArgon2MemoryKib
// (256 MiB, the same ceiling as Argon2's, for the same reason: it is a backend's memory outside
// PostgreSQL's accounting), r at most 32, p at most 16. Each of the p lanes passes over the memory twice
// (ROMix fills it, then reads it back), so the work is 2 p times the memory in KiB passes; it is bounded by
// kMaxArgon2Work like Argon2's (2 GiB of memory traffic, a few seconds). passlib's default (2^16, 8, 1: 64
// MiB) and Django's (2^14, 8, 5: 16 MiB five times) are well below every ceiling.
constexpr std::uint32_t kMinScryptLog2N = 1;
constexpr std::uint32_t kMaxScryptLog2N = 20;
constexpr std::uint32_t kMaxScryptBlockSize = 32;   // r
constexpr std::uint32_t kMaxScryptParallelism = 16;  // p
constexpr std::uint64_t kMaxScryptMemoryKib = kMaxArgon2MemoryKib;
constexpr std::uint64_t kMaxScryptWork = kMaxArgon2Work;
constexpr std::size_t kPasslibScryptHashBytes = 32;  // passlib reads and writes exactly 32
constexpr std::size_t kDjangoScryptHashBytes = 64;   // Django always derives 64 and compares whole strings

// PBKDF2-HMAC-SHA256 iterations: 1000 is PKCS #5's (RFC 8018 §4.2) minimum and below anything passlib
// (29000) or Django (20000 in 2014, 1,000,000 in Django 5.2) wrote. 10,000,000 is ten times Django's
// current default: a few seconds of one core.
constexpr std::uint32_t kMinPbkdf2Iterations = 1000;
constexpr std::uint32_t kMaxPbkdf2Iterations = 10000000;
constexpr std::size_t kPbkdf2Sha256HashBytes = 32;  // both formats store exactly one SHA-256 block

// Salts of the imported formats: 1 to 128 bytes (passlib makes 16, Django 22 characters). A Django salt is
// text, used as its bytes: any byte from 0x21 up except '$' and DEL.
constexpr std::size_t kMaxImportedSaltBytes = 128;

// ImportedFormat: which of the formats above a string claims to be, from its prefix alone.
enum class ImportedFormat { kNone, kBcrypt, kPasslibScrypt, kDjangoScrypt, kPasslibPbkdf2Sha256, kDjangoPbkdf2Sha256 };

// DetectImportedFormat tells the format a hash claims by its prefix ("$2a$", "$2b$", "$2y$", "$scrypt$",
// "scrypt$", "$pbkdf2-sha256$", "pbkdf2_sha256$"); kNone for anything else (Argon2, or no known format).
[[nodiscard]] ImportedFormat DetectImportedFormat(std::string_view text) noexcept;

// BcryptHash: a parsed bcrypt string.
struct BcryptHash {
    char minor = 'b';      // 'a', 'b' or 'y': one algorithm in libxcrypt
    std::uint32_t cost = 0;
    std::string setting;   // "$2b$12$" and the 22 salt characters: what crypt() takes
    std::string checksum;  // the last 31 characters
};

// ParseBcryptHash parses exactly 60 characters: "$2" a|b|y "$", two decimal digits of cost, "$", 22 + 31
// characters of bcrypt's base64 alphabet (./A-Za-z0-9), the last one canonical (a multiple of 4 in the
// alphabet: the checksum is 23 bytes). The salt's last character may carry unused bits, which bcrypt ignores
// (some old implementations wrote them). Fails with kHashMalformed or kHashParamsOutOfRange (cost outside
// 4..16).
[[nodiscard]] Status ParseBcryptHash(std::string_view text, BcryptHash* out) noexcept;

// ScryptHash: a parsed passlib or Django scrypt string.
struct ScryptHash {
    ImportedFormat format = ImportedFormat::kPasslibScrypt;
    std::uint32_t log2_n = 0;
    std::uint32_t r = 0;
    std::uint32_t p = 0;
    std::vector<std::uint8_t> salt;
    std::vector<std::uint8_t> hash;
};

// ParseScryptHash parses "$scrypt$ln=L,r=R,p=P$SALT$HASH" (passlib: unpadded standard base64) or
// "scrypt$N$SALT$R$P$HASH" (Django: salt text, hash in padded standard base64). Fails with kHashMalformed
// or kHashParamsOutOfRange (N not a power of two from 2 to 2^20, r or p outside their ranges, memory or
// work above the ceilings, a hash of other than 32 bytes for passlib or 64 for Django).
[[nodiscard]] Status ParseScryptHash(std::string_view text, ScryptHash* out) noexcept;

// Pbkdf2Hash: a parsed passlib or Django PBKDF2-SHA256 string.
struct Pbkdf2Hash {
    ImportedFormat format = ImportedFormat::kPasslibPbkdf2Sha256;
    std::uint32_t iterations = 0;
    std::vector<std::uint8_t> salt;
    std::vector<std::uint8_t> hash;
};

// ParsePbkdf2Sha256Hash parses "$pbkdf2-sha256$I$SALT$HASH" (passlib, adapted base64) or
// "pbkdf2_sha256$I$SALT$HASH" (Django: salt text, hash in padded standard base64). Fails with
// kHashMalformed or kHashParamsOutOfRange (iterations outside 1000..10,000,000, a hash of other than 32
// bytes).
[[nodiscard]] Status ParsePbkdf2Sha256Hash(std::string_view text, Pbkdf2Hash* out) noexcept;

// ComputeBcrypt runs libxcrypt's bcrypt on `password` with `setting` ("$2b$12$" and 22 salt characters)
// and stores the 60-character result in `*out`. bcrypt reads at most the first 72 bytes of a password.
// Fails with kHashMalformed (not a setting), kHashParamsOutOfRange (cost outside 4..16, or a password
// holding a NUL byte, where bcrypt's C string would end, or longer than kMaxPasswordBytes), kAborted,
// kOutOfMemory or kCryptoFailure; `*out` is then empty.
[[nodiscard]] Status ComputeBcrypt(std::string_view password, std::string_view setting, const AbortCheck& abort,
                                   SecretString* out) noexcept;

// ScryptInput: what scrypt (RFC 7914 §6) takes.
struct ScryptInput {
    ByteView password;
    ByteView salt;
    std::uint32_t log2_n = 0;
    std::uint32_t r = 0;
    std::uint32_t p = 0;
    std::size_t output_bytes = 0;
};

// ComputeScrypt derives `output_bytes` (1 to 64) with OpenSSL's scrypt. Fails with kHashParamsOutOfRange
// for parameters outside the ceilings above, kAborted, kOutOfMemory or kCryptoFailure; `*out` is then
// empty.
[[nodiscard]] Status ComputeScrypt(const ScryptInput& input, const AbortCheck& abort, SecretBytes* out) noexcept;

// ComputePbkdf2Sha256 derives `output_bytes` (1 to 64) with OpenSSL's PBKDF2-HMAC-SHA256 (RFC 8018 §5.2)
// and 1 to kMaxPbkdf2Iterations iterations (stored hashes need at least kMinPbkdf2Iterations; the
// function itself takes fewer for the published test vectors). Fails with kHashParamsOutOfRange, kAborted,
// kOutOfMemory or kCryptoFailure; `*out` is then empty.
[[nodiscard]] Status ComputePbkdf2Sha256(ByteView password, ByteView salt, std::uint32_t iterations,
                                         std::size_t output_bytes, const AbortCheck& abort,
                                         SecretBytes* out) noexcept;

// InspectImportedHash parses a hash of one of the imported formats and returns its scheme and the cost of
// verifying it (memory: scrypt's 128 N r bytes in KiB, 0 for the others; work in KiB passes, 0 where
// there is no memory). Fails with the errors of the format's parser, or kHashMalformed for a string of no
// imported format.
[[nodiscard]] Status InspectImportedHash(std::string_view text, PasswordScheme* scheme, HashCost* cost) noexcept;

// VerifyImportedPassword recomputes an imported hash for `password` and compares in constant time. A hash
// whose memory exceeds `max_memory_kib` fails with kHashParamsOutOfRange before any work. A password that
// no system could have hashed (empty, longer than kMaxPasswordBytes, or, for bcrypt, holding a NUL byte) is
// no match, without hashing. Fails with the parser's errors, kAborted, kOutOfMemory or kCryptoFailure
// (`*matches` false).
[[nodiscard]] Status VerifyImportedPassword(std::string_view password, std::string_view text,
                                            std::uint64_t max_memory_kib, const AbortCheck& abort,
                                            bool* matches) noexcept;

}  // namespace pg_mfa::core
