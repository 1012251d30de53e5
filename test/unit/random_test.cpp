// random_test.cpp: secrets and tokens from a RandomSource, token digests.
#include "core/random.hpp"

#include "core/otp.hpp"  // kMaxSecretBytes (random.hpp refers to it without including it)

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace pg_mfa::core {
namespace {

bool IsBase64UrlSymbol(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

TEST(GenerateSecretTest, TakesBytesFromTheSource) {
    test::CountingSource counting;
    SecretBytes secret;
    ASSERT_EQ(GenerateSecret(counting.Source(), kSecretBytes, &secret), Status::kOk);
    ASSERT_EQ(secret.size(), 20u);
    for (std::size_t i = 0; i < secret.size(); ++i) {
        EXPECT_EQ(secret[i], i) << i;
    }
    EXPECT_EQ(counting.bytes, 20u);

    // The next secret continues the source's stream and replaces the old contents.
    ASSERT_EQ(GenerateSecret(counting.Source(), 4, &secret), Status::kOk);
    EXPECT_EQ(test::Hex(secret), "14151617");
}

TEST(GenerateSecretTest, SizeLimits) {
    test::CountingSource counting;
    SecretBytes secret = {1, 2, 3};
    EXPECT_EQ(GenerateSecret(counting.Source(), 0, &secret), Status::kSecretEmpty);
    EXPECT_TRUE(secret.empty());
    secret = {1, 2, 3};
    EXPECT_EQ(GenerateSecret(counting.Source(), kMaxSecretBytes + 1, &secret), Status::kSecretTooLong);
    EXPECT_TRUE(secret.empty());
    ASSERT_EQ(GenerateSecret(counting.Source(), 1, &secret), Status::kOk);
    EXPECT_EQ(secret.size(), 1u);
    ASSERT_EQ(GenerateSecret(counting.Source(), kMaxSecretBytes, &secret), Status::kOk);
    EXPECT_EQ(secret.size(), kMaxSecretBytes);
}

TEST(GenerateSecretTest, FailingSourceGivesRandomFailureAndNothing) {
    SecretBytes secret = {1, 2, 3};
    EXPECT_EQ(GenerateSecret(RandomSource{&test::FailingFill, nullptr}, kSecretBytes, &secret),
              Status::kRandomFailure);
    EXPECT_TRUE(secret.empty());
    secret = {1, 2, 3};
    EXPECT_EQ(GenerateSecret(RandomSource{}, kSecretBytes, &secret), Status::kRandomFailure);
    EXPECT_TRUE(secret.empty());
}

TEST(OpenSslRandomTest, DistinctValuesAcrossCalls) {
    const RandomSource source = OpenSslRandom();
    ASSERT_NE(source.fill, nullptr);
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        SecretBytes secret;
        ASSERT_EQ(GenerateSecret(source, kSecretBytes, &secret), Status::kOk);
        ASSERT_EQ(secret.size(), kSecretBytes);
        EXPECT_TRUE(seen.insert(test::Hex(secret)).second) << "repeated 160-bit secret";
    }
    // Not all zeros, and the bytes vary (a stuck source would fail this).
    SecretBytes big;
    ASSERT_EQ(GenerateSecret(source, kMaxSecretBytes, &big), Status::kOk);
    std::set<std::uint8_t> values(big.begin(), big.end());
    EXPECT_GT(values.size(), 128u);
}

TEST(GenerateTokenTest, AllZeroBytes) {
    test::ConstantSource zeros{0x00};
    SecretString token;
    ASSERT_EQ(GenerateToken(zeros.Source(), "kli_", &token), Status::kOk);
    EXPECT_EQ(token.view(), "kli_" + std::string(43, 'A'));
}

TEST(GenerateTokenTest, AllOnesUseTheUrlSafeAlphabet) {
    // 32 bytes of 0xff: ten groups of "____", then ff ff -> 111111 111111 1111(00) -> "__8".
    test::ConstantSource ones{0xff};
    SecretString token;
    ASSERT_EQ(GenerateToken(ones.Source(), "ses_", &token), Status::kOk);
    EXPECT_EQ(token.view(), "ses_" + std::string(42, '_') + "8");
}

TEST(GenerateTokenTest, DeterministicForADeterministicSource) {
    // Bytes 00 01 .. 1f in unpadded base64url.
    test::CountingSource first;
    test::CountingSource second;
    SecretString a;
    SecretString b;
    ASSERT_EQ(GenerateToken(first.Source(), "kli_", &a), Status::kOk);
    ASSERT_EQ(GenerateToken(second.Source(), "kli_", &b), Status::kOk);
    EXPECT_EQ(a.view(), "kli_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
    EXPECT_EQ(a.view(), b.view());
    EXPECT_EQ(first.bytes, kTokenBytes);
}

TEST(GenerateTokenTest, ShapeWithRealRandomness) {
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
        SecretString token;
        ASSERT_EQ(GenerateToken(OpenSslRandom(), "kli_", &token), Status::kOk);
        const std::string_view text = token.view();
        ASSERT_EQ(text.size(), 4u + 43u);
        EXPECT_EQ(text.substr(0, 4), "kli_");
        for (char c : text.substr(4)) {
            EXPECT_TRUE(IsBase64UrlSymbol(c)) << text;
        }
        EXPECT_TRUE(seen.insert(std::string(text)).second);
    }
}

TEST(GenerateTokenTest, GoodPrefixes) {
    const std::string_view good[] = {"kli_", "a_", "ses2_", "abcdefghijklmno_" /* 16 bytes */, "0_", "x9y_"};
    for (std::string_view prefix : good) {
        test::ConstantSource zeros{0};
        SecretString token;
        ASSERT_EQ(GenerateToken(zeros.Source(), prefix, &token), Status::kOk) << prefix;
        EXPECT_EQ(token.view(), std::string(prefix) + std::string(43, 'A'));
    }
}

TEST(GenerateTokenTest, BadPrefixes) {
    const std::string_view bad[] = {
        "",
        "kli",
        "KLI_",
        "Kli_",
        "k l_",
        "abcdefghijklmnop_",  // 17 bytes
        "abcdefghijklmnopqrstuvwxyz_",
        "kli-",
        "kli_x",
        "k_i_",
        "kli__",
        "kl\xc3\xa9_",
        std::string_view("k\0i_", 4),
        " kli_",
        "kli_ ",
    };
    for (std::string_view prefix : bad) {
        test::CountingSource counting;
        SecretString token(std::string_view("stale"));
        EXPECT_EQ(GenerateToken(counting.Source(), prefix, &token), Status::kBadTokenPrefix) << test::Hex(prefix);
        EXPECT_TRUE(token.view().empty()) << test::Hex(prefix);
    }
}

TEST(GenerateTokenTest, FailingSourceGivesRandomFailureAndNothing) {
    SecretString token(std::string_view("stale"));
    EXPECT_EQ(GenerateToken(RandomSource{&test::FailingFill, nullptr}, "kli_", &token), Status::kRandomFailure);
    EXPECT_TRUE(token.view().empty());
    token = SecretString(std::string_view("stale"));
    EXPECT_EQ(GenerateToken(RandomSource{}, "kli_", &token), Status::kRandomFailure);
    EXPECT_TRUE(token.view().empty());
}

TEST(DigestTokenTest, Sha256KnownAnswers) {
    TokenDigest digest{};
    ASSERT_EQ(DigestToken("abc", &digest), Status::kOk);
    EXPECT_EQ(test::Hex(digest), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ASSERT_EQ(DigestToken("", &digest), Status::kOk);
    EXPECT_EQ(test::Hex(digest), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // FIPS 180-2 two-block message.
    ASSERT_EQ(DigestToken("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", &digest), Status::kOk);
    EXPECT_EQ(test::Hex(digest), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(DigestTokenTest, DigestsTheWholeTokenIncludingNulBytes) {
    TokenDigest with_nul{};
    TokenDigest truncated{};
    ASSERT_EQ(DigestToken(std::string_view("abc\0def", 7), &with_nul), Status::kOk);
    ASSERT_EQ(DigestToken("abc", &truncated), Status::kOk);
    EXPECT_NE(test::Hex(with_nul), test::Hex(truncated));
}

}  // namespace
}  // namespace pg_mfa::core
