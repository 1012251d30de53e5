// lockout_test.cpp: the throttle's schedule, admission and merging.
#include "core/lockout.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace pg_mfa::core {
namespace {

constexpr std::int64_t kSecond = 1000000;

LockoutPolicy CodePolicy() {
    return LockoutPolicy{5, 30 * kSecond, 3600 * kSecond, 100};
}

TEST(LockoutDelayTest, ThirtySecondsDoublingToAnHour) {
    const LockoutPolicy policy = CodePolicy();
    for (int n = 0; n < 5; ++n) {
        EXPECT_EQ(LockoutDelay(policy, n), 0) << n;
    }
    EXPECT_EQ(LockoutDelay(policy, 5), 30 * kSecond);
    EXPECT_EQ(LockoutDelay(policy, 6), 60 * kSecond);
    EXPECT_EQ(LockoutDelay(policy, 7), 120 * kSecond);
    EXPECT_EQ(LockoutDelay(policy, 11), 1920 * kSecond);
    EXPECT_EQ(LockoutDelay(policy, 12), 3600 * kSecond);  // 3840 s, capped
    EXPECT_EQ(LockoutDelay(policy, 99), 3600 * kSecond);
    EXPECT_EQ(LockoutDelay(policy, INT32_MAX), 3600 * kSecond);  // no overflow
}

// Fail: check an attempt and, when admitted, record it as a failure (what a wrong guess does).
Admission Fail(const LockoutPolicy& policy, std::int64_t now, LockoutState* state) {
    const Admission admission = CheckAttempt(policy, now, *state);
    if (admission == Admission::kAdmit) {
        RecordFailure(policy, now, state);
    }
    return admission;
}

TEST(AdmitTest, FiveFailuresThenDelaysThenDisabled) {
    const LockoutPolicy policy = CodePolicy();
    LockoutState state;
    std::int64_t now = 1000 * kSecond;
    for (int n = 1; n <= 5; ++n) {
        ASSERT_EQ(Fail(policy, now, &state), Admission::kAdmit) << n;
        EXPECT_EQ(state.failures, n);
    }
    // The fifth failure started a 30 s delay: the sixth attempt is refused until it has passed, uncounted.
    EXPECT_EQ(state.locked_until, now + 30 * kSecond);
    EXPECT_EQ(Fail(policy, now + 29 * kSecond, &state), Admission::kLocked);
    EXPECT_EQ(state.failures, 5);
    now += 30 * kSecond;
    ASSERT_EQ(Fail(policy, now, &state), Admission::kAdmit);
    EXPECT_EQ(state.failures, 6);
    EXPECT_EQ(state.locked_until, now + 60 * kSecond);
    EXPECT_EQ(Fail(policy, now + 59 * kSecond, &state), Admission::kLocked);
    // Walk to the ceiling: every admitted attempt waits out its delay first.
    int admitted = 6;
    while (state.failures < 100) {
        now = state.locked_until;
        ASSERT_EQ(Fail(policy, now, &state), Admission::kAdmit);
        ++admitted;
    }
    EXPECT_EQ(admitted, 100);
    EXPECT_EQ(Fail(policy, state.locked_until + 365LL * 86400 * kSecond, &state), Admission::kDisabled);
    EXPECT_EQ(state.failures, 100);
}

TEST(AdmitTest, CheckChangesNothing) {
    const LockoutPolicy policy = CodePolicy();
    LockoutState state{4, 0};
    for (int n = 0; n < 10; ++n) {
        EXPECT_EQ(CheckAttempt(policy, 0, state), Admission::kAdmit);
    }
    EXPECT_EQ(state.failures, 4);
    EXPECT_EQ(state.locked_until, 0);
}

TEST(AdmitTest, TokenPolicyDiesAfterFive) {
    const LockoutPolicy token{5, 0, 0, 5};
    LockoutState state;
    for (int n = 0; n < 5; ++n) {
        EXPECT_EQ(Fail(token, 0, &state), Admission::kAdmit);
    }
    EXPECT_EQ(Fail(token, 0, &state), Admission::kDisabled);
    EXPECT_EQ(state.locked_until, 0);  // no delays in this policy, just the end
}

TEST(MergeLockoutTest, LargerCountAndLaterLockWin) {
    const LockoutState a{7, 100};
    const LockoutState b{3, 900};
    const LockoutState m = MergeLockout(a, b);
    EXPECT_EQ(m.failures, 7);
    EXPECT_EQ(m.locked_until, 900);
}

// The credential-stuffing ceiling: 20 failures in a burst, one more every 30 s after that.
TEST(RateCeilingTest, TwentyInABurstThenOneEveryThirtySeconds) {
    const RateCeiling ceiling{20, 600 * kSecond};
    EXPECT_EQ(FailureCost(ceiling), 30 * kSecond);
    LockoutState state;
    const std::int64_t start = 2000000000 * kSecond;
    for (int n = 0; n < 20; ++n) {
        ASSERT_TRUE(RateAdmits(ceiling, start, state)) << n;
        RecordRateFailure(ceiling, start, &state);
    }
    EXPECT_EQ(state.failures, 20);
    EXPECT_EQ(state.locked_until, start + 600 * kSecond);
    EXPECT_FALSE(RateAdmits(ceiling, start, state));
    EXPECT_FALSE(RateAdmits(ceiling, start + 30 * kSecond - 1, state));
    EXPECT_TRUE(RateAdmits(ceiling, start + 30 * kSecond, state));  // one has drained
    RecordRateFailure(ceiling, start + 30 * kSecond, &state);
    EXPECT_FALSE(RateAdmits(ceiling, start + 59 * kSecond, state));
    EXPECT_TRUE(RateAdmits(ceiling, start + 60 * kSecond, state));
    // Drained for good: the count starts again.
    EXPECT_TRUE(RateAdmits(ceiling, start + 3600 * kSecond, state));
    RecordRateFailure(ceiling, start + 3600 * kSecond, &state);
    EXPECT_EQ(state.failures, 1);
    EXPECT_EQ(state.locked_until, start + 3630 * kSecond);
}

TEST(RateCeilingTest, CheckChangesNothingAndWindowsNotDivisibleStillAdmitExactlyTheLimit) {
    for (const RateCeiling ceiling : {RateCeiling{3, 10}, RateCeiling{7, 1000003}, RateCeiling{1, 1},
                                      RateCeiling{10000, kSecond}, RateCeiling{5, 9}}) {
        LockoutState state;
        int admitted = 0;
        while (RateAdmits(ceiling, 0, state) && admitted < 20000) {
            const LockoutState before = state;
            EXPECT_TRUE(RateAdmits(ceiling, 0, state));
            EXPECT_EQ(before.failures, state.failures);
            RecordRateFailure(ceiling, 0, &state);
            ++admitted;
        }
        EXPECT_EQ(admitted, ceiling.limit) << ceiling.limit << "/" << ceiling.window;
    }
}

TEST(RateCeilingTest, NoOverflowAtTheEndsOfTheClock) {
    const RateCeiling ceiling{1, 3600 * kSecond};
    LockoutState state;
    RecordRateFailure(ceiling, INT64_MAX - 5, &state);
    EXPECT_EQ(state.locked_until, INT64_MAX);
    EXPECT_FALSE(RateAdmits(ceiling, INT64_MAX - 5, state));
    LockoutState early;
    RecordRateFailure(ceiling, INT64_MIN + 5, &early);
    EXPECT_FALSE(RateAdmits(ceiling, INT64_MIN + 5, early));
    const LockoutState full{1, INT64_MAX};
    EXPECT_FALSE(RateAdmits(ceiling, INT64_MIN, full));
    // A bucket never used is empty at any time, before the clock's epoch too.
    EXPECT_TRUE(RateAdmits(ceiling, INT64_MIN, LockoutState{}));
    EXPECT_TRUE(RateAdmits(ceiling, -1, LockoutState{}));
}

}  // namespace
}  // namespace pg_mfa::core
