-- error_messages: what a caller sees when a call is wrong. The message names the argument or the realm
-- policy column and its rule; no CONTEXT line names pg_mfa's internal helpers (or any PL/pgSQL frame of
-- pg_mfa: the errors are raised as a built-in function's would be); a realm policy value out of range is
-- refused with 22023 (22004 for NULL) and a message, not a bare CHECK constraint name.
CREATE EXTENSION pg_mfa;
SET pg_mfa.clock_override = 2000000000;
SELECT mfa.create_user('alice@example.com', 'alice pw') AS alice \gset
SELECT credential_id AS dev FROM mfa.totp_create_credential(:alice) \gset

-- Errors exactly as psql shows them, context included whenever there is one.
\set VERBOSITY default
\set SHOW_CONTEXT always
SELECT mfa.create_user('bob', 'bob pw', 'no_such_realm');
SELECT mfa.authenticate_password('alice@example.com', 'pw', 'no_such_realm');
SELECT mfa.totp_create_credential(999999);
SELECT mfa.totp_verify(999999, '123456');
SELECT mfa.set_password(999999, 'pw');
SELECT mfa.create_user('alice@example.com', 'alice pw 2');
SELECT mfa.create_realm('bad name!');
SELECT mfa.create_user(NULL, 'pw');
SELECT mfa.authenticate_password('alice@example.com', NULL);
SELECT mfa.complete_mfa('kli_x', NULL);
SELECT mfa.complete_mfa(NULL, '123456');
SELECT mfa.totp_verify(:dev, NULL);
SELECT mfa.validate_session(NULL);
SELECT mfa.purge_expired('-1 day');
UPDATE mfa.realms SET totp_enabled = false WHERE name = 'default';
SELECT mfa.totp_create_credential(:alice);
UPDATE mfa.realms SET totp_enabled = true WHERE name = 'default';
-- Errors of the C primitives a flow calls (here the password hash) show the public function's frame as
-- their context, never a helper's or a statement's.
SELECT mfa.create_user('dave', '');
SELECT mfa.set_password(:alice, repeat('x', 1025));
-- A password shorter than the realm's minimum names the rule, never the password.
SELECT mfa.set_password(:alice, 'short');
SELECT mfa.create_user('dave', 'short');
-- An imported hash that no login could verify: the message never shows the hash.
SELECT mfa.create_user('dave', password_hash => '$2b$10$notahash');
-- The context is dropped as a whole: a caller's own PL/pgSQL function that calls pg_mfa loses its context
-- line for pg_mfa's errors too (its other errors keep theirs).
CREATE FUNCTION pg_temp.signup(name text) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    RETURN mfa.create_user(name, 'pw', 'no_such_realm');
END
$$;
SELECT pg_temp.signup('carol');
\set VERBOSITY terse
\set SHOW_CONTEXT errors

-- Realm policy: each column refuses a value out of its range with its own message (22023), and NULL with
-- 22004; the row is unchanged.
\i sql/include/sqlstate_of.sql
SELECT v.col, pg_temp.sqlstate_of(format('UPDATE mfa.realms SET %I = %s WHERE name = %L', v.col, v.val, 'default')) AS result
FROM (VALUES
    (1, 'issuer', $$'ACME: Corp'$$),
    (2, 'issuer', $$' padded'$$),
    (3, 'totp_algorithm', $$'md5'$$),
    (4, 'totp_digits', '5'),
    (5, 'totp_digits', '9'),
    (6, 'totp_period', '0'),
    (7, 'totp_period', '601'),
    (8, 'totp_window', '-1'),
    (9, 'totp_window', '11'),
    (10, 'mfa_token_lifetime', $$'0'$$),
    (11, 'mfa_token_lifetime', $$'61 minutes'$$),
    (12, 'session_lifetime', $$'-1 hour'$$),
    (13, 'session_lifetime', $$'366 days 1 second'$$),
    (14, 'code_lockout_threshold', '0'),
    (15, 'code_lockout_threshold', '101'),
    (16, 'code_disable_threshold', '4'),
    (17, 'code_disable_threshold', '1001'),
    (18, 'password_lockout_threshold', '0'),
    (19, 'lockout_delay', $$'0'$$),
    (20, 'lockout_delay', $$'25 hours'$$),
    (21, 'lockout_max_delay', $$'10 seconds'$$),
    (22, 'lockout_max_delay', $$'31 days'$$),
    (23, 'mfa_token_max_failures', '0'),
    (24, 'mfa_token_max_failures', '101'),
    (25, 'totp_window', 'NULL'),
    (26, 'issuer', 'NULL'),
    (27, 'totp_enabled', 'NULL'),
    (28, 'totp_window', '10'),
    (29, 'totp_window', '1'),
    (30, 'password_min_length', '0'),
    (31, 'password_min_length', '1025'),
    (32, 'password_min_length', 'NULL')
  ) AS v(n, col, val)
ORDER BY v.n;
-- Realms made by a superuser's INSERT are checked the same way.
SELECT pg_temp.sqlstate_of($$INSERT INTO mfa.realms (name, issuer, totp_digits) VALUES ('r2', 'R2', 12)$$) AS insert_bad;
SELECT pg_temp.sqlstate_of($$INSERT INTO mfa.realms (name, issuer) VALUES ('bad name', 'R3')$$) AS insert_bad_name;
SELECT name, issuer, totp_window, totp_digits FROM mfa.realms ORDER BY name;

-- An administrator (mfa.grant_admin) gets the same messages: the check may call pg_mfa's internals for it.
CREATE ROLE regress_policy_admin;
SELECT mfa.grant_admin('regress_policy_admin');
SET ROLE regress_policy_admin;
SELECT pg_temp.sqlstate_of($$UPDATE mfa.realms SET totp_window = 42 WHERE name = 'default'$$) AS admin_bad_window;
SELECT pg_temp.sqlstate_of($$UPDATE mfa.realms SET issuer = 'ACME Corp' WHERE name = 'default'$$) AS admin_issuer;
SELECT pg_temp.sqlstate_of($$SELECT mfa_internal._raise('22023', 'forged')$$) AS admin_calls_raise;
RESET ROLE;
SELECT issuer FROM mfa.realms WHERE name = 'default';

DROP EXTENSION pg_mfa;
DROP ROLE regress_policy_admin;
