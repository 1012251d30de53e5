-- pg_mfa: password login and TOTP two-factor authentication inside PostgreSQL.
--
-- Source of pg_mfa--<version>.sql (the Makefile copies it). A released script is never edited again:
-- changes go into a new upgrade script pg_mfa--A--B.sql.

\echo Use "CREATE EXTENSION pg_mfa" to load this file. \quit

-- The schema is created here, not reused: if a schema named mfa already exists, CREATE EXTENSION fails
-- rather than install next to objects someone else planted.
CREATE SCHEMA mfa;
REVOKE ALL ON SCHEMA mfa FROM PUBLIC;
COMMENT ON SCHEMA mfa IS 'pg_mfa: password login and TOTP two-factor authentication';

-- Group roles. Roles belong to the cluster, not to a database, so a second database that installs pg_mfa
-- finds them already there. An existing role of either name is accepted only if it looks like one we made:
-- no login, no role attributes and a member of no other role (mfa_admin: of mfa_client only). A role of
-- that name made for another purpose (or planted) is not handed the extension's privileges.
--   mfa_client the application: users, enrollment, login and sessions (and the primitives)
--   mfa_admin  administrators: realms and their policy, reading users, non-secret credential columns and
--              events; also a member of mfa_client
DO $roles$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['mfa_client', 'mfa_admin'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) role_name) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', role_name);
        ELSIF EXISTS (SELECT FROM pg_catalog.pg_roles AS r
                      WHERE r.rolname OPERATOR(pg_catalog.=) role_name
                        AND (r.rolcanlogin OR r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication
                             OR r.rolbypassrls
                             OR EXISTS (SELECT FROM pg_catalog.pg_auth_members AS m
                                        JOIN pg_catalog.pg_roles AS g ON g.oid OPERATOR(pg_catalog.=) m.roleid
                                        WHERE m.member OPERATOR(pg_catalog.=) r.oid
                                          AND NOT (r.rolname OPERATOR(pg_catalog.=) 'mfa_admin'
                                                   AND g.rolname OPERATOR(pg_catalog.=) 'mfa_client')))) THEN
            RAISE EXCEPTION 'role "%" exists and is not a plain group role', role_name
                USING ERRCODE = '42710',
                      DETAIL = 'It can log in, has role attributes or is a member of other roles.',
                      HINT = 'pg_mfa uses it as a group role; rename or drop that role first.';
        END IF;
    END LOOP;
END
$roles$;
GRANT mfa_client TO mfa_admin;

-- ---------------------------------------------------------------------------------------------------------
-- Primitives: encodings and one-time codes

CREATE FUNCTION mfa.base32_encode(data bytea)
RETURNS text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_base32_encode';
COMMENT ON FUNCTION mfa.base32_encode(bytea) IS
'RFC 4648 base32 of the bytes, upper case, without padding (the form authenticator apps take)';

CREATE FUNCTION mfa.base32_decode(data text)
RETURNS bytea
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_base32_decode';
COMMENT ON FUNCTION mfa.base32_decode(text) IS
'bytes of RFC 4648 base32 text; any case, spaces and "=" ignored; rejects other characters and non-zero trailing bits (22P02)';

CREATE FUNCTION mfa.hotp_code(secret text, counter bigint, digits integer DEFAULT 6, algorithm text DEFAULT 'sha1')
RETURNS text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_hotp_code';
COMMENT ON FUNCTION mfa.hotp_code(text, bigint, integer, text) IS
'RFC 4226 HOTP code of a base32 secret at a counter: digits 6-8, algorithm sha1, sha256 or sha512';

CREATE FUNCTION mfa.totp_code(secret text, at timestamptz DEFAULT pg_catalog.clock_timestamp(),
                              digits integer DEFAULT 6, period integer DEFAULT 30, algorithm text DEFAULT 'sha1')
RETURNS text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_totp_code';
COMMENT ON FUNCTION mfa.totp_code(text, timestamptz, integer, integer, text) IS
'RFC 6238 TOTP code of a base32 secret at a time (default: the wall clock), 64-bit time';

CREATE FUNCTION mfa.generate_secret(bytes integer DEFAULT 20)
RETURNS text
LANGUAGE c VOLATILE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_generate_secret';
COMMENT ON FUNCTION mfa.generate_secret(integer) IS
'a new random TOTP secret from a CSPRNG, base32; 20 bytes (160 bits, RFC 4226) unless told otherwise (16-64)';

CREATE FUNCTION mfa.otpauth_uri(secret text, account text, issuer text DEFAULT NULL, digits integer DEFAULT 6,
                                period integer DEFAULT 30, algorithm text DEFAULT 'sha1')
RETURNS text
LANGUAGE c IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_otpauth_uri';
COMMENT ON FUNCTION mfa.otpauth_uri(text, text, text, integer, integer, text) IS
'otpauth://totp/ provisioning URI (Key URI format) with label and issuer percent-encoded per RFC 3986; NULL issuer: none';

-- ---------------------------------------------------------------------------------------------------------
-- Primitives: passwords

CREATE FUNCTION mfa.hash_password(password text)
RETURNS text
LANGUAGE c VOLATILE STRICT PARALLEL SAFE COST 10000
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_hash_password';
COMMENT ON FUNCTION mfa.hash_password(text) IS
'Argon2id PHC string of a password (1-1024 bytes) with a random salt, at the pg_mfa.argon2_* settings';

CREATE FUNCTION mfa.verify_password(password text, hash text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL SAFE COST 10000
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_verify_password';
COMMENT ON FUNCTION mfa.verify_password(text, text) IS
'whether the password matches an Argon2id/Argon2i PHC hash (constant-time compare); cancellable';

CREATE FUNCTION mfa.password_needs_rehash(hash text)
RETURNS boolean
LANGUAGE c STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_password_needs_rehash';
COMMENT ON FUNCTION mfa.password_needs_rehash(text) IS
'whether a stored hash is weaker than the current pg_mfa.argon2_* settings (rehash at the next login)';

-- ---------------------------------------------------------------------------------------------------------
-- Primitives: QR codes

CREATE FUNCTION mfa.qr_svg(data text)
RETURNS text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_qr_svg';
COMMENT ON FUNCTION mfa.qr_svg(text) IS
'QR code (level M, byte mode, 4-module quiet zone) of the text as a standalone SVG document';

CREATE FUNCTION mfa.qr_text(data text, invert boolean DEFAULT false)
RETURNS text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_qr_text';
COMMENT ON FUNCTION mfa.qr_text(text, boolean) IS
'QR code of the text drawn with Unicode half blocks for a terminal (invert for dark-on-light terminals)';

-- ---------------------------------------------------------------------------------------------------------
-- Login: internal primitives (C). Granted to nobody: only the SECURITY DEFINER functions below call them.

CREATE FUNCTION mfa._now()
RETURNS timestamptz
LANGUAGE c VOLATILE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_now';
COMMENT ON FUNCTION mfa._now() IS
'internal: the clock of the login flows (the wall clock, or the superuser-only pg_mfa.clock_override)';

CREATE FUNCTION mfa._totp_match(secret bytea, code text, at timestamptz, "window" integer, digits integer,
                                period integer, algorithm text, last_step bigint)
RETURNS bigint
LANGUAGE c STABLE CALLED ON NULL INPUT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_totp_match';
COMMENT ON FUNCTION mfa._totp_match(bytea, text, timestamptz, integer, integer, integer, text, bigint) IS
'internal: the time step a code matches within the window and after last_step, -1 for a replayed code, else NULL; constant time';

CREATE FUNCTION mfa._new_token(prefix text)
RETURNS text
LANGUAGE c VOLATILE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_new_token';
COMMENT ON FUNCTION mfa._new_token(text) IS 'internal: prefix followed by 256 random bits in base64url';

CREATE FUNCTION mfa._token_digest(token text)
RETURNS bytea
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_token_digest';
COMMENT ON FUNCTION mfa._token_digest(text) IS 'internal: SHA-256 of a token, the only form in which tokens are stored';

CREATE FUNCTION mfa._password_check(password text, hash text)
RETURNS boolean
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL SAFE COST 10000
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_password_check';
COMMENT ON FUNCTION mfa._password_check(text, text) IS
'internal: verify_password, where a NULL hash (no such user, no password) does the same Argon2id work and is false';

-- ---------------------------------------------------------------------------------------------------------
-- Login: data

-- _shown: caller-supplied text as it may appear in an error message: at most 64 characters, control
-- characters replaced, so a message cannot carry a megabyte or terminal escapes into the server log.
CREATE FUNCTION mfa._shown(value text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
    SELECT CASE WHEN length($1) > 64 THEN left(regexp_replace($1, '[[:cntrl:]]', '?', 'g'), 63) || '...'
                ELSE regexp_replace($1, '[[:cntrl:]]', '?', 'g') END;
$function$;
COMMENT ON FUNCTION mfa._shown(text) IS 'internal: caller text shortened and defanged for an error message';

-- _is_display_name: whether a username, issuer or device name can be shown safely, in an authenticator
-- app among others: 1 to max_length characters, no leading or trailing white space, no control characters,
-- no invisible or direction-changing format characters (zero-width spaces and joiners, bidirectional
-- overrides and isolates, the byte order mark: they make one name look like another), and, where the name
-- goes into a provisioning URI's label, no colon (apps read it as the end of the issuer).
CREATE FUNCTION mfa._is_display_name(value text, max_length integer, colon_allowed boolean)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
    SELECT length($1) BETWEEN 1 AND $2
       AND $1 !~ '^[[:space:]]|[[:space:]]$|[[:cntrl:]]'
       AND $1 !~ '[\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF\uFFF9-\uFFFB]'
       AND ($3 OR strpos($1, ':') = 0);
$function$;
COMMENT ON FUNCTION mfa._is_display_name(text, integer, boolean) IS
'internal: a name that displays as what it is (length, no edge spaces, control or invisible format characters, colon where required)';

-- Realms: the tenancy boundary, with the TOTP policy of their users.
CREATE TABLE mfa.realms (
    realm_id            bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name                text NOT NULL UNIQUE
                        CONSTRAINT realms_name_check CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),
    issuer              text NOT NULL
                        CONSTRAINT realms_issuer_check CHECK (mfa._is_display_name(issuer, 256, false)),
    totp_enabled        boolean NOT NULL DEFAULT true,
    totp_algorithm      text NOT NULL DEFAULT 'sha1'
                        CONSTRAINT realms_totp_algorithm_check CHECK (totp_algorithm IN ('sha1', 'sha256', 'sha512')),
    totp_digits         integer NOT NULL DEFAULT 6 CONSTRAINT realms_totp_digits_check CHECK (totp_digits BETWEEN 6 AND 8),
    totp_period         integer NOT NULL DEFAULT 30
                        CONSTRAINT realms_totp_period_check CHECK (totp_period BETWEEN 1 AND 600),
    totp_window         integer NOT NULL DEFAULT 1 CONSTRAINT realms_totp_window_check CHECK (totp_window BETWEEN 0 AND 10),
    mfa_token_lifetime  interval NOT NULL DEFAULT '5 minutes'
                        CONSTRAINT realms_mfa_token_lifetime_check
                        CHECK (mfa_token_lifetime > '0'::interval AND mfa_token_lifetime <= '1 hour'::interval),
    session_lifetime    interval NOT NULL DEFAULT '12 hours'
                        CONSTRAINT realms_session_lifetime_check
                        CHECK (session_lifetime > '0'::interval AND session_lifetime <= '1 year'::interval),
    -- Brute-force throttle (RFC 4226 §7.3, NIST SP 800-63B §5.2.2): after code_lockout_threshold
    -- consecutive unsuccessful code checks of a user (password_lockout_threshold for passwords), each
    -- further check waits lockout_delay, doubling with every further attempt up to lockout_max_delay; at
    -- code_disable_threshold the user's TOTP devices are disabled until an administrator resets them. A kli_
    -- token dies after mfa_token_max_failures wrong codes.
    code_lockout_threshold      integer NOT NULL DEFAULT 5
                                CONSTRAINT realms_code_lockout_threshold_check CHECK (code_lockout_threshold BETWEEN 1 AND 100),
    code_disable_threshold      integer NOT NULL DEFAULT 100
                                CONSTRAINT realms_code_disable_threshold_check
                                CHECK (code_disable_threshold BETWEEN code_lockout_threshold AND 1000),
    password_lockout_threshold  integer NOT NULL DEFAULT 10
                                CONSTRAINT realms_password_lockout_threshold_check CHECK (password_lockout_threshold BETWEEN 1 AND 1000),
    lockout_delay               interval NOT NULL DEFAULT '30 seconds'
                                CONSTRAINT realms_lockout_delay_check
                                CHECK (lockout_delay > '0'::interval AND lockout_delay <= '1 day'::interval),
    lockout_max_delay           interval NOT NULL DEFAULT '1 hour'
                                CONSTRAINT realms_lockout_max_delay_check
                                CHECK (lockout_max_delay >= lockout_delay AND lockout_max_delay <= '30 days'::interval),
    mfa_token_max_failures      integer NOT NULL DEFAULT 5
                                CONSTRAINT realms_mfa_token_max_failures_check CHECK (mfa_token_max_failures BETWEEN 1 AND 100),
    created_at          timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
COMMENT ON TABLE mfa.realms IS 'tenancy boundary: users, issuer shown in authenticator apps, TOTP and token policy';

-- Users: username unique per realm, compared case-insensitively (usernames are often e-mail addresses).
CREATE TABLE mfa.users (
    user_id     bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    realm_id    bigint NOT NULL REFERENCES mfa.realms ON DELETE CASCADE,
    username    text NOT NULL
                CONSTRAINT users_username_check CHECK (mfa._is_display_name(username, 256, false)),
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
CREATE UNIQUE INDEX users_realm_username_key ON mfa.users (realm_id, lower(username));
COMMENT ON TABLE mfa.users IS 'users of a realm; username unique per realm, case-insensitively';

-- Lockouts: each user's count of consecutive unsuccessful attempts, for codes and for passwords, and the
-- time before which the next one is refused. One row per user, made with the user; its row lock orders
-- concurrent attempts of one user. When pg_mfa is preloaded, shared memory holds the same counts beyond the
-- reach of rollbacks (src/pg/throttle.cpp) and the larger count wins.
CREATE TABLE mfa.user_lockouts (
    user_id                 bigint PRIMARY KEY REFERENCES mfa.users ON DELETE CASCADE,
    code_failures           integer NOT NULL DEFAULT 0 CONSTRAINT user_lockouts_code_failures_check CHECK (code_failures >= 0),
    code_locked_until       timestamptz,
    password_failures       integer NOT NULL DEFAULT 0
                            CONSTRAINT user_lockouts_password_failures_check CHECK (password_failures >= 0),
    password_locked_until   timestamptz
);
COMMENT ON TABLE mfa.user_lockouts IS 'brute-force throttle: consecutive unsuccessful code and password attempts per user';

-- Credentials: one password (an Argon2id PHC string) and any number of TOTP devices per user.
CREATE TABLE mfa.credentials (
    credential_id   bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES mfa.users ON DELETE CASCADE,
    type            text NOT NULL CONSTRAINT credentials_type_check CHECK (type IN ('password', 'totp')),
    name            text CONSTRAINT credentials_name_check CHECK (mfa._is_display_name(name, 100, true)),
    password_hash   text,
    otp_secret      bytea,
    algorithm       text CONSTRAINT credentials_algorithm_check CHECK (algorithm IN ('sha1', 'sha256', 'sha512')),
    digits          integer CONSTRAINT credentials_digits_check CHECK (digits BETWEEN 6 AND 8),
    period          integer CONSTRAINT credentials_period_check CHECK (period BETWEEN 1 AND 600),
    state           text CONSTRAINT credentials_state_check CHECK (state IN ('new', 'active', 'disabled')),
    last_step       bigint CONSTRAINT credentials_last_step_check CHECK (last_step >= 0),
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    updated_at      timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    verified_at     timestamptz,
    last_used_at    timestamptz,
    CONSTRAINT credentials_shape_check CHECK (
        CASE type
        WHEN 'password' THEN password_hash IS NOT NULL AND otp_secret IS NULL AND name IS NULL AND algorithm IS NULL
                             AND digits IS NULL AND period IS NULL AND state IS NULL AND last_step IS NULL
        WHEN 'totp' THEN password_hash IS NULL AND otp_secret IS NOT NULL AND length(otp_secret) BETWEEN 16 AND 64
                         AND name IS NOT NULL AND algorithm IS NOT NULL AND digits IS NOT NULL AND period IS NOT NULL
                         AND state IS NOT NULL AND (state = 'new' OR verified_at IS NOT NULL)
        END)
);
CREATE UNIQUE INDEX credentials_one_password_key ON mfa.credentials (user_id) WHERE type = 'password';
CREATE INDEX credentials_user_totp_idx ON mfa.credentials (user_id, credential_id) WHERE type = 'totp';
COMMENT ON TABLE mfa.credentials IS 'passwords (Argon2id PHC strings) and TOTP devices; secret columns readable by nobody';

-- MFA tokens (kli_) and sessions (kss_): only the SHA-256 digest of a token is stored.
CREATE TABLE mfa.mfa_tokens (
    mfa_token_id    bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    token_digest    bytea NOT NULL UNIQUE CONSTRAINT mfa_tokens_digest_check CHECK (length(token_digest) = 32),
    user_id         bigint NOT NULL REFERENCES mfa.users ON DELETE CASCADE,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    consumed_at     timestamptz,
    failures        integer NOT NULL DEFAULT 0,  -- wrong codes tried with this token
    CONSTRAINT mfa_tokens_expiry_check CHECK (expires_at > created_at)
);
CREATE INDEX mfa_tokens_user_idx ON mfa.mfa_tokens (user_id);
COMMENT ON TABLE mfa.mfa_tokens IS 'kli_ tokens: single-use, short-lived proof that the password step succeeded';

CREATE TABLE mfa.sessions (
    session_id      bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    token_digest    bytea NOT NULL UNIQUE CONSTRAINT sessions_digest_check CHECK (length(token_digest) = 32),
    user_id         bigint NOT NULL REFERENCES mfa.users ON DELETE CASCADE,
    mfa_verified    boolean NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    CONSTRAINT sessions_expiry_check CHECK (expires_at > created_at)
);
CREATE INDEX sessions_user_idx ON mfa.sessions (user_id);
COMMENT ON TABLE mfa.sessions IS 'kss_ sessions; mfa_verified tells whether a second factor was checked';

-- Events: the audit trail. Never a password, code, secret or token; for an unknown username not even the
-- name (people type passwords into the username field).
CREATE TABLE mfa.events (
    event_id        bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    occurred_at     timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    type            text NOT NULL CONSTRAINT events_type_check CHECK (type IN (
                        'realm_created', 'user_created', 'password_set', 'totp_created', 'totp_verify',
                        'password_login', 'mfa_login', 'logout', 'credential_deleted', 'lockout_reset')),
    result          text NOT NULL CONSTRAINT events_result_check CHECK (result IN ('success', 'failure')),
    reason          text CONSTRAINT events_reason_check CHECK (reason IN (
                        'unknown_user', 'no_password', 'wrong_password', 'wrong_code', 'replayed_code',
                        'invalid_token', 'token_used', 'needs_mfa', 'full_login', 'enrolled',
                        'throttled', 'disabled', 'token_exhausted')),
    realm_id        bigint REFERENCES mfa.realms ON DELETE CASCADE,  -- NULL only for an unknown kli_ token
    user_id         bigint REFERENCES mfa.users ON DELETE SET NULL,
    credential_id   bigint
);
CREATE INDEX events_user_idx ON mfa.events (user_id, occurred_at);
CREATE INDEX events_realm_time_idx ON mfa.events (realm_id, occurred_at);
COMMENT ON TABLE mfa.events IS 'audit trail of login attempts and credential changes; holds no secret';

-- The default realm. On restore, CREATE EXTENSION makes it again before the dumped realms arrive, and
-- the dumped 'default' (with the policy and issuer an administrator gave it) must win: this trigger
-- removes the script's fresh default realm when a row of that name is inserted, as long as it has no
-- users yet. A default realm in use is never touched (the insert then fails on the unique name).
CREATE FUNCTION mfa._realms_replace_fresh_default()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF NEW.name = 'default' THEN
        DELETE FROM mfa.realms AS r
        WHERE r.name = 'default'
          AND NOT EXISTS (SELECT FROM mfa.users AS u WHERE u.realm_id = r.realm_id)
          AND NOT EXISTS (SELECT FROM mfa.events AS e WHERE e.realm_id = r.realm_id);
    END IF;
    RETURN NEW;
END
$function$;
COMMENT ON FUNCTION mfa._realms_replace_fresh_default() IS
'internal: lets a restored realm named default replace the unused one CREATE EXTENSION made';
CREATE TRIGGER realms_replace_fresh_default BEFORE INSERT ON mfa.realms
FOR EACH ROW EXECUTE FUNCTION mfa._realms_replace_fresh_default();

-- Id 0, which the identity sequence never hands out, so no dumped realm can collide with it.
INSERT INTO mfa.realms (realm_id, name, issuer) OVERRIDING SYSTEM VALUE VALUES (0, 'default', 'default');

SELECT pg_catalog.pg_extension_config_dump('mfa.realms', '');
SELECT pg_catalog.pg_extension_config_dump('mfa.users', '');
SELECT pg_catalog.pg_extension_config_dump('mfa.credentials', '');
SELECT pg_catalog.pg_extension_config_dump('mfa.user_lockouts', '');
SELECT pg_catalog.pg_extension_config_dump('mfa.mfa_tokens', '');
SELECT pg_catalog.pg_extension_config_dump('mfa.sessions', '');
SELECT pg_catalog.pg_extension_config_dump('mfa.events', '');
-- ... and the sequences behind their ids, or a restored database would hand out ids from 1 again. One
-- call per statement: each call updates the extension's catalog row.
DO $config$
DECLARE
    id record;
BEGIN
    FOR id IN SELECT * FROM (VALUES ('mfa.realms', 'realm_id'), ('mfa.users', 'user_id'),
                                    ('mfa.credentials', 'credential_id'), ('mfa.mfa_tokens', 'mfa_token_id'),
                                    ('mfa.sessions', 'session_id'), ('mfa.events', 'event_id')) AS t(tab, col)
    LOOP
        PERFORM pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence(id.tab, id.col), '');
    END LOOP;
END
$config$;

-- ---------------------------------------------------------------------------------------------------------
-- Login: the brute-force throttle

-- _durable: make the current transaction's commit durable before it is acknowledged. A consumed code or
-- token, a counted failure, a new or revoked session must not come back (or vanish) after a crash, and an
-- application running with synchronous_commit = off, or switching it off before COMMIT, would otherwise get
-- acknowledgements for commits not yet on disk. PostgreSQL's ForceSyncCommit: the commit flushes its WAL
-- whatever the setting says (a stronger setting keeps waiting for standbys as before).
CREATE FUNCTION mfa._durable()
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_durable';
COMMENT ON FUNCTION mfa._durable() IS
'internal: this transaction''s commit flushes its WAL whatever synchronous_commit says (consumptions are acknowledged only when durable)';


CREATE FUNCTION mfa._attempt_check(kind "char", subject bigint, failures integer, locked_until timestamptz,
                                   threshold integer, disable_threshold integer, now timestamptz)
RETURNS text
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_attempt_check';
COMMENT ON FUNCTION mfa._attempt_check("char", bigint, integer, timestamptz, integer, integer, timestamptz) IS
'internal: admit, locked or disabled, for an attempt on a subject (table view merged with shared memory)';

CREATE FUNCTION mfa._attempt_failed(kind "char", subject bigint, failures integer, locked_until timestamptz,
                                    threshold integer, base_delay interval, max_delay interval, now timestamptz,
                                    OUT new_failures integer, OUT new_locked_until timestamptz)
LANGUAGE c VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_attempt_failed';
COMMENT ON FUNCTION mfa._attempt_failed("char", bigint, integer, timestamptz, integer, interval, interval, timestamptz) IS
'internal: count an unsuccessful attempt (at once in shared memory when preloaded) and return the new state';

CREATE FUNCTION mfa._admit_reset(kind "char", subject bigint)
RETURNS void
LANGUAGE c VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_admit_reset';
COMMENT ON FUNCTION mfa._admit_reset("char", bigint) IS 'internal: forget a subject''s attempts in shared memory';

CREATE FUNCTION mfa._throttle_sync()
RETURNS void
LANGUAGE c VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_throttle_sync';
COMMENT ON FUNCTION mfa._throttle_sync() IS
'internal: the flushes a counted failure costs (log fsync, forced commit flush), for failure paths that count nothing';

CREATE FUNCTION mfa._throttle_shared()
RETURNS boolean
LANGUAGE c VOLATILE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_throttle_shared';
COMMENT ON FUNCTION mfa._throttle_shared() IS
'internal: whether attempts are also counted in shared memory (pg_mfa in shared_preload_libraries)';

-- _attempt_admit: may a user's code ('c') or password ('p') attempt be evaluated? The user's lockouts row
-- is locked first and stays locked until the transaction ends, so concurrent attempts of one user are
-- decided one after the other, each seeing the failures recorded before it.
CREATE FUNCTION mfa._attempt_admit(user_id bigint, kind "char", realm mfa.realms, now timestamptz)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
DECLARE
    v_row mfa.user_lockouts;
    v_decision text;
BEGIN
    SELECT l.* INTO v_row FROM mfa.user_lockouts AS l WHERE l.user_id = _attempt_admit.user_id FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO mfa.user_lockouts (user_id) VALUES (_attempt_admit.user_id) ON CONFLICT DO NOTHING;
        SELECT l.* INTO v_row FROM mfa.user_lockouts AS l WHERE l.user_id = _attempt_admit.user_id FOR UPDATE;
    END IF;
    IF kind = 'c' THEN
        v_decision := mfa._attempt_check('c', _attempt_admit.user_id, v_row.code_failures, v_row.code_locked_until,
                                         realm.code_lockout_threshold, realm.code_disable_threshold, _attempt_admit.now);
    ELSE
        v_decision := mfa._attempt_check('p', _attempt_admit.user_id, v_row.password_failures,
                                         v_row.password_locked_until, realm.password_lockout_threshold, 2147483647,
                                         _attempt_admit.now);
    END IF;
    IF v_decision = 'disabled' THEN
        -- NIST's ceiling: the user's devices stay disabled until an administrator resets the lockout.
        UPDATE mfa.credentials AS c SET state = 'disabled', updated_at = _attempt_admit.now
        WHERE c.user_id = _attempt_admit.user_id AND c.type = 'totp' AND c.state <> 'disabled';
    END IF;
    RETURN v_decision;
END
$function$;
COMMENT ON FUNCTION mfa._attempt_admit(bigint, "char", mfa.realms, timestamptz) IS
'internal: lock a user''s lockouts row and decide whether a code or password attempt may be evaluated';

-- _attempt_failed_user: count an unsuccessful code or password attempt of a user (after _attempt_admit).
CREATE FUNCTION mfa._attempt_failed_user(user_id bigint, kind "char", realm mfa.realms, now timestamptz)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
DECLARE
    v_row mfa.user_lockouts;
    v_state record;
BEGIN
    PERFORM mfa._durable();
    SELECT l.* INTO v_row FROM mfa.user_lockouts AS l WHERE l.user_id = _attempt_failed_user.user_id FOR UPDATE;
    IF kind = 'c' THEN
        SELECT f.* INTO v_state
        FROM mfa._attempt_failed('c', _attempt_failed_user.user_id, v_row.code_failures, v_row.code_locked_until,
                                 realm.code_lockout_threshold, realm.lockout_delay, realm.lockout_max_delay,
                                 _attempt_failed_user.now) AS f;
        UPDATE mfa.user_lockouts AS l
        SET code_failures = v_state.new_failures, code_locked_until = v_state.new_locked_until
        WHERE l.user_id = _attempt_failed_user.user_id;
        IF v_state.new_failures >= realm.code_disable_threshold THEN
            UPDATE mfa.credentials AS c SET state = 'disabled', updated_at = _attempt_failed_user.now
            WHERE c.user_id = _attempt_failed_user.user_id AND c.type = 'totp' AND c.state <> 'disabled';
        END IF;
    ELSE
        SELECT f.* INTO v_state
        FROM mfa._attempt_failed('p', _attempt_failed_user.user_id, v_row.password_failures,
                                 v_row.password_locked_until, realm.password_lockout_threshold, realm.lockout_delay,
                                 realm.lockout_max_delay, _attempt_failed_user.now) AS f;
        UPDATE mfa.user_lockouts AS l
        SET password_failures = v_state.new_failures, password_locked_until = v_state.new_locked_until
        WHERE l.user_id = _attempt_failed_user.user_id;
    END IF;
END
$function$;
COMMENT ON FUNCTION mfa._attempt_failed_user(bigint, "char", mfa.realms, timestamptz) IS
'internal: count an unsuccessful code or password attempt of a user; disables the devices at the ceiling';

-- _attempt_succeeded: a success resets the user's count of that kind.
CREATE FUNCTION mfa._attempt_succeeded(user_id bigint, kind "char")
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
BEGIN
    IF kind = 'c' THEN
        UPDATE mfa.user_lockouts AS l SET code_failures = 0, code_locked_until = NULL
        WHERE l.user_id = _attempt_succeeded.user_id AND (l.code_failures <> 0 OR l.code_locked_until IS NOT NULL);
    ELSE
        UPDATE mfa.user_lockouts AS l SET password_failures = 0, password_locked_until = NULL
        WHERE l.user_id = _attempt_succeeded.user_id
          AND (l.password_failures <> 0 OR l.password_locked_until IS NOT NULL);
    END IF;
    PERFORM mfa._admit_reset(kind, _attempt_succeeded.user_id);
END
$function$;
COMMENT ON FUNCTION mfa._attempt_succeeded(bigint, "char") IS 'internal: reset a user''s code or password attempt count';

CREATE FUNCTION mfa.reset_lockout(user_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
DECLARE
    v_realm_id bigint := mfa._user_realm(reset_lockout.user_id);
    v_now timestamptz := mfa._now();
BEGIN
    UPDATE mfa.user_lockouts AS l
    SET code_failures = 0, code_locked_until = NULL, password_failures = 0, password_locked_until = NULL
    WHERE l.user_id = reset_lockout.user_id;
    PERFORM mfa._admit_reset('c', reset_lockout.user_id);
    PERFORM mfa._admit_reset('p', reset_lockout.user_id);
    UPDATE mfa.credentials AS c
    SET state = CASE WHEN c.verified_at IS NULL THEN 'new' ELSE 'active' END, updated_at = v_now
    WHERE c.user_id = reset_lockout.user_id AND c.type = 'totp' AND c.state = 'disabled';
    INSERT INTO mfa.events (type, result, realm_id, user_id)
    VALUES ('lockout_reset', 'success', v_realm_id, reset_lockout.user_id);
END
$function$;
COMMENT ON FUNCTION mfa.reset_lockout(bigint) IS
'(mfa_admin) clear a user''s code and password lockouts and re-enable TOTP devices disabled at the ceiling';

-- ---------------------------------------------------------------------------------------------------------
-- Login: administration

CREATE FUNCTION mfa.create_realm(name text, issuer text DEFAULT NULL, totp_enabled boolean DEFAULT true)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
DECLARE
    v_realm_id bigint;
BEGIN
    IF create_realm.name IS NULL OR create_realm.totp_enabled IS NULL THEN
        RAISE EXCEPTION 'realm name and totp_enabled must not be null' USING ERRCODE = '22004';
    END IF;
    IF create_realm.name !~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' THEN
        RAISE EXCEPTION 'invalid realm name "%"', mfa._shown(create_realm.name) USING ERRCODE = '22023',
            DETAIL = 'A realm name is 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit.';
    END IF;
    IF create_realm.issuer IS NOT NULL
       AND NOT mfa._is_display_name(create_realm.issuer, 256, false) THEN
        RAISE EXCEPTION 'invalid issuer' USING ERRCODE = '22023',
            DETAIL = 'An issuer is 1 to 256 characters without white space at either end, control characters, '
                     'invisible format characters or colons (authenticator apps read a colon as the end of the issuer).';
    END IF;
    IF EXISTS (SELECT FROM mfa.realms AS r WHERE r.name = create_realm.name) THEN
        RAISE EXCEPTION 'realm "%" already exists', mfa._shown(create_realm.name) USING ERRCODE = '23505';
    END IF;
    -- A concurrent create_realm of the same name still fails, on the unique index, with 23505.
    INSERT INTO mfa.realms (name, issuer, totp_enabled)
    VALUES (create_realm.name, coalesce(create_realm.issuer, create_realm.name), create_realm.totp_enabled)
    RETURNING realm_id INTO v_realm_id;
    INSERT INTO mfa.events (type, result, realm_id) VALUES ('realm_created', 'success', v_realm_id);
    RETURN v_realm_id;
END
$function$;
COMMENT ON FUNCTION mfa.create_realm(text, text, boolean) IS
'new realm with default policy; the issuer shown in authenticator apps defaults to the realm name';

-- _realm_id: the id of a realm by name; an unknown realm is an error (it is a caller's mistake, not a
-- failed login).
CREATE FUNCTION mfa._realm_id(realm text)
RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_realm_id bigint;
BEGIN
    IF realm IS NULL THEN
        RAISE EXCEPTION 'realm must not be null' USING ERRCODE = '22004';
    END IF;
    SELECT r.realm_id INTO v_realm_id FROM mfa.realms AS r WHERE r.name = realm;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'realm "%" does not exist', mfa._shown(realm) USING ERRCODE = '42704';
    END IF;
    RETURN v_realm_id;
END
$function$;
COMMENT ON FUNCTION mfa._realm_id(text) IS 'internal: a realm''s id by name; raises 42704 for an unknown realm';

-- _user_realm: the realm of a user; an unknown user id is an error.
CREATE FUNCTION mfa._user_realm(user_id bigint)
RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
DECLARE
    v_realm_id bigint;
BEGIN
    IF _user_realm.user_id IS NULL THEN
        RAISE EXCEPTION 'user_id must not be null' USING ERRCODE = '22004';
    END IF;
    SELECT u.realm_id INTO v_realm_id FROM mfa.users AS u WHERE u.user_id = _user_realm.user_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user % does not exist', _user_realm.user_id USING ERRCODE = '42704';
    END IF;
    RETURN v_realm_id;
END
$function$;
COMMENT ON FUNCTION mfa._user_realm(bigint) IS 'internal: a user''s realm id; raises 42704 for an unknown user';

CREATE FUNCTION mfa.create_user(username text, password text DEFAULT NULL, realm text DEFAULT 'default')
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
DECLARE
    v_realm_id bigint := mfa._realm_id(create_user.realm);
    v_user_id bigint;
    v_hash text;
BEGIN
    IF create_user.username IS NULL THEN
        RAISE EXCEPTION 'username must not be null' USING ERRCODE = '22004';
    END IF;
    IF NOT mfa._is_display_name(create_user.username, 256, false) THEN
        RAISE EXCEPTION 'invalid username' USING ERRCODE = '22023',
            DETAIL = 'A username is 1 to 256 characters without white space at either end, control characters, '
                     'invisible format characters or colons (authenticator apps read a colon in an account name '
                     'as the end of the issuer).';
    END IF;
    -- Hash first: a password that is refused (empty, over 1024 bytes) leaves no user behind.
    IF create_user.password IS NOT NULL THEN
        v_hash := mfa.hash_password(create_user.password);
    END IF;
    IF EXISTS (SELECT FROM mfa.users AS u
               WHERE u.realm_id = v_realm_id AND lower(u.username) = lower(create_user.username)) THEN
        RAISE EXCEPTION 'user "%" already exists in realm "%"', mfa._shown(create_user.username),
            mfa._shown(create_user.realm)
            USING ERRCODE = '23505';
    END IF;
    -- A concurrent create_user of the same name still fails, on the unique index, with 23505.
    INSERT INTO mfa.users (realm_id, username) VALUES (v_realm_id, create_user.username)
    RETURNING user_id INTO v_user_id;
    INSERT INTO mfa.user_lockouts (user_id) VALUES (v_user_id);
    IF v_hash IS NOT NULL THEN
        INSERT INTO mfa.credentials (user_id, type, password_hash) VALUES (v_user_id, 'password', v_hash);
    END IF;
    INSERT INTO mfa.events (type, result, realm_id, user_id) VALUES ('user_created', 'success', v_realm_id, v_user_id);
    RETURN v_user_id;
END
$function$;
COMMENT ON FUNCTION mfa.create_user(text, text, text) IS
'new user in a realm, with an Argon2id-hashed password unless it is NULL; returns the user id';

CREATE FUNCTION mfa.set_password(user_id bigint, password text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
DECLARE
    v_realm_id bigint := mfa._user_realm(set_password.user_id);
    v_now timestamptz := mfa._now();
    v_credential_id bigint;
BEGIN
    IF set_password.password IS NULL THEN
        RAISE EXCEPTION 'password must not be null' USING ERRCODE = '22004';
    END IF;
    PERFORM mfa._durable();
    -- A second step begun with the old password must not finish after the change. The tokens first: every
    -- flow locks a kli_ token before the user's lockouts row and credentials (complete_mfa does), so this
    -- order cannot deadlock with a login.
    UPDATE mfa.mfa_tokens AS t SET consumed_at = v_now
    WHERE t.user_id = set_password.user_id AND t.consumed_at IS NULL AND t.expires_at > v_now;
    INSERT INTO mfa.credentials AS c (user_id, type, password_hash, created_at, updated_at)
    VALUES (set_password.user_id, 'password', mfa.hash_password(set_password.password), v_now, v_now)
    ON CONFLICT (user_id) WHERE type = 'password'
    DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at
    RETURNING c.credential_id INTO v_credential_id;
    INSERT INTO mfa.events (type, result, realm_id, user_id, credential_id)
    VALUES ('password_set', 'success', v_realm_id, set_password.user_id, v_credential_id);
END
$function$;
COMMENT ON FUNCTION mfa.set_password(bigint, text) IS
'set or replace a user''s password (Argon2id); pending kli_ tokens of the user die (sessions stay: see revoke_sessions)';

CREATE FUNCTION mfa.revoke_sessions(user_id bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
DECLARE
    v_realm_id bigint := mfa._user_realm(revoke_sessions.user_id);
    v_now timestamptz := mfa._now();
    v_sessions bigint;
BEGIN
    PERFORM mfa._durable();
    UPDATE mfa.sessions AS s SET revoked_at = v_now
    WHERE s.user_id = revoke_sessions.user_id AND s.revoked_at IS NULL AND s.expires_at > v_now;
    GET DIAGNOSTICS v_sessions = ROW_COUNT;
    UPDATE mfa.mfa_tokens AS t SET consumed_at = v_now
    WHERE t.user_id = revoke_sessions.user_id AND t.consumed_at IS NULL AND t.expires_at > v_now;
    IF v_sessions > 0 THEN
        INSERT INTO mfa.events (type, result, realm_id, user_id)
        VALUES ('logout', 'success', v_realm_id, revoke_sessions.user_id);
    END IF;
    RETURN v_sessions;
END
$function$;
COMMENT ON FUNCTION mfa.revoke_sessions(bigint) IS
'log a user out everywhere: revoke every live session and pending kli_ token; returns the number of sessions (call it after a password change or a lost device)';

-- ---------------------------------------------------------------------------------------------------------
-- Login: TOTP enrollment

CREATE FUNCTION mfa.totp_create_credential(user_id bigint, name text DEFAULT 'Authenticator')
RETURNS TABLE (credential_id bigint, state text, otp_secret text, provisioning_uri text, provisioning_svg text)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
DECLARE
    v_realm mfa.realms;
    v_username text;
    v_secret bytea;
    v_base32 text;
    v_uri text;
    v_credential_id bigint;
    v_now timestamptz := mfa._now();
BEGIN
    IF totp_create_credential.user_id IS NULL OR totp_create_credential.name IS NULL THEN
        RAISE EXCEPTION 'user_id and name must not be null' USING ERRCODE = '22004';
    END IF;
    IF NOT mfa._is_display_name(totp_create_credential.name, 100, true) THEN
        RAISE EXCEPTION 'invalid credential name' USING ERRCODE = '22023',
            DETAIL = 'A credential name is 1 to 100 characters without white space at either end, control '
                     'characters or invisible format characters.';
    END IF;
    SELECT u.username INTO v_username FROM mfa.users AS u WHERE u.user_id = totp_create_credential.user_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user % does not exist', totp_create_credential.user_id USING ERRCODE = '42704';
    END IF;
    SELECT r.* INTO v_realm FROM mfa.users AS u JOIN mfa.realms AS r ON r.realm_id = u.realm_id
    WHERE u.user_id = totp_create_credential.user_id;
    IF NOT v_realm.totp_enabled THEN
        RAISE EXCEPTION 'TOTP is not enabled in realm "%"', v_realm.name USING ERRCODE = '55000',
            HINT = 'An administrator enables it with UPDATE mfa.realms SET totp_enabled = true.';
    END IF;
    v_base32 := mfa.generate_secret(20);
    v_secret := mfa.base32_decode(v_base32);
    v_uri := mfa.otpauth_uri(v_base32, v_username, v_realm.issuer, v_realm.totp_digits, v_realm.totp_period,
                             v_realm.totp_algorithm);
    INSERT INTO mfa.credentials AS c (user_id, type, name, otp_secret, algorithm, digits, period, state,
                                      created_at, updated_at)
    VALUES (totp_create_credential.user_id, 'totp', totp_create_credential.name, v_secret, v_realm.totp_algorithm,
            v_realm.totp_digits, v_realm.totp_period, 'new', v_now, v_now)
    RETURNING c.credential_id INTO v_credential_id;
    INSERT INTO mfa.events (type, result, realm_id, user_id, credential_id)
    VALUES ('totp_created', 'success', v_realm.realm_id, totp_create_credential.user_id, v_credential_id);
    RETURN QUERY SELECT v_credential_id, 'new'::text, v_base32, v_uri, mfa.qr_svg(v_uri);
END
$function$;
COMMENT ON FUNCTION mfa.totp_create_credential(bigint, text) IS
'new TOTP device (state new) with a fresh 160-bit secret; returns, once, the secret, its otpauth URI and a QR code (SVG)';

CREATE FUNCTION mfa.totp_verify(credential_id bigint, code text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
DECLARE
    v_cred record;
    v_realm mfa.realms;
    v_now timestamptz := mfa._now();
    v_step bigint;
    v_decision text;
BEGIN
    IF totp_verify.credential_id IS NULL OR totp_verify.code IS NULL THEN
        RAISE EXCEPTION 'credential_id and code must not be null' USING ERRCODE = '22004';
    END IF;
    SELECT c.type, c.user_id, c.otp_secret, c.algorithm, c.digits, c.period, c.state, c.last_step,
           u.realm_id, r.totp_window
    INTO v_cred
    FROM mfa.credentials AS c
    JOIN mfa.users AS u ON u.user_id = c.user_id
    JOIN mfa.realms AS r ON r.realm_id = u.realm_id
    WHERE c.credential_id = totp_verify.credential_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'credential % does not exist', totp_verify.credential_id USING ERRCODE = '42704';
    END IF;
    IF v_cred.type <> 'totp' THEN
        RAISE EXCEPTION 'credential % is not a TOTP credential', totp_verify.credential_id USING ERRCODE = '42809';
    END IF;
    SELECT r.* INTO v_realm FROM mfa.realms AS r WHERE r.realm_id = v_cred.realm_id;

    -- The throttle first: code checks of a user are counted across all devices and functions.
    v_decision := mfa._attempt_admit(v_cred.user_id, 'c', v_realm, v_now);
    IF v_decision <> 'admit' OR v_cred.state = 'disabled' THEN
        INSERT INTO mfa.events (type, result, reason, realm_id, user_id, credential_id)
        VALUES ('totp_verify', 'failure', CASE WHEN v_decision = 'locked' THEN 'throttled' ELSE 'disabled' END,
                v_cred.realm_id, v_cred.user_id, totp_verify.credential_id);
        RETURN false;
    END IF;

    v_step := mfa._totp_match(v_cred.otp_secret, totp_verify.code, v_now, v_cred.totp_window, v_cred.digits,
                              v_cred.period, v_cred.algorithm, v_cred.last_step);
    IF v_step >= 0 THEN
        -- Consuming the step is one conditional UPDATE: of two concurrent calls with the same code, the
        -- second finds the step taken (after the first commits) and fails.
        UPDATE mfa.credentials AS c
        SET last_step = v_step, state = 'active', verified_at = coalesce(c.verified_at, v_now),
            last_used_at = v_now, updated_at = v_now
        WHERE c.credential_id = totp_verify.credential_id AND (c.last_step IS NULL OR c.last_step < v_step);
        IF FOUND THEN
            PERFORM mfa._durable();
            PERFORM mfa._attempt_succeeded(v_cred.user_id, 'c');
            INSERT INTO mfa.events (type, result, reason, realm_id, user_id, credential_id)
            VALUES ('totp_verify', 'success', CASE WHEN v_cred.state = 'new' THEN 'enrolled' END, v_cred.realm_id,
                    v_cred.user_id, totp_verify.credential_id);
            RETURN true;
        END IF;
    END IF;
    PERFORM mfa._attempt_failed_user(v_cred.user_id, 'c', v_realm, v_now);
    INSERT INTO mfa.events (type, result, reason, realm_id, user_id, credential_id)
    VALUES ('totp_verify', 'failure', CASE WHEN v_step IS NULL THEN 'wrong_code' ELSE 'replayed_code' END,
            v_cred.realm_id, v_cred.user_id, totp_verify.credential_id);
    RETURN false;
END
$function$;
COMMENT ON FUNCTION mfa.totp_verify(bigint, text) IS
'whether the code is valid now and unused for this TOTP device; the first success activates a new device';

CREATE FUNCTION mfa.delete_credential(credential_id bigint)
RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
DECLARE
    v_user_id bigint;
    v_realm_id bigint;
BEGIN
    IF delete_credential.credential_id IS NULL THEN
        RAISE EXCEPTION 'credential_id must not be null' USING ERRCODE = '22004';
    END IF;
    DELETE FROM mfa.credentials AS c WHERE c.credential_id = delete_credential.credential_id
    RETURNING c.user_id INTO v_user_id;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    SELECT u.realm_id INTO v_realm_id FROM mfa.users AS u WHERE u.user_id = v_user_id;
    INSERT INTO mfa.events (type, result, realm_id, user_id, credential_id)
    VALUES ('credential_deleted', 'success', v_realm_id, v_user_id, delete_credential.credential_id);
    RETURN true;
END
$function$;
COMMENT ON FUNCTION mfa.delete_credential(bigint) IS 'delete a password or TOTP credential; false if there was none';

-- ---------------------------------------------------------------------------------------------------------
-- Login: the two steps and sessions

-- _start_session: a new kss_ session for a user who has passed every required step.
CREATE FUNCTION mfa._start_session(user_id bigint, lifetime interval, mfa_verified boolean, now timestamptz,
                                   OUT token text, OUT expires_at timestamptz)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
BEGIN
    PERFORM mfa._durable();  -- a session the client was given must survive a crash
    token := mfa._new_token('kss_');
    expires_at := _start_session.now + _start_session.lifetime;
    INSERT INTO mfa.sessions (token_digest, user_id, mfa_verified, created_at, expires_at)
    VALUES (mfa._token_digest(token), _start_session.user_id, _start_session.mfa_verified, _start_session.now,
            expires_at);
END
$function$;
COMMENT ON FUNCTION mfa._start_session(bigint, interval, boolean, timestamptz) IS
'internal: a new kss_ session token (stored as its digest) and its expiry';

CREATE FUNCTION mfa.authenticate_password(username text, password text, realm text DEFAULT 'default')
RETURNS TABLE (result text, user_id bigint, token text, expires_at timestamptz)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
DECLARE
    v_realm mfa.realms;
    v_now timestamptz;
    v_user_id bigint;
    v_credential_id bigint;
    v_hash text;
    v_token text;
    v_expires timestamptz;
    v_decision text;
BEGIN
    IF authenticate_password.username IS NULL OR authenticate_password.password IS NULL
       OR authenticate_password.realm IS NULL THEN
        RAISE EXCEPTION 'username, password and realm must not be null' USING ERRCODE = '22004';
    END IF;
    SELECT r.* INTO v_realm FROM mfa.realms AS r WHERE r.name = authenticate_password.realm;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'realm "%" does not exist', mfa._shown(authenticate_password.realm) USING ERRCODE = '42704';
    END IF;
    SELECT u.user_id, c.credential_id, c.password_hash INTO v_user_id, v_credential_id, v_hash
    FROM mfa.users AS u
    LEFT JOIN mfa.credentials AS c ON c.user_id = u.user_id AND c.type = 'password'
    WHERE u.realm_id = v_realm.realm_id AND lower(u.username) = lower(authenticate_password.username);

    -- A known user's attempt goes past the throttle first. A refused attempt does the same work as any
    -- other and gives the same row: the caller cannot tell it from a wrong password.
    IF v_user_id IS NOT NULL THEN
        v_decision := mfa._attempt_admit(v_user_id, 'p', v_realm, mfa._now());
        IF v_decision <> 'admit' THEN
            PERFORM mfa._password_check(authenticate_password.password, NULL);
            PERFORM mfa._throttle_sync();  -- the flushes a counted failure costs, for equal timing
            INSERT INTO mfa.events (type, result, reason, realm_id, user_id, credential_id)
            VALUES ('password_login', 'failure', 'throttled', v_realm.realm_id, v_user_id, v_credential_id);
            RETURN QUERY SELECT 'failed'::text, NULL::bigint, NULL::text, NULL::timestamptz;
            RETURN;
        END IF;
    END IF;

    -- Unknown user, no password and wrong password do the same Argon2id work and give the same row.
    IF NOT mfa._password_check(authenticate_password.password, v_hash) THEN
        IF v_user_id IS NOT NULL THEN
            PERFORM mfa._attempt_failed_user(v_user_id, 'p', v_realm, mfa._now());
        ELSE
            PERFORM mfa._throttle_sync();  -- the flushes a counted failure costs, for equal timing
        END IF;
        INSERT INTO mfa.events (type, result, reason, realm_id, user_id, credential_id)
        VALUES ('password_login', 'failure',
                CASE WHEN v_user_id IS NULL THEN 'unknown_user' WHEN v_hash IS NULL THEN 'no_password'
                     ELSE 'wrong_password' END,
                v_realm.realm_id, v_user_id, v_credential_id);
        RETURN QUERY SELECT 'failed'::text, NULL::bigint, NULL::text, NULL::timestamptz;
        RETURN;
    END IF;
    v_now := mfa._now();  -- after the hash: token lifetimes start when the password step is done
    PERFORM mfa._attempt_succeeded(v_user_id, 'p');

    -- A hash weaker than the current settings is replaced while the password is at hand, unless the
    -- password was changed meanwhile (a set_password committed during our verification must win).
    IF mfa.password_needs_rehash(v_hash) THEN
        UPDATE mfa.credentials AS c
        SET password_hash = mfa.hash_password(authenticate_password.password), updated_at = v_now
        WHERE c.credential_id = v_credential_id AND c.password_hash = v_hash;
    END IF;

    -- A user with a device (even one disabled at the throttle's ceiling) always needs the second step.
    IF EXISTS (SELECT FROM mfa.credentials AS c
               WHERE c.user_id = v_user_id AND c.type = 'totp' AND c.state IN ('active', 'disabled')) THEN
        v_token := mfa._new_token('kli_');
        v_expires := v_now + v_realm.mfa_token_lifetime;
        INSERT INTO mfa.mfa_tokens (token_digest, user_id, created_at, expires_at)
        VALUES (mfa._token_digest(v_token), v_user_id, v_now, v_expires);
        INSERT INTO mfa.events (type, result, reason, realm_id, user_id, credential_id)
        VALUES ('password_login', 'success', 'needs_mfa', v_realm.realm_id, v_user_id, v_credential_id);
        RETURN QUERY SELECT 'needs_mfa'::text, v_user_id, v_token, v_expires;
        RETURN;
    END IF;

    SELECT s.token, s.expires_at INTO v_token, v_expires
    FROM mfa._start_session(v_user_id, v_realm.session_lifetime, false, v_now) AS s;
    INSERT INTO mfa.events (type, result, reason, realm_id, user_id, credential_id)
    VALUES ('password_login', 'success', 'full_login', v_realm.realm_id, v_user_id, v_credential_id);
    RETURN QUERY SELECT 'full_login'::text, v_user_id, v_token, v_expires;
END
$function$;
COMMENT ON FUNCTION mfa.authenticate_password(text, text, text) IS
'first step: full_login with a kss_ session token, needs_mfa with a single-use kli_ token, or failed';

-- complete_mfa's IN parameter `token` has the name of an output column, which PL/pgSQL cannot compile;
-- the public function is a SQL wrapper around this one.
CREATE FUNCTION mfa._complete_mfa(kli_token text, code text)
RETURNS TABLE (result text, user_id bigint, token text, expires_at timestamptz)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
DECLARE
    v_now timestamptz := mfa._now();
    v_mfa_token_id bigint;
    v_user_id bigint;
    v_live boolean;
    v_token_failures integer;
    v_decision text;
    v_realm mfa.realms;
    v_cred record;
    v_step bigint;
    v_matched bigint;
    v_replayed boolean := false;
    v_token text;
    v_expires timestamptz;
BEGIN
    IF _complete_mfa.kli_token IS NULL OR _complete_mfa.code IS NULL THEN
        RAISE EXCEPTION 'token and code must not be null' USING ERRCODE = '22004';
    END IF;
    -- The token's row stays locked to the end: concurrent calls with one token are decided in turn.
    SELECT t.mfa_token_id, t.user_id, t.consumed_at IS NULL AND t.expires_at > v_now, t.failures
    INTO v_mfa_token_id, v_user_id, v_live, v_token_failures
    FROM mfa.mfa_tokens AS t
    WHERE t.token_digest = mfa._token_digest(_complete_mfa.kli_token)
    FOR UPDATE;
    IF NOT FOUND THEN
        -- Not a kli_ token we issued (or purged): an attempt with no realm or user to name.
        INSERT INTO mfa.events (type, result, reason) VALUES ('mfa_login', 'failure', 'invalid_token');
        RETURN QUERY SELECT 'failed'::text, NULL::bigint, NULL::text, NULL::timestamptz;
        RETURN;
    END IF;
    SELECT r.* INTO v_realm FROM mfa.users AS u JOIN mfa.realms AS r ON r.realm_id = u.realm_id
    WHERE u.user_id = v_user_id;
    IF NOT v_live THEN
        -- Used or expired: the attempt names a user, so it goes into the audit trail.
        INSERT INTO mfa.events (type, result, reason, realm_id, user_id)
        VALUES ('mfa_login', 'failure', 'invalid_token', v_realm.realm_id, v_user_id);
        RETURN QUERY SELECT 'failed'::text, NULL::bigint, NULL::text, NULL::timestamptz;
        RETURN;
    END IF;

    -- The throttle, before any code is evaluated: a kli_ token dies after the realm's number of wrong
    -- codes (the user must give the password again), and code checks of the user are limited across all
    -- tokens and devices.
    IF mfa._attempt_check('t', v_mfa_token_id, v_token_failures, NULL, v_realm.mfa_token_max_failures,
                          v_realm.mfa_token_max_failures, v_now) <> 'admit' THEN
        UPDATE mfa.mfa_tokens AS t SET consumed_at = v_now WHERE t.mfa_token_id = v_mfa_token_id;
        INSERT INTO mfa.events (type, result, reason, realm_id, user_id)
        VALUES ('mfa_login', 'failure', 'token_exhausted', v_realm.realm_id, v_user_id);
        RETURN QUERY SELECT 'failed'::text, NULL::bigint, NULL::text, NULL::timestamptz;
        RETURN;
    END IF;
    v_decision := mfa._attempt_admit(v_user_id, 'c', v_realm, v_now);
    IF v_decision <> 'admit' THEN
        PERFORM mfa._throttle_sync();  -- the flushes a counted failure costs, for closer timing
        INSERT INTO mfa.events (type, result, reason, realm_id, user_id)
        VALUES ('mfa_login', 'failure', CASE WHEN v_decision = 'locked' THEN 'throttled' ELSE 'disabled' END,
                v_realm.realm_id, v_user_id);
        RETURN QUERY SELECT 'failed'::text, NULL::bigint, NULL::text, NULL::timestamptz;
        RETURN;
    END IF;

    -- The code may come from any of the user's active devices. Consuming its time step is a conditional
    -- UPDATE on the credential, before the token: two calls racing with one code cannot both pass it.
    FOR v_cred IN
        SELECT c.credential_id, c.otp_secret, c.algorithm, c.digits, c.period, c.last_step
        FROM mfa.credentials AS c
        WHERE c.user_id = v_user_id AND c.type = 'totp' AND c.state = 'active'
        ORDER BY c.credential_id
    LOOP
        v_step := mfa._totp_match(v_cred.otp_secret, _complete_mfa.code, v_now, v_realm.totp_window, v_cred.digits,
                                  v_cred.period, v_cred.algorithm, v_cred.last_step);
        IF v_step = -1 THEN
            v_replayed := true;
        END IF;
        CONTINUE WHEN v_step IS NULL OR v_step < 0;
        UPDATE mfa.credentials AS c SET last_step = v_step, last_used_at = v_now
        WHERE c.credential_id = v_cred.credential_id AND (c.last_step IS NULL OR c.last_step < v_step);
        IF FOUND THEN
            v_matched := v_cred.credential_id;
            EXIT;
        END IF;
        v_replayed := true;
    END LOOP;
    IF v_matched IS NULL THEN
        PERFORM mfa._attempt_failed_user(v_user_id, 'c', v_realm, v_now);
        SELECT f.new_failures INTO v_token_failures
        FROM mfa._attempt_failed('t', v_mfa_token_id, v_token_failures, NULL, v_realm.mfa_token_max_failures,
                                 '0'::interval, '0'::interval, v_now) AS f;
        UPDATE mfa.mfa_tokens AS t SET failures = v_token_failures WHERE t.mfa_token_id = v_mfa_token_id;
        INSERT INTO mfa.events (type, result, reason, realm_id, user_id)
        VALUES ('mfa_login', 'failure', CASE WHEN v_replayed THEN 'replayed_code' ELSE 'wrong_code' END,
                v_realm.realm_id, v_user_id);
        RETURN QUERY SELECT 'failed'::text, NULL::bigint, NULL::text, NULL::timestamptz;
        RETURN;
    END IF;

    PERFORM mfa._durable();
    PERFORM mfa._attempt_succeeded(v_user_id, 'c');
    PERFORM mfa._admit_reset('t', v_mfa_token_id);

    -- The kli_ token is single-use: of two calls racing with it, the second finds it consumed.
    UPDATE mfa.mfa_tokens AS t SET consumed_at = v_now
    WHERE t.mfa_token_id = v_mfa_token_id AND t.consumed_at IS NULL;
    IF NOT FOUND THEN
        INSERT INTO mfa.events (type, result, reason, realm_id, user_id, credential_id)
        VALUES ('mfa_login', 'failure', 'token_used', v_realm.realm_id, v_user_id, v_matched);
        RETURN QUERY SELECT 'failed'::text, NULL::bigint, NULL::text, NULL::timestamptz;
        RETURN;
    END IF;

    SELECT s.token, s.expires_at INTO v_token, v_expires
    FROM mfa._start_session(v_user_id, v_realm.session_lifetime, true, v_now) AS s;
    INSERT INTO mfa.events (type, result, reason, realm_id, user_id, credential_id)
    VALUES ('mfa_login', 'success', 'full_login', v_realm.realm_id, v_user_id, v_matched);
    RETURN QUERY SELECT 'full_login'::text, v_user_id, v_token, v_expires;
END
$function$;
COMMENT ON FUNCTION mfa._complete_mfa(text, text) IS 'internal: the body of mfa.complete_mfa';

CREATE FUNCTION mfa.complete_mfa(token text, code text)
RETURNS TABLE (result text, user_id bigint, token text, expires_at timestamptz)
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
    SELECT * FROM mfa._complete_mfa($1, $2);
$function$;
COMMENT ON FUNCTION mfa.complete_mfa(text, text) IS
'second step: full_login with a kss_ session token when the kli_ token is live and the code is valid, else failed';

CREATE FUNCTION mfa.validate_session(token text)
RETURNS TABLE (user_id bigint, realm text, expires_at timestamptz)
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
BEGIN
    IF validate_session.token IS NULL THEN
        RAISE EXCEPTION 'token must not be null' USING ERRCODE = '22004';
    END IF;
    RETURN QUERY
    SELECT s.user_id, r.name, s.expires_at
    FROM mfa.sessions AS s
    JOIN mfa.users AS u ON u.user_id = s.user_id
    JOIN mfa.realms AS r ON r.realm_id = u.realm_id
    WHERE s.token_digest = mfa._token_digest(validate_session.token)
      AND s.revoked_at IS NULL AND s.expires_at > mfa._now();
END
$function$;
COMMENT ON FUNCTION mfa.validate_session(text) IS 'one row (user, realm, expiry) for a live kss_ session token, none otherwise';

CREATE FUNCTION mfa.logout(token text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
DECLARE
    v_now timestamptz := mfa._now();
    v_user_id bigint;
BEGIN
    IF logout.token IS NULL THEN
        RAISE EXCEPTION 'token must not be null' USING ERRCODE = '22004';
    END IF;
    PERFORM mfa._durable();
    UPDATE mfa.sessions AS s SET revoked_at = v_now
    WHERE s.token_digest = mfa._token_digest(logout.token) AND s.revoked_at IS NULL AND s.expires_at > v_now
    RETURNING s.user_id INTO v_user_id;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    INSERT INTO mfa.events (type, result, realm_id, user_id)
    SELECT 'logout', 'success', u.realm_id, u.user_id FROM mfa.users AS u WHERE u.user_id = v_user_id;
    RETURN true;
END
$function$;
COMMENT ON FUNCTION mfa.logout(text) IS 'revoke a kss_ session; false if it was not live';

CREATE FUNCTION mfa.purge_expired(older_than interval DEFAULT '1 day')
RETURNS TABLE (mfa_tokens bigint, sessions bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
#variable_conflict use_column
DECLARE
    v_cutoff timestamptz;
    v_tokens bigint;
    v_sessions bigint;
BEGIN
    IF purge_expired.older_than IS NULL THEN
        RAISE EXCEPTION 'older_than must not be null' USING ERRCODE = '22004';
    END IF;
    IF purge_expired.older_than < '0'::interval THEN
        RAISE EXCEPTION 'older_than must be a non-negative interval' USING ERRCODE = '22023';
    END IF;
    v_cutoff := mfa._now() - purge_expired.older_than;
    DELETE FROM mfa.mfa_tokens AS t WHERE t.expires_at < v_cutoff OR t.consumed_at < v_cutoff;
    GET DIAGNOSTICS v_tokens = ROW_COUNT;
    DELETE FROM mfa.sessions AS s WHERE s.expires_at < v_cutoff OR s.revoked_at < v_cutoff;
    GET DIAGNOSTICS v_sessions = ROW_COUNT;
    RETURN QUERY SELECT v_tokens, v_sessions;
END
$function$;
COMMENT ON FUNCTION mfa.purge_expired(interval) IS
'delete kli_ tokens and sessions that expired, were used or were revoked longer ago than older_than (run it from cron)';

-- ---------------------------------------------------------------------------------------------------------
-- Operations: the security report

-- _setting_number: a numeric setting in its base unit (current_setting adds units: "100ms", "64B"), or
-- `missing` when there is no such setting (an extension that is not loaded).
CREATE FUNCTION mfa._setting_number(name text, missing integer DEFAULT NULL)
RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
    SELECT coalesce((SELECT s.setting::integer FROM pg_catalog.pg_settings AS s WHERE s.name = $1), $2);
$function$;
COMMENT ON FUNCTION mfa._setting_number(text, integer) IS 'internal: a numeric setting in its base unit, for the security report';

CREATE FUNCTION mfa.security_report()
RETURNS TABLE (check_name text, status text, detail text, advice text)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    v_preload text := coalesce(current_setting('shared_preload_libraries', true), '');
    v_session_preload text := coalesce(current_setting('session_preload_libraries', true), '') || ',' ||
                              coalesce(current_setting('local_preload_libraries', true), '');
    v_setting text;
    v_count bigint;
BEGIN
    -- 1. Rollback-proof throttling needs the shared memory that only preloading gives.
    check_name := 'throttle_preloaded';
    IF mfa._throttle_shared() THEN
        status := 'ok';
        detail := 'pg_mfa is in shared_preload_libraries: failed guesses are counted in shared memory at once.';
        advice := NULL;
    ELSE
        status := 'warning';
        detail := 'pg_mfa is not preloaded: failed guesses are counted transactionally, so a caller that rolls '
                  'back its transaction (or a savepoint, or an EXCEPTION block) gets its guesses back.';
        advice := 'Add pg_mfa to shared_preload_libraries and restart the server.';
    END IF;
    RETURN NEXT;

    -- 2. Statement logging that writes passwords, codes and tokens to the server log.
    check_name := 'log_statement';
    v_setting := current_setting('log_statement');
    IF v_setting = 'all' THEN
        status := 'warning';
        detail := 'log_statement = all writes the text of every statement, with any password or code written '
                  'as a literal, to the server log.';
        advice := 'Set log_statement to none, ddl or mod (pg_mfa''s functions are called with SELECT).';
    ELSE
        status := 'ok';
        detail := pg_catalog.format('log_statement = %s does not log SELECT statements.', v_setting);
        advice := NULL;
    END IF;
    RETURN NEXT;

    check_name := 'log_min_duration_statement';
    v_setting := current_setting('log_min_duration_statement');
    IF mfa._setting_number('log_min_duration_statement') >= 0
       OR mfa._setting_number('log_min_duration_sample') >= 0 THEN
        status := 'warning';
        detail := pg_catalog.format('log_min_duration_statement = %s (or log_min_duration_sample) logs the text of '
                                    'slow statements, and a password hash makes every login slow enough.', v_setting);
        advice := 'Set log_min_duration_statement = -1 (and log_min_duration_sample = -1), or per role: '
                  'ALTER ROLE my_app SET log_min_duration_statement = -1.';
    ELSE
        status := 'ok';
        detail := 'Statements are not logged for their duration.';
        advice := NULL;
    END IF;
    RETURN NEXT;

    check_name := 'log_transaction_sample_rate';
    IF (SELECT s.setting::float8 FROM pg_catalog.pg_settings AS s WHERE s.name = 'log_transaction_sample_rate') > 0 THEN
        status := 'warning';
        detail := pg_catalog.format('log_transaction_sample_rate = %s logs every statement of a sample of '
                                    'transactions, logins included, with their text.',
                                    current_setting('log_transaction_sample_rate'));
        advice := 'Set log_transaction_sample_rate = 0.';
    ELSE
        status := 'ok';
        detail := 'Transactions are not sampled into the log.';
        advice := NULL;
    END IF;
    RETURN NEXT;

    -- Settings made for a role or a database (ALTER ROLE / ALTER DATABASE ... SET) apply to the
    -- application's sessions, not necessarily to this one.
    check_name := 'role_and_database_settings';
    SELECT pg_catalog.string_agg(DISTINCT pg_catalog.format('%s (%s)', c.setting,
                                 CASE WHEN d.setrole <> 0 THEN 'role ' || d.setrole::regrole::text
                                      ELSE 'database ' || (SELECT datname FROM pg_catalog.pg_database WHERE oid = d.setdatabase) END), ', ')
    INTO v_setting
    FROM pg_catalog.pg_db_role_setting AS d, pg_catalog.unnest(d.setconfig) AS c(setting)
    WHERE c.setting ~ '^(log_statement=all|log_min_duration_statement=[0-9]|log_min_duration_sample=[0-9]|log_transaction_sample_rate=(0*[1-9]|0*\.[0-9]*[1-9])|log_parameter_max_length_on_error=[1-9-]|pg_mfa\.clock_override=.|auto_explain\.|pgaudit\.log_parameter=(on|true|1))';
    IF v_setting IS NOT NULL THEN
        status := 'warning';
        detail := 'Settings made for roles or databases that log statements or parameters, or fix the clock: '
                  || v_setting || '.';
        advice := 'Reset them with ALTER ROLE ... RESET or ALTER DATABASE ... RESET.';
    ELSE
        status := 'ok';
        detail := 'No role or database setting logs statements or parameters or fixes the clock.';
        advice := NULL;
    END IF;
    RETURN NEXT;

    check_name := 'log_parameters';
    IF mfa._setting_number('log_parameter_max_length_on_error') <> 0 THEN
        status := 'warning';
        detail := pg_catalog.format('log_parameter_max_length_on_error = %s writes the bind parameters of a failing '
                                    'statement (passwords, codes, tokens) to the server log.',
                                    current_setting('log_parameter_max_length_on_error'));
        advice := 'Set log_parameter_max_length_on_error = 0.';
    ELSIF mfa._setting_number('log_parameter_max_length') <> 0
          AND (current_setting('log_statement') = 'all'
               OR mfa._setting_number('log_min_duration_statement') >= 0) THEN
        status := 'warning';
        detail := 'log_parameter_max_length is not 0, so statements logged by log_statement or '
                  'log_min_duration_statement carry their bind parameters into the log.';
        advice := 'Set log_parameter_max_length = 0 (or stop logging statements, above).';
    ELSE
        status := 'ok';
        detail := 'Bind parameters are not written to the log.';
        advice := NULL;
    END IF;
    RETURN NEXT;

    check_name := 'log_min_error_statement';
    v_setting := current_setting('log_min_error_statement');
    status := 'info';
    detail := pg_catalog.format('log_min_error_statement = %s: a statement that raises an error is logged with its '
                                'text. pg_mfa never raises on an authentication failure, only on bad input.', v_setting);
    advice := 'Pass passwords, codes and tokens as bind parameters, never as literals in the SQL text.';
    RETURN NEXT;

    -- 3. Extensions that log statements or their parameters.
    check_name := 'auto_explain';
    IF v_preload || ',' || v_session_preload ~ 'auto_explain' THEN
        IF mfa._setting_number('auto_explain.log_min_duration', -1) >= 0 THEN
            status := 'warning';
            detail := 'auto_explain logs the text of statements slower than auto_explain.log_min_duration'
                      || CASE WHEN mfa._setting_number('auto_explain.log_parameter_max_length', 0) <> 0
                              THEN ', with their bind parameters.' ELSE '.' END;
            advice := 'Set auto_explain.log_min_duration = -1 for the application role, or '
                      'auto_explain.log_parameter_max_length = 0 and bind parameters.';
        ELSE
            status := 'ok';
            detail := 'auto_explain is loaded but logs nothing (log_min_duration = -1).';
            advice := NULL;
        END IF;
    ELSE
        status := 'ok';
        detail := 'auto_explain is not loaded.';
        advice := NULL;
    END IF;
    RETURN NEXT;

    check_name := 'pgaudit';
    IF v_preload ~ 'pgaudit' THEN
        IF coalesce(current_setting('pgaudit.log_parameter', true), 'off') IN ('on', 'true', '1') THEN
            status := 'warning';
            detail := 'pgaudit.log_parameter = on writes bind parameters (passwords, codes, tokens) into the audit log.';
            advice := 'Set pgaudit.log_parameter = off, at least for the application role.';
        ELSE
            status := 'ok';
            detail := 'pgaudit is loaded without parameter logging.';
            advice := NULL;
        END IF;
    ELSE
        status := 'ok';
        detail := 'pgaudit is not loaded.';
        advice := NULL;
    END IF;
    RETURN NEXT;

    -- 4. Passwords and tokens crossing the network in clear text.
    check_name := 'tls';
    SELECT pg_catalog.count(*) INTO v_count
    FROM pg_catalog.pg_stat_activity AS a
    JOIN pg_catalog.pg_stat_ssl AS s ON s.pid = a.pid
    WHERE a.client_addr IS NOT NULL AND NOT s.ssl
      AND NOT (a.client_addr <<= '127.0.0.0/8'::inet OR a.client_addr = '::1'::inet);
    IF v_count > 0 THEN
        status := 'warning';
        detail := pg_catalog.format('%s connection(s) from other hosts are not encrypted: passwords, codes and '
                                    'tokens cross the network in clear text.', v_count);
        advice := 'Enable ssl and require it for remote clients (hostssl lines in pg_hba.conf).';
    ELSIF current_setting('ssl') = 'off' THEN
        status := 'info';
        detail := 'ssl = off; no connection from another host right now.';
        advice := 'If clients connect over a network, enable ssl and use hostssl in pg_hba.conf.';
    ELSE
        status := 'ok';
        detail := 'No unencrypted connection from another host right now.';
        advice := NULL;
    END IF;
    RETURN NEXT;

    -- 5. pg_mfa's own settings.
    check_name := 'clock_override';
    IF coalesce(current_setting('pg_mfa.clock_override', true), '') <> '' THEN
        status := 'warning';
        detail := 'pg_mfa.clock_override is set: codes and tokens are checked against a fixed time.';
        advice := 'Reset it (it exists for tests): ALTER SYSTEM RESET pg_mfa.clock_override, and for roles and databases.';
    ELSE
        status := 'ok';
        detail := 'The login flows read the wall clock.';
        advice := NULL;
    END IF;
    RETURN NEXT;

    check_name := 'password_hashing';
    IF mfa._setting_number('pg_mfa.argon2_memory') < 19456
       OR mfa._setting_number('pg_mfa.argon2_iterations') < 2 THEN
        status := 'warning';
        detail := pg_catalog.format('New passwords are hashed with Argon2id m=%s, t=%s: below OWASP''s minimum '
                                    '(m=19 MiB, t=2).', current_setting('pg_mfa.argon2_memory'),
                                    current_setting('pg_mfa.argon2_iterations'));
        advice := 'Raise pg_mfa.argon2_memory and pg_mfa.argon2_iterations; weaker hashes are replaced at the next login.';
    ELSE
        status := 'ok';
        detail := pg_catalog.format('New passwords are hashed with Argon2id m=%s, t=%s.',
                                    current_setting('pg_mfa.argon2_memory'), current_setting('pg_mfa.argon2_iterations'));
        advice := NULL;
    END IF;
    RETURN NEXT;
END
$function$;
COMMENT ON FUNCTION mfa.security_report() IS
'(mfa_admin) one row per check of the server''s configuration that matters to pg_mfa: status ok, info or warning, and advice';

-- ---------------------------------------------------------------------------------------------------------
-- Privileges: PUBLIC gets nothing.

-- Start from nothing: default privileges of the installing role (ALTER DEFAULT PRIVILEGES) apply inside
-- CREATE EXTENSION too, and could have granted anybody CREATE on the schema or EXECUTE on the functions.
DO $acl$
DECLARE
    target record;
BEGIN
    FOR target IN
        SELECT 'SCHEMA' AS kind, pg_catalog.quote_ident(n.nspname) AS name, a.grantee
        FROM pg_catalog.pg_namespace AS n, pg_catalog.aclexplode(n.nspacl) AS a
        WHERE n.nspname OPERATOR(pg_catalog.=) 'mfa' AND a.grantee OPERATOR(pg_catalog.<>) n.nspowner
        UNION
        SELECT 'FUNCTION', p.oid::pg_catalog.regprocedure::pg_catalog.text, a.grantee
        FROM pg_catalog.pg_proc AS p, pg_catalog.aclexplode(p.proacl) AS a
        WHERE p.pronamespace OPERATOR(pg_catalog.=) 'mfa'::pg_catalog.regnamespace
          AND a.grantee OPERATOR(pg_catalog.<>) p.proowner
        UNION
        SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.oid::pg_catalog.regclass::pg_catalog.text,
               a.grantee
        FROM pg_catalog.pg_class AS c, pg_catalog.aclexplode(c.relacl) AS a
        WHERE c.relnamespace OPERATOR(pg_catalog.=) 'mfa'::pg_catalog.regnamespace
          AND a.grantee OPERATOR(pg_catalog.<>) c.relowner
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON %s %s FROM %s', target.kind, target.name,
            CASE WHEN target.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
                 ELSE target.grantee::pg_catalog.regrole::pg_catalog.text END);  -- regrole output is quoted
    END LOOP;
END
$acl$;
GRANT USAGE ON SCHEMA mfa TO mfa_client;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA mfa FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    mfa.base32_encode(bytea),
    mfa.base32_decode(text),
    mfa.hotp_code(text, bigint, integer, text),
    mfa.totp_code(text, timestamptz, integer, integer, text),
    mfa.generate_secret(integer),
    mfa.otpauth_uri(text, text, text, integer, integer, text),
    mfa.hash_password(text),
    mfa.verify_password(text, text),
    mfa.password_needs_rehash(text),
    mfa.qr_svg(text),
    mfa.qr_text(text, boolean),
    mfa.create_user(text, text, text),
    mfa.set_password(bigint, text),
    mfa.totp_create_credential(bigint, text),
    mfa.totp_verify(bigint, text),
    mfa.delete_credential(bigint),
    mfa.authenticate_password(text, text, text),
    mfa.complete_mfa(text, text),
    mfa.validate_session(text),
    mfa.logout(text),
    mfa.revoke_sessions(bigint)
TO mfa_client;
GRANT EXECUTE ON FUNCTION
    mfa.create_realm(text, text, boolean),
    mfa.purge_expired(interval),
    mfa.reset_lockout(bigint),
    mfa.security_report()
TO mfa_admin;

-- Tables: nobody but the owner writes them; mfa_admin reads everything but secrets and token digests and
-- may change realm policy (the CHECK constraints keep it sane).
REVOKE ALL ON ALL TABLES IN SCHEMA mfa FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA mfa FROM PUBLIC;
GRANT SELECT ON mfa.realms, mfa.users, mfa.events, mfa.user_lockouts TO mfa_admin;
-- The CHECK constraint on realms.issuer calls this function with the privileges of whoever updates the row.
GRANT EXECUTE ON FUNCTION mfa._is_display_name(text, integer, boolean) TO mfa_admin;
GRANT UPDATE (issuer, totp_enabled, totp_algorithm, totp_digits, totp_period, totp_window, mfa_token_lifetime,
              session_lifetime, code_lockout_threshold, code_disable_threshold, password_lockout_threshold,
              lockout_delay, lockout_max_delay, mfa_token_max_failures) ON mfa.realms TO mfa_admin;
GRANT SELECT (credential_id, user_id, type, name, algorithm, digits, period, state, last_step, created_at,
              updated_at, verified_at, last_used_at) ON mfa.credentials TO mfa_admin;
GRANT SELECT (mfa_token_id, user_id, created_at, expires_at, consumed_at, failures) ON mfa.mfa_tokens TO mfa_admin;
GRANT SELECT (session_id, user_id, mfa_verified, created_at, expires_at, revoked_at) ON mfa.sessions TO mfa_admin;
