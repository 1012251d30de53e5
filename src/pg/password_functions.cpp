// password_functions.cpp: SQL primitives for password hashes: Argon2id made, Argon2 and imported schemes
// (bcrypt, scrypt, PBKDF2-SHA256) verified.
#include "pg/pg_glue.hpp"

extern "C" {
#include "miscadmin.h"

PG_FUNCTION_INFO_V1(pg_mfa_hash_password);
PG_FUNCTION_INFO_V1(pg_mfa_verify_password);
PG_FUNCTION_INFO_V1(pg_mfa_password_needs_rehash);
PG_FUNCTION_INFO_V1(pg_mfa_password_check);
PG_FUNCTION_INFO_V1(pg_mfa_check_imported_hash);
}

namespace core = pg_mfa::core;
using pg_mfa::pg::ArgView;
using pg_mfa::pg::Guarded;
using pg_mfa::pg::ReportStatus;

namespace {

core::Status HashInto(std::string_view password, const core::Argon2Params& params, const core::AbortCheck& abort,
                      text** result) noexcept {
    return Guarded([&] {
        std::string phc;
        const core::Status status = core::HashPassword(password, params, pg_mfa::pg::PgRandom(), abort, &phc);
        if (status != core::Status::kOk) {
            return status;
        }
        return pg_mfa::pg::TextNoRaise(phc, result);
    });
}

// DecoyInto does the work a verification would, for a user without a hash: one Argon2id computation at the
// current parameters (what a fresh hash costs), so "no such user" takes as long as "wrong password".
core::Status DecoyInto(std::string_view password, const core::Argon2Params& params,
                       const core::AbortCheck& abort) noexcept {
    return Guarded([&] {
        if (core::ValidatePassword(password) != core::Status::kOk) {
            return core::Status::kOk;  // a real verification does no work for these either
        }
        std::string discarded;
        return core::HashPassword(password, params, pg_mfa::pg::PgRandom(), abort, &discarded);
    });
}

core::Status VerifyInto(std::string_view password, std::string_view phc, const core::AbortCheck& abort,
                        bool* matches) noexcept {
    return Guarded([&] { return core::VerifyPassword(password, phc, abort, matches); });
}

core::Status VerifyWithinInto(std::string_view password, std::string_view phc, const core::Argon2Params& ceiling,
                              const core::AbortCheck& abort, bool* matches) noexcept {
    return Guarded([&] { return core::VerifyPasswordWithin(password, phc, ceiling, abort, matches); });
}

// IsLarge: whether a hash of this work (memory KiB times iterations) counts against pg_mfa.max_large_hashes:
// the hashes that run on a worker thread, with their memory outside PostgreSQL's accounting.
bool IsLarge(std::uint64_t work) noexcept {
    return work > core::kInlineArgon2Work;
}

std::uint64_t ParamsWork(const core::Argon2Params& params) noexcept {
    return static_cast<std::uint64_t>(params.memory_kib) * params.iterations;
}

// StoredWork: the work of verifying a stored hash within `ceiling` (Argon2, or scrypt's memory times its
// passes); zero for one that does not parse or is above the ceiling (its verification fails at once,
// without work), and for bcrypt and PBKDF2, which take no memory.
std::uint64_t StoredWork(std::string_view hash, const core::Argon2Params& ceiling) noexcept {
    core::HashCost cost;
    (void) Guarded([&] { return core::VerificationCost(hash, ceiling, &cost); });
    return cost.work;
}

// The entry points below wrap RunCancellable in PG_TRY/PG_FINALLY (only trivially destructible objects
// are alive there) so the copy of the password is wiped even when a cancel raises.

// RunCancellable runs a slow phase-2 body with an abort check bound to PostgreSQL's cancel flags. When the
// body gives up, CHECK_FOR_INTERRUPTS() runs (no C++ object is alive here) and raises the cancel or
// termination. Should it not raise (a cancel PostgreSQL decides to ignore, or interrupts held off), the
// work starts again, and if the flag is still set it runs to the end without an abort check.
template <class Body>
core::Status RunCancellable(Body&& body) {
    core::AbortCheck abort = pg_mfa::pg::InterruptAbortCheck();
    for (;;) {
        const core::Status status = body(abort);
        if (status != core::Status::kAborted) {
            return status;
        }
        CHECK_FOR_INTERRUPTS();
        if (QueryCancelPending || ProcDiePending || ClientConnectionLost) {
            abort = core::AbortCheck{};
        }
    }
}

}  // namespace

// mfa.hash_password(password text) -> text
extern "C" Datum pg_mfa_hash_password(PG_FUNCTION_ARGS) {
    text* password = PG_GETARG_TEXT_PP(0);
    const core::Argon2Params params = pg_mfa::pg::CurrentArgon2Params();
    text* result = nullptr;
    core::Status status = core::Status::kInternal;
    const bool large = IsLarge(ParamsWork(params));
    if (large) {
        pg_mfa::pg::AcquireLargeHash();
    }
    PG_TRY();
    {
        status = RunCancellable(
            [&](const core::AbortCheck& abort) { return HashInto(ArgView(password), params, abort, &result); });
    }
    PG_FINALLY();
    {
        pg_mfa::pg::WipeArgCopy(reinterpret_cast<struct varlena*>(password), PG_GETARG_DATUM(0));
        if (large) {
            pg_mfa::pg::ReleaseLargeHash();
        }
    }
    PG_END_TRY();
    if (status != core::Status::kOk) {
        ReportStatus(status, "password");
    }
    PG_RETURN_TEXT_P(result);
}

// mfa.verify_password(password text, hash text) -> boolean
// The caller supplies the hash, and with it the cost: parameters above pg_mfa.verify_max_memory and
// verify_max_iterations are refused before any work, and a large hash waits for a slot
// (pg_mfa.max_large_hashes).
extern "C" Datum pg_mfa_verify_password(PG_FUNCTION_ARGS) {
    text* password = PG_GETARG_TEXT_PP(0);
    text* hash = PG_GETARG_TEXT_PP(1);
    const core::Argon2Params ceiling = pg_mfa::pg::VerifyCeiling();
    bool matches = false;
    core::Status status = core::Status::kInternal;
    // A hash above the ceiling is refused without work, so it takes no large-hash slot either.
    const bool large = IsLarge(StoredWork(ArgView(hash), ceiling));
    if (large) {
        pg_mfa::pg::AcquireLargeHash();
    }
    PG_TRY();
    {
        status = RunCancellable([&](const core::AbortCheck& abort) {
            return VerifyWithinInto(ArgView(password), ArgView(hash), ceiling, abort, &matches);
        });
    }
    PG_FINALLY();
    {
        pg_mfa::pg::WipeArgCopy(reinterpret_cast<struct varlena*>(password), PG_GETARG_DATUM(0));
        if (large) {
            pg_mfa::pg::ReleaseLargeHash();
        }
    }
    PG_END_TRY();
    if (status != core::Status::kOk) {
        ReportStatus(status, "hash");
    }
    PG_RETURN_BOOL(matches);
}

// mfa.password_needs_rehash(hash text) -> boolean
extern "C" Datum pg_mfa_password_needs_rehash(PG_FUNCTION_ARGS) {
    text* hash = PG_GETARG_TEXT_PP(0);
    const core::Argon2Params current = pg_mfa::pg::CurrentArgon2Params();
    bool needs = false;
    const core::Status status =
        Guarded([&] { return core::NeedsRehash(ArgView(hash), current, &needs); });
    if (status != core::Status::kOk) {
        ReportStatus(status, "hash");
    }
    PG_RETURN_BOOL(needs);
}

// mfa_internal._password_check(password text, hash text) -> boolean
// verify_password for the login flow: a NULL hash (unknown user, or no password set) costs the same work
// as a real verification and is false. A NULL password is false.
extern "C" Datum pg_mfa_password_check(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0)) {
        PG_RETURN_BOOL(false);
    }
    text* password = PG_GETARG_TEXT_PP(0);
    text* hash = PG_ARGISNULL(1) ? nullptr : PG_GETARG_TEXT_PP(1);
    const core::Argon2Params params = pg_mfa::pg::CurrentArgon2Params();
    bool matches = false;
    core::Status status = core::Status::kInternal;
    const core::Argon2Params unbounded{core::kMaxArgon2MemoryKib, core::kMaxArgon2Iterations,
                                       core::kMaxArgon2Parallelism};
    const bool large = IsLarge(hash == nullptr ? ParamsWork(params) : StoredWork(ArgView(hash), unbounded));
    if (large) {
        pg_mfa::pg::AcquireLargeHash();
    }
    PG_TRY();
    {
        status = RunCancellable([&](const core::AbortCheck& abort) {
            return hash == nullptr ? DecoyInto(ArgView(password), params, abort)
                                   : VerifyInto(ArgView(password), ArgView(hash), abort, &matches);
        });
    }
    PG_FINALLY();
    {
        pg_mfa::pg::WipeArgCopy(reinterpret_cast<struct varlena*>(password), PG_GETARG_DATUM(0));
        if (large) {
            pg_mfa::pg::ReleaseLargeHash();
        }
    }
    PG_END_TRY();
    if (status != core::Status::kOk) {
        ReportStatus(status, "stored password hash");
    }
    PG_RETURN_BOOL(matches);
}

// mfa_internal._check_imported_hash(hash text) -> text
// The scheme of a hash an application brings from another system ("bcrypt", "argon2id", ...), once it is
// known that a login could verify it: well formed (else 22P02), of a scheme pg_mfa verifies (else 0A000),
// within the fixed cost ceilings (else 22023). No hashing; the messages never show the hash.
extern "C" Datum pg_mfa_check_imported_hash(PG_FUNCTION_ARGS) {
    text* hash = PG_GETARG_TEXT_PP(0);
    core::PasswordScheme scheme = core::PasswordScheme::kArgon2id;
    const core::Status status = Guarded([&] { return core::IdentifyPasswordScheme(ArgView(hash), &scheme); });
    if (status != core::Status::kOk) {
        ReportStatus(status, "hash");
    }
    text* result = nullptr;
    const core::Status built = pg_mfa::pg::TextNoRaise(core::PasswordSchemeName(scheme), &result);
    if (built != core::Status::kOk) {
        ReportStatus(built, "hash");
    }
    PG_RETURN_TEXT_P(result);
}
