// slow_job.cpp: a worker thread that lets a slow hash be abandoned when the caller is interrupted.
#include "core/slow_job.hpp"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace pg_mfa::core {
namespace {

// Abandoned workers still running in this process. A new hash waits (abortably) until there are none, so
// a client that cancels hash after hash cannot pile up background work: each process runs at most one
// hash at a time, exactly as if hashing were not cancellable.
std::atomic<int> abandoned_workers{0};

void RunJob(SlowJob* job) noexcept {
    const Status status = job->Compute();
    std::lock_guard<std::mutex> lock(job->mutex);
    job->status = status;
    job->done = true;
    if (job->abandoned) {
        abandoned_workers.fetch_sub(1);
    }
    job->finished.notify_all();
}

}  // namespace

Status RunSlowJob(const std::shared_ptr<SlowJob>& job, const AbortCheck& abort, bool run_inline) noexcept {
    if (abort.should_abort == nullptr) {
        RunJob(job.get());
        return job->status;
    }
    while (abandoned_workers.load() > 0) {
        if (abort.should_abort(abort.context)) {
            return Status::kAborted;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (abort.should_abort(abort.context)) {
        return Status::kAborted;
    }
    if (run_inline) {
        RunJob(job.get());
        return job->status;
    }
    std::thread worker;
    {
        // The worker inherits a mask blocking every signal, so the host's signal handlers (PostgreSQL's
        // among them) only ever run on the calling thread.
        sigset_t all;
        sigset_t previous;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &previous);
        try {
            worker = std::thread([job] { RunJob(job.get()); });
        } catch (...) {
            // No thread to be had: compute here, not cancellable but correct.
        }
        pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    }
    if (!worker.joinable()) {
        RunJob(job.get());
        return job->status;
    }
    try {
        std::unique_lock<std::mutex> lock(job->mutex);
        while (!job->done) {
            job->finished.wait_for(lock, std::chrono::milliseconds(10));
            if (!job->done && abort.should_abort(abort.context)) {
                job->abandoned = true;
                abandoned_workers.fetch_add(1);
                lock.unlock();
                worker.detach();
                return Status::kAborted;
            }
        }
    } catch (...) {
        // std::mutex can only fail on a broken system; do not leave a joinable thread behind.
        worker.detach();
        return Status::kInternal;
    }
    worker.join();
    return job->status;
}

}  // namespace pg_mfa::core
