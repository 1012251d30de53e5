-- login_realms_users: realms (mfa.create_realm, the default realm and its policy) and users
-- (mfa.create_user, mfa.set_password): usernames unique per realm, case-insensitively.
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

-- A fixed clock for the login flows (superuser-only): 2033-05-18 03:33:20 UTC.
SET pg_mfa.clock_override = 2000000000;

-- After CREATE EXTENSION: one realm, 'default', TOTP enabled, with the default policy (sha1, 6 digits,
-- 30 s, window 1 step, MFA tokens for 5 minutes, sessions for 12 hours).
SELECT name, issuer, totp_enabled, totp_algorithm, totp_digits, totp_period, totp_window, mfa_token_lifetime,
       session_lifetime
FROM mfa.realms ORDER BY realm_id;

-- create_realm: the issuer defaults to the realm name; TOTP is enabled unless told otherwise; the policy
-- is the default one.
SELECT mfa.create_realm('acme', 'ACME Corp') > 0 AS acme_created,
       mfa.create_realm('beta') > 0 AS beta_created,
       mfa.create_realm('no-totp.example', NULL, false) > 0 AS no_totp_created;
SELECT name, issuer, totp_enabled, totp_algorithm, totp_digits, totp_period, totp_window, mfa_token_lifetime,
       session_lifetime
FROM mfa.realms ORDER BY realm_id;
-- Realm ids are the table's.
SELECT mfa.create_realm('gamma') AS gamma \gset
SELECT realm_id = :gamma AS returns_realm_id FROM mfa.realms WHERE name = 'gamma';
-- A realm name is taken once (23505), names are compared exactly.
SELECT pg_temp.sqlstate_of($$SELECT mfa.create_realm('acme')$$) AS duplicate_realm,
       pg_temp.sqlstate_of($$SELECT mfa.create_realm('default', 'Other')$$) AS duplicate_default;
\set VERBOSITY sqlstate
SELECT mfa.create_realm('acme');
\set VERBOSITY terse

-- create_user: returns the user id; the password (when given) is stored as an Argon2id hash, never as text.
SELECT mfa.create_user('Alice@Example.com', 'alice password 1') AS alice \gset
SELECT u.user_id = :alice AS returns_user_id, u.username, r.name AS realm
FROM mfa.users AS u JOIN mfa.realms AS r USING (realm_id) WHERE u.user_id = :alice;
SELECT c.type, c.password_hash ~ '^\$argon2id\$v=19\$m=19456,t=2,p=1\$' AS argon2id_hash,
       c.password_hash NOT LIKE '%alice password%' AS password_not_stored,
       mfa.verify_password('alice password 1', c.password_hash) AS hash_verifies,
       NOT EXISTS (SELECT FROM mfa.totp_secrets AS s WHERE s.credential_id = c.credential_id) AS no_secret,
       c.state IS NULL AS no_state
FROM mfa.credentials AS c WHERE c.user_id = :alice;

-- Usernames are unique per realm, case-insensitively (usernames are often e-mail addresses): 23505.
-- The message names the user and the realm, never the password.
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES (1, 'same name', $$SELECT mfa.create_user('Alice@Example.com', 'pw-SECRET-1')$$),
             (2, 'lower case', $$SELECT mfa.create_user('alice@example.com', 'pw-SECRET-2')$$),
             (3, 'upper case', $$SELECT mfa.create_user('ALICE@EXAMPLE.COM')$$),
             (4, 'explicit realm', $$SELECT mfa.create_user('aLiCe@example.com', NULL, 'default')$$)) AS v(n, label, q)
ORDER BY v.n;
\set VERBOSITY sqlstate
SELECT mfa.create_user('alice@example.com', 'pw-SECRET-2');
\set VERBOSITY terse
-- ... and the refused attempts left nothing behind.
SELECT count(*) AS users_named_alice FROM mfa.users WHERE lower(username) = 'alice@example.com';
SELECT count(*) AS credentials FROM mfa.credentials;

-- The same username in another realm is another user.
SELECT mfa.create_user('alice@example.com', 'acme password', 'acme') AS acme_alice \gset
SELECT :acme_alice <> :alice AS another_user,
       (SELECT r.name FROM mfa.users AS u JOIN mfa.realms AS r USING (realm_id) WHERE u.user_id = :acme_alice) AS realm;
SELECT r.name AS realm, u.username
FROM mfa.users AS u JOIN mfa.realms AS r USING (realm_id)
ORDER BY r.realm_id, u.user_id;
-- Similar names are different users; names that only look alike (white space at either end, invisible or
-- direction-changing characters) are refused.
SELECT mfa.create_user('alice@example.co') > 0 AS prefix;
SELECT v.label, pg_temp.sqlstate_of(format('SELECT mfa.create_user(%L)', v.name)) AS result
FROM (VALUES (1, 'leading space', ' alice@example.com'), (2, 'trailing space', 'alice@example.com '),
             (3, 'zero-width space', E'alice\u200B@example.com'), (4, 'right-to-left override', E'\u202Emoc.elpmaxe@ecila'),
             (5, 'byte order mark', E'\uFEFFalice@example.com')) AS v(n, label, name)
ORDER BY v.n;

-- A user without a password: no credential at all (password logins fail until set_password).
SELECT mfa.create_user('bob') AS bob \gset
SELECT count(*) AS bob_credentials FROM mfa.credentials WHERE user_id = :bob;
-- set_password adds the password credential, and replaces it later (still one credential).
SELECT mfa.set_password(:bob, 'bob password 1');
SELECT count(*) AS bob_credentials,
       mfa.verify_password('bob password 1', min(password_hash)) AS first_password
FROM mfa.credentials WHERE user_id = :bob AND type = 'password';
SELECT password_hash AS bob_hash_1, credential_id AS bob_pw_id FROM mfa.credentials WHERE user_id = :bob \gset
SELECT mfa.set_password(:bob, 'bob password 2');
SELECT count(*) AS bob_credentials, min(credential_id) = :bob_pw_id AS same_credential,
       min(password_hash) <> :'bob_hash_1' AS hash_replaced,
       mfa.verify_password('bob password 2', min(password_hash)) AS new_password,
       mfa.verify_password('bob password 1', min(password_hash)) AS old_password
FROM mfa.credentials WHERE user_id = :bob AND type = 'password';

-- The audit trail: one row per realm, user and password change, without any password.
SELECT e.type, e.result, e.reason, r.name AS realm, e.user_id IS NOT NULL AS has_user,
       e.credential_id IS NOT NULL AS has_credential
FROM mfa.events AS e JOIN mfa.realms AS r USING (realm_id)
ORDER BY e.event_id;
SELECT count(*) AS events,
       count(*) FILTER (WHERE e::text LIKE ANY (ARRAY['%alice password%', '%bob password%', '%acme password%',
                                                    '%SECRET%', '%argon2%'])) AS events_with_password
FROM mfa.events AS e;

-- Deleting a realm takes its users with it (ON DELETE CASCADE).
DELETE FROM mfa.realms WHERE name = 'acme';
SELECT count(*) AS acme_users_left FROM mfa.users WHERE user_id = :acme_alice;
SELECT count(*) AS acme_credentials_left FROM mfa.credentials WHERE user_id = :acme_alice;

-- Names are limited in bytes, the provisioning URI's unit: 100 emoji (400 bytes) are refused as a
-- username, 64 (256 bytes) are accepted, and that user can enroll a device (0.1.0 took the 100 and the
-- user could never enroll).
SELECT pg_temp.sqlstate_of($$SELECT mfa.create_user(repeat(U&'\+01F600', 100), 'pw')$$) AS four_hundred_bytes;
SELECT mfa.create_user(repeat(U&'\+01F600', 64), 'emoji pw') AS emoji_user \gset
SELECT state, provisioning_uri LIKE 'otpauth://totp/%' AS has_uri FROM mfa.totp_create_credential(:emoji_user);
SELECT pg_temp.sqlstate_of(format('SELECT mfa.totp_create_credential(%s, repeat(%L, 26))', :emoji_user, U&'\+01F600'))
       AS device_name_of_104_bytes;

-- The server is still up.
SELECT 1 AS still_up;

DROP EXTENSION pg_mfa;
