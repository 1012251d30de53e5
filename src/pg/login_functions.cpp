// login_functions.cpp: internal primitives of the login flows (src/sql/pg_mfa.sql, section "Login").
//
// These are not granted to anybody: only the extension's SECURITY DEFINER functions call them.
#include "core/encoding.hpp"
#include "core/otp.hpp"
#include "pg/pg_glue.hpp"

extern "C" {
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/elog.h"
#include "utils/builtins.h"
#include "catalog/pg_proc.h"
#include "utils/inval.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(pg_mfa_now);
PG_FUNCTION_INFO_V1(pg_mfa_totp_match);
PG_FUNCTION_INFO_V1(pg_mfa_new_token);
PG_FUNCTION_INFO_V1(pg_mfa_token_digest);
PG_FUNCTION_INFO_V1(pg_mfa_durable);
PG_FUNCTION_INFO_V1(pg_mfa_login_ready);
PG_FUNCTION_INFO_V1(pg_mfa_raise);
PG_FUNCTION_INFO_V1(pg_mfa_read_write);
PG_FUNCTION_INFO_V1(pg_mfa_complete_mfa);
}

namespace core = pg_mfa::core;
using pg_mfa::pg::ArgView;
using pg_mfa::pg::Guarded;
using pg_mfa::pg::ReportStatus;

namespace {

core::Status TokenInto(std::string_view prefix, text** result) noexcept {
    return Guarded([&] {
        core::SecretString token;
        const core::Status status = core::GenerateToken(pg_mfa::pg::PgRandom(), prefix, &token);
        if (status != core::Status::kOk) {
            return status;
        }
        return pg_mfa::pg::TextNoRaise(token.view(), result);
    });
}

core::Status DigestInto(std::string_view token, bytea** result) noexcept {
    return Guarded([&] {
        core::TokenDigest digest;
        const core::Status status = core::DigestToken(token, &digest);
        if (status != core::Status::kOk) {
            return status;
        }
        return pg_mfa::pg::ByteaNoRaise(core::ByteView(digest.data(), digest.size()), result);
    });
}

}  // namespace

// mfa_internal._now() -> timestamptz: the clock every flow reads. The wall clock, or the superuser-only test clock
// pg_mfa.clock_override when it is set.
extern "C" Datum pg_mfa_now(PG_FUNCTION_ARGS) {
    PG_RETURN_TIMESTAMPTZ(pg_mfa::pg::CurrentTime());
}

// mfa_internal._totp_match(secret bytea, code text, at timestamptz, window int, digits int, period int,
//                 algorithm text, last_step bigint) -> bigint
// The time step the code matches within the window and after last_step (NULL: none accepted yet); -1 when
// the code only matches steps already used (a replay, reported as such in the audit trail); NULL for no
// match. Every candidate step is evaluated in constant time. A malformed code is no match, not an error.
extern "C" Datum pg_mfa_totp_match(PG_FUNCTION_ARGS) {
    for (int i = 0; i < 7; ++i) {
        if (PG_ARGISNULL(i)) {
            PG_RETURN_NULL();
        }
    }
    pg_mfa::pg::TotpCheckArgs args;
    pg_mfa::pg::UnpackTotpCheckArgs(fcinfo, 1, &args);
    bytea* secret = PG_GETARG_BYTEA_PP(0);
    core::WindowMatch match;
    const core::Status status = pg_mfa::pg::CheckTotp(core::ByteView(ArgView(secret)), args, &match);
    pg_mfa::pg::WipeArgCopy(reinterpret_cast<struct varlena*>(secret), PG_GETARG_DATUM(0));
    if (status != core::Status::kOk) {
        ReportStatus(status, "secret");
    }
    return pg_mfa::pg::TotpMatchResult(fcinfo, match);
}

// mfa_internal._new_token(prefix text) -> text: prefix + 256 random bits in base64url.
extern "C" Datum pg_mfa_new_token(PG_FUNCTION_ARGS) {
    text* result = nullptr;
    const core::Status status = TokenInto(ArgView(PG_GETARG_TEXT_PP(0)), &result);
    if (status != core::Status::kOk) {
        ReportStatus(status, "token");
    }
    PG_RETURN_TEXT_P(result);
}

// mfa_internal._token_digest(token text) -> bytea: SHA-256 of the token, the only form stored.
extern "C" Datum pg_mfa_token_digest(PG_FUNCTION_ARGS) {
    bytea* result = nullptr;
    const core::Status status = DigestInto(ArgView(PG_GETARG_TEXT_PP(0)), &result);
    if (status != core::Status::kOk) {
        ReportStatus(status, "token");
    }
    PG_RETURN_BYTEA_P(result);
}

// mfa_internal._durable() -> void: the current transaction consumed something (a kli_ token, a time step)
// or made a session: its commit flushes its WAL and waits until the synchronous standbys have it, whatever
// synchronous_commit is (also if the caller lowers it after this call).
extern "C" Datum pg_mfa_durable(PG_FUNCTION_ARGS) {
    pg_mfa::pg::RequireCommitWait(false);
    PG_RETURN_VOID();
}

// mfa_internal._raise(sqlstate text, message text, detail text, hint text) -> void: the login flows' errors
// (a NULL argument, an unknown realm, user or credential). Raised without the error context, so the caller
// sees the message of the public function it called and not the PL/pgSQL frames of the helpers behind it
// ("PL/pgSQL function mfa_internal._realm_id(text) line 10 at RAISE"). The context stack is only
// unlinked for this error: PG_TRY blocks and the top-level error recovery restore their own.
extern "C" Datum pg_mfa_raise(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1)) {
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("sqlstate and message must not be null")));
    }
    const char* state = text_to_cstring(PG_GETARG_TEXT_PP(0));
    const char* message = text_to_cstring(PG_GETARG_TEXT_PP(1));
    const char* detail = PG_ARGISNULL(2) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(2));
    const char* hint = PG_ARGISNULL(3) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(3));
    // An error class: five digits or capital letters, not 00 (success), 01 (warning) or 02 (no data).
    bool valid = std::strlen(state) == 5 && std::strncmp(state, "00", 2) != 0 && std::strncmp(state, "01", 2) != 0 &&
                 std::strncmp(state, "02", 2) != 0;
    for (int i = 0; valid && i < 5; i++) {
        valid = (state[i] >= '0' && state[i] <= '9') || (state[i] >= 'A' && state[i] <= 'Z');
    }
    if (!valid) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid SQLSTATE for an error")));
    }
    error_context_stack = nullptr;
    ereport(ERROR, (errcode(MAKE_SQLSTATE(state[0], state[1], state[2], state[3], state[4])),
                    errmsg_internal("%s", message), detail != nullptr ? errdetail_internal("%s", detail) : 0,
                    hint != nullptr ? errhint("%s", hint) : 0));
    PG_RETURN_VOID();
}

namespace {

// RequireReadWrite raises 25006 unless the current transaction may write.
void RequireReadWrite() {
    if (XactReadOnly) {
        const bool standby = RecoveryInProgress();
        error_context_stack = nullptr;
        ereport(ERROR, (errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
                        errmsg("pg_mfa's login functions need a read-write transaction on the primary"),
                        standby ? errhint("This server is a standby: send the call to the primary (only "
                                          "mfa.validate_session and the primitives work on a standby).")
                                : errhint("The transaction is read-only: call it in a read-write transaction.")));
    }
}

}  // namespace

// mfa_internal._read_write() -> void: raises 25006 unless the current transaction may write. The writing
// flows call it before they look anything up, so a hot standby or a READ ONLY transaction refuses every
// call alike instead of failing later, at a point that depends on whether the user exists.
extern "C" Datum pg_mfa_read_write(PG_FUNCTION_ARGS) {
    RequireReadWrite();
    PG_RETURN_VOID();
}

// mfa_internal._login_ready() -> void: what a login flow checks first, for every caller alike: a read-write
// transaction (25006), then pg_mfa in shared_preload_libraries (55000).
extern "C" Datum pg_mfa_login_ready(PG_FUNCTION_ARGS) {
    RequireReadWrite();
    pg_mfa::pg::RequireThrottle();
    PG_RETURN_VOID();
}

namespace pg_mfa::pg {

void UnpackTotpCheckArgs(FunctionCallInfo fcinfo, int first, TotpCheckArgs* out) {
    out->code = ArgView(PG_GETARG_TEXT_PP(first));
    if (!UnixSeconds(PG_GETARG_TIMESTAMPTZ(first + 1), &out->unix_time)) {
        ReportStatus(core::Status::kBadTime, "at");
    }
    out->window = PG_GETARG_INT32(first + 2);
    out->params.digits = PG_GETARG_INT32(first + 3);
    out->params.period = PG_GETARG_INT32(first + 4);
    if (core::ParseAlgorithm(ArgView(PG_GETARG_TEXT_PP(first + 5)), &out->params.algorithm) != core::Status::kOk) {
        ReportStatus(core::Status::kBadAlgorithm, "algorithm");
    }
    if (!PG_ARGISNULL(first + 6) && PG_GETARG_INT64(first + 6) >= 0) {
        out->has_last_step = true;
        out->last_step = static_cast<std::uint64_t>(PG_GETARG_INT64(first + 6));
    }
}

core::Status CheckTotp(core::ByteView key, const TotpCheckArgs& args, core::WindowMatch* match) noexcept {
    return Guarded([&] {
        return core::TotpCheckWindow(key, args.code, args.params, args.unix_time, args.window, args.has_last_step,
                                     args.last_step, match);
    });
}

Datum TotpMatchResult(FunctionCallInfo fcinfo, const core::WindowMatch& match) {
    if (match.replayed) {
        PG_RETURN_INT64(-1);
    }
    if (!match.matched || match.step > static_cast<std::uint64_t>(PG_INT64_MAX)) {
        PG_RETURN_NULL();
    }
    PG_RETURN_INT64(static_cast<int64>(match.step));
}

}  // namespace pg_mfa::pg

// mfa.complete_mfa(token text, code text) -> TABLE (result, user_id, token, expires_at): the body is the
// PL/pgSQL function mfa_internal._complete_mfa(kli_token text, code text). The public function cannot be
// PL/pgSQL itself (its IN parameter `token` has the name of an output column, which PL/pgSQL refuses), and a
// SQL wrapper would be parsed and planned again at every call (PostgreSQL 15 keeps no plan of a SQL
// function across queries). So the public function hands its own call to the body: same arguments, same
// ReturnSetInfo (the body fills in the result set, materialized). It is SECURITY DEFINER with a search_path
// clause in the script, like every function that reaches protected tables; the body is found by its
// schema-qualified name.
namespace {

Oid complete_mfa_body = InvalidOid;
bool complete_mfa_callback = false;

void ForgetCompleteMfaBody(Datum, int, uint32) {
    complete_mfa_body = InvalidOid;  // any change in pg_proc: look the body up again at the next call
}

Oid CompleteMfaBody() {
    if (!OidIsValid(complete_mfa_body)) {
        if (!complete_mfa_callback) {
            CacheRegisterSyscacheCallback(PROCOID, ForgetCompleteMfaBody, (Datum) 0);
            complete_mfa_callback = true;
        }
        const Oid schema = get_namespace_oid("mfa_internal", false);
        Oid argument_types[2] = {TEXTOID, TEXTOID};
        oidvector* arguments = buildoidvector(argument_types, 2);
        const Oid body = GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid, CStringGetDatum("_complete_mfa"),
                                         PointerGetDatum(arguments), ObjectIdGetDatum(schema));
        if (!OidIsValid(body)) {
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_FUNCTION),
                            errmsg("pg_mfa's function mfa_internal._complete_mfa(text, text) is missing"),
                            errhint("Reinstall pg_mfa.")));
        }
        complete_mfa_body = body;
    }
    return complete_mfa_body;
}

}  // namespace

extern "C" Datum pg_mfa_complete_mfa(PG_FUNCTION_ARGS) {
    const Oid body = CompleteMfaBody();
    FmgrInfo* flinfo = static_cast<FmgrInfo*>(fcinfo->flinfo->fn_extra);
    if (flinfo == nullptr || flinfo->fn_oid != body) {
        flinfo = static_cast<FmgrInfo*>(MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(FmgrInfo)));
        fmgr_info_cxt(body, flinfo, fcinfo->flinfo->fn_mcxt);
        fcinfo->flinfo->fn_extra = flinfo;
    }
    LOCAL_FCINFO(inner, 2);
    InitFunctionCallInfoData(*inner, flinfo, 2, fcinfo->fncollation, fcinfo->context, fcinfo->resultinfo);
    inner->args[0] = fcinfo->args[0];
    inner->args[1] = fcinfo->args[1];
    const Datum result = FunctionCallInvoke(inner);
    fcinfo->isnull = inner->isnull;
    return result;
}
