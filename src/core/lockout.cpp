// lockout.cpp: delays and admission of the brute-force throttle.
#include "core/lockout.hpp"

#include <algorithm>

namespace pg_mfa::core {

std::int64_t LockoutDelay(const LockoutPolicy& policy, std::int32_t failures) noexcept {
    if (failures < policy.threshold || policy.base_delay <= 0) {
        return 0;
    }
    const std::int64_t cap = std::max(policy.max_delay, policy.base_delay);
    std::int64_t delay = policy.base_delay;
    for (std::int32_t n = policy.threshold; n < failures; ++n) {
        if (delay >= cap / 2) {
            return cap;
        }
        delay *= 2;
    }
    return std::min(delay, cap);
}

Admission CheckAttempt(const LockoutPolicy& policy, std::int64_t now, const LockoutState& state) noexcept {
    if (state.failures >= policy.disable_threshold) {
        return Admission::kDisabled;
    }
    if (state.failures >= policy.threshold && now < state.locked_until) {
        return Admission::kLocked;
    }
    return Admission::kAdmit;
}

void RecordFailure(const LockoutPolicy& policy, std::int64_t now, LockoutState* state) noexcept {
    if (state->failures < INT32_MAX) {
        state->failures += 1;
    }
    const std::int64_t delay = LockoutDelay(policy, state->failures);
    if (delay > 0) {
        // Saturate rather than overflow for clocks near the end of int64.
        state->locked_until = now > INT64_MAX - delay ? INT64_MAX : now + delay;
    }
}

LockoutState MergeLockout(const LockoutState& a, const LockoutState& b) noexcept {
    LockoutState merged;
    merged.failures = std::max(a.failures, b.failures);
    merged.locked_until = std::max(a.locked_until, b.locked_until);
    return merged;
}

std::int64_t FailureCost(const RateCeiling& ceiling) noexcept {
    const std::int64_t limit = std::max<std::int32_t>(ceiling.limit, 1);
    const std::int64_t window = std::max<std::int64_t>(ceiling.window, 1);
    return window / limit + (window % limit != 0 ? 1 : 0);
}

namespace {

// Level: how much of the bucket is used at `now` (microseconds of refill still to come).
std::int64_t Level(std::int64_t now, const LockoutState& state) noexcept {
    if (state.failures <= 0 || state.locked_until <= now) {
        return 0;  // empty: never used, or drained
    }
    // Both are times on one clock; a difference that does not fit means the bucket is full for good.
    return now < 0 && state.locked_until > INT64_MAX + now ? INT64_MAX : state.locked_until - now;
}

}  // namespace

bool RateAdmits(const RateCeiling& ceiling, std::int64_t now, const LockoutState& state) noexcept {
    const std::int64_t cost = FailureCost(ceiling);
    const std::int64_t capacity = static_cast<std::int64_t>(std::max<std::int32_t>(ceiling.limit, 1)) * cost;
    const std::int64_t level = Level(now, state);
    return level <= capacity - cost;
}

void RecordRateFailure(const RateCeiling& ceiling, std::int64_t now, LockoutState* state) noexcept {
    const std::int64_t cost = FailureCost(ceiling);
    if (state->failures <= 0 || state->locked_until <= now) {
        state->failures = 0;
        state->locked_until = now;
    }
    if (state->failures < INT32_MAX) {
        state->failures += 1;
    }
    state->locked_until = state->locked_until > INT64_MAX - cost ? INT64_MAX : state->locked_until + cost;
}

}  // namespace pg_mfa::core
