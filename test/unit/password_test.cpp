// password_test.cpp: Argon2 known answers (reference test suite, RFC 9106), the two backends held to each
// other, PHC strings, password limits, rehash policy and abandoning a slow hash.
#include "core/password.hpp"

#include "core/encoding.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace pg_mfa::core {
namespace {

// From the Argon2 reference implementation's test suite (src/test.c, version 0x13), password "password",
// salt "somesalt".
constexpr std::string_view kKatArgon2idM65536 =
    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
constexpr std::string_view kKatArgon2idM256P2 =
    "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc";
constexpr std::string_view kKatArgon2iM65536 =
    "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA";

constexpr Argon2Params kCheapParams{64, 1, 1};

const AbortCheck kNoAbort{};

Argon2Params P(std::uint32_t m, std::uint32_t t, std::uint32_t p) {
    return Argon2Params{m, t, p};
}

std::string B64(const std::vector<std::uint8_t>& bytes) {
    std::string out;
    EXPECT_EQ(Base64Encode(bytes, false, &out), Status::kOk);
    return out;
}

// PhcString builds a PHC string from parts (salt and hash bytes need not be a real hash).
std::string PhcString(std::string_view id, const Argon2Params& p, std::size_t salt_bytes, std::size_t hash_bytes) {
    return "$" + std::string(id) + "$v=19$m=" + std::to_string(p.memory_kib) + ",t=" + std::to_string(p.iterations) +
           ",p=" + std::to_string(p.parallelism) + "$" + B64(std::vector<std::uint8_t>(salt_bytes, 0x5a)) + "$" +
           B64(std::vector<std::uint8_t>(hash_bytes, 0xa5));
}

bool Verify(std::string_view password, std::string_view phc, Status expected = Status::kOk) {
    bool matches = true;
    EXPECT_EQ(VerifyPassword(password, phc, kNoAbort, &matches), expected) << phc;
    return matches;
}

// ---------------------------------------------------------------- known answers

TEST(VerifyPasswordTest, ReferenceImplementationKnownAnswers) {
    EXPECT_TRUE(Verify("password", kKatArgon2idM65536));
    EXPECT_FALSE(Verify("Password", kKatArgon2idM65536));
    EXPECT_FALSE(Verify("password ", kKatArgon2idM65536));
    EXPECT_FALSE(Verify("passwor", kKatArgon2idM65536));

    EXPECT_TRUE(Verify("password", kKatArgon2idM256P2));
    EXPECT_FALSE(Verify("Password", kKatArgon2idM256P2));

    EXPECT_TRUE(Verify("password", kKatArgon2iM65536));
    EXPECT_FALSE(Verify("Password", kKatArgon2iM65536));
}

TEST(VerifyPasswordTest, TypeIsPartOfTheHash) {
    // The argon2id tag presented as argon2i (and the other way round) must not verify.
    std::string swapped(kKatArgon2idM65536);
    swapped.replace(0, 9, "$argon2i");
    ASSERT_EQ(swapped.substr(0, 9), "$argon2i$");
    EXPECT_FALSE(Verify("password", swapped));
    std::string swapped_back(kKatArgon2iM65536);
    swapped_back.replace(0, 8, "$argon2id");
    EXPECT_FALSE(Verify("password", swapped_back));
}

TEST(VerifyPasswordTest, ParametersArePartOfTheHash) {
    std::string changed(kKatArgon2idM65536);
    changed.replace(changed.find("t=2"), 3, "t=3");
    EXPECT_FALSE(Verify("password", changed));
}

Argon2Input Rfc9106Input(Argon2Type type, std::vector<std::uint8_t>* storage) {
    // RFC 9106 §5: password 32 x 0x01, salt 16 x 0x02, secret 8 x 0x03, associated data 12 x 0x04.
    storage->assign(32, 0x01);
    storage->insert(storage->end(), 16, 0x02);
    storage->insert(storage->end(), 8, 0x03);
    storage->insert(storage->end(), 12, 0x04);
    Argon2Input input;
    input.type = type;
    input.params = P(32, 3, 4);
    input.password = ByteView(storage->data(), 32);
    input.salt = ByteView(storage->data() + 32, 16);
    input.secret = ByteView(storage->data() + 48, 8);
    input.associated_data = ByteView(storage->data() + 56, 12);
    input.output_bytes = 32;
    return input;
}

TEST(ComputeArgon2Test, Rfc9106Argon2idVector) {
    std::vector<std::uint8_t> storage;
    const Argon2Input input = Rfc9106Input(Argon2Type::kArgon2id, &storage);
    SecretBytes tag;
    ASSERT_EQ(ComputeArgon2(input, Argon2Backend::kLibargon2, kNoAbort, &tag), Status::kOk);
    EXPECT_EQ(test::Hex(tag), "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
    // kAuto must fall back to libargon2 for what libsodium cannot do.
    ASSERT_EQ(ComputeArgon2(input, Argon2Backend::kAuto, kNoAbort, &tag), Status::kOk);
    EXPECT_EQ(test::Hex(tag), "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
}

TEST(ComputeArgon2Test, Rfc9106Argon2iVector) {
    std::vector<std::uint8_t> storage;
    const Argon2Input input = Rfc9106Input(Argon2Type::kArgon2i, &storage);
    SecretBytes tag;
    ASSERT_EQ(ComputeArgon2(input, Argon2Backend::kLibargon2, kNoAbort, &tag), Status::kOk);
    EXPECT_EQ(test::Hex(tag), "c814d9d1dc7f37aa13f0d77f2494bda1c8de6b016dd388d29952a4c4672b6ce8");
}

TEST(ComputeArgon2Test, Rfc9106VectorIsUnsupportedByLibsodium) {
    std::vector<std::uint8_t> storage;
    Argon2Input input = Rfc9106Input(Argon2Type::kArgon2id, &storage);
    SecretBytes tag = {1, 2, 3};
    EXPECT_EQ(ComputeArgon2(input, Argon2Backend::kLibsodium, kNoAbort, &tag), Status::kHashUnsupported);
    EXPECT_TRUE(tag.empty());
    // Each of libsodium's limitations on its own is enough.
    input.params.parallelism = 1;
    input.secret = ByteView();
    input.associated_data = ByteView();
    ASSERT_EQ(ComputeArgon2(input, Argon2Backend::kLibsodium, kNoAbort, &tag), Status::kOk);  // now it can
    Argon2Input with_secret = input;
    with_secret.secret = ByteView(storage.data() + 48, 8);
    EXPECT_EQ(ComputeArgon2(with_secret, Argon2Backend::kLibsodium, kNoAbort, &tag), Status::kHashUnsupported);
    Argon2Input with_ad = input;
    with_ad.associated_data = ByteView(storage.data() + 56, 12);
    EXPECT_EQ(ComputeArgon2(with_ad, Argon2Backend::kLibsodium, kNoAbort, &tag), Status::kHashUnsupported);
    Argon2Input two_lanes = input;
    two_lanes.params.parallelism = 2;
    EXPECT_EQ(ComputeArgon2(two_lanes, Argon2Backend::kLibsodium, kNoAbort, &tag), Status::kHashUnsupported);
    Argon2Input short_salt = input;
    short_salt.salt = ByteView(storage.data() + 32, 8);
    EXPECT_EQ(ComputeArgon2(short_salt, Argon2Backend::kLibsodium, kNoAbort, &tag), Status::kHashUnsupported);
    Argon2Input argon2i = input;
    argon2i.type = Argon2Type::kArgon2i;
    EXPECT_EQ(ComputeArgon2(argon2i, Argon2Backend::kLibsodium, kNoAbort, &tag), Status::kHashUnsupported);
    EXPECT_TRUE(tag.empty());
}

TEST(ComputeArgon2Test, LibsodiumAndLibargon2Agree) {
    const std::string password = "correct horse battery staple";
    const std::vector<std::uint8_t> salt = test::Bytes("0123456789abcdef");
    const struct {
        std::uint32_t m;
        std::uint32_t t;
        std::size_t out;
    } cases[] = {{64, 1, 32}, {64, 3, 32}, {256, 2, 16}, {1024, 1, 64}, {1024, 4, 32}, {4096, 2, 32}, {8, 1, 32}};
    for (const auto& c : cases) {
        Argon2Input input;
        input.params = P(c.m, c.t, 1);
        input.password = ByteView(password);
        input.salt = salt;
        input.output_bytes = c.out;
        SecretBytes sodium;
        SecretBytes argon2;
        SecretBytes automatic;
        ASSERT_EQ(ComputeArgon2(input, Argon2Backend::kLibsodium, kNoAbort, &sodium), Status::kOk) << c.m;
        ASSERT_EQ(ComputeArgon2(input, Argon2Backend::kLibargon2, kNoAbort, &argon2), Status::kOk) << c.m;
        ASSERT_EQ(ComputeArgon2(input, Argon2Backend::kAuto, kNoAbort, &automatic), Status::kOk) << c.m;
        EXPECT_EQ(sodium.size(), c.out);
        EXPECT_EQ(test::Hex(sodium), test::Hex(argon2)) << "m=" << c.m << " t=" << c.t;
        EXPECT_EQ(test::Hex(automatic), test::Hex(argon2)) << "m=" << c.m << " t=" << c.t;
    }
}

TEST(ComputeArgon2Test, InputLimits) {
    const std::vector<std::uint8_t> salt(16, 7);
    Argon2Input good;
    good.params = kCheapParams;
    good.password = ByteView(std::string_view("pw"));
    good.salt = salt;
    SecretBytes tag;
    ASSERT_EQ(ComputeArgon2(good, Argon2Backend::kAuto, kNoAbort, &tag), Status::kOk);

    const std::vector<std::uint8_t> short_salt(kMinArgon2SaltBytes - 1, 7);
    const std::vector<std::uint8_t> long_salt(kMaxArgon2SaltBytes + 1, 7);
    std::vector<Argon2Input> bad;
    auto with = [&](auto change) {
        Argon2Input input = good;
        change(&input);
        bad.push_back(input);
    };
    with([&](Argon2Input* in) { in->salt = short_salt; });
    with([&](Argon2Input* in) { in->salt = long_salt; });
    with([](Argon2Input* in) { in->output_bytes = kMinArgon2HashBytes - 1; });
    with([](Argon2Input* in) { in->output_bytes = kMaxArgon2HashBytes + 1; });
    with([](Argon2Input* in) { in->params.memory_kib = kMinArgon2MemoryKib - 1; });
    with([](Argon2Input* in) { in->params.memory_kib = kMaxArgon2MemoryKib + 1; });
    with([](Argon2Input* in) { in->params.iterations = 0; });
    with([](Argon2Input* in) { in->params.iterations = kMaxArgon2Iterations + 1; });
    with([](Argon2Input* in) { in->params.parallelism = 0; });
    with([](Argon2Input* in) { in->params.parallelism = kMaxArgon2Parallelism + 1; });
    with([](Argon2Input* in) {
        in->params.parallelism = 2;
        in->params.memory_kib = 2 * kMinArgon2MemoryKib - 1;  // below 8 KiB per lane
    });
    for (std::size_t i = 0; i < bad.size(); ++i) {
        tag = {1};
        EXPECT_EQ(ComputeArgon2(bad[i], Argon2Backend::kLibargon2, kNoAbort, &tag), Status::kHashParamsOutOfRange)
            << "case " << i;
        EXPECT_TRUE(tag.empty()) << "case " << i;
    }
}

// ---------------------------------------------------------------- HashPassword

TEST(HashPasswordTest, DefaultParamsShapeAndVerification) {
    std::string phc;
    ASSERT_EQ(HashPassword("hunter2", kDefaultArgon2Params, OpenSslRandom(), kNoAbort, &phc), Status::kOk);
    const std::regex shape(R"(^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$)");
    EXPECT_TRUE(std::regex_match(phc, shape)) << phc;
    EXPECT_TRUE(Verify("hunter2", phc));
    EXPECT_FALSE(Verify("hunter3", phc));
    EXPECT_FALSE(Verify("Hunter2", phc));
    EXPECT_FALSE(Verify("hunter", phc));

    std::string again;
    ASSERT_EQ(HashPassword("hunter2", kDefaultArgon2Params, OpenSslRandom(), kNoAbort, &again), Status::kOk);
    EXPECT_NE(phc, again) << "same salt twice";
    EXPECT_TRUE(Verify("hunter2", again));
}

TEST(HashPasswordTest, DeterministicSourceGivesDeterministicSaltAndHash) {
    test::CountingSource first;
    test::CountingSource second;
    std::string a;
    std::string b;
    ASSERT_EQ(HashPassword("hunter2", kCheapParams, first.Source(), kNoAbort, &a), Status::kOk);
    ASSERT_EQ(HashPassword("hunter2", kCheapParams, second.Source(), kNoAbort, &b), Status::kOk);
    // Salt bytes 00 01 .. 0f.
    const std::string prefix = "$argon2id$v=19$m=64,t=1,p=1$AAECAwQFBgcICQoLDA0ODw$";
    ASSERT_EQ(a.substr(0, prefix.size()), prefix);
    EXPECT_EQ(a, b);
    EXPECT_EQ(first.bytes, kPasswordSaltBytes);

    // The tag is the one libargon2 computes for that salt (an independent implementation).
    std::vector<std::uint8_t> salt(16);
    for (std::size_t i = 0; i < salt.size(); ++i) {
        salt[i] = static_cast<std::uint8_t>(i);
    }
    Argon2Input input;
    input.params = kCheapParams;
    input.password = ByteView(std::string_view("hunter2"));
    input.salt = salt;
    SecretBytes tag;
    ASSERT_EQ(ComputeArgon2(input, Argon2Backend::kLibargon2, kNoAbort, &tag), Status::kOk);
    std::string tag_text;
    ASSERT_EQ(Base64Encode(tag, false, &tag_text), Status::kOk);
    EXPECT_EQ(a.substr(prefix.size()), tag_text);
}

TEST(HashPasswordTest, PasswordLengthLimits) {
    std::string phc = "stale";
    EXPECT_EQ(HashPassword("", kCheapParams, OpenSslRandom(), kNoAbort, &phc), Status::kPasswordEmpty);
    EXPECT_TRUE(phc.empty());

    const std::string longest(kMaxPasswordBytes, 'x');
    ASSERT_EQ(HashPassword(longest, kCheapParams, OpenSslRandom(), kNoAbort, &phc), Status::kOk);
    EXPECT_TRUE(Verify(longest, phc));
    EXPECT_FALSE(Verify(longest.substr(1), phc));

    const std::string too_long(kMaxPasswordBytes + 1, 'x');
    phc = "stale";
    EXPECT_EQ(HashPassword(too_long, kCheapParams, OpenSslRandom(), kNoAbort, &phc), Status::kPasswordTooLong);
    EXPECT_TRUE(phc.empty());

    EXPECT_EQ(ValidatePassword(""), Status::kPasswordEmpty);
    EXPECT_EQ(ValidatePassword("a"), Status::kOk);
    EXPECT_EQ(ValidatePassword(longest), Status::kOk);
    EXPECT_EQ(ValidatePassword(too_long), Status::kPasswordTooLong);
}

TEST(HashPasswordTest, NulAndNonUtf8BytesAreNeverTruncated) {
    const std::string_view passwords[] = {
        std::string_view("pass\0word", 9),
        std::string_view("\0", 1),
        std::string_view("\0\0", 2),
        "\xff\xfe\x80\xc0\xaf",  // not UTF-8
        "p\xc3\xa4ss",            // UTF-8 "päss"
    };
    for (std::string_view password : passwords) {
        std::string phc;
        ASSERT_EQ(HashPassword(password, kCheapParams, OpenSslRandom(), kNoAbort, &phc), Status::kOk)
            << test::Hex(password);
        EXPECT_TRUE(Verify(password, phc)) << test::Hex(password);
        // Any truncation (at the NUL or otherwise) is a different password.
        for (std::size_t n = 1; n < password.size(); ++n) {
            EXPECT_FALSE(Verify(password.substr(0, n), phc)) << test::Hex(password) << " truncated to " << n;
        }
        EXPECT_FALSE(Verify(std::string(password) + std::string(1, '\0'), phc)) << test::Hex(password);
    }
    // The C-string reading of "pass\0word" is "pass".
    std::string phc;
    ASSERT_EQ(HashPassword(std::string_view("pass\0word", 9), kCheapParams, OpenSslRandom(), kNoAbort, &phc),
              Status::kOk);
    EXPECT_FALSE(Verify("pass", phc));
}

TEST(HashPasswordTest, RejectsParamsForNewHashes) {
    std::string phc = "stale";
    EXPECT_EQ(HashPassword("pw", P(64, 1, 2), OpenSslRandom(), kNoAbort, &phc), Status::kHashParamsOutOfRange);
    EXPECT_TRUE(phc.empty());
    EXPECT_EQ(HashPassword("pw", P(7, 1, 1), OpenSslRandom(), kNoAbort, &phc), Status::kHashParamsOutOfRange);
    EXPECT_EQ(HashPassword("pw", P(64, 0, 1), OpenSslRandom(), kNoAbort, &phc), Status::kHashParamsOutOfRange);
}

TEST(HashPasswordTest, FailingRandomSource) {
    std::string phc = "stale";
    EXPECT_EQ(HashPassword("pw", kCheapParams, RandomSource{&test::FailingFill, nullptr}, kNoAbort, &phc),
              Status::kRandomFailure);
    EXPECT_TRUE(phc.empty());
    EXPECT_EQ(HashPassword("pw", kCheapParams, RandomSource{}, kNoAbort, &phc), Status::kRandomFailure);
    EXPECT_TRUE(phc.empty());
}

TEST(VerifyPasswordTest, ImpossiblePasswordsAreNoMatch) {
    bool matches = true;
    EXPECT_EQ(VerifyPassword("", kKatArgon2idM65536, kNoAbort, &matches), Status::kOk);
    EXPECT_FALSE(matches);
    matches = true;
    const std::string too_long(kMaxPasswordBytes + 1, 'x');
    EXPECT_EQ(VerifyPassword(too_long, kKatArgon2idM65536, kNoAbort, &matches), Status::kOk);
    EXPECT_FALSE(matches);
    // A password that would match if it were truncated to 1024 bytes still fails.
    const std::string longest(kMaxPasswordBytes, 'x');
    std::string phc;
    ASSERT_EQ(HashPassword(longest, kCheapParams, OpenSslRandom(), kNoAbort, &phc), Status::kOk);
    matches = true;
    EXPECT_EQ(VerifyPassword(longest + "x", phc, kNoAbort, &matches), Status::kOk);
    EXPECT_FALSE(matches);
}

TEST(VerifyPasswordTest, MalformedHashIsAnError) {
    bool matches = true;
    EXPECT_EQ(VerifyPassword("password", "not a hash", kNoAbort, &matches), Status::kHashMalformed);
    EXPECT_FALSE(matches);
    matches = true;
    EXPECT_EQ(VerifyPassword("password", "$argon2d$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
                             kNoAbort, &matches),
              Status::kHashUnsupported);
    EXPECT_FALSE(matches);
}

// ---------------------------------------------------------------- PHC strings

TEST(ParsePhcHashTest, ParsesTheKnownAnswers) {
    PhcHash hash;
    ASSERT_EQ(ParsePhcHash(kKatArgon2idM65536, &hash), Status::kOk);
    EXPECT_EQ(hash.type, Argon2Type::kArgon2id);
    EXPECT_EQ(hash.version, 0x13u);
    EXPECT_EQ(hash.params.memory_kib, 65536u);
    EXPECT_EQ(hash.params.iterations, 2u);
    EXPECT_EQ(hash.params.parallelism, 1u);
    EXPECT_EQ(std::string(hash.salt.begin(), hash.salt.end()), "somesalt");
    EXPECT_EQ(test::Hex(hash.hash), "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7");

    ASSERT_EQ(ParsePhcHash(kKatArgon2idM256P2, &hash), Status::kOk);
    EXPECT_EQ(hash.params.memory_kib, 256u);
    EXPECT_EQ(hash.params.parallelism, 2u);
    EXPECT_EQ(test::Hex(hash.hash), "6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037");

    ASSERT_EQ(ParsePhcHash(kKatArgon2iM65536, &hash), Status::kOk);
    EXPECT_EQ(hash.type, Argon2Type::kArgon2i);
}

TEST(ParsePhcHashTest, FormatRoundTrips) {
    for (std::string_view text : {kKatArgon2idM65536, kKatArgon2idM256P2, kKatArgon2iM65536}) {
        PhcHash hash;
        ASSERT_EQ(ParsePhcHash(text, &hash), Status::kOk) << text;
        std::string formatted = "stale";
        ASSERT_EQ(FormatPhcHash(hash, &formatted), Status::kOk);
        EXPECT_EQ(formatted, text);
    }
    std::string made;
    ASSERT_EQ(HashPassword("pw", kDefaultArgon2Params, OpenSslRandom(), kNoAbort, &made), Status::kOk);
    PhcHash hash;
    ASSERT_EQ(ParsePhcHash(made, &hash), Status::kOk);
    EXPECT_EQ(hash.salt.size(), kPasswordSaltBytes);
    EXPECT_EQ(hash.hash.size(), kPasswordHashBytes);
    std::string formatted;
    ASSERT_EQ(FormatPhcHash(hash, &formatted), Status::kOk);
    EXPECT_EQ(formatted, made);
}

TEST(ParsePhcHashTest, Malformed) {
    const std::string k(kKatArgon2idM65536);
    const std::string salt = "c29tZXNhbHQ";
    const std::string tag = "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    const std::string head = "$argon2id$v=19$";
    const std::string params = "m=65536,t=2,p=1";
    const std::string bad[] = {
        "",
        "$",
        "$$",
        "$$$$$",
        k.substr(1),                              // no leading '$'
        "$argon2id",
        "$argon2id$",
        "$argon2id$v=19",
        "$argon2id$v=19$",
        head + params,
        head + params + "$",
        head + params + "$" + salt,
        head + params + "$" + salt + "$",         // empty hash
        head + params + "$$" + tag,               // empty salt
        head + "m=065536,t=2,p=1$" + salt + "$" + tag,
        head + "m=65536,t=02,p=1$" + salt + "$" + tag,
        head + "m=65536,t=2,p=01$" + salt + "$" + tag,
        "$argon2id$v=019$" + params + "$" + salt + "$" + tag,
        head + "m=+65536,t=2,p=1$" + salt + "$" + tag,
        head + "m=65536,t=+2,p=1$" + salt + "$" + tag,
        head + "m=65536,t=2,p=+1$" + salt + "$" + tag,
        head + "m=-1,t=2,p=1$" + salt + "$" + tag,
        head + "m=65536,t=2,p=1 $" + salt + "$" + tag,
        head + "m=65536, t=2,p=1$" + salt + "$" + tag,
        head + "m= 65536,t=2,p=1$" + salt + "$" + tag,
        head + "m=65536,t=2$" + salt + "$" + tag,   // missing p
        head + "t=2,m=65536,p=1$" + salt + "$" + tag,  // order
        head + "m=65536,t=2,p=1,keyid=abc$" + salt + "$" + tag,  // extra parameter
        head + "m=65536,t=2,p=1,$" + salt + "$" + tag,
        head + "m=65536;t=2;p=1$" + salt + "$" + tag,
        head + "m=0x10000,t=2,p=1$" + salt + "$" + tag,
        " " + k,
        k + " ",
        k + "\n",
        "\t" + k,
        k + std::string(1, '\0'),
        head + params + "$" + salt + "=$" + tag,    // padding in the salt
        head + params + "$" + salt + "$" + tag + "=",  // padding in the hash
        head + params + "$c29tZXNh bHQ$" + tag,
        head + params + "$" + salt + "$" + tag + "$",  // trailing separator
        head + params + "$" + salt + "$" + tag + "$extra",  // extra field
        head + params + "$" + salt + "$" + salt + "$" + tag,
        head + params + "$c29tZXNhbHR$" + tag,      // non-canonical trailing bits (R = 010001)
        head + params + "$" + salt + "$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPd",  // non-canonical
        head + params + "$" + salt + "$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPP",   // 42 symbols, P leaves 1111
        "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB_VmZZF4Oo79iDXuL5_0ttZwg2f_5U52iv1cDc",  // url alphabet
        "$argon2id$v=$" + params + "$" + salt + "$" + tag,
        "$argon2id$19$" + params + "$" + salt + "$" + tag,
        "$argon2id$v=19,$" + params + "$" + salt + "$" + tag,
        "$argon2id$V=19$" + params + "$" + salt + "$" + tag,
        head + "M=65536,t=2,p=1$" + salt + "$" + tag,
        head + "m=,t=2,p=1$" + salt + "$" + tag,
    };
    for (const std::string& text : bad) {
        PhcHash hash;
        const Status status = ParsePhcHash(text, &hash);
        EXPECT_EQ(status, Status::kHashMalformed) << test::Hex(text) << " = " << text;
    }
}

TEST(ParsePhcHashTest, Unsupported) {
    const std::string rest = "$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    const std::string unsupported[] = {
        "$argon2d$v=19" + rest,
        "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
        "$2y$12$abcdefghijklmnopqrstuuQ0kwYHbKI4j2M3Yy3R0mA3e4W0.4Iqi",
        "$scrypt$ln=16,r=8,p=1$c29tZXNhbHQ$c29tZXNhbHQ",
        "$argon2id$v=16" + rest,
        "$argon2i$v=16" + rest,
        "$argon2id$v=20" + rest,
        "$argon2id$v=1" + rest,
    };
    for (const std::string& text : unsupported) {
        PhcHash hash;
        EXPECT_EQ(ParsePhcHash(text, &hash), Status::kHashUnsupported) << text;
    }
    // No version field at all is Argon2 1.0 (0x10): not verified here either way.
    PhcHash hash;
    const Status no_version = ParsePhcHash("$argon2id" + rest, &hash);
    EXPECT_TRUE(no_version == Status::kHashUnsupported || no_version == Status::kHashMalformed)
        << StatusName(no_version);
}

TEST(ParsePhcHashTest, ParamsOutOfRange) {
    const std::string salt = "$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    const std::string out_of_range[] = {
        "$argon2id$v=19$m=2000000,t=2,p=1" + salt,  // above 1 GiB
        "$argon2id$v=19$m=1048577,t=2,p=1" + salt,
        "$argon2id$v=19$m=65536,t=65,p=1" + salt,
        "$argon2id$v=19$m=65536,t=0,p=1" + salt,
        "$argon2id$v=19$m=65536,t=2,p=17" + salt,
        "$argon2id$v=19$m=65536,t=2,p=0" + salt,
        "$argon2id$v=19$m=7,t=2,p=1" + salt,
        "$argon2id$v=19$m=0,t=2,p=1" + salt,
        "$argon2id$v=19$m=31,t=2,p=4" + salt,  // below 8 KiB per lane
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",  // 4-byte salt
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm",  // 15-byte hash
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$" + std::string(88, 'A'),  // 66-byte hash
    };
    for (const std::string& text : out_of_range) {
        PhcHash hash;
        EXPECT_EQ(ParsePhcHash(text, &hash), Status::kHashParamsOutOfRange) << text;
    }
    // Numbers too large for 32 bits are rejected one way or the other, never wrapped.
    for (const std::string m : {"4294967296", "4294967297", "99999999999999999999"}) {
        PhcHash wrapped;
        const Status status = ParsePhcHash("$argon2id$v=19$m=" + m + ",t=2,p=1" + salt, &wrapped);
        EXPECT_TRUE(status == Status::kHashMalformed || status == Status::kHashParamsOutOfRange)
            << m << ": " << StatusName(status);
    }
    // The limits themselves are in range; memory times iterations is limited too.
    PhcHash hash;
    EXPECT_EQ(ParsePhcHash("$argon2id$v=19$m=262144,t=8,p=16" + salt, &hash), Status::kOk);
    EXPECT_EQ(ParsePhcHash("$argon2id$v=19$m=32768,t=64,p=16" + salt, &hash), Status::kOk);
    EXPECT_EQ(ParsePhcHash("$argon2id$v=19$m=262145,t=1,p=1" + salt, &hash), Status::kHashParamsOutOfRange);
    EXPECT_EQ(ParsePhcHash("$argon2id$v=19$m=262144,t=9,p=16" + salt, &hash), Status::kHashParamsOutOfRange);
    EXPECT_EQ(ParsePhcHash("$argon2id$v=19$m=32769,t=64,p=16" + salt, &hash), Status::kHashParamsOutOfRange);
    EXPECT_EQ(ParsePhcHash("$argon2id$v=19$m=8,t=1,p=1" + salt, &hash), Status::kOk);
}

// ---------------------------------------------------------------- NeedsRehash

TEST(NeedsRehashTest, Policy) {
    std::string fresh;
    ASSERT_EQ(HashPassword("pw", kDefaultArgon2Params, OpenSslRandom(), kNoAbort, &fresh), Status::kOk);
    const struct {
        std::string phc;
        bool needs;
    } cases[] = {
        {fresh, false},
        {PhcString("argon2id", P(19456, 2, 1), 16, 32), false},
        {PhcString("argon2id", P(65536, 2, 1), 16, 32), false},
        {PhcString("argon2id", P(19456, 3, 1), 16, 32), false},
        {PhcString("argon2id", P(65536, 3, 4), 16, 32), false},
        {PhcString("argon2id", P(4096, 2, 1), 16, 32), true},
        {PhcString("argon2id", P(19456, 1, 1), 16, 32), true},
        {PhcString("argon2id", P(19455, 2, 1), 16, 32), true},
        {PhcString("argon2i", P(19456, 2, 1), 16, 32), true},
        {PhcString("argon2i", P(65536, 4, 1), 16, 32), true},
        {PhcString("argon2id", P(65536, 2, 1), 8, 32), true},   // short salt
        {PhcString("argon2id", P(65536, 2, 1), 16, 16), true},  // short tag
        {std::string(kKatArgon2idM65536), true},                // 8-byte salt "somesalt"
    };
    for (const auto& c : cases) {
        bool needs = !c.needs;
        ASSERT_EQ(NeedsRehash(c.phc, kDefaultArgon2Params, &needs), Status::kOk) << c.phc;
        EXPECT_EQ(needs, c.needs) << c.phc;
    }
}

TEST(NeedsRehashTest, ComparesWithTheCurrentParams) {
    const std::string phc = PhcString("argon2id", P(19456, 2, 1), 16, 32);
    bool needs = false;
    ASSERT_EQ(NeedsRehash(phc, P(65536, 2, 1), &needs), Status::kOk);
    EXPECT_TRUE(needs);
    ASSERT_EQ(NeedsRehash(phc, P(19456, 3, 1), &needs), Status::kOk);
    EXPECT_TRUE(needs);
    ASSERT_EQ(NeedsRehash(phc, P(4096, 1, 1), &needs), Status::kOk);
    EXPECT_FALSE(needs);
}

TEST(NeedsRehashTest, ParseErrors) {
    bool needs = true;
    EXPECT_EQ(NeedsRehash("garbage", kDefaultArgon2Params, &needs), Status::kHashMalformed);
    EXPECT_EQ(NeedsRehash("$2x$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", kDefaultArgon2Params,
                          &needs),
              Status::kHashUnsupported);
    EXPECT_EQ(NeedsRehash(PhcString("argon2id", P(2000000, 2, 1), 16, 32), kDefaultArgon2Params, &needs),
              Status::kHashParamsOutOfRange);
}

// ---------------------------------------------------------------- ValidateHashingParams

TEST(ValidateHashingParamsTest, Limits) {
    EXPECT_EQ(ValidateHashingParams(kDefaultArgon2Params), Status::kOk);
    EXPECT_EQ(ValidateHashingParams(P(8, 1, 1)), Status::kOk);
    EXPECT_EQ(ValidateHashingParams(P(kMaxArgon2MemoryKib, kMaxArgon2Work / kMaxArgon2MemoryKib, 1)), Status::kOk);
    EXPECT_EQ(ValidateHashingParams(P(kMaxArgon2Work / kMaxArgon2Iterations, kMaxArgon2Iterations, 1)), Status::kOk);
    EXPECT_EQ(ValidateHashingParams(P(kMaxArgon2MemoryKib, kMaxArgon2Iterations, 1)), Status::kHashParamsOutOfRange);
    EXPECT_EQ(ValidateHashingParams(P(19456, 2, 2)), Status::kHashParamsOutOfRange);
    EXPECT_EQ(ValidateHashingParams(P(19456, 2, 0)), Status::kHashParamsOutOfRange);
    EXPECT_EQ(ValidateHashingParams(P(7, 2, 1)), Status::kHashParamsOutOfRange);
    EXPECT_EQ(ValidateHashingParams(P(kMaxArgon2MemoryKib + 1, 2, 1)), Status::kHashParamsOutOfRange);
    EXPECT_EQ(ValidateHashingParams(P(19456, 0, 1)), Status::kHashParamsOutOfRange);
    EXPECT_EQ(ValidateHashingParams(P(19456, kMaxArgon2Iterations + 1, 1)), Status::kHashParamsOutOfRange);
}

// ---------------------------------------------------------------- abandoning a slow hash

// AbortAfterCalls: answers false `allowed` times, then true; records whether any call came from a thread
// other than the one that created it.
struct AbortAfterCalls {
    int allowed = 1;
    std::atomic<int> calls{0};
    std::thread::id owner = std::this_thread::get_id();
    std::atomic<bool> foreign_thread{false};

    static bool Check(void* context) noexcept {
        auto* self = static_cast<AbortAfterCalls*>(context);
        if (std::this_thread::get_id() != self->owner) {
            self->foreign_thread = true;
        }
        return self->calls.fetch_add(1) >= self->allowed;
    }
    AbortCheck Abort() noexcept { return AbortCheck{&Check, this}; }
};

// AbortAfterTime: answers true once `limit` has passed since it was created.
struct AbortAfterTime {
    std::chrono::steady_clock::time_point deadline;
    explicit AbortAfterTime(std::chrono::milliseconds limit) : deadline(std::chrono::steady_clock::now() + limit) {}
    static bool Check(void* context) noexcept {
        return std::chrono::steady_clock::now() >= static_cast<AbortAfterTime*>(context)->deadline;
    }
    AbortCheck Abort() noexcept { return AbortCheck{&Check, this}; }
};

bool NeverAbort(void*) noexcept {
    return false;
}

double MillisecondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Large enough that a full run takes hundreds of milliseconds, small enough for a test machine.
constexpr Argon2Params kSlowParams{65536, 10, 1};

class AbortTest : public ::testing::Test {
protected:
    void SetUp() override {
        salt_.assign(16, 0x42);
        input_.params = kSlowParams;
        input_.password = ByteView(std::string_view("password"));
        input_.salt = salt_;
    }

    // FullRunMs measures the uninterrupted computation (through the same abortable path).
    double FullRunMs(Argon2Backend backend) {
        const AbortCheck never{&NeverAbort, nullptr};
        SecretBytes tag;
        const auto start = std::chrono::steady_clock::now();
        EXPECT_EQ(ComputeArgon2(input_, backend, never, &tag), Status::kOk);
        const double ms = MillisecondsSince(start);
        EXPECT_EQ(tag.size(), kPasswordHashBytes);
        full_tag_ = test::Hex(tag);
        return ms;
    }

    std::vector<std::uint8_t> salt_;
    Argon2Input input_;
    std::string full_tag_;
};

TEST_F(AbortTest, ComputeArgon2StopsSoonAfterAbortLibsodium) {
    const double full_ms = FullRunMs(Argon2Backend::kLibsodium);
    AbortAfterCalls abort;
    SecretBytes tag = {1};
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(ComputeArgon2(input_, Argon2Backend::kLibsodium, abort.Abort(), &tag), Status::kAborted);
    const double aborted_ms = MillisecondsSince(start);
    EXPECT_TRUE(tag.empty());
    EXPECT_GE(abort.calls.load(), 1);
    EXPECT_FALSE(abort.foreign_thread.load()) << "should_abort was called from another thread";
    EXPECT_LT(aborted_ms, full_ms / 2) << "full run " << full_ms << " ms";
}

TEST_F(AbortTest, ComputeArgon2StopsSoonAfterAbortLibargon2) {
    const double full_ms = FullRunMs(Argon2Backend::kLibargon2);
    AbortAfterTime abort(std::chrono::milliseconds(20));
    SecretBytes tag = {1};
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(ComputeArgon2(input_, Argon2Backend::kLibargon2, abort.Abort(), &tag), Status::kAborted);
    const double aborted_ms = MillisecondsSince(start);
    EXPECT_TRUE(tag.empty());
    EXPECT_LT(aborted_ms, full_ms / 2) << "full run " << full_ms << " ms";
}

// A hash of at most kInlineArgon2Work runs on the calling thread: the abort check is asked once, before it
// starts, and a later abort request cannot stop it.
TEST_F(AbortTest, CheapHashRunsToTheEndOnTheCallingThread) {
    input_.params = Argon2Params{static_cast<std::uint32_t>(kInlineArgon2Work / 2), 2, 1};
    SecretBytes unchecked;
    ASSERT_EQ(ComputeArgon2(input_, Argon2Backend::kAuto, kNoAbort, &unchecked), Status::kOk);
    // A never-aborting check first waits out hashes that earlier tests abandoned (in one process), so the
    // counted check below is asked only by this hash.
    const AbortCheck never{&NeverAbort, nullptr};
    ASSERT_EQ(ComputeArgon2(input_, Argon2Backend::kAuto, never, &unchecked), Status::kOk);
    AbortAfterCalls abort;
    abort.allowed = 1;
    SecretBytes tag;
    ASSERT_EQ(ComputeArgon2(input_, Argon2Backend::kAuto, abort.Abort(), &tag), Status::kOk);
    EXPECT_EQ(abort.calls.load(), 1);
    EXPECT_EQ(test::Hex(unchecked), test::Hex(tag));

    // One pass more and it is abandoned like any slow hash.
    input_.params = Argon2Params{static_cast<std::uint32_t>(kInlineArgon2Work / 2), 3, 1};
    AbortAfterCalls impatient;
    impatient.allowed = 1;
    EXPECT_EQ(ComputeArgon2(input_, Argon2Backend::kAuto, impatient.Abort(), &tag), Status::kAborted);
    EXPECT_GE(impatient.calls.load(), 2);
}

TEST_F(AbortTest, AbortBeforeStartingReturnsAtOnce) {
    AbortAfterCalls abort;
    abort.allowed = 0;
    SecretBytes tag = {1};
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(ComputeArgon2(input_, Argon2Backend::kAuto, abort.Abort(), &tag), Status::kAborted);
    EXPECT_LT(MillisecondsSince(start), 100.0);
    EXPECT_TRUE(tag.empty());
}

TEST_F(AbortTest, NeverAbortingCheckGivesTheNormalResult) {
    FullRunMs(Argon2Backend::kAuto);
    SecretBytes unchecked;
    ASSERT_EQ(ComputeArgon2(input_, Argon2Backend::kLibargon2, kNoAbort, &unchecked), Status::kOk);
    EXPECT_EQ(full_tag_, test::Hex(unchecked));

    AbortAfterCalls patient;
    patient.allowed = 1000000;
    bool matches = false;
    ASSERT_EQ(VerifyPassword("password", kKatArgon2idM65536, patient.Abort(), &matches), Status::kOk);
    EXPECT_TRUE(matches);
    ASSERT_EQ(VerifyPassword("Password", kKatArgon2idM65536, patient.Abort(), &matches), Status::kOk);
    EXPECT_FALSE(matches);
    std::string phc;
    ASSERT_EQ(HashPassword("pw", kCheapParams, OpenSslRandom(), patient.Abort(), &phc), Status::kOk);
    EXPECT_TRUE(Verify("pw", phc));
}

TEST_F(AbortTest, VerifyAndHashPasswordAbort) {
    const double full_ms = FullRunMs(Argon2Backend::kAuto);

    PhcHash slow;
    slow.params = kSlowParams;
    slow.salt = salt_;
    slow.hash.assign(32, 0);
    std::string phc;
    ASSERT_EQ(FormatPhcHash(slow, &phc), Status::kOk);

    AbortAfterCalls verify_abort;
    bool matches = true;
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(VerifyPassword("password", phc, verify_abort.Abort(), &matches), Status::kAborted);
    EXPECT_LT(MillisecondsSince(start), full_ms / 2) << "full run " << full_ms << " ms";
    EXPECT_FALSE(matches);

    AbortAfterCalls hash_abort;
    std::string out = "stale";
    start = std::chrono::steady_clock::now();
    EXPECT_EQ(HashPassword("password", kSlowParams, OpenSslRandom(), hash_abort.Abort(), &out), Status::kAborted);
    EXPECT_LT(MillisecondsSince(start), full_ms / 2) << "full run " << full_ms << " ms";
    EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace pg_mfa::core

namespace pg_mfa::core {
namespace {

// AbortAfter: answers true once `limit` has passed since it was made.
struct AbortAfter {
    std::chrono::steady_clock::time_point deadline;
    explicit AbortAfter(std::chrono::milliseconds limit) : deadline(std::chrono::steady_clock::now() + limit) {}
    static bool Check(void* context) noexcept {
        return std::chrono::steady_clock::now() >= static_cast<AbortAfter*>(context)->deadline;
    }
    AbortCheck Abort() noexcept { return AbortCheck{&Check, this}; }
};

TEST(AbandonedHashTest, MakesTheNextAbortableHashWait) {
    const std::string salt(16, 's');
    Argon2Input slow;
    slow.params = Argon2Params{65536, 16, 1};  // about a second: long enough to still run below
    slow.password = ByteView(std::string_view("password"));
    slow.salt = ByteView(salt);
    AbortAfterCalls first_poll;
    first_poll.allowed = 1;
    SecretBytes out;
    ASSERT_EQ(ComputeArgon2(slow, Argon2Backend::kAuto, first_poll.Abort(), &out), Status::kAborted);

    // A tiny hash takes microseconds, but while the abandoned one still runs it must wait, so an abort
    // check that fires after 20 ms stops it before it starts.
    Argon2Input tiny = slow;
    tiny.params = Argon2Params{8, 1, 1};
    AbortAfter soon(std::chrono::milliseconds(20));
    EXPECT_EQ(ComputeArgon2(tiny, Argon2Backend::kAuto, soon.Abort(), &out), Status::kAborted);

    // Patient callers get their hash once the background work is done.
    AbortAfter patient(std::chrono::seconds(60));
    EXPECT_EQ(ComputeArgon2(tiny, Argon2Backend::kAuto, patient.Abort(), &out), Status::kOk);
    EXPECT_EQ(out.size(), kPasswordHashBytes);
}

TEST(VerifyPasswordWithinTest, CeilingRefusesBeforeAnyWork) {
    std::string phc;
    ASSERT_EQ(HashPassword("hunter2", kCheapParams, OpenSslRandom(), kNoAbort, &phc), Status::kOk);
    Argon2Params ceiling = kCheapParams;
    bool matches = false;
    // At the ceiling: verified as usual, right and wrong.
    EXPECT_EQ(VerifyPasswordWithin("hunter2", phc, ceiling, kNoAbort, &matches), Status::kOk);
    EXPECT_TRUE(matches);
    EXPECT_EQ(VerifyPasswordWithin("hunter3", phc, ceiling, kNoAbort, &matches), Status::kOk);
    EXPECT_FALSE(matches);
    // One below in memory or in iterations: refused, no match reported.
    ceiling.memory_kib = kCheapParams.memory_kib - 1;
    matches = true;
    EXPECT_EQ(VerifyPasswordWithin("hunter2", phc, ceiling, kNoAbort, &matches), Status::kHashParamsOutOfRange);
    EXPECT_FALSE(matches);
    ceiling = kCheapParams;
    ceiling.iterations = kCheapParams.iterations - 1;
    EXPECT_EQ(VerifyPasswordWithin("hunter2", phc, ceiling, kNoAbort, &matches), Status::kHashParamsOutOfRange);
    // A hash at the absolute limits costs nothing to refuse: an abort check that would stop any work is
    // never consulted.
    const std::string huge = "$argon2id$v=19$m=262144,t=8,p=1$c29tZXNhbHRzb21lc2FsdA$"
                             "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    EXPECT_EQ(VerifyPasswordWithin("hunter2", huge, kCheapParams, kNoAbort, &matches), Status::kHashParamsOutOfRange);
}

TEST(HashParamsTest, ParametersOfAStoredHash) {
    Argon2Params params;
    EXPECT_EQ(HashParams("$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
                         "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
                         &params),
              Status::kOk);
    EXPECT_EQ(params.memory_kib, 19456u);
    EXPECT_EQ(params.iterations, 2u);
    EXPECT_EQ(params.parallelism, 1u);
    EXPECT_EQ(HashParams("not a hash", &params), Status::kHashMalformed);
    EXPECT_EQ(params.memory_kib, 0u);
}

}  // namespace
}  // namespace pg_mfa::core
