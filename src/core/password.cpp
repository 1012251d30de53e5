// password.cpp: Argon2id through libsodium (new hashes) and libargon2 (imported hashes), PHC strings,
// and the dispatch of verification and rehash decisions to the imported schemes (imported_hash.cpp).
#include "core/password.hpp"

#include "core/encoding.hpp"
#include "core/imported_hash.hpp"
#include "core/parse.hpp"
#include "core/slow_job.hpp"

#include <argon2.h>
#include <sodium.h>
#include <sys/mman.h>

#include <cstring>
#include <memory>
#include <new>

namespace pg_mfa::core {
namespace {

// ---------------------------------------------------------------------------------------------------------
// Computing a tag

// Argon2Job: one hash computation with copies of its inputs (see slow_job.hpp).
struct Argon2Job : SlowJob {
    Argon2Type type = Argon2Type::kArgon2id;
    Argon2Params params;
    SecretBytes password;
    SecretBytes salt;
    SecretBytes secret;
    SecretBytes associated_data;
    Argon2Backend backend = Argon2Backend::kAuto;
    SecretBytes output;

    Status Compute() noexcept override;
};

bool LibsodiumCan(const Argon2Job& job) noexcept {
    return job.type == Argon2Type::kArgon2id && job.params.parallelism == 1 &&
           job.salt.size() == crypto_pwhash_SALTBYTES && job.secret.empty() && job.associated_data.empty();
}

Status ComputeWithLibsodium(Argon2Job* job) noexcept {
    // libsodium takes the memory cost in bytes and the iteration count as its "opslimit".
    const int rc = crypto_pwhash(job->output.data(), job->output.size(),
                                 reinterpret_cast<const char*>(job->password.data()), job->password.size(),
                                 job->salt.data(), job->params.iterations,
                                 static_cast<std::size_t>(job->params.memory_kib) * 1024u,
                                 crypto_pwhash_ALG_ARGON2ID13);
    // crypto_pwhash fails on parameters (checked before) or when it cannot allocate its memory.
    return rc == 0 ? Status::kOk : Status::kOutOfMemory;
}

// libargon2 takes its working memory from malloc unless told otherwise. Blocks of many megabytes from
// malloc may stay in the process after free (glibc raises its mmap threshold after the first large free),
// so, like libsodium, we map and unmap them: a backend's memory returns to what it was after every hash.
// libargon2 wipes the memory before it frees it.
int MapArgon2Memory(std::uint8_t** memory, std::size_t bytes) {
    void* base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        *memory = nullptr;
        return ARGON2_MEMORY_ALLOCATION_ERROR;
    }
    *memory = static_cast<std::uint8_t*>(base);
    return ARGON2_OK;
}

void UnmapArgon2Memory(std::uint8_t* memory, std::size_t bytes) {
    if (memory != nullptr) {
        munmap(memory, bytes);
    }
}

Status ComputeWithLibargon2(Argon2Job* job) noexcept {
    argon2_context context{};
    context.out = job->output.data();
    context.outlen = static_cast<std::uint32_t>(job->output.size());
    context.pwd = job->password.data();
    context.pwdlen = static_cast<std::uint32_t>(job->password.size());
    context.salt = job->salt.data();
    context.saltlen = static_cast<std::uint32_t>(job->salt.size());
    context.secret = job->secret.empty() ? nullptr : job->secret.data();
    context.secretlen = static_cast<std::uint32_t>(job->secret.size());
    context.ad = job->associated_data.empty() ? nullptr : job->associated_data.data();
    context.adlen = static_cast<std::uint32_t>(job->associated_data.size());
    context.t_cost = job->params.iterations;
    context.m_cost = job->params.memory_kib;
    context.lanes = job->params.parallelism;
    context.threads = 1;  // lanes are computed one after the other: no threads of libargon2's own
    context.version = ARGON2_VERSION_13;
    context.allocate_cbk = &MapArgon2Memory;
    context.free_cbk = &UnmapArgon2Memory;
    context.flags = ARGON2_DEFAULT_FLAGS;
    const int rc = argon2_ctx(&context, job->type == Argon2Type::kArgon2id ? Argon2_id : Argon2_i);
    if (rc == ARGON2_OK) {
        return Status::kOk;
    }
    return rc == ARGON2_MEMORY_ALLOCATION_ERROR ? Status::kOutOfMemory : Status::kCryptoFailure;
}

Status Argon2Job::Compute() noexcept {
    const bool sodium = LibsodiumCan(*this);
    if (backend == Argon2Backend::kLibsodium || (backend == Argon2Backend::kAuto && sodium)) {
        return sodium ? ComputeWithLibsodium(this) : Status::kHashUnsupported;
    }
    return ComputeWithLibargon2(this);
}

// RunAbortable runs the job on a worker thread while this thread polls `abort` (slow_job.hpp). A job of
// at most kInlineArgon2Work runs on this thread.
Status RunAbortable(const std::shared_ptr<Argon2Job>& job, const AbortCheck& abort) noexcept {
    const bool run_inline =
        static_cast<std::uint64_t>(job->params.memory_kib) * job->params.iterations <= kInlineArgon2Work;
    return RunSlowJob(job, abort, run_inline);
}

bool SodiumReady() noexcept {
    static const bool ready = sodium_init() >= 0;
    return ready;
}

// ---------------------------------------------------------------------------------------------------------
// PHC strings

// NextField splits `*text` at the next '$' (or its end).
std::string_view NextField(std::string_view* text) noexcept {
    const std::size_t end = text->find('$');
    std::string_view field = text->substr(0, end);
    text->remove_prefix(end == std::string_view::npos ? text->size() : end + 1);
    return field;
}

Status CheckParams(const Argon2Params& p) noexcept {
    if (p.parallelism < 1 || p.parallelism > kMaxArgon2Parallelism || p.iterations < 1 ||
        p.iterations > kMaxArgon2Iterations || p.memory_kib > kMaxArgon2MemoryKib ||
        p.memory_kib < kMinArgon2MemoryKib * p.parallelism ||
        static_cast<std::uint64_t>(p.memory_kib) * p.iterations > kMaxArgon2Work) {
        return Status::kHashParamsOutOfRange;
    }
    return Status::kOk;
}

}  // namespace

Status ComputeArgon2(const Argon2Input& input, Argon2Backend backend, const AbortCheck& abort,
                     SecretBytes* out) noexcept {
    out->clear();
    Status status = CheckParams(input.params);
    if (status != Status::kOk) {
        return status;
    }
    if (input.salt.size < kMinArgon2SaltBytes || input.salt.size > kMaxArgon2SaltBytes ||
        input.output_bytes < kMinArgon2HashBytes || input.output_bytes > kMaxArgon2HashBytes ||
        input.password.size > kMaxPasswordBytes || input.secret.size > 64 || input.associated_data.size > 1024) {
        return Status::kHashParamsOutOfRange;
    }
    if (!SodiumReady()) {
        return Status::kCryptoFailure;
    }
    std::shared_ptr<Argon2Job> job;
    try {
        job = std::make_shared<Argon2Job>();
        job->type = input.type;
        job->params = input.params;
        job->password.assign(input.password.data, input.password.data + input.password.size);
        job->salt.assign(input.salt.data, input.salt.data + input.salt.size);
        job->secret.assign(input.secret.data, input.secret.data + input.secret.size);
        job->associated_data.assign(input.associated_data.data,
                                    input.associated_data.data + input.associated_data.size);
        job->backend = backend;
        job->output.resize(input.output_bytes);
    } catch (const std::bad_alloc&) {
        return Status::kOutOfMemory;
    }
    status = RunAbortable(job, abort);
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

Status ParsePhcHash(std::string_view text, PhcHash* out) noexcept {
    *out = PhcHash{};
    if (!ConsumePrefix(&text, "$")) {
        return Status::kHashMalformed;
    }
    const std::string_view id = NextField(&text);
    if (id == "argon2id") {
        out->type = Argon2Type::kArgon2id;
    } else if (id == "argon2i") {
        out->type = Argon2Type::kArgon2i;
    } else if (!id.empty() && text.size() > 0) {
        return Status::kHashUnsupported;  // another scheme ($argon2d$, $2b$, $scrypt$, ...)
    } else {
        return Status::kHashMalformed;
    }

    const std::string_view version = NextField(&text);
    std::uint32_t version_number = 0;
    if (version.substr(0, 2) == "m=") {
        return Status::kHashUnsupported;  // no version field: Argon2 1.0 (0x10), superseded in 2016
    }
    if (version.substr(0, 2) != "v=" || !ParseDecimal(version.substr(2), &version_number)) {
        return Status::kHashMalformed;
    }
    if (version_number != 0x13) {
        return Status::kHashUnsupported;
    }
    out->version = version_number;

    std::string_view params = NextField(&text);
    if (!ConsumePrefix(&params, "m=")) {
        return Status::kHashMalformed;
    }
    const std::size_t m_end = params.find(',');
    if (m_end == std::string_view::npos || !ParseDecimal(params.substr(0, m_end), &out->params.memory_kib)) {
        return Status::kHashMalformed;
    }
    params.remove_prefix(m_end + 1);
    if (!ConsumePrefix(&params, "t=")) {
        return Status::kHashMalformed;
    }
    const std::size_t t_end = params.find(',');
    if (t_end == std::string_view::npos || !ParseDecimal(params.substr(0, t_end), &out->params.iterations)) {
        return Status::kHashMalformed;
    }
    params.remove_prefix(t_end + 1);
    if (!ConsumePrefix(&params, "p=") || !ParseDecimal(params, &out->params.parallelism)) {
        return Status::kHashMalformed;
    }

    const std::string_view salt = NextField(&text);
    const std::string_view hash = text;
    if (salt.empty() || hash.empty() || hash.find('$') != std::string_view::npos) {
        return Status::kHashMalformed;
    }
    Status status = Base64Decode(salt, /*url_safe=*/false, &out->salt);
    if (status == Status::kOk) {
        status = Base64Decode(hash, /*url_safe=*/false, &out->hash);
    }
    if (status != Status::kOk) {
        return status;
    }
    if (CheckParams(out->params) != Status::kOk || out->salt.size() < kMinArgon2SaltBytes ||
        out->salt.size() > kMaxArgon2SaltBytes || out->hash.size() < kMinArgon2HashBytes ||
        out->hash.size() > kMaxArgon2HashBytes) {
        return Status::kHashParamsOutOfRange;
    }
    return Status::kOk;
}

Status FormatPhcHash(const PhcHash& hash, std::string* out) noexcept {
    try {
        out->clear();
        out->reserve(96);
        *out += hash.type == Argon2Type::kArgon2id ? "$argon2id$v=" : "$argon2i$v=";
        *out += std::to_string(hash.version);
        *out += "$m=";
        *out += std::to_string(hash.params.memory_kib);
        *out += ",t=";
        *out += std::to_string(hash.params.iterations);
        *out += ",p=";
        *out += std::to_string(hash.params.parallelism);
        *out += '$';
        Status status = Base64Encode(ByteView(hash.salt), /*url_safe=*/false, out);
        if (status == Status::kOk) {
            *out += '$';
            status = Base64Encode(ByteView(hash.hash), /*url_safe=*/false, out);
        }
        if (status != Status::kOk) {
            out->clear();
        }
        return status;
    } catch (const std::bad_alloc&) {
        out->clear();
        return Status::kOutOfMemory;
    }
}

Status ValidatePassword(std::string_view password) noexcept {
    if (password.size() < kMinPasswordBytes) {
        return Status::kPasswordEmpty;
    }
    if (password.size() > kMaxPasswordBytes) {
        return Status::kPasswordTooLong;
    }
    return Status::kOk;
}

Status ValidateHashingParams(const Argon2Params& params) noexcept {
    if (params.parallelism != 1) {
        return Status::kHashParamsOutOfRange;
    }
    return CheckParams(params);
}

Status HashPassword(std::string_view password, const Argon2Params& params, const RandomSource& random,
                    const AbortCheck& abort, std::string* out) noexcept {
    out->clear();
    Status status = ValidatePassword(password);
    if (status == Status::kOk) {
        status = ValidateHashingParams(params);
    }
    if (status != Status::kOk) {
        return status;
    }
    std::uint8_t salt[kPasswordSaltBytes];
    if (random.fill == nullptr || !random.fill(random.context, salt, sizeof salt)) {
        return Status::kRandomFailure;
    }
    Argon2Input input;
    input.type = Argon2Type::kArgon2id;
    input.params = params;
    input.password = ByteView(password);
    input.salt = ByteView(salt, sizeof salt);
    input.output_bytes = kPasswordHashBytes;
    SecretBytes tag;
    status = ComputeArgon2(input, Argon2Backend::kAuto, abort, &tag);
    if (status != Status::kOk) {
        return status;
    }
    try {
        PhcHash phc;
        phc.type = Argon2Type::kArgon2id;
        phc.version = 0x13;
        phc.params = params;
        phc.salt.assign(salt, salt + sizeof salt);
        phc.hash.assign(tag.begin(), tag.end());
        status = FormatPhcHash(phc, out);
        SecureWipe(phc.hash.data(), phc.hash.size());
        return status;
    } catch (const std::bad_alloc&) {
        return Status::kOutOfMemory;
    }
}

Status VerifyPassword(std::string_view password, std::string_view phc, const AbortCheck& abort,
                      bool* matches) noexcept {
    Argon2Params unbounded;
    unbounded.memory_kib = kMaxArgon2MemoryKib;
    unbounded.iterations = kMaxArgon2Iterations;
    unbounded.parallelism = kMaxArgon2Parallelism;
    return VerifyPasswordWithin(password, phc, unbounded, abort, matches);
}

Status HashParams(std::string_view phc, Argon2Params* params) noexcept {
    *params = Argon2Params{0, 0, 0};
    PhcHash parsed;
    const Status status = ParsePhcHash(phc, &parsed);
    if (status != Status::kOk) {
        return status;
    }
    *params = parsed.params;
    return Status::kOk;
}

Status VerifyPasswordWithin(std::string_view password, std::string_view phc, const Argon2Params& ceiling,
                            const AbortCheck& abort, bool* matches) noexcept {
    *matches = false;
    if (DetectImportedFormat(phc) != ImportedFormat::kNone) {
        return VerifyImportedPassword(password, phc, ceiling.memory_kib, abort, matches);
    }
    PhcHash parsed;
    Status status = ParsePhcHash(phc, &parsed);
    if (status != Status::kOk) {
        return status;
    }
    if (parsed.params.memory_kib > ceiling.memory_kib || parsed.params.iterations > ceiling.iterations) {
        return Status::kHashParamsOutOfRange;
    }
    if (ValidatePassword(password) != Status::kOk) {
        return Status::kOk;  // no password of this length was ever hashed
    }
    Argon2Input input;
    input.type = parsed.type;
    input.params = parsed.params;
    input.password = ByteView(password);
    input.salt = ByteView(parsed.salt);
    input.output_bytes = parsed.hash.size();
    SecretBytes tag;
    status = ComputeArgon2(input, Argon2Backend::kAuto, abort, &tag);
    if (status != Status::kOk) {
        return status;
    }
    *matches = ConstantTimeEqual(ByteView(tag), ByteView(parsed.hash));
    return Status::kOk;
}

Status NeedsRehash(std::string_view phc, const Argon2Params& current, bool* needs) noexcept {
    *needs = false;
    if (DetectImportedFormat(phc) != ImportedFormat::kNone) {
        PasswordScheme scheme;
        HashCost cost;
        const Status status = InspectImportedHash(phc, &scheme, &cost);
        *needs = status == Status::kOk;  // never Argon2id: always replaced at the next successful login
        return status;
    }
    PhcHash parsed;
    const Status status = ParsePhcHash(phc, &parsed);
    if (status != Status::kOk) {
        return status;
    }
    *needs = parsed.type != Argon2Type::kArgon2id || parsed.params.memory_kib < current.memory_kib ||
             parsed.params.iterations < current.iterations || parsed.salt.size() < kPasswordSaltBytes ||
             parsed.hash.size() < kPasswordHashBytes;
    return Status::kOk;
}

const char* PasswordSchemeName(PasswordScheme scheme) noexcept {
    switch (scheme) {
        case PasswordScheme::kArgon2id: return "argon2id";
        case PasswordScheme::kArgon2i: return "argon2i";
        case PasswordScheme::kBcrypt: return "bcrypt";
        case PasswordScheme::kScrypt: return "scrypt";
        case PasswordScheme::kPbkdf2Sha256: return "pbkdf2_sha256";
    }
    return "unknown";
}

Status IdentifyPasswordScheme(std::string_view hash, PasswordScheme* scheme) noexcept {
    *scheme = PasswordScheme::kArgon2id;
    if (DetectImportedFormat(hash) != ImportedFormat::kNone) {
        HashCost cost;
        return InspectImportedHash(hash, scheme, &cost);
    }
    PhcHash parsed;
    const Status status = ParsePhcHash(hash, &parsed);
    if (status == Status::kOk && parsed.type == Argon2Type::kArgon2i) {
        *scheme = PasswordScheme::kArgon2i;
    }
    return status;
}

Status ValidateImportedHash(std::string_view hash) noexcept {
    PasswordScheme scheme;
    return IdentifyPasswordScheme(hash, &scheme);
}

Status VerificationCost(std::string_view hash, const Argon2Params& ceiling, HashCost* cost) noexcept {
    *cost = HashCost{};
    if (DetectImportedFormat(hash) != ImportedFormat::kNone) {
        PasswordScheme scheme;
        HashCost found;
        const Status status = InspectImportedHash(hash, &scheme, &found);
        if (status != Status::kOk) {
            return status;
        }
        if (found.memory_kib > ceiling.memory_kib) {
            return Status::kHashParamsOutOfRange;
        }
        *cost = found;
        return Status::kOk;
    }
    PhcHash parsed;
    const Status status = ParsePhcHash(hash, &parsed);
    if (status != Status::kOk) {
        return status;
    }
    if (parsed.params.memory_kib > ceiling.memory_kib || parsed.params.iterations > ceiling.iterations) {
        return Status::kHashParamsOutOfRange;
    }
    cost->memory_kib = parsed.params.memory_kib;
    cost->work = static_cast<std::uint64_t>(parsed.params.memory_kib) * parsed.params.iterations;
    return Status::kOk;
}

}  // namespace pg_mfa::core
