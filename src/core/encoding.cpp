// encoding.cpp: RFC 4648 base32 and base64.
#include "core/encoding.hpp"

#include <new>

namespace pg_mfa::core {
namespace {

constexpr char kBase32Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64UrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Base32Value returns the 5-bit value of symbol c, or -1.
int Base32Value(char c) noexcept {
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a';
    }
    if (c >= '2' && c <= '7') {
        return c - '2' + 26;
    }
    return -1;
}

int Base64Value(char c, bool url_safe) noexcept {
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == (url_safe ? '-' : '+')) {
        return 62;
    }
    if (c == (url_safe ? '_' : '/')) {
        return 63;
    }
    return -1;
}

}  // namespace

template <class String>
Status Base32Encode(ByteView in, String* out) noexcept {
    try {
        out->reserve(out->size() + (in.size * 8 + 4) / 5);
        std::uint32_t buffer = 0;
        int bits = 0;
        for (std::size_t i = 0; i < in.size; ++i) {
            buffer = (buffer << 8) | in.data[i];
            bits += 8;
            while (bits >= 5) {
                bits -= 5;
                out->push_back(kBase32Alphabet[(buffer >> bits) & 0x1f]);
            }
        }
        if (bits > 0) {
            // RFC 4648 §6: the final quantum is padded with zero bits.
            out->push_back(kBase32Alphabet[(buffer << (5 - bits)) & 0x1f]);
        }
        SecureWipe(&buffer, sizeof buffer);
        return Status::kOk;
    } catch (const std::bad_alloc&) {
        return Status::kOutOfMemory;
    }
}

template Status Base32Encode<std::string>(ByteView, std::string*) noexcept;
template Status Base32Encode<SecretString::String>(ByteView, SecretString::String*) noexcept;

Status Base32Decode(std::string_view in, SecretBytes* out) noexcept {
    out->clear();
    std::size_t symbols = 0;
    for (char c : in) {
        if (c == ' ' || c == '=') {
            continue;
        }
        if (Base32Value(c) < 0) {
            return Status::kBase32BadCharacter;
        }
        ++symbols;
    }
    // Each 8 symbols carry 5 bytes; a final group of 2, 4, 5 or 7 symbols carries 1, 2, 3 or 4 bytes.
    const std::size_t rest = symbols % 8;
    if (rest == 1 || rest == 3 || rest == 6) {
        return Status::kBase32BadLength;
    }
    try {
        out->reserve(symbols * 5 / 8);
        std::uint32_t buffer = 0;
        int bits = 0;
        for (char c : in) {
            const int v = Base32Value(c);
            if (v < 0) {
                continue;
            }
            buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
            bits += 5;
            if (bits >= 8) {
                bits -= 8;
                out->push_back(static_cast<std::uint8_t>(buffer >> bits));
            }
        }
        const bool clean = (buffer & ((1u << bits) - 1)) == 0;
        SecureWipe(&buffer, sizeof buffer);
        if (!clean) {
            out->clear();
            return Status::kBase32NonZeroPadding;
        }
        return Status::kOk;
    } catch (const std::bad_alloc&) {
        out->clear();
        return Status::kOutOfMemory;
    }
}

template <class String>
Status Base64Encode(ByteView in, bool url_safe, String* out) noexcept {
    const char* alphabet = url_safe ? kBase64UrlAlphabet : kBase64Alphabet;
    try {
        out->reserve(out->size() + (in.size * 4 + 2) / 3);
        std::size_t i = 0;
        for (; i + 3 <= in.size; i += 3) {
            const std::uint32_t v = (std::uint32_t{in.data[i]} << 16) | (std::uint32_t{in.data[i + 1]} << 8) |
                                    in.data[i + 2];
            out->push_back(alphabet[(v >> 18) & 0x3f]);
            out->push_back(alphabet[(v >> 12) & 0x3f]);
            out->push_back(alphabet[(v >> 6) & 0x3f]);
            out->push_back(alphabet[v & 0x3f]);
        }
        const std::size_t rest = in.size - i;
        if (rest == 1) {
            const std::uint32_t v = std::uint32_t{in.data[i]} << 16;
            out->push_back(alphabet[(v >> 18) & 0x3f]);
            out->push_back(alphabet[(v >> 12) & 0x3f]);
        } else if (rest == 2) {
            const std::uint32_t v = (std::uint32_t{in.data[i]} << 16) | (std::uint32_t{in.data[i + 1]} << 8);
            out->push_back(alphabet[(v >> 18) & 0x3f]);
            out->push_back(alphabet[(v >> 12) & 0x3f]);
            out->push_back(alphabet[(v >> 6) & 0x3f]);
        }
        return Status::kOk;
    } catch (const std::bad_alloc&) {
        return Status::kOutOfMemory;
    }
}

template Status Base64Encode<std::string>(ByteView, bool, std::string*) noexcept;
template Status Base64Encode<SecretString::String>(ByteView, bool, SecretString::String*) noexcept;

template <class Bytes>
Status Base64Decode(std::string_view in, bool url_safe, Bytes* out) noexcept {
    out->clear();
    if (in.size() % 4 == 1) {
        return Status::kHashMalformed;
    }
    try {
        out->reserve(in.size() * 3 / 4);
        std::uint32_t buffer = 0;
        int bits = 0;
        for (char c : in) {
            const int v = Base64Value(c, url_safe);
            if (v < 0) {
                out->clear();
                return Status::kHashMalformed;
            }
            buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                out->push_back(static_cast<std::uint8_t>(buffer >> bits));
            }
        }
        if ((buffer & ((1u << bits) - 1)) != 0) {
            out->clear();
            return Status::kHashMalformed;
        }
        return Status::kOk;
    } catch (const std::bad_alloc&) {
        out->clear();
        return Status::kOutOfMemory;
    }
}

template Status Base64Decode<std::vector<std::uint8_t>>(std::string_view, bool, std::vector<std::uint8_t>*) noexcept;
template Status Base64Decode<SecretBytes>(std::string_view, bool, SecretBytes*) noexcept;

template <class Bytes>
Status Base64DecodePadded(std::string_view in, Bytes* out) noexcept {
    out->clear();
    if (in.empty() || in.size() % 4 != 0) {
        return Status::kHashMalformed;
    }
    std::size_t padding = 0;
    while (padding < in.size() && in[in.size() - 1 - padding] == '=') {
        ++padding;
    }
    if (padding > 2) {
        return Status::kHashMalformed;
    }
    return Base64Decode(in.substr(0, in.size() - padding), /*url_safe=*/false, out);
}

template Status Base64DecodePadded<std::vector<std::uint8_t>>(std::string_view, std::vector<std::uint8_t>*) noexcept;
template Status Base64DecodePadded<SecretBytes>(std::string_view, SecretBytes*) noexcept;

}  // namespace pg_mfa::core
