// recovery_test.cpp: typed codes (TOTP and recovery) and recovery codes. The expected encodings and
// digests were computed with Python's base64.b32encode (alphabet translated to Crockford's) and hashlib.
#include "core/recovery.hpp"

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>

namespace pg_mfa::core {
namespace {

std::string Classified(std::string_view typed, CodeKind* kind) {
    TypedCode code;
    ClassifyCode(typed, &code);
    *kind = code.kind;
    return std::string(code.view());
}

TEST(ClassifyCodeTest, TotpCodesAsPeopleTypeThem) {
    CodeKind kind;
    for (std::string_view typed : {"123456", "123 456", "123-456", " 123456 ", "1 2 3 4 5 6", "12-34 56", "--123456--"}) {
        EXPECT_EQ(Classified(typed, &kind), "123456") << typed;
        EXPECT_EQ(kind, CodeKind::kTotp) << typed;
    }
    EXPECT_EQ(Classified("012345", &kind), "012345");  // leading zeros are kept: "012345" is not 12345
    EXPECT_EQ(kind, CodeKind::kTotp);
    EXPECT_EQ(Classified("1234 5678", &kind), "12345678");
    EXPECT_EQ(kind, CodeKind::kTotp);
    EXPECT_EQ(Classified("1234567", &kind), "1234567");
    EXPECT_EQ(kind, CodeKind::kTotp);
}

TEST(ClassifyCodeTest, RecoveryCodesAsPeopleTypeThem) {
    CodeKind kind;
    for (std::string_view typed : {"7KQ2-M9XD-4TNB-WR3H", "7kq2-m9xd-4tnb-wr3h", "7KQ2 M9XD 4TNB WR3H", "7KQ2M9XD4TNBWR3H",
                                   " 7kq2m9xd-4TNB wr3h "}) {
        EXPECT_EQ(Classified(typed, &kind), "7KQ2M9XD4TNBWR3H") << typed;
        EXPECT_EQ(kind, CodeKind::kRecovery) << typed;
    }
    // Misreadings of 1 and 0 are those digits.
    EXPECT_EQ(Classified("IL1i-lOo0-0000-0000", &kind), "1111100000000000");
    EXPECT_EQ(kind, CodeKind::kRecovery);
    // Sixteen digits are a recovery code, not a TOTP code.
    EXPECT_EQ(Classified("1234-5678-9012-3456", &kind), "1234567890123456");
    EXPECT_EQ(kind, CodeKind::kRecovery);
}

TEST(ClassifyCodeTest, EverythingElseIsMalformed) {
    CodeKind kind;
    for (std::string_view typed : std::initializer_list<std::string_view>{
             "", " ", "-", "12345", "123456789", "12345a", "１２３４５６", "123\t456", "123_456", "123.456", "+123456",
          "123456\n", "7KQ2-M9XD-4TNB-WR3", "7KQ2-M9XD-4TNB-WR3HX", "7KQU-M9XD-4TNB-WR3H", "7KQ2-M9XD-4TNB-WR3#",
          std::string_view("123\0" "456", 7)}) {
        EXPECT_EQ(Classified(typed, &kind), "") << typed;
        EXPECT_EQ(kind, CodeKind::kMalformed) << typed;
    }
    // Input longer than kMaxTypedCodeBytes is refused even if it is mostly separators.
    std::string padded(kMaxTypedCodeBytes, ' ');
    padded.replace(0, 6, "123456");
    EXPECT_EQ(Classified(padded, &kind), "123456");
    EXPECT_EQ(kind, CodeKind::kTotp);
    padded.push_back(' ');
    EXPECT_EQ(Classified(padded, &kind), "");
    EXPECT_EQ(kind, CodeKind::kMalformed);
}

TEST(GenerateRecoveryCodeTest, KnownEncoding) {
    test::CountingSource counting;  // bytes 00 01 02 ... 09
    RecoveryCodeText text;
    ASSERT_EQ(GenerateRecoveryCode(counting.Source(), &text), Status::kOk);
    EXPECT_STREQ(text.data(), "000G-40R4-0M30-E209");
    EXPECT_EQ(counting.bytes, kRecoveryCodeBytes);
    EXPECT_GE(kRecoveryCodeBytes * 8, 80u);

    struct AllOnes {
        static bool Fill(void*, std::uint8_t* buffer, std::size_t size) noexcept {
            for (std::size_t i = 0; i < size; ++i) {
                buffer[i] = 0xff;
            }
            return true;
        }
    };
    ASSERT_EQ(GenerateRecoveryCode(RandomSource{&AllOnes::Fill, nullptr}, &text), Status::kOk);
    EXPECT_STREQ(text.data(), "ZZZZ-ZZZZ-ZZZZ-ZZZZ");
}

TEST(GenerateRecoveryCodeTest, FreshCodesRoundTripThroughClassify) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        RecoveryCodeText text;
        ASSERT_EQ(GenerateRecoveryCode(OpenSslRandom(), &text), Status::kOk);
        const std::string shown(text.data());
        ASSERT_EQ(shown.size(), kRecoveryCodeShownChars);
        for (std::size_t j = 0; j < shown.size(); ++j) {
            if (j % 5 == 4) {
                EXPECT_EQ(shown[j], '-') << shown;
            } else {
                EXPECT_EQ(shown.find_first_of("ILOU", j), std::string::npos) << shown;
            }
        }
        TypedCode code;
        ClassifyCode(shown, &code);
        ASSERT_EQ(code.kind, CodeKind::kRecovery) << shown;
        std::string canonical;
        for (char c : shown) {
            if (c != '-') {
                canonical.push_back(c);
            }
        }
        EXPECT_EQ(code.view(), canonical);
        EXPECT_TRUE(seen.insert(shown).second) << shown;
    }
}

TEST(GenerateRecoveryCodeTest, FailingSource) {
    RecoveryCodeText text;
    text.fill('x');
    EXPECT_EQ(GenerateRecoveryCode(RandomSource{}, &text), Status::kRandomFailure);
    EXPECT_EQ(text[0], '\0');
}

TEST(DigestRecoveryCodeTest, KnownDigestBindsTheUser) {
    RecoveryDigest digest;
    ASSERT_EQ(DigestRecoveryCode(42, "000G40R40M30E209", &digest), Status::kOk);
    EXPECT_EQ(test::Hex(digest), "f3ca0862dec81372d697ad3345f42695aa188a84b99fbd0a280fdbc123b16c30");
    RecoveryDigest other_user;
    ASSERT_EQ(DigestRecoveryCode(43, "000G40R40M30E209", &other_user), Status::kOk);
    EXPECT_NE(test::Hex(other_user), test::Hex(digest));
    RecoveryDigest other_code;
    ASSERT_EQ(DigestRecoveryCode(42, "000G40R40M30E20A", &other_code), Status::kOk);
    EXPECT_NE(test::Hex(other_code), test::Hex(digest));
}

TEST(DigestRecoveryCodeTest, OnlyCanonicalCodes) {
    RecoveryDigest digest;
    for (std::string_view bad : {"", "000g40r40m30e209", "000G-40R4-0M30-E209", "000G40R40M30E20I", "000G40R40M30E20",
                                 "000G40R40M30E2099"}) {
        EXPECT_EQ(DigestRecoveryCode(42, bad, &digest), Status::kMalformedCode) << bad;
    }
}

}  // namespace
}  // namespace pg_mfa::core
