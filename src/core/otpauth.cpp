// otpauth.cpp: Key URI format provisioning URIs.
#include "core/otpauth.hpp"

#include "core/encoding.hpp"

#include <new>

namespace pg_mfa::core {
namespace {

bool IsUnreserved(unsigned char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

template <class String>
void AppendPercentEncoded(std::string_view in, String* out) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (char ch : in) {
        const auto c = static_cast<unsigned char>(ch);
        if (IsUnreserved(c)) {
            out->push_back(ch);
        } else {
            out->push_back('%');
            out->push_back(kHex[c >> 4]);
            out->push_back(kHex[c & 0x0f]);
        }
    }
}

}  // namespace

Status PercentEncode(std::string_view in, std::string* out) noexcept {
    try {
        AppendPercentEncoded(in, out);
        return Status::kOk;
    } catch (const std::bad_alloc&) {
        return Status::kOutOfMemory;
    }
}

Status TotpUri(ByteView key, std::string_view account, std::string_view issuer, const OtpParams& params,
               SecretString* out) noexcept {
    out->str().clear();
    if (account.empty()) {
        return Status::kAccountEmpty;
    }
    if (account.size() > kMaxUriField || issuer.size() > kMaxUriField) {
        return Status::kUriFieldTooLong;
    }
    if (account.find(':') != std::string_view::npos || issuer.find(':') != std::string_view::npos) {
        return Status::kUriFieldColon;
    }
    if (key.size == 0) {
        return Status::kSecretEmpty;
    }
    if (key.size > kMaxSecretBytes) {
        return Status::kSecretTooLong;
    }
    Status status = ValidateOtpParams(params);
    if (status != Status::kOk) {
        return status;
    }
    try {
        auto& uri = out->str();
        uri.reserve(64 + 3 * (account.size() + 2 * issuer.size()) + 2 * key.size);
        uri += "otpauth://totp/";
        if (!issuer.empty()) {
            AppendPercentEncoded(issuer, &uri);
            uri += ':';
        }
        AppendPercentEncoded(account, &uri);
        uri += "?secret=";
        status = Base32Encode(key, &uri);
        if (status != Status::kOk) {
            out->str().clear();
            return status;
        }
        if (!issuer.empty()) {
            uri += "&issuer=";
            AppendPercentEncoded(issuer, &uri);
        }
        uri += "&algorithm=";
        uri += AlgorithmUriName(params.algorithm);
        uri += "&digits=";
        uri += static_cast<char>('0' + params.digits);
        uri += "&period=";
        uri += std::to_string(params.period).c_str();
        return Status::kOk;
    } catch (const std::bad_alloc&) {
        out->str().clear();
        return Status::kOutOfMemory;
    }
}

}  // namespace pg_mfa::core
