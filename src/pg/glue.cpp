// glue.cpp: helpers shared by the SQL entry points.
#include "core/bytes.hpp"
#include "pg/pg_glue.hpp"

extern "C" {
#include "miscadmin.h"
#include "port.h"
#include "utils/memutils.h"
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

}  // namespace pg_mfa::pg
