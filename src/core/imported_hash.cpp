// imported_hash.cpp: bcrypt through libxcrypt, scrypt and PBKDF2-HMAC-SHA256 through OpenSSL, and the
// passlib and Django string formats that carry them.
#include "core/imported_hash.hpp"

#include "core/encoding.hpp"
#include "core/parse.hpp"
#include "core/slow_job.hpp"

#include <crypt.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>
#include <new>

namespace pg_mfa::core {
namespace {

constexpr std::string_view kBcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::size_t kBcryptSettingChars = 29;  // "$2b$12$" + 22
constexpr std::size_t kBcryptHashChars = 60;
constexpr std::size_t kMaxDerivedBytes = 64;

// SplitFields splits `text` at every '$' into exactly `count` fields; false for any other number.
bool SplitFields(std::string_view text, std::string_view* fields, std::size_t count) noexcept {
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t end = text.find('$');
        if (i + 1 == count) {
            if (end != std::string_view::npos) {
                return false;
            }
            fields[i] = text;
            return true;
        }
        if (end == std::string_view::npos) {
            return false;
        }
        fields[i] = text.substr(0, end);
        text.remove_prefix(end + 1);
    }
    return false;
}

// DecodeUnpaddedStandard: passlib's "b64s" (standard alphabet, no padding, canonical trailing bits).
Status DecodeUnpaddedStandard(std::string_view text, std::vector<std::uint8_t>* out) noexcept {
    if (text.empty()) {
        return Status::kHashMalformed;
    }
    return Base64Decode(text, /*url_safe=*/false, out);
}

// DecodeAdapted: passlib's "ab64", the standard alphabet with '.' in place of '+', no padding.
Status DecodeAdapted(std::string_view text, std::vector<std::uint8_t>* out) noexcept {
    out->clear();
    if (text.empty()) {
        return Status::kHashMalformed;
    }
    std::string standard;
    try {
        standard.assign(text.data(), text.size());
    } catch (const std::bad_alloc&) {
        return Status::kOutOfMemory;
    }
    for (char& c : standard) {
        if (c == '+') {
            return Status::kHashMalformed;
        }
        if (c == '.') {
            c = '+';
        }
    }
    return Base64Decode(standard, /*url_safe=*/false, out);
}

// DjangoSalt: Django's salt is text whose UTF-8 bytes are the salt; it may not contain '$'.
Status DjangoSalt(std::string_view text, std::vector<std::uint8_t>* out) noexcept {
    out->clear();
    if (text.empty()) {
        return Status::kHashMalformed;
    }
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7f || c == '$') {
            return Status::kHashMalformed;
        }
    }
    if (text.size() > kMaxImportedSaltBytes) {
        return Status::kHashParamsOutOfRange;
    }
    try {
        out->assign(text.begin(), text.end());
    } catch (const std::bad_alloc&) {
        return Status::kOutOfMemory;
    }
    return Status::kOk;
}

// ---------------------------------------------------------------------------------------------------------
// Ceilings

Status CheckBcryptCost(std::uint32_t cost) noexcept {
    return cost >= kMinBcryptCost && cost <= kMaxBcryptCost ? Status::kOk : Status::kHashParamsOutOfRange;
}

// ScryptMemoryKib: 128 N r bytes in KiB (at least 1); only for parameters within the ceilings' ranges.
std::uint64_t ScryptMemoryKib(std::uint32_t log2_n, std::uint32_t r) noexcept {
    const std::uint64_t bytes = (std::uint64_t{1} << log2_n) * r * 128u;
    return bytes < 1024u ? 1u : bytes / 1024u;
}

Status CheckScryptParams(std::uint32_t log2_n, std::uint32_t r, std::uint32_t p) noexcept {
    if (log2_n < kMinScryptLog2N || log2_n > kMaxScryptLog2N || r < 1 || r > kMaxScryptBlockSize || p < 1 ||
        p > kMaxScryptParallelism) {
        return Status::kHashParamsOutOfRange;
    }
    const std::uint64_t memory_kib = ScryptMemoryKib(log2_n, r);
    if (memory_kib > kMaxScryptMemoryKib || memory_kib * 2u * p > kMaxScryptWork) {
        return Status::kHashParamsOutOfRange;
    }
    return Status::kOk;
}

// Log2OfPowerOfTwo: k for n = 2^k, false when n is not a power of two (or is 1 or 0).
bool Log2OfPowerOfTwo(std::uint32_t n, std::uint32_t* log2_n) noexcept {
    if (n < 2 || (n & (n - 1)) != 0) {
        return false;
    }
    std::uint32_t k = 0;
    while ((std::uint32_t{1} << k) != n) {
        ++k;
    }
    *log2_n = k;
    return true;
}

// ---------------------------------------------------------------------------------------------------------
// Jobs (slow_job.hpp): each owns copies of its inputs and wipes them.

struct BcryptJob : SlowJob {
    SecretString password;  // NUL-terminated by std::string
    std::string setting;
    SecretString output;

    Status Compute() noexcept override {
        // crypt_data (32 KiB) holds the password's key schedule: on the heap, wiped before it is freed.
        std::unique_ptr<crypt_data> data(new (std::nothrow) crypt_data());
        if (data == nullptr) {
            return Status::kOutOfMemory;
        }
        const char* result = crypt_rn(password.str().c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
        Status status = Status::kCryptoFailure;
        if (result != nullptr && std::strlen(result) == kBcryptHashChars && result[0] == '$') {
            try {
                output.str().assign(result, kBcryptHashChars);
                status = Status::kOk;
            } catch (const std::bad_alloc&) {
                status = Status::kOutOfMemory;
            }
        }
        SecureWipe(data.get(), sizeof(crypt_data));
        return status;
    }
};

struct ScryptJob : SlowJob {
    SecretBytes password;
    SecretBytes salt;
    std::uint32_t log2_n = 0;
    std::uint32_t r = 0;
    std::uint32_t p = 0;
    SecretBytes output;

    Status Compute() noexcept override {
        const std::uint64_t n = std::uint64_t{1} << log2_n;
        // OpenSSL refuses to allocate more than `maxmem`: its buffers are 128 r (N + 2) + 128 r p bytes.
        const std::uint64_t maxmem = 128u * static_cast<std::uint64_t>(r) * (n + 2u + p);
        static const unsigned char kEmpty[1] = {0};
        const int ok = EVP_PBE_scrypt(password.empty() ? reinterpret_cast<const char*>(kEmpty)
                                                       : reinterpret_cast<const char*>(password.data()),
                                      password.size(), salt.empty() ? kEmpty : salt.data(), salt.size(), n, r,
                                      p, maxmem, output.data(), output.size());
        // OpenSSL clears and frees its own buffers; a failure after the checks is an allocation failure.
        return ok == 1 ? Status::kOk : Status::kOutOfMemory;
    }
};

struct Pbkdf2Job : SlowJob {
    SecretBytes password;
    SecretBytes salt;
    std::uint32_t iterations = 0;
    SecretBytes output;

    Status Compute() noexcept override {
        static const unsigned char kEmpty[1] = {0};
        const int ok = PKCS5_PBKDF2_HMAC(
            password.empty() ? reinterpret_cast<const char*>(kEmpty) : reinterpret_cast<const char*>(password.data()),
            static_cast<int>(password.size()), salt.empty() ? kEmpty : salt.data(), static_cast<int>(salt.size()),
            static_cast<int>(iterations), EVP_sha256(), static_cast<int>(output.size()), output.data());
        return ok == 1 ? Status::kOk : Status::kCryptoFailure;
    }
};

// An imported hash is verified once per user (the first successful login replaces it with Argon2id), so
// the few tens of microseconds of a thread do not matter: with an abort check, every cost runs on a worker
// thread and stays cancellable (STYLE B6), bcrypt and PBKDF2 included, whose libraries offer no way to stop
// midway.
constexpr bool kImportedRunInline = false;

}  // namespace

ImportedFormat DetectImportedFormat(std::string_view text) noexcept {
    const std::string_view head = text.substr(0, 4);
    if (head == "$2a$" || head == "$2b$" || head == "$2y$") {
        return ImportedFormat::kBcrypt;
    }
    if (text.substr(0, 8) == "$scrypt$") {
        return ImportedFormat::kPasslibScrypt;
    }
    if (text.substr(0, 7) == "scrypt$") {
        return ImportedFormat::kDjangoScrypt;
    }
    if (text.substr(0, 15) == "$pbkdf2-sha256$") {
        return ImportedFormat::kPasslibPbkdf2Sha256;
    }
    if (text.substr(0, 14) == "pbkdf2_sha256$") {
        return ImportedFormat::kDjangoPbkdf2Sha256;
    }
    return ImportedFormat::kNone;
}

Status ParseBcryptHash(std::string_view text, BcryptHash* out) noexcept {
    *out = BcryptHash{};
    if (DetectImportedFormat(text) != ImportedFormat::kBcrypt || text.size() != kBcryptHashChars ||
        text[6] != '$') {
        return Status::kHashMalformed;
    }
    const char tens = text[4];
    const char units = text[5];
    if (tens < '0' || tens > '9' || units < '0' || units > '9') {
        return Status::kHashMalformed;
    }
    for (std::size_t i = 7; i < kBcryptHashChars; ++i) {
        if (kBcryptAlphabet.find(text[i]) == std::string_view::npos) {
            return Status::kHashMalformed;
        }
    }
    // The checksum is 23 bytes, 184 bits: the last of its 31 characters carries 4 bits and 2 zero bits.
    if (kBcryptAlphabet.find(text[kBcryptHashChars - 1]) % 4 != 0) {
        return Status::kHashMalformed;
    }
    const std::uint32_t cost = static_cast<std::uint32_t>((tens - '0') * 10 + (units - '0'));
    const Status status = CheckBcryptCost(cost);
    if (status != Status::kOk) {
        return status;
    }
    try {
        out->minor = text[2];
        out->cost = cost;
        out->setting.assign(text.substr(0, kBcryptSettingChars));
        out->checksum.assign(text.substr(kBcryptSettingChars));
    } catch (const std::bad_alloc&) {
        *out = BcryptHash{};
        return Status::kOutOfMemory;
    }
    return Status::kOk;
}

Status ParseScryptHash(std::string_view text, ScryptHash* out) noexcept {
    *out = ScryptHash{};
    const ImportedFormat format = DetectImportedFormat(text);
    Status status = Status::kOk;
    std::uint32_t log2_n = 0;
    std::uint32_t r = 0;
    std::uint32_t p = 0;
    bool n_is_power_of_two = true;
    if (format == ImportedFormat::kPasslibScrypt) {
        // "" "scrypt" "ln=L,r=R,p=P" SALT HASH
        std::string_view fields[5];
        if (!SplitFields(text, fields, 5)) {
            return Status::kHashMalformed;
        }
        std::string_view params = fields[2];
        const std::size_t comma1 = params.find(',');
        const std::size_t comma2 = comma1 == std::string_view::npos ? comma1 : params.find(',', comma1 + 1);
        if (comma2 == std::string_view::npos) {
            return Status::kHashMalformed;
        }
        std::string_view ln = params.substr(0, comma1);
        std::string_view rs = params.substr(comma1 + 1, comma2 - comma1 - 1);
        std::string_view ps = params.substr(comma2 + 1);
        if (!ConsumePrefix(&ln, "ln=") || !ConsumePrefix(&rs, "r=") || !ConsumePrefix(&ps, "p=") ||
            !ParseDecimal(ln, &log2_n) || !ParseDecimal(rs, &r) || !ParseDecimal(ps, &p)) {
            return Status::kHashMalformed;
        }
        status = DecodeUnpaddedStandard(fields[3], &out->salt);
        if (status == Status::kOk) {
            status = DecodeUnpaddedStandard(fields[4], &out->hash);
        }
    } else if (format == ImportedFormat::kDjangoScrypt) {
        // "scrypt" N SALT R P HASH
        std::string_view fields[6];
        std::uint32_t n = 0;
        if (!SplitFields(text, fields, 6) || !ParseDecimal(fields[1], &n) || !ParseDecimal(fields[3], &r) ||
            !ParseDecimal(fields[4], &p)) {
            return Status::kHashMalformed;
        }
        status = DjangoSalt(fields[2], &out->salt);
        if (status == Status::kOk) {
            status = Base64DecodePadded(fields[5], &out->hash);
        }
        n_is_power_of_two = Log2OfPowerOfTwo(n, &log2_n);
    } else {
        return Status::kHashMalformed;
    }
    if (status == Status::kOk && !n_is_power_of_two) {
        status = Status::kHashParamsOutOfRange;  // no scrypt computes it: a parameter out of range, like t=0
    }
    if (status == Status::kOk) {
        status = CheckScryptParams(log2_n, r, p);
    }
    if (status == Status::kOk &&
        (out->salt.size() > kMaxImportedSaltBytes ||
         out->hash.size() != (format == ImportedFormat::kPasslibScrypt ? kPasslibScryptHashBytes
                                                                       : kDjangoScryptHashBytes))) {
        status = Status::kHashParamsOutOfRange;
    }
    if (status != Status::kOk) {
        *out = ScryptHash{};
        return status;
    }
    out->format = format;
    out->log2_n = log2_n;
    out->r = r;
    out->p = p;
    return Status::kOk;
}

Status ParsePbkdf2Sha256Hash(std::string_view text, Pbkdf2Hash* out) noexcept {
    *out = Pbkdf2Hash{};
    const ImportedFormat format = DetectImportedFormat(text);
    Status status = Status::kOk;
    std::uint32_t iterations = 0;
    if (format == ImportedFormat::kPasslibPbkdf2Sha256) {
        // "" "pbkdf2-sha256" I SALT HASH
        std::string_view fields[5];
        if (!SplitFields(text, fields, 5) || !ParseDecimal(fields[2], &iterations)) {
            return Status::kHashMalformed;
        }
        status = DecodeAdapted(fields[3], &out->salt);
        if (status == Status::kOk) {
            status = DecodeAdapted(fields[4], &out->hash);
        }
    } else if (format == ImportedFormat::kDjangoPbkdf2Sha256) {
        // "pbkdf2_sha256" I SALT HASH
        std::string_view fields[4];
        if (!SplitFields(text, fields, 4) || !ParseDecimal(fields[1], &iterations)) {
            return Status::kHashMalformed;
        }
        status = DjangoSalt(fields[2], &out->salt);
        if (status == Status::kOk) {
            status = Base64DecodePadded(fields[3], &out->hash);
        }
    } else {
        return Status::kHashMalformed;
    }
    if (status == Status::kOk &&
        (iterations < kMinPbkdf2Iterations || iterations > kMaxPbkdf2Iterations ||
         out->salt.size() > kMaxImportedSaltBytes || out->hash.size() != kPbkdf2Sha256HashBytes)) {
        status = Status::kHashParamsOutOfRange;
    }
    if (status != Status::kOk) {
        *out = Pbkdf2Hash{};
        return status;
    }
    out->format = format;
    out->iterations = iterations;
    return Status::kOk;
}

Status ComputeBcrypt(std::string_view password, std::string_view setting, const AbortCheck& abort,
                     SecretString* out) noexcept {
    out->str().clear();
    // The setting is a bcrypt string without its checksum: parse it with a canonical dummy checksum.
    if (setting.size() != kBcryptSettingChars) {
        return Status::kHashMalformed;
    }
    BcryptHash parsed;
    Status status = Status::kOk;
    try {
        std::string whole(setting);
        whole.append(kBcryptHashChars - kBcryptSettingChars, '.');
        status = ParseBcryptHash(whole, &parsed);
    } catch (const std::bad_alloc&) {
        return Status::kOutOfMemory;
    }
    if (status != Status::kOk) {
        return status;
    }
    if (password.find('\0') != std::string_view::npos || password.size() > kMaxPasswordBytes) {
        return Status::kHashParamsOutOfRange;  // bcrypt would silently stop at the NUL
    }
    std::shared_ptr<BcryptJob> job;
    try {
        job = std::make_shared<BcryptJob>();
        job->password.str().assign(password.data(), password.size());
        job->setting = parsed.setting;
    } catch (const std::bad_alloc&) {
        return Status::kOutOfMemory;
    }
    status = RunSlowJob(job, abort, kImportedRunInline);
    if (status != Status::kOk) {
        return status;
    }
    try {
        *out = job->output;
    } catch (const std::bad_alloc&) {
        return Status::kOutOfMemory;
    }
    return Status::kOk;
}

Status ComputeScrypt(const ScryptInput& input, const AbortCheck& abort, SecretBytes* out) noexcept {
    out->clear();
    Status status = CheckScryptParams(input.log2_n, input.r, input.p);
    if (status != Status::kOk) {
        return status;
    }
    if (input.output_bytes < 1 || input.output_bytes > kMaxDerivedBytes || input.password.size > kMaxPasswordBytes ||
        input.salt.size > kMaxImportedSaltBytes) {
        return Status::kHashParamsOutOfRange;
    }
    std::shared_ptr<ScryptJob> job;
    try {
        job = std::make_shared<ScryptJob>();
        job->password.assign(input.password.data, input.password.data + input.password.size);
        job->salt.assign(input.salt.data, input.salt.data + input.salt.size);
        job->log2_n = input.log2_n;
        job->r = input.r;
        job->p = input.p;
        job->output.resize(input.output_bytes);
    } catch (const std::bad_alloc&) {
        return Status::kOutOfMemory;
    }
    status = RunSlowJob(job, abort, kImportedRunInline);
    if (status != Status::kOk) {
        return status;
    }
    try {
        *out = job->output;
    } catch (const std::bad_alloc&) {
        return Status::kOutOfMemory;
    }
    return Status::kOk;
}

Status ComputePbkdf2Sha256(ByteView password, ByteView salt, std::uint32_t iterations, std::size_t output_bytes,
                           const AbortCheck& abort, SecretBytes* out) noexcept {
    out->clear();
    if (iterations < 1 || iterations > kMaxPbkdf2Iterations || output_bytes < 1 || output_bytes > kMaxDerivedBytes ||
        password.size > kMaxPasswordBytes || salt.size > kMaxImportedSaltBytes) {
        return Status::kHashParamsOutOfRange;
    }
    std::shared_ptr<Pbkdf2Job> job;
    try {
        job = std::make_shared<Pbkdf2Job>();
        job->password.assign(password.data, password.data + password.size);
        job->salt.assign(salt.data, salt.data + salt.size);
        job->iterations = iterations;
        job->output.resize(output_bytes);
    } catch (const std::bad_alloc&) {
        return Status::kOutOfMemory;
    }
    const Status status = RunSlowJob(job, abort, kImportedRunInline);
    if (status != Status::kOk) {
        return status;
    }
    try {
        *out = job->output;
    } catch (const std::bad_alloc&) {
        return Status::kOutOfMemory;
    }
    return Status::kOk;
}

Status InspectImportedHash(std::string_view text, PasswordScheme* scheme, HashCost* cost) noexcept {
    *cost = HashCost{};
    *scheme = PasswordScheme::kArgon2id;
    switch (DetectImportedFormat(text)) {
        case ImportedFormat::kBcrypt: {
            BcryptHash parsed;
            const Status status = ParseBcryptHash(text, &parsed);
            if (status == Status::kOk) {
                *scheme = PasswordScheme::kBcrypt;
            }
            return status;
        }
        case ImportedFormat::kPasslibScrypt:
        case ImportedFormat::kDjangoScrypt: {
            ScryptHash parsed;
            const Status status = ParseScryptHash(text, &parsed);
            if (status == Status::kOk) {
                *scheme = PasswordScheme::kScrypt;
                cost->memory_kib = ScryptMemoryKib(parsed.log2_n, parsed.r);
                cost->work = cost->memory_kib * 2u * parsed.p;
            }
            return status;
        }
        case ImportedFormat::kPasslibPbkdf2Sha256:
        case ImportedFormat::kDjangoPbkdf2Sha256: {
            Pbkdf2Hash parsed;
            const Status status = ParsePbkdf2Sha256Hash(text, &parsed);
            if (status == Status::kOk) {
                *scheme = PasswordScheme::kPbkdf2Sha256;
            }
            return status;
        }
        case ImportedFormat::kNone:
            break;
    }
    return Status::kHashMalformed;
}

Status VerifyImportedPassword(std::string_view password, std::string_view text, std::uint64_t max_memory_kib,
                              const AbortCheck& abort, bool* matches) noexcept {
    *matches = false;
    const ImportedFormat format = DetectImportedFormat(text);
    if (format == ImportedFormat::kBcrypt) {
        BcryptHash parsed;
        Status status = ParseBcryptHash(text, &parsed);
        if (status != Status::kOk) {
            return status;
        }
        // bcrypt reads a C string: no system could have hashed a password holding a NUL byte, and one
        // cut at the NUL must not match. It also reads at most the first 72 bytes: a longer password
        // matches any password sharing those bytes. That weakness lasts until the first successful
        // login, which replaces the hash with Argon2id (NeedsRehash is always true for bcrypt).
        if (ValidatePassword(password) != Status::kOk || password.find('\0') != std::string_view::npos) {
            return Status::kOk;
        }
        SecretString computed;
        status = ComputeBcrypt(password, parsed.setting, abort, &computed);
        if (status != Status::kOk) {
            return status;
        }
        // Only the checksum is compared: libxcrypt writes the salt back canonically, so a stored salt
        // with unused bits set differs there and still verifies, as with every other bcrypt.
        *matches = ConstantTimeEqual(ByteView(computed.view().substr(kBcryptSettingChars)),
                                     ByteView(std::string_view(parsed.checksum)));
        return Status::kOk;
    }
    if (format == ImportedFormat::kPasslibScrypt || format == ImportedFormat::kDjangoScrypt) {
        ScryptHash parsed;
        Status status = ParseScryptHash(text, &parsed);
        if (status != Status::kOk) {
            return status;
        }
        if (ScryptMemoryKib(parsed.log2_n, parsed.r) > max_memory_kib) {
            return Status::kHashParamsOutOfRange;
        }
        if (ValidatePassword(password) != Status::kOk) {
            return Status::kOk;
        }
        ScryptInput input;
        input.password = ByteView(password);
        input.salt = ByteView(parsed.salt);
        input.log2_n = parsed.log2_n;
        input.r = parsed.r;
        input.p = parsed.p;
        input.output_bytes = parsed.hash.size();
        SecretBytes derived;
        status = ComputeScrypt(input, abort, &derived);
        if (status != Status::kOk) {
            return status;
        }
        *matches = ConstantTimeEqual(ByteView(derived), ByteView(parsed.hash));
        return Status::kOk;
    }
    if (format == ImportedFormat::kPasslibPbkdf2Sha256 || format == ImportedFormat::kDjangoPbkdf2Sha256) {
        Pbkdf2Hash parsed;
        Status status = ParsePbkdf2Sha256Hash(text, &parsed);
        if (status != Status::kOk) {
            return status;
        }
        if (ValidatePassword(password) != Status::kOk) {
            return Status::kOk;
        }
        SecretBytes derived;
        status = ComputePbkdf2Sha256(ByteView(password), ByteView(parsed.salt), parsed.iterations,
                                     parsed.hash.size(), abort, &derived);
        if (status != Status::kOk) {
            return status;
        }
        *matches = ConstantTimeEqual(ByteView(derived), ByteView(parsed.hash));
        return Status::kOk;
    }
    return Status::kHashMalformed;
}

}  // namespace pg_mfa::core
