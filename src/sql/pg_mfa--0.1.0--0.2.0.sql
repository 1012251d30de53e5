-- pg_mfa 0.1.0 -> 0.2.0
--
-- Editable until 0.2.0 is released (CHANGELOG.md); then frozen like every released script. The Makefile
-- builds the installed pg_mfa--0.1.0--0.2.0.sql from this file: the marker line below is replaced by
-- the functions-and-privileges part of src/sql/pg_mfa.sql (what follows it needs those functions), so
-- every function, comment and grant ends up exactly as a fresh install of 0.2.0 has it
-- (test/integration/upgrade compares the two catalogs).

\echo Use "ALTER EXTENSION pg_mfa UPDATE TO '0.2.0'" to load this file. \quit

-- Internal helpers leave the public schema: `\df mfa.*` is the API. ALTER ... SET SCHEMA keeps each
-- function's identity, so the CHECK constraints and the trigger that call them follow.
CREATE SCHEMA mfa_internal;
REVOKE ALL ON SCHEMA mfa_internal FROM PUBLIC;
COMMENT ON SCHEMA mfa_internal IS 'pg_mfa internals: not an API, granted to nobody, may change in any release';

ALTER FUNCTION mfa._now() SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._totp_match(bytea, text, timestamptz, integer, integer, integer, text, bigint) SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._new_token(text) SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._token_digest(text) SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._password_check(text, text) SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._shown(text) SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._is_display_name(text, integer, boolean) SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._realms_replace_fresh_default() SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._durable() SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._attempt_check("char", bigint, integer, timestamptz, integer, integer, timestamptz)
    SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._attempt_failed("char", bigint, integer, timestamptz, integer, interval, interval, timestamptz)
    SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._admit_reset("char", bigint) SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._throttle_sync() SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._throttle_shared() SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._attempt_admit(bigint, "char", mfa.realms, timestamptz) SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._attempt_failed_user(bigint, "char", mfa.realms, timestamptz) SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._attempt_succeeded(bigint, "char") SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._realm_id(text) SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._user_realm(bigint) SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._start_session(bigint, interval, boolean, timestamptz) SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._complete_mfa(text, text) SET SCHEMA mfa_internal;
ALTER FUNCTION mfa._setting_number(text, integer) SET SCHEMA mfa_internal;

-- TOTP secrets move out of mfa.credentials into a table that no flow updates, so a constraint violation
-- of a statement that changes a device cannot show a secret in its failing row. A device may now be
-- disabled at the throttle's ceiling before its first verification (0.1.0's shape check refused that,
-- and the error carried the device's row, secret included).
-- 0.1.0's secrets come along in plaintext (key_id NULL): this script cannot read the key file, so
-- mfa.rotate_secrets() encrypts them once pg_mfa.secret_key_file is set (README: "TOTP secrets at rest").
CREATE TABLE mfa.totp_secrets (
    credential_id   bigint PRIMARY KEY REFERENCES mfa.credentials ON DELETE CASCADE,
    otp_secret      bytea NOT NULL,
    key_id          text CONSTRAINT totp_secrets_key_id_check CHECK (key_id ~ '^[A-Za-z0-9._-]{1,64}$'),
    CONSTRAINT totp_secrets_length_check CHECK (CASE WHEN key_id IS NULL THEN length(otp_secret) BETWEEN 16 AND 64
                                                     ELSE length(otp_secret) BETWEEN 44 AND 92 END)
);
COMMENT ON TABLE mfa.totp_secrets IS
'TOTP secrets of the devices in mfa.credentials, encrypted with key key_id of pg_mfa.secret_key_file (NULL: plaintext); readable by nobody';
INSERT INTO mfa.totp_secrets (credential_id, otp_secret)
SELECT c.credential_id, c.otp_secret FROM mfa.credentials AS c WHERE c.type = 'totp';
SELECT pg_catalog.pg_extension_config_dump('mfa.totp_secrets', '');
ALTER TABLE mfa.credentials DROP CONSTRAINT credentials_shape_check;
ALTER TABLE mfa.credentials DROP COLUMN otp_secret;
ALTER TABLE mfa.credentials ADD CONSTRAINT credentials_shape_check CHECK (
        CASE type
        WHEN 'password' THEN password_hash IS NOT NULL AND name IS NULL AND algorithm IS NULL
                             AND digits IS NULL AND period IS NULL AND state IS NULL AND last_step IS NULL
        WHEN 'totp' THEN password_hash IS NULL
                         AND name IS NOT NULL AND algorithm IS NOT NULL AND digits IS NOT NULL AND period IS NOT NULL
                         AND state IS NOT NULL AND (state IN ('new', 'disabled') OR verified_at IS NOT NULL)
        END);

-- Rights per database (mfa.grant_client, mfa.grant_admin) instead of the cluster-wide group roles, and their
-- record, which the grants below read.
CREATE TABLE mfa.rights (
    role        regrole PRIMARY KEY,
    level       text NOT NULL CONSTRAINT rights_level_check CHECK (level IN ('client', 'admin')),
    granted_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
COMMENT ON TABLE mfa.rights IS 'roles given pg_mfa rights in this database (mfa.grant_client, mfa.grant_admin), and at which level';
SELECT pg_catalog.pg_extension_config_dump('mfa.rights',
    'WHERE EXISTS (SELECT FROM pg_catalog.pg_roles AS r WHERE r.oid OPERATOR(pg_catalog.=) role)');

-- The throttle's record: 0.1.0 kept each user's counts in mfa.user_lockouts, a row updated in place and
-- locked by every attempt of the user, and the counts that no rollback could undo in shared memory and two
-- files of its own in the data directory. 0.2.0 keeps them in an append-only journal that its background
-- worker writes in transactions of its own (WAL: crashes, standbys, backups), and mfa.user_lockouts
-- becomes a view of it. The counts committed to the table come along; those only 0.1.0's shared memory
-- held are gone with the old library (0.2.0's removes its files at server start).
CREATE TABLE mfa.throttle_journal (
    entry_id        bigint GENERATED ALWAYS AS IDENTITY,
    kind            "char" NOT NULL CONSTRAINT throttle_journal_kind_check CHECK (kind IN ('c', 'p', 'k', 'd', 't', 'x')),
    subject         bigint NOT NULL,
    failures        integer NOT NULL CONSTRAINT throttle_journal_failures_check CHECK (failures >= 0),
    locked_until    timestamptz,
    recorded_at     timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
CREATE INDEX throttle_journal_subject_idx ON mfa.throttle_journal (kind, subject, entry_id);
COMMENT ON TABLE mfa.throttle_journal IS
'brute-force throttle: each change of a user''s, known client''s, kli_ token''s or client''s count of unsuccessful attempts; the latest row counts';

INSERT INTO mfa.throttle_journal (kind, subject, failures, locked_until)
SELECT x.kind, x.subject, x.failures, x.locked_until
FROM mfa.user_lockouts AS l,
     LATERAL (VALUES ('p'::"char", l.user_id, l.password_failures, l.password_locked_until),
                     ('c'::"char", l.user_id, l.code_failures, l.code_locked_until)) AS x (kind, subject, failures, locked_until)
WHERE x.failures > 0 OR x.locked_until IS NOT NULL
ORDER BY x.subject, x.kind;
SELECT pg_catalog.pg_extension_config_dump('mfa.throttle_journal', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('mfa.throttle_journal', 'entry_id'), '');
-- 0.1.0's counts that no rollback could undo lived in its files in the data directory, not in the table:
-- this database's are carried over where they are higher (the files stay for other databases; README).
CREATE FUNCTION mfa_internal._import_legacy_counts()
RETURNS integer
LANGUAGE c VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'pg_mfa_import_legacy_counts';
SELECT mfa_internal._import_legacy_counts();
DROP FUNCTION mfa_internal._import_legacy_counts();
ALTER EXTENSION pg_mfa DROP TABLE mfa.user_lockouts;  -- also takes it out of the tables pg_dump dumps
DROP TABLE mfa.user_lockouts;
CREATE VIEW mfa.user_lockouts AS
SELECT u.user_id,
       coalesce(c.failures, 0) AS code_failures, c.locked_until AS code_locked_until,
       coalesce(p.failures, 0) AS password_failures, p.locked_until AS password_locked_until
FROM mfa.users AS u
LEFT JOIN LATERAL (SELECT j.failures, j.locked_until FROM mfa.throttle_journal AS j
                   WHERE j.kind = 'c' AND j.subject = u.user_id ORDER BY j.entry_id DESC LIMIT 1) AS c ON true
LEFT JOIN LATERAL (SELECT j.failures, j.locked_until FROM mfa.throttle_journal AS j
                   WHERE j.kind = 'p' AND j.subject = u.user_id ORDER BY j.entry_id DESC LIMIT 1) AS p ON true;
COMMENT ON VIEW mfa.user_lockouts IS 'brute-force throttle: consecutive unsuccessful code and password attempts per user';

-- 0.1.0's throttle functions: their work is the journal's and the worker's now.
DROP FUNCTION mfa_internal._attempt_failed_user(bigint, "char", mfa.realms, timestamptz);
DROP FUNCTION mfa_internal._attempt_check("char", bigint, integer, timestamptz, integer, integer, timestamptz);
DROP FUNCTION mfa_internal._attempt_failed("char", bigint, integer, timestamptz, integer, interval, interval, timestamptz);
DROP FUNCTION mfa_internal._admit_reset("char", bigint);
DROP FUNCTION mfa_internal._throttle_sync();
DROP FUNCTION mfa_internal._throttle_shared();

-- Recovery codes, new in 0.2.0.
-- Recovery codes: single-use codes a user keeps on paper for the day the phone is gone. Only a digest is
-- stored (SHA-256 over the user id and the code, mfa_internal._recovery_digest); a new set replaces the old
-- one whole (mfa.generate_recovery_codes).
CREATE TABLE mfa.recovery_codes (
    recovery_code_id    bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id             bigint NOT NULL REFERENCES mfa.users ON DELETE CASCADE,
    code_digest         bytea NOT NULL CONSTRAINT recovery_codes_digest_check CHECK (length(code_digest) = 32),
    created_at          timestamptz NOT NULL,
    used_at             timestamptz,
    CONSTRAINT recovery_codes_user_digest_key UNIQUE (user_id, code_digest)
);
COMMENT ON TABLE mfa.recovery_codes IS 'recovery codes: single-use second factors for a lost device; only their digests';
SELECT pg_catalog.pg_extension_config_dump('mfa.recovery_codes', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('mfa.recovery_codes', 'recovery_code_id'), '');

-- Audit rows of recovery codes and of codes that cannot be right (refused without counting a guess).
ALTER TABLE mfa.events DROP CONSTRAINT events_type_check, ADD CONSTRAINT events_type_check CHECK (type IN (
    'realm_created', 'user_created', 'password_set', 'totp_created', 'totp_verify',
    'password_login', 'mfa_login', 'logout', 'credential_deleted', 'lockout_reset',
    'recovery_codes_generated', 'credential_renamed', 'mfa_disabled', 'sessions_revoked',
    'mfa_reset', 'user_disabled', 'user_enabled', 'user_deleted', 'step_up', 'device_remembered',
    'device_forgotten'));
ALTER TABLE mfa.events DROP CONSTRAINT events_reason_check, ADD CONSTRAINT events_reason_check CHECK (reason IN (
    'unknown_user', 'no_password', 'wrong_password', 'wrong_code', 'replayed_code',
    'invalid_token', 'token_used', 'needs_mfa', 'full_login', 'enrolled',
    'throttled', 'disabled', 'token_exhausted', 'malformed_code', 'recovery_code',
    'wrong_recovery_code', 'used_recovery_code', 'enrollment_expired', 'user_disabled', 'rehashed',
    'client_throttled', 'remembered_device', 'needs_enrollment'));

-- Devices and accounts: a cap on TOTP devices and a lifetime for enrollments per realm, disabled users, and
-- an audit trail that keeps the ids of deleted users.
-- (Columns added without a default, filled, then given it: a default given at ADD COLUMN would be kept as
-- the table's "missing value", which a fresh install does not have.)
ALTER TABLE mfa.realms
    ADD COLUMN max_totp_devices integer
        CONSTRAINT realms_max_totp_devices_check CHECK (max_totp_devices BETWEEN 1 AND 20),
    ADD COLUMN enrollment_lifetime interval
        CONSTRAINT realms_enrollment_lifetime_check
        CHECK (enrollment_lifetime >= '1 minute'::interval AND enrollment_lifetime <= '1 day'::interval);
UPDATE mfa.realms SET max_totp_devices = 5, enrollment_lifetime = '10 minutes';
ALTER TABLE mfa.realms
    ALTER COLUMN max_totp_devices SET DEFAULT 5, ALTER COLUMN max_totp_devices SET NOT NULL,
    ALTER COLUMN enrollment_lifetime SET DEFAULT '10 minutes', ALTER COLUMN enrollment_lifetime SET NOT NULL;
ALTER TABLE mfa.users ADD COLUMN disabled_at timestamptz;
-- Sessions: an idle timeout per realm (NULL: none) and when each session was last seen.
ALTER TABLE mfa.realms ADD COLUMN session_idle_timeout interval
    CONSTRAINT realms_session_idle_timeout_check
    CHECK (session_idle_timeout >= '2 minutes'::interval AND session_idle_timeout <= '30 days'::interval);
ALTER TABLE mfa.sessions ADD COLUMN last_seen_at timestamptz;
ALTER TABLE mfa.events DROP CONSTRAINT events_user_id_fkey;
-- New parameters (keep_session) and a new result column (devices): the 0.1.0 functions go, the new ones
-- are made below.
DROP FUNCTION mfa.totp_verify(bigint, text);
DROP FUNCTION mfa.delete_credential(bigint);
DROP FUNCTION mfa.purge_expired(interval);

-- Password policy per realm, new in 0.2.0: 0.1.0 took any password of 1 character or more. Existing realms
-- get the default like new ones (an administrator may lower it: UPDATE mfa.realms SET password_min_length).
-- (Added without a default and filled in, so that the catalog keeps no "missing value" for the rows that
-- existed: an upgraded installation is then the same as a fresh one, down to pg_dump --binary-upgrade.)
ALTER TABLE mfa.realms ADD COLUMN password_min_length integer;
UPDATE mfa.realms SET password_min_length = 8;
ALTER TABLE mfa.realms ALTER COLUMN password_min_length SET DEFAULT 8,
    ALTER COLUMN password_min_length SET NOT NULL,
    ADD CONSTRAINT realms_password_min_length_check CHECK (password_min_length BETWEEN 1 AND 1024);
COMMENT ON TABLE mfa.realms IS 'tenancy boundary: users, issuer shown in authenticator apps, TOTP, token and password policy';

-- create_user and set_password take an imported password_hash: a new parameter list is a new function, so
-- the old ones go (the CREATE OR REPLACE below makes the new ones; the grants below give them).
DROP FUNCTION mfa.create_user(text, text, text);
DROP FUNCTION mfa.set_password(bigint, text);

-- Clients, new in 0.2.0: authenticate_password takes what the application knows of the client (an address,
-- a device id). A client from which a user completed a login is known to the user (by digest) and has a
-- password throttle of its own for that user; every other client has a ceiling across users (credential
-- stuffing) and shares the user's count. The audit trail and the kli_ token keep the client.
ALTER TABLE mfa.realms
    ADD COLUMN known_client_lifetime interval
        CONSTRAINT realms_known_client_lifetime_check
        CHECK (known_client_lifetime >= '1 day'::interval AND known_client_lifetime <= '1 year'::interval),
    ADD COLUMN client_failure_limit integer
        CONSTRAINT realms_client_failure_limit_check CHECK (client_failure_limit BETWEEN 1 AND 10000),
    ADD COLUMN client_failure_window interval
        CONSTRAINT realms_client_failure_window_check
        CHECK (client_failure_window >= '1 second'::interval AND client_failure_window <= '1 day'::interval);
UPDATE mfa.realms SET known_client_lifetime = '30 days', client_failure_limit = 20, client_failure_window = '10 minutes';
ALTER TABLE mfa.realms
    ALTER COLUMN known_client_lifetime SET DEFAULT '30 days', ALTER COLUMN known_client_lifetime SET NOT NULL,
    ALTER COLUMN client_failure_limit SET DEFAULT 20, ALTER COLUMN client_failure_limit SET NOT NULL,
    ALTER COLUMN client_failure_window SET DEFAULT '10 minutes', ALTER COLUMN client_failure_window SET NOT NULL;
CREATE TABLE mfa.known_clients (
    known_client_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES mfa.users ON DELETE CASCADE,
    client_digest   bytea NOT NULL CONSTRAINT known_clients_digest_check CHECK (length(client_digest) = 32),
    first_login_at  timestamptz NOT NULL,
    last_login_at   timestamptz NOT NULL,
    CONSTRAINT known_clients_user_digest_key UNIQUE (user_id, client_digest)
);
COMMENT ON TABLE mfa.known_clients IS 'clients a user completed a login from (digests): their wrong passwords are throttled apart';
SELECT pg_catalog.pg_extension_config_dump('mfa.known_clients', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('mfa.known_clients', 'known_client_id'), '');
ALTER TABLE mfa.mfa_tokens ADD COLUMN client text;
ALTER TABLE mfa.events ADD COLUMN client text;
DROP FUNCTION mfa.authenticate_password(text, text, text);

-- Sessions that policies can read (mfa.session_info, mfa.begin_request) and step-up (mfa.step_up): when a
-- second factor was last checked for a session, and the methods it was authenticated with. A 0.1.0 session
-- with mfa_verified had its code checked when it began (0.1.0 had no recovery codes): mfa_at is its
-- created_at and its methods {pwd,otp}; the others were password-only, {pwd}.
ALTER TABLE mfa.sessions ADD COLUMN mfa_at timestamptz, ADD COLUMN methods text[];
UPDATE mfa.sessions
SET mfa_at = CASE WHEN mfa_verified THEN created_at END,
    methods = CASE WHEN mfa_verified THEN ARRAY['pwd', 'otp'] ELSE ARRAY['pwd'] END;
ALTER TABLE mfa.sessions ALTER COLUMN methods SET NOT NULL,
    ADD CONSTRAINT sessions_methods_check CHECK (methods <@ ARRAY['pwd', 'otp', 'recovery', 'device']);
-- _start_session names the second factor (otp or recovery) instead of a flag.
DROP FUNCTION mfa_internal._start_session(bigint, interval, boolean, timestamptz);

-- Remembered devices ("remember this device for 30 days": kdt_ tokens, stored as digests) and two-step
-- login required per realm (users without a device enroll before they log in, after a grace period).
ALTER TABLE mfa.realms
    ADD COLUMN remembered_device_lifetime interval
        CONSTRAINT realms_remembered_device_lifetime_check
        CHECK (remembered_device_lifetime >= '1 hour'::interval AND remembered_device_lifetime <= '1 year'::interval),
    ADD COLUMN mfa_required boolean,
    ADD COLUMN mfa_grace_period interval
        CONSTRAINT realms_mfa_grace_period_check
        CHECK (mfa_grace_period >= '0'::interval AND mfa_grace_period <= '90 days'::interval),
    ADD COLUMN mfa_required_since timestamptz;
UPDATE mfa.realms SET remembered_device_lifetime = '30 days', mfa_required = false, mfa_grace_period = '0';
ALTER TABLE mfa.realms
    ALTER COLUMN remembered_device_lifetime SET DEFAULT '30 days',
    ALTER COLUMN remembered_device_lifetime SET NOT NULL,
    ALTER COLUMN mfa_required SET DEFAULT false, ALTER COLUMN mfa_required SET NOT NULL,
    ALTER COLUMN mfa_grace_period SET DEFAULT '0', ALTER COLUMN mfa_grace_period SET NOT NULL;
CREATE TABLE mfa.remembered_devices (
    device_id       bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    token_digest    bytea NOT NULL UNIQUE CONSTRAINT remembered_devices_digest_check CHECK (length(token_digest) = 32),
    user_id         bigint NOT NULL REFERENCES mfa.users ON DELETE CASCADE,
    mfa_at          timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    last_used_at    timestamptz,
    CONSTRAINT remembered_devices_expiry_check CHECK (expires_at > created_at)
);
CREATE INDEX remembered_devices_user_idx ON mfa.remembered_devices (user_id);
COMMENT ON TABLE mfa.remembered_devices IS 'devices trusted to skip the second step (kdt_ tokens, stored as digests)';
SELECT pg_catalog.pg_extension_config_dump('mfa.remembered_devices', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('mfa.remembered_devices', 'device_id'), '');
ALTER TABLE mfa.mfa_tokens ADD COLUMN purpose text
    CONSTRAINT mfa_tokens_purpose_check CHECK (purpose IN ('mfa', 'enroll'));
UPDATE mfa.mfa_tokens SET purpose = 'mfa';
ALTER TABLE mfa.mfa_tokens ALTER COLUMN purpose SET DEFAULT 'mfa', ALTER COLUMN purpose SET NOT NULL;

-- @@ functions and privileges of pg_mfa.sql @@

-- Realm policy out of range: a message naming the column and its range instead of a CHECK violation.
CREATE TRIGGER realms_check_policy BEFORE INSERT OR UPDATE ON mfa.realms
FOR EACH ROW EXECUTE FUNCTION mfa_internal._realms_check_policy();

-- The per-request path keeps a copy of the realms in each backend; any change makes every backend forget it.
CREATE TRIGGER realms_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON mfa.realms
FOR EACH STATEMENT EXECUTE FUNCTION mfa_internal._realms_changed();

-- Account-security events are announced (NOTIFY mfa_events, payload the event id) when they commit. The
-- WHEN clause is a plain expression that lets no login's row through (no function call on the login path);
-- _events_notify applies the exact rule, _announced, to the few rows it passes.
CREATE TRIGGER events_notify AFTER INSERT ON mfa.events
FOR EACH ROW WHEN (NEW.type NOT IN ('password_login', 'mfa_login', 'totp_verify', 'logout', 'step_up')
                   OR NEW.reason IN ('enrolled', 'recovery_code'))
EXECUTE FUNCTION mfa_internal._events_notify();

-- 0.1.0 gave its rights to the group roles mfa_client and mfa_admin, which belong to the whole cluster: a
-- member could use pg_mfa in every database where it was installed. The privileges set above took them
-- away from the two roles in this database; their members (direct or through other roles) get the same
-- rights here, and here only: members of mfa_admin admin, the others client. Superusers and the owner need
-- none. The roles themselves stay: other databases of the cluster may still be at 0.1.0 (README: drop them
-- once every database is upgraded).
DO $members$
DECLARE
    v_client oid := coalesce(pg_catalog.to_regrole('mfa_client'), 0);  -- 0: no such role
    v_admin oid := coalesce(pg_catalog.to_regrole('mfa_admin'), 0);
    v_member record;
BEGIN
    FOR v_member IN
        WITH RECURSIVE members(role, admin) AS (
            SELECT m.member, m.roleid OPERATOR(pg_catalog.=) v_admin
            FROM pg_catalog.pg_auth_members AS m
            WHERE m.roleid OPERATOR(pg_catalog.=) ANY (ARRAY[v_client, v_admin])
            UNION
            SELECT m.member, members.admin
            FROM pg_catalog.pg_auth_members AS m JOIN members ON m.roleid OPERATOR(pg_catalog.=) members.role
        )
        SELECT members.role::pg_catalog.regrole AS role, pg_catalog.bool_or(members.admin) AS admin
        FROM members
        JOIN pg_catalog.pg_roles AS r ON r.oid OPERATOR(pg_catalog.=) members.role
        JOIN pg_catalog.pg_extension AS e ON e.extname OPERATOR(pg_catalog.=) 'pg_mfa'
        WHERE members.role OPERATOR(pg_catalog.<>) ALL (ARRAY[v_client, v_admin])
          AND NOT r.rolsuper AND r.oid OPERATOR(pg_catalog.<>) e.extowner
        GROUP BY members.role
        ORDER BY members.role
    LOOP
        IF v_member.admin THEN
            PERFORM mfa.grant_admin(v_member.role);
        ELSE
            PERFORM mfa.grant_client(v_member.role);
        END IF;
    END LOOP;
END
$members$;
