// throttle.cpp: admission of login attempts (the brute-force throttle), in shared memory when preloaded.
//
// The flows keep each subject's count of unsuccessful attempts in tables (transactional). A caller who
// rolls back its transaction would roll the count back with it, and guess for free. When pg_mfa is in
// shared_preload_libraries, every failure is also recorded in a shared-memory table that no rollback
// touches; the flows pass the table's view in and the larger count wins, so neither source can lower what
// the other knows. The shared table survives restarts and crashes: a snapshot file plus an fsynced log of
// the changes since (see "Durability" below).
//
// Everything here is C-style PostgreSQL code: no C++ object with a destructor is alive when something may
// raise (STYLE.md §2). The policy arithmetic is the pure core's (core/lockout.hpp).
#include "core/lockout.hpp"
#include "pg/pg_glue.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "storage/latch.h"
#include "port/atomics.h"
#include "utils/wait_event.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "nodes/pg_list.h"
#include "utils/lsyscache.h"
#include "catalog/namespace.h"
#include "common/int.h"
#include "port/pg_crc32c.h"

PG_FUNCTION_INFO_V1(pg_mfa_attempt_check);
PG_FUNCTION_INFO_V1(pg_mfa_attempt_failed);
PG_FUNCTION_INFO_V1(pg_mfa_admit_reset);
PG_FUNCTION_INFO_V1(pg_mfa_throttle_shared);
PG_FUNCTION_INFO_V1(pg_mfa_throttle_sync);
}

namespace {

// A subject: (database, installation, kind, id). Kinds: 'c' a user's codes, 'p' a user's passwords, 't' a
// kli_ token. The installation is the oid of schema mfa: ids start again at 1 when the extension is dropped
// and created anew, and the new users must not inherit the old ones' counts.
struct ThrottleKey {
    Oid database;
    Oid schema;
    int32 kind;
    int32 padding;  // zeroed: the key is hashed as bytes
    int64 subject;
};

struct ThrottleEntry {
    ThrottleKey key;  // first: the hash key
    int32 failures;
    int64 locked_until;  // TimestampTz, 0 = none
    int64 last_update;   // TimestampTz, for eviction
};

struct ThrottleShared {
    LWLock* lock;
    pg_atomic_uint32 large_hashes;  // hashes above core::kInlineArgon2Work running now, cluster-wide
};

constexpr const char* kStateFile = "pg_mfa_throttle.state";
constexpr uint32 kStateMagic = 0x4d464132;  // "MFA2": the entry layout's version

int max_entries = 100000;
int max_large_hashes = 2;
bool counted_large_hash = false;  // this backend holds one of the large-hash slots
ThrottleShared* shared = nullptr;
HTAB* entries = nullptr;
shmem_startup_hook_type previous_startup = nullptr;
#if PG_VERSION_NUM >= 150000
shmem_request_hook_type previous_request = nullptr;
#endif

Size SharedSize() {
    return add_size(MAXALIGN(sizeof(ThrottleShared)), hash_estimate_size(max_entries, sizeof(ThrottleEntry)));
}

void RequestShared() {
#if PG_VERSION_NUM >= 150000
    if (previous_request != nullptr) {
        previous_request();
    }
#endif
    RequestAddinShmemSpace(SharedSize());
    RequestNamedLWLockTranche("pg_mfa", 1);
}

// Durability. The shared table is the state; two files in the data directory make it survive restarts
// and crashes:
//   pg_mfa_throttle.state  a snapshot: written at startup (after the log is folded in) and at a clean
//                          shutdown, by rename, so it is always whole;
//   pg_mfa_throttle.log    every change since the snapshot, appended by the backend that made it: a
//                          failure is fsynced before the attempt's answer is returned, a reset (success)
//                          is written without fsync (losing one only means an already-forgiven count
//                          comes back).
// At startup (also when the postmaster re-initializes shared memory after a crash) the snapshot is loaded
// and the log replayed over it, the last record of a subject winning.

constexpr const char* kLogFile = "pg_mfa_throttle.log";
constexpr uint32 kLogMagic = 0x4d464c33;  // "MFL3"

struct LogRecord {
    uint32 magic;
    pg_crc32c crc;        // CRC-32C of entry: a torn or misaligned record is never taken for one
    ThrottleEntry entry;  // failures == 0: the subject was reset
};

pg_crc32c RecordCrc(const ThrottleEntry& entry) {
    pg_crc32c crc;
    INIT_CRC32C(crc);
    COMP_CRC32C(crc, &entry, sizeof entry);
    FIN_CRC32C(crc);
    return crc;
}

// Apply puts one snapshot or log record into the shared table.
void Apply(const ThrottleEntry& record) {
    if (record.failures <= 0) {
        hash_search(entries, &record.key, HASH_REMOVE, nullptr);
        return;
    }
    bool found = false;
    auto* entry = static_cast<ThrottleEntry*>(hash_search(entries, &record.key, HASH_ENTER_NULL, &found));
    if (entry == nullptr) {
        ereport(LOG, (errmsg("pg_mfa: throttle table full at startup; a saved count was dropped"),
                      errhint("Raise pg_mfa.throttle_entries. The committed counts in the tables remain.")));
        return;
    }
    *entry = record;
}

// SaveSnapshot writes the non-zero entries to the snapshot file. Returns whether it is durably in place.
bool SaveSnapshot() {
    const char* temporary = "pg_mfa_throttle.state.tmp";
    FILE* file = AllocateFile(temporary, PG_BINARY_W);
    if (file == nullptr) {
        ereport(LOG, (errcode_for_file_access(), errmsg("pg_mfa: could not write \"%s\": %m", temporary)));
        return false;
    }
    bool ok = fwrite(&kStateMagic, sizeof kStateMagic, 1, file) == 1;
    HASH_SEQ_STATUS scan;
    hash_seq_init(&scan, entries);
    ThrottleEntry* entry;
    while ((entry = static_cast<ThrottleEntry*>(hash_seq_search(&scan))) != nullptr) {
        if (ok && entry->failures > 0) {
            ok = fwrite(entry, sizeof *entry, 1, file) == 1;
        }
    }
    if (FreeFile(file) != 0) {
        ok = false;
    }
    if (!ok) {
        ereport(LOG, (errcode_for_file_access(), errmsg("pg_mfa: could not write \"%s\": %m", temporary)));
        unlink(temporary);
        return false;
    }
    return durable_rename(temporary, kStateFile, LOG) == 0;
}

// SaveState runs when the postmaster exits. After a crash (code != 0) shared memory may be damaged: the
// snapshot and the log on disk are the state then.
void SaveState(int code, Datum) {
    if (code != 0 || shared == nullptr || entries == nullptr) {
        return;
    }
    if (SaveSnapshot()) {
        unlink(kLogFile);
    }
}

// LoadState reads the snapshot and replays the log over it, then folds both into a new snapshot.
void LoadState() {
    FILE* file = AllocateFile(kStateFile, PG_BINARY_R);
    if (file != nullptr) {
        uint32 magic = 0;
        if (fread(&magic, sizeof magic, 1, file) == 1 && magic == kStateMagic) {
            ThrottleEntry record;
            while (fread(&record, sizeof record, 1, file) == 1) {
                Apply(record);
            }
        }
        FreeFile(file);
    }
    file = AllocateFile(kLogFile, PG_BINARY_R);
    if (file == nullptr) {
        return;
    }
    // Records are read from a sliding buffer and checked by magic and CRC; after anything that is not a
    // whole record (a short write when the disk was full, a write torn by a crash) the reader moves on
    // byte by byte until records line up again, so one bad spot loses nothing after it.
    char buffer[8192];
    size_t filled = 0;
    size_t position = 0;
    bool more = true;
    while (more || filled - position >= sizeof(LogRecord)) {
        if (more && filled - position < sizeof(LogRecord)) {
            memmove(buffer, buffer + position, filled - position);
            filled -= position;
            position = 0;
            const size_t got = fread(buffer + filled, 1, sizeof buffer - filled, file);
            filled += got;
            more = got > 0;
            continue;
        }
        LogRecord record;
        memcpy(&record, buffer + position, sizeof record);
        if (record.magic == kLogMagic && EQ_CRC32C(record.crc, RecordCrc(record.entry))) {
            Apply(record.entry);
            position += sizeof record;
        } else {
            position += 1;
        }
    }
    FreeFile(file);
    if (SaveSnapshot()) {
        unlink(kLogFile);
    }
}

// AppendLog records a change of one subject, after the shared lock is released. A failure that cannot be
// logged is still counted in shared memory; the server log says durability was lost.
void AppendLog(const ThrottleEntry& entry, bool sync) {
    LogRecord record;
    memset(&record, 0, sizeof record);
    record.magic = kLogMagic;
    record.entry = entry;
    record.crc = RecordCrc(record.entry);
    const int fd = OpenTransientFile(kLogFile, O_WRONLY | O_APPEND | O_CREAT | PG_BINARY);
    if (fd < 0) {
        ereport(WARNING, (errcode_for_file_access(), errmsg("pg_mfa: could not open \"%s\": %m", kLogFile)));
        return;
    }
    if (write(fd, &record, sizeof record) != static_cast<ssize_t>(sizeof record) || (sync && pg_fsync(fd) != 0)) {
        ereport(WARNING, (errcode_for_file_access(), errmsg("pg_mfa: could not write \"%s\": %m", kLogFile)));
    }
    CloseTransientFile(fd);
}

void StartupShared() {
    if (previous_startup != nullptr) {
        previous_startup();
    }
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    shared = static_cast<ThrottleShared*>(ShmemInitStruct("pg_mfa throttle", sizeof(ThrottleShared), &found));
    if (!found) {
        shared->lock = &(GetNamedLWLockTranche("pg_mfa"))->lock;
        pg_atomic_init_u32(&shared->large_hashes, 0);
    }
    HASHCTL info;
    memset(&info, 0, sizeof info);
    info.keysize = sizeof(ThrottleKey);
    info.entrysize = sizeof(ThrottleEntry);
    // Fixed size: the table never takes shared memory beyond what was reserved for it (a full table evicts).
    entries = ShmemInitHash("pg_mfa throttle entries", max_entries, max_entries, &info,
                            HASH_ELEM | HASH_BLOBS | HASH_FIXED_SIZE);
    LWLockRelease(AddinShmemInitLock);
    if (!IsUnderPostmaster) {
        LoadState();
        on_shmem_exit(SaveState, (Datum) 0);
    }
}

// Evict makes room in a full table, with the lock held exclusively, in one pass over it: every entry
// not locked now and untouched for a day goes (its committed count stays in the tables); if there is
// none, the least recently updated unlocked entry, else the least recently updated one. Removed keys are
// returned (at most `capacity`) so the caller can log them once the lock is released; the log must not
// bring them back at a restart. Returns how many were removed.
int Evict(TimestampTz now, ThrottleKey* removed, int capacity) {
    HASH_SEQ_STATUS scan;
    hash_seq_init(&scan, entries);
    ThrottleEntry* entry;
    ThrottleEntry* oldest_unlocked = nullptr;
    ThrottleEntry* oldest = nullptr;
    int count = 0;
    while ((entry = static_cast<ThrottleEntry*>(hash_seq_search(&scan))) != nullptr) {
        const bool unlocked = entry->locked_until <= now;
        if (unlocked && entry->last_update < now - USECS_PER_DAY && count < capacity) {
            removed[count++] = entry->key;
            hash_search(entries, &entry->key, HASH_REMOVE, nullptr);  // allowed during a seq scan
            continue;
        }
        if (oldest == nullptr || entry->last_update < oldest->last_update) {
            oldest = entry;
        }
        if (unlocked && (oldest_unlocked == nullptr || entry->last_update < oldest_unlocked->last_update)) {
            oldest_unlocked = entry;
        }
    }
    if (count == 0) {
        ThrottleEntry* victim = oldest_unlocked != nullptr ? oldest_unlocked : oldest;
        if (victim != nullptr) {
            removed[count++] = victim->key;
            const ThrottleKey key = victim->key;
            hash_search(entries, &key, HASH_REMOVE, nullptr);
        }
    }
    return count;
}

// IntervalMicros converts a delay to microseconds (a month as 30 days), saturating instead of overflowing.
int64 IntervalMicros(const Interval* interval) {
    int64 days = 0;
    int64 result = 0;
    if (pg_mul_s64_overflow(static_cast<int64>(interval->month), DAYS_PER_MONTH, &days) ||
        pg_add_s64_overflow(days, interval->day, &days) || pg_mul_s64_overflow(days, USECS_PER_DAY, &result) ||
        pg_add_s64_overflow(result, interval->time, &result)) {
        return (interval->month < 0 || interval->day < 0) ? PG_INT64_MIN : PG_INT64_MAX;
    }
    return result;
}

TimestampTz FiniteNow(FunctionCallInfo fcinfo, int argument) {
    const TimestampTz now = PG_GETARG_TIMESTAMPTZ(argument);
    if (TIMESTAMP_NOT_FINITE(now)) {
        ereport(ERROR, (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE), errmsg("pg_mfa: the time of an attempt must be finite")));
    }
    return now;
}

ThrottleKey MakeKey(char kind, int64 subject) {
    ThrottleKey key;
    memset(&key, 0, sizeof key);
    key.database = MyDatabaseId;
    key.schema = get_namespace_oid("mfa", false);
    key.kind = kind;
    key.subject = subject;
    return key;
}

}  // namespace

namespace pg_mfa::pg {

void DefineThrottle() {
    if (!process_shared_preload_libraries_in_progress) {
        return;
    }
    DefineCustomIntVariable("pg_mfa.max_large_hashes",
                            "Password hashes above 64 MiB x 1 pass that may run at once in the cluster.",
                            "Each takes its memory outside PostgreSQL's accounting; more callers wait their turn. "
                            "Needs pg_mfa in shared_preload_libraries.",
                            &max_large_hashes, 2, 1, 1000, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("pg_mfa.throttle_entries",
                            "Subjects (users, kli_ tokens) the shared-memory throttle can track at once.",
                            "Needs pg_mfa in shared_preload_libraries; about 64 bytes each. When full, the entry "
                            "updated longest ago is evicted; its committed count remains in the tables.",
                            &max_entries, 100000, 1000, 10000000, PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
#if PG_VERSION_NUM >= 150000
    previous_request = shmem_request_hook;
    shmem_request_hook = RequestShared;
#else
    RequestShared();
#endif
    previous_startup = shmem_startup_hook;
    shmem_startup_hook = StartupShared;
}

void AcquireLargeHash() {
    if (shared == nullptr || counted_large_hash) {
        return;
    }
    static bool exit_callback = false;
    if (!exit_callback) {
        before_shmem_exit([](int, Datum) { ReleaseLargeHash(); }, (Datum) 0);
        exit_callback = true;
    }
    for (;;) {
        uint32 running = pg_atomic_read_u32(&shared->large_hashes);
        if (running < static_cast<uint32>(max_large_hashes) &&
            pg_atomic_compare_exchange_u32(&shared->large_hashes, &running, running + 1)) {
            counted_large_hash = true;
            return;
        }
        CHECK_FOR_INTERRUPTS();
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
    }
}

void ReleaseLargeHash() noexcept {
    if (shared != nullptr && counted_large_hash) {
        pg_atomic_fetch_sub_u32(&shared->large_hashes, 1);
        counted_large_hash = false;
    }
}

}  // namespace pg_mfa::pg

namespace {

// ViewState returns the subject's state as the caller's table row has it (failures, locked_until NULL = 0).
pg_mfa::core::LockoutState ViewState(FunctionCallInfo fcinfo) {
    pg_mfa::core::LockoutState state;
    state.failures = PG_GETARG_INT32(2);
    state.locked_until = PG_ARGISNULL(3) ? 0 : PG_GETARG_TIMESTAMPTZ(3);
    return state;
}

void RequireArguments(FunctionCallInfo fcinfo, int count) {
    for (int i = 0; i < count; ++i) {
        if (i != 3 && PG_ARGISNULL(i)) {
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                            errmsg("pg_mfa: internal throttle function argument %d is null", i + 1)));
        }
    }
}

}  // namespace

// mfa_internal._attempt_check(kind "char", subject bigint, failures int, locked_until timestamptz, threshold int,
//                    disable_threshold int, now timestamptz) -> text
// 'admit', 'locked' or 'disabled' for an attempt on a subject, from the caller's table view merged with the
// shared-memory record (when preloaded). Changes nothing: the caller holds the subject's row lock until it
// has recorded the outcome.
extern "C" Datum pg_mfa_attempt_check(PG_FUNCTION_ARGS) {
    RequireArguments(fcinfo, 7);
    pg_mfa::core::LockoutState state = ViewState(fcinfo);
    pg_mfa::core::LockoutPolicy policy;
    policy.threshold = PG_GETARG_INT32(4);
    policy.disable_threshold = PG_GETARG_INT32(5);
    const TimestampTz now = FiniteNow(fcinfo, 6);
    if (shared != nullptr && entries != nullptr) {
        const ThrottleKey key = MakeKey(PG_GETARG_CHAR(0), PG_GETARG_INT64(1));
        LWLockAcquire(shared->lock, LW_SHARED);
        auto* entry = static_cast<ThrottleEntry*>(hash_search(entries, &key, HASH_FIND, nullptr));
        if (entry != nullptr) {
            state = pg_mfa::core::MergeLockout(state, pg_mfa::core::LockoutState{entry->failures, entry->locked_until});
        }
        LWLockRelease(shared->lock);
    }
    const pg_mfa::core::Admission admission = pg_mfa::core::CheckAttempt(policy, now, state);
    const char* decision = admission == pg_mfa::core::Admission::kAdmit    ? "admit"
                           : admission == pg_mfa::core::Admission::kLocked ? "locked"
                                                                           : "disabled";
    PG_RETURN_TEXT_P(cstring_to_text(decision));
}

// mfa_internal._attempt_failed(kind "char", subject bigint, failures int, locked_until timestamptz, threshold int,
//                     base_delay interval, max_delay interval, now timestamptz,
//                     OUT failures int, OUT locked_until timestamptz)
// Counts an unsuccessful attempt: in shared memory at once (no rollback undoes it) when preloaded, and in
// the returned state, which the caller writes to its table row.
extern "C" Datum pg_mfa_attempt_failed(PG_FUNCTION_ARGS) {
    RequireArguments(fcinfo, 8);
    pg_mfa::core::LockoutState state = ViewState(fcinfo);
    pg_mfa::core::LockoutPolicy policy;
    policy.threshold = PG_GETARG_INT32(4);
    policy.base_delay = IntervalMicros(PG_GETARG_INTERVAL_P(5));
    policy.max_delay = IntervalMicros(PG_GETARG_INTERVAL_P(6));
    const TimestampTz now = FiniteNow(fcinfo, 7);
    if (shared != nullptr && entries != nullptr) {
        const ThrottleKey key = MakeKey(PG_GETARG_CHAR(0), PG_GETARG_INT64(1));
        LWLockAcquire(shared->lock, LW_EXCLUSIVE);
        bool found = false;
        auto* entry = static_cast<ThrottleEntry*>(hash_search(entries, &key, HASH_ENTER_NULL, &found));
        constexpr int kEvictBatch = 256;
        ThrottleKey evicted[kEvictBatch];
        int evicted_count = 0;
        if (entry == nullptr) {
            evicted_count = Evict(now, evicted, kEvictBatch);
            entry = static_cast<ThrottleEntry*>(hash_search(entries, &key, HASH_ENTER_NULL, &found));
        }
        ThrottleEntry logged;
        memset(&logged, 0, sizeof logged);
        if (entry != nullptr) {
            if (found) {
                state = pg_mfa::core::MergeLockout(state, pg_mfa::core::LockoutState{entry->failures, entry->locked_until});
            }
            pg_mfa::core::RecordFailure(policy, now, &state);
            entry->failures = state.failures;
            entry->locked_until = state.locked_until;
            entry->last_update = now;
            logged = *entry;
        } else {
            pg_mfa::core::RecordFailure(policy, now, &state);
        }
        LWLockRelease(shared->lock);
        // Durable before the caller can learn the attempt failed. The subject's row lock, held by the
        // caller, keeps the log's records of one subject in order.
        for (int i = 0; i < evicted_count; ++i) {
            ThrottleEntry reset;
            memset(&reset, 0, sizeof reset);
            reset.key = evicted[i];
            AppendLog(reset, /*sync=*/false);  // made durable by the fsync just below
        }
        if (entry != nullptr) {
            AppendLog(logged, /*sync=*/true);
        }
    } else {
        pg_mfa::core::RecordFailure(policy, now, &state);
    }

    TupleDesc descriptor;
    if (get_call_result_type(fcinfo, nullptr, &descriptor) != TYPEFUNC_COMPOSITE) {
        elog(ERROR, "pg_mfa: _attempt_failed must return a record");
    }
    descriptor = BlessTupleDesc(descriptor);
    Datum values[2] = {Int32GetDatum(state.failures), TimestampTzGetDatum(state.locked_until)};
    bool nulls[2] = {false, state.locked_until == 0};
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(descriptor, values, nulls)));
}

// Resets wait for their transaction's commit. A success (or an administrator's reset) forgives a subject's
// count only if the transaction that earned it commits: a caller who rolls back the transaction, or the
// savepoint holding the success, must not get its guesses back (a success in a rolled-back transaction,
// e.g. after setting a known password, would otherwise clear the count of the real guesses before it).
// Pending resets live in TopTransactionContext with the nesting level that asked for them.
struct PendingReset {
    ThrottleKey key;
    int nest_level;
};

List* pending_resets = NIL;
bool callbacks_registered = false;

// ApplyResets forgets the pending subjects in shared memory. It runs after the commit record is written,
// where nothing may raise: the table is updated under its lock and the log write reports trouble as a
// WARNING (AppendLog).
void ApplyResets() {
    ListCell* cell;
    foreach (cell, pending_resets) {
        const auto* pending = static_cast<const PendingReset*>(lfirst(cell));
        LWLockAcquire(shared->lock, LW_EXCLUSIVE);
        bool found = false;
        hash_search(entries, &pending->key, HASH_REMOVE, &found);
        LWLockRelease(shared->lock);
        if (found) {
            // Durable: a forgiven count (an administrator's reset of the ceiling among them) must not
            // come back after a crash. Only subjects that had failures pay for the fsync.
            ThrottleEntry reset;
            memset(&reset, 0, sizeof reset);
            reset.key = pending->key;
            AppendLog(reset, /*sync=*/true);
        }
    }
}

void ResetsAtTransactionEnd(XactEvent event, void*) {
    switch (event) {
        case XACT_EVENT_COMMIT:
        case XACT_EVENT_PARALLEL_COMMIT:
            if (pending_resets != NIL && shared != nullptr && entries != nullptr) {
                ApplyResets();
            }
            pending_resets = NIL;  // the memory goes with TopTransactionContext
            break;
        case XACT_EVENT_ABORT:
        case XACT_EVENT_PARALLEL_ABORT:
        case XACT_EVENT_PREPARE:  // a prepared transaction's success forgives nothing (its commit is elsewhere)
            pending_resets = NIL;
            break;
        default:
            break;
    }
}

void ResetsAtSubtransactionEnd(SubXactEvent event, SubTransactionId, SubTransactionId, void*) {
    if (pending_resets == NIL) {
        return;
    }
    const int level = GetCurrentTransactionNestLevel();  // the subtransaction that ends
    if (event == SUBXACT_EVENT_ABORT_SUB) {
        // Rolled back with the savepoint: drop what it (or a subtransaction of it) asked for.
        List* kept = NIL;
        ListCell* cell;
        foreach (cell, pending_resets) {
            auto* pending = static_cast<PendingReset*>(lfirst(cell));
            if (pending->nest_level < level) {
                kept = lappend(kept, pending);  // TopTransactionContext: see DeferReset
            }
        }
        pending_resets = kept;
    } else if (event == SUBXACT_EVENT_COMMIT_SUB) {
        // Released: its resets now belong to the parent, and go if the parent is rolled back.
        ListCell* cell;
        foreach (cell, pending_resets) {
            auto* pending = static_cast<PendingReset*>(lfirst(cell));
            if (pending->nest_level >= level) {
                pending->nest_level = level - 1;
            }
        }
    }
}

void DeferReset(const ThrottleKey& key) {
    if (!callbacks_registered) {
        RegisterXactCallback(ResetsAtTransactionEnd, nullptr);
        RegisterSubXactCallback(ResetsAtSubtransactionEnd, nullptr);
        callbacks_registered = true;
    }
    MemoryContext previous = MemoryContextSwitchTo(TopTransactionContext);
    auto* pending = static_cast<PendingReset*>(palloc(sizeof(PendingReset)));
    pending->key = key;
    pending->nest_level = GetCurrentTransactionNestLevel();
    pending_resets = lappend(pending_resets, pending);
    MemoryContextSwitchTo(previous);
}

// mfa_internal._admit_reset(kind "char", subject bigint) -> void: forget a subject in shared memory (after a
// success or an administrator's reset) when, and only if, the current transaction commits. The tables are
// reset by the caller, transactionally.
extern "C" Datum pg_mfa_admit_reset(PG_FUNCTION_ARGS) {
    const ThrottleKey key = MakeKey(PG_GETARG_CHAR(0), PG_GETARG_INT64(1));
    if (shared != nullptr && entries != nullptr) {
        DeferReset(key);
    }
    PG_RETURN_VOID();
}

// mfa_internal._throttle_sync() -> void: the flushes a counted failure costs (the log's fsync, and the commit's, as
// mfa_internal._durable forces it), for the paths that count nothing (an unknown user, a refused attempt), so they
// take as long as a failure that was counted.
extern "C" Datum pg_mfa_throttle_sync(PG_FUNCTION_ARGS) {
    ForceSyncCommit();
    if (shared != nullptr && entries != nullptr) {
        const int fd = OpenTransientFile(kLogFile, O_WRONLY | O_APPEND | O_CREAT | PG_BINARY);
        if (fd >= 0) {
            (void) pg_fsync(fd);
            CloseTransientFile(fd);
        }
    }
    PG_RETURN_VOID();
}

// mfa_internal._throttle_shared() -> boolean: whether attempts are also counted in shared memory (pg_mfa preloaded).
extern "C" Datum pg_mfa_throttle_shared(PG_FUNCTION_ARGS) {
    PG_RETURN_BOOL(shared != nullptr && entries != nullptr);
}
