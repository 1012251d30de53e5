// otpauth_test.cpp: provisioning URIs (Key URI format) and the percent-encoding that keeps them injection-proof.
#include "core/otpauth.hpp"

#include "core/encoding.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pg_mfa::core {
namespace {

constexpr std::string_view kKey = "12345678901234567890";
constexpr std::string_view kKeyBase32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
constexpr std::string_view kPrefix = "otpauth://totp/";

bool IsHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

int HexValue(char c) {
    return c <= '9' ? c - '0' : c - 'A' + 10;
}

// PercentDecode returns false on a '%' without two upper-case hex digits or a byte that should
// have been encoded.
bool PercentDecode(std::string_view in, std::string* out) {
    out->clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        const auto c = static_cast<unsigned char>(in[i]);
        if (c == '%') {
            if (i + 2 >= in.size() || !IsHex(in[i + 1]) || !IsHex(in[i + 2])) {
                return false;
            }
            out->push_back(static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2])));
            i += 2;
            continue;
        }
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '.' || c == '_' || c == '~';
        if (!unreserved) {
            return false;
        }
        out->push_back(static_cast<char>(c));
    }
    return true;
}

struct ParsedUri {
    std::string label_issuer;  // decoded; empty when the label has no "Issuer:" prefix
    std::string account;       // decoded
    bool has_issuer_prefix = false;
    std::vector<std::pair<std::string, std::string>> query;  // raw values, in order
};

// ParseUri splits a TOTP provisioning URI the way a strict client would, and fails the test on anything
// an injected field could have produced.
void ParseUri(std::string_view uri, ParsedUri* out) {
    ASSERT_EQ(uri.substr(0, kPrefix.size()), kPrefix) << uri;
    ASSERT_EQ(uri.find('#'), std::string_view::npos) << "fragment in " << uri;
    for (char c : uri) {
        const auto u = static_cast<unsigned char>(c);
        ASSERT_TRUE(u > 0x20 && u < 0x7f) << "raw byte " << int{u} << " in " << uri;
    }
    const std::size_t question = uri.find('?');
    ASSERT_NE(question, std::string_view::npos) << uri;
    const std::string_view label = uri.substr(kPrefix.size(), question - kPrefix.size());
    ASSERT_EQ(label.find('&'), std::string_view::npos) << uri;
    ASSERT_EQ(label.find('/'), std::string_view::npos) << uri;
    ASSERT_EQ(label.find('='), std::string_view::npos) << uri;
    const std::size_t colon = label.find(':');
    std::string_view account = label;
    if (colon != std::string_view::npos) {
        ASSERT_EQ(label.find(':', colon + 1), std::string_view::npos) << "second ':' in " << uri;
        out->has_issuer_prefix = true;
        ASSERT_TRUE(PercentDecode(label.substr(0, colon), &out->label_issuer)) << uri;
        account = label.substr(colon + 1);
    }
    ASSERT_TRUE(PercentDecode(account, &out->account)) << uri;

    const std::string_view query = uri.substr(question + 1);
    ASSERT_EQ(query.find('?'), std::string_view::npos) << "second '?' in " << uri;
    ASSERT_EQ(query.find(':'), std::string_view::npos) << "':' in query of " << uri;
    std::size_t start = 0;
    while (start <= query.size()) {
        std::size_t end = query.find('&', start);
        if (end == std::string_view::npos) {
            end = query.size();
        }
        const std::string_view pair = query.substr(start, end - start);
        const std::size_t eq = pair.find('=');
        ASSERT_NE(eq, std::string_view::npos) << "parameter without '=' in " << uri;
        ASSERT_EQ(pair.find('=', eq + 1), std::string_view::npos) << "second '=' in " << uri;
        std::string value;
        ASSERT_TRUE(PercentDecode(pair.substr(eq + 1), &value)) << uri;
        out->query.emplace_back(std::string(pair.substr(0, eq)), value);
        start = end + 1;
    }
}

std::multimap<std::string, std::string> QueryMap(const ParsedUri& parsed) {
    return std::multimap<std::string, std::string>(parsed.query.begin(), parsed.query.end());
}

TEST(TotpUriTest, KnownUri) {
    SecretString uri;
    ASSERT_EQ(TotpUri(ByteView(kKey), "alice@example.com", "ACME Co", OtpParams{}, &uri), Status::kOk);
    EXPECT_EQ(uri.view(),
              "otpauth://totp/ACME%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
              "&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30");
}

TEST(TotpUriTest, SecretIsTheUnpaddedBase32Key) {
    const std::vector<std::uint8_t> key = {0xde, 0xad, 0xbe, 0xef, 0x01};  // 5 bytes: 8 symbols
    SecretString uri;
    ASSERT_EQ(TotpUri(key, "a", "", OtpParams{}, &uri), Status::kOk);
    EXPECT_EQ(uri.view(), "otpauth://totp/a?secret=32W353YB&algorithm=SHA1&digits=6&period=30");
    const std::vector<std::uint8_t> odd = {0xff};  // 1 byte: 2 symbols, no '=' padding
    ASSERT_EQ(TotpUri(odd, "a", "", OtpParams{}, &uri), Status::kOk);
    EXPECT_EQ(uri.view(), "otpauth://totp/a?secret=74&algorithm=SHA1&digits=6&period=30");
}

TEST(TotpUriTest, EmptyIssuerOmitsPrefixAndParameter) {
    SecretString uri;
    ASSERT_EQ(TotpUri(ByteView(kKey), "alice@example.com", "", OtpParams{}, &uri), Status::kOk);
    EXPECT_EQ(uri.view(),
              "otpauth://totp/alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
              "&algorithm=SHA1&digits=6&period=30");
    ParsedUri parsed;
    ASSERT_NO_FATAL_FAILURE(ParseUri(uri.view(), &parsed));
    EXPECT_FALSE(parsed.has_issuer_prefix);
    EXPECT_EQ(QueryMap(parsed).count("issuer"), 0u);
}

TEST(TotpUriTest, AlgorithmDigitsAndPeriodAppear) {
    const struct {
        HashAlgorithm algorithm;
        int digits;
        std::int64_t period;
        const char* tail;
    } cases[] = {
        {HashAlgorithm::kSha256, 8, 60, "&algorithm=SHA256&digits=8&period=60"},
        {HashAlgorithm::kSha512, 7, 30, "&algorithm=SHA512&digits=7&period=30"},
        {HashAlgorithm::kSha1, 6, 1, "&algorithm=SHA1&digits=6&period=1"},
        {HashAlgorithm::kSha512, 8, 86400, "&algorithm=SHA512&digits=8&period=86400"},
    };
    for (const auto& c : cases) {
        OtpParams params;
        params.algorithm = c.algorithm;
        params.digits = c.digits;
        params.period = c.period;
        SecretString uri;
        ASSERT_EQ(TotpUri(ByteView(kKey), "bob", "Ex", params, &uri), Status::kOk);
        EXPECT_EQ(uri.view(), std::string("otpauth://totp/Ex:bob?secret=") + std::string(kKeyBase32) +
                                  "&issuer=Ex" + c.tail);
    }
}

TEST(TotpUriTest, InjectionAttemptsStayInsideTheirFields) {
    const std::string_view hostile[] = {
        "a&secret=AAAA",
        "a?secret=AAAA",
        "x?y#z",
        "%3A",  // an encoded colon is just text: it is encoded again ("%253A")
        "%41",
        "%",
        "%%2",
        "a b  c",
        "\xc3\xa9",  // é
        "line\nbreak",
        "cr\rlf",
        "tab\t",
        "&issuer=Evil",
        "#",
        "/path/../x",
        "a=b",
        "+plus+",
        "semi;colon",
        std::string_view("nul\0byte", 8),
        "\x7f\xff\x80",
        "'\"<>\\`{}|^[]",
    };
    for (std::string_view account : hostile) {
        for (std::string_view issuer : hostile) {
            SecretString uri;
            ASSERT_EQ(TotpUri(ByteView(kKey), account, issuer, OtpParams{}, &uri), Status::kOk);
            ParsedUri parsed;
            ASSERT_NO_FATAL_FAILURE(ParseUri(uri.view(), &parsed))
                << "account " << test::Hex(account) << " issuer " << test::Hex(issuer);
            EXPECT_TRUE(parsed.has_issuer_prefix);
            EXPECT_EQ(parsed.label_issuer, issuer);
            EXPECT_EQ(parsed.account, account);
            const auto query = QueryMap(parsed);
            ASSERT_EQ(query.count("secret"), 1u) << uri.view();
            EXPECT_EQ(query.find("secret")->second, kKeyBase32);
            ASSERT_EQ(query.count("issuer"), 1u) << uri.view();
            EXPECT_EQ(query.find("issuer")->second, issuer);
            EXPECT_EQ(parsed.query.size(), 5u) << uri.view();
            EXPECT_EQ(query.count("algorithm"), 1u);
            EXPECT_EQ(query.count("digits"), 1u);
            EXPECT_EQ(query.count("period"), 1u);
        }
        // And with no issuer.
        SecretString uri;
        ASSERT_EQ(TotpUri(ByteView(kKey), account, "", OtpParams{}, &uri), Status::kOk);
        ParsedUri parsed;
        ASSERT_NO_FATAL_FAILURE(ParseUri(uri.view(), &parsed)) << test::Hex(account);
        EXPECT_FALSE(parsed.has_issuer_prefix);
        EXPECT_EQ(parsed.account, account);
        const auto query = QueryMap(parsed);
        EXPECT_EQ(query.count("secret"), 1u);
        EXPECT_EQ(query.count("issuer"), 0u);
        EXPECT_EQ(parsed.query.size(), 4u);
    }
}

// The Key URI format separates issuer and account with a colon (literal or %3A), so a colon in either
// would let an account name choose the issuer an app shows ("Evil Bank:alice"): both are refused.
TEST(TotpUriTest, ColonsAreRefusedInAccountAndIssuer) {
    for (std::string_view field : {":", "a:b", "Evil Bank:alice", "a::b:", "trailing:"}) {
        SecretString uri;
        EXPECT_EQ(TotpUri(ByteView(kKey), field, "ACME", OtpParams{}, &uri), Status::kUriFieldColon) << field;
        EXPECT_TRUE(uri.view().empty());
        EXPECT_EQ(TotpUri(ByteView(kKey), "alice", field, OtpParams{}, &uri), Status::kUriFieldColon) << field;
        EXPECT_TRUE(uri.view().empty());
    }
}

TEST(TotpUriTest, SpecificEncodings) {
    SecretString uri;
    ASSERT_EQ(TotpUri(ByteView(kKey), "a&secret=AAAA", "\xc3\xa9 x", OtpParams{}, &uri), Status::kOk);
    EXPECT_EQ(uri.view(),
              "otpauth://totp/%C3%A9%20x:a%26secret%3DAAAA?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
              "&issuer=%C3%A9%20x&algorithm=SHA1&digits=6&period=30");
}

TEST(TotpUriTest, FieldLengthLimits) {
    const std::string longest(kMaxUriField, 'a');
    const std::string too_long(kMaxUriField + 1, 'a');
    SecretString uri;
    EXPECT_EQ(TotpUri(ByteView(kKey), longest, longest, OtpParams{}, &uri), Status::kOk);
    EXPECT_FALSE(uri.view().empty());

    EXPECT_EQ(TotpUri(ByteView(kKey), too_long, "ACME", OtpParams{}, &uri), Status::kUriFieldTooLong);
    EXPECT_TRUE(uri.view().empty());
    ASSERT_EQ(TotpUri(ByteView(kKey), "a", "b", OtpParams{}, &uri), Status::kOk);
    EXPECT_EQ(TotpUri(ByteView(kKey), "alice", too_long, OtpParams{}, &uri), Status::kUriFieldTooLong);
    EXPECT_TRUE(uri.view().empty());
    // The limit is on bytes, not on the encoded length: 256 bytes that each become %XX still fit.
    const std::string spaces(kMaxUriField, ' ');
    EXPECT_EQ(TotpUri(ByteView(kKey), spaces, spaces, OtpParams{}, &uri), Status::kOk);
}

TEST(TotpUriTest, Failures) {
    SecretString uri;
    ASSERT_EQ(TotpUri(ByteView(kKey), "a", "b", OtpParams{}, &uri), Status::kOk);
    EXPECT_EQ(TotpUri(ByteView(kKey), "", "ACME", OtpParams{}, &uri), Status::kAccountEmpty);
    EXPECT_TRUE(uri.view().empty());
    EXPECT_EQ(TotpUri(ByteView(kKey), "", "", OtpParams{}, &uri), Status::kAccountEmpty);

    ASSERT_EQ(TotpUri(ByteView(kKey), "a", "b", OtpParams{}, &uri), Status::kOk);
    EXPECT_EQ(TotpUri(ByteView(), "alice", "ACME", OtpParams{}, &uri), Status::kSecretEmpty);
    EXPECT_TRUE(uri.view().empty());
    const std::vector<std::uint8_t> too_long(kMaxSecretBytes + 1, 1);
    EXPECT_EQ(TotpUri(too_long, "alice", "ACME", OtpParams{}, &uri), Status::kSecretTooLong);
    EXPECT_TRUE(uri.view().empty());

    OtpParams params;
    params.digits = 9;
    EXPECT_EQ(TotpUri(ByteView(kKey), "alice", "ACME", params, &uri), Status::kBadDigits);
    EXPECT_TRUE(uri.view().empty());
    params.digits = 5;
    EXPECT_EQ(TotpUri(ByteView(kKey), "alice", "ACME", params, &uri), Status::kBadDigits);
    params.digits = 6;
    params.period = 0;
    EXPECT_EQ(TotpUri(ByteView(kKey), "alice", "ACME", params, &uri), Status::kBadPeriod);
    EXPECT_TRUE(uri.view().empty());
}

TEST(PercentEncodeTest, UnreservedPassThroughEverythingElseIsUpperHex) {
    std::string out;
    ASSERT_EQ(PercentEncode("AZaz09-._~", &out), Status::kOk);
    EXPECT_EQ(out, "AZaz09-._~");
    out = "prefix:";
    ASSERT_EQ(PercentEncode("a b@c/é", &out), Status::kOk);
    EXPECT_EQ(out, "prefix:a%20b%40c%2F%C3%A9");
}

TEST(PercentEncodeTest, EveryByteRoundTrips) {
    std::string all;
    for (int b = 0; b < 256; ++b) {
        all.push_back(static_cast<char>(b));
    }
    std::string encoded;
    ASSERT_EQ(PercentEncode(all, &encoded), Status::kOk);
    EXPECT_EQ(encoded.size(), 66u + 3u * 190u);  // 66 unreserved bytes, 190 escaped
    std::string decoded;
    ASSERT_TRUE(PercentDecode(encoded, &decoded)) << encoded;
    EXPECT_EQ(decoded, all);
}

}  // namespace
}  // namespace pg_mfa::core
