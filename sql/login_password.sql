-- login_password: the first login step (mfa.authenticate_password) for users without an active TOTP device:
-- full_login or failed, failures indistinguishable, events, and rehashing at login.
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

-- A fixed clock for the login flows (superuser-only): T = 2000000000.
SET pg_mfa.clock_override = 2000000000;

SELECT mfa.create_realm('acme') AS acme_realm \gset
SELECT mfa.create_user('Alice@Example.com', 'alice pw 1') AS alice \gset
SELECT mfa.create_user('alice@example.com', 'acme alice pw', 'acme') AS acme_alice \gset
SELECT mfa.create_user('nopw@example.com') AS nopw \gset

-- The right password, no TOTP device: full_login with a kss_ session token (256 bits, base64url) that
-- expires after the realm's session lifetime (12 hours).
SELECT result, user_id = :alice AS alice, token ~ '^kss_[A-Za-z0-9_-]{43}$' AS session_token,
       expires_at - to_timestamp(2000000000) AS lifetime
FROM mfa.authenticate_password('Alice@Example.com', 'alice pw 1');
-- The username is matched case-insensitively; the realm defaults to 'default'.
SELECT result, user_id = :alice AS alice
FROM mfa.authenticate_password('ALICE@example.COM', 'alice pw 1', 'default');
-- Realms are separate: the same username in acme is another user with another password.
SELECT v.label, a.result, a.user_id = :acme_alice AS acme_alice
FROM (VALUES (1, 'acme password in acme', 'acme alice pw', 'acme'),
             (2, 'default password in acme', 'alice pw 1', 'acme'),
             (3, 'acme password in default', 'acme alice pw', 'default')) AS v(n, label, password, realm),
     LATERAL mfa.authenticate_password('alice@example.com', v.password, v.realm) AS a
ORDER BY v.n;

-- Each login makes its own session; the table holds the SHA-256 of the token, never the token.
SELECT token AS s1 FROM mfa.authenticate_password('alice@example.com', 'alice pw 1') \gset
SELECT token AS s2 FROM mfa.authenticate_password('alice@example.com', 'alice pw 1') \gset
SELECT :'s1' <> :'s2' AS tokens_differ;
SELECT s.user_id = :alice AS alice, s.mfa_verified, s.created_at = to_timestamp(2000000000) AS created_now,
       s.expires_at - s.created_at AS lifetime, s.revoked_at,
       s.token_digest = sha256(convert_to(:'s1', 'UTF8')) AS digest_of_s1
FROM mfa.sessions AS s WHERE s.token_digest IN (sha256(convert_to(:'s1', 'UTF8')), sha256(convert_to(:'s2', 'UTF8')))
ORDER BY s.session_id;
SELECT count(*) AS sessions,
       count(*) FILTER (WHERE position(:'s1' IN s::text) > 0 OR position(:'s2' IN s::text) > 0) AS with_token_text
FROM mfa.sessions AS s;

-- Failures: unknown user, wrong password, a user without a password, and other wrong passwords all give
-- the same single row: failed, and NULL user, token and expiry. No error, no session. (An empty or
-- over-long password is bad input, an error for every username alike: the read_only suite.)
SELECT count(*) AS sessions_before FROM mfa.sessions \gset
CREATE TEMP TABLE attempts AS
SELECT v.n, v.label, a.*
FROM (VALUES (1, 'unknown user', 'nobody@example.com', 'alice pw 1', 'default'),
             (2, 'wrong password', 'alice@example.com', 'alice pw 2', 'default'),
             (3, 'no password set', 'nopw@example.com', 'alice pw 1', 'default'),
             (4, 'password of another user', 'alice@example.com', 'acme alice pw', 'default'),
             (5, 'password in other case', 'alice@example.com', 'ALICE PW 1', 'default'),
             (6, 'password with trailing space', 'alice@example.com', 'alice pw 1 ', 'default'),
             (7, 'password with leading space', 'alice@example.com', ' alice pw 1', 'default'),
             (8, '1024-byte password, unknown user', 'nobody@example.com', repeat('x', 1024), 'default'),
             (9, '1024-byte password', 'alice@example.com', repeat('x', 1024), 'default'),
             (10, 'empty username', '', 'alice pw 1', 'default'),
             (11, 'user of another realm', 'nopw@example.com', 'alice pw 1', 'acme')) AS v(n, label, username, password, realm),
     LATERAL mfa.authenticate_password(v.username, v.password, v.realm) AS a;
SELECT n, label, result, user_id, token, expires_at FROM attempts ORDER BY n;
-- Row to row, every failure is the same as the unknown user's ...
SELECT a.n, a.label,
       (a.result, a.user_id, a.token, a.expires_at) IS NOT DISTINCT FROM (u.result, u.user_id, u.token, u.expires_at) AS same_as_unknown_user
FROM attempts AS a CROSS JOIN attempts AS u
WHERE u.n = 1
ORDER BY a.n;
-- ... and the set of distinct rows has one member.
SELECT count(*) AS distinct_rows FROM (SELECT DISTINCT result, user_id, token, expires_at FROM attempts) AS d;
(SELECT result, user_id, token, expires_at FROM attempts WHERE label = 'unknown user'
 EXCEPT SELECT result, user_id, token, expires_at FROM attempts WHERE label = 'wrong password')
UNION ALL
(SELECT result, user_id, token, expires_at FROM attempts WHERE label = 'wrong password'
 EXCEPT SELECT result, user_id, token, expires_at FROM attempts WHERE label = 'unknown user')
UNION ALL
(SELECT result, user_id, token, expires_at FROM attempts WHERE label = 'no password set'
 EXCEPT SELECT result, user_id, token, expires_at FROM attempts WHERE label = 'unknown user');
SELECT count(*) - :sessions_before AS new_sessions, (SELECT count(*) FROM mfa.mfa_tokens) AS mfa_tokens
FROM mfa.sessions;

-- Every attempt is in the audit trail, with the reason an administrator needs (and the caller never sees).
-- An unknown user's attempt names no user; no event holds a password or a token.
SELECT e.type, e.result, e.reason, r.name AS realm, e.who AS user_name,
       e.credential_id IS NOT NULL AS has_credential
FROM (SELECT ev.*, CASE WHEN ev.user_id = :alice THEN 'alice' WHEN ev.user_id = :acme_alice THEN 'acme_alice'
                        WHEN ev.user_id = :nopw THEN 'nopw' END AS who
      FROM mfa.events AS ev WHERE ev.type = 'password_login') AS e
JOIN mfa.realms AS r USING (realm_id)
ORDER BY e.event_id;
SELECT count(*) AS password_login_events,
       count(*) FILTER (WHERE e::text LIKE ANY (ARRAY['%alice pw%', '%ALICE PW%', '%nobody%', '%xxxxxxxx%', '%argon2%',
                                                    '%kss\_%'])
                           OR position(:'s1' IN e::text) > 0) AS with_secret
FROM mfa.events AS e WHERE e.type = 'password_login';

-- A successful login rehashes a password whose hash is weaker than the current settings (superuser-only
-- pg_mfa.argon2_*): the stored parameters change, the password still works. A failed login changes nothing.
SELECT password_hash AS alice_hash_1 FROM mfa.credentials WHERE user_id = :alice AND type = 'password' \gset
SET pg_mfa.argon2_iterations = 3;
SELECT result FROM mfa.authenticate_password('alice@example.com', 'wrong');
SELECT password_hash = :'alice_hash_1' AS unchanged_after_failure
FROM mfa.credentials WHERE user_id = :alice AND type = 'password';
SET pg_mfa.clock_override = 2000000005;
SELECT result FROM mfa.authenticate_password('alice@example.com', 'alice pw 1');
SELECT split_part(:'alice_hash_1', '$', 4) AS parameters_before, split_part(password_hash, '$', 4) AS parameters_after,
       password_hash <> :'alice_hash_1' AS rehashed,
       updated_at = to_timestamp(2000000005) AS updated_at_login,
       mfa.verify_password('alice pw 1', password_hash) AS still_verifies,
       mfa.password_needs_rehash(password_hash) AS needs_rehash
FROM mfa.credentials WHERE user_id = :alice AND type = 'password';
SELECT password_hash AS alice_hash_2 FROM mfa.credentials WHERE user_id = :alice AND type = 'password' \gset
-- Strong enough now: the next login leaves the hash alone.
SELECT result FROM mfa.authenticate_password('alice@example.com', 'alice pw 1');
SELECT password_hash = :'alice_hash_2' AS unchanged FROM mfa.credentials WHERE user_id = :alice AND type = 'password';
RESET pg_mfa.argon2_iterations;
-- Back at the default settings, a stronger hash is not weakened.
SELECT result FROM mfa.authenticate_password('alice@example.com', 'alice pw 1');
SELECT password_hash = :'alice_hash_2' AS not_weakened FROM mfa.credentials WHERE user_id = :alice AND type = 'password';

-- set_password: the old password stops working, the new one works; a user without a password gets one.
SELECT mfa.set_password(:alice, 'alice pw 2');
SELECT v.password, a.result
FROM (VALUES (1, 'alice pw 1'), (2, 'alice pw 2')) AS v(n, password),
     LATERAL mfa.authenticate_password('alice@example.com', v.password) AS a
ORDER BY v.n;
SELECT mfa.set_password(:nopw, 'nopw pass');
SELECT result, user_id = :nopw AS nopw FROM mfa.authenticate_password('NOPW@example.com', 'nopw pass');
-- Without its password credential a user can no longer log in with a password.
SELECT credential_id AS nopw_pw FROM mfa.credentials WHERE user_id = :nopw AND type = 'password' \gset
SELECT mfa.delete_credential(:nopw_pw) AS deleted;
SELECT result, user_id, token, expires_at FROM mfa.authenticate_password('nopw@example.com', 'nopw pass');
SELECT reason FROM mfa.events WHERE type = 'password_login' ORDER BY event_id DESC LIMIT 1;

-- The server is still up.
SELECT 1 AS still_up;

DROP EXTENSION pg_mfa;
