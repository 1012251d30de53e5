// throttle_legacy.cpp: 0.1.0's throttle, seen from this library.
//
// 1. The functions 0.1.0's script names, for a database whose extension is still at 0.1.0 while the server
//    runs this library (between installing the new files and ALTER EXTENSION pg_mfa UPDATE). This library
//    has no rollback-proof store for 0.1.0's tables, so its flows refuse to run (55000, at admission, before
//    anything is evaluated) unless a superuser sets pg_mfa.legacy_throttle, which lets them count as 0.1.0
//    did without preloading: in the table row the flow passes in and writes back, transactionally.
// 2. The counts 0.1.0 kept beyond the reach of rollbacks, in two files of the data directory: the update
//    from 0.1.0 carries those of its database into mfa.throttle_journal (mfa_internal._import_legacy_counts).
//
// 0.2.0's flows use throttle.cpp.
#include "core/lockout.hpp"
#include "pg/pg_glue.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/pg_crc32c.h"
#include "storage/fd.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/hsearch.h"

PG_FUNCTION_INFO_V1(pg_mfa_attempt_check);
PG_FUNCTION_INFO_V1(pg_mfa_attempt_failed);
PG_FUNCTION_INFO_V1(pg_mfa_admit_reset);
PG_FUNCTION_INFO_V1(pg_mfa_throttle_shared);
PG_FUNCTION_INFO_V1(pg_mfa_throttle_sync);
PG_FUNCTION_INFO_V1(pg_mfa_import_legacy_counts);
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

}  // namespace

// 0.1.0's mfa_internal._attempt_check(kind, subject, failures, locked_until, threshold, disable_threshold, now)
extern "C" Datum pg_mfa_attempt_check(PG_FUNCTION_ARGS) {
    if (!pg_mfa::pg::LegacyThrottleAllowed()) {
        error_context_stack = nullptr;
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("pg_mfa in this database is still at 0.1.0: update it before logging users in"),
                        errdetail("This library cannot count 0.1.0's failed attempts beyond the reach of rollbacks."),
                        errhint("Run ALTER EXTENSION pg_mfa UPDATE (or, for the time of the update only, let a "
                                "superuser set pg_mfa.legacy_throttle = on).")));
    }
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
    policy.base_delay = pg_mfa::pg::IntervalMicros(PG_GETARG_INTERVAL_P(5));
    policy.max_delay = pg_mfa::pg::IntervalMicros(PG_GETARG_INTERVAL_P(6));
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

// ---------------------------------------------------------------------------------------------------------
// 0.1.0's files: a snapshot (pg_mfa_throttle.state: a magic number, then entries) and a log of the changes
// since (pg_mfa_throttle.log: records with a magic number and a CRC-32C each; the last record of a subject
// wins; failures 0 means reset). Read here as 0.1.0 wrote them.

namespace {

struct LegacyKey {
    Oid database;
    Oid schema;
    int32 kind;
    int32 padding;
    int64 subject;
};

struct LegacyEntry {
    LegacyKey key;
    int32 failures;
    int64 locked_until;
    int64 last_update;
};

struct LegacyRecord {
    uint32 magic;
    pg_crc32c crc;
    LegacyEntry entry;
};

constexpr uint32 kLegacyStateMagic = 0x4d464132;  // "MFA2"
constexpr uint32 kLegacyLogMagic = 0x4d464c33;    // "MFL3"

void ApplyLegacy(HTAB* table, const LegacyEntry& record) {
    bool found = false;
    auto* entry = static_cast<LegacyEntry*>(hash_search(table, &record.key, HASH_ENTER, &found));
    *entry = record;
}

void ReadLegacyFiles(HTAB* table) {
    FILE* file = AllocateFile("pg_mfa_throttle.state", PG_BINARY_R);
    if (file != nullptr) {
        uint32 magic = 0;
        if (fread(&magic, sizeof magic, 1, file) == 1 && magic == kLegacyStateMagic) {
            LegacyEntry record;
            while (fread(&record, sizeof record, 1, file) == 1) {
                ApplyLegacy(table, record);
            }
        }
        FreeFile(file);
    }
    file = AllocateFile("pg_mfa_throttle.log", PG_BINARY_R);
    if (file == nullptr) {
        return;
    }
    // A sliding buffer: after anything that is not a whole record (torn by a crash), move on byte by byte.
    char buffer[8192];
    size_t filled = 0;
    size_t position = 0;
    bool more = true;
    while (more || filled - position >= sizeof(LegacyRecord)) {
        if (more && filled - position < sizeof(LegacyRecord)) {
            memmove(buffer, buffer + position, filled - position);
            filled -= position;
            position = 0;
            const size_t got = fread(buffer + filled, 1, sizeof buffer - filled, file);
            filled += got;
            more = got > 0;
            continue;
        }
        LegacyRecord record;
        memcpy(&record, buffer + position, sizeof record);
        pg_crc32c crc;
        INIT_CRC32C(crc);
        COMP_CRC32C(crc, &record.entry, sizeof record.entry);
        FIN_CRC32C(crc);
        if (record.magic == kLegacyLogMagic && EQ_CRC32C(record.crc, crc)) {
            ApplyLegacy(table, record.entry);
            position += sizeof record;
        } else {
            position += 1;
        }
    }
    FreeFile(file);
}

}  // namespace

// mfa_internal._import_legacy_counts() -> integer: called once, by the update from 0.1.0 (superuser, the
// update's transaction). Writes the counts 0.1.0 kept for this database's installation in its files into
// mfa.throttle_journal, where they are higher than what the update carried over from mfa.user_lockouts.
// Returns how many subjects it raised. The files stay (other databases may still be at 0.1.0).
extern "C" Datum pg_mfa_import_legacy_counts(PG_FUNCTION_ARGS) {
    HASHCTL info;
    memset(&info, 0, sizeof info);
    info.keysize = sizeof(LegacyKey);
    info.entrysize = sizeof(LegacyEntry);
    info.hcxt = CurrentMemoryContext;
    HTAB* table = hash_create("pg_mfa legacy counts", 1024, &info, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
    ReadLegacyFiles(table);
    const Oid schema = get_namespace_oid("mfa", false);
    if (SPI_connect() != SPI_OK_CONNECT) {
        elog(ERROR, "pg_mfa: SPI_connect failed");
    }
    Oid types[4] = {CHAROID, INT8OID, INT4OID, TIMESTAMPTZOID};
    SPIPlanPtr plan = SPI_prepare(
        "INSERT INTO mfa.throttle_journal (kind, subject, failures, locked_until) SELECT $1, $2, $3, $4 "
        "WHERE $3 OPERATOR(pg_catalog.>) coalesce((SELECT j.failures FROM mfa.throttle_journal AS j "
        "WHERE j.kind OPERATOR(pg_catalog.=) $1 AND j.subject OPERATOR(pg_catalog.=) $2 "
        "ORDER BY j.entry_id DESC LIMIT 1), 0)",
        4, types);
    if (plan == nullptr) {
        elog(ERROR, "pg_mfa: could not prepare the import of 0.1.0's counts");
    }
    int32 raised = 0;
    HASH_SEQ_STATUS scan;
    hash_seq_init(&scan, table);
    LegacyEntry* entry;
    while ((entry = static_cast<LegacyEntry*>(hash_seq_search(&scan))) != nullptr) {
        const int32 kind = entry->key.kind;
        if (entry->key.database != MyDatabaseId || entry->key.schema != schema || entry->failures <= 0 ||
            (kind != 'c' && kind != 'p' && kind != 't')) {
            continue;
        }
        Datum values[4] = {CharGetDatum(static_cast<char>(kind)), Int64GetDatum(entry->key.subject),
                           Int32GetDatum(entry->failures), TimestampTzGetDatum(entry->locked_until)};
        char nulls[4] = {' ', ' ', ' ', entry->locked_until == 0 ? 'n' : ' '};
        if (SPI_execute_plan(plan, values, nulls, false, 0) != SPI_OK_INSERT) {
            elog(ERROR, "pg_mfa: could not import 0.1.0's counts");
        }
        raised += static_cast<int32>(SPI_processed);
    }
    SPI_finish();
    hash_destroy(table);
    PG_RETURN_INT32(raised);
}
