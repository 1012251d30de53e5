// session_functions.cpp: mfa.validate_session and mfa.session_info, the per-request path.
//
// Every request of every logged-in user runs one of these, so they read the rows directly: a probe of the
// sessions table's unique index on the token's digest, the heap tuple it points to (visibility checked by the
// index scan against the query's snapshot), then the user's row and the realm's row through their primary
// keys, and for session_info the user's TOTP devices through credentials_user_totp_idx. It is the same
// decision as the SQL it replaces (a live session: not revoked, not expired, not idle past the realm's idle
// timeout, of a user who is not disabled), with no executor, no PL/pgSQL and no setting saved and restored
// per call. Read-only: it runs on hot standbys.
//
// Names: the relations are found once per backend by schema-qualified catalog lookups (the namespace "mfa"
// by name, then each relation by name inside that namespace's OID). search_path plays no part in those
// lookups, so these functions take no SET search_path clause. The OIDs and column numbers are forgotten
// whenever the relation cache is invalidated for any of these relations (DROP/CREATE EXTENSION, ALTER TABLE,
// a reindex), and looked up again on the next call.
//
// Rights: the functions are C, not SECURITY DEFINER; opening the relations directly checks no table rights,
// so the EXECUTE grant (mfa.grant_client) is what admits a caller, as for every pg_mfa function.
#include "pg/pg_glue.hpp"

#include "core/random.hpp"

extern "C" {
#include "access/genam.h"
#include "access/xact.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "nodes/execnodes.h"
#include "storage/lockdefs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"
#include "miscadmin.h"

PG_FUNCTION_INFO_V1(pg_mfa_validate_session);
PG_FUNCTION_INFO_V1(pg_mfa_session_info);
PG_FUNCTION_INFO_V1(pg_mfa_realms_changed);
}

namespace core = pg_mfa::core;
using pg_mfa::pg::ColumnOf;
using pg_mfa::pg::IndexOn;
using pg_mfa::pg::RelationIn;

namespace {

// The relations, indexes and column numbers the lookup reads; valid until a relcache invalidation of any
// of them (or of all relations) clears `valid`.
struct SessionCatalog {
    bool valid = false;
    Oid sessions = InvalidOid;
    Oid sessions_digest_index = InvalidOid;
    Oid users = InvalidOid;
    Oid users_key = InvalidOid;
    Oid realms = InvalidOid;
    Oid realms_key = InvalidOid;
    Oid credentials = InvalidOid;
    Oid credentials_totp_index = InvalidOid;
    // mfa.sessions
    AttrNumber s_session_id = 0, s_user_id = 0, s_created_at = 0, s_expires_at = 0, s_revoked_at = 0,
               s_last_seen_at = 0, s_mfa_at = 0, s_methods = 0;
    // mfa.users
    AttrNumber u_realm_id = 0, u_disabled_at = 0;
    // mfa.realms
    AttrNumber r_name = 0, r_session_idle_timeout = 0;
    // mfa.credentials
    AttrNumber c_type = 0, c_state = 0;
};

SessionCatalog catalog;
bool callback_registered = false;

// The realms, kept per backend the way PostgreSQL keeps its catalogs: what a realm's row says (name, idle
// timeout) as of the latest committed state, read on first use, forgotten whenever the relation cache of
// mfa.realms is invalidated. Every change of mfa.realms invalidates it (the statement trigger realms_changed
// calls _realms_changed: at commit for the other backends, at the end of the command for this one, and
// again on rollback), and every lookup first takes the invalidations that other backends' commits have
// queued. A realm is one of a handful of rows that change rarely; this saves the realms index probe and heap
// fetch on every request.
struct RealmEntry {
    bool used = false;
    int64 realm_id = 0;
    text* name = nullptr;         // in TopMemoryContext
    bool has_idle_timeout = false;
    Interval idle_timeout = {};
};
constexpr int kRealmSlots = 16;   // direct-mapped by realm id
RealmEntry realm_cache[kRealmSlots];

void ForgetRealms() {
    for (RealmEntry& entry : realm_cache) {
        if (entry.name != nullptr) {
            pfree(entry.name);
        }
        entry = RealmEntry();
    }
}
TupleDesc validate_desc = nullptr;      // (user_id bigint, realm text, expires_at timestamptz), blessed
TupleDesc info_desc = nullptr;          // session_info's seven columns, blessed

void ForgetCatalog(Datum, Oid relid) {
    if (relid == InvalidOid || relid == catalog.realms) {
        ForgetRealms();
    }
    if (!catalog.valid) {
        return;
    }
    if (relid == InvalidOid || relid == catalog.sessions || relid == catalog.sessions_digest_index ||
        relid == catalog.users || relid == catalog.users_key || relid == catalog.realms ||
        relid == catalog.realms_key || relid == catalog.credentials || relid == catalog.credentials_totp_index) {
        catalog.valid = false;
    }
}

void LoadCatalog() {
    if (catalog.valid) {
        return;
    }
    if (!callback_registered) {
        CacheRegisterRelcacheCallback(ForgetCatalog, (Datum) 0);
        callback_registered = true;
    }
    SessionCatalog next;
    const Oid schema = get_namespace_oid("mfa", false);
    next.sessions = RelationIn(schema, "sessions");
    next.users = RelationIn(schema, "users");
    next.realms = RelationIn(schema, "realms");
    next.credentials = RelationIn(schema, "credentials");
    next.s_session_id = ColumnOf(next.sessions, "sessions", "session_id");
    next.s_user_id = ColumnOf(next.sessions, "sessions", "user_id");
    next.s_created_at = ColumnOf(next.sessions, "sessions", "created_at");
    next.s_expires_at = ColumnOf(next.sessions, "sessions", "expires_at");
    next.s_revoked_at = ColumnOf(next.sessions, "sessions", "revoked_at");
    next.s_last_seen_at = ColumnOf(next.sessions, "sessions", "last_seen_at");
    next.s_mfa_at = ColumnOf(next.sessions, "sessions", "mfa_at");
    next.s_methods = ColumnOf(next.sessions, "sessions", "methods");
    next.u_realm_id = ColumnOf(next.users, "users", "realm_id");
    next.u_disabled_at = ColumnOf(next.users, "users", "disabled_at");
    next.r_name = ColumnOf(next.realms, "realms", "name");
    next.r_session_idle_timeout = ColumnOf(next.realms, "realms", "session_idle_timeout");
    next.c_type = ColumnOf(next.credentials, "credentials", "type");
    next.c_state = ColumnOf(next.credentials, "credentials", "state");
    next.sessions_digest_index = IndexOn(schema, "sessions_token_digest_key", next.sessions,
                                         {ColumnOf(next.sessions, "sessions", "token_digest")});
    next.users_key = IndexOn(schema, "users_pkey", next.users, {ColumnOf(next.users, "users", "user_id")});
    next.realms_key = IndexOn(schema, "realms_pkey", next.realms, {ColumnOf(next.realms, "realms", "realm_id")});
    next.credentials_totp_index = IndexOn(schema, "credentials_user_totp_idx", next.credentials,
                                          {ColumnOf(next.credentials, "credentials", "user_id")});
    next.valid = true;
    catalog = next;
}

TupleDesc ResultDesc(bool info) {
    TupleDesc* cached = info ? &info_desc : &validate_desc;
    if (*cached != nullptr) {
        return *cached;
    }
    MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
    TupleDesc desc;
    if (info) {
        desc = CreateTemplateTupleDesc(7);
        TupleDescInitEntry(desc, 1, "session_id", INT8OID, -1, 0);
        TupleDescInitEntry(desc, 2, "user_id", INT8OID, -1, 0);
        TupleDescInitEntry(desc, 3, "realm", TEXTOID, -1, 0);
        TupleDescInitEntry(desc, 4, "expires_at", TIMESTAMPTZOID, -1, 0);
        TupleDescInitEntry(desc, 5, "aal", TEXTOID, -1, 0);
        TupleDescInitEntry(desc, 6, "mfa_at", TIMESTAMPTZOID, -1, 0);
        TupleDescInitEntry(desc, 7, "methods", TEXTARRAYOID, -1, 0);
    } else {
        desc = CreateTemplateTupleDesc(3);
        TupleDescInitEntry(desc, 1, "user_id", INT8OID, -1, 0);
        TupleDescInitEntry(desc, 2, "realm", TEXTOID, -1, 0);
        TupleDescInitEntry(desc, 3, "expires_at", TIMESTAMPTZOID, -1, 0);
    }
    desc = BlessTupleDesc(desc);
    MemoryContextSwitchTo(old);
    *cached = desc;
    return desc;
}

// FirstVisible probes `index` of `heap` for rows whose first index column equals `key` (compared with
// `procedure`) and leaves the first one visible to the query's snapshot (or `snapshot`) in `slot`. `accept`, when given,
// skips rows it returns false for. Returns whether a row was found.
template <typename Accept>
bool FirstVisible(Relation heap, Relation index, TupleTableSlot* slot, RegProcedure procedure, Datum key,
                  Accept&& accept, Snapshot snapshot = nullptr) {
    ScanKeyData scan_key;
    ScanKeyInit(&scan_key, 1, BTEqualStrategyNumber, procedure, key);
    IndexScanDesc scan = index_beginscan(heap, index, snapshot != nullptr ? snapshot : GetActiveSnapshot(), 1, 0);
    index_rescan(scan, &scan_key, 1, nullptr, 0);
    bool found = false;
    while (index_getnext_slot(scan, ForwardScanDirection, slot)) {
        if (accept(slot)) {
            found = true;
            break;
        }
    }
    index_endscan(scan);
    return found;
}

bool TextEquals(Datum value, const char* expected) {
    const text* t = DatumGetTextPP(value);
    const size_t length = VARSIZE_ANY_EXHDR(t);
    return length == strlen(expected) && memcmp(VARDATA_ANY(t), expected, length) == 0;
}

// CachedRealm: the backend's copy of realm `realm_id`, read on a miss as of the latest committed state (and
// this transaction's own changes); nullptr when there is no such realm. In a parallel operation (a parallel
// query's leader or worker) no new snapshot may be taken: a miss then reads the row as of the query's
// snapshot and keeps it only for this call (in `scratch`), not in the copy.
const RealmEntry* CachedRealm(int64 realm_id, RealmEntry* scratch) {
    RealmEntry& entry = realm_cache[static_cast<uint64>(realm_id) % kRealmSlots];
    if (entry.used && entry.realm_id == realm_id) {
        return &entry;
    }
    const bool parallel = IsInParallelMode();
    const SessionCatalog& c = catalog;
    Relation realms = table_open(c.realms, AccessShareLock);
    Relation key = index_open(c.realms_key, AccessShareLock);
    Snapshot snapshot = parallel ? GetActiveSnapshot() : RegisterSnapshot(GetLatestSnapshot());
    TupleTableSlot* row = table_slot_create(realms, nullptr);
    RealmEntry next;
    if (FirstVisible(realms, key, row, F_INT8EQ, Int64GetDatum(realm_id), [](TupleTableSlot*) { return true; },
                     snapshot)) {
        bool isnull = false;
        next.used = true;
        next.realm_id = realm_id;
        const struct varlena* name = PG_DETOAST_DATUM(slot_getattr(row, c.r_name, &isnull));
        next.name = static_cast<text*>(MemoryContextAlloc(parallel ? CurrentMemoryContext : TopMemoryContext,
                                                          VARSIZE_ANY(name)));
        memcpy(next.name, name, VARSIZE_ANY(name));
        const Datum idle = slot_getattr(row, c.r_session_idle_timeout, &isnull);
        next.has_idle_timeout = !isnull;
        if (!isnull) {
            next.idle_timeout = *DatumGetIntervalP(idle);
        }
    }
    ExecDropSingleTupleTableSlot(row);
    if (!parallel) {
        UnregisterSnapshot(snapshot);
    }
    index_close(key, NoLock);
    table_close(realms, NoLock);
    if (!next.used) {
        return nullptr;
    }
    if (parallel) {
        *scratch = next;
        return scratch;
    }
    if (entry.name != nullptr) {
        pfree(entry.name);
    }
    entry = next;
    return &entry;
}

// What a live session's lookup found.
struct LiveSession {
    int64 session_id = 0;
    int64 user_id = 0;
    Datum realm = 0;              // text, copied into the caller's memory
    TimestampTz expires_at = 0;
    bool has_mfa_at = false;
    TimestampTz mfa_at = 0;
    bool has_methods = false;
    Datum methods = 0;            // text[], copied
    bool aal2 = false;
};

core::Status DigestNoRaise(std::string_view token, core::TokenDigest* digest) noexcept {
    return pg_mfa::pg::Guarded([&] { return core::DigestToken(token, digest); });
}

// FindLiveSession: the session of `token` if it is live, as of the query's snapshot and pg_mfa's clock.
// With `want_assurance`, also mfa_at, methods and whether the user has an active TOTP device.
bool FindLiveSession(text* token, bool want_assurance, LiveSession* out) {
    core::TokenDigest digest;
    const core::Status status = DigestNoRaise(pg_mfa::pg::ArgView(token), &digest);
    if (status != core::Status::kOk) {
        pg_mfa::pg::ReportStatus(status, "token");
    }
    bytea* digest_value = static_cast<bytea*>(palloc(VARHDRSZ + digest.size()));
    SET_VARSIZE(digest_value, VARHDRSZ + digest.size());
    memcpy(VARDATA(digest_value), digest.data(), digest.size());

    AcceptInvalidationMessages();  // what other backends changed in mfa.realms (and the catalogs) until now
    LoadCatalog();
    const SessionCatalog& c = catalog;
    const TimestampTz now = pg_mfa::pg::CurrentTime();
    bool isnull = false;

    // The session.
    Relation sessions = table_open(c.sessions, AccessShareLock);
    Relation digest_index = index_open(c.sessions_digest_index, AccessShareLock);
    TupleTableSlot* slot = table_slot_create(sessions, nullptr);
    bool live = FirstVisible(sessions, digest_index, slot, F_BYTEAEQ, PointerGetDatum(digest_value),
                             [](TupleTableSlot*) { return true; });
    int64 user_id = 0;
    TimestampTz idle_since = 0;
    if (live) {
        (void) slot_getattr(slot, c.s_revoked_at, &isnull);
        const bool revoked = !isnull;
        out->expires_at = DatumGetTimestampTz(slot_getattr(slot, c.s_expires_at, &isnull));
        live = !revoked && out->expires_at > now;
    }
    if (live) {
        out->session_id = DatumGetInt64(slot_getattr(slot, c.s_session_id, &isnull));
        user_id = DatumGetInt64(slot_getattr(slot, c.s_user_id, &isnull));
        const Datum last_seen = slot_getattr(slot, c.s_last_seen_at, &isnull);
        idle_since = !isnull ? DatumGetTimestampTz(last_seen)
                                   : DatumGetTimestampTz(slot_getattr(slot, c.s_created_at, &isnull));
        if (want_assurance) {
            const Datum mfa_at = slot_getattr(slot, c.s_mfa_at, &isnull);
            out->has_mfa_at = !isnull;
            out->mfa_at = isnull ? 0 : DatumGetTimestampTz(mfa_at);
            const Datum methods = slot_getattr(slot, c.s_methods, &isnull);
            out->has_methods = !isnull;
            out->methods = isnull ? (Datum) 0 : PointerGetDatum(PG_DETOAST_DATUM_COPY(methods));
        }
    }
    ExecDropSingleTupleTableSlot(slot);
    index_close(digest_index, NoLock);
    table_close(sessions, NoLock);
    pfree(digest_value);
    if (!live) {
        return false;
    }
    out->user_id = user_id;

    // The user: not disabled; its realm.
    int64 realm_id = 0;
    {
        Relation users = table_open(c.users, AccessShareLock);
        Relation key = index_open(c.users_key, AccessShareLock);
        TupleTableSlot* user_slot = table_slot_create(users, nullptr);
        live = FirstVisible(users, key, user_slot, F_INT8EQ, Int64GetDatum(user_id),
                            [](TupleTableSlot*) { return true; });
        if (live) {
            (void) slot_getattr(user_slot, c.u_disabled_at, &isnull);
            live = isnull;
            realm_id = DatumGetInt64(slot_getattr(user_slot, c.u_realm_id, &isnull));
        }
        ExecDropSingleTupleTableSlot(user_slot);
        index_close(key, NoLock);
        table_close(users, NoLock);
    }
    if (!live) {
        return false;
    }

    // The realm: its name, and its idle timeout (the backend's copy, as of the latest committed state).
    RealmEntry scratch;
    const RealmEntry* realm = CachedRealm(realm_id, &scratch);
    if (realm == nullptr) {
        return false;  // no such realm: the foreign key rules it out; fail closed all the same
    }
    if (realm->has_idle_timeout) {
        Interval idle_timeout = realm->idle_timeout;
        const Datum deadline = DirectFunctionCall2(timestamptz_pl_interval, TimestampTzGetDatum(idle_since),
                                                   IntervalPGetDatum(&idle_timeout));
        if (DatumGetTimestampTz(deadline) <= now) {
            return false;
        }
    }
    out->realm = PointerGetDatum(PG_DETOAST_DATUM_COPY(PointerGetDatum(realm->name)));

    // Assurance: a second factor was checked on the session, and the user still has an active TOTP device.
    if (want_assurance && out->has_mfa_at) {
        Relation credentials = table_open(c.credentials, AccessShareLock);
        Relation index = index_open(c.credentials_totp_index, AccessShareLock);
        TupleTableSlot* device = table_slot_create(credentials, nullptr);
        out->aal2 = FirstVisible(credentials, index, device, F_INT8EQ, Int64GetDatum(user_id),
                                 [&c](TupleTableSlot* row) {
                                     bool null_type = false;
                                     bool null_state = false;
                                     const Datum type = slot_getattr(row, c.c_type, &null_type);
                                     const Datum state = slot_getattr(row, c.c_state, &null_state);
                                     return !null_type && !null_state && TextEquals(type, "totp") &&
                                            TextEquals(state, "active");
                                 });
        ExecDropSingleTupleTableSlot(device);
        index_close(index, NoLock);
        table_close(credentials, NoLock);
    }
    return true;
}

// The per-call state of the value-per-call protocol: whether this scan's one row was returned; the next
// call ends the set and resets it, so a rescan looks the token up again.
struct ScanState {
    bool returned = false;
};

// SessionValues fills the result columns of validate_session (3) or session_info (7).
void SessionValues(const LiveSession& session, bool info, Datum* values, bool* nulls) {
    if (info) {
        values[0] = Int64GetDatum(session.session_id);
        values[1] = Int64GetDatum(session.user_id);
        values[2] = session.realm;
        values[3] = TimestampTzGetDatum(session.expires_at);
        values[4] = CStringGetTextDatum(session.aal2 ? "aal2" : "aal1");
        values[5] = TimestampTzGetDatum(session.mfa_at);
        nulls[5] = !session.has_mfa_at;
        values[6] = session.methods;
        nulls[6] = !session.has_methods;
    } else {
        values[0] = Int64GetDatum(session.user_id);
        values[1] = session.realm;
        values[2] = TimestampTzGetDatum(session.expires_at);
    }
}

// SessionResult returns the row (or none) of a session token. In FROM (the usual call) the caller accepts a
// materialized set and says what its rows look like: the row goes straight into a tuple store. Elsewhere (the
// select list) it is returned value per call.
Datum SessionResult(FunctionCallInfo fcinfo, bool info) {
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    if (rsinfo == nullptr || !IsA(rsinfo, ReturnSetInfo) ||
        (rsinfo->allowedModes & (SFRM_ValuePerCall | SFRM_Materialize)) == 0) {
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("set-valued function called in context that cannot accept a set")));
    }
    if (PG_ARGISNULL(0)) {
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("token must not be null")));
    }
    Datum values[7] = {0};
    bool nulls[7] = {false};
    LiveSession session;
    if ((rsinfo->allowedModes & SFRM_Materialize) != 0 && rsinfo->expectedDesc != nullptr &&
        rsinfo->expectedDesc->natts == (info ? 7 : 3)) {
        const bool found = FindLiveSession(PG_GETARG_TEXT_PP(0), info, &session);
        MemoryContext old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
        Tuplestorestate* store = tuplestore_begin_heap(false, false, work_mem);
        MemoryContextSwitchTo(old);
        if (found) {
            SessionValues(session, info, values, nulls);
            tuplestore_putvalues(store, rsinfo->expectedDesc, values, nulls);
        }
        rsinfo->returnMode = SFRM_Materialize;
        rsinfo->setResult = store;
        PG_RETURN_NULL();
    }
    if ((rsinfo->allowedModes & SFRM_ValuePerCall) == 0) {
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("set-valued function called in context that cannot accept a set")));
    }
    if (fcinfo->flinfo->fn_extra == nullptr) {
        fcinfo->flinfo->fn_extra = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ScanState));
    }
    ScanState* state = static_cast<ScanState*>(fcinfo->flinfo->fn_extra);
    if (!state->returned && FindLiveSession(PG_GETARG_TEXT_PP(0), info, &session)) {
        SessionValues(session, info, values, nulls);
        state->returned = true;
        rsinfo->isDone = ExprMultipleResult;
        return HeapTupleGetDatum(heap_form_tuple(ResultDesc(info), values, nulls));
    }
    state->returned = false;
    rsinfo->isDone = ExprEndResult;
    PG_RETURN_NULL();
}

}  // namespace

// mfa.validate_session(token text) -> TABLE (user_id bigint, realm text, expires_at timestamptz): one row for
// a live kss_ session token, none otherwise. 22004 for a NULL token.
extern "C" Datum pg_mfa_validate_session(PG_FUNCTION_ARGS) {
    return SessionResult(fcinfo, false);
}

// mfa.session_info(token text) -> TABLE (session_id, user_id, realm, expires_at, aal, mfa_at, methods): the
// same lookup with the session's assurance: aal2 when a second factor was checked on it and the user has an
// active TOTP device now, else aal1.
extern "C" Datum pg_mfa_session_info(PG_FUNCTION_ARGS) {
    return SessionResult(fcinfo, true);
}

// mfa_internal._realms_changed() -> trigger: after any statement that changes mfa.realms, invalidates the
// relation cache of mfa.realms, so that every backend forgets its copy of the realms (at this transaction's
// commit; in this backend at the end of the command, and again if the change rolls back).
extern "C" Datum pg_mfa_realms_changed(PG_FUNCTION_ARGS) {
    if (!CALLED_AS_TRIGGER(fcinfo)) {
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("trigger functions can only be called as triggers")));
    }
    TriggerData* trigger = reinterpret_cast<TriggerData*>(fcinfo->context);
    CacheInvalidateRelcache(trigger->tg_relation);
    return PointerGetDatum(nullptr);
}
