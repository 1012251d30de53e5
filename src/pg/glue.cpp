// glue.cpp: helpers shared by the SQL entry points.
#include "core/bytes.hpp"
#include "pg/pg_glue.hpp"

extern "C" {
#include "access/genam.h"
#include "catalog/pg_index.h"
#include "miscadmin.h"
#include "port.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
}

namespace pg_mfa::pg {
namespace {

struct varlena* VarlenaNoRaise(const void* data, std::size_t size) noexcept {
    // palloc_extended with MCXT_ALLOC_NO_OOM returns NULL instead of raising, once the size is valid.
    if (size > MaxAllocSize - VARHDRSZ) {
        return nullptr;
    }
    auto* result = static_cast<struct varlena*>(palloc_extended(size + VARHDRSZ, MCXT_ALLOC_NO_OOM));
    if (result == nullptr) {
        return nullptr;
    }
    SET_VARSIZE(result, size + VARHDRSZ);
    if (size > 0) {
        std::memcpy(VARDATA(result), data, size);
    }
    return result;
}

bool FillFromPgStrongRandom(void*, std::uint8_t* buffer, std::size_t size) noexcept {
    return pg_strong_random(buffer, size);
}

// Only interrupts that end the statement or the session stop a hash. Others (parallel-worker messages,
// catch-up signals, memory-context dump requests) are serviced after the hash, as they would be after any
// other function call.
bool CancelIsPending(void*) noexcept {
    return QueryCancelPending || ProcDiePending || ClientConnectionLost;
}

}  // namespace

core::Status TextNoRaise(std::string_view value, text** out) noexcept {
    *out = reinterpret_cast<text*>(VarlenaNoRaise(value.data(), value.size()));
    return *out ? core::Status::kOk : core::Status::kOutOfMemory;
}

core::Status ByteaNoRaise(core::ByteView value, bytea** out) noexcept {
    *out = reinterpret_cast<bytea*>(VarlenaNoRaise(value.data, value.size));
    return *out ? core::Status::kOk : core::Status::kOutOfMemory;
}

void WipeArgCopy(struct varlena* value, Datum original) {
    if (reinterpret_cast<Pointer>(value) != DatumGetPointer(original)) {
        core::SecureWipe(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value));
    }
}

bool UnixSeconds(TimestampTz timestamp, std::int64_t* out) noexcept {
    if (TIMESTAMP_NOT_FINITE(timestamp)) {
        return false;
    }
    // TimestampTz counts microseconds from 2000-01-01; round down, also before 2000.
    std::int64_t seconds = timestamp / USECS_PER_SEC;
    if (timestamp % USECS_PER_SEC < 0) {
        seconds -= 1;
    }
    *out = seconds + static_cast<std::int64_t>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
    return true;
}

core::RandomSource PgRandom() noexcept {
    return core::RandomSource{&FillFromPgStrongRandom, nullptr};
}

core::AbortCheck InterruptAbortCheck() noexcept {
    return core::AbortCheck{&CancelIsPending, nullptr};
}

Oid RelationIn(Oid schema, const char* name) {
    const Oid relid = get_relname_relid(name, schema);
    if (!OidIsValid(relid)) {
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                        errmsg("pg_mfa's relation mfa.%s is missing", name),
                        errhint("The extension's objects were altered; reinstall pg_mfa.")));
    }
    return relid;
}

AttrNumber ColumnOf(Oid relid, const char* relation, const char* column) {
    const AttrNumber attnum = get_attnum(relid, column);
    if (attnum == InvalidAttrNumber) {
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                        errmsg("pg_mfa's column mfa.%s.%s is missing", relation, column),
                        errhint("Run ALTER EXTENSION pg_mfa UPDATE, or reinstall pg_mfa.")));
    }
    return attnum;
}

Oid IndexOn(Oid schema, const char* name, Oid relid, std::initializer_list<AttrNumber> columns) {
    const Oid index = RelationIn(schema, name);
    Relation rel = index_open(index, AccessShareLock);
    bool fits = rel->rd_index != nullptr && rel->rd_index->indrelid == relid && rel->rd_index->indisvalid &&
                rel->rd_index->indnkeyatts >= static_cast<int>(columns.size());
    int position = 0;
    for (const AttrNumber column : columns) {
        fits = fits && rel->rd_index->indkey.values[position] == column;
        ++position;
    }
    index_close(rel, AccessShareLock);
    if (!fits) {
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("pg_mfa's index mfa.%s is not the one pg_mfa made", name),
                        errhint("Reinstall pg_mfa.")));
    }
    return index;
}

}  // namespace pg_mfa::pg
