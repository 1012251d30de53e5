// secret_functions.cpp: TOTP secrets encrypted at rest, and the key file behind them.
//
// The key ring lives in this backend's memory only: read from the file pg_mfa.secret_key_file names when
// first needed, and again at the first use after each reload of the configuration (SIGHUP: PgReloadTime
// moves) or a change of the setting. Never in a table, a setting's value or a message: errors and log
// lines name key ids and the file, never a key. A sealed secret is opened inside the one call that checks a
// code (mfa_internal._totp_match_sealed), so the plaintext never becomes a SQL value, and is wiped when that
// call's C++ block ends.
#include "core/aead.hpp"
#include "core/keyring.hpp"
#include "core/otp.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pg/pg_glue.hpp"  // after the system headers: PostgreSQL's port.h redefines snprintf and strerror

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(pg_mfa_totp_match_sealed);
PG_FUNCTION_INFO_V1(pg_mfa_seal_secret);
PG_FUNCTION_INFO_V1(pg_mfa_secret_key_state);
}

namespace core = pg_mfa::core;
using pg_mfa::pg::ArgView;
using pg_mfa::pg::Guarded;
using pg_mfa::pg::ReportStatus;

namespace {

// A key file holds a few keys: anything larger is not one.
constexpr off_t kMaxKeyFileBytes = 65536;

// The key ring of this backend and what became of the last attempt to read it. Plain data: no destructor
// runs when an error unwinds past it.
struct KeyState {
    bool read = false;         // the file (or its absence) was read for `path` at `reload_time`
    TimestampTz reload_time = 0;
    char path[MAXPGPATH] = {};
    bool configured = false;   // pg_mfa.secret_key_file is set
    char problem[256] = {};    // why the file cannot be used ("" when it can), never a key or a line's text
    core::KeyRing* ring = nullptr;  // the keys when it can be used
};

KeyState keys;

// InsideDataDirectory returns whether the file at `path` is inside the data directory (symbolic links resolved).
bool InsideDataDirectory(const char* path) noexcept {
    char file[PATH_MAX];
    char data[PATH_MAX];
    if (DataDir == nullptr || realpath(path, file) == nullptr || realpath(DataDir, data) == nullptr) {
        return false;
    }
    const std::size_t n = std::strlen(data);
    return std::strncmp(file, data, n) == 0 && (file[n] == '/' || file[n] == '\0');
}

// ReadKeyFile reads and parses the key file into a new ring (`*ring`), or writes why it cannot into `problem`.
// Refuses a file that is not a regular file, is inside the data directory (base backups, pg_rewind and
// replicas copy it next to the ciphertexts) or may be read or written by group or others.
void ReadKeyFile(const char* path, core::KeyRing** ring, char (&problem)[256]) noexcept {
    *ring = nullptr;
    problem[0] = '\0';
    const int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(problem, sizeof problem, "it cannot be opened: %s", strerror(errno));
        return;
    }
    struct stat st;
    core::Status status = core::Status::kOk;
    std::size_t line = 0;
    if (fstat(fd, &st) != 0) {
        snprintf(problem, sizeof problem, "it cannot be examined: %s", strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        snprintf(problem, sizeof problem, "it is not a regular file");
    } else if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        snprintf(problem, sizeof problem, "it is accessible by group or others (mode %04o); it must be readable by its owner only",
                static_cast<unsigned>(st.st_mode & 07777));
    } else if (InsideDataDirectory(path)) {
        snprintf(problem, sizeof problem, "it is inside the data directory, which base backups, standbys and pg_rewind copy");
    } else if (st.st_size > kMaxKeyFileBytes) {
        snprintf(problem, sizeof problem, "it is larger than %d bytes", static_cast<int>(kMaxKeyFileBytes));
    } else {
        status = Guarded([&] {
            core::SecretString text;  // the keys in base64: wiped when it dies
            text.str().resize(static_cast<std::size_t>(st.st_size));
            std::size_t done = 0;
            while (done < text.str().size()) {
                const ssize_t n = read(fd, &text.str()[done], text.str().size() - done);
                if (n < 0 && errno == EINTR) {
                    continue;
                }
                if (n <= 0) {
                    snprintf(problem, sizeof problem, "it cannot be read: %s", n < 0 ? strerror(errno) : "it became shorter");
                    return core::Status::kOk;
                }
                done += static_cast<std::size_t>(n);
            }
            auto* fresh = new core::KeyRing();
            const core::Status parsed = core::ParseKeyFile(text.view(), fresh, &line);
            if (parsed != core::Status::kOk) {
                delete fresh;
                return parsed;
            }
            *ring = fresh;
            return core::Status::kOk;
        });
    }
    close(fd);
    switch (status) {
        case core::Status::kOk:
            break;
        case core::Status::kKeyFileSyntax:
            snprintf(problem, sizeof problem, "line %zu is not key_id:base64", line);
            break;
        case core::Status::kKeyFileBadKeyId:
            snprintf(problem, sizeof problem, "line %zu has an invalid key id (1 to 64 of A-Z, a-z, 0-9, '.', '_', '-')", line);
            break;
        case core::Status::kKeyFileBadKey:
            snprintf(problem, sizeof problem, "the key on line %zu is not the padded base64 of 32 bytes", line);
            break;
        case core::Status::kKeyFileDuplicateKeyId:
            snprintf(problem, sizeof problem, "the key id on line %zu is used by an earlier line", line);
            break;
        case core::Status::kKeyFileNoKeys:
            snprintf(problem, sizeof problem, "it holds no key");
            break;
        default:
            snprintf(problem, sizeof problem, "it cannot be read: %s", core::StatusName(status));
            break;
    }
}

// CurrentKeys returns this backend's key state, rereading the file after a reload or a change of the setting.
// A file that cannot be used is logged (with its name and the reason) once per reading.
const KeyState& CurrentKeys() {
    const char* path = pg_mfa::pg::SecretKeyFile();
    if (keys.read && keys.reload_time == PgReloadTime && std::strcmp(keys.path, path) == 0) {
        return keys;
    }
    delete keys.ring;  // the destructor wipes the keys
    keys.ring = nullptr;
    keys.problem[0] = '\0';
    keys.configured = *path != '\0';
    if (std::strlen(path) >= sizeof keys.path) {
        snprintf(keys.problem, sizeof keys.problem, "its name is too long");
        keys.path[0] = '\0';
    } else {
        std::strcpy(keys.path, path);
        if (keys.configured) {
            ReadKeyFile(path, &keys.ring, keys.problem);
        }
    }
    keys.read = true;
    keys.reload_time = PgReloadTime;
    if (keys.configured && keys.problem[0] != '\0') {
        ereport(LOG, (errmsg("pg_mfa: pg_mfa.secret_key_file \"%s\" cannot be used: %s", path, keys.problem),
                      errhint("TOTP secrets can be neither encrypted nor decrypted with it until it is fixed and "
                              "the configuration reloaded.")));
    }
    return keys;
}

// KeyIdArg returns a key id argument, raising 22023 for one that is not a valid key id (so that messages
// may show it).
std::string_view KeyIdArg(text* value) {
    const std::string_view id = ArgView(value);
    if (!core::ValidKeyId(id)) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid key id"),
                        errdetail("A key id is 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-'.")));
    }
    return id;
}

// FindKey returns the key of this id, or raises 39000: the secret of `credential_id` is encrypted with a key
// this server does not have. The message names the key id, never a key.
const core::SecretKey* FindKey(std::string_view id, int64 credential_id) {
    const KeyState& state = CurrentKeys();
    const core::SecretKey* key = state.ring == nullptr ? nullptr : state.ring->Find(id);
    if (key == nullptr) {
        const int id_length = static_cast<int>(id.size());
        error_context_stack = nullptr;  // the caller sees its own function, not pg_mfa's internals
        ereport(ERROR,
                (errcode(ERRCODE_EXTERNAL_ROUTINE_INVOCATION_EXCEPTION),
                 errmsg("the TOTP secret of credential %lld is encrypted with key \"%.*s\", which this server does "
                        "not have", static_cast<long long>(credential_id), id_length, id.data()),
                 !state.configured ? errdetail("pg_mfa.secret_key_file is not set.")
                 : state.problem[0] != '\0'
                     ? errdetail("pg_mfa.secret_key_file cannot be used: %s.", state.problem)
                     : errdetail("pg_mfa.secret_key_file has no key \"%.*s\".", id_length, id.data()),
                 errhint("Install the key file that holds this key (standbys and restored backups need the "
                         "primary's) and reload the configuration. Remove a key only once mfa.rotate_secrets() "
                         "has re-encrypted every secret under a newer one.")));
    }
    return key;
}

// ReportOpenFailure raises the error of a sealed secret that did not open with the key it names.
pg_attribute_noreturn() void ReportOpenFailure(core::Status status, std::string_view id, int64 credential_id) {
    if (status != core::Status::kSealedAuthFailed && status != core::Status::kSealedMalformed) {
        ReportStatus(status, "secret");
    }
    error_context_stack = nullptr;
    ereport(ERROR,
            (errcode(ERRCODE_EXTERNAL_ROUTINE_INVOCATION_EXCEPTION),
             errmsg("could not decrypt the TOTP secret of credential %lld with key \"%.*s\"",
                    static_cast<long long>(credential_id), static_cast<int>(id.size()), id.data()),
             status == core::Status::kSealedMalformed
                 ? errdetail("The stored value is too short or too long to be an encrypted secret.")
                 : errdetail("The key of this id is not the one that encrypted the secret, or the stored value was "
                             "altered or belongs to another credential."),
             errhint("Compare the key file with the primary's.")));
    pg_unreachable();
}

struct MatchRequest {
    const core::SecretKey* key = nullptr;  // nullptr: the stored secret is in plaintext
    core::ByteView stored;
    core::TotpAad aad{};
    pg_mfa::pg::TotpCheckArgs check;
};

// MatchInto opens the stored secret when it is sealed and checks the code against it; the plaintext dies with
// the block (SecretBytes wipes it).
core::Status MatchInto(const MatchRequest& request, core::WindowMatch* match) noexcept {
    return Guarded([&] {
        if (request.key == nullptr) {
            return pg_mfa::pg::CheckTotp(request.stored, request.check, match);
        }
        core::SecretBytes opened;
        const core::Status status = core::OpenSecret(
            request.key->view(), core::ByteView(request.aad.data(), request.aad.size()), request.stored, &opened);
        if (status != core::Status::kOk) {
            return status;
        }
        return pg_mfa::pg::CheckTotp(core::ByteView(opened), request.check, match);
    });
}

struct SealRequest {
    const core::SecretKey* from = nullptr;  // the key `stored` is sealed with; nullptr: plaintext
    const core::SecretKey* to = nullptr;    // the key to seal with
    core::ByteView stored;
    core::TotpAad aad{};
};

// SealInto seals a plaintext secret, or opens a sealed one and seals it again, under `to`, with a fresh nonce.
core::Status SealInto(const SealRequest& request, bytea** result) noexcept {
    return Guarded([&] {
        const core::ByteView aad(request.aad.data(), request.aad.size());
        core::SecretBytes opened;
        core::ByteView secret = request.stored;
        if (request.from != nullptr) {
            const core::Status status = core::OpenSecret(request.from->view(), aad, request.stored, &opened);
            if (status != core::Status::kOk) {
                return status;
            }
            secret = core::ByteView(opened);
        }
        std::vector<std::uint8_t> sealed;
        const core::Status status = core::SealSecret(pg_mfa::pg::PgRandom(), request.to->view(), aad, secret, &sealed);
        if (status != core::Status::kOk) {
            return status;
        }
        return pg_mfa::pg::ByteaNoRaise(core::ByteView(sealed), result);
    });
}

}  // namespace

// mfa_internal._totp_match_sealed(secret bytea, key_id text, credential_id bigint, user_id bigint, code text,
//     at timestamptz, window int, digits int, period int, algorithm text, last_step bigint) -> bigint
// mfa_internal._totp_match for a stored secret: `secret` is sealed with key `key_id` for the credential and
// user (key_id NULL: it is in plaintext). The same result: the matched step, -1 for a replay, NULL for no
// match. 39000 when the key is missing or does not open the secret.
extern "C" Datum pg_mfa_totp_match_sealed(PG_FUNCTION_ARGS) {
    for (int i = 0; i < 10; ++i) {
        if (i != 1 && PG_ARGISNULL(i)) {
            PG_RETURN_NULL();
        }
    }
    MatchRequest request;
    const int64 credential_id = PG_GETARG_INT64(2);
    request.aad = core::TotpSecretAad(credential_id, PG_GETARG_INT64(3));
    pg_mfa::pg::UnpackTotpCheckArgs(fcinfo, 4, &request.check);
    std::string_view key_id;
    if (!PG_ARGISNULL(1)) {
        key_id = KeyIdArg(PG_GETARG_TEXT_PP(1));
        request.key = FindKey(key_id, credential_id);
    }
    bytea* secret = PG_GETARG_BYTEA_PP(0);  // last: an error above leaves no copy of it behind
    request.stored = core::ByteView(ArgView(secret));
    core::WindowMatch match;
    const core::Status status = MatchInto(request, &match);
    pg_mfa::pg::WipeArgCopy(reinterpret_cast<struct varlena*>(secret), PG_GETARG_DATUM(0));
    if (status != core::Status::kOk) {
        if (request.key != nullptr) {
            ReportOpenFailure(status, key_id, credential_id);
        }
        ReportStatus(status, "secret");
    }
    return pg_mfa::pg::TotpMatchResult(fcinfo, match);
}

// mfa_internal._seal_secret(secret bytea, sealed_with text, credential_id bigint, user_id bigint,
//     OUT key_id text, OUT sealed bytea)
// A TOTP secret as it is to be stored: sealed under the key file's newest key for the credential and user,
// with a fresh nonce. The secret given is in plaintext (sealed_with NULL) or sealed with key sealed_with
// (rotation). With no key file set, a plaintext secret comes back as it is, with key_id NULL. F0000 when the
// key file is set but cannot be used; 39000 when sealed_with is a key this server does not have or that does
// not open the secret.
extern "C" Datum pg_mfa_seal_secret(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(2) || PG_ARGISNULL(3)) {
        PG_RETURN_NULL();
    }
    TupleDesc descriptor;
    if (get_call_result_type(fcinfo, nullptr, &descriptor) != TYPEFUNC_COMPOSITE) {
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("function returning a record called in a "
                                                                       "context that cannot accept one")));
    }
    descriptor = BlessTupleDesc(descriptor);
    SealRequest request;
    const int64 credential_id = PG_GETARG_INT64(2);
    request.aad = core::TotpSecretAad(credential_id, PG_GETARG_INT64(3));
    std::string_view from_id;
    if (!PG_ARGISNULL(1)) {
        from_id = KeyIdArg(PG_GETARG_TEXT_PP(1));
        request.from = FindKey(from_id, credential_id);
    }
    const KeyState& state = CurrentKeys();
    if (state.configured && state.ring == nullptr) {
        error_context_stack = nullptr;
        ereport(ERROR, (errcode(ERRCODE_CONFIG_FILE_ERROR),
                        errmsg("pg_mfa.secret_key_file cannot be used: %s", state.problem),
                        errhint("Fix the key file and reload the configuration; until then no TOTP device can be "
                                "enrolled.")));
    }
    bytea* secret = PG_GETARG_BYTEA_PP(0);
    Datum values[2] = {0, 0};
    bool nulls[2] = {true, false};
    if (state.ring == nullptr) {
        values[1] = PointerGetDatum(secret);  // no key: stored as given, in plaintext
    } else {
        request.to = state.ring->Newest();
        request.stored = core::ByteView(ArgView(secret));
        bytea* sealed = nullptr;
        const core::Status status = SealInto(request, &sealed);
        pg_mfa::pg::WipeArgCopy(reinterpret_cast<struct varlena*>(secret), PG_GETARG_DATUM(0));
        if (status != core::Status::kOk) {
            if (request.from != nullptr) {
                ReportOpenFailure(status, from_id, credential_id);
            }
            ReportStatus(status, "secret");
        }
        values[0] = PointerGetDatum(cstring_to_text_with_len(request.to->id.data(), static_cast<int>(request.to->id.size())));
        nulls[0] = false;
        values[1] = PointerGetDatum(sealed);
    }
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(descriptor, values, nulls)));
}

// mfa_internal._secret_key_state(OUT configured boolean, OUT problem text, OUT key_ids text[])
// This server's key file as this backend read it: whether it is set, why it cannot be used (NULL when it can),
// and its key ids in file order (the last encrypts new secrets). Never a key.
extern "C" Datum pg_mfa_secret_key_state(PG_FUNCTION_ARGS) {
    TupleDesc descriptor;
    if (get_call_result_type(fcinfo, nullptr, &descriptor) != TYPEFUNC_COMPOSITE) {
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("function returning a record called in a "
                                                                       "context that cannot accept one")));
    }
    descriptor = BlessTupleDesc(descriptor);
    const KeyState& state = CurrentKeys();
    Datum values[3] = {BoolGetDatum(state.configured), 0, 0};
    bool nulls[3] = {false, state.problem[0] == '\0', state.ring == nullptr};
    if (!nulls[1]) {
        values[1] = CStringGetTextDatum(state.problem);
    }
    if (state.ring != nullptr) {
        const std::size_t count = state.ring->keys().size();
        Datum* ids = static_cast<Datum*>(palloc(sizeof(Datum) * count));
        for (std::size_t i = 0; i < count; ++i) {
            const std::string& id = state.ring->keys()[i].id;
            ids[i] = PointerGetDatum(cstring_to_text_with_len(id.data(), static_cast<int>(id.size())));
        }
        values[2] = PointerGetDatum(construct_array(ids, static_cast<int>(count), TEXTOID, -1, false, TYPALIGN_INT));
    }
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(descriptor, values, nulls)));
}
