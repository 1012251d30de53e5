// throttle.cpp: the brute-force throttle's counts, durable in a table, cached in shared memory.
//
// The record. mfa.throttle_journal is an append-only table: one row per change of a subject's count (a
// subject is a user's codes 'c', a user's passwords from clients it does not know 'p', a user's passwords
// from one client it knows 'k' (the id of its mfa.known_clients row) or one remembered device 'd'
// (mfa.remembered_devices), one kli_ token 't', or one client's
// failed passwords across the users of a realm 'x', a rate ceiling). The row with the highest entry_id is
// the subject's state. A counted failure is written by the database's background worker, in a
// transaction of its own, before the failed answer is returned: no rollback of the caller undoes it, and
// as a table it is WAL-logged, replicated, in base backups and point-in-time recovery. A success (or an
// administrator's reset) writes a row with no failures in the caller's own transaction: it forgives the
// count only if that transaction commits. No flow locks journal rows, and the worker's other writes (the
// audit row's realm, a kli_ token's copy of its count) skip a row that is locked: the worker never waits for
// a row the backend it works for holds. The backend writes nothing for a wrong code (complete_mfa, step_up),
// so a counted failure costs one WAL flush, the worker's.
//
// The cache. Shared memory keeps the latest state of recently seen subjects (a read-through cache with the
// entry_id of the row it reflects); a miss reads the journal with a fresh snapshot. Every change of a
// subject is made by the holder of the subject's lock (a heavyweight lock of the transaction), itself or
// through the worker, and the forgiving row applies to the cache at commit only if no later row exists,
// so cache and journal agree. Eviction is of the least recently used entry, in constant time, and loses
// nothing: the journal still holds the count. Nothing else is kept: after a restart, a crash or a
// promotion the cache starts empty and fills from the journal.
//
// The worker. One per database that uses pg_mfa, started on first use and gone when idle for a while
// (so that DROP DATABASE does not wait for it). Backends hand it their failures through a slot each in
// shared memory and wait on their latch; it records a batch of them in one transaction, so a flood of
// failures costs one commit flush per batch. Its commits wait for synchronous standbys (at least
// synchronous_commit = on).
//
// Everything here is C-style PostgreSQL code: no C++ object with a destructor is alive when something may
// raise (STYLE.md §2). The policy arithmetic is the pure core's (core/lockout.hpp).
#include "core/lockout.hpp"
#include "pg/pg_glue.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/ilist.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "replication/syncrep.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/lsyscache.h"
#include "access/transam.h"
#include "utils/wait_event.h"

PG_FUNCTION_INFO_V1(pg_mfa_throttle_admit);
PG_FUNCTION_INFO_V1(pg_mfa_throttle_failed);
PG_FUNCTION_INFO_V1(pg_mfa_client_admit);
PG_FUNCTION_INFO_V1(pg_mfa_throttle_count);
PG_FUNCTION_INFO_V1(pg_mfa_throttle_forgive);
PG_FUNCTION_INFO_V1(pg_mfa_throttle_preloaded);
PG_FUNCTION_INFO_V1(pg_mfa_durable_revocation);

PGDLLEXPORT void pg_mfa_throttle_worker(Datum argument);
}

namespace {

// ---------------------------------------------------------------------------------------------------------
// Shared state

// A subject of one installation: the oid of schema mfa tells installations apart (ids start again at 1
// when the extension is dropped and created anew).
struct ThrottleKey {
    Oid database;
    Oid schema;
    int32 kind;
    int32 padding;  // zeroed: the key is hashed as bytes
    int64 subject;
};

struct CacheEntry {
    ThrottleKey key;  // first: the hash key
    int32 failures;
    int64 locked_until;  // TimestampTz, 0 = none
    int64 journal_id;    // entry_id of the journal row this state comes from, 0 = none
    dlist_node lru;      // head = most recently used
};

enum SlotState : int32 { kSlotFree = 0, kSlotStarting, kSlotRunning };

// One background worker, serving one database (whichever installation of pg_mfa it has).
struct WorkerSlot {
    Oid database;
    uint32 generation;  // counts the slot's assignments: a request or a worker of an earlier one is stale
    int32 state;
    int32 pid;
    Latch* latch;
    TimestampTz changed_at;  // of state
    TimestampTz last_used;   // an admission or a request
};

enum RequestState : int32 { kRequestFree = 0, kRequestPending, kRequestTaken, kRequestDone, kRequestFailed };

constexpr int kEventText = 32;
constexpr int kClientText = 256;  // mfa.events.client: at most 255 bytes

// One per backend: a failure to record, and the answer. Protected by queue_lock.
struct Request {
    int32 state;
    int32 slot;          // the worker slot this backend uses, -1 none
    uint32 generation;   // of that slot
    Oid database;        // this backend's
    bool reserved;       // admitted an attempt in the current transaction: the worker must stay
    bool abandoned;  // the backend exited while its request was in the worker's hands
    Latch* latch;
    Oid schema;      // the installation the request is for (schema mfa's oid)
    // What to record.
    char user_kind;  // 'c', 'p', 'k', 'd' or 0 (no count of the user's)
    bool has_user;
    bool has_token;
    bool has_realm;
    bool has_credential;
    bool has_client_subject;  // count a failure of the client across users ('x')
    int64 user_id;       // the audit row's
    int64 subject;       // counted as user_kind: the user's id, or the known client's
    int64 token_id;
    int64 realm_id;
    int64 credential_id;
    int32 threshold;
    int32 token_threshold;
    int64 base_delay;
    int64 max_delay;
    int64 client_subject;
    int32 client_limit;
    int64 client_window;
    TimestampTz now;
    char event_type[kEventText];  // "" = no event
    char event_reason[kEventText];
    bool has_client;              // the audit row names the client
    char client[kClientText];
    // The answer.
    int32 failures;
    int64 locked_until;
    int32 token_failures;
};

struct ThrottleShared {
    LWLock* cache_lock;
    LWLock* queue_lock;
    pg_atomic_uint32 large_hashes;  // hashes above core::kInlineArgon2Work running now, cluster-wide
    int32 cache_used;
    dlist_head lru;
    int32 slot_count;
    int32 request_count;
};

constexpr int kWorkerIdleMillis = 2000;         // DROP DATABASE waits 5 s for other sessions to leave
constexpr int kStartingStaleMillis = 60000;      // a worker that never reported in
constexpr int kBatch = 64;                       // requests recorded in one transaction
constexpr int kCompactEvery = 1000;              // journal rows written between compactions
constexpr uint16 kLockField4 = 0x4d00;           // advisory-lock tag space of ours (SQL uses 1 and 2)

int max_entries = 100000;
int max_large_hashes = 2;
bool counted_large_hash = false;  // this backend holds one of the large-hash slots
ThrottleShared* shared = nullptr;
WorkerSlot* slots = nullptr;
Request* requests = nullptr;
HTAB* cache = nullptr;
shmem_startup_hook_type previous_startup = nullptr;
#if PG_VERSION_NUM < 150000
#error "pg_mfa needs PostgreSQL 15 or later (shmem_request_hook; MaxBackends known when memory is requested)"
#endif
shmem_request_hook_type previous_request = nullptr;

int RequestCount() {
    return MaxBackends;
}

Size SharedSize() {
    Size size = MAXALIGN(sizeof(ThrottleShared));
    size = add_size(size, mul_size(max_worker_processes, sizeof(WorkerSlot)));
    size = add_size(size, mul_size(RequestCount(), sizeof(Request)));
    return add_size(size, hash_estimate_size(max_entries, sizeof(CacheEntry)));
}

void RequestShared() {
    if (previous_request != nullptr) {
        previous_request();
    }
    RequestAddinShmemSpace(SharedSize());
    RequestNamedLWLockTranche("pg_mfa", 2);
}

void StartupShared() {
    if (previous_startup != nullptr) {
        previous_startup();
    }
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    shared = static_cast<ThrottleShared*>(ShmemInitStruct("pg_mfa throttle", sizeof(ThrottleShared), &found));
    const Size slots_size = mul_size(max_worker_processes, sizeof(WorkerSlot));
    const Size requests_size = mul_size(RequestCount(), sizeof(Request));
    bool slots_found = false;
    bool requests_found = false;
    slots = static_cast<WorkerSlot*>(ShmemInitStruct("pg_mfa workers", slots_size, &slots_found));
    requests = static_cast<Request*>(ShmemInitStruct("pg_mfa requests", requests_size, &requests_found));
    if (!found) {
        LWLockPadded* locks = GetNamedLWLockTranche("pg_mfa");
        shared->cache_lock = &locks[0].lock;
        shared->queue_lock = &locks[1].lock;
        pg_atomic_init_u32(&shared->large_hashes, 0);
        shared->cache_used = 0;
        dlist_init(&shared->lru);
        shared->slot_count = max_worker_processes;
        shared->request_count = RequestCount();
        memset(slots, 0, slots_size);
        memset(requests, 0, requests_size);
        for (int i = 0; i < shared->request_count; ++i) {
            requests[i].slot = -1;
        }
    }
    HASHCTL info;
    memset(&info, 0, sizeof info);
    info.keysize = sizeof(ThrottleKey);
    info.entrysize = sizeof(CacheEntry);
    // Fixed size: the cache never takes shared memory beyond what was reserved for it (a full cache evicts).
    cache = ShmemInitHash("pg_mfa throttle cache", max_entries, max_entries, &info,
                          HASH_ELEM | HASH_BLOBS | HASH_FIXED_SIZE);
    LWLockRelease(AddinShmemInitLock);
}

bool Preloaded() {
    return shared != nullptr && cache != nullptr;
}

void RequirePreloaded() {
    if (!Preloaded()) {
        error_context_stack = nullptr;
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("pg_mfa's login functions need pg_mfa in shared_preload_libraries"),
                        errdetail("The brute-force throttle records failed attempts through a background worker "
                                  "and caches them in shared memory, which only preloading provides."),
                        errhint("Add pg_mfa to shared_preload_libraries in postgresql.conf and restart the server.")));
    }
}

// MyRequestOrNull returns this backend's request slot, or nullptr if it has none (not preloaded).
Request* MyRequestOrNull() {
#if PG_VERSION_NUM >= 170000
    const int index = MyProcNumber;
#else
    const int index = MyBackendId - 1;
#endif
    if (shared == nullptr || index < 0 || index >= shared->request_count) {
        return nullptr;
    }
    return &requests[index];
}

Request* MyRequest() {
    Request* mine = MyRequestOrNull();
    if (mine == nullptr) {
        elog(ERROR, "pg_mfa: this backend has no throttle request slot");
    }
    return mine;
}

ThrottleKey MakeKey(char kind, int64 subject, Oid schema) {
    ThrottleKey key;
    memset(&key, 0, sizeof key);
    key.database = MyDatabaseId;
    key.schema = schema;
    key.kind = kind;
    key.subject = subject;
    return key;
}


// ---------------------------------------------------------------------------------------------------------
// The cache. Every operation holds cache_lock for a constant amount of work.

bool CacheFind(const ThrottleKey& key, pg_mfa::core::LockoutState* state, int64* journal_id) {
    LWLockAcquire(shared->cache_lock, LW_EXCLUSIVE);  // exclusive: a hit moves the entry to the front
    auto* entry = static_cast<CacheEntry*>(hash_search(cache, &key, HASH_FIND, nullptr));
    if (entry != nullptr) {
        state->failures = entry->failures;
        state->locked_until = entry->locked_until;
        *journal_id = entry->journal_id;
        dlist_move_head(&shared->lru, &entry->lru);
    }
    LWLockRelease(shared->cache_lock);
    return entry != nullptr;
}

// CacheStore puts a subject's state in, evicting the least recently used entry when the cache is full.
// Never raises: it runs after commits too.
void CacheStore(const ThrottleKey& key, const pg_mfa::core::LockoutState& state, int64 journal_id) {
    LWLockAcquire(shared->cache_lock, LW_EXCLUSIVE);
    bool found = false;
    auto* entry = static_cast<CacheEntry*>(hash_search(cache, &key, HASH_FIND, nullptr));
    if (entry == nullptr) {
        if (shared->cache_used >= max_entries && !dlist_is_empty(&shared->lru)) {
            // dlist_container's type check is C only: the same arithmetic by hand.
            auto* oldest = reinterpret_cast<CacheEntry*>(reinterpret_cast<char*>(dlist_tail_node(&shared->lru)) -
                                                         offsetof(CacheEntry, lru));
            dlist_delete(&oldest->lru);
            const ThrottleKey oldest_key = oldest->key;
            hash_search(cache, &oldest_key, HASH_REMOVE, nullptr);
            shared->cache_used -= 1;
        }
        entry = static_cast<CacheEntry*>(hash_search(cache, &key, HASH_ENTER_NULL, &found));
        if (entry == nullptr) {  // cannot happen with the count above; the journal still has the state
            LWLockRelease(shared->cache_lock);
            return;
        }
        shared->cache_used += 1;
        dlist_push_head(&shared->lru, &entry->lru);
    } else {
        dlist_move_head(&shared->lru, &entry->lru);
        if (entry->journal_id > journal_id) {  // a later row is cached already: the journal's order wins
            LWLockRelease(shared->cache_lock);
            return;
        }
    }
    entry->failures = state.failures;
    entry->locked_until = state.locked_until;
    entry->journal_id = journal_id;
    LWLockRelease(shared->cache_lock);
}

// CacheRemove drops a subject from the cache (the next lookup reads the journal).
void CacheRemove(const ThrottleKey& key) {
    LWLockAcquire(shared->cache_lock, LW_EXCLUSIVE);
    auto* entry = static_cast<CacheEntry*>(hash_search(cache, &key, HASH_FIND, nullptr));
    if (entry != nullptr) {
        dlist_delete(&entry->lru);
        hash_search(cache, &key, HASH_REMOVE, nullptr);
        shared->cache_used -= 1;
    }
    LWLockRelease(shared->cache_lock);
}

// CacheForgive applies a committed forgiving row: unless a later row is cached (a failure recorded after
// the forgiving row was written), the subject has no failures from it on.
void CacheForgive(const ThrottleKey& key, int64 journal_id) {
    LWLockAcquire(shared->cache_lock, LW_EXCLUSIVE);
    auto* entry = static_cast<CacheEntry*>(hash_search(cache, &key, HASH_FIND, nullptr));
    if (entry != nullptr && entry->journal_id < journal_id) {
        entry->failures = 0;
        entry->locked_until = 0;
        entry->journal_id = journal_id;
    }
    LWLockRelease(shared->cache_lock);
}

// ---------------------------------------------------------------------------------------------------------
// The journal

// The journal's relation, its subject index and the columns a lookup reads, found once per backend by
// schema-qualified catalog lookups (search_path plays no part: the functions that read the journal need no
// SET search_path clause) and forgotten whenever the relation cache is invalidated for the journal or its
// index (DROP/CREATE EXTENSION, ALTER EXTENSION UPDATE, a reindex), or for every relation.
struct JournalCatalog {
    bool valid = false;
    bool committed = false;   // the journal's catalog row was not made or changed by the current transaction
    Oid schema = InvalidOid;  // schema mfa: tells installations apart in the shared cache
    Oid journal = InvalidOid;
    Oid subject_index = InvalidOid;
    AttrNumber failures = 0, locked_until = 0, entry_id = 0;
};

JournalCatalog journal_catalog;
bool journal_callback_registered = false;

void ForgetJournal(Datum, Oid relid) {
    if (relid == InvalidOid || relid == journal_catalog.journal || relid == journal_catalog.subject_index) {
        journal_catalog.valid = false;
    }
}

// JournalCommitted: whether mfa.throttle_journal's catalog row was committed by another transaction than
// the current one (CREATE EXTENSION or ALTER EXTENSION UPDATE in this transaction make or change it).
bool JournalCommitted(Oid journal) {
    bool committed = false;
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(journal));
    if (HeapTupleIsValid(tuple)) {
        committed = !TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tuple->t_data));
        ReleaseSysCache(tuple);
    }
    return committed;
}

// Journal: the journal's catalog entry. With `require_committed` it raises 55000 when this transaction
// created (or changed) mfa.throttle_journal, as CREATE EXTENSION or ALTER EXTENSION UPDATE do: the worker,
// in its own transactions, cannot see it before this one commits, so a failure could not be recorded.
// Raised at admission, before anything is evaluated.
const JournalCatalog& Journal(bool require_committed) {
    if (!journal_catalog.valid) {
        if (!journal_callback_registered) {
            CacheRegisterRelcacheCallback(ForgetJournal, (Datum) 0);
            journal_callback_registered = true;
        }
        JournalCatalog next;
        next.schema = get_namespace_oid("mfa", false);
        next.journal = pg_mfa::pg::RelationIn(next.schema, "throttle_journal");
        next.failures = pg_mfa::pg::ColumnOf(next.journal, "throttle_journal", "failures");
        next.locked_until = pg_mfa::pg::ColumnOf(next.journal, "throttle_journal", "locked_until");
        next.entry_id = pg_mfa::pg::ColumnOf(next.journal, "throttle_journal", "entry_id");
        next.subject_index = pg_mfa::pg::IndexOn(
            next.schema, "throttle_journal_subject_idx", next.journal,
            {pg_mfa::pg::ColumnOf(next.journal, "throttle_journal", "kind"),
             pg_mfa::pg::ColumnOf(next.journal, "throttle_journal", "subject"), next.entry_id});
        next.valid = true;
        journal_catalog = next;
    }
    if (require_committed && !journal_catalog.committed) {
        journal_catalog.committed = JournalCommitted(journal_catalog.journal);
        if (!journal_catalog.committed) {
            error_context_stack = nullptr;
            ereport(ERROR,
                    (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                     errmsg("pg_mfa's login functions cannot run in the transaction that installed or updated pg_mfa"),
                     errdetail("Failed attempts are recorded by a background worker, which sees the extension's "
                               "tables only once that transaction has committed."),
                     errhint("Commit CREATE EXTENSION or ALTER EXTENSION pg_mfa UPDATE first.")));
        }
    }
    return journal_catalog;
}

// ReadJournal returns a subject's latest journal row as seen by a fresh snapshot (all that committed,
// whatever the calling transaction's isolation level, and this transaction's own rows). A subject without
// rows has no failures. One backward probe of the subject index (kind, subject, entry_id): the first row
// visible from the end of the subject's range is its latest.
void ReadJournal(char kind, int64 subject, pg_mfa::core::LockoutState* state, int64* journal_id) {
    state->failures = 0;
    state->locked_until = 0;
    *journal_id = 0;
    const JournalCatalog& c = Journal(false);
    Relation journal = table_open(c.journal, AccessShareLock);
    Relation index = index_open(c.subject_index, AccessShareLock);
    Snapshot snapshot = RegisterSnapshot(GetLatestSnapshot());
    ScanKeyData keys[2];
    ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_CHAREQ, CharGetDatum(kind));
    ScanKeyInit(&keys[1], 2, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(subject));
    TupleTableSlot* row = table_slot_create(journal, nullptr);
    IndexScanDesc scan = index_beginscan(journal, index, snapshot, 2, 0);
    index_rescan(scan, keys, 2, nullptr, 0);
    if (index_getnext_slot(scan, BackwardScanDirection, row)) {
        bool null = false;
        state->failures = DatumGetInt32(slot_getattr(row, c.failures, &null));
        const Datum locked = slot_getattr(row, c.locked_until, &null);
        state->locked_until = null ? 0 : DatumGetTimestampTz(locked);
        *journal_id = DatumGetInt64(slot_getattr(row, c.entry_id, &null));
    }
    index_endscan(scan);
    ExecDropSingleTupleTableSlot(row);
    UnregisterSnapshot(snapshot);
    index_close(index, NoLock);
    table_close(journal, NoLock);
}

// SubjectState: the cache's state of a subject, else the journal's (then cached).
pg_mfa::core::LockoutState SubjectState(char kind, int64 subject, Oid schema) {
    pg_mfa::core::LockoutState state;
    int64 journal_id = 0;
    if (Preloaded()) {
        const ThrottleKey key = MakeKey(kind, subject, schema);
        if (CacheFind(key, &state, &journal_id)) {
            return state;
        }
        ReadJournal(kind, subject, &state, &journal_id);
        CacheStore(key, state, journal_id);
        return state;
    }
    ReadJournal(kind, subject, &state, &journal_id);
    return state;
}

// LockSubject takes the subject's lock until the transaction ends: attempts on one subject are decided
// one after the other. A user's codes and passwords have separate locks, so a flood of passwords does not
// hold up the second step.
void LockSubject(char kind, int64 subject) {
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, static_cast<uint32>(static_cast<uint64>(subject) >> 32),
                         static_cast<uint32>(subject), kLockField4 | static_cast<uint8>(kind));
    (void) LockAcquire(&tag, ExclusiveLock, false, false);
}

// ---------------------------------------------------------------------------------------------------------
// Transaction ends: forgiving rows apply at commit, the reservation of the worker ends, and the commit waits
// for the synchronous standbys where pg_mfa consumed or revoked something.

struct PendingForgive {
    ThrottleKey key;
    int64 journal_id;
    int nest_level;
};

List* pending_forgives = NIL;
int wanted_commit_level = -1;  // a synchronous_commit level the commit must reach, -1 none
bool callbacks_registered = false;

void EndReservation() {
    Request* mine = MyRequestOrNull();
    if (mine != nullptr && mine->reserved) {
        LWLockAcquire(shared->queue_lock, LW_EXCLUSIVE);
        mine->reserved = false;
        LWLockRelease(shared->queue_lock);
    }
}

void AtTransactionEnd(XactEvent event, void*) {
    switch (event) {
        case XACT_EVENT_PRE_COMMIT:
            if (wanted_commit_level > synchronous_commit) {
                // SET LOCAL at the last moment: whatever the caller set (a setting changed inside a function
                // is undone before COMMIT), this commit waits for the synchronous standbys.
                (void) set_config_option("synchronous_commit",
                                         wanted_commit_level >= SYNCHRONOUS_COMMIT_REMOTE_APPLY ? "remote_apply" : "on",
                                         PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
            }
            break;
        case XACT_EVENT_PRE_PREPARE:
            if (wanted_commit_level >= 0 || pending_forgives != NIL) {
                ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                                errmsg("pg_mfa: cannot prepare a transaction in which a login succeeded or a token was "
                                       "consumed or revoked"),
                                errdetail("Its commit, later, would neither wait for the synchronous standbys nor "
                                          "reach the throttle's cache.")));
            }
            break;
        case XACT_EVENT_COMMIT:
        case XACT_EVENT_PARALLEL_COMMIT: {
            ListCell* cell;
            foreach (cell, pending_forgives) {
                const auto* pending = static_cast<const PendingForgive*>(lfirst(cell));
                CacheForgive(pending->key, pending->journal_id);
            }
            pending_forgives = NIL;  // the memory goes with TopTransactionContext
            wanted_commit_level = -1;
            EndReservation();
            break;
        }
        case XACT_EVENT_ABORT:
        case XACT_EVENT_PARALLEL_ABORT:
        case XACT_EVENT_PREPARE:
            pending_forgives = NIL;
            wanted_commit_level = -1;
            EndReservation();
            break;
        default:
            break;
    }
}

void AtSubtransactionEnd(SubXactEvent event, SubTransactionId, SubTransactionId, void*) {
    if (pending_forgives == NIL) {
        return;
    }
    const int level = GetCurrentTransactionNestLevel();  // the subtransaction that ends
    if (event == SUBXACT_EVENT_ABORT_SUB) {
        // Rolled back with the savepoint: its forgiving rows are gone, and so are their effects. The new list
        // lives in TopTransactionContext with its elements: this callback runs in TransactionAbortContext,
        // which is reset when the subtransaction has been cleaned up.
        MemoryContext previous = MemoryContextSwitchTo(TopTransactionContext);
        List* kept = NIL;
        ListCell* cell;
        foreach (cell, pending_forgives) {
            auto* pending = static_cast<PendingForgive*>(lfirst(cell));
            if (pending->nest_level < level) {
                kept = lappend(kept, pending);
            }
        }
        MemoryContextSwitchTo(previous);
        pending_forgives = kept;
    } else if (event == SUBXACT_EVENT_COMMIT_SUB) {
        ListCell* cell;
        foreach (cell, pending_forgives) {
            auto* pending = static_cast<PendingForgive*>(lfirst(cell));
            if (pending->nest_level >= level) {
                pending->nest_level = level - 1;
            }
        }
    }
}

// AtBackendExit runs when the backend exits, before its transaction is aborted and its locks released (it
// was registered after PostgreSQL's own clean-up). A failure in the worker's hands is waited for: the
// subject's lock must not pass to the next attempt before the count is committed (a caller that terminates
// its own backend while the failure is recorded gains nothing). Interrupts are not serviced here; the wait
// ends when the request is answered or the worker is gone.
void AtBackendExit(int, Datum) {
    pg_mfa::pg::ReleaseLargeHash();
    Request* mine = MyRequestOrNull();
    if (mine == nullptr) {
        return;
    }
    for (;;) {
        LWLockAcquire(shared->queue_lock, LW_EXCLUSIVE);
        const bool in_flight = mine->state == kRequestPending || mine->state == kRequestTaken;
        const bool worker_alive = mine->slot >= 0 && slots[mine->slot].state != kSlotFree &&
                                  slots[mine->slot].generation == mine->generation;
        if (!in_flight || !worker_alive) {
            mine->reserved = false;
            if (in_flight) {
                mine->abandoned = true;  // whoever answers it frees it
            } else {
                mine->state = kRequestFree;
            }
            LWLockRelease(shared->queue_lock);
            return;
        }
        LWLockRelease(shared->queue_lock);
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 100, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
    }
}

void RegisterCallbacks() {
    if (!callbacks_registered) {
        RegisterXactCallback(AtTransactionEnd, nullptr);
        RegisterSubXactCallback(AtSubtransactionEnd, nullptr);
        before_shmem_exit(AtBackendExit, (Datum) 0);
        callbacks_registered = true;
    }
}

void WantCommitLevel(int level) {
    RegisterCallbacks();
    ForceSyncCommit();  // the local flush, also with synchronous_commit = off
    if (level > wanted_commit_level) {
        wanted_commit_level = level;
    }
}

// ---------------------------------------------------------------------------------------------------------
// The worker, seen from a backend

// What a worker is told at its start: its database, and the slot generation it was started for.
struct WorkerStart {
    Oid database;
    uint32 generation;
};

// StartWorker registers the worker of slot `index`. Returns its handle, or nullptr when no background worker
// slot is free.
BackgroundWorkerHandle* StartWorker(int index, uint32 generation) {
    BackgroundWorker worker;
    memset(&worker, 0, sizeof worker);
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = BGW_NEVER_RESTART;
    snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_mfa");
    snprintf(worker.bgw_function_name, BGW_MAXLEN, "pg_mfa_throttle_worker");
    snprintf(worker.bgw_name, BGW_MAXLEN, "pg_mfa throttle worker for database %u", MyDatabaseId);
    snprintf(worker.bgw_type, BGW_MAXLEN, "pg_mfa throttle");
    worker.bgw_main_arg = Int32GetDatum(index);
    const WorkerStart start = {MyDatabaseId, generation};
    static_assert(sizeof start <= BGW_EXTRALEN, "bgw_extra holds the start");
    memcpy(worker.bgw_extra, &start, sizeof start);
    worker.bgw_notify_pid = MyProcPid;  // the postmaster sets our latch when it starts or stops
    BackgroundWorkerHandle* handle = nullptr;
    if (!RegisterDynamicBackgroundWorker(&worker, &handle)) {
        return nullptr;
    }
    return handle;
}

// ReserveWorker makes sure this database has a worker (starting one if needed) and marks this backend as one
// that may hand it a failure before the transaction ends, so it does not leave meanwhile. With `wait`,
// returns only once the worker is running. Raises 53000 when no worker can be started. The login flows call
// it (waiting) before they look anything up, so that happens before any guess is evaluated, and takes as
// long for every caller.
int ReserveWorker(bool wait) {
    RegisterCallbacks();
    Request* mine = MyRequest();
    BackgroundWorkerHandle* handle = nullptr;  // of a worker this call started and waits for
    int started_index = -1;
    uint32 started_generation = 0;
    int attempts = 0;
    for (;;) {
        const TimestampTz now = GetCurrentTimestamp();
        int index = -1;
        bool start = false;
        bool running = false;
        uint32 generation = 0;
        LWLockAcquire(shared->queue_lock, LW_EXCLUSIVE);
        for (int i = 0; i < shared->slot_count; ++i) {
            WorkerSlot* slot = &slots[i];
            if (slot->state == kSlotStarting &&
                TimestampDifferenceExceeds(slot->changed_at, now, kStartingStaleMillis)) {
                slot->state = kSlotFree;  // a worker that never came: reuse the slot
            }
            if (slot->state != kSlotFree && slot->database == MyDatabaseId) {
                index = i;
            }
        }
        if (index < 0) {
            for (int i = 0; i < shared->slot_count && index < 0; ++i) {
                if (slots[i].state == kSlotFree) {
                    index = i;
                    slots[i].database = MyDatabaseId;
                    slots[i].generation += 1;
                    slots[i].state = kSlotStarting;
                    slots[i].pid = 0;
                    slots[i].latch = nullptr;
                    slots[i].changed_at = now;
                    start = true;
                }
            }
        }
        if (index >= 0) {
            generation = slots[index].generation;
            if (mine->state != kRequestPending && mine->state != kRequestTaken) {
                mine->slot = index;  // a request in flight keeps the worker it was given
                mine->generation = generation;
                mine->database = MyDatabaseId;
            }
            mine->reserved = true;
            mine->latch = MyLatch;
            slots[index].last_used = now;
            running = slots[index].state == kSlotRunning;
        }
        LWLockRelease(shared->queue_lock);
        if (index < 0) {
            ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_RESOURCES),
                            errmsg("pg_mfa: too many databases use pg_mfa at once"),
                            errdetail("Each database that uses pg_mfa needs one of max_worker_processes (%d) for "
                                      "its throttle worker.",
                                      max_worker_processes),
                            errhint("Raise max_worker_processes.")));
        }
        if (start) {
            handle = StartWorker(index, generation);
            if (handle == nullptr) {
                LWLockAcquire(shared->queue_lock, LW_EXCLUSIVE);
                if (slots[index].generation == generation && slots[index].state == kSlotStarting) {
                    slots[index].state = kSlotFree;
                }
                LWLockRelease(shared->queue_lock);
                ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_RESOURCES),
                                errmsg("pg_mfa: could not start the throttle's background worker"),
                                errdetail("All background worker slots (max_worker_processes = %d) are in use.",
                                          max_worker_processes),
                                errhint("Raise max_worker_processes.")));
            }
            started_index = index;
            started_generation = generation;
        }
        if (!wait || running) {
            return index;
        }
        if (handle != nullptr) {
            // A worker this call started that stopped before it reported in (its database is being dropped,
            // say): free its slot and try again, a few times.
            pid_t pid = 0;
            const BgwHandleStatus status = GetBackgroundWorkerPid(handle, &pid);
            if (status == BGWH_STOPPED || status == BGWH_POSTMASTER_DIED) {
                LWLockAcquire(shared->queue_lock, LW_EXCLUSIVE);
                if (slots[started_index].generation == started_generation &&
                    slots[started_index].state == kSlotStarting) {
                    slots[started_index].state = kSlotFree;
                }
                LWLockRelease(shared->queue_lock);
                handle = nullptr;
                if (++attempts >= 3) {
                    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_RESOURCES),
                                    errmsg("pg_mfa: the throttle's background worker does not start"),
                                    errhint("The server log says why.")));
                }
            }
        }
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    }
}

struct Outcome {
    int32 failures;
    int64 locked_until;
    int32 token_failures;
};

// SendAndWait hands a failure to the worker and waits until it has committed it. The caller holds query
// cancels (SubmitFailure).
Outcome SendAndWait(const Request& what, Oid schema) {
    Request* mine = MyRequest();
    // A request an earlier backend with this slot left behind is finished first.
    for (;;) {
        LWLockAcquire(shared->queue_lock, LW_EXCLUSIVE);
        const bool busy = mine->state == kRequestPending || mine->state == kRequestTaken;
        if (!busy) {
            mine->state = kRequestFree;
            mine->abandoned = false;
        }
        LWLockRelease(shared->queue_lock);
        if (!busy) {
            break;
        }
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    }

    (void) ReserveWorker(true);  // running already, unless it died since the admission
    Latch* worker_latch = nullptr;
    LWLockAcquire(shared->queue_lock, LW_EXCLUSIVE);
    const int32 slot = mine->slot;
    const uint32 generation = mine->generation;
    const bool reserved = mine->reserved;
    memcpy(mine, &what, sizeof *mine);
    mine->slot = slot;
    mine->generation = generation;
    mine->database = MyDatabaseId;
    mine->reserved = reserved;
    mine->abandoned = false;
    mine->latch = MyLatch;
    mine->schema = schema;
    mine->state = kRequestPending;
    worker_latch = slots[slot].generation == generation ? slots[slot].latch : nullptr;
    LWLockRelease(shared->queue_lock);
    if (worker_latch != nullptr) {
        SetLatch(worker_latch);
    }

    Outcome outcome = {0, 0, 0};
    for (;;) {
        bool done = false;
        bool failed = false;
        bool orphaned = false;
        LWLockAcquire(shared->queue_lock, LW_EXCLUSIVE);
        if (mine->state == kRequestDone || mine->state == kRequestFailed) {
            failed = mine->state == kRequestFailed;
            outcome.failures = mine->failures;
            outcome.locked_until = mine->locked_until;
            outcome.token_failures = mine->token_failures;
            mine->state = kRequestFree;
            done = true;
        } else if (mine->state == kRequestPending &&
                   (slots[mine->slot].state == kSlotFree || slots[mine->slot].generation != mine->generation)) {
            orphaned = true;  // the worker left before taking it: hand it to a new one
        }
        LWLockRelease(shared->queue_lock);
        if (failed) {
            ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                            errmsg("pg_mfa: the throttle's background worker could not record a failed attempt"),
                            errhint("The server log says why.")));
        }
        if (done) {
            return outcome;
        }
        if (orphaned) {
            const int moved = ReserveWorker(true);
            LWLockAcquire(shared->queue_lock, LW_EXCLUSIVE);
            if (mine->state == kRequestPending) {
                mine->slot = moved;
                mine->generation = slots[moved].generation;
            }
            worker_latch = slots[moved].latch;
            LWLockRelease(shared->queue_lock);
            if (worker_latch != nullptr) {
                SetLatch(worker_latch);
            }
            continue;
        }
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 100, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();  // a termination still ends the backend, once the request is answered (AtBackendExit)
    }
}

// SubmitFailure records a failure through the worker. The guess it counts has been evaluated: from here to the
// answer no query cancel or statement_timeout is serviced, so the caller cannot learn the outcome without the
// count (a termination waits for the count in AtBackendExit).
Outcome SubmitFailure(const Request& what, Oid schema) {
    Outcome outcome = {0, 0, 0};
    HOLD_CANCEL_INTERRUPTS();
    PG_TRY();
    {
        outcome = SendAndWait(what, schema);
    }
    PG_FINALLY();
    {
        RESUME_CANCEL_INTERRUPTS();
    }
    PG_END_TRY();
    return outcome;
}

// ---------------------------------------------------------------------------------------------------------
// The worker

volatile int worker_slot = -1;     // the slot this worker process serves, -1 none
volatile uint32 worker_generation = 0;

// Mine: whether a request is for this worker (its slot, and the slot's assignment this worker was started
// for). Called with queue_lock held.
bool Mine(const Request& request, int index) {
    return request.slot == index && request.generation == worker_generation;
}

void WorkerExit(int, Datum) {
    const int index = worker_slot;
    if (index < 0 || shared == nullptr) {
        return;
    }
    LWLockAcquire(shared->queue_lock, LW_EXCLUSIVE);
    if (slots[index].generation == worker_generation && slots[index].state != kSlotFree) {
        slots[index].state = kSlotFree;
        slots[index].pid = 0;
        slots[index].latch = nullptr;
        slots[index].changed_at = GetCurrentTimestamp();
    }
    for (int i = 0; i < shared->request_count; ++i) {
        Request* request = &requests[i];
        if (!Mine(*request, index)) {
            continue;
        }
        if (request->state == kRequestTaken) {
            request->state = request->abandoned ? kRequestFree : kRequestFailed;
        }
        if (request->latch != nullptr) {
            SetLatch(request->latch);  // waiters look again: failed, or pending for a new worker
        }
    }
    LWLockRelease(shared->queue_lock);
}

void RaiseCommitLevel();

struct Recorded {
    ThrottleKey key;
    pg_mfa::core::LockoutState state;
    int64 journal_id;
};

SPIPlanPtr insert_plan = nullptr;
SPIPlanPtr event_plan = nullptr;
SPIPlanPtr token_plan = nullptr;

SPIPlanPtr KeepPlan(const char* query, int count, Oid* types) {
    SPIPlanPtr plan = SPI_prepare(query, count, types);
    if (plan == nullptr || SPI_keepplan(plan) != 0) {
        elog(ERROR, "pg_mfa: could not prepare \"%s\": %s", query, SPI_result_code_string(SPI_result));
    }
    return plan;
}

int64 InsertJournal(char kind, int64 subject, const pg_mfa::core::LockoutState& state, TimestampTz now) {
    if (insert_plan == nullptr) {
        Oid types[5] = {CHAROID, INT8OID, INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID};
        insert_plan = KeepPlan(
            "INSERT INTO mfa.throttle_journal (kind, subject, failures, locked_until, recorded_at) "
            "VALUES ($1, $2, $3, $4, $5) RETURNING entry_id",
            5, types);
    }
    Datum values[5] = {CharGetDatum(kind), Int64GetDatum(subject), Int32GetDatum(state.failures),
                       TimestampTzGetDatum(state.locked_until), TimestampTzGetDatum(now)};
    char nulls[5] = {' ', ' ', ' ', state.locked_until == 0 ? 'n' : ' ', ' '};
    const int rc = SPI_execute_plan(insert_plan, values, nulls, false, 1);
    if (rc != SPI_OK_INSERT_RETURNING || SPI_processed != 1) {
        elog(ERROR, "pg_mfa: journal insert failed: %s", SPI_result_code_string(rc));
    }
    bool null = false;
    return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &null));
}

// InsertEvent writes the failure's audit row. The realm is named only if its row can be key-share locked at
// once (the realm_id foreign key): the worker never waits for a lock a backend holds (the backend waits for
// the worker). The user id needs no lock: the audit trail keeps the ids of deleted users.
void InsertEvent(const Request& request) {
    if (event_plan == nullptr) {
        Oid types[6] = {TEXTOID, TEXTOID, INT8OID, INT8OID, INT8OID, TEXTOID};
        event_plan = KeepPlan(
            "INSERT INTO mfa.events (type, result, reason, realm_id, user_id, credential_id, client) "
            "SELECT $1, 'failure', $2, "
            "(SELECT r.realm_id FROM mfa.realms AS r WHERE r.realm_id OPERATOR(pg_catalog.=) $3 "
            " FOR KEY SHARE SKIP LOCKED), "
            "$4, $5, $6",
            6, types);
    }
    Datum values[6] = {CStringGetTextDatum(request.event_type), CStringGetTextDatum(request.event_reason),
                       Int64GetDatum(request.realm_id), Int64GetDatum(request.user_id),
                       Int64GetDatum(request.credential_id), CStringGetTextDatum(request.client)};
    char nulls[6] = {' ', request.event_reason[0] == '\0' ? 'n' : ' ', request.has_realm ? ' ' : 'n',
                     request.has_user ? ' ' : 'n', request.has_credential ? ' ' : 'n',
                     request.has_client ? ' ' : 'n'};
    const int rc = SPI_execute_plan(event_plan, values, nulls, false, 0);
    if (rc != SPI_OK_INSERT) {
        elog(ERROR, "pg_mfa: event insert failed: %s", SPI_result_code_string(rc));
    }
}

// CopyTokenCount writes a kli_ token's count into its row (mfa.mfa_tokens.failures, a copy of the journal's
// count for administrators), so that the backend's transaction has nothing to write for a wrong code. Only if
// the row can be locked at once: the worker never waits for a lock a backend holds, and a backend that holds
// the token's row when it counts a failure writes the copy itself.
void CopyTokenCount(int64 token_id, int32 failures) {
    if (token_plan == nullptr) {
        Oid types[2] = {INT8OID, INT4OID};
        token_plan = KeepPlan(
            "UPDATE mfa.mfa_tokens AS t SET failures = $2 "
            "WHERE t.mfa_token_id OPERATOR(pg_catalog.=) "
            "(SELECT l.mfa_token_id FROM mfa.mfa_tokens AS l WHERE l.mfa_token_id OPERATOR(pg_catalog.=) $1 "
            " FOR NO KEY UPDATE SKIP LOCKED)",
            2, types);
    }
    Datum values[2] = {Int64GetDatum(token_id), Int32GetDatum(failures)};
    const int rc = SPI_execute_plan(token_plan, values, nullptr, false, 0);
    if (rc != SPI_OK_UPDATE) {
        elog(ERROR, "pg_mfa: token count update failed: %s", SPI_result_code_string(rc));
    }
}

// CountFailure records one more failure of a subject in this batch's transaction, by the lockout policy or,
// for a client across users, the rate ceiling. The state before it is an earlier record of this batch, else
// the journal's latest row.
void CountFailure(char kind, int64 subject, Oid schema, const pg_mfa::core::LockoutPolicy* policy,
                  const pg_mfa::core::RateCeiling* ceiling, TimestampTz now, Recorded* batch, int* recorded,
                  pg_mfa::core::LockoutState* result) {
    const ThrottleKey key = MakeKey(kind, subject, schema);
    pg_mfa::core::LockoutState state;
    int64 journal_id = 0;
    int found = -1;
    for (int i = 0; i < *recorded; ++i) {
        if (memcmp(&batch[i].key, &key, sizeof key) == 0) {
            found = i;
        }
    }
    if (found >= 0) {
        state = batch[found].state;
    } else {
        ReadJournal(kind, subject, &state, &journal_id);  // the record, not the cache, is counted on
    }
    if (ceiling != nullptr) {
        pg_mfa::core::RecordRateFailure(*ceiling, now, &state);
    } else {
        pg_mfa::core::RecordFailure(*policy, now, &state);
    }
    const int64 id = InsertJournal(kind, subject, state, now);
    if (found < 0) {
        found = (*recorded)++;
        batch[found].key = key;
    }
    batch[found].state = state;
    batch[found].journal_id = id;
    *result = state;
}

// RecordRequest writes one request's counts and audit row, and puts its answer into it.
void RecordRequest(Request* request, Oid schema, Recorded* recorded, int* recorded_count) {
    if (request->database != MyDatabaseId || request->schema != schema) {  // dropped meanwhile, or not committed
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("pg_mfa: the installation the failed attempt is for is not this database's")));
    }
    pg_mfa::core::LockoutState state;
    if (request->user_kind != 0 && request->has_user) {
        pg_mfa::core::LockoutPolicy policy;
        policy.threshold = request->threshold;
        policy.base_delay = request->base_delay;
        policy.max_delay = request->max_delay;
        CountFailure(request->user_kind, request->subject, schema, &policy, nullptr, request->now, recorded,
                     recorded_count, &state);
        request->failures = state.failures;
        request->locked_until = state.locked_until;
    }
    if (request->has_token) {
        pg_mfa::core::LockoutPolicy policy;
        policy.threshold = request->token_threshold;
        policy.base_delay = 0;
        policy.max_delay = 0;
        CountFailure('t', request->token_id, schema, &policy, nullptr, request->now, recorded, recorded_count,
                     &state);
        request->token_failures = state.failures;
        CopyTokenCount(request->token_id, state.failures);
    }
    if (request->has_client_subject) {
        pg_mfa::core::RateCeiling ceiling;
        ceiling.limit = request->client_limit;
        ceiling.window = request->client_window;
        CountFailure('x', request->client_subject, schema, nullptr, &ceiling, request->now, recorded,
                     recorded_count, &state);
    }
    if (request->event_type[0] != '\0') {
        InsertEvent(*request);
    }
}

// RecordBatch writes the taken requests in one transaction and answers them after it committed.
void RecordBatch(int index, Request* taken, int* owners, int count) {
    Recorded recorded[3 * kBatch];  // each request counts up to three subjects
    int recorded_count = 0;
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    RaiseCommitLevel();
    if (SPI_connect() != SPI_OK_CONNECT) {
        elog(ERROR, "pg_mfa: SPI_connect failed");
    }
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, "pg_mfa: recording failed attempts");
    const Oid schema = get_namespace_oid("mfa", true);  // the installation this transaction sees
    bool failed[kBatch] = {};
    for (int i = 0; i < count; ++i) {
        // Each request in a subtransaction of its own: one that cannot be recorded (it names a kind of event
        // the table refuses, say) fails alone, and the others of the batch are still recorded.
        const int recorded_before = recorded_count;
        Recorded saved[3 * kBatch];  // an earlier record this request updates is put back if it fails
        memcpy(saved, recorded, sizeof(Recorded) * recorded_count);
        MemoryContext context = CurrentMemoryContext;
        ResourceOwner owner = CurrentResourceOwner;
        BeginInternalSubTransaction(nullptr);
        PG_TRY();
        {
            RecordRequest(&taken[i], schema, recorded, &recorded_count);
            ReleaseCurrentSubTransaction();
        }
        PG_CATCH();
        {
            MemoryContextSwitchTo(context);
            ErrorData* error = CopyErrorData();
            FlushErrorState();
            RollbackAndReleaseCurrentSubTransaction();
            ereport(LOG, (errcode(error->sqlerrcode),
                          errmsg("pg_mfa: could not record a failed attempt: %s", error->message)));
            FreeErrorData(error);
            recorded_count = recorded_before;
            memcpy(recorded, saved, sizeof(Recorded) * recorded_count);
            failed[i] = true;
        }
        PG_END_TRY();
        MemoryContextSwitchTo(context);
        CurrentResourceOwner = owner;
    }
    PopActiveSnapshot();
    SPI_finish();
    // Out of the cache until the commit is done: if this process died between the commit and the store
    // below, the next lookup reads the journal instead of a count that is too low.
    for (int i = 0; i < recorded_count; ++i) {
        CacheRemove(recorded[i].key);
    }
    CommitTransactionCommand();
    pgstat_report_activity(STATE_IDLE, nullptr);
    pgstat_report_stat(false);
    for (int i = 0; i < recorded_count; ++i) {
        CacheStore(recorded[i].key, recorded[i].state, recorded[i].journal_id);
    }
    LWLockAcquire(shared->queue_lock, LW_EXCLUSIVE);
    for (int i = 0; i < count; ++i) {
        Request* request = &requests[owners[i]];
        if (request->state != kRequestTaken || !Mine(*request, index)) {
            continue;
        }
        if (request->abandoned) {
            request->state = kRequestFree;
            request->abandoned = false;
            continue;
        }
        request->failures = taken[i].failures;
        request->locked_until = taken[i].locked_until;
        request->token_failures = taken[i].token_failures;
        request->state = failed[i] ? kRequestFailed : kRequestDone;
        if (request->latch != nullptr) {
            SetLatch(request->latch);
        }
    }
    slots[index].last_used = GetCurrentTimestamp();
    LWLockRelease(shared->queue_lock);
}

// Compact deletes journal rows that no longer decide anything: rows with a later row of the same
// subject, then forgiving rows left alone, then, a day or more after they were written, the rows of users,
// known clients and tokens deleted since and of client ceilings drained since.
void Compact() {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    if (SPI_connect() != SPI_OK_CONNECT) {
        elog(ERROR, "pg_mfa: SPI_connect failed");
    }
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, "pg_mfa: compacting the throttle journal");
    const Oid schema = get_namespace_oid("mfa", true);
    int statements_count = 3;
    if (!OidIsValid(schema) || !OidIsValid(get_relname_relid("throttle_journal", schema))) {
        statements_count = 0;  // pg_mfa was dropped meanwhile: nothing to compact
    }
    const char* statements[] = {
        "DELETE FROM mfa.throttle_journal AS j WHERE EXISTS (SELECT FROM mfa.throttle_journal AS k "
        "WHERE k.kind OPERATOR(pg_catalog.=) j.kind AND k.subject OPERATOR(pg_catalog.=) j.subject "
        "AND k.entry_id OPERATOR(pg_catalog.>) j.entry_id)",
        "DELETE FROM mfa.throttle_journal AS j WHERE j.failures OPERATOR(pg_catalog.=) 0 "
        "AND NOT EXISTS (SELECT FROM mfa.throttle_journal AS k WHERE k.kind OPERATOR(pg_catalog.=) j.kind "
        "AND k.subject OPERATOR(pg_catalog.=) j.subject AND k.entry_id OPERATOR(pg_catalog.<) j.entry_id)",
        "DELETE FROM mfa.throttle_journal AS j "
        "WHERE j.recorded_at OPERATOR(pg_catalog.<) pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) "
        "'1 day'::pg_catalog.interval AND CASE j.kind "
        "WHEN 't' THEN NOT EXISTS (SELECT FROM mfa.mfa_tokens AS t WHERE t.mfa_token_id OPERATOR(pg_catalog.=) j.subject) "
        "WHEN 'k' THEN NOT EXISTS (SELECT FROM mfa.known_clients AS k "
        "WHERE k.known_client_id OPERATOR(pg_catalog.=) j.subject) "
        "WHEN 'd' THEN NOT EXISTS (SELECT FROM mfa.remembered_devices AS d "
        "WHERE d.device_id OPERATOR(pg_catalog.=) j.subject) "
        "WHEN 'x' THEN j.locked_until OPERATOR(pg_catalog.<) pg_catalog.clock_timestamp() "
        "ELSE NOT EXISTS (SELECT FROM mfa.users AS u WHERE u.user_id OPERATOR(pg_catalog.=) j.subject) END",
    };
    for (int i = 0; i < statements_count; ++i) {
        const int rc = SPI_execute(statements[i], false, 0);
        if (rc != SPI_OK_DELETE) {
            elog(ERROR, "pg_mfa: journal compaction failed: %s", SPI_result_code_string(rc));
        }
    }
    PopActiveSnapshot();
    SPI_finish();
    CommitTransactionCommand();
    pgstat_report_activity(STATE_IDLE, nullptr);
    pgstat_report_stat(false);
}

// RaiseCommitLevel: the worker's commits wait for the synchronous standbys (a failure it acknowledges is on
// them), unless the server asks for even more. SET LOCAL for the current transaction: a reload of the
// configuration still applies to the next one.
void RaiseCommitLevel() {
    if (synchronous_commit < SYNCHRONOUS_COMMIT_REMOTE_FLUSH) {
        (void) set_config_option("synchronous_commit", "on", PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
    }
}

// PinWorkerSettings overrides settings a role or database may have set (ALTER ROLE/DATABASE ... SET) that
// would make the worker's transactions fail or behave otherwise than it is written for.
void PinWorkerSettings() {
    const char* settings[][2] = {
        {"statement_timeout", "0"},
        {"lock_timeout", "0"},
        {"idle_in_transaction_session_timeout", "0"},
        {"default_transaction_isolation", "read committed"},
        {"default_transaction_read_only", "off"},
        {"default_transaction_deferrable", "off"},
        {"session_replication_role", "origin"},
        {"search_path", "pg_catalog, pg_temp"},
    };
    for (const auto& setting : settings) {
        SetConfigOption(setting[0], setting[1], PGC_SUSET, PGC_S_OVERRIDE);
    }
}

}  // namespace

extern "C" void pg_mfa_throttle_worker(Datum argument) {
    const int index = DatumGetInt32(argument);
    WorkerStart start;
    memcpy(&start, MyBgworkerEntry->bgw_extra, sizeof start);
    if (shared == nullptr || index < 0 || index >= shared->slot_count) {
        proc_exit(1);
    }
    // The slot must still be waiting for this worker (a worker that started too late finds it reused).
    LWLockAcquire(shared->queue_lock, LW_EXCLUSIVE);
    const bool expected = slots[index].generation == start.generation && slots[index].state == kSlotStarting &&
                          slots[index].database == start.database;
    LWLockRelease(shared->queue_lock);
    if (!expected) {
        proc_exit(0);
    }
    worker_slot = index;
    worker_generation = start.generation;
    before_shmem_exit(WorkerExit, (Datum) 0);
    pqsignal(SIGTERM, die);
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnectionByOid(start.database, InvalidOid, 0);
    PinWorkerSettings();

    LWLockAcquire(shared->queue_lock, LW_EXCLUSIVE);
    if (slots[index].generation != worker_generation || slots[index].state != kSlotStarting) {
        LWLockRelease(shared->queue_lock);
        worker_slot = -1;
        proc_exit(0);
    }
    slots[index].state = kSlotRunning;
    slots[index].pid = MyProcPid;
    slots[index].latch = MyLatch;
    slots[index].changed_at = GetCurrentTimestamp();
    slots[index].last_used = slots[index].changed_at;
    for (int i = 0; i < shared->request_count; ++i) {
        if (requests[i].slot == index && requests[i].latch != nullptr &&
            (requests[i].reserved || requests[i].state == kRequestPending)) {
            SetLatch(requests[i].latch);  // waiting for the worker to run, or orphaned and looking for one
        }
    }
    LWLockRelease(shared->queue_lock);

    Request taken[kBatch];
    int owners[kBatch];
    int written = 0;  // journal rows since the last compaction
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
        }
        int count = 0;
        bool idle = false;
        LWLockAcquire(shared->queue_lock, LW_EXCLUSIVE);
        for (int i = 0; i < shared->request_count && count < kBatch; ++i) {
            if (Mine(requests[i], index) && requests[i].state == kRequestPending) {
                requests[i].state = kRequestTaken;
                memcpy(&taken[count], &requests[i], sizeof(Request));
                owners[count++] = i;
            }
        }
        if (count == 0 &&
            TimestampDifferenceExceeds(slots[index].last_used, GetCurrentTimestamp(), kWorkerIdleMillis)) {
            idle = true;
            for (int i = 0; i < shared->request_count && idle; ++i) {
                if (Mine(requests[i], index) && requests[i].reserved) {
                    idle = false;
                }
            }
        }
        LWLockRelease(shared->queue_lock);
        if (count > 0) {
            RecordBatch(index, taken, owners, count);
            for (int i = 0; i < count; ++i) {
                written += (taken[i].user_kind != 0 && taken[i].has_user) + taken[i].has_token;
            }
            continue;
        }
        if (written >= kCompactEvery) {  // only with no request waiting: a compaction is not short
            Compact();
            written = 0;
            continue;
        }
        if (idle) {
            if (written > 0) {
                Compact();
                written = 0;
                continue;  // look again: a request may have come meanwhile
            }
            // Leave, unless a request or a reservation came in since the look above.
            bool leave = true;
            LWLockAcquire(shared->queue_lock, LW_EXCLUSIVE);
            for (int i = 0; i < shared->request_count && leave; ++i) {
                if (Mine(requests[i], index) && (requests[i].reserved || requests[i].state == kRequestPending)) {
                    leave = false;
                }
            }
            if (leave) {
                slots[index].state = kSlotFree;
                slots[index].pid = 0;
                slots[index].latch = nullptr;
                slots[index].changed_at = GetCurrentTimestamp();
            }
            LWLockRelease(shared->queue_lock);
            if (leave) {
                worker_slot = -1;
                proc_exit(0);
            }
        }
        (void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 500, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
    }
}

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
                            "Subjects (users, kli_ tokens) the throttle's shared-memory cache holds.",
                            "About 100 bytes each. When full, the entry used longest ago makes room; its count "
                            "stays in mfa.throttle_journal and is read back when needed.",
                            &max_entries, 100000, 1000, 10000000, PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
    previous_request = shmem_request_hook;
    shmem_request_hook = RequestShared;
    previous_startup = shmem_startup_hook;
    shmem_startup_hook = StartupShared;
}

void AcquireLargeHash() {
    if (shared == nullptr || counted_large_hash) {
        return;
    }
    RegisterCallbacks();  // its exit callback gives the slot back
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

int64 IntervalMicros(const Interval* interval) noexcept {
    int64 days = 0;
    int64 result = 0;
    if (pg_mul_s64_overflow(static_cast<int64>(interval->month), DAYS_PER_MONTH, &days) ||
        pg_add_s64_overflow(days, interval->day, &days) || pg_mul_s64_overflow(days, USECS_PER_DAY, &result) ||
        pg_add_s64_overflow(result, interval->time, &result)) {
        return (interval->month < 0 || interval->day < 0) ? PG_INT64_MIN : PG_INT64_MAX;
    }
    return result;
}

void RequireThrottle() {
    RequirePreloaded();
    (void) Journal(true);
    (void) ReserveWorker(true);
}

void RequireCommitWait(bool revocation) {
    WantCommitLevel(revocation ? SYNCHRONOUS_COMMIT_REMOTE_APPLY : SYNCHRONOUS_COMMIT_REMOTE_FLUSH);
}

}  // namespace pg_mfa::pg

namespace {

// KindArgument: a subject kind a flow may name (the client ceiling 'x' has functions of its own).
char KindArgument(FunctionCallInfo fcinfo, int argument, bool allow_token) {
    const char kind = PG_GETARG_CHAR(argument);
    if (kind != 'c' && kind != 'p' && kind != 'k' && kind != 'd' && !(allow_token && kind == 't')) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("pg_mfa: unknown throttle subject kind")));
    }
    return kind;
}

TimestampTz FiniteNow(FunctionCallInfo fcinfo, int argument) {
    const TimestampTz now = PG_GETARG_TIMESTAMPTZ(argument);
    if (TIMESTAMP_NOT_FINITE(now)) {
        ereport(ERROR, (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE), errmsg("pg_mfa: the time of an attempt must be finite")));
    }
    return now;
}

// CopyEventText copies an event type or reason (NULL: none) after checking it is one a failed attempt's audit
// row may have (mfa.events' CHECK constraints), so the worker is never handed a row it cannot write.
void CopyEventText(FunctionCallInfo fcinfo, int argument, const char* const* allowed, char* out) {
    out[0] = '\0';
    if (PG_ARGISNULL(argument)) {
        return;
    }
    const char* value = text_to_cstring(PG_GETARG_TEXT_PP(argument));
    for (const char* const* name = allowed; *name != nullptr; ++name) {
        if (strcmp(value, *name) == 0) {
            strlcpy(out, value, kEventText);
            return;
        }
    }
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("pg_mfa: not an event of a failed attempt")));
}

const char* const kFailureEvents[] = {"password_login", "mfa_login", "totp_verify", "step_up", nullptr};
const char* const kFailureReasons[] = {"unknown_user", "no_password", "wrong_password", "wrong_code",
                                       "replayed_code", "invalid_token", "token_used", "throttled",
                                       "disabled", "token_exhausted", "malformed_code", "wrong_recovery_code",
                                       "used_recovery_code", "enrollment_expired", "user_disabled",
                                       "client_throttled", "needs_enrollment", nullptr};

// RateArguments reads a client ceiling (limit, window) from two arguments, both required.
pg_mfa::core::RateCeiling RateArguments(FunctionCallInfo fcinfo, int limit_argument, int window_argument) {
    pg_mfa::core::RateCeiling ceiling;
    if (PG_ARGISNULL(limit_argument) || PG_ARGISNULL(window_argument)) {
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("pg_mfa: a client ceiling needs a limit and a window")));
    }
    ceiling.limit = PG_GETARG_INT32(limit_argument);
    ceiling.window = pg_mfa::pg::IntervalMicros(PG_GETARG_INTERVAL_P(window_argument));
    if (ceiling.limit < 1 || ceiling.window < 1) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("pg_mfa: a client ceiling must be positive")));
    }
    return ceiling;
}

}  // namespace

// mfa_internal._throttle_admit(kind "char", subject bigint, threshold int, disable_threshold int,
//                              now timestamptz) -> text
// 'admit', 'locked' or 'disabled' for an attempt on a user's codes ('c') or passwords ('p'), or on a kli_
// token ('t'). Takes the subject's lock to the end of the transaction, and reserves the database's
// worker for the failure that may follow (raising 53000 now, before anything is evaluated, if there is
// none to be had).
extern "C" Datum pg_mfa_throttle_admit(PG_FUNCTION_ARGS) {
    RequirePreloaded();
    const char kind = KindArgument(fcinfo, 0, true);
    const int64 subject = PG_GETARG_INT64(1);
    pg_mfa::core::LockoutPolicy policy;
    policy.threshold = PG_GETARG_INT32(2);
    policy.disable_threshold = PG_GETARG_INT32(3);
    const TimestampTz now = FiniteNow(fcinfo, 4);
    const Oid schema = Journal(true).schema;
    LockSubject(kind, subject);
    (void) ReserveWorker(false);
    const pg_mfa::core::LockoutState state = SubjectState(kind, subject, schema);
    const pg_mfa::core::Admission admission = pg_mfa::core::CheckAttempt(policy, now, state);
    PG_RETURN_TEXT_P(cstring_to_text(admission == pg_mfa::core::Admission::kAdmit    ? "admit"
                                     : admission == pg_mfa::core::Admission::kLocked ? "locked"
                                                                                     : "disabled"));
}

// mfa_internal._throttle_failed(kind "char", subject bigint, user_id bigint, token_id bigint, threshold int,
//     token_threshold int, base_delay interval, max_delay interval, now timestamptz, event_type text,
//     event_reason text, realm_id bigint, credential_id bigint, client_subject bigint, client_limit int,
//     client_window interval, client text, OUT failures int, OUT locked_until timestamptz,
//     OUT token_failures int)
// Records an unsuccessful attempt through the worker and returns once it is committed: one more failure of
// the subject of that kind (a user's codes or passwords, a known client's passwords; NULL kind: none), one
// more of the kli_ token (token_id; NULL for none), one more of the client across users (client_subject,
// by its ceiling; NULL for none), and the audit row (event_type; NULL for none) with the user, realm,
// credential and client it names, and the token's copy of its count in its row (unless the caller holds
// that row). The caller holds the subjects' locks (_throttle_admit, _client_admit).
extern "C" Datum pg_mfa_throttle_failed(PG_FUNCTION_ARGS) {
    RequirePreloaded();
    Request what;
    memset(&what, 0, sizeof what);
    what.user_kind = PG_ARGISNULL(0) ? 0 : KindArgument(fcinfo, 0, false);
    what.subject = PG_ARGISNULL(1) ? 0 : PG_GETARG_INT64(1);
    what.has_user = !PG_ARGISNULL(2);
    what.user_id = what.has_user ? PG_GETARG_INT64(2) : 0;
    what.has_token = !PG_ARGISNULL(3);
    what.token_id = what.has_token ? PG_GETARG_INT64(3) : 0;
    // The policy a count needs, and the time every record needs.
    const bool counted = what.user_kind != 0;
    const bool needed[9] = {false, counted, false, false, counted, what.has_token, counted, counted, true};
    for (int i = 0; i < 9; ++i) {
        if (needed[i] && PG_ARGISNULL(i)) {
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                            errmsg("pg_mfa: internal throttle function argument %d is null", i + 1)));
        }
    }
    what.threshold = PG_ARGISNULL(4) ? 0 : PG_GETARG_INT32(4);
    what.token_threshold = PG_ARGISNULL(5) ? 0 : PG_GETARG_INT32(5);
    what.base_delay = PG_ARGISNULL(6) ? 0 : pg_mfa::pg::IntervalMicros(PG_GETARG_INTERVAL_P(6));
    what.max_delay = PG_ARGISNULL(7) ? 0 : pg_mfa::pg::IntervalMicros(PG_GETARG_INTERVAL_P(7));
    what.now = FiniteNow(fcinfo, 8);
    CopyEventText(fcinfo, 9, kFailureEvents, what.event_type);
    CopyEventText(fcinfo, 10, kFailureReasons, what.event_reason);
    what.has_realm = !PG_ARGISNULL(11);
    what.realm_id = what.has_realm ? PG_GETARG_INT64(11) : 0;
    what.has_credential = !PG_ARGISNULL(12);
    what.credential_id = what.has_credential ? PG_GETARG_INT64(12) : 0;
    what.has_client_subject = !PG_ARGISNULL(13);
    if (what.has_client_subject) {
        what.client_subject = PG_GETARG_INT64(13);
        const pg_mfa::core::RateCeiling ceiling = RateArguments(fcinfo, 14, 15);
        what.client_limit = ceiling.limit;
        what.client_window = ceiling.window;
    }
    what.has_client = !PG_ARGISNULL(16);
    if (what.has_client) {
        text* client = PG_GETARG_TEXT_PP(16);
        const size_t length = VARSIZE_ANY_EXHDR(client);
        if (length >= sizeof what.client) {
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("pg_mfa: client is too long")));
        }
        memcpy(what.client, VARDATA_ANY(client), length);
        what.client[length] = '\0';
    }
    const Oid schema = Journal(true).schema;
    const Outcome outcome = SubmitFailure(what, schema);

    TupleDesc descriptor;
    if (get_call_result_type(fcinfo, nullptr, &descriptor) != TYPEFUNC_COMPOSITE) {
        elog(ERROR, "pg_mfa: _throttle_failed must return a record");
    }
    descriptor = BlessTupleDesc(descriptor);
    Datum values[3] = {Int32GetDatum(outcome.failures), TimestampTzGetDatum(outcome.locked_until),
                       Int32GetDatum(outcome.token_failures)};
    bool nulls[3] = {!counted, !counted || outcome.locked_until == 0, !what.has_token};
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(descriptor, values, nulls)));
}

// mfa_internal._client_admit(subject bigint, limit int, window interval, now timestamptz) -> boolean
// Whether one client's failed passwords across the users of a realm leave room for one more attempt (the
// credential-stuffing ceiling: `limit` failures in a burst, refilled at `limit` per `window`). Takes the
// client's lock to the end of the transaction, so attempts from one client are decided one after the other,
// and reserves the worker like _throttle_admit.
extern "C" Datum pg_mfa_client_admit(PG_FUNCTION_ARGS) {
    RequirePreloaded();
    if (PG_ARGISNULL(0) || PG_ARGISNULL(3)) {
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("pg_mfa: a client attempt needs a subject and a time")));
    }
    const int64 subject = PG_GETARG_INT64(0);
    const pg_mfa::core::RateCeiling ceiling = RateArguments(fcinfo, 1, 2);
    const TimestampTz now = FiniteNow(fcinfo, 3);
    const Oid schema = Journal(true).schema;
    LockSubject('x', subject);
    (void) ReserveWorker(false);
    PG_RETURN_BOOL(pg_mfa::core::RateAdmits(ceiling, now, SubjectState('x', subject, schema)));
}

// mfa_internal._throttle_count(kind "char", subject bigint) -> integer: the subject's count of failures,
// after taking its lock (the caller may then write a forgiving row). Works without preloading too (it
// then reads the journal).
extern "C" Datum pg_mfa_throttle_count(PG_FUNCTION_ARGS) {
    const char kind = KindArgument(fcinfo, 0, false);
    const int64 subject = PG_GETARG_INT64(1);
    LockSubject(kind, subject);
    PG_RETURN_INT32(SubjectState(kind, subject, Preloaded() ? Journal(false).schema : InvalidOid).failures);
}

// mfa_internal._throttle_forgive(kind "char", subject bigint, entry_id bigint) -> void: the caller wrote a
// forgiving journal row (entry_id) in this transaction; the cache follows when, and only if, it commits.
extern "C" Datum pg_mfa_throttle_forgive(PG_FUNCTION_ARGS) {
    const char kind = KindArgument(fcinfo, 0, false);
    if (Preloaded()) {
        RegisterCallbacks();
        MemoryContext previous = MemoryContextSwitchTo(TopTransactionContext);
        auto* pending = static_cast<PendingForgive*>(palloc(sizeof(PendingForgive)));
        pending->key = MakeKey(kind, PG_GETARG_INT64(1), Journal(false).schema);
        pending->journal_id = PG_GETARG_INT64(2);
        pending->nest_level = GetCurrentTransactionNestLevel();
        pending_forgives = lappend(pending_forgives, pending);
        MemoryContextSwitchTo(previous);
    }
    PG_RETURN_VOID();
}

// mfa_internal._throttle_preloaded() -> boolean: whether pg_mfa is in shared_preload_libraries.
extern "C" Datum pg_mfa_throttle_preloaded(PG_FUNCTION_ARGS) {
    PG_RETURN_BOOL(Preloaded());
}

// mfa_internal._durable_revocation() -> void: this transaction ended a token or session. Its commit is
// flushed, and waits until the synchronous standbys have applied it (remote_apply), so the token is dead
// there too once the call's transaction has committed.
extern "C" Datum pg_mfa_durable_revocation(PG_FUNCTION_ARGS) {
    pg_mfa::pg::RequireCommitWait(true);
    PG_RETURN_VOID();
}
