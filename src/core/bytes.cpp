// bytes.cpp: wiping and constant-time comparison through OpenSSL.
#include "core/bytes.hpp"

#include <openssl/crypto.h>

namespace pg_mfa::core {

void SecureWipe(void* data, std::size_t size) noexcept {
    if (data != nullptr && size > 0) {
        OPENSSL_cleanse(data, size);
    }
}

bool ConstantTimeEqual(ByteView a, ByteView b) noexcept {
    if (a.size != b.size) {
        return false;
    }
    if (a.size == 0) {
        return true;
    }
    return CRYPTO_memcmp(a.data, b.data, a.size) == 0;
}

}  // namespace pg_mfa::core
