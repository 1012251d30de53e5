-- login_enrollment: TOTP devices (mfa.totp_create_credential, mfa.totp_verify, mfa.delete_credential):
-- provisioning, activation by the first good code, one use per time step, several devices per user.
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

-- The login flows read a fixed clock (superuser-only): T = 2000000000, time step S = T / 30 = 66666666.
SET pg_mfa.clock_override = 2000000000;
SELECT mfa_internal._now() = to_timestamp(2000000000) AS fixed_clock;

-- A code that is none of the secret's codes within 10 steps of a time: a wrong code for certain.
CREATE FUNCTION pg_temp.wrong_code(secret text, at timestamptz) RETURNS text LANGUAGE sql AS $$
    SELECT c FROM unnest(ARRAY['000000', '111111', '222222', '333333']) AS c
    WHERE c NOT IN (SELECT mfa.totp_code(secret, at + s * interval '30 seconds') FROM generate_series(-10, 10) AS s)
    LIMIT 1
$$;

SELECT mfa.create_realm('acme', 'ACME Corp') AS acme_realm \gset
-- This file tries many wrong codes in a row; the throttle that would make alice wait after five is the
-- subject of login_throttle, so it is set out of the way here.
UPDATE mfa.realms SET code_lockout_threshold = 100 WHERE name = 'acme';
SELECT mfa.create_user('Alice@Example.com', 'alice password', 'acme') AS alice \gset

-- A new device: state 'new', a fresh 160-bit secret in base32, returned once with its provisioning URI
-- (label Issuer:username, the realm's issuer and policy) and the QR code of that URI.
SELECT credential_id AS dev1, state AS dev1_state, otp_secret AS sec1, provisioning_uri AS uri1,
       provisioning_svg AS svg1
FROM mfa.totp_create_credential(:alice) \gset
SELECT :'dev1_state' AS state,
       :'sec1' ~ '^[A-Z2-7]{32}$' AS base32_secret,
       length(mfa.base32_decode(:'sec1')) AS secret_bytes,
       :'uri1' = mfa.otpauth_uri(:'sec1', 'Alice@Example.com', 'ACME Corp', 6, 30, 'sha1') AS uri_matches,
       replace(:'uri1', :'sec1', '<secret>') AS provisioning_uri,
       :'svg1' = mfa.qr_svg(:'uri1') AS svg_is_qr_of_uri,
       left(:'svg1', 4) = '<svg' AS svg_document;
-- What is stored (read as superuser): the raw secret bytes, the realm's policy, state new, nothing used.
SELECT c.type, c.name, s.otp_secret = mfa.base32_decode(:'sec1') AS secret_stored, c.algorithm, c.digits,
       c.period, c.state, c.last_step, c.verified_at, c.last_used_at, c.password_hash,
       c.created_at = to_timestamp(2000000000) AS created_now
FROM mfa.credentials AS c JOIN mfa.totp_secrets AS s USING (credential_id) WHERE c.credential_id = :dev1;
-- Every call makes another secret.
SELECT credential_id AS dev_tmp, otp_secret AS sec_tmp FROM mfa.totp_create_credential(:alice, 'Temporary') \gset
SELECT :'sec_tmp' <> :'sec1' AS secrets_differ, :dev_tmp <> :dev1 AS ids_differ;
SELECT mfa.delete_credential(:dev_tmp) AS deleted;

-- The default realm's issuer is "default".
SELECT mfa.create_user('bob@example.com') AS bob \gset
SELECT replace(provisioning_uri, otp_secret, '<secret>') AS default_realm_uri
FROM mfa.totp_create_credential(:bob, 'Bob''s phone');

-- A new (not yet verified) device does not make password logins ask for a code.
SELECT result, user_id = :alice AS alice, token ~ '^kss_[A-Za-z0-9_-]{43}$' AS session_token
FROM mfa.authenticate_password('alice@example.com', 'alice password', 'acme');

-- totp_verify: a wrong code, a malformed one or one outside the window (1 step) is false, and the device
-- stays new.
SELECT mfa.totp_verify(:dev1, pg_temp.wrong_code(:'sec1', to_timestamp(2000000000))) AS wrong_code,
       mfa.totp_verify(:dev1, 'abcdef') AS letters,
       mfa.totp_verify(:dev1, '') AS empty,
       mfa.totp_verify(:dev1, mfa.totp_code(:'sec1', to_timestamp(2000000000), 8)) AS eight_digits,
       mfa.totp_verify(:dev1, mfa.totp_code(:'sec1', to_timestamp(2000000000 + 60))) AS two_steps_ahead,
       mfa.totp_verify(:dev1, mfa.totp_code(:'sec1', to_timestamp(2000000000 - 60))) AS two_steps_behind;
SELECT state, last_step, verified_at FROM mfa.credentials WHERE credential_id = :dev1;
-- The current code is true: the device becomes active, the step is consumed.
SELECT mfa.totp_verify(:dev1, mfa.totp_code(:'sec1', to_timestamp(2000000000))) AS current_code;
SELECT state, last_step, last_step = 2000000000 / 30 AS step_s, verified_at = to_timestamp(2000000000) AS verified_now,
       last_used_at = to_timestamp(2000000000) AS used_now
FROM mfa.credentials WHERE credential_id = :dev1;
-- The same code never works twice; the previous step (inside the window) is older than the last accepted
-- step, so it is refused too.
SELECT mfa.totp_verify(:dev1, mfa.totp_code(:'sec1', to_timestamp(2000000000))) AS replayed,
       mfa.totp_verify(:dev1, mfa.totp_code(:'sec1', to_timestamp(2000000000 - 30))) AS previous_step;
-- The next step (inside the window) is accepted once; afterwards the current step is in the past.
SELECT mfa.totp_verify(:dev1, mfa.totp_code(:'sec1', to_timestamp(2000000000 + 30))) AS next_step;
SELECT mfa.totp_verify(:dev1, mfa.totp_code(:'sec1', to_timestamp(2000000000 + 30))) AS next_step_replayed,
       mfa.totp_verify(:dev1, mfa.totp_code(:'sec1', to_timestamp(2000000000))) AS current_after_next;
SELECT state, last_step - 2000000000 / 30 AS steps_after_s, verified_at = to_timestamp(2000000000) AS first_verification_kept
FROM mfa.credentials WHERE credential_id = :dev1;
-- Thirty seconds later: that step's code is still spent, the one after it is good.
SET pg_mfa.clock_override = 2000000030;
SELECT mfa.totp_verify(:dev1, mfa.totp_code(:'sec1', to_timestamp(2000000030))) AS spent_step,
       mfa.totp_verify(:dev1, mfa.totp_code(:'sec1', to_timestamp(2000000060))) AS following_step;

-- Several devices: steps are consumed per device. A second device verifies the time step the first one
-- already used.
SELECT credential_id AS dev2, otp_secret AS sec2 FROM mfa.totp_create_credential(:alice, 'Work phone') \gset
SELECT mfa.totp_verify(:dev2, mfa.totp_code(:'sec2', to_timestamp(2000000060))) AS dev2_step_used_by_dev1,
       mfa.totp_verify(:dev2, mfa.totp_code(:'sec2', to_timestamp(2000000060))) AS dev2_replayed;
SELECT credential_id = :dev1 AS dev1, name, state, last_step - 2000000000 / 30 AS steps_after_s
FROM mfa.credentials WHERE user_id = :alice AND type = 'totp' ORDER BY credential_id;
-- The user's devices as an administrator sees them (no secret).
SELECT type, name, algorithm, digits, period, state, verified_at IS NOT NULL AS verified
FROM mfa.credentials WHERE user_id = :alice ORDER BY credential_id;

-- A realm whose TOTP provider is disabled refuses new devices (55000), and leaves nothing behind.
SELECT mfa.create_realm('no-totp', NULL, false) AS no_totp_realm \gset
SELECT mfa.create_user('carol', 'carol password', 'no-totp') AS carol \gset
SELECT pg_temp.sqlstate_of(format('SELECT mfa.totp_create_credential(%s)', :carol)) AS totp_disabled;
\set VERBOSITY sqlstate
SELECT * FROM mfa.totp_create_credential(:carol);
\set VERBOSITY default
SELECT credential_id FROM mfa.totp_create_credential(:carol);
\set VERBOSITY terse
SELECT count(*) AS carol_totp_credentials FROM mfa.credentials WHERE user_id = :carol AND type = 'totp';
-- An administrator enables it: then the device is made.
UPDATE mfa.realms SET totp_enabled = true WHERE name = 'no-totp';
SELECT state, replace(provisioning_uri, otp_secret, '<secret>') AS provisioning_uri
FROM mfa.totp_create_credential(:carol);

-- The realm's policy goes into new devices and their URIs: 8 digits, SHA-256, 60-second steps.
UPDATE mfa.realms SET totp_digits = 8, totp_algorithm = 'sha256', totp_period = 60 WHERE name = 'acme';
SELECT credential_id AS dev3, otp_secret AS sec3, provisioning_uri AS uri3
FROM mfa.totp_create_credential(:alice, 'Tablet') \gset
SELECT replace(:'uri3', :'sec3', '<secret>') AS provisioning_uri,
       :'uri3' = mfa.otpauth_uri(:'sec3', 'Alice@Example.com', 'ACME Corp', 8, 60, 'sha256') AS uri_matches;
SELECT name, algorithm, digits, period FROM mfa.credentials WHERE credential_id IN (:dev1, :dev3) ORDER BY credential_id;
SELECT mfa.totp_verify(:dev3, mfa.totp_code(:'sec3', to_timestamp(2000000030), 6, 60, 'sha256')) AS six_digits,
       mfa.totp_verify(:dev3, mfa.totp_code(:'sec3', to_timestamp(2000000030), 8, 60, 'sha1')) AS sha1,
       mfa.totp_verify(:dev3, mfa.totp_code(:'sec3', to_timestamp(2000000030), 8, 30, 'sha256')) AS period_30;
SELECT mfa.totp_verify(:dev3, mfa.totp_code(:'sec3', to_timestamp(2000000030), 8, 60, 'sha256')) AS policy_code;
SELECT state, last_step = 2000000030 / 60 AS step_of_60s FROM mfa.credentials WHERE credential_id = :dev3;
-- Devices made earlier keep their parameters: dev1 still takes 6-digit SHA-1 codes of 30 s.
SET pg_mfa.clock_override = 2000000090;
SELECT mfa.totp_verify(:dev1, mfa.totp_code(:'sec1', to_timestamp(2000000090))) AS dev1_unchanged;

-- delete_credential: true once, then false; a deleted device is unknown to totp_verify (42704).
SELECT mfa.delete_credential(:dev3) AS deleted, mfa.delete_credential(:dev3) AS deleted_again;
SELECT pg_temp.sqlstate_of(format('SELECT mfa.totp_verify(%s, %L)', :dev3, '12345678')) AS verify_deleted;

-- The audit trail of this file: devices created, verifications (successes: enrolled for a device's first)
-- and deletions. Failures are shown without their reason.
SELECT e.type, e.result, CASE WHEN e.result = 'success' THEN e.reason END AS reason, count(*) AS events
FROM mfa.events AS e
WHERE e.type IN ('totp_created', 'totp_verify', 'credential_deleted')
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SELECT e.result, CASE WHEN e.result = 'success' THEN e.reason END AS reason, e.credential_id = :dev1 AS dev1,
       e.realm_id = :acme_realm AS acme
FROM mfa.events AS e
WHERE e.user_id = :alice AND e.type = 'totp_verify'
ORDER BY e.event_id;
-- No secret and no code in any event.
SELECT count(*) AS events,
       count(*) FILTER (WHERE position(:'sec1' IN e::text) > 0 OR position(:'sec2' IN e::text) > 0
                           OR position(:'sec3' IN e::text) > 0
                           OR position(mfa.totp_code(:'sec1', to_timestamp(2000000000)) IN e::text) > 0
                           OR position(mfa.totp_code(:'sec1', to_timestamp(2000000030)) IN e::text) > 0
                           OR position(mfa.totp_code(:'sec2', to_timestamp(2000000060)) IN e::text) > 0) AS with_secret
FROM mfa.events AS e;

-- Deleting a user takes the devices with it.
DELETE FROM mfa.users WHERE user_id = :alice;
SELECT count(*) AS alice_credentials_left FROM mfa.credentials WHERE user_id = :alice;

-- The server is still up.
SELECT 1 AS still_up;

DROP EXTENSION pg_mfa;
