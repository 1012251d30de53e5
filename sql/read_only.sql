-- read_only: on a hot standby or in a READ ONLY transaction every writing function fails at once, before
-- any lookup, with one error (25006) whoever the user is, so the failure tells nothing about which users
-- exist; validate_session and the primitives keep working. And a password no account can have (empty, or
-- over 1024 bytes) is refused (22023) for every username, before any lookup.
CREATE EXTENSION pg_mfa;
\i sql/include/sqlstate_of.sql
SET pg_mfa.clock_override = 2000000000;
SET pg_mfa.argon2_memory = '64kB';
SET pg_mfa.argon2_iterations = 1;
SELECT mfa.create_user('alice@example.com', 'alice pw') AS alice \gset
SELECT credential_id AS dev, otp_secret AS sec FROM mfa.totp_create_credential(:alice) \gset
SELECT token AS kss FROM mfa.authenticate_password('alice@example.com', 'alice pw') \gset

-- Every writing function, known and unknown user alike: 25006 and the same message.
BEGIN READ ONLY;
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES
    (1, 'authenticate_password known user', $$SELECT mfa.authenticate_password('alice@example.com', 'wrong')$$),
    (2, 'authenticate_password unknown user', $$SELECT mfa.authenticate_password('nobody@example.com', 'wrong')$$),
    (3, 'authenticate_password unknown realm', $$SELECT mfa.authenticate_password('alice@example.com', 'wrong', 'nowhere')$$),
    (4, 'complete_mfa', $$SELECT mfa.complete_mfa('kli_unknown', '123456')$$),
    (5, 'create_user', $$SELECT mfa.create_user('bob', 'bob pw')$$),
    (6, 'create_realm', $$SELECT mfa.create_realm('acme')$$),
    (7, 'set_password known user', format('SELECT mfa.set_password(%s, %L)', :alice, 'new pw')),
    (8, 'set_password unknown user', $$SELECT mfa.set_password(999999, 'new pw')$$),
    (9, 'revoke_sessions', format('SELECT mfa.revoke_sessions(%s)', :alice)),
    (10, 'totp_create_credential', format('SELECT mfa.totp_create_credential(%s)', :alice)),
    (11, 'totp_verify known device', format('SELECT mfa.totp_verify(%s, %L)', :dev, '123456')),
    (12, 'totp_verify unknown device', $$SELECT mfa.totp_verify(999999, '123456')$$),
    (13, 'delete_credential', format('SELECT mfa.delete_credential(%s)', :dev)),
    (14, 'logout', format('SELECT mfa.logout(%L)', :'kss')),
    (15, 'purge_expired', $$SELECT mfa.purge_expired()$$),
    (16, 'reset_lockout', format('SELECT mfa.reset_lockout(%s)', :alice)),
    (17, 'purge_events', $$SELECT mfa.purge_events('1 day')$$)
  ) AS v(n, label, q)
ORDER BY v.n;
-- What still works read-only: sessions validate, primitives compute.
SELECT count(*) AS session_validates FROM mfa.validate_session(:'kss');
SELECT length(mfa.totp_code(:'sec')) AS totp_code_digits;
COMMIT;
-- The same with default_transaction_read_only (as a pooler's read-only route would set it).
SET default_transaction_read_only = on;
SELECT pg_temp.sqlstate_of($$SELECT mfa.authenticate_password('alice@example.com', 'wrong')$$) AS known,
       pg_temp.sqlstate_of($$SELECT mfa.authenticate_password('nobody@example.com', 'wrong')$$) AS unknown;
RESET default_transaction_read_only;
-- Nothing was counted or recorded while read-only.
SELECT code_failures, password_failures FROM mfa.user_lockouts WHERE user_id = :alice;
SELECT count(*) AS events_of_failed_logins FROM mfa.events WHERE type = 'password_login' AND result = 'failure';

-- Passwords no account can have: the same error for a known and an unknown user, and not counted (the
-- one failure counted below is the wrong 1024-byte password, a real guess).
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES
    (1, 'empty, known user', $$SELECT mfa.authenticate_password('alice@example.com', '')$$),
    (2, 'empty, unknown user', $$SELECT mfa.authenticate_password('nobody@example.com', '')$$),
    (3, 'empty, unknown realm', $$SELECT mfa.authenticate_password('nobody@example.com', '', 'nowhere')$$),
    (4, '1025 bytes, known user', $$SELECT mfa.authenticate_password('alice@example.com', repeat('x', 1025))$$),
    (5, '1025 bytes, unknown user', $$SELECT mfa.authenticate_password('nobody@example.com', repeat('x', 1025))$$),
    (6, '513 two-byte characters, known user', $$SELECT mfa.authenticate_password('alice@example.com', repeat('é', 513))$$),
    (7, '1024 bytes, known user', $$SELECT result FROM mfa.authenticate_password('alice@example.com', repeat('x', 1024))$$),
    (8, '1024 bytes, unknown user', $$SELECT result FROM mfa.authenticate_password('nobody@example.com', repeat('x', 1024))$$)
  ) AS v(n, label, q)
ORDER BY v.n;
SELECT code_failures, password_failures FROM mfa.user_lockouts WHERE user_id = :alice;

DROP EXTENSION pg_mfa;
