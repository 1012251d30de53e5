// fuzz_otpauth.cpp: provisioning URIs (TotpUri) for arbitrary keys, account names, issuers and parameters.
// TotpUri succeeds exactly when the inputs are valid, and then the URI is one an authenticator app reads back
// as what went in: a single "secret=" whose value is the canonical base32 of the key, label parts and issuer
// that percent-decode to exactly the inputs, the parameters as given, and no byte that could end, split or
// extend the URI ('#', '?', '&' or '=' out of place, whitespace, control or non-ASCII bytes).
//
// Input layout (little-endian):
//   [0] digits = 5 + b % 5 (5..9, invalid values included)   [1] algorithm = b % 3
//   [2..9] period (int64, any value)   [10..11] account length   [12..13] issuer length (each % 320, so
//   lengths past the 256-byte limit occur)   then the account bytes, the issuer bytes, and the key (the rest).
#include "core/encoding.hpp"
#include "core/otpauth.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace core = pg_mfa::core;

constexpr std::size_t kHeaderBytes = 14;

void Check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

bool IsUnreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

int HexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;  // lower-case hex is not what PercentEncode writes
}

// PercentDecodeStrict decodes text PercentEncode could have written: unreserved characters as themselves and
// every other byte as %XX with upper-case hex. Anything else (a reserved character left raw, a lower-case or
// truncated escape, an escaped unreserved character) makes it return false.
bool PercentDecodeStrict(std::string_view in, std::string* out) {
    out->clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        const auto c = static_cast<unsigned char>(in[i]);
        if (c != '%') {
            if (!IsUnreserved(c)) {
                return false;
            }
            out->push_back(static_cast<char>(c));
            continue;
        }
        if (i + 2 >= in.size()) {
            return false;  // a truncated escape
        }
        const int high = HexValue(in[i + 1]);
        const int low = HexValue(in[i + 2]);
        if (high < 0 || low < 0) {
            return false;
        }
        const auto decoded = static_cast<unsigned char>(high * 16 + low);
        if (IsUnreserved(decoded)) {
            return false;  // not canonical: an unreserved character is never escaped
        }
        out->push_back(static_cast<char>(decoded));
        i += 2;
    }
    return true;
}

// ReferenceBase32 is RFC 4648 §6 base32 written independently of the core: upper case, no padding.
std::string ReferenceBase32(const std::uint8_t* data, std::size_t size) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (std::size_t i = 0; i < size; ++i) {
        buffer = (buffer << 8) | data[i];
        bits += 8;
        while (bits >= 5) {
            out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
            bits -= 5;
        }
    }
    if (bits > 0) {
        out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
    }
    return out;
}

std::size_t CountOf(std::string_view haystack, std::string_view needle) {
    std::size_t count = 0;
    for (std::size_t at = haystack.find(needle); at != std::string_view::npos; at = haystack.find(needle, at + 1)) {
        ++count;
    }
    return count;
}

// ExpectedStatus is the documented order of TotpUri's checks (core/otpauth.hpp).
core::Status ExpectedStatus(std::string_view account, std::string_view issuer, std::size_t key_size,
                            const core::OtpParams& params) {
    if (account.empty()) {
        return core::Status::kAccountEmpty;
    }
    if (account.size() > core::kMaxUriField || issuer.size() > core::kMaxUriField) {
        return core::Status::kUriFieldTooLong;
    }
    if (account.find(':') != std::string_view::npos || issuer.find(':') != std::string_view::npos) {
        return core::Status::kUriFieldColon;
    }
    if (key_size == 0) {
        return core::Status::kSecretEmpty;
    }
    if (key_size > core::kMaxSecretBytes) {
        return core::Status::kSecretTooLong;
    }
    if (params.digits < core::kMinDigits || params.digits > core::kMaxDigits) {
        return core::Status::kBadDigits;
    }
    if (params.period < 1) {
        return core::Status::kBadPeriod;
    }
    return core::Status::kOk;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < kHeaderBytes) {
        return 0;
    }
    core::OtpParams params;
    params.digits = 5 + data[0] % 5;
    params.algorithm = static_cast<core::HashAlgorithm>(data[1] % 3);
    std::memcpy(&params.period, data + 2, sizeof params.period);
    const std::size_t account_size = (data[10] | (data[11] << 8)) % 320;
    const std::size_t issuer_size = (data[12] | (data[13] << 8)) % 320;
    data += kHeaderBytes;
    size -= kHeaderBytes;
    if (size < account_size + issuer_size) {
        return 0;
    }
    const std::string_view account(reinterpret_cast<const char*>(data), account_size);
    const std::string_view issuer(reinterpret_cast<const char*>(data + account_size), issuer_size);
    const core::ByteView key(data + account_size + issuer_size, size - account_size - issuer_size);

    // Percent-encoding alone: any bytes round-trip, and the encoding is canonical.
    std::string encoded_account;
    Check(core::PercentEncode(account, &encoded_account) == core::Status::kOk);
    std::string decoded;
    Check(PercentDecodeStrict(encoded_account, &decoded) && decoded == account);

    core::SecretString uri_holder;
    uri_holder.str() = "stale";  // TotpUri must replace whatever the output held
    const core::Status status = core::TotpUri(key, account, issuer, params, &uri_holder);
    const core::Status expected = ExpectedStatus(account, issuer, key.size, params);
    if (status == core::Status::kOutOfMemory) {
        Check(uri_holder.view().empty());
        return 0;
    }
    Check(status == expected);
    const std::string_view uri = uri_holder.view();
    if (status != core::Status::kOk) {
        Check(uri.empty());  // a failure leaves no partial URI (it would hold part of the secret)
        return 0;
    }

    // Only printable ASCII without spaces: nothing an app or a QR reader could cut the URI at.
    for (char ch : uri) {
        const auto c = static_cast<unsigned char>(ch);
        Check(c > 0x20 && c < 0x7f && c != '#');
    }
    constexpr std::string_view kScheme = "otpauth://totp/";
    Check(uri.substr(0, kScheme.size()) == kScheme);
    Check(CountOf(uri, "?") == 1);
    const std::size_t query_at = uri.find('?');
    const std::string_view label = uri.substr(kScheme.size(), query_at - kScheme.size());
    const std::string_view query = uri.substr(query_at + 1);

    // The label: "issuer:account" (both percent-encoded) or just the account; the only colon is the separator.
    std::string_view label_account = label;
    if (!issuer.empty()) {
        Check(CountOf(label, ":") == 1);
        const std::size_t colon = label.find(':');
        Check(PercentDecodeStrict(label.substr(0, colon), &decoded) && decoded == issuer);
        label_account = label.substr(colon + 1);
    } else {
        Check(CountOf(label, ":") == 0);
    }
    Check(PercentDecodeStrict(label_account, &decoded) && decoded == account);
    Check(label_account == encoded_account);

    // The parameters, in order: secret, issuer (only with an issuer), algorithm, digits, period; nothing else.
    std::vector<std::string_view> names;
    std::vector<std::string_view> values;
    for (std::size_t start = 0;;) {
        const std::size_t end = query.find('&', start);
        const std::string_view pair = query.substr(start, end == std::string_view::npos ? query.npos : end - start);
        Check(CountOf(pair, "=") == 1);
        names.push_back(pair.substr(0, pair.find('=')));
        values.push_back(pair.substr(pair.find('=') + 1));
        if (end == std::string_view::npos) {
            break;
        }
        start = end + 1;
    }
    std::vector<std::string_view> expected_names = {"secret", "algorithm", "digits", "period"};
    if (!issuer.empty()) {
        expected_names.insert(expected_names.begin() + 1, "issuer");
    }
    Check(names == expected_names);
    Check(CountOf(uri, "secret=") == 1);

    // The secret: the canonical base32 of the key (an independent encoder), and it decodes back to the key.
    Check(values[0] == ReferenceBase32(key.data, key.size));
    core::SecretBytes key_back;
    Check(core::Base32Decode(values[0], &key_back) == core::Status::kOk);
    Check(key_back.size() == key.size && std::memcmp(key_back.data(), key.data, key.size) == 0);

    std::size_t next = 1;
    if (!issuer.empty()) {
        Check(PercentDecodeStrict(values[next], &decoded) && decoded == issuer);
        ++next;
    }
    Check(values[next] == core::AlgorithmUriName(params.algorithm));
    Check(values[next + 1] == std::to_string(params.digits));
    Check(values[next + 2] == std::to_string(params.period));
    return 0;
}
