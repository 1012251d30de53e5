-- login_sessions: kss_ sessions (mfa.validate_session, mfa.logout) and clean-up (mfa.purge_expired), on the
-- fixed test clock.
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

-- T = 2000000000.
SET pg_mfa.clock_override = 2000000000;

SELECT mfa.create_realm('acme') AS acme_realm \gset
SELECT mfa.create_user('alice@example.com', 'alice pw') AS alice \gset
SELECT mfa.create_user('carol@example.com', 'carol pw', 'acme') AS carol \gset

SELECT token AS s1 FROM mfa.authenticate_password('alice@example.com', 'alice pw') \gset
SELECT token AS s2 FROM mfa.authenticate_password('alice@example.com', 'alice pw') \gset

-- A live session: one row with user, realm and expiry (12 hours after the login).
SELECT v.user_id = :alice AS alice, v.realm, v.expires_at = to_timestamp(2000000000) + interval '12 hours' AS expiry
FROM mfa.validate_session(:'s1') AS v;
-- Anything else: no row, never an error.
SELECT v.label, (SELECT count(*) FROM mfa.validate_session(v.token)) AS rows
FROM (VALUES (1, 'changed token', :'s1' || 'x'), (2, 'upper-cased token', upper(:'s1')),
             (3, 'prefix only', 'kss_'), (4, 'empty', ''), (5, 'random text', 'not a token'),
             (6, 'kli_ prefix', 'kli_' || substr(:'s1', 5))) AS v(n, label, token)
ORDER BY v.n;

-- logout revokes one session: true once, then false; the other session is untouched.
SELECT mfa.logout(:'s1') AS logout;
SELECT count(*) AS s1_rows FROM mfa.validate_session(:'s1');
SELECT mfa.logout(:'s1') AS logout_again;
SELECT count(*) AS s2_rows FROM mfa.validate_session(:'s2');
SELECT revoked_at = to_timestamp(2000000000) AS revoked_now, count(*) AS sessions
FROM mfa.sessions GROUP BY 1 ORDER BY 1;
SELECT mfa.logout('kss_not-a-session') AS logout_unknown, mfa.logout('') AS logout_empty;

-- Expiry: live one second before the end, gone at the end; an expired session cannot be logged out.
SET pg_mfa.clock_override = 2000043199;
SELECT count(*) AS s2_rows_before_expiry FROM mfa.validate_session(:'s2');
SET pg_mfa.clock_override = 2000043200;
SELECT count(*) AS s2_rows_at_expiry FROM mfa.validate_session(:'s2');
SELECT mfa.logout(:'s2') AS logout_expired;
-- Back in time (the clock is the test's): the session is live again, so expiry is a comparison with the
-- clock, not a flag.
SET pg_mfa.clock_override = 2000000001;
SELECT count(*) AS s2_rows_earlier FROM mfa.validate_session(:'s2');

-- The session lifetime is the realm's policy; validate_session names the realm.
UPDATE mfa.realms SET session_lifetime = '1 hour' WHERE name = 'acme';
SELECT token AS s3, expires_at - to_timestamp(2000000001) AS lifetime
FROM mfa.authenticate_password('carol@example.com', 'carol pw', 'acme') \gset
SELECT :'lifetime' AS lifetime;
SELECT v.user_id = :carol AS carol, v.realm, v.expires_at - to_timestamp(2000000001) AS expires_in
FROM mfa.validate_session(:'s3') AS v;
-- Sessions end with their user.
DELETE FROM mfa.users WHERE user_id = :carol;
SELECT count(*) AS s3_rows_after_user_deleted FROM mfa.validate_session(:'s3');
SELECT mfa.logout(:'s3') AS logout_deleted_user;

-- Only successful logouts are audited; no event holds a token.
SELECT e.type, e.result, e.user_id = :alice AS alice, count(*) AS events
FROM mfa.events AS e WHERE e.type = 'logout' GROUP BY 1, 2, 3;
SELECT count(*) FILTER (WHERE e::text LIKE '%kss\_%') AS events_with_token FROM mfa.events AS e;

-- purge_expired (older_than, default 1 day): deletes kli_ tokens and sessions that expired, were consumed or
-- were revoked longer ago than that; returns how many of each.
-- At T: Bob (one device) logs in twice; one kli_ token is consumed (making a session), the other is left.
SET pg_mfa.clock_override = 2000000000;
SELECT mfa.create_user('bob@example.com', 'bob pass') AS bob \gset
SELECT credential_id AS bob_dev, otp_secret AS bob_sec FROM mfa.totp_create_credential(:bob) \gset
SELECT mfa.totp_verify(:bob_dev, mfa.totp_code(:'bob_sec', to_timestamp(2000000000 - 30))) AS bob_enrolled;
SELECT token AS kli_used FROM mfa.authenticate_password('bob@example.com', 'bob pass') \gset
SELECT token AS kli_left FROM mfa.authenticate_password('bob@example.com', 'bob pass') \gset
SELECT result, token AS s4 FROM mfa.complete_mfa(:'kli_used', mfa.totp_code(:'bob_sec', to_timestamp(2000000000))) \gset
SELECT :'result' AS result;
SELECT (SELECT count(*) FROM mfa.mfa_tokens) AS mfa_tokens, (SELECT count(*) FROM mfa.sessions) AS sessions;
-- Nothing is old enough yet.
SELECT * FROM mfa.purge_expired();
-- A day and an hour later (cutoff T + 1 hour): both kli_ tokens (expired or consumed at T + 5 minutes at the
-- latest) and alice's revoked session go; the sessions that expired at T + 12 hours stay another day.
SET pg_mfa.clock_override = 2000090000;
SELECT * FROM mfa.purge_expired();
SELECT (SELECT count(*) FROM mfa.mfa_tokens) AS mfa_tokens, (SELECT count(*) FROM mfa.sessions) AS sessions;
-- A live session made now survives even purge_expired('0'), which takes everything else that is over.
SELECT token AS s5 FROM mfa.authenticate_password('alice@example.com', 'alice pw') \gset
SELECT * FROM mfa.purge_expired('0');
SELECT count(*) AS s5_rows FROM mfa.validate_session(:'s5');
SELECT count(*) AS sessions FROM mfa.sessions;
-- The consumed kli_ token is gone for good: complete_mfa refuses it as it did before.
SELECT result FROM mfa.complete_mfa(:'kli_used', mfa.totp_code(:'bob_sec', to_timestamp(2000090000)));
-- A negative interval: 22023.
SELECT pg_temp.sqlstate_of($$SELECT mfa.purge_expired('-1 second')$$) AS negative;

-- validate_session and session_info read the rows directly (src/pg/session_functions.cpp). Every way of
-- calling a set-returning function gets the same answer: in FROM, in the select list, and once per row of a
-- LATERAL join (each token looked up again: live, revoked, unknown, live).
SELECT token AS s6 FROM mfa.authenticate_password('alice@example.com', 'alice pw') \gset
SELECT mfa.validate_session(:'s6') IS NOT NULL AS in_select_list,
       (SELECT count(*) FROM (SELECT mfa.validate_session('kss_unknown')) AS x) AS unknown_in_select_list;
SELECT t.n, v.user_id = :alice AS alice, v.realm
FROM (VALUES (1, :'s6'), (2, :'s1'), (3, 'kss_unknown'), (4, :'s5')) AS t(n, token)
LEFT JOIN LATERAL mfa.validate_session(t.token) AS v ON true
ORDER BY t.n;
SELECT i.user_id = :alice AS alice, i.realm, i.aal, i.mfa_at, i.methods FROM mfa.session_info(:'s6') AS i;
-- In a transaction: the function sees the transaction's own changes (the query's snapshot), and they are
-- gone with a rollback.
BEGIN;
UPDATE mfa.sessions SET revoked_at = to_timestamp(2000090000) WHERE token_digest = sha256(convert_to(:'s6', 'UTF8'));
SELECT count(*) AS s6_rows_revoked_in_transaction FROM mfa.validate_session(:'s6');
ROLLBACK;
SELECT count(*) AS s6_rows_after_rollback FROM mfa.validate_session(:'s6');
-- A disabled user's session is not live, whether or not it was revoked (mfa.disable_user revokes them all;
-- here only the user's row says so, in a transaction rolled back).
BEGIN;
UPDATE mfa.users SET disabled_at = to_timestamp(2000090000) WHERE user_id = :alice;
SELECT count(*) AS s6_rows_user_disabled FROM mfa.validate_session(:'s6');
SELECT count(*) AS s6_info_rows_user_disabled FROM mfa.session_info(:'s6');
ROLLBACK;
SELECT count(*) AS s6_rows_user_enabled FROM mfa.validate_session(:'s6');
-- The realm's idle timeout counts from the last time the session was seen (here: made at T + 90000 s).
UPDATE mfa.realms SET session_idle_timeout = '30 minutes' WHERE name = 'default';
SET pg_mfa.clock_override = 2000091799;
SELECT count(*) AS s6_rows_idle_29m59s FROM mfa.validate_session(:'s6');
SET pg_mfa.clock_override = 2000091800;
SELECT count(*) AS s6_rows_idle_30m FROM mfa.validate_session(:'s6');
UPDATE mfa.realms SET session_idle_timeout = NULL WHERE name = 'default';
SELECT count(*) AS s6_rows_no_idle_timeout FROM mfa.validate_session(:'s6');
-- In a parallel query the same answers. Forced here (force_parallel_mode, debug_parallel_query from
-- PostgreSQL 16): a worker, or the leader when no worker starts, reads the function in parallel mode, where
-- no new snapshot may be taken; a realm it has no copy of (forgotten after the no-op change) is read as of
-- the query's snapshot.
UPDATE mfa.realms SET issuer = issuer WHERE name = 'default';
SELECT set_config(CASE WHEN current_setting('server_version_num')::integer >= 160000 THEN 'debug_parallel_query'
                       ELSE 'force_parallel_mode' END, 'on', false) AS forced_parallel;
SELECT v.user_id = :alice AS alice, v.realm FROM mfa.validate_session(:'s6') AS v;
SELECT i.user_id = :alice AS alice, i.realm, i.aal FROM mfa.session_info(:'s6') AS i;
SELECT count(*) AS unknown_rows FROM mfa.validate_session('kss_unknown');
SELECT set_config(CASE WHEN current_setting('server_version_num')::integer >= 160000 THEN 'debug_parallel_query'
                       ELSE 'force_parallel_mode' END, 'off', false) AS parallel_off;
-- The relations are found once per backend; a reinstall in the same connection makes new ones, and the
-- functions find those (no stale relation is read).
DROP EXTENSION pg_mfa;
CREATE EXTENSION pg_mfa;
SELECT count(*) AS old_token_after_reinstall FROM mfa.validate_session(:'s6');
SELECT mfa.create_user('dora@example.com', 'dora pass') AS dora \gset
SELECT token AS s7 FROM mfa.authenticate_password('dora@example.com', 'dora pass') \gset
SELECT v.user_id = :dora AS dora, v.realm FROM mfa.validate_session(:'s7') AS v;

-- A login function refuses to run in the transaction that installed pg_mfa (55000): the throttle's worker
-- could not see the new journal before that transaction commits. This backend read the journal of the
-- installation above; after the rollback it reads that one again, and a failure is counted in it.
BEGIN;
DROP EXTENSION pg_mfa;
CREATE EXTENSION pg_mfa;
SELECT mfa.create_user('erin@example.com', 'erin pass') IS NOT NULL AS erin_created;
SELECT result FROM mfa.authenticate_password('erin@example.com', 'erin pass');
ROLLBACK;
SELECT result FROM mfa.authenticate_password('dora@example.com', 'not her pass');
SELECT j.failures FROM mfa.throttle_journal AS j WHERE j.kind = 'p' AND j.subject = :dora ORDER BY j.entry_id DESC LIMIT 1;
SELECT v.user_id = :dora AS dora_after_rollback FROM mfa.validate_session(:'s7') AS v;

-- The server is still up.
SELECT 1 AS still_up;

DROP EXTENSION pg_mfa;
