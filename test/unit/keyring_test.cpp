// keyring_test.cpp: the key file's format.
#include "core/keyring.hpp"

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pg_mfa::core {
namespace {

using test::Hex;

// 32 bytes 00..1f and 32 bytes of 0xff, as `openssl rand -base64 32` would print them.
constexpr char kKeyA[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
constexpr char kKeyB[] = "//////////////////////////////////////////8=";

TEST(ParseKeyFileTest, KeysInFileOrderTheLastIsNewest) {
    const std::string text = std::string("# pg_mfa keys\n\n2026-01:") + kKeyA + "\r\n  2026-07 : " + kKeyB + "  \n";
    KeyRing ring;
    std::size_t line = 99;
    ASSERT_EQ(ParseKeyFile(text, &ring, &line), Status::kOk);
    EXPECT_EQ(line, 0u);
    ASSERT_EQ(ring.keys().size(), 2u);
    EXPECT_EQ(ring.keys()[0].id, "2026-01");
    EXPECT_EQ(Hex(ring.keys()[0].bytes), "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    ASSERT_NE(ring.Newest(), nullptr);
    EXPECT_EQ(ring.Newest()->id, "2026-07");
    EXPECT_EQ(Hex(ring.Newest()->bytes), std::string(64, 'f'));
    ASSERT_NE(ring.Find("2026-01"), nullptr);
    EXPECT_EQ(ring.Find("2026-01")->id, "2026-01");
    EXPECT_EQ(ring.Find("2026-02"), nullptr);
}

TEST(ParseKeyFileTest, NoTrailingNewlineAndOneKey) {
    KeyRing ring;
    std::size_t line = 0;
    ASSERT_EQ(ParseKeyFile(std::string("k1:") + kKeyA, &ring, &line), Status::kOk);
    ASSERT_EQ(ring.keys().size(), 1u);
    EXPECT_EQ(ring.Newest()->id, "k1");
}

TEST(ParseKeyFileTest, ErrorsNameTheLine) {
    struct Case {
        std::string text;
        Status status;
        std::size_t line;
    } cases[] = {
        {"", Status::kKeyFileNoKeys, 0},
        {"# only a comment\n\n", Status::kKeyFileNoKeys, 0},
        {std::string("k1:") + kKeyA + "\nno colon here\n", Status::kKeyFileSyntax, 2},
        {std::string(":") + kKeyA, Status::kKeyFileBadKeyId, 1},
        {std::string("key id:") + kKeyA, Status::kKeyFileBadKeyId, 1},
        {std::string(65, 'k') + ":" + kKeyA, Status::kKeyFileBadKeyId, 1},
        {"k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", Status::kKeyFileBadKey, 1},  // unpadded
        {"k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw=", Status::kKeyFileBadKey, 1},     // 29 bytes
        {"k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ==", Status::kKeyFileBadKey, 1},  // 34 bytes
        {"k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh-=", Status::kKeyFileBadKey, 1},  // base64url
        {"k1:", Status::kKeyFileBadKey, 1},
        {std::string("k1:") + kKeyA + "\n#\nk2:" + kKeyB + "\nk1:" + kKeyB, Status::kKeyFileDuplicateKeyId, 4},
    };
    for (const Case& c : cases) {
        KeyRing ring;
        std::size_t line = 99;
        EXPECT_EQ(ParseKeyFile(c.text, &ring, &line), c.status) << c.text;
        EXPECT_EQ(line, c.line) << c.text;
        EXPECT_TRUE(ring.keys().empty()) << c.text;
        EXPECT_EQ(ring.Newest(), nullptr);
    }
}

TEST(ValidKeyIdTest, Alphabet) {
    EXPECT_TRUE(ValidKeyId("k1"));
    EXPECT_TRUE(ValidKeyId("2026-07_primary.v2"));
    EXPECT_TRUE(ValidKeyId(std::string(64, 'a')));
    EXPECT_FALSE(ValidKeyId(""));
    EXPECT_FALSE(ValidKeyId(std::string(65, 'a')));
    EXPECT_FALSE(ValidKeyId("a:b"));
    EXPECT_FALSE(ValidKeyId("a b"));
    EXPECT_FALSE(ValidKeyId("ключ"));
}

}  // namespace
}  // namespace pg_mfa::core
