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

}  // namespace
}  // namespace pg_mfa::core
