-- login_durability: consumptions, counted failures and revocations are acknowledged only once durable,
-- even for an application running with synchronous_commit = off: the flows raise it to 'local' for the
-- rest of their transaction (and never lower a stronger setting).
CREATE EXTENSION pg_mfa;

SET pg_mfa.clock_override = 2000000000;
SET pg_mfa.argon2_memory = 1024;
SET pg_mfa.argon2_iterations = 1;
SELECT mfa.create_user('alice', 'alice pw') AS alice \gset
SELECT credential_id AS dev, otp_secret AS sec FROM mfa.totp_create_credential(:alice) \gset

SET synchronous_commit = off;
-- A login without consumption leaves the application's choice alone ...
BEGIN;
SELECT result FROM mfa.authenticate_password('alice', 'alice pw');
SHOW synchronous_commit;
COMMIT;
-- ... consuming a code's step makes this commit durable, and only this one ...
BEGIN;
SELECT mfa.totp_verify(:dev, mfa.totp_code(:'sec', to_timestamp(2000000000))) AS verified;
SHOW synchronous_commit;
COMMIT;
SHOW synchronous_commit;
-- ... as do a counted failure, completing the second step and logging out.
BEGIN;
SELECT mfa.totp_verify(:dev, '000000') AS wrong;
SHOW synchronous_commit;
ROLLBACK;
BEGIN;
SELECT result, token AS session FROM mfa.complete_mfa((SELECT token FROM mfa.authenticate_password('alice', 'alice pw')),
                                                    mfa.totp_code(:'sec', to_timestamp(2000000030))) \gset
SHOW synchronous_commit;
COMMIT;
SELECT :'result' AS result;
BEGIN;
SELECT mfa.logout(:'session') AS logged_out;
SHOW synchronous_commit;
COMMIT;
-- A stronger setting is kept.
SET synchronous_commit = remote_apply;
BEGIN;
SELECT mfa.totp_verify(:dev, '000000') AS wrong;
SHOW synchronous_commit;
ROLLBACK;
RESET synchronous_commit;

DROP EXTENSION pg_mfa;
