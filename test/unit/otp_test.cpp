// otp_test.cpp: HOTP (RFC 4226 App. D), TOTP (RFC 6238 App. B), code parsing and the verification window.
#include "core/otp.hpp"

#include "core/hmac.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace pg_mfa::core {
namespace {

using test::kSeedSha1;
using test::kSeedSha256;
using test::kSeedSha512;

OtpParams Params(HashAlgorithm algorithm, int digits, std::int64_t period = 30) {
    OtpParams params;
    params.algorithm = algorithm;
    params.digits = digits;
    params.period = period;
    return params;
}

std::string Hotp(std::string_view key, std::uint64_t counter, const OtpParams& params) {
    OtpCode code;
    const Status status = HotpCode(ByteView(key), counter, params, &code);
    EXPECT_EQ(status, Status::kOk) << "counter " << counter;
    return std::string(code.view());
}

// ---------------------------------------------------------------- algorithms and params

TEST(ParseAlgorithmTest, AcceptsTheThreeNamesInAnyCase) {
    HashAlgorithm algorithm = HashAlgorithm::kSha512;
    ASSERT_EQ(ParseAlgorithm("sha1", &algorithm), Status::kOk);
    EXPECT_EQ(algorithm, HashAlgorithm::kSha1);
    ASSERT_EQ(ParseAlgorithm("SHA256", &algorithm), Status::kOk);
    EXPECT_EQ(algorithm, HashAlgorithm::kSha256);
    ASSERT_EQ(ParseAlgorithm("Sha512", &algorithm), Status::kOk);
    EXPECT_EQ(algorithm, HashAlgorithm::kSha512);
    ASSERT_EQ(ParseAlgorithm("sHA1", &algorithm), Status::kOk);
    EXPECT_EQ(algorithm, HashAlgorithm::kSha1);
}

TEST(ParseAlgorithmTest, RejectsEverythingElse) {
    const std::string_view bad[] = {"", "sha", "sha-1", "sha384", "md5", "sha1 ", " sha1", "sha2566",
                                    std::string_view("sha1\0", 5), "sha51", "SHA-256"};
    for (std::string_view name : bad) {
        HashAlgorithm algorithm = HashAlgorithm::kSha1;
        EXPECT_EQ(ParseAlgorithm(name, &algorithm), Status::kBadAlgorithm) << test::Hex(name);
    }
}

TEST(AlgorithmUriNameTest, OtpauthSpelling) {
    EXPECT_STREQ(AlgorithmUriName(HashAlgorithm::kSha1), "SHA1");
    EXPECT_STREQ(AlgorithmUriName(HashAlgorithm::kSha256), "SHA256");
    EXPECT_STREQ(AlgorithmUriName(HashAlgorithm::kSha512), "SHA512");
}

TEST(ValidateOtpParamsTest, DigitsAndPeriod) {
    EXPECT_EQ(ValidateOtpParams(OtpParams{}), Status::kOk);
    for (int digits = kMinDigits; digits <= kMaxDigits; ++digits) {
        EXPECT_EQ(ValidateOtpParams(Params(HashAlgorithm::kSha1, digits)), Status::kOk) << digits;
    }
    EXPECT_EQ(ValidateOtpParams(Params(HashAlgorithm::kSha1, 5)), Status::kBadDigits);
    EXPECT_EQ(ValidateOtpParams(Params(HashAlgorithm::kSha1, 9)), Status::kBadDigits);
    EXPECT_EQ(ValidateOtpParams(Params(HashAlgorithm::kSha1, 0)), Status::kBadDigits);
    EXPECT_EQ(ValidateOtpParams(Params(HashAlgorithm::kSha1, -6)), Status::kBadDigits);
    EXPECT_EQ(ValidateOtpParams(Params(HashAlgorithm::kSha1, 6, 1)), Status::kOk);
    EXPECT_EQ(ValidateOtpParams(Params(HashAlgorithm::kSha1, 6, 0)), Status::kBadPeriod);
    EXPECT_EQ(ValidateOtpParams(Params(HashAlgorithm::kSha1, 6, -30)), Status::kBadPeriod);
}

// ---------------------------------------------------------------- HMAC

TEST(HmacTest, KnownAnswers) {
    // RFC 2202 §3 test case 2 and RFC 4231 §4.3 test case 2.
    const std::string_view key = "Jefe";
    const std::string_view data = "what do ya want for nothing?";
    const struct {
        HashAlgorithm algorithm;
        const char* hex;
    } cases[] = {
        {HashAlgorithm::kSha1, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
        {HashAlgorithm::kSha256, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {HashAlgorithm::kSha512,
         "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fd"
         "caeab1a34d4a6b4b636e070a38bce737"},
    };
    for (const auto& c : cases) {
        Hmac hmac;
        ASSERT_EQ(hmac.Init(c.algorithm, ByteView(key)), Status::kOk);
        // The keyed state is reused: the second and third MACs must equal the first.
        for (int round = 0; round < 3; ++round) {
            HmacResult mac;
            ASSERT_EQ(hmac.Compute(ByteView(data), &mac), Status::kOk);
            EXPECT_EQ(test::Hex(mac.bytes, mac.size), c.hex) << "round " << round;
        }
    }
}

TEST(HmacTest, ComputeWithoutInitFails) {
    Hmac hmac;
    HmacResult mac;
    EXPECT_EQ(hmac.Compute(ByteView(std::string_view("x")), &mac), Status::kCryptoFailure);
}

// ---------------------------------------------------------------- HOTP

TEST(HotpCodeTest, Rfc4226AppendixD) {
    const char* const expected[] = {"755224", "287082", "359152", "969429", "338314",
                                    "254676", "287922", "162583", "399871", "520489"};
    const OtpParams params = Params(HashAlgorithm::kSha1, 6);
    for (std::uint64_t counter = 0; counter < 10; ++counter) {
        OtpCode code;
        ASSERT_EQ(HotpCode(ByteView(kSeedSha1), counter, params, &code), Status::kOk);
        EXPECT_EQ(code.digits, 6);
        EXPECT_EQ(code.view(), expected[counter]) << "counter " << counter;
        EXPECT_EQ(code.text[6], '\0');
    }
}

TEST(HotpCodeTest, Rfc4226AppendixDTruncatedValuesAtEightAndSevenDigits) {
    // App. D's "Truncated" column reduced modulo 10^8 and 10^7.
    const std::uint32_t truncated[] = {1284755224, 1094287082, 137359152, 1726969429, 1640338314,
                                       868254676,  1918287922, 82162583,  673399871,  645520489};
    for (std::uint64_t counter = 0; counter < 10; ++counter) {
        char eight[16];
        char seven[16];
        std::snprintf(eight, sizeof eight, "%08u", truncated[counter] % 100000000u);
        std::snprintf(seven, sizeof seven, "%07u", truncated[counter] % 10000000u);
        EXPECT_EQ(Hotp(kSeedSha1, counter, Params(HashAlgorithm::kSha1, 8)), eight) << counter;
        EXPECT_EQ(Hotp(kSeedSha1, counter, Params(HashAlgorithm::kSha1, 7)), seven) << counter;
    }
}

TEST(HotpCodeTest, FailuresLeaveCodeEmpty) {
    const std::vector<std::uint8_t> too_long(kMaxSecretBytes + 1, 0x31);
    const std::vector<std::uint8_t> longest(kMaxSecretBytes, 0x31);
    OtpCode code;
    ASSERT_EQ(HotpCode(ByteView(kSeedSha1), 0, OtpParams{}, &code), Status::kOk);

    EXPECT_EQ(HotpCode(ByteView(), 0, OtpParams{}, &code), Status::kSecretEmpty);
    EXPECT_EQ(code.digits, 0);
    EXPECT_EQ(code.text[0], '\0');

    ASSERT_EQ(HotpCode(ByteView(kSeedSha1), 0, OtpParams{}, &code), Status::kOk);
    EXPECT_EQ(HotpCode(too_long, 0, OtpParams{}, &code), Status::kSecretTooLong);
    EXPECT_EQ(code.digits, 0);
    EXPECT_EQ(code.text[0], '\0');

    EXPECT_EQ(HotpCode(longest, 0, OtpParams{}, &code), Status::kOk);
    EXPECT_EQ(code.digits, 6);

    EXPECT_EQ(HotpCode(ByteView(kSeedSha1), 0, Params(HashAlgorithm::kSha1, 5), &code), Status::kBadDigits);
    EXPECT_EQ(code.digits, 0);
    EXPECT_EQ(HotpCode(ByteView(kSeedSha1), 0, Params(HashAlgorithm::kSha1, 9), &code), Status::kBadDigits);
    EXPECT_EQ(code.digits, 0);
}

TEST(HotpCodeTest, LargestCounterWorks) {
    OtpCode code;
    ASSERT_EQ(HotpCode(ByteView(kSeedSha1), std::numeric_limits<std::uint64_t>::max(), OtpParams{}, &code),
              Status::kOk);
    EXPECT_EQ(code.digits, 6);
    for (char c : code.view()) {
        EXPECT_TRUE(c >= '0' && c <= '9');
    }
}

// ---------------------------------------------------------------- TOTP

struct Rfc6238Vector {
    std::int64_t time;
    const char* sha1;
    const char* sha256;
    const char* sha512;
};

// RFC 6238 App. B, all 18 values (8 digits, period 30, T0 = 0).
const Rfc6238Vector kRfc6238Vectors[] = {
    {59, "94287082", "46119246", "90693936"},
    {1111111109, "07081804", "68084774", "25091201"},
    {1111111111, "14050471", "67062674", "99943326"},
    {1234567890, "89005924", "91819424", "93441116"},
    {2000000000, "69279037", "90698825", "38618901"},
    {20000000000, "65353130", "77737706", "47863826"},
};

TEST(TotpCodeTest, Rfc6238AppendixB) {
    for (const auto& v : kRfc6238Vectors) {
        OtpCode code;
        ASSERT_EQ(TotpCode(ByteView(kSeedSha1), v.time, Params(HashAlgorithm::kSha1, 8), &code), Status::kOk);
        EXPECT_EQ(code.view(), v.sha1) << "SHA1 at " << v.time;
        ASSERT_EQ(TotpCode(ByteView(kSeedSha256), v.time, Params(HashAlgorithm::kSha256, 8), &code), Status::kOk);
        EXPECT_EQ(code.view(), v.sha256) << "SHA256 at " << v.time;
        ASSERT_EQ(TotpCode(ByteView(kSeedSha512), v.time, Params(HashAlgorithm::kSha512, 8), &code), Status::kOk);
        EXPECT_EQ(code.view(), v.sha512) << "SHA512 at " << v.time;
    }
}

TEST(TotpCodeTest, SixDigitsAreTheLastSixOfEight) {
    // Both are the same truncated value modulo 10^6 and 10^8.
    for (const auto& v : kRfc6238Vectors) {
        OtpCode code;
        ASSERT_EQ(TotpCode(ByteView(kSeedSha1), v.time, Params(HashAlgorithm::kSha1, 6), &code), Status::kOk);
        EXPECT_EQ(code.view(), std::string_view(v.sha1).substr(2)) << v.time;
    }
}

TEST(TotpCodeTest, EqualsHotpOfTheTimeStep) {
    const std::int64_t times[] = {0, 29, 30, 59, 60, 1111111109, 2147483647, 2147483648, 4102444800,
                                  std::numeric_limits<std::int64_t>::max()};
    for (std::int64_t period : {1, 30, 60, 3600}) {
        const OtpParams params = Params(HashAlgorithm::kSha1, 6, period);
        for (std::int64_t t : times) {
            OtpCode code;
            ASSERT_EQ(TotpCode(ByteView(kSeedSha1), t, params, &code), Status::kOk) << t;
            EXPECT_EQ(code.view(), Hotp(kSeedSha1, static_cast<std::uint64_t>(t / period), params))
                << "t=" << t << " period=" << period;
        }
    }
}

TEST(TotpCodeTest, PeriodChangesTheCode) {
    // At t = 59 a 30 s period is in step 1 (RFC 4226 counter 1 -> 287082) and a 60 s period in step 0.
    OtpCode code;
    ASSERT_EQ(TotpCode(ByteView(kSeedSha1), 59, Params(HashAlgorithm::kSha1, 6, 30), &code), Status::kOk);
    EXPECT_EQ(code.view(), "287082");
    ASSERT_EQ(TotpCode(ByteView(kSeedSha1), 59, Params(HashAlgorithm::kSha1, 6, 60), &code), Status::kOk);
    EXPECT_EQ(code.view(), "755224");
    ASSERT_EQ(TotpCode(ByteView(kSeedSha1), 60, Params(HashAlgorithm::kSha1, 6, 60), &code), Status::kOk);
    EXPECT_EQ(code.view(), "287082");
}

TEST(TotpCodeTest, Failures) {
    OtpCode code;
    EXPECT_EQ(TotpCode(ByteView(kSeedSha1), -1, OtpParams{}, &code), Status::kBadTime);
    EXPECT_EQ(code.digits, 0);
    EXPECT_EQ(TotpCode(ByteView(kSeedSha1), std::numeric_limits<std::int64_t>::min(), OtpParams{}, &code),
              Status::kBadTime);
    EXPECT_EQ(TotpCode(ByteView(kSeedSha1), 59, Params(HashAlgorithm::kSha1, 6, 0), &code), Status::kBadPeriod);
    EXPECT_EQ(code.digits, 0);
    EXPECT_EQ(TotpCode(ByteView(kSeedSha1), 59, Params(HashAlgorithm::kSha1, 6, -30), &code), Status::kBadPeriod);
    EXPECT_EQ(TotpCode(ByteView(kSeedSha1), 59, Params(HashAlgorithm::kSha1, 9), &code), Status::kBadDigits);
    EXPECT_EQ(TotpCode(ByteView(), 59, OtpParams{}, &code), Status::kSecretEmpty);
    EXPECT_EQ(code.digits, 0);
}

TEST(TotpStepTest, KnownSteps) {
    const struct {
        std::int64_t time;
        std::int64_t period;
        std::uint64_t step;
    } cases[] = {
        {0, 30, 0},
        {29, 30, 0},
        {30, 30, 1},
        {59, 30, 1},
        {1111111109, 30, 37037036},
        {1111111111, 30, 37037037},
        {1234567890, 30, 41152263},
        {2000000000, 30, 66666666},
        {2147483647, 30, 71582788},   // the last second of 32-bit time_t
        {2147483648, 30, 71582788},   // 2038-01-19T03:14:08Z
        {4102444800, 30, 136748160},  // 2100-01-01
        {20000000000, 30, 666666666},
        {59, 60, 0},
        {59, 1, 59},
        {std::numeric_limits<std::int64_t>::max(), 30, 307445734561825860ull},
        {std::numeric_limits<std::int64_t>::max(), 1, 9223372036854775807ull},
        {std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::max(), 1},
        {5, std::numeric_limits<std::int64_t>::max(), 0},
    };
    for (const auto& c : cases) {
        std::uint64_t step = 12345;
        ASSERT_EQ(TotpStep(c.time, c.period, &step), Status::kOk) << c.time << "/" << c.period;
        EXPECT_EQ(step, c.step) << c.time << "/" << c.period;
    }
}

TEST(TotpStepTest, Failures) {
    std::uint64_t step = 0;
    EXPECT_EQ(TotpStep(-1, 30, &step), Status::kBadTime);
    EXPECT_EQ(TotpStep(-30, 30, &step), Status::kBadTime);
    EXPECT_EQ(TotpStep(std::numeric_limits<std::int64_t>::min(), 30, &step), Status::kBadTime);
    EXPECT_EQ(TotpStep(59, 0, &step), Status::kBadPeriod);
    EXPECT_EQ(TotpStep(59, -1, &step), Status::kBadPeriod);
    EXPECT_EQ(TotpStep(59, std::numeric_limits<std::int64_t>::min(), &step), Status::kBadPeriod);
}

// ---------------------------------------------------------------- ParseCode

TEST(ParseCodeTest, AcceptsExactDigits) {
    OtpCode code;
    ASSERT_EQ(ParseCode("123456", 6, &code), Status::kOk);
    EXPECT_EQ(code.view(), "123456");
    EXPECT_EQ(code.digits, 6);
    EXPECT_EQ(code.text[6], '\0');
    ASSERT_EQ(ParseCode("1234567", 7, &code), Status::kOk);
    EXPECT_EQ(code.view(), "1234567");
    ASSERT_EQ(ParseCode("00000000", 8, &code), Status::kOk);
    EXPECT_EQ(code.view(), "00000000");
    ASSERT_EQ(ParseCode("999999", 6, &code), Status::kOk);
    EXPECT_EQ(code.view(), "999999");
}

TEST(ParseCodeTest, LeadingZerosAreKept) {
    OtpCode code;
    ASSERT_EQ(ParseCode("012345", 6, &code), Status::kOk);
    EXPECT_EQ(code.view(), "012345");
    // "12345" is never "012345".
    EXPECT_EQ(ParseCode("12345", 6, &code), Status::kMalformedCode);
    EXPECT_EQ(code.digits, 0);
}

TEST(ParseCodeTest, RejectsMalformedCodes) {
    const std::string_view bad[] = {
        "12345",
        "1234567",
        " 123456",
        "123456 ",
        "123 456",
        "12345a",
        "a12345",
        "+12345",
        "-12345",
        "+123456",
        "12345.",
        "1e5000",
        "0x1234",
        "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96",  // "１２３４５６"
        "\xd9\xa1\xd9\xa2\xd9\xa3",   // Arabic-Indic digits, 6 bytes
        "",
        std::string_view("12\0", 3),
        std::string_view("12345\0", 6),    // 6 bytes, one of them NUL
        std::string_view("123456\0", 7),   // 6 digits then NUL
        std::string_view("\0" "23456", 6),
        "123456\n",
        "12345\n",
        "/12345",  // '/' is just below '0'
        ":12345",  // ':' is just above '9'
    };
    for (std::string_view text : bad) {
        OtpCode code;
        ASSERT_EQ(ParseCode("654321", 6, &code), Status::kOk);
        EXPECT_EQ(ParseCode(text, 6, &code), Status::kMalformedCode) << test::Hex(text);
        EXPECT_EQ(code.digits, 0) << test::Hex(text);
    }
}

TEST(ParseCodeTest, BadDigits) {
    OtpCode code;
    EXPECT_EQ(ParseCode("12345", 5, &code), Status::kBadDigits);
    EXPECT_EQ(ParseCode("123456789", 9, &code), Status::kBadDigits);
    EXPECT_EQ(ParseCode("", 0, &code), Status::kBadDigits);
    EXPECT_EQ(ParseCode("123456", -6, &code), Status::kBadDigits);
}

// ---------------------------------------------------------------- TotpCheckWindow

class TotpWindowTest : public ::testing::Test {
protected:
    static constexpr std::int64_t kTime = 1111111111;  // step 37037037, 1 s into it
    static constexpr std::uint64_t kStep = 37037037;

    std::string CodeAt(std::uint64_t step, const OtpParams& params = OtpParams{}) const {
        return Hotp(kSeedSha1, step, params);
    }

    WindowMatch Check(std::string_view code, int window, bool has_last = false, std::uint64_t last = 0,
                      Status expected = Status::kOk, std::int64_t time = kTime,
                      const OtpParams& params = OtpParams{}) const {
        WindowMatch match;
        match.matched = true;
        match.step = 999;
        EXPECT_EQ(TotpCheckWindow(ByteView(kSeedSha1), code, params, time, window, has_last, last, &match),
                  expected)
            << "code " << code << " window " << window;
        return match;
    }
};

TEST_F(TotpWindowTest, StepsWithinOneAreAccepted) {
    for (std::uint64_t step = kStep - 1; step <= kStep + 1; ++step) {
        const WindowMatch match = Check(CodeAt(step), 1);
        EXPECT_TRUE(match.matched) << "step " << step;
        EXPECT_EQ(match.step, step);
    }
}

TEST_F(TotpWindowTest, StepsTwoAwayAreRejectedAtWindowOne) {
    for (std::uint64_t step : {kStep - 2, kStep + 2, kStep - 10, kStep + 10}) {
        const std::string code = CodeAt(step);
        // Guard against a chance collision with an accepted step making the test meaningless.
        ASSERT_NE(code, CodeAt(kStep - 1));
        ASSERT_NE(code, CodeAt(kStep));
        ASSERT_NE(code, CodeAt(kStep + 1));
        const WindowMatch match = Check(code, 1);
        EXPECT_FALSE(match.matched) << "step " << step;
    }
}

TEST_F(TotpWindowTest, WindowZeroAcceptsOnlyTheCurrentStep) {
    const WindowMatch now = Check(CodeAt(kStep), 0);
    EXPECT_TRUE(now.matched);
    EXPECT_EQ(now.step, kStep);
    EXPECT_FALSE(Check(CodeAt(kStep - 1), 0).matched);
    EXPECT_FALSE(Check(CodeAt(kStep + 1), 0).matched);
}

TEST_F(TotpWindowTest, StepBoundaryFollowsTheClock) {
    // 1111111109 is the last second of step 37037036 and 1111111110 the first of 37037037.
    EXPECT_TRUE(Check("07081804", 0, false, 0, Status::kOk, 1111111109, Params(HashAlgorithm::kSha1, 8)).matched);
    EXPECT_FALSE(Check("07081804", 0, false, 0, Status::kOk, 1111111110, Params(HashAlgorithm::kSha1, 8)).matched);
    EXPECT_TRUE(Check("14050471", 0, false, 0, Status::kOk, 1111111110, Params(HashAlgorithm::kSha1, 8)).matched);
}

TEST_F(TotpWindowTest, MaximumWindowReachesTenStepsEachWay) {
    for (std::uint64_t step = kStep - kMaxWindow; step <= kStep + kMaxWindow; ++step) {
        const WindowMatch match = Check(CodeAt(step), kMaxWindow);
        EXPECT_TRUE(match.matched) << "step " << step;
        EXPECT_EQ(match.step, step);
    }
}

TEST_F(TotpWindowTest, ReplayedAndOlderStepsAreRejected) {
    // A code whose step is not after last_step is spent.
    for (std::uint64_t step = kStep - 1; step <= kStep + 1; ++step) {
        EXPECT_FALSE(Check(CodeAt(step), 1, true, step).matched) << "step " << step << " replayed";
        EXPECT_FALSE(Check(CodeAt(step), 1, true, kStep + 1).matched) << "step " << step << " older";
    }
    // The step right after last_step is fresh.
    const WindowMatch next = Check(CodeAt(kStep), 1, true, kStep - 1);
    EXPECT_TRUE(next.matched);
    EXPECT_EQ(next.step, kStep);
    const WindowMatch later = Check(CodeAt(kStep + 1), 1, true, kStep);
    EXPECT_TRUE(later.matched);
    EXPECT_EQ(later.step, kStep + 1);
    // last_step = 0 with has_last_step set still rejects step 0 but nothing here.
    EXPECT_TRUE(Check(CodeAt(kStep), 1, true, 0).matched);
    // has_last_step = false ignores last_step.
    EXPECT_TRUE(Check(CodeAt(kStep), 1, false, kStep + 5).matched);
}

TEST_F(TotpWindowTest, MalformedCodeIsNoMatchNotAnError) {
    const std::string good = CodeAt(kStep);
    const std::string_view bad[] = {"", "12345", "1234567", "abcdef", " 12345", std::string_view("12345\0", 6)};
    for (std::string_view code : bad) {
        const WindowMatch match = Check(code, 1);
        EXPECT_FALSE(match.matched) << test::Hex(code);
    }
    // The right digits with a stray character are still malformed.
    EXPECT_FALSE(Check(good + " ", 1).matched);
    EXPECT_FALSE(Check(" " + good, 1).matched);
    // An 8-digit code checked with digits 6 does not match even though it ends in the 6-digit code.
    EXPECT_FALSE(Check(CodeAt(kStep, Params(HashAlgorithm::kSha1, 8)), 1).matched);
    // The 6-digit code checked as an 8-digit credential is malformed.
    EXPECT_FALSE(Check(good, 1, false, 0, Status::kOk, kTime, Params(HashAlgorithm::kSha1, 8)).matched);
}

TEST_F(TotpWindowTest, Failures) {
    const std::string code = CodeAt(kStep);
    EXPECT_FALSE(Check(code, -1, false, 0, Status::kBadWindow).matched);
    EXPECT_FALSE(Check(code, kMaxWindow + 1, false, 0, Status::kBadWindow).matched);
    EXPECT_FALSE(Check(code, std::numeric_limits<int>::max(), false, 0, Status::kBadWindow).matched);
    EXPECT_FALSE(Check(code, std::numeric_limits<int>::min(), false, 0, Status::kBadWindow).matched);
    EXPECT_FALSE(Check(code, 1, false, 0, Status::kBadTime, -1).matched);
    EXPECT_FALSE(Check(code, 1, false, 0, Status::kBadPeriod, kTime, Params(HashAlgorithm::kSha1, 6, 0)).matched);
    EXPECT_FALSE(Check(code, 1, false, 0, Status::kBadDigits, kTime, Params(HashAlgorithm::kSha1, 9)).matched);

    WindowMatch match;
    match.matched = true;
    EXPECT_EQ(TotpCheckWindow(ByteView(), code, OtpParams{}, kTime, 1, false, 0, &match), Status::kSecretEmpty);
    EXPECT_FALSE(match.matched);
    const std::vector<std::uint8_t> too_long(kMaxSecretBytes + 1, 1);
    match.matched = true;
    EXPECT_EQ(TotpCheckWindow(too_long, code, OtpParams{}, kTime, 1, false, 0, &match), Status::kSecretTooLong);
    EXPECT_FALSE(match.matched);
}

TEST_F(TotpWindowTest, OtherAlgorithmsAndDigits) {
    // RFC 6238 App. B at t = 20000000000 (step 666666666), checked with a window of 1 from the next step.
    const std::int64_t next_step_time = 20000000000 + 30;
    WindowMatch match;
    ASSERT_EQ(TotpCheckWindow(ByteView(kSeedSha256), "77737706", Params(HashAlgorithm::kSha256, 8), next_step_time, 1,
                              false, 0, &match),
              Status::kOk);
    EXPECT_TRUE(match.matched);
    EXPECT_EQ(match.step, 666666666u);
    ASSERT_EQ(TotpCheckWindow(ByteView(kSeedSha512), "47863826", Params(HashAlgorithm::kSha512, 8), next_step_time, 1,
                              false, 0, &match),
              Status::kOk);
    EXPECT_TRUE(match.matched);
    EXPECT_EQ(match.step, 666666666u);
    // The SHA1 code is not valid for the SHA512 key and algorithm.
    ASSERT_EQ(TotpCheckWindow(ByteView(kSeedSha512), "65353130", Params(HashAlgorithm::kSha512, 8), next_step_time, 1,
                              false, 0, &match),
              Status::kOk);
    EXPECT_FALSE(match.matched);
}

TEST_F(TotpWindowTest, NearTheEpochNoUnderflow) {
    const std::uint64_t kTop = std::numeric_limits<std::uint64_t>::max();
    for (std::int64_t t = 0; t < 60; ++t) {
        const std::uint64_t now = static_cast<std::uint64_t>(t / 30);
        std::vector<std::string> valid;
        for (std::uint64_t step = (now == 0 ? 0 : now - 1); step <= now + 1; ++step) {
            const std::string code = CodeAt(step);
            valid.push_back(code);
            WindowMatch match;
            ASSERT_EQ(TotpCheckWindow(ByteView(kSeedSha1), code, OtpParams{}, t, 1, false, 0, &match), Status::kOk);
            EXPECT_TRUE(match.matched) << "t=" << t << " step " << step;
            EXPECT_EQ(match.step, step) << "t=" << t;
        }
        // Steps "before" 0 wrap around in unsigned arithmetic; they must not be candidates.
        for (std::uint64_t wrapped : {kTop, kTop - 1}) {
            const std::string code = CodeAt(wrapped);
            bool collides = false;
            for (const auto& v : valid) {
                collides = collides || v == code;
            }
            if (collides) {
                continue;
            }
            WindowMatch match;
            ASSERT_EQ(TotpCheckWindow(ByteView(kSeedSha1), code, OtpParams{}, t, 1, false, 0, &match), Status::kOk);
            EXPECT_FALSE(match.matched) << "t=" << t << " wrapped step " << wrapped;
        }
    }
    // The widest window at t = 0 covers steps 0..10 only.
    for (std::uint64_t step = 0; step <= kMaxWindow; ++step) {
        WindowMatch match;
        ASSERT_EQ(TotpCheckWindow(ByteView(kSeedSha1), CodeAt(step), OtpParams{}, 0, kMaxWindow, false, 0, &match),
                  Status::kOk);
        EXPECT_TRUE(match.matched);
        EXPECT_EQ(match.step, step);
    }
}

TEST_F(TotpWindowTest, NearTheEndOfTimeNoOverflowCrash) {
    const std::int64_t t = std::numeric_limits<std::int64_t>::max();
    const std::uint64_t now = static_cast<std::uint64_t>(t / 30);
    WindowMatch match;
    ASSERT_EQ(TotpCheckWindow(ByteView(kSeedSha1), CodeAt(now), OtpParams{}, t, kMaxWindow, false, 0, &match),
              Status::kOk);
    EXPECT_TRUE(match.matched);
    EXPECT_EQ(match.step, now);
    // period 1: the step is INT64_MAX and step + window still fits in 64 unsigned bits.
    const OtpParams one_second = Params(HashAlgorithm::kSha1, 6, 1);
    ASSERT_EQ(TotpCheckWindow(ByteView(kSeedSha1), CodeAt(static_cast<std::uint64_t>(t) + 1, one_second), one_second,
                              t, 1, false, 0, &match),
              Status::kOk);
    EXPECT_TRUE(match.matched);
    EXPECT_EQ(match.step, static_cast<std::uint64_t>(t) + 1);
}

TEST_F(TotpWindowTest, SharedCodeChoosesTheEarliestFreshStep) {
    // Find two steps at most 2 * kMaxWindow apart with the same 6-digit code (expected after ~50000 steps).
    const std::string_view key = kSeedSha1;
    const OtpParams params;
    std::vector<std::string> codes;
    std::uint64_t first = 0;
    std::uint64_t second = 0;
    bool found = false;
    const std::uint64_t base = 1000000;
    for (std::uint64_t i = 0; i < 2000000 && !found; ++i) {
        codes.push_back(Hotp(key, base + i, params));
        for (std::uint64_t d = 1; d <= 2 * kMaxWindow && d <= i; ++d) {
            if (codes[i - d] == codes[i]) {
                first = base + i - d;
                second = base + i;
                found = true;
                break;
            }
        }
    }
    ASSERT_TRUE(found) << "no colliding pair found";
    const std::string shared = Hotp(key, first, params);
    // Centre the window so both steps are inside it.
    const std::uint64_t now = first + kMaxWindow;
    ASSERT_GE(second + kMaxWindow, now);
    const auto time = static_cast<std::int64_t>(now * 30 + 7);

    // The expected answers, computed by scanning candidates in order.
    auto earliest = [&](bool has_last, std::uint64_t last, std::uint64_t* step) {
        for (std::uint64_t s = now - kMaxWindow; s <= now + kMaxWindow; ++s) {
            if ((!has_last || s > last) && Hotp(key, s, params) == shared) {
                *step = s;
                return true;
            }
        }
        return false;
    };

    std::uint64_t expected = 0;
    ASSERT_TRUE(earliest(false, 0, &expected));
    EXPECT_EQ(expected, first);
    WindowMatch match;
    ASSERT_EQ(TotpCheckWindow(ByteView(key), shared, params, time, kMaxWindow, false, 0, &match), Status::kOk);
    EXPECT_TRUE(match.matched);
    EXPECT_EQ(match.step, first) << "first " << first << " second " << second;

    // Once `first` is spent, the same code is accepted at `second` (a genuinely later step).
    ASSERT_TRUE(earliest(true, first, &expected));
    EXPECT_EQ(expected, second);
    ASSERT_EQ(TotpCheckWindow(ByteView(key), shared, params, time, kMaxWindow, true, first, &match), Status::kOk);
    EXPECT_TRUE(match.matched);
    EXPECT_EQ(match.step, second);

    // Once `second` is spent, it is rejected.
    ASSERT_EQ(TotpCheckWindow(ByteView(key), shared, params, time, kMaxWindow, true, second, &match), Status::kOk);
    EXPECT_FALSE(match.matched);
}

}  // namespace
}  // namespace pg_mfa::core

namespace pg_mfa::core {
namespace {

// A code whose step was already accepted is no match, and is reported as a replay (for the audit trail);
// a code that matches nothing is not.
TEST(TotpCheckWindowTest, ReportsReplaysSeparately) {
    const std::string_view key = "12345678901234567890";
    OtpParams params;
    const std::int64_t now = 1111111109;  // step 37037036
    OtpCode code;
    ASSERT_EQ(TotpCode(ByteView(key), now, params, &code), Status::kOk);
    WindowMatch match;
    ASSERT_EQ(TotpCheckWindow(ByteView(key), code.view(), params, now, 1, true, 37037036, &match), Status::kOk);
    EXPECT_FALSE(match.matched);
    EXPECT_TRUE(match.replayed);
    ASSERT_EQ(TotpCheckWindow(ByteView(key), code.view(), params, now, 1, true, 37037035, &match), Status::kOk);
    EXPECT_TRUE(match.matched);
    EXPECT_FALSE(match.replayed);
    EXPECT_EQ(match.step, 37037036u);
    ASSERT_EQ(TotpCheckWindow(ByteView(key), "000000", params, now, 1, true, 37037036, &match), Status::kOk);
    EXPECT_FALSE(match.matched);
    EXPECT_FALSE(match.replayed);
}

}  // namespace
}  // namespace pg_mfa::core
