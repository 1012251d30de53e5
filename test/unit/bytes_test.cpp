// bytes_test.cpp: ByteView, SecureWipe, ConstantTimeEqual, SecretBytes and SecretString.
#include "core/bytes.hpp"

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pg_mfa::core {
namespace {

TEST(ByteViewTest, FromStringViewAndVector) {
    const std::string_view text("abc", 3);
    const ByteView from_text(text);
    EXPECT_EQ(from_text.size, 3u);
    EXPECT_EQ(from_text.data[0], 'a');
    EXPECT_EQ(from_text.data[2], 'c');

    const std::vector<std::uint8_t> v = {1, 2, 3, 4};
    const ByteView from_vector(v);
    EXPECT_EQ(from_vector.size, 4u);
    EXPECT_EQ(from_vector.data, v.data());

    SecretBytes secret = {9, 8};
    const ByteView from_secret(secret);
    EXPECT_EQ(from_secret.size, 2u);
    EXPECT_EQ(from_secret.data, secret.data());

    const ByteView empty;
    EXPECT_EQ(empty.size, 0u);
}

TEST(ByteViewTest, KeepsEmbeddedNulBytes) {
    const std::string_view text("a\0b", 3);
    const ByteView view(text);
    EXPECT_EQ(view.size, 3u);
    EXPECT_EQ(view.data[1], 0);
}

TEST(SecureWipeTest, ZeroesTheBuffer) {
    std::uint8_t buffer[32];
    for (std::size_t i = 0; i < sizeof buffer; ++i) {
        buffer[i] = static_cast<std::uint8_t>(i + 1);
    }
    SecureWipe(buffer + 4, 8);
    for (std::size_t i = 0; i < sizeof buffer; ++i) {
        if (i >= 4 && i < 12) {
            EXPECT_EQ(buffer[i], 0) << i;
        } else {
            EXPECT_EQ(buffer[i], i + 1) << i;
        }
    }
    SecureWipe(nullptr, 0);  // must not crash
    SecureWipe(buffer, 0);
    EXPECT_EQ(buffer[0], 1);
}

TEST(ConstantTimeEqualTest, EqualContents) {
    EXPECT_TRUE(ConstantTimeEqual(std::string_view("123456"), std::string_view("123456")));
    const std::vector<std::uint8_t> a = {0, 1, 2, 255};
    const std::vector<std::uint8_t> b = {0, 1, 2, 255};
    EXPECT_TRUE(ConstantTimeEqual(a, b));
}

TEST(ConstantTimeEqualTest, EveryOneBitDifferenceIsUnequal) {
    const std::vector<std::uint8_t> a = {0x00, 0x5a, 0xff, 0x80, 0x01, 0x7e, 0x33, 0xc4};
    for (std::size_t byte = 0; byte < a.size(); ++byte) {
        for (int bit = 0; bit < 8; ++bit) {
            std::vector<std::uint8_t> b = a;
            b[byte] = static_cast<std::uint8_t>(b[byte] ^ (1u << bit));
            EXPECT_FALSE(ConstantTimeEqual(a, b)) << "byte " << byte << " bit " << bit;
            EXPECT_FALSE(ConstantTimeEqual(b, a)) << "byte " << byte << " bit " << bit;
        }
    }
}

TEST(ConstantTimeEqualTest, DifferentLengthsAreUnequal) {
    EXPECT_FALSE(ConstantTimeEqual(std::string_view("12345"), std::string_view("123456")));
    EXPECT_FALSE(ConstantTimeEqual(std::string_view("123456"), std::string_view("12345")));
    // A prefix with a trailing NUL is still a different length.
    EXPECT_FALSE(ConstantTimeEqual(std::string_view("abc"), std::string_view("abc\0", 4)));
    EXPECT_FALSE(ConstantTimeEqual(std::string_view(""), std::string_view("a")));
}

TEST(ConstantTimeEqualTest, EmptyInputs) {
    EXPECT_TRUE(ConstantTimeEqual(ByteView(), ByteView()));
    EXPECT_TRUE(ConstantTimeEqual(std::string_view(""), ByteView()));
    EXPECT_TRUE(ConstantTimeEqual(ByteView(nullptr, 0), std::string_view("")));
}

TEST(SecretBytesTest, BehavesLikeAVector) {
    SecretBytes bytes;
    EXPECT_TRUE(bytes.empty());
    for (int i = 0; i < 1000; ++i) {  // grows through several reallocations
        bytes.push_back(static_cast<std::uint8_t>(i));
    }
    ASSERT_EQ(bytes.size(), 1000u);
    for (int i = 0; i < 1000; ++i) {
        ASSERT_EQ(bytes[static_cast<std::size_t>(i)], static_cast<std::uint8_t>(i));
    }
    SecretBytes copy = bytes;
    EXPECT_EQ(copy, bytes);
    copy[0] = 42;
    EXPECT_NE(copy, bytes);
    bytes.clear();
    EXPECT_TRUE(bytes.empty());
    SecretBytes moved = std::move(copy);
    EXPECT_EQ(moved.size(), 1000u);
    EXPECT_EQ(moved[0], 42);
}

TEST(SecretStringTest, BehavesLikeAString) {
    SecretString empty;
    EXPECT_TRUE(empty.view().empty());

    SecretString s(std::string_view("hunter2"));
    EXPECT_EQ(s.view(), "hunter2");
    s.str() += "-and-a-much-longer-tail-that-leaves-the-small-string-buffer";
    EXPECT_EQ(s.view(), "hunter2-and-a-much-longer-tail-that-leaves-the-small-string-buffer");
    EXPECT_EQ(s.str().size(), s.view().size());

    SecretString copy = s;
    EXPECT_EQ(copy.view(), s.view());
    copy.str()[0] = 'H';
    EXPECT_EQ(copy.view()[0], 'H');
    EXPECT_EQ(s.view()[0], 'h');

    SecretString assigned;
    assigned = copy;
    EXPECT_EQ(assigned.view(), copy.view());

    const SecretString with_nul(std::string_view("a\0b", 3));
    EXPECT_EQ(with_nul.view().size(), 3u);
    EXPECT_EQ(with_nul.view(), std::string_view("a\0b", 3));
}

}  // namespace
}  // namespace pg_mfa::core
