// imported_hash_test.cpp: hashes imported from other systems. Known answers for bcrypt (the vectors of
// Solar Designer's crypt_blowfish and OpenBSD), scrypt (RFC 7914 §12) and PBKDF2-HMAC-SHA256 (RFC 7914 §11,
// Django's and passlib's test suites) through our wrappers and string formats; every ceiling; malformed
// strings; one-character mutations of a right hash; the scheme names and the rehash policy.
#include "core/imported_hash.hpp"
#include "core/password.hpp"

#include "core/encoding.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace pg_mfa::core {
namespace {

const AbortCheck kNoAbort{};

bool Verify(std::string_view password, std::string_view hash, Status expected = Status::kOk) {
    bool matches = true;
    EXPECT_EQ(VerifyPassword(password, hash, kNoAbort, &matches), expected) << hash;
    if (expected != Status::kOk) {
        EXPECT_FALSE(matches) << hash;
    }
    return matches;
}

std::string B64(const std::vector<std::uint8_t>& bytes) {
    std::string out;
    EXPECT_EQ(Base64Encode(bytes, false, &out), Status::kOk);
    return out;
}

// ---------------------------------------------------------------- bcrypt

struct BcryptVector {
    std::string_view password;
    std::string_view hash;
};

// crypt_blowfish's wrapper.c test vectors (also OpenBSD's), cost 5.
const BcryptVector kBcryptVectors[] = {
    {"U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"},
    {"U*U*", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"},
    {"U*U*U", "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a"},
    {"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored",
     "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui"},
    {"\xff\xff\xa3", "$2b$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e"},
    {"\xff\xff\xa3", "$2y$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e"},
    {"\xa3", "$2a$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq"},
    {"\xa3", "$2y$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq"},
};

TEST(BcryptTest, KnownAnswers) {
    for (const BcryptVector& v : kBcryptVectors) {
        EXPECT_TRUE(Verify(v.password, v.hash)) << v.hash;
        std::string changed(v.password);
        changed[0] = static_cast<char>(changed[0] ^ 0x01);
        EXPECT_FALSE(Verify(changed, v.hash)) << v.hash;
        if (v.password.size() < 72) {
            EXPECT_FALSE(Verify(std::string(v.password) + "x", v.hash)) << v.hash;
            if (v.password.size() > 1) {
                EXPECT_FALSE(Verify(v.password.substr(0, v.password.size() - 1), v.hash)) << v.hash;
            }
        }
        SecretString computed;
        ASSERT_EQ(ComputeBcrypt(v.password, v.hash.substr(0, 29), kNoAbort, &computed), Status::kOk);
        EXPECT_EQ(computed.view(), v.hash);
    }
}

TEST(BcryptTest, MinorVersionsAbAndYAreOneAlgorithm) {
    const std::string_view checksum = "E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
    for (char minor : {'a', 'b', 'y'}) {
        const std::string hash = std::string("$2") + minor + "$05$CCCCCCCCCCCCCCCCCCCCC." + std::string(checksum);
        EXPECT_TRUE(Verify("U*U", hash)) << hash;
        EXPECT_FALSE(Verify("U*V", hash)) << hash;
    }
    // $2x$ (crypt_blowfish's emulation of its sign-extension bug) and the original $2$ are not verified.
    Verify("U*U", std::string("$2x$05$CCCCCCCCCCCCCCCCCCCCC.") + std::string(checksum), Status::kHashUnsupported);
    Verify("U*U", std::string("$2$05$CCCCCCCCCCCCCCCCCCCCC.") + std::string(checksum), Status::kHashUnsupported);
}

TEST(BcryptTest, OnlyTheFirst72BytesCount) {
    const std::string base(72, 'p');
    SecretString computed;
    ASSERT_EQ(ComputeBcrypt(base, "$2b$04$abcdefghijklmnopqrstuu", kNoAbort, &computed), Status::kOk);
    const std::string hash(computed.view());
    EXPECT_TRUE(Verify(base, hash));
    EXPECT_TRUE(Verify(base + "anything after byte 72", hash));  // bcrypt's limit, documented
    EXPECT_FALSE(Verify(base.substr(0, 71), hash));
    EXPECT_FALSE(Verify(base.substr(0, 71) + "q", hash));
}

TEST(BcryptTest, PasswordsNoSystemCouldHaveHashed) {
    // The vector for the empty password: no match without hashing, like every scheme.
    EXPECT_FALSE(Verify("", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy"));
    // A NUL ends bcrypt's C string: "U*U\0x" must not verify as "U*U".
    EXPECT_FALSE(Verify(std::string_view("U*U\0x", 5), kBcryptVectors[0].hash));
    EXPECT_FALSE(Verify(std::string_view("U*U\0", 4), kBcryptVectors[0].hash));
    SecretString computed;
    EXPECT_EQ(ComputeBcrypt(std::string_view("U*U\0", 4), "$2a$05$CCCCCCCCCCCCCCCCCCCCC.", kNoAbort, &computed),
              Status::kHashParamsOutOfRange);
    EXPECT_TRUE(computed.view().empty());
    EXPECT_FALSE(Verify(std::string(kMaxPasswordBytes + 1, 'U'), kBcryptVectors[0].hash));
}

TEST(BcryptTest, NonCanonicalSaltBitsStillVerify) {
    // The salt's 22nd character carries 2 bits bcrypt ignores: 'C' (14) is '.' (0) with them set.
    EXPECT_TRUE(Verify("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCCCE5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
}

TEST(BcryptTest, CostCeilings) {
    BcryptHash parsed;
    const std::string rest = "$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
    EXPECT_EQ(ParseBcryptHash("$2b$04" + rest, &parsed), Status::kOk);
    EXPECT_EQ(parsed.cost, 4u);
    EXPECT_EQ(parsed.minor, 'b');
    EXPECT_EQ(parsed.setting, "$2b$04$CCCCCCCCCCCCCCCCCCCCC.");
    EXPECT_EQ(parsed.checksum, "E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW");
    EXPECT_EQ(ParseBcryptHash("$2b$16" + rest, &parsed), Status::kOk);
    for (std::string_view cost : {"00", "01", "03", "17", "20", "31", "99"}) {
        EXPECT_EQ(ParseBcryptHash("$2b$" + std::string(cost) + rest, &parsed), Status::kHashParamsOutOfRange) << cost;
        Verify("U*U", "$2b$" + std::string(cost) + rest, Status::kHashParamsOutOfRange);
        EXPECT_EQ(ValidateImportedHash("$2b$" + std::string(cost) + rest), Status::kHashParamsOutOfRange);
    }
    EXPECT_EQ(ValidateImportedHash("$2b$16" + rest), Status::kOk);
}

TEST(BcryptTest, Malformed) {
    const std::string good = "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
    const std::string bad[] = {
        "$2b$",
        "$2b$05$",
        good.substr(0, 59),                                       // truncated
        good.substr(0, 29),                                       // a setting, no checksum
        good + "W",                                               // one character more
        good + "$",                                               // extra '$'
        "$2b$05$CCCCCCCCCCCCCCCCCCCCC$E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",  // '$' between salt and checksum
        "$2b$5$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWx",   // one-digit cost
        "$2b$005$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",   // three-digit cost
        "$2b$+5$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2b$ 5$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$2b$05$CCCCCCCCCCCCCCCCCCCCC+E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",  // '+' is not bcrypt's alphabet
        "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe=",
        "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe-",
        "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeX",  // non-canonical last character
        "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe/",
        " " + good.substr(0, 59),
        good.substr(0, 59) + "\n",
        good.substr(0, 59) + std::string(1, '\0'),
        "$2B$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
    };
    for (const std::string& text : bad) {
        BcryptHash parsed;
        const Status parse = ParseBcryptHash(text, &parsed);
        EXPECT_EQ(parse, Status::kHashMalformed) << text;
        EXPECT_TRUE(parsed.setting.empty());
        const Status verify = [&] {
            bool matches = true;
            const Status s = VerifyPassword("U*U", text, kNoAbort, &matches);
            EXPECT_FALSE(matches) << text;
            return s;
        }();
        // Strings that no longer start like bcrypt go to the Argon2 parser: malformed or unsupported.
        EXPECT_TRUE(verify == Status::kHashMalformed || verify == Status::kHashUnsupported)
            << text << ": " << StatusName(verify);
        EXPECT_NE(ValidateImportedHash(text), Status::kOk) << text;
    }
}

// ---------------------------------------------------------------- scrypt

TEST(ScryptTest, Rfc7914Vectors) {
    struct {
        std::string_view password;
        std::string_view salt;
        std::uint32_t log2_n;
        std::uint32_t r;
        std::uint32_t p;
        std::string_view hex;
    } vectors[] = {
        {"", "", 4, 1, 1,
         "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e"
         "0d3628cf35e20c38d18906"},
        {"password", "NaCl", 10, 8, 16,
         "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a"
         "83ee6d8360cbdfa2cc0640"},
        {"pleaseletmein", "SodiumChloride", 14, 8, 1,
         "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d"
         "651e40dfcf017b45575887"},
    };
    for (const auto& v : vectors) {
        ScryptInput input;
        input.password = ByteView(v.password);
        input.salt = ByteView(v.salt);
        input.log2_n = v.log2_n;
        input.r = v.r;
        input.p = v.p;
        input.output_bytes = 64;
        SecretBytes out;
        ASSERT_EQ(ComputeScrypt(input, kNoAbort, &out), Status::kOk) << v.password;
        EXPECT_EQ(test::Hex(out), v.hex) << v.password;
    }
    // The fourth vector (N = 2^20, r = 8: 1 GiB) is above the memory ceiling.
    ScryptInput big;
    big.password = ByteView(std::string_view("pleaseletmein"));
    big.salt = ByteView(std::string_view("SodiumChloride"));
    big.log2_n = 20;
    big.r = 8;
    big.p = 1;
    big.output_bytes = 64;
    SecretBytes out = {1};
    EXPECT_EQ(ComputeScrypt(big, kNoAbort, &out), Status::kHashParamsOutOfRange);
    EXPECT_TRUE(out.empty());
}

// RFC 7914 §12's vectors in passlib's format (passlib stores 32 bytes: the first half of the 64) and in
// Django's (64 bytes). passlib 1.7.4 verifies both passlib strings.
constexpr std::string_view kPasslibScryptRfc3 =
    "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI";
constexpr std::string_view kPasslibScryptRfc2 = "$scrypt$ln=10,r=8,p=16$TmFDbA$/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWI";
constexpr std::string_view kDjangoScryptRfc3 =
    "scrypt$16384$SodiumChloride$8$1$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3A1lHkDfzwF7"
    "RVdYhw==";
// passlib's own test vector (passlib/tests/test_handlers_scrypt.py), at passlib's default cost (64 MiB).
constexpr std::string_view kPasslibScryptDefault =
    "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E";

TEST(ScryptTest, StringFormats) {
    EXPECT_TRUE(Verify("pleaseletmein", kPasslibScryptRfc3));
    EXPECT_FALSE(Verify("pleaseletmeout", kPasslibScryptRfc3));
    EXPECT_TRUE(Verify("password", kPasslibScryptRfc2));
    EXPECT_FALSE(Verify("Password", kPasslibScryptRfc2));
    EXPECT_TRUE(Verify("pleaseletmein", kDjangoScryptRfc3));
    EXPECT_FALSE(Verify("pleaseletmein ", kDjangoScryptRfc3));
    EXPECT_TRUE(Verify("password", kPasslibScryptDefault));
    EXPECT_FALSE(Verify("passwore", kPasslibScryptDefault));

    ScryptHash parsed;
    ASSERT_EQ(ParseScryptHash(kDjangoScryptRfc3, &parsed), Status::kOk);
    EXPECT_EQ(parsed.format, ImportedFormat::kDjangoScrypt);
    EXPECT_EQ(parsed.log2_n, 14u);
    EXPECT_EQ(parsed.r, 8u);
    EXPECT_EQ(parsed.p, 1u);
    EXPECT_EQ(std::string(parsed.salt.begin(), parsed.salt.end()), "SodiumChloride");
    EXPECT_EQ(parsed.hash.size(), 64u);
    ASSERT_EQ(ParseScryptHash(kPasslibScryptRfc2, &parsed), Status::kOk);
    EXPECT_EQ(parsed.format, ImportedFormat::kPasslibScrypt);
    EXPECT_EQ(parsed.log2_n, 10u);
    EXPECT_EQ(parsed.p, 16u);
    EXPECT_EQ(std::string(parsed.salt.begin(), parsed.salt.end()), "NaCl");
    EXPECT_EQ(parsed.hash.size(), 32u);
}

std::string PasslibScrypt(std::string_view params, std::size_t hash_bytes = 32) {
    return "$scrypt$" + std::string(params) + "$" + B64(std::vector<std::uint8_t>(16, 0x5a)) + "$" +
           B64(std::vector<std::uint8_t>(hash_bytes, 0xa5));
}

std::string DjangoScrypt(std::string_view n, std::string_view r, std::string_view p, std::size_t hash_bytes = 64) {
    std::string hash = B64(std::vector<std::uint8_t>(hash_bytes, 0xa5));
    hash.append((4 - hash.size() % 4) % 4, '=');
    return "scrypt$" + std::string(n) + "$salt$" + std::string(r) + "$" + std::string(p) + "$" + hash;
}

TEST(ScryptTest, Ceilings) {
    const std::string in_range[] = {
        PasslibScrypt("ln=1,r=1,p=1"),
        PasslibScrypt("ln=20,r=2,p=1"),    // 2^20 x 2 x 128 = 256 MiB, 2 passes: 512 MiB of work
        PasslibScrypt("ln=16,r=32,p=4"),   // 256 MiB, 8 passes: 2 GiB
        PasslibScrypt("ln=14,r=8,p=16"),   // Django-like 16 MiB with the most lanes
        DjangoScrypt("16384", "8", "5"),   // Django's default
        DjangoScrypt("2", "1", "1"),
    };
    for (const std::string& text : in_range) {
        EXPECT_EQ(ValidateImportedHash(text), Status::kOk) << text;
    }
    const std::string out_of_range[] = {
        PasslibScrypt("ln=0,r=8,p=1"),     // N = 1
        PasslibScrypt("ln=21,r=1,p=1"),    // N above 2^20
        PasslibScrypt("ln=20,r=8,p=1"),    // 1 GiB: RFC 7914's fourth vector
        PasslibScrypt("ln=20,r=3,p=1"),    // 384 MiB
        PasslibScrypt("ln=14,r=33,p=1"),   // r above 32
        PasslibScrypt("ln=14,r=0,p=1"),
        PasslibScrypt("ln=14,r=8,p=17"),   // p above 16
        PasslibScrypt("ln=14,r=8,p=0"),
        PasslibScrypt("ln=16,r=32,p=5"),   // 256 MiB x 10 passes: above 2 GiB of work
        PasslibScrypt("ln=14,r=8,p=1", 31),
        PasslibScrypt("ln=14,r=8,p=1", 33),
        PasslibScrypt("ln=14,r=8,p=1", 64),
        DjangoScrypt("16384", "8", "1", 32),
        DjangoScrypt("12345", "8", "1"),    // N not a power of two
        DjangoScrypt("16383", "8", "1"),
        DjangoScrypt("1", "8", "1"),
        DjangoScrypt("0", "8", "1"),
        DjangoScrypt("2097152", "1", "1"),  // 2^21
        DjangoScrypt("2147483648", "1", "1"),
        DjangoScrypt("16384", "8", "17"),
    };
    for (const std::string& text : out_of_range) {
        ScryptHash parsed;
        EXPECT_EQ(ParseScryptHash(text, &parsed), Status::kHashParamsOutOfRange) << text;
        EXPECT_TRUE(parsed.hash.empty());
        Verify("password", text, Status::kHashParamsOutOfRange);
        bool needs = false;
        EXPECT_EQ(NeedsRehash(text, kDefaultArgon2Params, &needs), Status::kHashParamsOutOfRange) << text;
    }
}

TEST(ScryptTest, MemoryCeilingOfTheCaller) {
    // verify_password's ceiling (pg_mfa.verify_max_memory) bounds scrypt's memory too: 16 MiB here.
    Argon2Params ceiling{16384, 1, 1};
    bool matches = false;
    EXPECT_EQ(VerifyPasswordWithin("pleaseletmein", kPasslibScryptRfc3, ceiling, kNoAbort, &matches), Status::kOk);
    EXPECT_TRUE(matches);
    ceiling.memory_kib = 16383;
    EXPECT_EQ(VerifyPasswordWithin("pleaseletmein", kPasslibScryptRfc3, ceiling, kNoAbort, &matches),
              Status::kHashParamsOutOfRange);
    EXPECT_FALSE(matches);
    HashCost cost;
    EXPECT_EQ(VerificationCost(kPasslibScryptRfc3, ceiling, &cost), Status::kHashParamsOutOfRange);
    EXPECT_EQ(cost.work, 0u);
    ceiling.memory_kib = 16384;
    ASSERT_EQ(VerificationCost(kPasslibScryptRfc3, ceiling, &cost), Status::kOk);
    EXPECT_EQ(cost.memory_kib, 16384u);
    EXPECT_EQ(cost.work, 32768u);  // two passes of one lane
    ASSERT_EQ(VerificationCost(kPasslibScryptRfc2, kDefaultArgon2Params, &cost), Status::kOk);
    EXPECT_EQ(cost.memory_kib, 1024u);
    EXPECT_EQ(cost.work, 1024u * 2 * 16);
}

TEST(ScryptTest, Malformed) {
    const std::string salt = "U29kaXVtQ2hsb3JpZGU";
    const std::string hash = "cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI";
    const std::string django_hash =
        "cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3A1lHkDfzwF7RVdYhw==";
    const std::string bad[] = {
        "$scrypt$",
        "$scrypt$ln=14,r=8,p=1",
        "$scrypt$ln=14,r=8,p=1$" + salt,
        "$scrypt$ln=14,r=8,p=1$" + salt + "$",
        "$scrypt$ln=14,r=8,p=1$$" + hash,
        "$scrypt$ln=14,r=8,p=1$" + salt + "$" + hash + "$",    // extra '$'
        "$scrypt$ln=14,r=8,p=1$" + salt + "$" + hash + "$x",
        "$scrypt$ln=14,r=8$" + salt + "$" + hash,
        "$scrypt$ln=14,r=8,p=1,x=1$" + salt + "$" + hash,
        "$scrypt$r=8,ln=14,p=1$" + salt + "$" + hash,
        "$scrypt$ln=014,r=8,p=1$" + salt + "$" + hash,
        "$scrypt$ln=+14,r=8,p=1$" + salt + "$" + hash,
        "$scrypt$ln=14,r=8,p=-1$" + salt + "$" + hash,
        "$scrypt$ln=14,r=8,p=1$" + salt + "=$" + hash,        // padding
        "$scrypt$ln=14,r=8,p=1$" + salt + "$" + hash + "=",
        "$scrypt$ln=14,r=8,p=1$" + salt + "$" + hash.substr(0, 42) + "J",  // non-canonical trailing bits
        "$scrypt$ln=14,r=8,p=1$" + salt + "$cCO9yzr9c0hGHAbNgf046_2o-7qQT44-qbVD9lRdofI",  // url alphabet
        "$scrypt$ln=14,r=8,p=1$" + salt + "$cCO9yzr9c0hGHAbNgf046/2o.7qQT44.qbVD9lRdofI",  // ab64 alphabet
        "$scrypt$ln=14,r=8,p=1$" + salt + "$" + hash + "\n",
        "scrypt$16384$SodiumChloride$8$1$" + hash,                       // Django without padding
        "scrypt$16384$SodiumChloride$8$1$" + django_hash.substr(0, 87),  // one '=' of two
        "scrypt$16384$SodiumChloride$8$1$" + django_hash + "=",
        "scrypt$16384$SodiumChloride$8$1$" + django_hash + "$",
        "scrypt$16384$$8$1$" + django_hash,                              // empty salt
        "scrypt$16384$Sodium Chloride$8$1$" + django_hash,               // space in the salt
        "scrypt$016384$SodiumChloride$8$1$" + django_hash,
        "scrypt$16384$SodiumChloride$8$" + django_hash,                  // a field missing
        "scrypt$SodiumChloride$16384$8$1$" + django_hash,                // salt and N swapped
        "scrypt$16384$SodiumChloride$8$1$" + django_hash.substr(0, 86) + "!=",
        "scrypt$",
    };
    for (const std::string& text : bad) {
        ScryptHash parsed;
        EXPECT_EQ(ParseScryptHash(text, &parsed), Status::kHashMalformed) << text;
        Verify("pleaseletmein", text, Status::kHashMalformed);
        bool needs = true;
        EXPECT_EQ(NeedsRehash(text, kDefaultArgon2Params, &needs), Status::kHashMalformed) << text;
        EXPECT_EQ(ValidateImportedHash(text), Status::kHashMalformed) << text;
    }
}

// ---------------------------------------------------------------- PBKDF2-HMAC-SHA256

TEST(Pbkdf2Test, Rfc7914Vectors) {
    SecretBytes out;
    ASSERT_EQ(ComputePbkdf2Sha256(ByteView(std::string_view("passwd")), ByteView(std::string_view("salt")), 1, 64,
                                  kNoAbort, &out),
              Status::kOk);
    EXPECT_EQ(test::Hex(out),
              "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b"
              "1e30bd509112041d3a19783");
    ASSERT_EQ(ComputePbkdf2Sha256(ByteView(std::string_view("Password")), ByteView(std::string_view("NaCl")), 80000, 64,
                                  kNoAbort, &out),
              Status::kOk);
    EXPECT_EQ(test::Hex(out),
              "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdeb"
              "ba1d078478f62b397f33c8d");
    EXPECT_EQ(ComputePbkdf2Sha256(ByteView(std::string_view("p")), ByteView(std::string_view("s")), 0, 32, kNoAbort,
                                  &out),
              Status::kHashParamsOutOfRange);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(ComputePbkdf2Sha256(ByteView(std::string_view("p")), ByteView(std::string_view("s")),
                                  kMaxPbkdf2Iterations + 1, 32, kNoAbort, &out),
              Status::kHashParamsOutOfRange);
}

// Django's test suite (tests/auth_tests/test_hashers.py, Django 3.2: 260000 iterations), its passlib
// counterpart made from RFC 7914's second PBKDF2 vector (the first 32 of its 64 bytes, verified by passlib
// 1.7.4), and passlib's own test vector (passlib/tests/test_handlers.py).
constexpr std::string_view kDjangoPbkdf2 = "pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=";
constexpr std::string_view kPasslibPbkdf2Rfc = "$pbkdf2-sha256$80000$TmFDbA$TdzY9guYviGDDO5e8icB.WQaRBjQTAQUrv8Ih2s0q1Y";
constexpr std::string_view kPasslibPbkdf2 =
    "$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ";

TEST(Pbkdf2Test, StringFormats) {
    EXPECT_TRUE(Verify("l\xc3\xa8tmein", kDjangoPbkdf2));
    EXPECT_FALSE(Verify("letmein", kDjangoPbkdf2));
    EXPECT_FALSE(Verify("l\xe8tmein", kDjangoPbkdf2));  // the same letter in Latin-1: other bytes
    EXPECT_TRUE(Verify("Password", kPasslibPbkdf2Rfc));
    EXPECT_FALSE(Verify("password", kPasslibPbkdf2Rfc));
    EXPECT_TRUE(Verify("password", kPasslibPbkdf2));
    EXPECT_FALSE(Verify("password1", kPasslibPbkdf2));

    Pbkdf2Hash parsed;
    ASSERT_EQ(ParsePbkdf2Sha256Hash(kDjangoPbkdf2, &parsed), Status::kOk);
    EXPECT_EQ(parsed.format, ImportedFormat::kDjangoPbkdf2Sha256);
    EXPECT_EQ(parsed.iterations, 260000u);
    EXPECT_EQ(std::string(parsed.salt.begin(), parsed.salt.end()), "seasalt");
    ASSERT_EQ(ParsePbkdf2Sha256Hash(kPasslibPbkdf2Rfc, &parsed), Status::kOk);
    EXPECT_EQ(parsed.format, ImportedFormat::kPasslibPbkdf2Sha256);
    EXPECT_EQ(parsed.iterations, 80000u);
    EXPECT_EQ(std::string(parsed.salt.begin(), parsed.salt.end()), "NaCl");
    EXPECT_EQ(test::Hex(parsed.hash), "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56");
}

TEST(Pbkdf2Test, Ceilings) {
    const std::string hash = "YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=";
    EXPECT_EQ(ValidateImportedHash("pbkdf2_sha256$1000$seasalt$" + hash), Status::kOk);
    EXPECT_EQ(ValidateImportedHash("pbkdf2_sha256$10000000$seasalt$" + hash), Status::kOk);
    const std::string out_of_range[] = {
        "pbkdf2_sha256$999$seasalt$" + hash,
        "pbkdf2_sha256$1$seasalt$" + hash,
        "pbkdf2_sha256$0$seasalt$" + hash,
        "pbkdf2_sha256$10000001$seasalt$" + hash,
        "pbkdf2_sha256$4294967295$seasalt$" + hash,
        "pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQ==",  // 31 bytes
        "pbkdf2_sha256$260000$seasalt$" + B64(std::vector<std::uint8_t>(64, 1)) + "==",
        "pbkdf2_sha256$260000$" + std::string(kMaxImportedSaltBytes + 1, 's') + "$" + hash,
        "$pbkdf2-sha256$999$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ",
        "$pbkdf2-sha256$10000001$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ",
        "$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tg",  // 31 bytes
    };
    for (const std::string& text : out_of_range) {
        Pbkdf2Hash parsed;
        EXPECT_EQ(ParsePbkdf2Sha256Hash(text, &parsed), Status::kHashParamsOutOfRange) << text;
        Verify("password", text, Status::kHashParamsOutOfRange);
    }
}

TEST(Pbkdf2Test, Malformed) {
    const std::string salt = "4vjV83LKPjQzk31VI4E0Vw";
    const std::string hash = "hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ";
    const std::string dhash = "YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=";
    const std::string bad[] = {
        "$pbkdf2-sha256$",
        "$pbkdf2-sha256$1212",
        "$pbkdf2-sha256$1212$" + salt,
        "$pbkdf2-sha256$1212$" + salt + "$",
        "$pbkdf2-sha256$1212$$" + hash,
        "$pbkdf2-sha256$1212$" + salt + "$" + hash + "$",
        "$pbkdf2-sha256$01212$" + salt + "$" + hash,
        "$pbkdf2-sha256$+1212$" + salt + "$" + hash,
        "$pbkdf2-sha256$1e4$" + salt + "$" + hash,
        "$pbkdf2-sha256$1212$" + salt + "$hsYF68OiOUPdDZ1Fg+fJPeq1h/gXXY7acBp9/6c+tmQ",  // '+' is not ab64
        "$pbkdf2-sha256$1212$" + salt + "$" + hash + "=",
        "$pbkdf2-sha256$1212$" + salt + "$" + hash.substr(0, 42) + "R",  // non-canonical trailing bits
        "$pbkdf2-sha256$1212$" + salt + "$" + hash + " ",
        "$pbkdf2-sha256$1212$" + salt + "=$" + hash,
        "pbkdf2_sha256$260000$seasalt$" + dhash.substr(0, 43),  // Django without padding
        "pbkdf2_sha256$260000$seasalt$" + dhash + "=",
        "pbkdf2_sha256$260000$seasalt$" + dhash + "$",
        "pbkdf2_sha256$260000$seasalt$" + dhash.substr(0, 42) + "p=",  // non-canonical trailing bits
        "pbkdf2_sha256$260000$$" + dhash,
        "pbkdf2_sha256$260000$sea salt$" + dhash,
        "pbkdf2_sha256$260000$sea\tsalt$" + dhash,
        "pbkdf2_sha256$0260000$seasalt$" + dhash,
        "pbkdf2_sha256$$seasalt$" + dhash,
        "pbkdf2_sha256$260000$seasalt",
        "pbkdf2_sha256$",
        "pbkdf2_sha256$260000$seasalt$Y" + dhash,
    };
    for (const std::string& text : bad) {
        Pbkdf2Hash parsed;
        EXPECT_EQ(ParsePbkdf2Sha256Hash(text, &parsed), Status::kHashMalformed) << text;
        Verify("password", text, Status::kHashMalformed);
        EXPECT_EQ(ValidateImportedHash(text), Status::kHashMalformed) << text;
    }
    // Other Django algorithms are no format of ours.
    Verify("password", "pbkdf2_sha1$260000$seasalt$" + dhash, Status::kHashMalformed);
    Verify("password", "md5$seasalt$" + dhash, Status::kHashMalformed);
}

// ---------------------------------------------------------------- mutations of a right hash

// Every single-character change of the checksum or tag of a right hash (its last `tag_chars` characters)
// must fail: an error, or no match. A comparison that looked at fewer bytes than the whole checksum or tag
// would let some of these through. (A bcrypt salt's unused bits are ignored on purpose, so only the tags.)
void ExpectEveryMutationFails(std::string_view password, std::string_view hash, std::string_view alphabet,
                              std::size_t tag_chars = 43) {
    ASSERT_TRUE(Verify(password, hash)) << hash;
    int matched = 0;
    std::size_t checked = 0;
    const std::size_t from = hash.size() - tag_chars;
    for (std::size_t i = from; i < hash.size(); ++i) {
        for (char c : alphabet) {
            if (c == hash[i]) {
                continue;
            }
            std::string mutated(hash);
            mutated[i] = c;
            bool matches = false;
            const Status status = VerifyPassword(password, mutated, kNoAbort, &matches);
            if (status == Status::kOk && matches) {
                ++matched;
                ADD_FAILURE() << "mutant verified: " << mutated;
            }
            ++checked;
            if (i % 8 != 0 && i + 1 != hash.size()) {
                break;  // one replacement per position for most positions: the suite stays fast
            }
        }
    }
    EXPECT_EQ(matched, 0);
    EXPECT_GT(checked, tag_chars);
}

TEST(ImportedMutationTest, BcryptChecksum) {
    ExpectEveryMutationFails("U*U", "$2b$04$CCCCCCCCCCCCCCCCCCCCC.K7Qr0se1MxuggH4aP4YgB.U2Em1pGSK",
                             "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 31);
}

TEST(ImportedMutationTest, Pbkdf2AndScryptTags) {
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/.";
    ExpectEveryMutationFails("password", "$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ",
                             alphabet);
    ExpectEveryMutationFails("l\xc3\xa8tmein", "pbkdf2_sha256$1000$seasalt$" +
                             [] {
                                 SecretBytes dk;
                                 EXPECT_EQ(ComputePbkdf2Sha256(ByteView(std::string_view("l\xc3\xa8tmein")),
                                                               ByteView(std::string_view("seasalt")), 1000, 32,
                                                               kNoAbort, &dk),
                                           Status::kOk);
                                 std::string text = B64(std::vector<std::uint8_t>(dk.begin(), dk.end()));
                                 return text + "=";
                             }(),
                             alphabet);
    // scrypt at RFC 7914's first vector's cost (N = 16, r = 1, p = 1), in both formats.
    ScryptInput cheap;
    cheap.password = ByteView(std::string_view("password"));
    cheap.salt = ByteView(std::string_view("NaCl"));
    cheap.log2_n = 4;
    cheap.r = 1;
    cheap.p = 1;
    cheap.output_bytes = 64;
    SecretBytes dk;
    ASSERT_EQ(ComputeScrypt(cheap, kNoAbort, &dk), Status::kOk);
    const std::vector<std::uint8_t> full(dk.begin(), dk.end());
    const std::vector<std::uint8_t> half(dk.begin(), dk.begin() + 32);
    ExpectEveryMutationFails("password", "$scrypt$ln=4,r=1,p=1$TmFDbA$" + B64(half), alphabet);
    ExpectEveryMutationFails("password", "scrypt$16$NaCl$1$1$" + B64(full) + "==", alphabet, 88);
}

// ---------------------------------------------------------------- schemes, rehash, validation

TEST(PasswordSchemeTest, NamesAndIdentification) {
    const struct {
        std::string_view hash;
        PasswordScheme scheme;
        const char* name;
    } cases[] = {
        {"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
         PasswordScheme::kArgon2id, "argon2id"},
        {"$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
         PasswordScheme::kArgon2i, "argon2i"},
        {kBcryptVectors[0].hash, PasswordScheme::kBcrypt, "bcrypt"},
        {kBcryptVectors[4].hash, PasswordScheme::kBcrypt, "bcrypt"},
        {kBcryptVectors[5].hash, PasswordScheme::kBcrypt, "bcrypt"},
        {kPasslibScryptRfc3, PasswordScheme::kScrypt, "scrypt"},
        {kDjangoScryptRfc3, PasswordScheme::kScrypt, "scrypt"},
        {kPasslibPbkdf2, PasswordScheme::kPbkdf2Sha256, "pbkdf2_sha256"},
        {kDjangoPbkdf2, PasswordScheme::kPbkdf2Sha256, "pbkdf2_sha256"},
    };
    for (const auto& c : cases) {
        PasswordScheme scheme = PasswordScheme::kArgon2i;
        ASSERT_EQ(IdentifyPasswordScheme(c.hash, &scheme), Status::kOk) << c.hash;
        EXPECT_EQ(scheme, c.scheme) << c.hash;
        EXPECT_STREQ(PasswordSchemeName(scheme), c.name);
        EXPECT_EQ(ValidateImportedHash(c.hash), Status::kOk) << c.hash;
    }
    EXPECT_STREQ(PasswordSchemeName(static_cast<PasswordScheme>(99)), "unknown");
    PasswordScheme scheme = PasswordScheme::kBcrypt;
    EXPECT_EQ(IdentifyPasswordScheme("garbage", &scheme), Status::kHashMalformed);
    EXPECT_EQ(scheme, PasswordScheme::kArgon2id);
    EXPECT_EQ(IdentifyPasswordScheme("$argon2d$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
                                     &scheme),
              Status::kHashUnsupported);
    EXPECT_EQ(ValidateImportedHash("$argon2id$v=19$m=2000000,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"),
              Status::kHashParamsOutOfRange);
    EXPECT_EQ(ValidateImportedHash(""), Status::kHashMalformed);
}

TEST(PasswordSchemeTest, EveryImportedHashNeedsRehash) {
    for (std::string_view hash : {kBcryptVectors[0].hash, kBcryptVectors[4].hash, kBcryptVectors[5].hash,
                                  kPasslibScryptRfc3, kDjangoScryptRfc3, kPasslibPbkdf2, kDjangoPbkdf2}) {
        // Even against the weakest current settings: an imported hash is never kept.
        for (const Argon2Params& current : {kDefaultArgon2Params, Argon2Params{8, 1, 1}}) {
            bool needs = false;
            ASSERT_EQ(NeedsRehash(hash, current, &needs), Status::kOk) << hash;
            EXPECT_TRUE(needs) << hash;
        }
    }
}

TEST(PasswordSchemeTest, VerificationCostOfBcryptAndPbkdf2IsNoMemory) {
    HashCost cost{1, 1};
    ASSERT_EQ(VerificationCost(kBcryptVectors[0].hash, kDefaultArgon2Params, &cost), Status::kOk);
    EXPECT_EQ(cost.memory_kib, 0u);
    EXPECT_EQ(cost.work, 0u);
    ASSERT_EQ(VerificationCost(kDjangoPbkdf2, kDefaultArgon2Params, &cost), Status::kOk);
    EXPECT_EQ(cost.work, 0u);
    ASSERT_EQ(VerificationCost("$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
                               Argon2Params{65536, 2, 1}, &cost),
              Status::kOk);
    EXPECT_EQ(cost.memory_kib, 65536u);
    EXPECT_EQ(cost.work, 131072u);
}

// ---------------------------------------------------------------- cancellation

struct AbortAfterCalls {
    int allowed = 1;
    std::atomic<int> calls{0};
    static bool Check(void* context) noexcept {
        auto* self = static_cast<AbortAfterCalls*>(context);
        return self->calls.fetch_add(1) >= self->allowed;
    }
    AbortCheck Abort() noexcept { return AbortCheck{&Check, this}; }
};

bool NeverAbort(void*) noexcept {
    return false;
}

double MillisecondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Every imported scheme runs on a worker thread when it can be abandoned: a slow one returns kAborted soon
// after the abort check says so.
TEST(ImportedAbortTest, SlowHashesAreAbandoned) {
    const std::string hashes[] = {
        "$2b$13$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",                // about half a second
        "pbkdf2_sha256$3000000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=",  // about a second
        PasslibScrypt("ln=18,r=8,p=1"),                                               // 256 MiB
    };
    for (const std::string& hash : hashes) {
        // Wait out anything an earlier test abandoned, then measure the whole run.
        const AbortCheck never{&NeverAbort, nullptr};
        bool matches = true;
        auto start = std::chrono::steady_clock::now();
        ASSERT_EQ(VerifyPassword("password", hash, never, &matches), Status::kOk) << hash;
        const double full_ms = MillisecondsSince(start);
        EXPECT_FALSE(matches);

        AbortAfterCalls abort;
        abort.allowed = 2;
        matches = true;
        start = std::chrono::steady_clock::now();
        EXPECT_EQ(VerifyPassword("password", hash, abort.Abort(), &matches), Status::kAborted) << hash;
        EXPECT_FALSE(matches);
        EXPECT_LT(MillisecondsSince(start), full_ms / 2) << hash << ": full run " << full_ms << " ms";
    }
}

}  // namespace
}  // namespace pg_mfa::core
