-- bench/setup.sql: the benchmark's data, loaded by bench/run into a throwaway cluster (never into a real one).
-- Users are written straight into pg_mfa's tables (as the superuser running the benchmark) so that a
-- million of them take a minute, not a million Argon2id hashes: every user shares one password hash and
-- one TOTP secret; which secret a check keys with costs nothing extra. The secrets are stored sealed under
-- the cluster's key file (pg_mfa.secret_key_file, written by bench/run), as pg_mfa stores them in
-- production; the plain-SQL baselines read the same secrets in plaintext from a table of their own. Tokens
-- are made from an id so that pgbench scripts can name them ('kli_' / 'kss_' and the id padded to 43
-- characters, the length of a real token); only their SHA-256 digests are stored, as pg_mfa stores them.

CREATE SCHEMA bench;

-- The shared TOTP secret (RFC 6238's SHA-1 test key) and the clock of each run.
CREATE TABLE bench.settings (name text PRIMARY KEY, value text NOT NULL);

-- The per-user lockout row the plain-SQL baselines (bench/baseline) count failures in, as a PL/pgSQL
-- implementation would (pg_mfa itself keeps an append-only journal, mfa.throttle_journal).
CREATE TABLE bench.user_lockouts (
    user_id                 bigint PRIMARY KEY REFERENCES mfa.users ON DELETE CASCADE,
    code_failures           integer NOT NULL DEFAULT 0,
    code_locked_until       timestamptz,
    password_failures       integer NOT NULL DEFAULT 0,
    password_locked_until   timestamptz
);

-- The TOTP secrets in plaintext, for the plain-SQL baselines (bench/baseline): a PL/pgSQL implementation
-- over pgcrypto has no sealed form to open, so it reads them as they were before sealing. pg_mfa reads
-- mfa.totp_secrets, sealed.
CREATE TABLE bench.plain_secrets (
    credential_id   bigint PRIMARY KEY,
    otp_secret      bytea NOT NULL
);

-- bench.load(n, password_hash, secret, session_expiry, sessions_per_user): users 1..n in the default realm,
-- each with the password hash, one active TOTP device (credential 2u, its secret sealed for it), one known
-- client ('device-' and the user id, as if a login from it had just completed) and sessions_per_user live
-- sessions: session s belongs to user (s - 1) % n + 1, so sessions 1..n are users 1..n's first. Ids are given
-- explicitly and the sequences moved past them, so that later inserts by the flows get fresh ids. The
-- sessions (up to ten million) go in without their secondary indexes and foreign-key checks: the indexes
-- are built afterwards in one sort each, under the names pg_mfa gave them; every row refers to a user
-- inserted just before.
CREATE FUNCTION bench.load(n integer, password_hash text, secret bytea, session_expiry timestamptz,
                           sessions_per_user integer DEFAULT 1)
RETURNS void
LANGUAGE plpgsql
AS $function$
DECLARE
    v_realm bigint := (SELECT realm_id FROM mfa.realms WHERE name = 'default');
    v_sessions bigint := n::bigint * sessions_per_user;
BEGIN
    INSERT INTO mfa.users (user_id, realm_id, username)
    SELECT u, v_realm, 'user' || u FROM generate_series(1, n) AS u;
    INSERT INTO bench.user_lockouts (user_id) SELECT u FROM generate_series(1, n) AS u;
    INSERT INTO mfa.credentials (credential_id, user_id, type, password_hash)
    SELECT 2 * u - 1, u, 'password', load.password_hash FROM generate_series(1, n) AS u;
    INSERT INTO mfa.credentials (credential_id, user_id, type, name, algorithm, digits, period, state, verified_at)
    SELECT 2 * u, u, 'totp', 'Phone', 'sha1', 6, 30, 'active', clock_timestamp()
    FROM generate_series(1, n) AS u;
    -- Sealed as mfa.totp_create_credential seals a new device's secret: the credential and user ids bound in.
    INSERT INTO mfa.totp_secrets (credential_id, otp_secret, key_id)
    SELECT 2 * u, s.sealed, s.key_id
    FROM generate_series(1, n) AS u, LATERAL mfa_internal._seal_secret(load.secret, NULL, 2 * u, u) AS s;
    INSERT INTO bench.plain_secrets (credential_id, otp_secret) SELECT 2 * u, load.secret FROM generate_series(1, n) AS u;

    PERFORM set_config('session_replication_role', 'replica', true);  -- no foreign-key triggers
    INSERT INTO mfa.known_clients (user_id, client_digest, first_login_at, last_login_at)
    SELECT u, sha256(convert_to('device-' || u, 'UTF8')), clock_timestamp(), clock_timestamp()
    FROM generate_series(1, n) AS u;
    ALTER TABLE mfa.sessions DROP CONSTRAINT sessions_token_digest_key;
    DROP INDEX mfa.sessions_user_idx;
    INSERT INTO mfa.sessions (session_id, token_digest, user_id, mfa_verified, created_at, expires_at, mfa_at, methods)
    SELECT s, mfa_internal._token_digest('kss_' || lpad(s::text, 43, 'x')), (s - 1) % n + 1, true, clock_timestamp(),
           session_expiry, clock_timestamp(), ARRAY['pwd', 'otp']
    FROM generate_series(1, v_sessions) AS s;
    PERFORM set_config('session_replication_role', 'origin', true);
    PERFORM set_config('maintenance_work_mem', '1GB', true);
    ALTER TABLE mfa.sessions ADD CONSTRAINT sessions_token_digest_key UNIQUE (token_digest);
    CREATE INDEX sessions_user_idx ON mfa.sessions (user_id);

    PERFORM setval(pg_get_serial_sequence('mfa.users', 'user_id'), n);
    PERFORM setval(pg_get_serial_sequence('mfa.credentials', 'credential_id'), 2 * n);
    PERFORM setval(pg_get_serial_sequence('mfa.sessions', 'session_id'), v_sessions);
    INSERT INTO bench.settings VALUES ('users', n::text), ('sessions', v_sessions::text);
END
$function$;

-- bench.arm(first, last, kind, clock, stride, shift): fresh kli_ tokens for users first*stride - shift,
-- (first+1)*stride - shift, ..., last*stride - shift before a run of a second-step case (a stride spreads them
-- over a large table; a shift picks other users than the successful logins'), and the state the previous run
-- left removed (its tokens, sessions and audit events), so that every run starts from the same tables. kind 'digest': tokens stored as SHA-256 digests (pg_mfa and the
-- PL/pgSQL baseline); kind 'plain': tokens of 32 characters stored as their bytes (the no-crypto floor).
CREATE FUNCTION bench.arm(first integer, last integer, kind text, clock bigint, stride integer DEFAULT 1,
                          shift integer DEFAULT 0)
RETURNS void
LANGUAGE plpgsql
AS $function$
DECLARE
    v_sessions bigint := (SELECT value::bigint FROM bench.settings WHERE name = 'sessions');
    v_at timestamptz := to_timestamp(clock);
BEGIN
    DELETE FROM mfa.mfa_tokens;
    DELETE FROM mfa.sessions WHERE session_id > v_sessions;
    DELETE FROM mfa.events;
    IF kind = 'digest' THEN
        INSERT INTO mfa.mfa_tokens (token_digest, user_id, created_at, expires_at)
        SELECT mfa_internal._token_digest('kli_' || lpad((k * stride - shift)::text, 43, 'x')), k * stride - shift, v_at,
               v_at + interval '5 minutes'
        FROM generate_series(first, last) AS k;
    ELSE
        INSERT INTO mfa.mfa_tokens (token_digest, user_id, created_at, expires_at)
        SELECT convert_to('kli_' || lpad((k * stride - shift)::text, 28, 'x'), 'UTF8'), k * stride - shift, v_at,
               v_at + interval '5 minutes'
        FROM generate_series(first, last) AS k;
    END IF;
END
$function$;

-- One committed row per call: the cost of one WAL flush at synchronous_commit = on, which the failure case is
-- set against (bench/sql/one_flush.sql).
CREATE TABLE bench.flush_probe (id bigserial PRIMARY KEY, client integer NOT NULL);
