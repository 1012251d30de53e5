// throttle_legacy.cpp: the throttle functions that 0.1.0's script names, for a database whose extension is
// still at 0.1.0 while the server runs this library (between installing the new files and ALTER EXTENSION
// pg_mfa UPDATE). They keep 0.1.0's flows working as 0.1.0 did without preloading: the count is the one
// in the table row the flow passes in and writes back, transactional. 0.2.0's flows use throttle.cpp.
#include "core/lockout.hpp"
#include "pg/pg_glue.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "common/int.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/datetime.h"

PG_FUNCTION_INFO_V1(pg_mfa_attempt_check);
PG_FUNCTION_INFO_V1(pg_mfa_attempt_failed);
PG_FUNCTION_INFO_V1(pg_mfa_admit_reset);
PG_FUNCTION_INFO_V1(pg_mfa_throttle_shared);
PG_FUNCTION_INFO_V1(pg_mfa_throttle_sync);
}

namespace {

pg_mfa::core::LockoutState TableState(FunctionCallInfo fcinfo) {
    for (int i = 0; i < 3; ++i) {
        if (PG_ARGISNULL(i)) {
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                            errmsg("pg_mfa: internal throttle function argument %d is null", i + 1)));
        }
    }
    pg_mfa::core::LockoutState state;
    state.failures = PG_GETARG_INT32(2);
    state.locked_until = PG_ARGISNULL(3) ? 0 : PG_GETARG_TIMESTAMPTZ(3);
    return state;
}

TimestampTz FiniteArgument(FunctionCallInfo fcinfo, int argument) {
    if (PG_ARGISNULL(argument) || TIMESTAMP_NOT_FINITE(PG_GETARG_TIMESTAMPTZ(argument))) {
        ereport(ERROR, (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE), errmsg("pg_mfa: the time of an attempt must be finite")));
    }
    return PG_GETARG_TIMESTAMPTZ(argument);
}

int64 Micros(const Interval* interval) {
    int64 days = 0;
    int64 result = 0;
    if (pg_mul_s64_overflow(static_cast<int64>(interval->month), DAYS_PER_MONTH, &days) ||
        pg_add_s64_overflow(days, interval->day, &days) || pg_mul_s64_overflow(days, USECS_PER_DAY, &result) ||
        pg_add_s64_overflow(result, interval->time, &result)) {
        return (interval->month < 0 || interval->day < 0) ? PG_INT64_MIN : PG_INT64_MAX;
    }
    return result;
}

}  // namespace

// 0.1.0's mfa_internal._attempt_check(kind, subject, failures, locked_until, threshold, disable_threshold, now)
extern "C" Datum pg_mfa_attempt_check(PG_FUNCTION_ARGS) {
    const pg_mfa::core::LockoutState state = TableState(fcinfo);
    pg_mfa::core::LockoutPolicy policy;
    policy.threshold = PG_GETARG_INT32(4);
    policy.disable_threshold = PG_GETARG_INT32(5);
    const auto admission = pg_mfa::core::CheckAttempt(policy, FiniteArgument(fcinfo, 6), state);
    PG_RETURN_TEXT_P(cstring_to_text(admission == pg_mfa::core::Admission::kAdmit    ? "admit"
                                     : admission == pg_mfa::core::Admission::kLocked ? "locked"
                                                                                     : "disabled"));
}

// 0.1.0's mfa_internal._attempt_failed(kind, subject, failures, locked_until, threshold, base_delay,
// max_delay, now, OUT new_failures, OUT new_locked_until)
extern "C" Datum pg_mfa_attempt_failed(PG_FUNCTION_ARGS) {
    pg_mfa::core::LockoutState state = TableState(fcinfo);
    pg_mfa::core::LockoutPolicy policy;
    policy.threshold = PG_GETARG_INT32(4);
    policy.base_delay = Micros(PG_GETARG_INTERVAL_P(5));
    policy.max_delay = Micros(PG_GETARG_INTERVAL_P(6));
    pg_mfa::core::RecordFailure(policy, FiniteArgument(fcinfo, 7), &state);
    TupleDesc descriptor;
    if (get_call_result_type(fcinfo, nullptr, &descriptor) != TYPEFUNC_COMPOSITE) {
        elog(ERROR, "pg_mfa: _attempt_failed must return a record");
    }
    descriptor = BlessTupleDesc(descriptor);
    Datum values[2] = {Int32GetDatum(state.failures), TimestampTzGetDatum(state.locked_until)};
    bool nulls[2] = {false, state.locked_until == 0};
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(descriptor, values, nulls)));
}

// 0.1.0's mfa_internal._admit_reset(kind, subject): nothing beyond the table to reset.
extern "C" Datum pg_mfa_admit_reset(PG_FUNCTION_ARGS) {
    PG_RETURN_VOID();
}

// 0.1.0's mfa_internal._throttle_shared(): its shared-memory throttle is gone, so false (0.1.0's
// security report then tells the administrator to finish the upgrade's steps).
extern "C" Datum pg_mfa_throttle_shared(PG_FUNCTION_ARGS) {
    PG_RETURN_BOOL(false);
}

// 0.1.0's mfa_internal._throttle_sync(): the commit flush a counted failure costs.
extern "C" Datum pg_mfa_throttle_sync(PG_FUNCTION_ARGS) {
    ForceSyncCommit();
    PG_RETURN_VOID();
}
