// password.hpp: Argon2id password hashing in PHC string format.
//
//   $argon2id$v=19$m=19456,t=2,p=1$<salt, base64>$<hash, base64>
//
// Verification also takes hashes imported from other systems (bcrypt, scrypt, PBKDF2-SHA256 in passlib's
// and Django's formats: imported_hash.hpp); new hashes are always Argon2id.
//
// New hashes are made with libsodium's crypto_pwhash (runtime-dispatched SIMD: about 18 ms at the
// defaults on our machines against 28 ms for Debian's portable libargon2). libsodium only computes
// Argon2id with one lane and a 16-byte salt, so hashes imported from elsewhere (argon2-cffi's p=4
// defaults, short salts, Argon2i) are verified with libargon2. Both compute the same function; a unit
// test holds them to each other and to published vectors.
#pragma once

#include "core/bytes.hpp"
#include "core/random.hpp"
#include "core/status.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pg_mfa::core {

struct Argon2Params {
    std::uint32_t memory_kib = 19456;  // m
    std::uint32_t iterations = 2;      // t
    std::uint32_t parallelism = 1;     // p
};

// OWASP's minimum recommendation for Argon2id (Password Storage Cheat Sheet): m=19 MiB, t=2, p=1.
constexpr Argon2Params kDefaultArgon2Params{19456, 2, 1};

constexpr std::size_t kMinPasswordBytes = 1;
constexpr std::size_t kMaxPasswordBytes = 1024;  // longer inputs only add hashing work for an attacker
constexpr std::size_t kPasswordSaltBytes = 16;
constexpr std::size_t kPasswordHashBytes = 32;

// Limits on any hash we compute or verify. They bound the work a stored or supplied PHC string can demand.
constexpr std::uint32_t kMinArgon2MemoryKib = 8;        // per lane, Argon2's own minimum
constexpr std::uint32_t kMaxArgon2MemoryKib = 262144;  // 256 MiB: a backend's memory, outside PostgreSQL's accounting
constexpr std::uint32_t kMaxArgon2Iterations = 64;
constexpr std::uint32_t kMaxArgon2Parallelism = 16;
// Memory times iterations, in KiB passes: 2 GiB of memory traffic, a second or two of one core. OWASP's
// recommended settings are far below it (19 MiB x 2, 46 MiB x 1); so is RFC 9106's second choice (64 MiB x
// 3). Its first choice (2 GiB, one pass) is out of reach on purpose: verify_password takes the parameters
// from the hash it is given, and every connection may run one.
constexpr std::uint64_t kMaxArgon2Work = 2097152;
// Hashes of at most this much work (KiB passes: 64 MiB x 1; some 30 ms of one core with libsodium, up to
// about 60 ms when libargon2 must compute it: p > 1, Argon2i, salts of other than 16 bytes) run on the
// calling thread even when they could be abandoned: a cancellation then waits for the hash to end, and in
// return the hash costs what it costs. On a worker thread, OWASP's 19 MiB x 2 measured 5-10% slower (thread
// start, the waiting thread's wake-ups, the worker's migration between cores; bench/micro/password_bench).
// Every setting OWASP recommends is below it; RFC 9106's 64 MiB x 3 is above.
constexpr std::uint64_t kInlineArgon2Work = 65536;
constexpr std::size_t kMinArgon2SaltBytes = 8;
constexpr std::size_t kMaxArgon2SaltBytes = 64;
constexpr std::size_t kMinArgon2HashBytes = 16;
constexpr std::size_t kMaxArgon2HashBytes = 64;

enum class Argon2Type { kArgon2id, kArgon2i };

// Argon2Backend: which library computes a hash. kAuto picks libsodium whenever it can.
enum class Argon2Backend { kAuto, kLibsodium, kLibargon2 };

// AbortCheck: asked while a slow hash runs; returning true abandons it (kAborted). It is called only
// from the thread that called into the core, so it may read that thread's state (the PostgreSQL layer
// reads InterruptPending). A null `should_abort` means the hash always runs to the end.
struct AbortCheck {
    bool (*should_abort)(void* context) noexcept = nullptr;
    void* context = nullptr;
};

// Argon2Input: everything Argon2 (RFC 9106 §3.1) takes. secret and associated_data are optional and only
// libargon2 supports them (they exist here for RFC 9106's test vector).
struct Argon2Input {
    Argon2Type type = Argon2Type::kArgon2id;
    Argon2Params params;
    ByteView password;
    ByteView salt;
    ByteView secret;
    ByteView associated_data;
    std::size_t output_bytes = kPasswordHashBytes;
};

// ComputeArgon2 computes the raw Argon2 tag (version 0x13). Fails with kHashParamsOutOfRange for inputs
// outside the limits above, kHashUnsupported when the chosen backend cannot compute them, kAborted,
// kOutOfMemory or kCryptoFailure; `*out` is then empty.
[[nodiscard]] Status ComputeArgon2(const Argon2Input& input, Argon2Backend backend, const AbortCheck& abort,
                                   SecretBytes* out) noexcept;

// PhcHash: a parsed Argon2 PHC string.
struct PhcHash {
    Argon2Type type = Argon2Type::kArgon2id;
    std::uint32_t version = 0x13;
    Argon2Params params;
    std::vector<std::uint8_t> salt;
    std::vector<std::uint8_t> hash;
};

// ParsePhcHash parses "$argon2id$v=19$m=M,t=T,p=P$SALT$HASH" strictly (decimal numbers without signs or
// leading zeros, unpadded standard base64 with canonical trailing bits). Fails with kHashMalformed,
// kHashUnsupported (another algorithm, Argon2d, or a version other than 19) or kHashParamsOutOfRange.
[[nodiscard]] Status ParsePhcHash(std::string_view text, PhcHash* out) noexcept;

// FormatPhcHash writes `hash` as a PHC string. Returns kOutOfMemory on failure.
[[nodiscard]] Status FormatPhcHash(const PhcHash& hash, std::string* out) noexcept;

// ValidatePassword checks a password's length: 1 to kMaxPasswordBytes bytes, any byte values, never
// truncated. Returns kPasswordEmpty or kPasswordTooLong.
[[nodiscard]] Status ValidatePassword(std::string_view password) noexcept;

// ValidateHashingParams checks parameters for new hashes: p = 1 (libsodium), memory and iterations within
// the limits. Returns kHashParamsOutOfRange otherwise.
[[nodiscard]] Status ValidateHashingParams(const Argon2Params& params) noexcept;

// HashPassword hashes `password` with a fresh random 16-byte salt into a PHC string. Fails with
// kPasswordEmpty, kPasswordTooLong, kHashParamsOutOfRange, kRandomFailure, kAborted, kOutOfMemory or
// kCryptoFailure; `*out` is then empty.
[[nodiscard]] Status HashPassword(std::string_view password, const Argon2Params& params,
                                  const RandomSource& random, const AbortCheck& abort, std::string* out) noexcept;

// VerifyPassword recomputes the hash in `phc` for `password` and compares in constant time. `phc` is an
// Argon2 PHC string or a hash of one of the imported formats (imported_hash.hpp). A password that could
// never have been hashed (empty, or longer than kMaxPasswordBytes) is simply no match, without hashing.
// Fails with the errors of the hash's parser (ParsePhcHash, or the imported format's), kAborted,
// kOutOfMemory or kCryptoFailure (`*matches` false).
[[nodiscard]] Status VerifyPassword(std::string_view password, std::string_view phc, const AbortCheck& abort,
                                    bool* matches) noexcept;

// VerifyPasswordWithin is VerifyPassword for hashes the caller supplies: an Argon2 hash whose memory or
// iterations exceed `ceiling` (parallelism is not bounded by it), or a scrypt hash whose memory exceeds
// ceiling.memory_kib, fails with kHashParamsOutOfRange before any work. bcrypt and PBKDF2 are bounded by
// their fixed ceilings only (kMaxBcryptCost, kMaxPbkdf2Iterations).
[[nodiscard]] Status VerifyPasswordWithin(std::string_view password, std::string_view phc, const Argon2Params& ceiling,
                                          const AbortCheck& abort, bool* matches) noexcept;

// HashParams returns the Argon2 parameters of a stored hash in `*params` (zero on failure). Fails with the
// ParsePhcHash errors.
[[nodiscard]] Status HashParams(std::string_view phc, Argon2Params* params) noexcept;

// NeedsRehash tells whether a stored hash is weaker than `current` and should be replaced at the next
// successful login: not Argon2id (Argon2i and every imported scheme), memory or iterations below `current`,
// or a salt or tag shorter than we make. Fails with the errors of the hash's parser.
[[nodiscard]] Status NeedsRehash(std::string_view phc, const Argon2Params& current, bool* needs) noexcept;

// PasswordScheme: the algorithm of a stored hash.
enum class PasswordScheme { kArgon2id, kArgon2i, kBcrypt, kScrypt, kPbkdf2Sha256 };

// PasswordSchemeName returns a stable lower-case name for `scheme` ("argon2id", "argon2i", "bcrypt",
// "scrypt", "pbkdf2_sha256"), for audit events; "unknown" for a value outside the enumeration.
[[nodiscard]] const char* PasswordSchemeName(PasswordScheme scheme) noexcept;

// IdentifyPasswordScheme parses `hash` (any format VerifyPassword takes) and stores its scheme in
// `*scheme`. Fails with the errors of the hash's parser; `*scheme` is then kArgon2id.
[[nodiscard]] Status IdentifyPasswordScheme(std::string_view hash, PasswordScheme* scheme) noexcept;

// ValidateImportedHash checks a hash an application brings from elsewhere before it is stored: kOk when
// VerifyPassword could verify it (an Argon2 PHC string or one of the imported formats, within every
// ceiling), else kHashMalformed, kHashUnsupported (a well-formed string of another algorithm, such as
// $argon2d$ or $2x$) or kHashParamsOutOfRange. No hashing happens.
[[nodiscard]] Status ValidateImportedHash(std::string_view hash) noexcept;

// HashCost: what verifying a stored hash takes. memory_kib is memory outside the caller's accounting
// (Argon2's m, scrypt's 128 N r bytes; 0 for bcrypt and PBKDF2), work is memory times passes over it in KiB
// passes (the unit of kInlineArgon2Work; 0 where there is no memory).
struct HashCost {
    std::uint64_t memory_kib = 0;
    std::uint64_t work = 0;
};

// VerificationCost returns in `*cost` what VerifyPasswordWithin(.., hash, ceiling, ..) would compute; it
// fails, without work and with a zero cost, exactly where that function fails before hashing (the parser's
// errors, or kHashParamsOutOfRange above `ceiling`).
[[nodiscard]] Status VerificationCost(std::string_view hash, const Argon2Params& ceiling, HashCost* cost) noexcept;

}  // namespace pg_mfa::core
