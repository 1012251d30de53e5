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
#if PG_VERSION_NUM >= 150000
    MarkGUCPrefixReserved("pg_mfa");
#else
    EmitWarningsOnPlaceholders("pg_mfa");
#endif
}

core::Argon2Params CurrentArgon2Params() noexcept {
    core::Argon2Params params;
    params.memory_kib = static_cast<std::uint32_t>(argon2_memory_kib);
    params.iterations = static_cast<std::uint32_t>(argon2_iterations);
    params.parallelism = 1;
    return params;
}

}  // namespace pg_mfa::pg

void _PG_init(void) {
    pg_mfa::pg::DefineSettings();
}
