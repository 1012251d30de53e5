// fuzz_base32.cpp: base32 decoding of arbitrary text never crashes, and whatever decodes re-encodes to
// the canonical form of its input (upper case, no spaces, no padding).
#include "core/encoding.hpp"

#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    namespace core = pg_mfa::core;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    core::SecretBytes bytes;
    if (core::Base32Decode(text, &bytes) != core::Status::kOk) {
        if (!bytes.empty()) {
            std::abort();  // failure must leave no partial key behind
        }
        return 0;
    }
    std::string canonical;
    for (char c : text) {
        if (c == ' ' || c == '=') {
            continue;
        }
        canonical.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
    }
    std::string encoded;
    if (core::Base32Encode(core::ByteView(bytes), &encoded) != core::Status::kOk || encoded != canonical) {
        std::abort();
    }
    return 0;
}
