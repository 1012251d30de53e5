// encoding.hpp: base32 (RFC 4648 §6) for TOTP secrets, base64 (RFC 4648 §4, §5) for PHC strings and tokens.
#pragma once

#include "core/bytes.hpp"
#include "core/status.hpp"

#include <string>
#include <string_view>

namespace pg_mfa::core {

// Base32Encode appends the RFC 4648 base32 encoding of `in` to `*out`, upper case and without '='
// padding (authenticator apps and otpauth URIs use the unpadded form). Returns kOutOfMemory on failure.
template <class String>
[[nodiscard]] Status Base32Encode(ByteView in, String* out) noexcept;

// Base32Decode replaces `*out` with the bytes `in` encodes. Letters match case-insensitively; spaces and
// '=' anywhere are ignored (people copy keys as "JBSW Y3DP ..." and some tools pad). Fails with
//   kBase32BadCharacter   for any other character outside A-Z, 2-7;
//   kBase32BadLength      for a count of symbols no byte string encodes to (1, 3 or 6 modulo 8);
//   kBase32NonZeroPadding when the unused low bits of the last symbol are not zero, because such text is
//                         not the encoding of any key and silently dropping bits would yield a wrong key.
// An input of only spaces and '=' decodes to zero bytes. On failure `*out` is left empty.
[[nodiscard]] Status Base32Decode(std::string_view in, SecretBytes* out) noexcept;

// Base64Encode appends the base64 encoding of `in` without '=' padding: the standard alphabet (PHC
// strings) or, with url_safe, the URL and filename safe alphabet of RFC 4648 §5 (tokens).
// Any string type: std::string, or SecretString::String for text that is a secret (a token).
template <class String>
[[nodiscard]] Status Base64Encode(ByteView in, bool url_safe, String* out) noexcept;

// Base64Decode replaces `*out` with the bytes of unpadded base64 text in the chosen alphabet. Strict:
// no padding, no whitespace, canonical trailing bits. Returns kHashMalformed on any deviation (its only
// user parses PHC strings), kOutOfMemory on allocation failure. Into std::vector<std::uint8_t>, or
// SecretBytes for bytes that are a secret (a key).
template <class Bytes>
[[nodiscard]] Status Base64Decode(std::string_view in, bool url_safe, Bytes* out) noexcept;

// Base64DecodePadded is Base64Decode of the standard alphabet with '=' padding to a multiple of 4 (Python's
// base64.b64encode, `openssl rand -base64`). Returns kHashMalformed for unpadded or over-padded text.
template <class Bytes>
[[nodiscard]] Status Base64DecodePadded(std::string_view in, Bytes* out) noexcept;

}  // namespace pg_mfa::core
