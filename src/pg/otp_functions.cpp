// otp_functions.cpp: SQL primitives for base32, HOTP/TOTP codes, secrets and provisioning URIs.
#include "core/encoding.hpp"
#include "core/otp.hpp"
#include "core/otpauth.hpp"
#include "pg/pg_glue.hpp"

extern "C" {
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(pg_mfa_base32_encode);
PG_FUNCTION_INFO_V1(pg_mfa_base32_decode);
PG_FUNCTION_INFO_V1(pg_mfa_hotp_code);
PG_FUNCTION_INFO_V1(pg_mfa_totp_code);
PG_FUNCTION_INFO_V1(pg_mfa_otpauth_uri);
PG_FUNCTION_INFO_V1(pg_mfa_generate_secret);
}

namespace core = pg_mfa::core;
using pg_mfa::pg::ArgView;
using pg_mfa::pg::Guarded;
using pg_mfa::pg::ReportStatus;

namespace {

// Phase 2 bodies: each is noexcept and leaves no C++ object alive when it returns.

core::Status Base32EncodeInto(core::ByteView data, text** result) noexcept {
    return Guarded([&] {
        core::SecretString encoded;  // the bytes may well be a key
        const core::Status status = core::Base32Encode(data, &encoded.str());
        if (status != core::Status::kOk) {
            return status;
        }
        return pg_mfa::pg::TextNoRaise(encoded.view(), result);
    });
}

core::Status Base32DecodeInto(std::string_view text_in, bytea** result) noexcept {
    return Guarded([&] {
        core::SecretBytes decoded;
        const core::Status status = core::Base32Decode(text_in, &decoded);
        if (status != core::Status::kOk) {
            return status;
        }
        return pg_mfa::pg::ByteaNoRaise(core::ByteView(decoded), result);
    });
}

// CodeKind: which code to compute.
struct CodeRequest {
    std::string_view secret_base32;
    bool totp = true;
    std::uint64_t counter = 0;    // HOTP
    std::int64_t unix_time = 0;   // TOTP
    core::OtpParams params;
};

core::Status CodeInto(const CodeRequest& request, text** result) noexcept {
    return Guarded([&] {
        core::SecretBytes key;
        core::Status status = core::Base32Decode(request.secret_base32, &key);
        if (status != core::Status::kOk) {
            return status;
        }
        core::OtpCode code;
        status = request.totp ? core::TotpCode(core::ByteView(key), request.unix_time, request.params, &code)
                              : core::HotpCode(core::ByteView(key), request.counter, request.params, &code);
        if (status != core::Status::kOk) {
            return status;
        }
        return pg_mfa::pg::TextNoRaise(code.view(), result);
    });
}

core::Status UriInto(std::string_view secret_base32, std::string_view account, std::string_view issuer,
                     const core::OtpParams& params, text** result) noexcept {
    return Guarded([&] {
        core::SecretBytes key;
        core::Status status = core::Base32Decode(secret_base32, &key);
        if (status != core::Status::kOk) {
            return status;
        }
        core::SecretString uri;
        status = core::TotpUri(core::ByteView(key), account, issuer, params, &uri);
        if (status != core::Status::kOk) {
            return status;
        }
        return pg_mfa::pg::TextNoRaise(uri.view(), result);
    });
}

core::Status SecretInto(std::size_t size, text** result) noexcept {
    return Guarded([&] {
        core::SecretBytes key;
        core::Status status = core::GenerateSecret(pg_mfa::pg::PgRandom(), size, &key);
        if (status != core::Status::kOk) {
            return status;
        }
        core::SecretString encoded;
        status = core::Base32Encode(core::ByteView(key), &encoded.str());
        if (status != core::Status::kOk) {
            return status;
        }
        return pg_mfa::pg::TextNoRaise(encoded.view(), result);
    });
}

// Phase 1 helpers (may raise).

core::HashAlgorithm AlgorithmArg(text* name) {
    core::HashAlgorithm algorithm = core::HashAlgorithm::kSha1;
    if (core::ParseAlgorithm(ArgView(name), &algorithm) != core::Status::kOk) {
        ReportStatus(core::Status::kBadAlgorithm, "algorithm");
    }
    return algorithm;
}

// UriArg returns a text argument as UTF-8 (URIs and QR codes are UTF-8 whatever the database encoding).
std::string_view Utf8Arg(text* value) {
    const std::string_view raw = ArgView(value);
    const char* converted = pg_server_to_any(raw.data(), static_cast<int>(raw.size()), PG_UTF8);
    if (converted == raw.data()) {
        return raw;
    }
    return std::string_view(converted, std::strlen(converted));
}

}  // namespace

extern "C" Datum pg_mfa_base32_encode(PG_FUNCTION_ARGS) {
    bytea* data = PG_GETARG_BYTEA_PP(0);
    const std::string_view bytes = ArgView(data);
    if (bytes.size() / 5 * 8 + 8 > MaxAllocSize - VARHDRSZ) {
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED), errmsg("base32 result would be too large")));
    }
    text* result = nullptr;
    const core::Status status = Base32EncodeInto(core::ByteView(bytes), &result);
    if (status != core::Status::kOk) {
        ReportStatus(status, "data");
    }
    PG_RETURN_TEXT_P(result);
}

extern "C" Datum pg_mfa_base32_decode(PG_FUNCTION_ARGS) {
    text* data = PG_GETARG_TEXT_PP(0);
    bytea* result = nullptr;
    const core::Status status = Base32DecodeInto(ArgView(data), &result);
    if (status != core::Status::kOk) {
        ReportStatus(status, "data");
    }
    PG_RETURN_BYTEA_P(result);
}

// mfa.hotp_code(secret text, counter bigint, digits int, algorithm text) -> text
// The secret argument is unpacked last, so an error about another argument leaves no copy of it behind.
extern "C" Datum pg_mfa_hotp_code(PG_FUNCTION_ARGS) {
    const int64 counter = PG_GETARG_INT64(1);
    CodeRequest request;
    request.totp = false;
    request.params.digits = PG_GETARG_INT32(2);
    request.params.algorithm = AlgorithmArg(PG_GETARG_TEXT_PP(3));
    if (counter < 0) {
        ReportStatus(core::Status::kBadCounter, "counter");
    }
    request.counter = static_cast<std::uint64_t>(counter);
    text* secret = PG_GETARG_TEXT_PP(0);
    request.secret_base32 = ArgView(secret);
    text* result = nullptr;
    const core::Status status = CodeInto(request, &result);
    pg_mfa::pg::WipeArgCopy(reinterpret_cast<struct varlena*>(secret), PG_GETARG_DATUM(0));
    if (status != core::Status::kOk) {
        ReportStatus(status, "secret");
    }
    PG_RETURN_TEXT_P(result);
}

// mfa.totp_code(secret text, at timestamptz, digits int, period int, algorithm text) -> text
extern "C" Datum pg_mfa_totp_code(PG_FUNCTION_ARGS) {
    CodeRequest request;
    request.totp = true;
    if (!pg_mfa::pg::UnixSeconds(PG_GETARG_TIMESTAMPTZ(1), &request.unix_time)) {
        ReportStatus(core::Status::kBadTime, "at");
    }
    request.params.digits = PG_GETARG_INT32(2);
    request.params.period = PG_GETARG_INT32(3);
    request.params.algorithm = AlgorithmArg(PG_GETARG_TEXT_PP(4));
    text* secret = PG_GETARG_TEXT_PP(0);
    request.secret_base32 = ArgView(secret);
    text* result = nullptr;
    const core::Status status = CodeInto(request, &result);
    pg_mfa::pg::WipeArgCopy(reinterpret_cast<struct varlena*>(secret), PG_GETARG_DATUM(0));
    if (status != core::Status::kOk) {
        ReportStatus(status, "secret");
    }
    PG_RETURN_TEXT_P(result);
}

// mfa.otpauth_uri(secret text, account text, issuer text, digits int, period int, algorithm text) -> text
// Not strict: a NULL issuer means none. NULL in any other argument gives NULL.
extern "C" Datum pg_mfa_otpauth_uri(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3) || PG_ARGISNULL(4) || PG_ARGISNULL(5)) {
        PG_RETURN_NULL();
    }
    const std::string_view account = Utf8Arg(PG_GETARG_TEXT_PP(1));
    const std::string_view issuer = PG_ARGISNULL(2) ? std::string_view() : Utf8Arg(PG_GETARG_TEXT_PP(2));
    core::OtpParams params;
    params.digits = PG_GETARG_INT32(3);
    params.period = PG_GETARG_INT32(4);
    params.algorithm = AlgorithmArg(PG_GETARG_TEXT_PP(5));
    text* secret = PG_GETARG_TEXT_PP(0);
    text* result = nullptr;
    const core::Status status = UriInto(ArgView(secret), account, issuer, params, &result);
    pg_mfa::pg::WipeArgCopy(reinterpret_cast<struct varlena*>(secret), PG_GETARG_DATUM(0));
    if (status != core::Status::kOk) {
        ReportStatus(status, "secret");
    }
    PG_RETURN_TEXT_P(result);
}

// mfa.generate_secret(bytes int) -> text (base32)
extern "C" Datum pg_mfa_generate_secret(PG_FUNCTION_ARGS) {
    const int32 bytes = PG_GETARG_INT32(0);
    if (bytes < 16 || bytes > 64) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("secret size must be between 16 and 64 bytes"),
                        errhint("RFC 4226 asks for at least 128 bits and recommends 160 (20 bytes).")));
    }
    text* result = nullptr;
    const core::Status status = SecretInto(static_cast<std::size_t>(bytes), &result);
    if (status != core::Status::kOk) {
        ReportStatus(status, "secret");
    }
    PG_RETURN_TEXT_P(result);
}
