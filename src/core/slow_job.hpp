// slow_job.hpp (internal to src/core): running one slow hash computation so that the caller can abandon it.
//
// A job owns copies of its inputs. RunSlowJob computes it on a worker thread while the calling thread polls
// the abort check; on abort the worker is left to finish on its own (it holds a reference to the job) and
// the caller returns at once. Whoever lets go of the job last frees it, and the job's members wipe the
// copies. Argon2 (password.cpp) and the imported schemes (imported_hash.cpp) share this machinery, so an
// abandoned hash of any scheme makes the next hash of the process wait.
#pragma once

#include "core/password.hpp"
#include "core/status.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>

namespace pg_mfa::core {

// SlowJob: one computation. Compute runs exactly once, on whichever thread RunSlowJob picks.
struct SlowJob {
    SlowJob() = default;
    SlowJob(const SlowJob&) = delete;
    SlowJob& operator=(const SlowJob&) = delete;
    virtual ~SlowJob() = default;

    virtual Status Compute() noexcept = 0;

    Status status = Status::kInternal;
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    bool abandoned = false;  // the caller gave up waiting; the worker still runs to the end
};

// RunSlowJob runs `job` and returns its status, or kAborted once `abort` asks to stop. Without an abort
// check, with `run_inline` (work too small to be worth a thread) or when no thread can be started, the job
// runs on the calling thread, after one look at the abort check. Before anything, it waits (abortably)
// until no abandoned job of this process still runs.
[[nodiscard]] Status RunSlowJob(const std::shared_ptr<SlowJob>& job, const AbortCheck& abort,
                                bool run_inline) noexcept;

}  // namespace pg_mfa::core
