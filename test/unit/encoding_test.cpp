// encoding_test.cpp: RFC 4648 base32 (§6) and base64 (§4, §5) with the §10 test vectors.
#include "core/encoding.hpp"

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pg_mfa::core {
namespace {

// RFC 4648 §10, base32 without the '=' padding.
const std::pair<std::string_view, std::string_view> kBase32Vectors[] = {
    {"", ""},
    {"f", "MY"},
    {"fo", "MZXQ"},
    {"foo", "MZXW6"},
    {"foob", "MZXW6YQ"},
    {"fooba", "MZXW6YTB"},
    {"foobar", "MZXW6YTBOI"},
};

// RFC 4648 §10, base32 as printed there (with padding).
const std::pair<std::string_view, std::string_view> kBase32PaddedVectors[] = {
    {"f", "MY======"},
    {"fo", "MZXQ===="},
    {"foo", "MZXW6==="},
    {"foob", "MZXW6YQ="},
    {"fooba", "MZXW6YTB"},
    {"foobar", "MZXW6YTBOI======"},
};

// RFC 4648 §10, base64 without the '=' padding.
const std::pair<std::string_view, std::string_view> kBase64Vectors[] = {
    {"", ""},
    {"f", "Zg"},
    {"fo", "Zm8"},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg"},
    {"fooba", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy"},
};

std::string AsText(const SecretBytes& bytes) {
    return std::string(bytes.begin(), bytes.end());
}

// Pseudo-random but fixed test bytes.
std::vector<std::uint8_t> TestBytes(std::size_t size) {
    std::vector<std::uint8_t> out(size);
    std::uint32_t x = 0x12345678u + static_cast<std::uint32_t>(size);
    for (auto& b : out) {
        x = x * 1103515245u + 12345u;
        b = static_cast<std::uint8_t>(x >> 16);
    }
    return out;
}

// ---------------------------------------------------------------- base32 encode

TEST(Base32EncodeTest, Rfc4648Vectors) {
    for (const auto& [plain, encoded] : kBase32Vectors) {
        std::string out;
        ASSERT_EQ(Base32Encode(ByteView(plain), &out), Status::kOk) << plain;
        EXPECT_EQ(out, encoded) << "input \"" << plain << "\"";
    }
}

TEST(Base32EncodeTest, SecretStringBufferGivesSameText) {
    for (const auto& [plain, encoded] : kBase32Vectors) {
        SecretString out;
        ASSERT_EQ(Base32Encode(ByteView(plain), &out.str()), Status::kOk) << plain;
        EXPECT_EQ(out.view(), encoded) << "input \"" << plain << "\"";
    }
}

TEST(Base32EncodeTest, AppendsToExistingText) {
    std::string out = "secret=";
    ASSERT_EQ(Base32Encode(ByteView(std::string_view("foobar")), &out), Status::kOk);
    EXPECT_EQ(out, "secret=MZXW6YTBOI");
}

TEST(Base32EncodeTest, Rfc6238SeedsEncodeAsAuthenticatorAppsShowThem) {
    std::string out;
    ASSERT_EQ(Base32Encode(ByteView(std::string_view("12345678901234567890")), &out), Status::kOk);
    EXPECT_EQ(out, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    out.clear();
    const std::vector<std::uint8_t> all_ones(5, 0xff);
    ASSERT_EQ(Base32Encode(all_ones, &out), Status::kOk);
    EXPECT_EQ(out, "77777777");
    out.clear();
    const std::vector<std::uint8_t> zeros(5, 0x00);
    ASSERT_EQ(Base32Encode(zeros, &out), Status::kOk);
    EXPECT_EQ(out, "AAAAAAAA");
}

// ---------------------------------------------------------------- base32 decode

TEST(Base32DecodeTest, Rfc4648VectorsUnpadded) {
    for (const auto& [plain, encoded] : kBase32Vectors) {
        SecretBytes out;
        ASSERT_EQ(Base32Decode(encoded, &out), Status::kOk) << encoded;
        EXPECT_EQ(AsText(out), plain) << encoded;
    }
}

TEST(Base32DecodeTest, Rfc4648VectorsPadded) {
    for (const auto& [plain, encoded] : kBase32PaddedVectors) {
        SecretBytes out;
        ASSERT_EQ(Base32Decode(encoded, &out), Status::kOk) << encoded;
        EXPECT_EQ(AsText(out), plain) << encoded;
    }
}

TEST(Base32DecodeTest, LowerCaseAndSpaces) {
    SecretBytes out;
    ASSERT_EQ(Base32Decode("mzxw 6ytb oi", &out), Status::kOk);
    EXPECT_EQ(AsText(out), "foobar");
    ASSERT_EQ(Base32Decode("MzXw6yTbOi", &out), Status::kOk);
    EXPECT_EQ(AsText(out), "foobar");
    ASSERT_EQ(Base32Decode("  MZXW6YQ=  ", &out), Status::kOk);
    EXPECT_EQ(AsText(out), "foob");
    ASSERT_EQ(Base32Decode("GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ", &out), Status::kOk);
    EXPECT_EQ(AsText(out), "12345678901234567890");
}

TEST(Base32DecodeTest, OnlySpacesAndPaddingIsEmpty) {
    SecretBytes out = {1, 2, 3};
    ASSERT_EQ(Base32Decode("", &out), Status::kOk);
    EXPECT_TRUE(out.empty());
    out = {1, 2, 3};
    ASSERT_EQ(Base32Decode("   ", &out), Status::kOk);
    EXPECT_TRUE(out.empty());
    out = {1, 2, 3};
    ASSERT_EQ(Base32Decode("========", &out), Status::kOk);
    EXPECT_TRUE(out.empty());
}

TEST(Base32DecodeTest, ReplacesPreviousContents) {
    SecretBytes out = {0xde, 0xad, 0xbe, 0xef};
    ASSERT_EQ(Base32Decode("MZXW6", &out), Status::kOk);
    EXPECT_EQ(AsText(out), "foo");
}

TEST(Base32DecodeTest, BadCharacters) {
    const std::string_view bad[] = {
        "MZXW1",                    // '1' is not in the alphabet
        "MZXW0",                    // nor '0'
        "MZXW8",                    // nor '8'
        "MZXW9",
        "MZ-X",
        "MZ\n",
        "MZ\tXQ",
        "MZ\r\nXQ",
        "MZ_XQ",
        "MZ+XQ",
        "MZ/XQ",
        "MZ.XQ",
        "MZXQ!",
        std::string_view("MZ\0XQ", 5),  // embedded NUL
        "MZ\xc3\xa9XQ",                  // UTF-8 'é'
        "\xef\xbc\xad\xef\xbc\xba",      // full-width "ＭＺ"
        "MZXW6YTBOI#",
    };
    for (std::string_view text : bad) {
        SecretBytes out = {1, 2, 3};
        EXPECT_EQ(Base32Decode(text, &out), Status::kBase32BadCharacter) << test::Hex(text);
        EXPECT_TRUE(out.empty()) << test::Hex(text);
    }
}

TEST(Base32DecodeTest, BadLengths) {
    // 1, 3 or 6 symbols modulo 8 leave fewer than 8 bits for a final byte or a whole extra symbol.
    const std::string_view bad[] = {
        "M",           // 1
        "MZX",         // 3
        "MZXW6Y",      // 6
        "MZXW6YTBO",   // 9 = 1 mod 8
        "MZXW6YTBOIA", // 11 = 3 mod 8
        "MZXW6YTBOIAAAA", // 14 = 6 mod 8
        "M=======",    // padding does not count as symbols
        "m z x",
    };
    for (std::string_view text : bad) {
        SecretBytes out = {1, 2, 3};
        EXPECT_EQ(Base32Decode(text, &out), Status::kBase32BadLength) << text;
        EXPECT_TRUE(out.empty()) << text;
    }
}

TEST(Base32DecodeTest, NonZeroTrailingBits) {
    // "MY": M=01100 Y=11000 -> 01100110 | 00: the byte 'f' and two zero bits (canonical).
    // "MZ": M=01100 Z=11001 -> 01100110 | 01: the same byte but a non-zero leftover bit.
    // "M3": M=01100 3=11011 -> 01100110 | 11.
    // "MZXR": 20 bits, 16 used; R=10001 leaves 0001.
    // "MZXW7": 25 bits, 24 used; 7=11111 leaves 1.
    // "MZXW6YR": 35 bits, 32 used; R=10001 leaves 001.
    const std::string_view bad[] = {"MZ", "M3", "mz", "MZ======", "MZXR", "MZXW7", "MZXW6YR", "MZXW6YTBOJ"};
    for (std::string_view text : bad) {
        SecretBytes out = {1, 2, 3};
        EXPECT_EQ(Base32Decode(text, &out), Status::kBase32NonZeroPadding) << text;
        EXPECT_TRUE(out.empty()) << text;
    }
    // Their canonical neighbours decode.
    const std::pair<std::string_view, std::string_view> good[] = {
        {"MY", "f"}, {"MZXQ", "fo"}, {"MZXW6", "foo"}, {"MZXW6YQ", "foob"}, {"MZXW6YTBOI", "foobar"}};
    for (const auto& [text, plain] : good) {
        SecretBytes out;
        EXPECT_EQ(Base32Decode(text, &out), Status::kOk) << text;
        EXPECT_EQ(AsText(out), plain) << text;
    }
}

TEST(Base32DecodeTest, CharacterErrorWinsOverLengthError) {
    // The text is rejected for its character no matter how many symbols it has.
    SecretBytes out;
    EXPECT_EQ(Base32Decode("M1", &out), Status::kBase32BadCharacter);
    EXPECT_EQ(Base32Decode("1", &out), Status::kBase32BadCharacter);
}

TEST(Base32RoundTripTest, AllLengthsUpTo64) {
    for (std::size_t size = 0; size <= 64; ++size) {
        const std::vector<std::uint8_t> bytes = TestBytes(size);
        std::string encoded;
        ASSERT_EQ(Base32Encode(bytes, &encoded), Status::kOk) << size;
        EXPECT_EQ(encoded.size(), (size * 8 + 4) / 5) << size;
        for (char c : encoded) {
            EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7')) << size << ": " << encoded;
        }
        SecretBytes decoded;
        ASSERT_EQ(Base32Decode(encoded, &decoded), Status::kOk) << size << ": " << encoded;
        EXPECT_EQ(test::Hex(decoded), test::Hex(bytes)) << size;
    }
}

// ---------------------------------------------------------------- base64

TEST(Base64EncodeTest, Rfc4648VectorsUnpadded) {
    for (const auto& [plain, encoded] : kBase64Vectors) {
        std::string out;
        ASSERT_EQ(Base64Encode(ByteView(plain), false, &out), Status::kOk);
        EXPECT_EQ(out, encoded) << plain;
        out.clear();
        ASSERT_EQ(Base64Encode(ByteView(plain), true, &out), Status::kOk);
        EXPECT_EQ(out, encoded) << plain;  // no byte here reaches the two differing symbols
    }
}

TEST(Base64EncodeTest, AlphabetsDifferOnlyInTheLastTwoSymbols) {
    const std::vector<std::uint8_t> bytes = {0xfb, 0xff};  // 111110 111111 1111(00) = 62 63 60
    std::string standard;
    std::string url;
    ASSERT_EQ(Base64Encode(bytes, false, &standard), Status::kOk);
    ASSERT_EQ(Base64Encode(bytes, true, &url), Status::kOk);
    EXPECT_EQ(standard, "+/8");
    EXPECT_EQ(url, "-_8");

    const std::vector<std::uint8_t> more = {0xfb, 0xef, 0xbe, 0x00, 0x10, 0x83};  // 62 62 62 62, 0 1 2 3
    standard.clear();
    url.clear();
    ASSERT_EQ(Base64Encode(more, false, &standard), Status::kOk);
    ASSERT_EQ(Base64Encode(more, true, &url), Status::kOk);
    EXPECT_EQ(standard, "++++ABCD");
    EXPECT_EQ(url, "----ABCD");
}

TEST(Base64EncodeTest, AppendsToExistingText) {
    std::string out = "kli_";
    ASSERT_EQ(Base64Encode(ByteView(std::string_view("foobar")), true, &out), Status::kOk);
    EXPECT_EQ(out, "kli_Zm9vYmFy");
}

TEST(Base64DecodeTest, Rfc4648VectorsUnpadded) {
    for (const auto& [plain, encoded] : kBase64Vectors) {
        for (bool url_safe : {false, true}) {
            std::vector<std::uint8_t> out = {9, 9};
            ASSERT_EQ(Base64Decode(encoded, url_safe, &out), Status::kOk) << encoded;
            EXPECT_EQ(std::string(out.begin(), out.end()), plain) << encoded;
        }
    }
}

TEST(Base64DecodeTest, EachAlphabetAcceptsOnlyItsOwnSymbols) {
    std::vector<std::uint8_t> out;
    ASSERT_EQ(Base64Decode("+/8", false, &out), Status::kOk);
    EXPECT_EQ(test::Hex(out), "fbff");
    ASSERT_EQ(Base64Decode("-_8", true, &out), Status::kOk);
    EXPECT_EQ(test::Hex(out), "fbff");

    out = {1};
    EXPECT_EQ(Base64Decode("-_8", false, &out), Status::kHashMalformed);
    EXPECT_TRUE(out.empty());
    out = {1};
    EXPECT_EQ(Base64Decode("+/8", true, &out), Status::kHashMalformed);
    EXPECT_TRUE(out.empty());
}

TEST(Base64DecodeTest, RejectsDeviations) {
    const std::string_view bad[] = {
        "Zg==",      // padding
        "Zm8=",
        "Zm9v====",
        "Zg=",
        "Zm 9v",     // whitespace
        " Zm9v",
        "Zm9v\n",
        "Zm9v\t",
        "Zm9v!",     // outside both alphabets
        "Zm9v.",
        std::string_view("Zm9v\0", 5),
        "Zm9\xc3\xa9",
        "Zh",        // Z=011001 h=100001: 01100110 | 0001, non-zero trailing bits
        "Zm9",       // m9 = ...111101: last 2 bits 01
        "Zm9vYh",
        "Zm9vYmF",   // F = 000101: last 2 bits 01
        "Z",         // length % 4 == 1
        "Zm9vY",
        "Zm9vYmFyZ",
    };
    for (std::string_view text : bad) {
        for (bool url_safe : {false, true}) {
            std::vector<std::uint8_t> out = {1, 2, 3};
            EXPECT_EQ(Base64Decode(text, url_safe, &out), Status::kHashMalformed)
                << test::Hex(text) << " url_safe=" << url_safe;
            EXPECT_TRUE(out.empty()) << test::Hex(text);
        }
    }
}

TEST(Base64RoundTripTest, AllLengthsUpTo64BothAlphabets) {
    for (std::size_t size = 0; size <= 64; ++size) {
        const std::vector<std::uint8_t> bytes = TestBytes(size);
        for (bool url_safe : {false, true}) {
            std::string encoded;
            ASSERT_EQ(Base64Encode(bytes, url_safe, &encoded), Status::kOk);
            EXPECT_EQ(encoded.size(), (size * 4 + 2) / 3) << size;
            EXPECT_EQ(encoded.find('='), std::string::npos);
            std::vector<std::uint8_t> decoded;
            ASSERT_EQ(Base64Decode(encoded, url_safe, &decoded), Status::kOk) << encoded;
            EXPECT_EQ(test::Hex(decoded), test::Hex(bytes)) << size << " url_safe=" << url_safe;
        }
    }
}

}  // namespace
}  // namespace pg_mfa::core
