// status.cpp: stable names for Status values.
#include "core/status.hpp"

namespace pg_mfa::core {

const char* StatusName(Status status) noexcept {
    switch (status) {
        case Status::kOk: return "ok";
        case Status::kBase32BadCharacter: return "base32_bad_character";
        case Status::kBase32BadLength: return "base32_bad_length";
        case Status::kBase32NonZeroPadding: return "base32_non_zero_padding";
        case Status::kSecretEmpty: return "secret_empty";
        case Status::kSecretTooLong: return "secret_too_long";
        case Status::kBadDigits: return "bad_digits";
        case Status::kBadPeriod: return "bad_period";
        case Status::kBadAlgorithm: return "bad_algorithm";
        case Status::kBadCounter: return "bad_counter";
        case Status::kBadTime: return "bad_time";
        case Status::kBadWindow: return "bad_window";
        case Status::kMalformedCode: return "malformed_code";
        case Status::kAccountEmpty: return "account_empty";
        case Status::kUriFieldTooLong: return "uri_field_too_long";
        case Status::kUriFieldColon: return "uri_field_colon";
        case Status::kPasswordEmpty: return "password_empty";
        case Status::kPasswordTooLong: return "password_too_long";
        case Status::kHashMalformed: return "hash_malformed";
        case Status::kHashUnsupported: return "hash_unsupported";
        case Status::kHashParamsOutOfRange: return "hash_params_out_of_range";
        case Status::kBadTokenPrefix: return "bad_token_prefix";
        case Status::kQrEmpty: return "qr_empty";
        case Status::kQrTooLong: return "qr_too_long";
        case Status::kKeyFileSyntax: return "key_file_syntax";
        case Status::kKeyFileBadKeyId: return "key_file_bad_key_id";
        case Status::kKeyFileBadKey: return "key_file_bad_key";
        case Status::kKeyFileDuplicateKeyId: return "key_file_duplicate_key_id";
        case Status::kKeyFileNoKeys: return "key_file_no_keys";
        case Status::kSealedMalformed: return "sealed_malformed";
        case Status::kSealedAuthFailed: return "sealed_auth_failed";
        case Status::kAborted: return "aborted";
        case Status::kOutOfMemory: return "out_of_memory";
        case Status::kRandomFailure: return "random_failure";
        case Status::kCryptoFailure: return "crypto_failure";
        case Status::kInternal: return "internal";
    }
    return "unknown";
}

}  // namespace pg_mfa::core
