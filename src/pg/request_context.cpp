// request_context.cpp: the request context of mfa.begin_request (src/sql/pg_mfa.sql, section "Sessions
// that policies can read").
//
// One context per backend, in plain static memory: the session, user and assurance that begin_request
// computed from the live rows. It is not a setting: nothing but the SECURITY DEFINER functions that validate
// a kss_ token can write it (mfa_internal._set_request is granted to nobody), so SET and set_config cannot
// forge it. It lives until the transaction ends (commit, abort or PREPARE: a transaction callback clears
// it), and a rolled-back subtransaction that set it clears it too (fail closed: the context of before is
// not brought back). Parallel workers cannot see it: the functions that read it are PARALLEL RESTRICTED.
#include "pg/pg_glue.hpp"

extern "C" {
#include "access/xact.h"
#include "utils/builtins.h"
#include "utils/elog.h"

PG_FUNCTION_INFO_V1(pg_mfa_set_request);
PG_FUNCTION_INFO_V1(pg_mfa_request_session);
PG_FUNCTION_INFO_V1(pg_mfa_user_id);
PG_FUNCTION_INFO_V1(pg_mfa_aal);
PG_FUNCTION_INFO_V1(pg_mfa_mfa_age);
PG_FUNCTION_INFO_V1(pg_mfa_require_aal2);
PG_FUNCTION_INFO_V1(pg_mfa_require_fresh_mfa);
}

namespace {

// A plain struct (no destructor): it may be cleared from any callback.
struct RequestContext {
    bool set = false;
    int64 session_id = 0;
    int64 user_id = 0;
    bool aal2 = false;          // a second factor was checked on the session and the user has an active device
    TimestampTz mfa_at = 0;     // when, valid only with aal2
    SubTransactionId subxact = InvalidSubTransactionId;  // the subtransaction that set it
};

RequestContext context;

void ClearContext() noexcept {
    context = RequestContext();
}

void RequestXactCallback(XactEvent event, void*) {
    switch (event) {
    case XACT_EVENT_COMMIT:
    case XACT_EVENT_PARALLEL_COMMIT:
    case XACT_EVENT_ABORT:
    case XACT_EVENT_PARALLEL_ABORT:
    case XACT_EVENT_PREPARE:
        ClearContext();
        break;
    default:
        break;
    }
}

void RequestSubXactCallback(SubXactEvent event, SubTransactionId subxact, SubTransactionId parent, void*) {
    if (!context.set || context.subxact < subxact) {
        return;  // set before this subtransaction began (or not at all): its end changes nothing
    }
    if (event == SUBXACT_EVENT_COMMIT_SUB) {
        context.subxact = parent;  // RELEASE: the parent owns it now
    } else if (event == SUBXACT_EVENT_ABORT_SUB) {
        ClearContext();
    }
}

// RaiseAssurance raises the class-28 errors of mfa.require_aal2 and mfa.require_fresh_mfa, without the
// PL/pgSQL or SQL frames of a policy or trigger that called them in its context.
pg_attribute_noreturn() void RaiseAssurance(bool no_session, const char* message, const char* hint) {
    ereport(ERROR, (no_session ? errcode(MAKE_SQLSTATE('2', '8', 'M', 'F', '0'))
                               : errcode(MAKE_SQLSTATE('2', '8', 'M', 'F', '1')),
                    errmsg("%s", message), errhint("%s", hint)));
    pg_unreachable();
}

void RequireSession() {
    if (!context.set) {
        RaiseAssurance(true, "no pg_mfa session in this transaction",
                       "Call mfa.begin_request with the session token first, in the same transaction.");
    }
}

}  // namespace

namespace pg_mfa::pg {

void DefineRequestContext() {
    RegisterXactCallback(RequestXactCallback, nullptr);
    RegisterSubXactCallback(RequestSubXactCallback, nullptr);
}

}  // namespace pg_mfa::pg

// mfa_internal._set_request(session_id bigint, user_id bigint, aal2 boolean, mfa_at timestamptz) -> void:
// sets this transaction's request context; a NULL session_id clears it. Only begin_request and step_up call
// it, with what they read from the live rows.
extern "C" Datum pg_mfa_set_request(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1)) {
        ClearContext();
        PG_RETURN_VOID();
    }
    RequestContext next;
    next.set = true;
    next.session_id = PG_GETARG_INT64(0);
    next.user_id = PG_GETARG_INT64(1);
    next.aal2 = !PG_ARGISNULL(2) && PG_GETARG_BOOL(2) && !PG_ARGISNULL(3);
    next.mfa_at = next.aal2 ? PG_GETARG_TIMESTAMPTZ(3) : 0;
    next.subxact = GetCurrentSubTransactionId();
    context = next;
    PG_RETURN_VOID();
}

// mfa_internal._request_session() -> bigint: the session of this transaction's context, NULL without one.
extern "C" Datum pg_mfa_request_session(PG_FUNCTION_ARGS) {
    if (!context.set) {
        PG_RETURN_NULL();
    }
    PG_RETURN_INT64(context.session_id);
}

// mfa.user_id() -> bigint: the user of this transaction's context (mfa.begin_request), NULL without one.
extern "C" Datum pg_mfa_user_id(PG_FUNCTION_ARGS) {
    if (!context.set) {
        PG_RETURN_NULL();
    }
    PG_RETURN_INT64(context.user_id);
}

// mfa.aal() -> text: 'aal1' or 'aal2' for this transaction's context, NULL without one.
extern "C" Datum pg_mfa_aal(PG_FUNCTION_ARGS) {
    if (!context.set) {
        PG_RETURN_NULL();
    }
    PG_RETURN_TEXT_P(cstring_to_text(context.aal2 ? "aal2" : "aal1"));
}

// mfa.mfa_age() -> interval: how long ago the context's second factor was checked (pg_mfa's clock, read at
// each call), NULL without a context or at aal1.
extern "C" Datum pg_mfa_mfa_age(PG_FUNCTION_ARGS) {
    if (!context.set || !context.aal2) {
        PG_RETURN_NULL();
    }
    return DirectFunctionCall2(timestamp_mi, TimestampTzGetDatum(pg_mfa::pg::CurrentTime()),
                               TimestampTzGetDatum(context.mfa_at));
}

// mfa.require_aal2() -> boolean: true when this transaction's context is at aal2; else raises 28MF0 (no
// context) or 28MF1 (a step-up is needed).
extern "C" Datum pg_mfa_require_aal2(PG_FUNCTION_ARGS) {
    RequireSession();
    if (!context.aal2) {
        RaiseAssurance(false, "this action requires a second factor",
                       "Check a code with mfa.step_up in this transaction.");
    }
    PG_RETURN_BOOL(true);
}

// mfa.require_fresh_mfa(max_age interval) -> boolean: true when the context's second factor was checked at
// most max_age ago; else raises 28MF0 (no context) or 28MF1. A NULL or negative max_age raises 22004/22023.
extern "C" Datum pg_mfa_require_fresh_mfa(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0)) {
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("max_age must not be null")));
    }
    Interval* max_age = PG_GETARG_INTERVAL_P(0);
    Interval zero = {};
    if (DatumGetBool(DirectFunctionCall2(interval_lt, IntervalPGetDatum(max_age), IntervalPGetDatum(&zero)))) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("max_age must be a non-negative interval")));
    }
    RequireSession();
    if (!context.aal2) {
        RaiseAssurance(false, "this action requires a second factor",
                       "Check a code with mfa.step_up in this transaction.");
    }
    // Deadline arithmetic, not interval comparison: the age is exact whatever the interval's units.
    const Datum deadline = DirectFunctionCall2(timestamptz_pl_interval, TimestampTzGetDatum(context.mfa_at),
                                               IntervalPGetDatum(max_age));
    if (pg_mfa::pg::CurrentTime() > DatumGetTimestampTz(deadline)) {
        RaiseAssurance(false, "this action requires a recent second factor",
                       "Check a code with mfa.step_up in this transaction.");
    }
    PG_RETURN_BOOL(true);
}
