// recovery_functions.cpp: internal primitives for codes as people type them and for recovery codes
// (src/sql/pg_mfa.sql, sections "Login: second step" and "Recovery codes").
//
// Granted to nobody: only the extension's SECURITY DEFINER functions call them. They look nothing up by
// name, so they carry no search_path clause.
#include "core/recovery.hpp"
#include "pg/pg_glue.hpp"

extern "C" {
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(pg_mfa_typed_code);
PG_FUNCTION_INFO_V1(pg_mfa_recovery_code_new);
PG_FUNCTION_INFO_V1(pg_mfa_recovery_digest);
}

namespace core = pg_mfa::core;
using pg_mfa::pg::ArgView;
using pg_mfa::pg::Guarded;
using pg_mfa::pg::ReportStatus;

namespace {

// Canonical: the canonical form of a typed code into `*result`, or NULL there when it is malformed.
core::Status Canonical(std::string_view typed, text** result) noexcept {
    return Guarded([&] {
        core::TypedCode code;
        core::ClassifyCode(typed, &code);
        if (code.kind == core::CodeKind::kMalformed) {
            *result = nullptr;
            return core::Status::kOk;
        }
        return pg_mfa::pg::TextNoRaise(code.view(), result);
    });
}

core::Status NewCode(text** result) noexcept {
    return Guarded([&] {
        core::RecoveryCodeText code;
        core::Status status = core::GenerateRecoveryCode(pg_mfa::pg::PgRandom(), &code);
        if (status == core::Status::kOk) {
            status = pg_mfa::pg::TextNoRaise(std::string_view(code.data()), result);
        }
        core::SecureWipe(code.data(), code.size());
        return status;
    });
}

core::Status DigestInto(std::int64_t user_id, std::string_view canonical, bytea** result) noexcept {
    return Guarded([&] {
        core::RecoveryDigest digest;
        const core::Status status = core::DigestRecoveryCode(user_id, canonical, &digest);
        if (status != core::Status::kOk) {
            return status;
        }
        return pg_mfa::pg::ByteaNoRaise(core::ByteView(digest.data(), digest.size()), result);
    });
}

}  // namespace

// mfa_internal._typed_code(code text) -> text: the code a user typed without its spaces and hyphens, in
// canonical form: 6 to 8 digits (a TOTP code) or 16 upper-case symbols (a recovery code); NULL when it
// can be neither, so the flows refuse it without counting a guess.
extern "C" Datum pg_mfa_typed_code(PG_FUNCTION_ARGS) {
    text* result = nullptr;
    const core::Status status = Canonical(ArgView(PG_GETARG_TEXT_PP(0)), &result);
    if (status != core::Status::kOk) {
        ReportStatus(status, "code");
    }
    if (result == nullptr) {
        PG_RETURN_NULL();
    }
    PG_RETURN_TEXT_P(result);
}

// mfa_internal._recovery_code_new() -> text: a fresh recovery code of 80 random bits, as it is shown
// ("7KQ2-M9XD-4TNB-WR3H").
extern "C" Datum pg_mfa_recovery_code_new(PG_FUNCTION_ARGS) {
    text* result = nullptr;
    const core::Status status = NewCode(&result);
    if (status != core::Status::kOk) {
        ReportStatus(status, "recovery code");
    }
    PG_RETURN_TEXT_P(result);
}

// mfa_internal._recovery_digest(user_id bigint, code text) -> bytea: the stored form of a recovery code
// of that user; the code must be canonical (the output of _typed_code), else 22P02.
extern "C" Datum pg_mfa_recovery_digest(PG_FUNCTION_ARGS) {
    bytea* result = nullptr;
    const core::Status status = DigestInto(PG_GETARG_INT64(0), ArgView(PG_GETARG_TEXT_PP(1)), &result);
    if (status != core::Status::kOk) {
        ReportStatus(status, "recovery code");
    }
    PG_RETURN_BYTEA_P(result);
}
