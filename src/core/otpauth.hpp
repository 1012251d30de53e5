// otpauth.hpp: provisioning URIs in the Google Authenticator Key URI format.
//
//   otpauth://totp/Issuer:account?secret=BASE32&issuer=Issuer&algorithm=SHA1&digits=6&period=30
//
// The label parts and the issuer are percent-encoded per RFC 3986 (everything but the unreserved
// characters), so no account name or issuer can add a parameter, a fragment or a second `secret=`. Neither
// may contain a colon: the format separates issuer and account with one, literal or encoded, so an account
// "Evil Bank:alice" would show up in an app as account "alice" of issuer "Evil Bank".
#pragma once

#include "core/bytes.hpp"
#include "core/otp.hpp"
#include "core/status.hpp"

#include <string>
#include <string_view>

namespace pg_mfa::core {

constexpr std::size_t kMaxUriField = 256;  // bytes of an account name or issuer

// PercentEncode appends `in` to `*out` with every byte outside RFC 3986's unreserved set
// (ALPHA / DIGIT / "-" / "." / "_" / "~") written as %XX (upper-case hex).
[[nodiscard]] Status PercentEncode(std::string_view in, std::string* out) noexcept;

// TotpUri builds the provisioning URI for a TOTP key. `issuer` may be empty (then the label is the account
// alone and no issuer parameter is written). Fails with kAccountEmpty, kUriFieldTooLong, kUriFieldColon, kSecretEmpty,
// kSecretTooLong, kBadDigits, kBadPeriod or kOutOfMemory; `*out` is then empty. The URI holds the secret:
// the caller treats it as one.
[[nodiscard]] Status TotpUri(ByteView key, std::string_view account, std::string_view issuer,
                             const OtpParams& params, SecretString* out) noexcept;

}  // namespace pg_mfa::core
