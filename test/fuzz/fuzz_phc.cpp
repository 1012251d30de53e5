// fuzz_phc.cpp: PHC string parsing of arbitrary text never crashes, and whatever parses formats back to
// exactly the same text (the parser accepts only canonical strings). No hashing happens here.
#include "core/password.hpp"

#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    namespace core = pg_mfa::core;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    core::PhcHash parsed;
    if (core::ParsePhcHash(text, &parsed) != core::Status::kOk) {
        return 0;
    }
    std::string formatted;
    if (core::FormatPhcHash(parsed, &formatted) != core::Status::kOk || formatted != text) {
        std::abort();
    }
    bool needs = false;
    if (core::NeedsRehash(text, core::kDefaultArgon2Params, &needs) != core::Status::kOk) {
        std::abort();
    }
    return 0;
}
