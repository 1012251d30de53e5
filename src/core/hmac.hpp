// hmac.hpp: HMAC through OpenSSL 3 EVP_MAC, keyed once and reused for several messages.
#pragma once

#include "core/bytes.hpp"
#include "core/otp.hpp"
#include "core/status.hpp"

#include <cstdint>

typedef struct evp_mac_ctx_st EVP_MAC_CTX;

namespace pg_mfa::core {

// HmacResult: one MAC value (at most SHA-512's 64 bytes). Wiped on destruction.
struct HmacResult {
    std::uint8_t bytes[64] = {};
    std::size_t size = 0;
    ~HmacResult() { SecureWipe(bytes, sizeof bytes); }
};

// Hmac: an HMAC keyed once. Init sets the algorithm and key; each Compute restarts from the key
// (OpenSSL keeps the keyed state), so a window check pays the key setup once.
class Hmac {
public:
    Hmac() noexcept = default;
    Hmac(const Hmac&) = delete;
    Hmac& operator=(const Hmac&) = delete;
    ~Hmac();

    // Init keys the MAC. Returns kCryptoFailure when OpenSSL cannot (e.g. the digest is unavailable).
    [[nodiscard]] Status Init(HashAlgorithm algorithm, ByteView key) noexcept;

    // Compute writes HMAC(key, message). Returns kCryptoFailure (also when Init did not succeed).
    [[nodiscard]] Status Compute(ByteView message, HmacResult* out) noexcept;

private:
    EVP_MAC_CTX* ctx_ = nullptr;
    bool used_ = false;
};

}  // namespace pg_mfa::core
