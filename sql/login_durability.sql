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

-- A transaction that ended a token (or consumed one) cannot be prepared: its commit, later and perhaps in
-- another session, would not wait for the synchronous standbys.
BEGIN;
SELECT mfa.logout(:'session') AS logged_out_again;
PREPARE TRANSACTION 'pg_mfa_logout';

DROP EXTENSION pg_mfa;
