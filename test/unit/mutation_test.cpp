// mutation_test.cpp: a valid code or token changed in one place must never be accepted.
//
// Review finding 10: a code comparison that ignored the last digit (ten times easier to guess) passed every
// other unit test, because those compare whole right codes with whole wrong ones that differ everywhere.
// Here every digit of a known-answer code is replaced in turn by every other digit, the code is cut short,
// lengthened, transposed and padded, and TotpCheckWindow must say no match each time; every character of a
// token is replaced in turn by every other base64url character and the digest must differ. The unchanged
// code and token are checked too, so no test here can pass because nothing matches at all.
#include "core/bytes.hpp"
#include "core/otp.hpp"
#include "core/random.hpp"

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pg_mfa::core {
namespace {

using test::kSeedSha1;
using test::kSeedSha256;
using test::kSeedSha512;

constexpr std::string_view kBase64UrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct KnownCode {
    const char* name;
    std::string_view key;
    HashAlgorithm algorithm;
    int digits;
    std::int64_t time;  // a second inside the code's time step (period 30)
    const char* code;
};

// RFC 6238 App. B (8 digits) and their last six digits, which are the 6-digit codes of the same steps
// (checked below), and RFC 4226 App. D as TOTP: counter c is the time step of t = 30 c.
const KnownCode kKnownCodes[] = {
    {"rfc6238 sha1 t=59", kSeedSha1, HashAlgorithm::kSha1, 8, 59, "94287082"},
    {"rfc6238 sha1 t=1111111109", kSeedSha1, HashAlgorithm::kSha1, 8, 1111111109, "07081804"},
    {"rfc6238 sha1 t=1234567890", kSeedSha1, HashAlgorithm::kSha1, 8, 1234567890, "89005924"},
    {"rfc6238 sha1 t=2000000000", kSeedSha1, HashAlgorithm::kSha1, 8, 2000000000, "69279037"},
    {"rfc6238 sha256 t=59", kSeedSha256, HashAlgorithm::kSha256, 8, 59, "46119246"},
    {"rfc6238 sha256 t=1111111111", kSeedSha256, HashAlgorithm::kSha256, 8, 1111111111, "67062674"},
    {"rfc6238 sha256 t=20000000000", kSeedSha256, HashAlgorithm::kSha256, 8, 20000000000, "77737706"},
    {"rfc6238 sha512 t=59", kSeedSha512, HashAlgorithm::kSha512, 8, 59, "90693936"},
    {"rfc6238 sha512 t=1234567890", kSeedSha512, HashAlgorithm::kSha512, 8, 1234567890, "93441116"},
    {"rfc6238 sha512 t=2000000000", kSeedSha512, HashAlgorithm::kSha512, 8, 2000000000, "38618901"},
    {"rfc6238 sha1 t=1111111109 6 digits", kSeedSha1, HashAlgorithm::kSha1, 6, 1111111109, "081804"},
    {"rfc6238 sha1 t=2000000000 6 digits", kSeedSha1, HashAlgorithm::kSha1, 6, 2000000000, "279037"},
    {"rfc6238 sha256 t=1111111111 6 digits", kSeedSha256, HashAlgorithm::kSha256, 6, 1111111111, "062674"},
    {"rfc6238 sha256 t=2000000000 6 digits", kSeedSha256, HashAlgorithm::kSha256, 6, 2000000000, "698825"},
    {"rfc6238 sha512 t=1111111109 6 digits", kSeedSha512, HashAlgorithm::kSha512, 6, 1111111109, "091201"},
    {"rfc6238 sha512 t=20000000000 6 digits", kSeedSha512, HashAlgorithm::kSha512, 6, 20000000000, "863826"},
    {"rfc4226 counter 0", kSeedSha1, HashAlgorithm::kSha1, 6, 0 * 30 + 1, "755224"},
    {"rfc4226 counter 1", kSeedSha1, HashAlgorithm::kSha1, 6, 1 * 30 + 1, "287082"},
    {"rfc4226 counter 2", kSeedSha1, HashAlgorithm::kSha1, 6, 2 * 30 + 1, "359152"},
    {"rfc4226 counter 3", kSeedSha1, HashAlgorithm::kSha1, 6, 3 * 30 + 29, "969429"},
    {"rfc4226 counter 4", kSeedSha1, HashAlgorithm::kSha1, 6, 4 * 30 + 1, "338314"},
    {"rfc4226 counter 5", kSeedSha1, HashAlgorithm::kSha1, 6, 5 * 30 + 1, "254676"},
    {"rfc4226 counter 6", kSeedSha1, HashAlgorithm::kSha1, 6, 6 * 30 + 1, "287922"},
    {"rfc4226 counter 7", kSeedSha1, HashAlgorithm::kSha1, 6, 7 * 30 + 1, "162583"},
    {"rfc4226 counter 8", kSeedSha1, HashAlgorithm::kSha1, 6, 8 * 30 + 1, "399871"},
    {"rfc4226 counter 9", kSeedSha1, HashAlgorithm::kSha1, 6, 9 * 30 + 1, "520489"},
};

struct Mutant {
    std::string description;
    std::string code;
};

// DigitMutants: the code with the digit at each position replaced by each of the nine other digits.
std::vector<Mutant> DigitMutants(std::string_view code) {
    std::vector<Mutant> out;
    for (std::size_t i = 0; i < code.size(); ++i) {
        for (char digit = '0'; digit <= '9'; ++digit) {
            if (digit == code[i]) {
                continue;
            }
            std::string mutated(code);
            mutated[i] = digit;
            out.push_back({"digit " + std::to_string(i) + " -> " + digit, mutated});
        }
    }
    return out;
}

// ShapeMutants: the code transposed, cut short, lengthened, padded or with a stray character: none of them
// is the code. Transpositions of two equal digits are the code itself and are left out.
std::vector<Mutant> ShapeMutants(std::string_view code) {
    std::vector<Mutant> out;
    const std::string whole(code);
    for (std::size_t i = 0; i + 1 < code.size(); ++i) {
        if (code[i] != code[i + 1]) {
            std::string swapped = whole;
            std::swap(swapped[i], swapped[i + 1]);
            out.push_back({"swap " + std::to_string(i) + "," + std::to_string(i + 1), swapped});
        }
    }
    for (std::size_t i = 0; i < code.size(); ++i) {
        out.push_back({"without digit " + std::to_string(i), whole.substr(0, i) + whole.substr(i + 1)});
    }
    for (std::size_t i = 0; i <= code.size(); ++i) {
        out.push_back({"extra digit at " + std::to_string(i), whole.substr(0, i) + "0" + whole.substr(i)});
        out.push_back({"repeated digit at " + std::to_string(i),
                       whole.substr(0, i) + whole[i == code.size() ? i - 1 : i] + whole.substr(i)});
    }
    const std::string_view strays[] = {" ", "-", "\t", "\n", std::string_view("\0", 1), "x", "+", "/", ":"};
    for (std::string_view stray : strays) {
        const std::string s(stray);
        out.push_back({"leading " + test::Hex(s), s + whole});
        out.push_back({"trailing " + test::Hex(s), whole + s});
        out.push_back({"middle " + test::Hex(s), whole.substr(0, code.size() / 2) + s + whole.substr(code.size() / 2)});
        // The stray in place of the last digit: the length is right, the content is not.
        out.push_back({"last digit replaced by " + test::Hex(s), whole.substr(0, code.size() - 1) + s});
    }
    out.push_back({"empty", ""});
    out.push_back({"all but the last digit", whole.substr(0, code.size() - 1)});
    out.push_back({"all but the first digit", whole.substr(1)});
    out.push_back({"code twice", whole + whole});
    return out;
}

OtpParams ParamsOf(const KnownCode& known) {
    OtpParams params;
    params.algorithm = known.algorithm;
    params.digits = known.digits;
    params.period = 30;
    return params;
}

// The codes of every step TotpCheckWindow considers (computed with HotpCode, not with the function under
// test), so that a mutant that happens to be the genuine code of a neighbouring step is not miscounted.
std::vector<std::string> CodesInWindow(const KnownCode& known, int window) {
    std::vector<std::string> codes;
    const auto now = static_cast<std::uint64_t>(known.time / 30);
    const std::uint64_t first = now >= static_cast<std::uint64_t>(window) ? now - window : 0;
    for (std::uint64_t step = first; step <= now + static_cast<std::uint64_t>(window); ++step) {
        OtpCode code;
        EXPECT_EQ(HotpCode(ByteView(known.key), step, ParamsOf(known), &code), Status::kOk);
        codes.emplace_back(code.view());
    }
    return codes;
}

bool Contains(const std::vector<std::string>& codes, std::string_view code) {
    for (const auto& c : codes) {
        if (c == code) {
            return true;
        }
    }
    return false;
}

WindowMatch Check(const KnownCode& known, std::string_view code, int window, bool has_last_step = false,
                  std::uint64_t last_step = 0) {
    WindowMatch match;
    match.matched = true;  // stale values the call must overwrite
    match.replayed = true;
    EXPECT_EQ(TotpCheckWindow(ByteView(known.key), code, ParamsOf(known), known.time, window, has_last_step,
                              last_step, &match),
              Status::kOk)
        << known.name;
    return match;
}

TEST(MutatedCodeTest, KnownAnswersAreRight) {
    // The table above is the RFCs': the 8-digit ones from App. B, the 6-digit ones their last six digits.
    for (const auto& known : kKnownCodes) {
        OtpCode code;
        ASSERT_EQ(TotpCode(ByteView(known.key), known.time, ParamsOf(known), &code), Status::kOk) << known.name;
        EXPECT_EQ(code.view(), known.code) << known.name;
    }
}

TEST(MutatedCodeTest, UnchangedCodesMatch) {
    // Without this the tests below could pass with a check that matches nothing.
    for (const auto& known : kKnownCodes) {
        const auto step = static_cast<std::uint64_t>(known.time / 30);
        for (int window : {0, 1, kMaxWindow}) {
            const WindowMatch match = Check(known, known.code, window);
            EXPECT_TRUE(match.matched) << known.name << " window " << window;
            EXPECT_EQ(match.step, step) << known.name << " window " << window;
            EXPECT_FALSE(match.replayed) << known.name << " window " << window;
        }
        // After the previous step was used it is still fresh.
        if (step > 0) {
            EXPECT_TRUE(Check(known, known.code, 1, true, step - 1).matched) << known.name;
        }
    }
}

TEST(MutatedCodeTest, EveryDigitChangedIsNoMatch) {
    int checked = 0;
    int skipped = 0;
    for (const auto& known : kKnownCodes) {
        const std::vector<Mutant> mutants = DigitMutants(known.code);
        ASSERT_EQ(mutants.size(), static_cast<std::size_t>(9 * known.digits)) << known.name;
        for (int window : {0, 1, kMaxWindow}) {
            const std::vector<std::string> genuine = CodesInWindow(known, window);
            ASSERT_TRUE(Contains(genuine, known.code)) << known.name;
            for (const auto& mutant : mutants) {
                if (Contains(genuine, mutant.code)) {
                    ++skipped;  // the genuine code of another step in the window: a right code, not a mutant
                    continue;
                }
                const WindowMatch match = Check(known, mutant.code, window);
                EXPECT_FALSE(match.matched)
                    << known.name << ": " << known.code << " with " << mutant.description << " = " << mutant.code
                    << " matched step " << match.step << " at window " << window;
                EXPECT_FALSE(match.replayed) << known.name << ": " << mutant.code << " at window " << window;
                ++checked;
            }
        }
    }
    // 26 codes (16 of 6 digits, 10 of 8) x 3 windows, less the rare chance collisions.
    EXPECT_EQ(checked + skipped, 3 * 9 * (16 * 6 + 10 * 8));
    EXPECT_LE(skipped, 3);
}

TEST(MutatedCodeTest, EveryShapeChangeIsNoMatch) {
    for (const auto& known : kKnownCodes) {
        const std::vector<std::string> genuine = CodesInWindow(known, kMaxWindow);
        const std::vector<Mutant> mutants = ShapeMutants(known.code);
        ASSERT_GE(mutants.size(), 50u) << known.name;
        for (int window : {0, 1, kMaxWindow}) {
            for (const auto& mutant : mutants) {
                if (Contains(genuine, mutant.code)) {
                    continue;  // a transposition that is another step's code (well-formed and right)
                }
                EXPECT_FALSE(Check(known, mutant.code, window).matched)
                    << known.name << ": " << known.code << " " << mutant.description << " = "
                    << test::Hex(mutant.code) << " at window " << window;
            }
        }
    }
}

TEST(MutatedCodeTest, MutantsOfASpentCodeAreNotReplays) {
    // Once the code's step is used, the code itself is a replay; a changed code matches no step at all and is
    // reported as a wrong code, not as a replay (the audit trail tells the two apart).
    for (const auto& known : kKnownCodes) {
        const auto step = static_cast<std::uint64_t>(known.time / 30);
        const WindowMatch spent = Check(known, known.code, 1, true, step);
        EXPECT_FALSE(spent.matched) << known.name;
        EXPECT_TRUE(spent.replayed) << known.name;
        const std::vector<std::string> genuine = CodesInWindow(known, 1);
        for (const auto& mutant : DigitMutants(known.code)) {
            if (Contains(genuine, mutant.code)) {
                continue;
            }
            const WindowMatch match = Check(known, mutant.code, 1, true, step);
            EXPECT_FALSE(match.matched) << known.name << ": " << mutant.description;
            EXPECT_FALSE(match.replayed) << known.name << ": " << mutant.description;
        }
    }
}

TEST(MutatedCodeTest, CodeOfOneLengthIsNoMatchForAnother) {
    // The 8-digit code and its last six digits are each right only for their own digit count.
    for (const auto& known : kKnownCodes) {
        if (known.digits != 8) {
            continue;
        }
        KnownCode six = known;
        six.digits = 6;
        const std::string_view last_six = std::string_view(known.code).substr(2);
        EXPECT_TRUE(Check(six, last_six, 1).matched) << known.name;
        EXPECT_FALSE(Check(six, known.code, 1).matched) << known.name;
        EXPECT_FALSE(Check(known, last_six, 1).matched) << known.name;
        KnownCode seven = known;
        seven.digits = 7;
        EXPECT_TRUE(Check(seven, std::string_view(known.code).substr(1), 1).matched) << known.name;
        EXPECT_FALSE(Check(seven, known.code, 1).matched) << known.name;
        EXPECT_FALSE(Check(seven, last_six, 1).matched) << known.name;
    }
}

// ---------------------------------------------------------------- tokens

std::vector<std::string> TokensUnderTest() {
    std::vector<std::string> tokens;
    for (std::string_view prefix : {"kss_", "kli_"}) {
        for (int round = 0; round < 2; ++round) {
            SecretString token;
            EXPECT_EQ(GenerateToken(OpenSslRandom(), prefix, &token), Status::kOk);
            tokens.emplace_back(token.view());
        }
        test::CountingSource counting;
        SecretString token;
        EXPECT_EQ(GenerateToken(counting.Source(), prefix, &token), Status::kOk);
        tokens.emplace_back(token.view());
    }
    return tokens;
}

TokenDigest Digest(std::string_view token) {
    TokenDigest digest{};
    EXPECT_EQ(DigestToken(token, &digest), Status::kOk) << token;
    return digest;
}

bool SameDigest(const TokenDigest& a, const TokenDigest& b) {
    return ConstantTimeEqual(ByteView(a.data(), a.size()), ByteView(b.data(), b.size()));
}

TEST(MutatedTokenTest, UnchangedTokenHasTheSameDigest) {
    for (const auto& token : TokensUnderTest()) {
        ASSERT_EQ(token.size(), 4u + 43u);
        // A copy in another buffer, so equality is of contents, not of the same memory.
        const std::string copy(token.data(), token.size());
        EXPECT_TRUE(SameDigest(Digest(token), Digest(copy))) << token;
        EXPECT_EQ(Digest(token), Digest(copy)) << token;
    }
}

TEST(MutatedTokenTest, EveryCharacterChangedGivesAnotherDigest) {
    int checked = 0;
    for (const auto& token : TokensUnderTest()) {
        const TokenDigest original = Digest(token);
        for (std::size_t i = 0; i < token.size(); ++i) {
            for (char c : kBase64UrlAlphabet) {
                if (c == token[i]) {
                    continue;
                }
                std::string mutated = token;
                mutated[i] = c;
                const TokenDigest digest = Digest(mutated);
                EXPECT_FALSE(SameDigest(original, digest)) << token << " position " << i << " -> " << c;
                EXPECT_NE(original, digest) << token << " position " << i << " -> " << c;
                ++checked;
            }
        }
    }
    EXPECT_EQ(checked, 6 * 47 * 63);
}

TEST(MutatedTokenTest, EveryShapeChangeGivesAnotherDigest) {
    for (const auto& token : TokensUnderTest()) {
        const TokenDigest original = Digest(token);
        std::vector<std::string> mutants;
        for (std::size_t i = 0; i < token.size(); ++i) {
            mutants.push_back(token.substr(0, i) + token.substr(i + 1));  // one character dropped
            mutants.push_back(token.substr(0, i));                        // cut short
            if (token[i] != token[(i + 1) % token.size()]) {
                std::string swapped = token;
                std::swap(swapped[i], swapped[(i + 1) % token.size()]);
                mutants.push_back(swapped);
            }
        }
        for (std::string_view extra : {"A", "_", " ", "\n", "="}) {
            mutants.push_back(token + std::string(extra));
            mutants.push_back(std::string(extra) + token);
        }
        mutants.push_back(token + std::string(1, '\0'));
        mutants.push_back(token.substr(4));  // the prefix left off
        std::string upper = token;
        std::string lower = token;
        for (auto& c : upper) {
            c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
        }
        for (auto& c : lower) {
            c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        }
        mutants.push_back(upper);
        mutants.push_back(lower);
        for (const auto& mutant : mutants) {
            if (mutant == token) {
                continue;  // a token without letters of one case is its own upper- or lower-case form
            }
            EXPECT_FALSE(SameDigest(original, Digest(mutant))) << token << " vs " << test::Hex(mutant);
        }
    }
}

}  // namespace
}  // namespace pg_mfa::core
