-- login_bad_input: NULL and malformed arguments of the login functions raise errors with precise SQLSTATEs
-- (22004 NULL, 22023 invalid value, 42704 unknown realm, user or credential, 42809 wrong kind of credential),
-- messages never repeat a password, and nothing is left half-done. Failed authentication is a result, not an
-- error: malformed codes and tokens just fail.
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

SET pg_mfa.clock_override = 2000000000;
SELECT mfa.create_user('alice@example.com', 'alice pw') AS alice \gset
SELECT credential_id AS dev1 FROM mfa.totp_create_credential(:alice) \gset
SELECT credential_id AS alice_pw FROM mfa.credentials WHERE user_id = :alice AND type = 'password' \gset

-- NULL arguments: 22004 (a NULL password in create_user means "no password" and is fine).
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES
    (1, 'create_realm name', $$SELECT mfa.create_realm(NULL)$$),
    (2, 'create_realm totp_enabled', $$SELECT mfa.create_realm('r1', 'Issuer', NULL)$$),
    (3, 'create_user username', $$SELECT mfa.create_user(NULL, 'hunter2-SECRET')$$),
    (4, 'create_user realm', $$SELECT mfa.create_user('u1', 'hunter2-SECRET', NULL)$$),
    (5, 'set_password user_id', $$SELECT mfa.set_password(NULL, 'hunter2-SECRET')$$),
    (6, 'set_password password', format('SELECT mfa.set_password(%s, NULL)', :alice)),
    (7, 'totp_create_credential user_id', $$SELECT mfa.totp_create_credential(NULL)$$),
    (8, 'totp_create_credential name', format('SELECT mfa.totp_create_credential(%s, NULL)', :alice)),
    (9, 'totp_verify credential_id', $$SELECT mfa.totp_verify(NULL, '123456')$$),
    (10, 'totp_verify code', format('SELECT mfa.totp_verify(%s, NULL)', :dev1)),
    (11, 'delete_credential', $$SELECT mfa.delete_credential(NULL)$$),
    (12, 'authenticate_password username', $$SELECT mfa.authenticate_password(NULL, 'hunter2-SECRET')$$),
    (13, 'authenticate_password password', $$SELECT mfa.authenticate_password('alice@example.com', NULL)$$),
    (14, 'authenticate_password realm', $$SELECT mfa.authenticate_password('alice@example.com', 'hunter2-SECRET', NULL)$$),
    (15, 'complete_mfa token', $$SELECT mfa.complete_mfa(NULL, '123456')$$),
    (16, 'complete_mfa code', $$SELECT mfa.complete_mfa('kli_x', NULL)$$),
    (17, 'validate_session', $$SELECT mfa.validate_session(NULL)$$),
    (18, 'logout', $$SELECT mfa.logout(NULL)$$),
    (19, 'create_user without password', $$SELECT mfa.create_user('u2', NULL)$$)
  ) AS v(n, label, q)
ORDER BY v.n;
-- purge_expired too: NULL is 22004, like everywhere else (a negative interval is 22023).
SELECT left(pg_temp.sqlstate_of($$SELECT mfa.purge_expired(NULL)$$), 5) AS purge_expired_null,
       left(pg_temp.sqlstate_of($$SELECT mfa.purge_expired('-1 day')$$), 5) AS purge_expired_negative;
\set VERBOSITY sqlstate
SELECT * FROM mfa.authenticate_password('alice@example.com', NULL);
\set VERBOSITY terse

-- Unknown realms (names are exact: 'DEFAULT' is not 'default'), users and credentials: 42704. Deleting a
-- credential that does not exist is not an error: false.
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES
    (1, 'create_user', $$SELECT mfa.create_user('u3', 'hunter2-SECRET', 'nowhere')$$),
    (2, 'authenticate_password', $$SELECT mfa.authenticate_password('alice@example.com', 'hunter2-SECRET', 'nowhere')$$),
    (3, 'realm in other case', $$SELECT mfa.authenticate_password('alice@example.com', 'alice pw', 'DEFAULT')$$),
    (4, 'set_password', $$SELECT mfa.set_password(999999, 'hunter2-SECRET')$$),
    (5, 'totp_create_credential', $$SELECT mfa.totp_create_credential(999999)$$),
    (6, 'totp_verify', $$SELECT mfa.totp_verify(999999, '123456')$$),
    (7, 'delete_credential', $$SELECT mfa.delete_credential(999999)$$)
  ) AS v(n, label, q)
ORDER BY v.n;
SELECT mfa.delete_credential(999999) AS deleted;
-- A password credential is not a TOTP device: 42809.
SELECT pg_temp.sqlstate_of(format('SELECT mfa.totp_verify(%s, %L)', :alice_pw, '123456')) AS password_credential;
\set VERBOSITY sqlstate
SELECT mfa.create_user('u3', NULL, 'nowhere');
SELECT mfa.totp_verify(:alice_pw, '123456');
\set VERBOSITY default
SELECT mfa.create_user('u3', NULL, 'nowhere');
\set VERBOSITY terse

-- Usernames: 1 to 256 characters without control characters or colons (a colon would end the issuer in an
-- authenticator app's label): 22023; the message does not repeat the name.
SELECT v.label, pg_temp.sqlstate_of(format('SELECT mfa.create_user(%L)', v.username)) AS result
FROM (VALUES (1, 'empty', ''), (2, '257 characters', repeat('u', 257)), (3, 'newline', E'a\nb'),
             (4, 'tab', E'a\tb'), (5, 'NUL-like \x01', 'a' || chr(1)), (6, 'DEL', 'a' || chr(127)),
             (7, 'carriage return', E'alice@example.com\r'), (8, 'colon', 'acme:alice'),
             (9, '256 characters', repeat('u', 256)), (10, 'spaces inside', 'Alice Liddell'),
             (11, 'non-ASCII', 'Ünïcødé@example.com'), (12, 'one character', 'x')) AS v(n, label, username)
ORDER BY v.n;
-- Realm names: 1 to 63 of letters, digits, ".", "_" and "-", starting with a letter or digit (22023).
SELECT v.label, pg_temp.sqlstate_of(format('SELECT mfa.create_realm(%L)', v.name)) AS result
FROM (VALUES (1, 'empty', ''), (2, 'leading -', '-acme'), (3, 'leading .', '.acme'), (4, 'leading _', '_acme'),
             (5, 'space', 'ac me'), (6, 'slash', 'ac/me'), (7, 'colon', 'ac:me'), (8, 'non-ASCII', 'äcme'),
             (9, '64 characters', repeat('r', 64)), (10, 'newline', E'acme\n'),
             (11, '63 characters', repeat('r', 63)), (12, 'all allowed', 'A0.b_c-D'), (13, 'one digit', '7')) AS v(n, label, name)
ORDER BY v.n;
-- Issuers: 1 to 256 characters without control characters or colons (an authenticator app reads a colon in
-- the label as the end of the issuer): 22023.
SELECT v.label, pg_temp.sqlstate_of(format('SELECT mfa.create_realm(%L, %L)', 'issuer' || v.n, v.issuer)) AS result
FROM (VALUES (1, 'empty', ''), (2, '257 characters', repeat('i', 257)), (3, 'newline', E'ACME\nCorp'),
             (4, 'colon', 'ACME:Corp'), (5, '256 characters', repeat('i', 256)),
             (6, 'punctuation', 'ACME Corp. "Login" & co. (EU) #1'), (7, 'non-ASCII', 'Ärzte-Portal ✓')) AS v(n, label, issuer)
ORDER BY v.n;
-- Credential (device) names: 1 to 100 characters without control characters (22023).
SELECT v.label, pg_temp.sqlstate_of(format('SELECT mfa.totp_create_credential(%s, %L)', :alice, v.name)) AS result
FROM (VALUES (1, 'empty', ''), (2, '101 characters', repeat('d', 101)), (3, 'tab', E'my\tphone'),
             (4, '100 characters', repeat('d', 100)), (5, 'apostrophe', 'Alice''s phone')) AS v(n, label, name)
ORDER BY v.n;
-- None of the refused values left a row behind.
SELECT (SELECT count(*) FROM mfa.users) AS users, (SELECT count(*) FROM mfa.realms) AS realms,
       (SELECT count(*) FROM mfa.credentials WHERE type = 'totp') AS totp_credentials;

-- Passwords: empty or over 1024 bytes is 22023, and create_user then leaves no user behind; set_password
-- leaves the old password in place. No message repeats the password.
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES (1, 'create_user empty', $$SELECT mfa.create_user('carol', '')$$),
             (2, 'create_user 1025 bytes', $$SELECT mfa.create_user('carol', repeat('hunter2-SECRET', 74))$$),
             (3, 'set_password empty', format('SELECT mfa.set_password(%s, %L)', :alice, '')),
             (4, 'set_password 1025 bytes', format('SELECT mfa.set_password(%s, repeat(%L, 74))', :alice, 'hunter2-SECRET')),
             (5, 'create_user 1024 bytes', $$SELECT mfa.create_user('dave', repeat('x', 1024)) > 0$$)) AS v(n, label, q)
ORDER BY v.n;
SELECT count(*) AS carol_users FROM mfa.users WHERE username = 'carol';
SELECT result FROM mfa.authenticate_password('alice@example.com', 'alice pw');
\set VERBOSITY sqlstate
SELECT mfa.create_user('carol', '');
\set VERBOSITY default
SELECT mfa.create_user('carol', '');
SELECT mfa.create_user('carol', repeat('hunter2-SECRET', 74));
\set VERBOSITY terse
-- Every message of this file so far, checked at once: none holds a password.
SELECT count(*) AS messages, count(*) FILTER (WHERE m LIKE '%hunter2%' OR m LIKE '%alice pw%') AS with_password
FROM (SELECT pg_temp.sqlstate_of(q) AS m
      FROM unnest(ARRAY[$$SELECT mfa.create_user(NULL, 'hunter2-SECRET')$$,
                        $$SELECT mfa.create_user('u4', 'hunter2-SECRET', 'nowhere')$$,
                        $$SELECT mfa.create_user('alice@example.com', 'hunter2-SECRET')$$,
                        $$SELECT mfa.create_user('', 'hunter2-SECRET')$$,
                        $$SELECT mfa.create_user('carol', repeat('hunter2-SECRET', 74))$$,
                        $$SELECT mfa.set_password(999999, 'hunter2-SECRET')$$,
                        $$SELECT mfa.authenticate_password('alice@example.com', 'hunter2-SECRET', 'nowhere')$$,
                        $$SELECT mfa.authenticate_password(NULL, 'hunter2-SECRET')$$,
                        $$SELECT mfa.authenticate_password('alice@example.com', 'alice pw', NULL)$$]) AS q) AS t;

-- Malformed codes and tokens are failed authentications, not errors.
SELECT v.label, mfa.totp_verify(:dev1, v.code) AS verified
FROM (VALUES (1, 'letters', 'abcdef'), (2, 'five digits', '12345'), (3, 'seven digits', '1234567'),
             (4, 'leading space', ' 123456'), (5, 'sign', '+12345'), (6, 'full-width digits', '１２３４５６'),
             (7, 'very long', repeat('1', 100000)), (8, 'empty', '')) AS v(n, label, code)
ORDER BY v.n;
SELECT v.label, c.result, (SELECT count(*) FROM mfa.validate_session(v.token)) AS sessions,
       mfa.logout(v.token) AS logout
FROM (VALUES (1, 'empty', ''), (2, 'very long', 'kli_' || repeat('A', 100000)), (3, 'NUL-free binary-looking', E'kli_\\x00'),
             (4, 'non-ASCII', 'kli_ü')) AS v(n, label, token),
     LATERAL mfa.complete_mfa(v.token, '123456') AS c
ORDER BY v.n;
SELECT result, user_id, token, expires_at FROM mfa.authenticate_password(repeat('u', 100000), 'alice pw');

-- The server is still up.
SELECT 1 AS still_up;

DROP EXTENSION pg_mfa;
