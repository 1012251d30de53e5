// fuzz_imported.cpp: the parsers of imported hashes (bcrypt, passlib and Django scrypt and PBKDF2-SHA256)
// on arbitrary text never crash, agree with each other, and a bcrypt string that parses is exactly its
// setting and checksum. No hashing happens here.
#include "core/imported_hash.hpp"
#include "core/password.hpp"

#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    namespace core = pg_mfa::core;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    core::PasswordScheme scheme;
    const core::Status identified = core::IdentifyPasswordScheme(text, &scheme);
    if (core::ValidateImportedHash(text) != identified) {
        std::abort();
    }
    bool needs = false;
    if (core::NeedsRehash(text, core::kDefaultArgon2Params, &needs) != identified) {
        std::abort();
    }
    core::HashCost cost;
    const core::Status costed = core::VerificationCost(text, core::Argon2Params{core::kMaxArgon2MemoryKib,
                                                                                core::kMaxArgon2Iterations,
                                                                                core::kMaxArgon2Parallelism},
                                                       &cost);
    if (costed != identified || (costed != core::Status::kOk && cost.work != 0) ||
        cost.memory_kib > core::kMaxScryptMemoryKib || cost.work > core::kMaxScryptWork) {
        std::abort();
    }
    const core::ImportedFormat format = core::DetectImportedFormat(text);
    if (format == core::ImportedFormat::kNone) {
        return 0;
    }
    if (identified == core::Status::kOk && (!needs || scheme == core::PasswordScheme::kArgon2id ||
                                            scheme == core::PasswordScheme::kArgon2i)) {
        std::abort();  // an imported hash is never kept
    }
    core::BcryptHash bcrypt;
    if (core::ParseBcryptHash(text, &bcrypt) == core::Status::kOk) {
        if (bcrypt.setting + bcrypt.checksum != text || bcrypt.cost < core::kMinBcryptCost ||
            bcrypt.cost > core::kMaxBcryptCost || scheme != core::PasswordScheme::kBcrypt) {
            std::abort();
        }
    }
    core::ScryptHash scrypt;
    if (core::ParseScryptHash(text, &scrypt) == core::Status::kOk) {
        if (scheme != core::PasswordScheme::kScrypt || scrypt.salt.empty() || scrypt.log2_n < 1 ||
            scrypt.log2_n > core::kMaxScryptLog2N) {
            std::abort();
        }
    }
    core::Pbkdf2Hash pbkdf2;
    if (core::ParsePbkdf2Sha256Hash(text, &pbkdf2) == core::Status::kOk) {
        if (scheme != core::PasswordScheme::kPbkdf2Sha256 || pbkdf2.hash.size() != core::kPbkdf2Sha256HashBytes ||
            pbkdf2.iterations < core::kMinPbkdf2Iterations || pbkdf2.iterations > core::kMaxPbkdf2Iterations) {
            std::abort();
        }
    }
    return 0;
}
