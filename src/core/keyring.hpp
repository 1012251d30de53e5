// keyring.hpp: the keys that encrypt TOTP secrets at rest, as the key file lists them.
//
// The key file (pg_mfa.secret_key_file) has one key per line, `key_id:base64`, the base64 being the padded
// standard encoding of 32 random bytes (what `openssl rand -base64 32` prints). The last key encrypts new
// secrets; the others still decrypt what they encrypted. Blank lines and lines starting with '#' are skipped.
#pragma once

#include "core/aead.hpp"
#include "core/bytes.hpp"
#include "core/status.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pg_mfa::core {

constexpr std::size_t kMaxKeyIdBytes = 64;

// SecretKey: one key of the key file. The key bytes are wiped when it is destroyed (also the copies a growing
// vector leaves behind: they are destroyed too).
struct SecretKey {
    std::string id;
    std::array<std::uint8_t, kAeadKeyBytes> bytes{};
    ByteView view() const noexcept { return ByteView(bytes.data(), bytes.size()); }
    ~SecretKey() { SecureWipe(bytes.data(), bytes.size()); }
};

// KeyRing: the keys of one key file, in file order.
class KeyRing {
public:
    // Find returns the key with this id, or nullptr.
    [[nodiscard]] const SecretKey* Find(std::string_view id) const noexcept;
    // Newest returns the key that encrypts new secrets (the file's last), or nullptr when there is none.
    [[nodiscard]] const SecretKey* Newest() const noexcept;
    [[nodiscard]] const std::vector<SecretKey>& keys() const noexcept { return keys_; }

private:
    friend Status ParseKeyFile(std::string_view text, KeyRing* out, std::size_t* line) noexcept;
    std::vector<SecretKey> keys_;
};

// ValidKeyId returns whether `id` is 1 to kMaxKeyIdBytes of A-Z, a-z, 0-9, '.', '_' and '-'.
[[nodiscard]] bool ValidKeyId(std::string_view id) noexcept;

// ParseKeyFile replaces `*out` with the keys of a key file's text. Spaces, tabs and a carriage return around
// a line are ignored. On failure `*out` is empty and `*line` is the 1-based number of the line at fault (0
// for kKeyFileNoKeys); the error never shows a line's text. Fails with kKeyFileSyntax (no ':'),
// kKeyFileBadKeyId, kKeyFileBadKey (not the padded base64 of exactly 32 bytes), kKeyFileDuplicateKeyId,
// kKeyFileNoKeys or kOutOfMemory.
[[nodiscard]] Status ParseKeyFile(std::string_view text, KeyRing* out, std::size_t* line) noexcept;

}  // namespace pg_mfa::core
