-- login_privileges: who may do what in the login system. A role without rights: nothing. The client rights
-- (mfa.grant_client): the flows, but no table and no internal function. The admin rights (mfa.grant_admin):
-- realms, clean-up, and reading users, events and the non-secret columns; nobody reads a password hash,
-- TOTP secret or token digest through a table.
CREATE EXTENSION pg_mfa;
\set SHOW_CONTEXT never

\i sql/include/sqlstate_of.sql

SET pg_mfa.clock_override = 2000000000;

CREATE ROLE regress_mfa_nobody;
CREATE ROLE regress_mfa_app;
CREATE ROLE regress_mfa_adm;
SELECT mfa.grant_client('regress_mfa_app');
SELECT mfa.grant_admin('regress_mfa_adm');

-- Set up as superuser: Alice with a password and an active device, logged in once with MFA.
SELECT mfa.create_user('alice@example.com', 'alice pw') AS alice \gset
SELECT credential_id AS dev1, otp_secret AS sec1 FROM mfa.totp_create_credential(:alice) \gset
SELECT mfa.totp_verify(:dev1, mfa.totp_code(:'sec1', to_timestamp(2000000000 - 30))) AS enrolled;
SELECT token AS kli1 FROM mfa.authenticate_password('alice@example.com', 'alice pw') \gset
SELECT token AS kss1 FROM mfa.complete_mfa(:'kli1', mfa.totp_code(:'sec1', to_timestamp(2000000000))) \gset
SELECT mfa.create_user('bob@example.com', 'bob pass') AS bob \gset

-- allowed(q): 'ok' when the statement runs, else "SQLSTATE: message"; either way nothing it did is kept, so
-- each role meets the same state.
CREATE FUNCTION pg_temp.allowed(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RAISE EXCEPTION 'regress: undo';
EXCEPTION WHEN OTHERS THEN
    RETURN CASE WHEN SQLERRM = 'regress: undo' THEN 'ok' ELSE SQLSTATE || ': ' || SQLERRM END;
END
$$;

-- The statements of this file's role checks, by label.
CREATE TEMP TABLE api (n int, label text, q text);
INSERT INTO api VALUES
    (1, 'create_realm', $$SELECT mfa.create_realm('regress')$$),
    (2, 'create_user', $$SELECT mfa.create_user('carol@example.com', 'carol pw')$$),
    (3, 'set_password', format('SELECT mfa.set_password(%s, %L)', :bob, 'bob pw 2')),
    (4, 'totp_create_credential', format('SELECT mfa.totp_create_credential(%s)', :bob)),
    (5, 'totp_verify', format('SELECT mfa.totp_verify(%s, %L)', :dev1, '000000')),
    (6, 'delete_credential', $$SELECT mfa.delete_credential(0)$$),
    (7, 'authenticate_password', $$SELECT mfa.authenticate_password('alice@example.com', 'wrong')$$),
    (8, 'complete_mfa', $$SELECT mfa.complete_mfa('kli_x', '000000')$$),
    (9, 'validate_session', $$SELECT mfa.validate_session('kss_x')$$),
    (10, 'logout', $$SELECT mfa.logout('kss_x')$$),
    (11, 'purge_expired', $$SELECT mfa.purge_expired()$$),
    (12, 'grant_client', $$SELECT mfa.grant_client('regress_mfa_nobody')$$),
    (13, 'grant_admin', $$SELECT mfa.grant_admin('regress_mfa_nobody')$$),
    (14, 'revoke_rights', $$SELECT mfa.revoke_rights('regress_mfa_app')$$),
    (21, 'select realms', $$SELECT count(*) FROM mfa.realms$$),
    (22, 'select users', $$SELECT count(*) FROM mfa.users$$),
    (23, 'select credentials', $$SELECT count(*) FROM mfa.credentials$$),
    (24, 'select mfa_tokens', $$SELECT count(*) FROM mfa.mfa_tokens$$),
    (25, 'select sessions', $$SELECT count(*) FROM mfa.sessions$$),
    (26, 'select events', $$SELECT count(*) FROM mfa.events$$),
    (27, 'select rights', $$SELECT count(*) FROM mfa.rights$$),
    (31, 'insert user', $$INSERT INTO mfa.users (realm_id, username) VALUES (1, 'mallory')$$),
    (32, 'update credential', $$UPDATE mfa.credentials SET state = 'active'$$),
    (33, 'delete sessions', $$DELETE FROM mfa.sessions$$),
    (34, 'insert session', $$INSERT INTO mfa.sessions (token_digest, user_id, mfa_verified, created_at, expires_at) VALUES (sha256('x'), 1, true, now(), now() + '1 year')$$),
    (35, 'update mfa token', $$UPDATE mfa.mfa_tokens SET consumed_at = NULL$$),
    (36, 'delete events', $$DELETE FROM mfa.events$$),
    (37, 'widen the window', $$UPDATE mfa.realms SET totp_window = 10$$),
    (38, 'set the clock', $$SET pg_mfa.clock_override = 1$$),
    (39, 'make hashes cheap', $$SET pg_mfa.argon2_iterations = 1$$);
GRANT SELECT ON api TO PUBLIC;

-- A role without grants can do nothing: every function, table and setting is closed (42501).
SET ROLE regress_mfa_nobody;
SELECT a.label, pg_temp.allowed(a.q) AS result FROM api AS a ORDER BY a.n;
\set VERBOSITY sqlstate
SELECT * FROM mfa.authenticate_password('alice@example.com', 'alice pw');
\set VERBOSITY terse
RESET ROLE;
-- Even with USAGE on the schema (granted by mistake), the functions and tables stay closed.
GRANT USAGE ON SCHEMA mfa TO regress_mfa_nobody;
SET ROLE regress_mfa_nobody;
SELECT a.label, pg_temp.allowed(a.q) AS result FROM api AS a WHERE a.n < 30 ORDER BY a.n;
RESET ROLE;
REVOKE USAGE ON SCHEMA mfa FROM regress_mfa_nobody;

-- The client rights: every flow except create_realm and purge_expired (administration); no table, no setting.
SET ROLE regress_mfa_app;
SELECT a.label, pg_temp.allowed(a.q) AS result FROM api AS a ORDER BY a.n;
-- The whole story as the application: enroll Bob, log in with two steps, use and end the session.
SELECT otp_secret AS bob_sec, credential_id AS bob_dev FROM mfa.totp_create_credential(:bob, 'Phone') \gset
SELECT mfa.totp_verify(:bob_dev, mfa.totp_code(:'bob_sec', to_timestamp(2000000000 - 30))) AS bob_enrolled;
SELECT result AS r1, user_id = :bob AS r1_bob, token AS kli_bob FROM mfa.authenticate_password('bob@example.com', 'bob pass') \gset
SELECT :'r1' AS result, :'r1_bob' AS bob;
SELECT result AS r2, user_id = :bob AS r2_bob, token AS kss_bob
FROM mfa.complete_mfa(:'kli_bob', mfa.totp_code(:'bob_sec', to_timestamp(2000000000))) \gset
SELECT :'r2' AS result, :'r2_bob' AS bob;
SELECT user_id = :bob AS bob, realm FROM mfa.validate_session(:'kss_bob');
SELECT mfa.logout(:'kss_bob') AS logout;
-- No internal function: every mfa_internal._* function is closed. (Arguments are not NULL: the planner folds a STRICT
-- function of NULL constants to NULL without calling it, and so without checking EXECUTE.)
SELECT p.oid::regprocedure AS internal_function,
       pg_temp.allowed(format('SELECT mfa_internal.%I(%s)', p.proname,
                              (SELECT string_agg(format('%L::%s', CASE WHEN t = 'timestamptz'::regtype THEN 'epoch'
                                                                       WHEN (SELECT typtype FROM pg_type WHERE oid = t) = 'c' THEN NULL
                                                                       ELSE '1' END,
                                                        format_type(t, NULL)), ', ')
                               FROM unnest(p.proargtypes::oid[]) AS t))) AS result
FROM pg_proc AS p
WHERE p.pronamespace = 'mfa_internal'::regnamespace
ORDER BY p.proname;
-- The functions ignore the caller's search_path: a planted lower() does not change how usernames match.
RESET ROLE;
CREATE SCHEMA regress_trap;
CREATE FUNCTION regress_trap.lower(text) RETURNS text LANGUAGE sql AS $$ SELECT 'trapped'::text $$;
GRANT USAGE ON SCHEMA regress_trap TO regress_mfa_app;
SET ROLE regress_mfa_app;
SET search_path = regress_trap, pg_catalog, public;
SELECT lower('BOB') AS trap_is_set;
SELECT result, user_id = :bob AS bob FROM mfa.authenticate_password('BOB@example.com', 'bob pass');
SELECT result FROM mfa.authenticate_password('trapped', 'bob pass');
RESET search_path;
RESET ROLE;
DROP SCHEMA regress_trap CASCADE;

-- The admin rights: everything a client may do, plus create_realm and purge_expired, reading realms, users
-- and events, changing realm policy; still no secret and no write to users, credentials, tokens or sessions.
SET ROLE regress_mfa_adm;
SELECT a.label, pg_temp.allowed(a.q) AS result FROM api AS a ORDER BY a.n;
SELECT name, issuer, totp_window FROM mfa.realms ORDER BY realm_id;
SELECT username FROM mfa.users ORDER BY user_id;
SELECT type, result, count(*) AS events FROM mfa.events GROUP BY 1, 2 ORDER BY 1, 2;
-- The non-secret columns of credentials, tokens and sessions; sessions from complete_mfa are mfa_verified.
SELECT u.username, c.type, c.name, c.algorithm, c.digits, c.period, c.state, c.last_step IS NOT NULL AS used
FROM mfa.credentials AS c JOIN mfa.users AS u USING (user_id) ORDER BY c.credential_id;
SELECT u.username, t.expires_at - t.created_at AS lifetime, t.consumed_at IS NOT NULL AS consumed
FROM mfa.mfa_tokens AS t JOIN mfa.users AS u USING (user_id) ORDER BY t.mfa_token_id;
SELECT u.username, s.mfa_verified, s.revoked_at IS NOT NULL AS revoked
FROM mfa.sessions AS s JOIN mfa.users AS u USING (user_id) ORDER BY s.session_id;
-- The secret columns: 42501, alone or through *.
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES (1, 'otp_secret', $$SELECT otp_secret FROM mfa.totp_secrets$$),
             (2, 'password_hash', $$SELECT password_hash FROM mfa.credentials$$),
             (3, 'credentials.*', $$SELECT * FROM mfa.credentials$$),
             (4, 'mfa_tokens.token_digest', $$SELECT token_digest FROM mfa.mfa_tokens$$),
             (5, 'mfa_tokens.*', $$SELECT * FROM mfa.mfa_tokens$$),
             (6, 'sessions.token_digest', $$SELECT token_digest FROM mfa.sessions$$),
             (7, 'sessions.*', $$SELECT * FROM mfa.sessions$$),
             (8, 'secret in WHERE', $$SELECT count(*) FROM mfa.totp_secrets WHERE otp_secret IS NOT NULL$$),
             (9, 'digest in WHERE', format('SELECT count(*) FROM mfa.sessions WHERE token_digest = sha256(convert_to(%L, %L))', :'kss1', 'UTF8')),
             (10, 'whole row', $$SELECT c FROM mfa.credentials AS c$$),
             (11, 'totp_secrets.*', $$SELECT * FROM mfa.totp_secrets$$),
             (12, 'secrets through a join', $$SELECT count(*) FROM mfa.credentials AS c JOIN mfa.totp_secrets AS s USING (credential_id)$$)) AS v(n, label, q)
ORDER BY v.n;
\set VERBOSITY sqlstate
SELECT otp_secret FROM mfa.totp_secrets;
\set VERBOSITY terse
-- Realm policy: the policy columns may change, within the CHECK constraints (23514); the name, the id and
-- the set of realms may not (42501).
SELECT v.label, pg_temp.allowed(v.q) AS result
FROM (VALUES (1, 'window 2', $$UPDATE mfa.realms SET totp_window = 2 WHERE name = 'default'$$),
             (2, 'window 11', $$UPDATE mfa.realms SET totp_window = 11 WHERE name = 'default'$$),
             (3, 'digits 9', $$UPDATE mfa.realms SET totp_digits = 9 WHERE name = 'default'$$),
             (4, 'algorithm md5', $$UPDATE mfa.realms SET totp_algorithm = 'md5' WHERE name = 'default'$$),
             (5, 'session lifetime 2 years', $$UPDATE mfa.realms SET session_lifetime = '2 years' WHERE name = 'default'$$),
             (6, 'mfa token lifetime 0', $$UPDATE mfa.realms SET mfa_token_lifetime = '0' WHERE name = 'default'$$),
             (7, 'issuer with newline', $$UPDATE mfa.realms SET issuer = E'a\nb' WHERE name = 'default'$$),
             (8, 'rename', $$UPDATE mfa.realms SET name = 'other' WHERE name = 'default'$$),
             (9, 'change id', $$UPDATE mfa.realms SET realm_id = 99 WHERE name = 'default'$$),
             (10, 'insert realm', $$INSERT INTO mfa.realms (name, issuer) VALUES ('x', 'x')$$),
             (11, 'delete realm', $$DELETE FROM mfa.realms WHERE name = 'default'$$)) AS v(n, label, q)
ORDER BY v.n;
RESET ROLE;

-- The catalog agrees. Per table, the columns each role may read (PUBLIC and a client: none) ...
SELECT c.relname AS table_name,
       string_agg(a.attname, ', ' ORDER BY a.attnum)
           FILTER (WHERE has_column_privilege('regress_mfa_adm', c.oid, a.attnum, 'SELECT')) AS admin_reads,
       count(*) FILTER (WHERE has_column_privilege('regress_mfa_app', c.oid, a.attnum, 'SELECT')) AS client_reads,
       count(*) FILTER (WHERE EXISTS (SELECT FROM aclexplode(a.attacl) AS x WHERE x.grantee = 0)
                           OR EXISTS (SELECT FROM aclexplode(c.relacl) AS x WHERE x.grantee = 0)) AS public_reads
FROM pg_class AS c JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relnamespace = 'mfa'::regnamespace AND c.relkind = 'r'
GROUP BY c.relname ORDER BY c.relname;
-- ... the secret columns: nobody but the owner ...
SELECT a.attrelid::regclass AS table_name, a.attname AS secret_column,
       has_column_privilege('regress_mfa_app', a.attrelid, a.attnum, 'SELECT') AS client,
       has_column_privilege('regress_mfa_adm', a.attrelid, a.attnum, 'SELECT') AS admin,
       has_column_privilege('regress_mfa_nobody', a.attrelid, a.attnum, 'SELECT') AS other_role
FROM pg_attribute AS a
WHERE a.attrelid IN ('mfa.credentials'::regclass, 'mfa.totp_secrets'::regclass, 'mfa.mfa_tokens'::regclass,
                     'mfa.sessions'::regclass)
  AND a.attname IN ('otp_secret', 'password_hash', 'token_digest')
ORDER BY 1, 2;
-- ... and writes: only an administrator's UPDATE of realm policy columns.
SELECT c.relname AS table_name, p.privilege,
       string_agg(a.attname, ', ' ORDER BY a.attnum) FILTER (WHERE has_column_privilege('regress_mfa_adm', c.oid, a.attnum, p.privilege)) AS admin,
       count(*) FILTER (WHERE has_column_privilege('regress_mfa_app', c.oid, a.attnum, p.privilege)) AS client
FROM pg_class AS c JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
CROSS JOIN (VALUES ('INSERT'), ('UPDATE')) AS p(privilege)
WHERE c.relnamespace = 'mfa'::regnamespace AND c.relkind = 'r'
GROUP BY 1, 2 HAVING count(*) FILTER (WHERE has_column_privilege('regress_mfa_adm', c.oid, a.attnum, p.privilege)) > 0
ORDER BY 1, 2;
SELECT c.relname AS table_name,
       has_table_privilege('regress_mfa_adm', c.oid, 'DELETE') AS admin_delete,
       has_table_privilege('regress_mfa_adm', c.oid, 'TRUNCATE') AS admin_truncate,
       has_table_privilege('regress_mfa_app', c.oid, 'DELETE') AS client_delete
FROM pg_class AS c WHERE c.relnamespace = 'mfa'::regnamespace AND c.relkind = 'r' ORDER BY 1;
-- Sequences: nobody but the owner (the functions insert as the owner).
SELECT c.relname AS sequence_name, c.relacl IS NULL OR NOT EXISTS (SELECT FROM aclexplode(c.relacl) AS x WHERE x.grantee <> c.relowner) AS owner_only
FROM pg_class AS c WHERE c.relnamespace = 'mfa'::regnamespace AND c.relkind = 'S' ORDER BY 1;

-- Revoking the rights takes everything away again.
SELECT mfa.revoke_rights('regress_mfa_app') AS revoked;
SET ROLE regress_mfa_app;
SELECT pg_temp.sqlstate_of($$SELECT mfa.validate_session('kss_x')$$) AS after_revoke;
RESET ROLE;

-- The server is still up.
SELECT 1 AS still_up;

DROP EXTENSION pg_mfa;
DROP ROLE regress_mfa_nobody;
DROP ROLE regress_mfa_app;
DROP ROLE regress_mfa_adm;
