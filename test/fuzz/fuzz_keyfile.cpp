// fuzz_keyfile.cpp: the key file parser on arbitrary text never crashes; what parses is non-empty, with valid
// and distinct key ids, the newest the last; what fails leaves no key. The same bytes as a stored sealed
// secret never open under a fixed key (they would be a forgery) and fail cleanly.
#include "core/aead.hpp"
#include "core/keyring.hpp"

#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    namespace core = pg_mfa::core;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    core::KeyRing ring;
    std::size_t line = 0;
    const core::Status status = core::ParseKeyFile(text, &ring, &line);
    if (status == core::Status::kOk) {
        if (ring.keys().empty() || ring.Newest() != &ring.keys().back() || line != 0) {
            std::abort();
        }
        for (const core::SecretKey& key : ring.keys()) {
            if (!core::ValidKeyId(key.id) || ring.Find(key.id) != &key) {
                std::abort();
            }
        }
    } else if (!ring.keys().empty() || ring.Newest() != nullptr) {
        std::abort();
    }

    static const std::uint8_t kKey[core::kAeadKeyBytes] = {1, 2, 3, 4, 5, 6, 7, 8};
    const core::TotpAad aad = core::TotpSecretAad(1, 2);
    core::SecretBytes opened;
    const core::Status open = core::OpenSecret(core::ByteView(kKey, sizeof kKey), core::ByteView(aad.data(), aad.size()),
                                               core::ByteView(data, size), &opened);
    if ((open != core::Status::kSealedAuthFailed && open != core::Status::kSealedMalformed) || !opened.empty()) {
        std::abort();
    }
    return 0;
}
