// lockout.hpp: the brute-force throttle (RFC 4226 §7.3, NIST SP 800-63B §5.2.2) as pure arithmetic.
//
// A subject (a user's codes, a user's passwords, one kli_ token) has a count of consecutive attempts that
// did not succeed. Once the count reaches the threshold, each further attempt must wait: the delay starts
// at `base_delay` and doubles with every further failure, up to `max_delay`. At `disable_threshold` the
// subject is refused for good, until an administrator resets it. A success resets the count.
//
// The caller checks an attempt before evaluating it and records its failure after, holding a lock on the
// subject in between (the PostgreSQL layer holds the subject's row lock), so concurrent attempts are
// decided one after the other and none slips past the threshold.
#pragma once

#include "core/core.hpp"

#include <cstdint>

namespace pg_mfa::core {

struct LockoutPolicy {
    std::int32_t threshold = 5;            // attempts before delays start
    std::int64_t base_delay = 30000000;    // microseconds
    std::int64_t max_delay = 3600000000;   // microseconds
    std::int32_t disable_threshold = 100;  // attempts after which nothing is admitted
};

// LockoutState: the counted attempts of one subject and the time before which none is admitted
// (microseconds on the caller's clock; 0 = not locked).
struct LockoutState {
    std::int32_t failures = 0;
    std::int64_t locked_until = 0;
};

enum class Admission {
    kAdmit,     // evaluate the attempt
    kLocked,    // refused: the delay has not passed
    kDisabled,  // refused: the count reached disable_threshold
};

// LockoutDelay returns the wait after the `failures`-th counted attempt: 0 below the threshold, then
// base_delay * 2^(failures - threshold), at most max_delay. Never overflows.
[[nodiscard]] std::int64_t LockoutDelay(const LockoutPolicy& policy, std::int32_t failures) noexcept;

// CheckAttempt decides whether an attempt at time `now` may be evaluated. It changes nothing.
[[nodiscard]] Admission CheckAttempt(const LockoutPolicy& policy, std::int64_t now, const LockoutState& state) noexcept;

// RecordFailure counts an unsuccessful attempt at `now` and, at or past the threshold, starts the delay
// before the next one.
void RecordFailure(const LockoutPolicy& policy, std::int64_t now, LockoutState* state) noexcept;

// MergeLockout combines two records of the same subject (shared memory and table): the larger count and
// the later lock win, so no source can lower what the other knows.
[[nodiscard]] LockoutState MergeLockout(const LockoutState& a, const LockoutState& b) noexcept;

// A rate ceiling: at most `limit` failures in a burst, refilling at `limit` per `window` (a leaky bucket;
// the credential-stuffing ceiling of one client across users). Unlike the lockout above, a success
// forgives nothing and a refusal adds nothing: the bucket only drains with time. Each failure costs
// FailureCost() = ceil(window / limit) microseconds of the bucket, which holds limit * FailureCost().
//
// The state reuses LockoutState: locked_until is the time at which the bucket is empty again, failures the
// failures since it was last empty (0: empty, whatever locked_until says).
struct RateCeiling {
    std::int32_t limit = 20;               // failures in a burst, at least 1
    std::int64_t window = 600000000;       // microseconds to refill them all, at least 1
};

[[nodiscard]] std::int64_t FailureCost(const RateCeiling& ceiling) noexcept;

// RateAdmits: whether one more failure at `now` would still fit in the bucket. Changes nothing.
[[nodiscard]] bool RateAdmits(const RateCeiling& ceiling, std::int64_t now, const LockoutState& state) noexcept;

// RecordRateFailure adds a failure at `now` to the bucket.
void RecordRateFailure(const RateCeiling& ceiling, std::int64_t now, LockoutState* state) noexcept;

}  // namespace pg_mfa::core
