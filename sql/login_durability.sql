-- login_durability: consumptions, counted failures, new and revoked sessions are acknowledged only once
-- durable, even for an application running with synchronous_commit = off (or lowering it before COMMIT):
-- the flows force this transaction's commit to flush its WAL. Shown by the WAL flush position right after
-- COMMIT: at least where the transaction's WAL stood before it (with synchronous_commit = off alone the
-- WAL writer would flush it later, up to 200 ms later by default).
CREATE EXTENSION pg_mfa;

SET pg_mfa.clock_override = 2000000000;
SET pg_mfa.argon2_memory = 1024;
SET pg_mfa.argon2_iterations = 1;
SELECT mfa.create_user('alice', 'alice pw') AS alice \gset
SELECT credential_id AS dev, otp_secret AS sec FROM mfa.totp_create_credential(:alice) \gset

SET synchronous_commit = off;
-- Consuming a code's step.
BEGIN;
SELECT mfa.totp_verify(:dev, mfa.totp_code(:'sec', to_timestamp(2000000000))) AS verified;
SELECT pg_current_wal_insert_lsn() AS before_commit \gset
COMMIT;
SELECT pg_current_wal_flush_lsn() >= :'before_commit'::pg_lsn AS flushed_at_commit;
-- The setting itself is the application's: it is not changed.
SHOW synchronous_commit;
-- A counted failure, even when the caller lowers synchronous_commit after the call.
BEGIN;
SELECT mfa.totp_verify(:dev, '000000') AS wrong;
SET LOCAL synchronous_commit = off;
SELECT pg_current_wal_insert_lsn() AS before_commit \gset
COMMIT;
SELECT pg_current_wal_flush_lsn() >= :'before_commit'::pg_lsn AS flushed_at_commit;
-- Completing the second step (token and step consumed, session made).
BEGIN;
SELECT result, token AS session FROM mfa.complete_mfa((SELECT token FROM mfa.authenticate_password('alice', 'alice pw')),
                                                    mfa.totp_code(:'sec', to_timestamp(2000000030))) \gset
SELECT pg_current_wal_insert_lsn() AS before_commit \gset
COMMIT;
SELECT :'result' AS result, pg_current_wal_flush_lsn() >= :'before_commit'::pg_lsn AS flushed_at_commit;
-- A session from the password alone (a user without a device).
SELECT mfa.create_user('bob', 'bob pass') AS bob \gset
BEGIN;
SELECT result FROM mfa.authenticate_password('bob', 'bob pass');
SELECT pg_current_wal_insert_lsn() AS before_commit \gset
COMMIT;
SELECT pg_current_wal_flush_lsn() >= :'before_commit'::pg_lsn AS flushed_at_commit;
-- Logging out.
BEGIN;
SELECT mfa.logout(:'session') AS logged_out;
SELECT pg_current_wal_insert_lsn() AS before_commit \gset
COMMIT;
SELECT pg_current_wal_flush_lsn() >= :'before_commit'::pg_lsn AS flushed_at_commit;
RESET synchronous_commit;

-- A wrong code at the second step is counted by the background worker, which commits the count, the audit
-- row and the kli_ token's copy of its count (mfa_tokens.failures) before the call returns. The caller's
-- transaction writes nothing: it is given no transaction id, so its commit has nothing to flush, and a
-- failed guess costs one WAL flush, the worker's. Rolled back or not, the counts stand. (Five minutes on:
-- alice's codes up to now are used.)
SET pg_mfa.clock_override = 2000000300;
SELECT token AS kli FROM mfa.authenticate_password('alice', 'alice pw') \gset
BEGIN;
SELECT result FROM mfa.complete_mfa(:'kli', '000000');
SELECT pg_current_xact_id_if_assigned() IS NULL AS wrote_nothing;
SELECT result FROM mfa.complete_mfa(:'kli', '000000');
SELECT pg_current_xact_id_if_assigned() IS NULL AS wrote_nothing;
ROLLBACK;
SELECT t.failures AS token_failures FROM mfa.mfa_tokens AS t WHERE t.token_digest = mfa_internal._token_digest(:'kli');
SELECT j.failures AS user_code_failures FROM mfa.throttle_journal AS j
WHERE j.kind = 'c' AND j.subject = :alice ORDER BY j.entry_id DESC LIMIT 1;
SELECT e.reason FROM mfa.events AS e WHERE e.type = 'mfa_login' AND e.user_id = :alice ORDER BY e.event_id DESC LIMIT 2;
-- The right code then logs in (this transaction writes, and its commit flushes).
BEGIN;
SELECT result FROM mfa.complete_mfa(:'kli', mfa.totp_code(:'sec', to_timestamp(2000000300)));
SELECT pg_current_xact_id_if_assigned() IS NOT NULL AS wrote;
COMMIT;

-- A transaction that ended a token (or consumed one) cannot be prepared: its commit, later and perhaps in
-- another session, would not wait for the synchronous standbys.
BEGIN;
SELECT mfa.logout(:'session') AS logged_out_again;
PREPARE TRANSACTION 'pg_mfa_logout';

DROP EXTENSION pg_mfa;
