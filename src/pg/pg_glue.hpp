// pg_glue.hpp: what every file of the PostgreSQL layer shares.
//
// The boundary rules (STYLE.md §2): every SQL entry point has three phases.
//   1. Unpack the arguments with the PostgreSQL API (may raise).
//   2. One call into a `noexcept` function whose C++ objects all die when it returns. Inside, nothing may
//      raise: no ereport, no palloc that can fail, no function that can longjmp. Its result is a
//      core::Status plus plain pointers (values built with the *NoRaise helpers below).
//   3. Report: raise with ReportStatus, or build and return the Datum.
#pragma once

#include "core/password.hpp"
#include "core/random.hpp"
#include "core/status.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <new>
#include <string_view>

extern "C" {
#include "postgres.h"

#include "access/attnum.h"
#include "fmgr.h"
#include "utils/timestamp.h"
}

namespace pg_mfa::pg {

// ReportStatus raises the error that `status` stands for (SQLSTATE and message from status_map.cpp).
// `what` names the argument at fault ("secret", "hash") for messages that need it; never its value.
pg_attribute_noreturn() void ReportStatus(core::Status status, const char* what);

// TextNoRaise copies `value` into a new text value in CurrentMemoryContext and stores it in `*out`. It
// never raises, so phase 2 may call it: it returns kOutOfMemory (and stores nullptr) when memory is short
// or the value would be too large.
core::Status TextNoRaise(std::string_view value, text** out) noexcept;

// ByteaNoRaise is TextNoRaise for bytea.
core::Status ByteaNoRaise(core::ByteView value, bytea** out) noexcept;

// ArgView returns the bytes of a text or bytea argument without copying.
inline std::string_view ArgView(const struct varlena* value) {
    return std::string_view(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value));
}

// WipeArgCopy zeroes a detoasted copy of a secret argument before it is freed; an argument that is not a
// copy belongs to the caller and is left alone.
void WipeArgCopy(struct varlena* value, Datum original);

// UnixSeconds converts a timestamptz to seconds since 1970 (rounded down). Returns false for ±infinity.
bool UnixSeconds(TimestampTz timestamp, std::int64_t* out) noexcept;

// PgRandom: pg_strong_random as the core's RandomSource.
core::RandomSource PgRandom() noexcept;

// InterruptAbortCheck: an AbortCheck that stops slow work when PostgreSQL has a cancel pending (query
// cancel, statement_timeout, backend termination, lost client). It only reads the flags the signal
// handlers set; the caller runs CHECK_FOR_INTERRUPTS() once its C++ block has ended.
core::AbortCheck InterruptAbortCheck() noexcept;

// CurrentArgon2Params: the hashing parameters of the superuser-only pg_mfa.argon2_* settings.
core::Argon2Params CurrentArgon2Params() noexcept;

// VerifyCeiling: the largest hash parameters mfa.verify_password accepts (pg_mfa.verify_max_*).
core::Argon2Params VerifyCeiling() noexcept;

// AcquireLargeHash waits until fewer than pg_mfa.max_large_hashes hashes of more than
// core::kInlineArgon2Work run in the cluster, and counts this one (throttle.cpp; nothing is counted when pg_mfa
// is not preloaded). It services interrupts while it waits. ReleaseLargeHash ends the count; a backend
// that exits while counted is uncounted on exit.
void AcquireLargeHash();
void ReleaseLargeHash() noexcept;

// SecretKeyFile: pg_mfa.secret_key_file, the key file's name ("" when not set).
const char* SecretKeyFile() noexcept;

// CurrentTime: the wall clock, or the superuser-only test clock pg_mfa.clock_override when set.
TimestampTz CurrentTime() noexcept;

// Guarded runs `body` (a callable returning core::Status) and turns any C++ exception into a Status, so
// none can cross into PostgreSQL's C frames.
template <class Body>
core::Status Guarded(Body&& body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return core::Status::kOutOfMemory;
    } catch (...) {
        return core::Status::kInternal;
    }
}

// TotpCheckArgs: what a TOTP window check takes besides the key (mfa_internal._totp_match and
// _totp_match_sealed).
struct TotpCheckArgs {
    std::string_view code;
    core::OtpParams params;
    std::int64_t unix_time = 0;
    int window = 0;
    bool has_last_step = false;
    std::uint64_t last_step = 0;
};

// UnpackTotpCheckArgs reads the arguments code, at, window, digits, period, algorithm and last_step (NULL or
// negative: none accepted yet) at positions first to first + 6. The caller has checked that the first six are
// not NULL. Raises 22023 for an infinite time or an unknown algorithm (login_functions.cpp).
void UnpackTotpCheckArgs(FunctionCallInfo fcinfo, int first, TotpCheckArgs* out);

// CheckTotp runs the window check of `args` against `key` (core::TotpCheckWindow).
core::Status CheckTotp(core::ByteView key, const TotpCheckArgs& args, core::WindowMatch* match) noexcept;

// TotpMatchResult returns what the match functions return: the matched step, -1 for a code of a step already
// used (a replay), NULL for no match.
Datum TotpMatchResult(FunctionCallInfo fcinfo, const core::WindowMatch& match);

// Registered by module.cpp's _PG_init.
void DefineSettings();

// DefineRequestContext registers the transaction callbacks that end mfa.begin_request's context
// (request_context.cpp).
void DefineRequestContext();

// IntervalMicros converts a delay to microseconds (a month as 30 days), saturating instead of overflowing
// (throttle.cpp).
int64 IntervalMicros(const Interval* interval) noexcept;

// LegacyThrottleAllowed: pg_mfa.legacy_throttle (module.cpp), whether 0.1.0's flows may run with this library.
bool LegacyThrottleAllowed() noexcept;

// DefineThrottle sets up the throttle's shared memory and worker when pg_mfa is being preloaded (throttle.cpp).
void DefineThrottle();

// RequireThrottle readies the throttle for a login flow, before it looks anything up: raises 55000 unless
// pg_mfa is preloaded and its tables are committed, and reserves the database's worker (started and running
// before any guess is evaluated; 53000 when none can be started).
void RequireThrottle();

// RequireCommitWait makes the current transaction's commit flush its WAL and wait for the synchronous
// standbys whatever synchronous_commit the caller set: until they flushed it (a consumption), or until they
// applied it (`revocation`: a token that ended must be dead on them once the commit returns).
void RequireCommitWait(bool revocation);

// pg_mfa's own relations, found without search_path (glue.cpp). C that reads pg_mfa's tables directly
// finds them by schema-qualified catalog lookups: the namespace "mfa" by name, then each relation by name
// inside that namespace's OID. search_path plays no part, so such functions need no SET search_path clause.
// Each raises a precise error when the object is missing or is not what pg_mfa made.
Oid RelationIn(Oid schema, const char* name);
AttrNumber ColumnOf(Oid relid, const char* relation, const char* column);
// IndexOn: index `name` of the schema, checked to be a valid index of `relid` whose leading key columns are
// `columns`, in order (so that scan keys on index columns 1..n are keys on those columns).
Oid IndexOn(Oid schema, const char* name, Oid relid, std::initializer_list<AttrNumber> columns);

}  // namespace pg_mfa::pg
