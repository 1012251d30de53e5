// status_map.cpp: the one table from core::Status to SQLSTATE and message (after pgcrypto's px_err_list).
//
// Messages name what was wrong and which argument, never the argument's value: a secret, a password or a
// code must not reach the server log through an error.
#include "pg/pg_glue.hpp"

extern "C" {
#include "utils/elog.h"
}

namespace pg_mfa::pg {
namespace {

struct StatusReport {
    core::Status status;
    int sqlstate;
    const char* message;  // printf format with one %s for `what`, or none
    const char* detail;   // full sentence or nullptr
    const char* hint;     // full sentence or nullptr
};

using core::Status;

const StatusReport kReports[] = {
    {Status::kBase32BadCharacter, ERRCODE_INVALID_TEXT_REPRESENTATION, "invalid base32 in %s",
     "Only the letters A to Z, the digits 2 to 7, spaces and \"=\" may appear.", nullptr},
    {Status::kBase32BadLength, ERRCODE_INVALID_TEXT_REPRESENTATION, "invalid base32 in %s",
     "The number of base32 symbols does not encode a whole number of bytes.", nullptr},
    {Status::kBase32NonZeroPadding, ERRCODE_INVALID_TEXT_REPRESENTATION, "invalid base32 in %s",
     "The unused bits of the last symbol are not zero, so the text is not the encoding of any key.",
     "The key may have been mistyped or truncated."},
    {Status::kSecretEmpty, ERRCODE_INVALID_PARAMETER_VALUE, "%s must not be empty", nullptr, nullptr},
    {Status::kSecretTooLong, ERRCODE_INVALID_PARAMETER_VALUE, "%s is too long",
     "A shared secret may have at most 1024 bytes.", nullptr},
    {Status::kBadDigits, ERRCODE_INVALID_PARAMETER_VALUE, "digits must be between 6 and 8", nullptr, nullptr},
    {Status::kBadPeriod, ERRCODE_INVALID_PARAMETER_VALUE, "period must be at least 1 second", nullptr, nullptr},
    {Status::kBadAlgorithm, ERRCODE_INVALID_PARAMETER_VALUE, "unsupported OTP algorithm", nullptr,
     "Use sha1, sha256 or sha512."},
    {Status::kBadCounter, ERRCODE_INVALID_PARAMETER_VALUE, "counter must not be negative", nullptr, nullptr},
    {Status::kBadTime, ERRCODE_INVALID_PARAMETER_VALUE, "time must be finite and not before 1970-01-01 UTC",
     nullptr, nullptr},
    {Status::kBadWindow, ERRCODE_INVALID_PARAMETER_VALUE, "window must be between 0 and 10 steps", nullptr,
     nullptr},
    {Status::kMalformedCode, ERRCODE_INVALID_TEXT_REPRESENTATION, "malformed one-time code",
     "A code is exactly as many ASCII digits as the credential's digit count.", nullptr},
    {Status::kAccountEmpty, ERRCODE_INVALID_PARAMETER_VALUE, "account name must not be empty", nullptr, nullptr},
    {Status::kUriFieldTooLong, ERRCODE_INVALID_PARAMETER_VALUE, "account name or issuer is too long",
     "Each may have at most 256 bytes.", nullptr},
    {Status::kUriFieldColon, ERRCODE_INVALID_PARAMETER_VALUE, "account name or issuer contains a colon",
     "The Key URI format separates issuer and account name with a colon, so neither may contain one.", nullptr},
    {Status::kPasswordEmpty, ERRCODE_INVALID_PARAMETER_VALUE, "password must not be empty", nullptr, nullptr},
    {Status::kPasswordTooLong, ERRCODE_INVALID_PARAMETER_VALUE, "password is too long",
     "A password may have at most 1024 bytes.", nullptr},
    {Status::kHashMalformed, ERRCODE_INVALID_TEXT_REPRESENTATION, "invalid password hash",
     "The value is not a well-formed password hash of a format pg_mfa verifies: an Argon2 PHC string, bcrypt, "
     "or scrypt or PBKDF2-SHA256 as passlib or Django writes them.", nullptr},
    {Status::kHashUnsupported, ERRCODE_FEATURE_NOT_SUPPORTED, "unsupported password hash",
     "Argon2id and Argon2i of version 19, bcrypt ($2a$, $2b$, $2y$), scrypt and PBKDF2-SHA256 can be verified.", nullptr},
    {Status::kHashParamsOutOfRange, ERRCODE_INVALID_PARAMETER_VALUE, "password hash parameters out of range",
     "Argon2: memory at most 256 MiB, iterations at most 64, memory times iterations at most 2 GiB, parallelism "
     "at most 16, salts 8 to 64 bytes and tags 16 to 64 bytes; new hashes use one lane. bcrypt: cost 4 to 16. "
     "scrypt: N a power of two from 2 to 2^20, r at most 32, p at most 16, 128 N r bytes at most 256 MiB and "
     "p times that at most 1 GiB. PBKDF2-SHA256: 1000 to 10000000 iterations.",
     nullptr},
    {Status::kBadTokenPrefix, ERRCODE_INVALID_PARAMETER_VALUE, "invalid token prefix", nullptr, nullptr},
    {Status::kQrEmpty, ERRCODE_INVALID_PARAMETER_VALUE, "%s for a QR code must not be empty", nullptr, nullptr},
    {Status::kQrTooLong, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "data too long for a QR code",
     "A QR code at error correction level M holds at most 2331 bytes.", nullptr},
    {Status::kKeyFileSyntax, ERRCODE_CONFIG_FILE_ERROR, "invalid key file", "A line is not key_id:base64.", nullptr},
    {Status::kKeyFileBadKeyId, ERRCODE_CONFIG_FILE_ERROR, "invalid key file",
     "A key id is 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-'.", nullptr},
    {Status::kKeyFileBadKey, ERRCODE_CONFIG_FILE_ERROR, "invalid key file",
     "A key is the padded base64 of 32 random bytes.", "Make one with: openssl rand -base64 32"},
    {Status::kKeyFileDuplicateKeyId, ERRCODE_CONFIG_FILE_ERROR, "invalid key file", "Two keys have the same id.",
     nullptr},
    {Status::kKeyFileNoKeys, ERRCODE_CONFIG_FILE_ERROR, "invalid key file", "The file holds no key.", nullptr},
    {Status::kSealedMalformed, ERRCODE_EXTERNAL_ROUTINE_INVOCATION_EXCEPTION, "could not decrypt %s",
     "The stored value is too short or too long to be an encrypted secret.", nullptr},
    {Status::kSealedAuthFailed, ERRCODE_EXTERNAL_ROUTINE_INVOCATION_EXCEPTION, "could not decrypt %s",
     "The key is not the one that encrypted it, or the stored value was altered or belongs elsewhere.", nullptr},
    {Status::kAborted, ERRCODE_QUERY_CANCELED, "canceling statement due to interrupt", nullptr, nullptr},
    {Status::kOutOfMemory, ERRCODE_OUT_OF_MEMORY, "out of memory", nullptr, nullptr},
    {Status::kRandomFailure, ERRCODE_INTERNAL_ERROR, "could not generate random bytes", nullptr, nullptr},
    {Status::kCryptoFailure, ERRCODE_INTERNAL_ERROR, "cryptographic library failure", nullptr, nullptr},
    {Status::kInternal, ERRCODE_INTERNAL_ERROR, "internal error in pg_mfa", nullptr, nullptr},
};

}  // namespace

void ReportStatus(core::Status status, const char* what) {
    const StatusReport* report = nullptr;
    for (const StatusReport& candidate : kReports) {
        if (candidate.status == status) {
            report = &candidate;
            break;
        }
    }
    if (report == nullptr) {
        elog(ERROR, "pg_mfa: unexpected status %s", core::StatusName(status));
    }
    ereport(ERROR, (errcode(report->sqlstate), errmsg_internal(report->message, what ? what : "value"),
                    report->detail ? errdetail_internal("%s", report->detail) : 0,
                    report->hint ? errhint("%s", report->hint) : 0));
    pg_unreachable();
}

}  // namespace pg_mfa::pg
