// module.cpp: the module's entry: magic block, _PG_init and the security-policy settings.
#include "pg/pg_glue.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);
}

namespace pg_mfa::pg {
namespace {

// Hashing cost for new password hashes. Superuser-only (PGC_SUSET): a login caller must never be able to
// make hashes cheaper. Verification always uses the parameters stored in the hash.
int argon2_memory_kib = static_cast<int>(core::kDefaultArgon2Params.memory_kib);
int argon2_iterations = static_cast<int>(core::kDefaultArgon2Params.iterations);

// The ceiling on hashes a caller hands to mfa.verify_password (the caller chooses their cost, and a crafted
// one at the absolute limits costs seconds and 256 MiB outside PostgreSQL's memory accounting).
// Superuser-only, like the hashing cost.
int verify_max_memory_kib = 131072;  // 128 MB: every OWASP setting, and older libraries' defaults (100 MiB)
int verify_max_iterations = 5;

// A fixed clock for deterministic tests and demos: whole seconds since 1970 as text; empty means the wall
// clock. Text rather than a real, so SHOW prints 2000000000 and not 2e+09.
char* clock_override_text = nullptr;
bool clock_override_set = false;

// Lets a database still at 0.1.0 log users in with this library, counting failures as 0.1.0 did without
// preloading (transactionally: a caller who rolls back gets its guesses back). Off: 0.1.0's flows refuse.
bool legacy_throttle = false;
std::int64_t clock_override_seconds = 0;

// The file of the keys that encrypt TOTP secrets at rest (secret_functions.cpp reads it); empty: none, new
// secrets are stored in plaintext. Reloadable (every backend rereads the file after a reload), superuser-only:
// even its name is hidden from other roles.
char* secret_key_file = nullptr;

// Seconds from 1970 to 9999-12-31, the last day timestamptz input takes.
constexpr std::int64_t kMaxOverrideSeconds = 253402300799;

// ParseOverride reads "" (off) or whole seconds since 1970; no signs, spaces or fractions.
bool ParseOverride(const char* text, bool* set, std::int64_t* seconds) {
    *set = false;
    *seconds = 0;
    if (text == nullptr || *text == '\0') {
        return true;
    }
    std::int64_t value = 0;
    for (const char* p = text; *p != '\0'; ++p) {
        if (*p < '0' || *p > '9' || value > kMaxOverrideSeconds) {
            return false;
        }
        value = value * 10 + (*p - '0');
    }
    if (value > kMaxOverrideSeconds) {
        return false;
    }
    *set = true;
    *seconds = value;
    return true;
}

bool CheckClockOverride(char** newval, void**, GucSource) {
    bool set = false;
    std::int64_t seconds = 0;
    if (!ParseOverride(*newval, &set, &seconds)) {
        GUC_check_errdetail("pg_mfa.clock_override is empty or whole seconds since 1970-01-01 UTC.");
        return false;
    }
    return true;
}

void AssignClockOverride(const char* newval, void*) {
    ParseOverride(newval, &clock_override_set, &clock_override_seconds);
}

// A relative name would be relative to the data directory, where the key must not be.
bool CheckSecretKeyFile(char** newval, void**, GucSource) {
    if (*newval != nullptr && **newval != '\0' && !is_absolute_path(*newval)) {
        GUC_check_errdetail("pg_mfa.secret_key_file must be an absolute path outside the data directory.");
        return false;
    }
    return true;
}

}  // namespace

void DefineSettings() {
    DefineCustomIntVariable("pg_mfa.argon2_memory", "Argon2id memory cost of new password hashes.",
                            "OWASP's minimum for Argon2id is 19 MiB (19456 kB) with 2 iterations. Existing "
                            "hashes keep their parameters; mfa.password_needs_rehash reports weaker ones.",
                            &argon2_memory_kib, static_cast<int>(core::kDefaultArgon2Params.memory_kib),
                            static_cast<int>(core::kMinArgon2MemoryKib),
                            static_cast<int>(core::kMaxArgon2MemoryKib), PGC_SUSET, GUC_UNIT_KB, nullptr,
                            nullptr, nullptr);
    DefineCustomIntVariable("pg_mfa.argon2_iterations", "Argon2id iterations (time cost) of new password hashes.",
                            nullptr, &argon2_iterations, static_cast<int>(core::kDefaultArgon2Params.iterations),
                            1, static_cast<int>(core::kMaxArgon2Iterations), PGC_SUSET, 0, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable("pg_mfa.verify_max_memory",
                            "Largest Argon2 memory cost mfa.verify_password accepts in the hash it is given.",
                            "A hash above it is refused (22023) before any work. The login flows verify the "
                            "stored hashes pg_mfa made, whatever their cost.",
                            &verify_max_memory_kib, 131072, static_cast<int>(core::kMinArgon2MemoryKib),
                            static_cast<int>(core::kMaxArgon2MemoryKib), PGC_SUSET, GUC_UNIT_KB, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable("pg_mfa.verify_max_iterations",
                            "Largest Argon2 iteration count mfa.verify_password accepts in the hash it is given.",
                            nullptr, &verify_max_iterations, 5, 1, static_cast<int>(core::kMaxArgon2Iterations),
                            PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomStringVariable("pg_mfa.clock_override", "Fixed time for pg_mfa's login flows (testing only).",
                               "Whole seconds since 1970-01-01 UTC; empty, the default, uses the wall clock. "
                               "Superuser-only: it decides which codes and tokens are valid.",
                               &clock_override_text, "", PGC_SUSET, 0, CheckClockOverride, AssignClockOverride,
                               nullptr);
    DefineCustomBoolVariable("pg_mfa.legacy_throttle",
                             "Lets databases whose pg_mfa is still at 0.1.0 log users in (for the time of an update).",
                             "0.1.0's functions then count failed attempts transactionally: a caller who rolls "
                             "back gets its guesses back. Off, they raise 55000 until ALTER EXTENSION pg_mfa UPDATE.",
                             &legacy_throttle, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomStringVariable("pg_mfa.secret_key_file", "File of the keys that encrypt TOTP secrets at rest.",
                               "One key per line, key_id:base64 of 32 random bytes; the last one encrypts new "
                               "secrets, the others still decrypt. An absolute path outside the data directory, "
                               "readable by the server's user only. Empty: new secrets are stored in plaintext.",
                               &secret_key_file, "", PGC_SIGHUP, GUC_SUPERUSER_ONLY, CheckSecretKeyFile, nullptr,
                               nullptr);
#if PG_VERSION_NUM >= 150000
    MarkGUCPrefixReserved("pg_mfa");
#else
    EmitWarningsOnPlaceholders("pg_mfa");
#endif
}

bool LegacyThrottleAllowed() noexcept {
    return legacy_throttle;
}

core::Argon2Params CurrentArgon2Params() noexcept {
    core::Argon2Params params;
    params.memory_kib = static_cast<std::uint32_t>(argon2_memory_kib);
    params.iterations = static_cast<std::uint32_t>(argon2_iterations);
    params.parallelism = 1;
    return params;
}

core::Argon2Params VerifyCeiling() noexcept {
    core::Argon2Params ceiling;
    ceiling.memory_kib = static_cast<std::uint32_t>(verify_max_memory_kib);
    ceiling.iterations = static_cast<std::uint32_t>(verify_max_iterations);
    ceiling.parallelism = core::kMaxArgon2Parallelism;
    return ceiling;
}

const char* SecretKeyFile() noexcept {
    return secret_key_file == nullptr ? "" : secret_key_file;
}

TimestampTz CurrentTime() noexcept {
    if (!clock_override_set) {
        return GetCurrentTimestamp();
    }
    const std::int64_t since_2000 =
        clock_override_seconds - static_cast<std::int64_t>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
    return static_cast<TimestampTz>(since_2000 * USECS_PER_SEC);
}

}  // namespace pg_mfa::pg

void _PG_init(void) {
    pg_mfa::pg::DefineThrottle();  // first: DefineSettings reserves the "pg_mfa." prefix at its end
    pg_mfa::pg::DefineSettings();
    pg_mfa::pg::DefineRequestContext();
}
