-- login_revocation: what a password change and mfa.revoke_sessions end, and the audit row of an attempt
-- with a kli_ token nobody issued. On the fixed test clock.
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

SET pg_mfa.clock_override = 2000000000;

SELECT mfa.create_user('alice@example.com', 'old pass') AS alice \gset
SELECT mfa.create_user('bob@example.com', 'bob pass') AS bob \gset
SELECT credential_id AS device, otp_secret AS secret FROM mfa.totp_create_credential(:alice) \gset
SELECT mfa.totp_verify(:device, mfa.totp_code(:'secret', to_timestamp(2000000000 - 30))) AS enrolled;

-- Two live sessions of alice (one through both steps), one of bob, and a pending kli_ token of alice.
SET pg_mfa.clock_override = 2000000000;
SELECT token AS kli1 FROM mfa.authenticate_password('alice@example.com', 'old pass') \gset
SELECT token AS alice_s1 FROM mfa.complete_mfa(:'kli1', mfa.totp_code(:'secret', to_timestamp(2000000000))) \gset
SELECT token AS kli2 FROM mfa.authenticate_password('alice@example.com', 'old pass') \gset
SELECT token AS bob_s1 FROM mfa.authenticate_password('bob@example.com', 'bob pass') \gset

-- A password change: the pending second step begun with the old password can no longer finish ...
SELECT mfa.set_password(:alice, 'new pass', keep_session => :'alice_s1');
SELECT result AS second_step_after_change
FROM mfa.complete_mfa(:'kli2', mfa.totp_code(:'secret', to_timestamp(2000000030)));
-- ... the session the user changed it from stays (keep_session; revoke_sessions below ends it) ...
SELECT count(*) AS alice_session_rows FROM mfa.validate_session(:'alice_s1');
-- ... and only the new password works.
SELECT (SELECT result FROM mfa.authenticate_password('alice@example.com', 'old pass')) AS old_pw,
       (SELECT result FROM mfa.authenticate_password('alice@example.com', 'new pass')) AS new_pw;

-- revoke_sessions logs a user out everywhere: every live session and pending kli_ token (the one the
-- new-password login above just made), and nobody else's.
SELECT token AS kli3 FROM mfa.authenticate_password('alice@example.com', 'new pass') \gset
SELECT mfa.revoke_sessions(:alice) AS sessions_revoked;
SELECT count(*) AS alice_session_rows FROM mfa.validate_session(:'alice_s1');
SELECT result AS pending_second_step
FROM mfa.complete_mfa(:'kli3', mfa.totp_code(:'secret', to_timestamp(2000000030)));
SELECT count(*) AS bob_session_rows FROM mfa.validate_session(:'bob_s1');
SELECT mfa.revoke_sessions(:alice) AS nothing_left;
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES (1, 'NULL user', $$SELECT mfa.revoke_sessions(NULL)$$),
             (2, 'unknown user', $$SELECT mfa.revoke_sessions(999)$$)) AS v(n, label, q)
ORDER BY v.n;

-- A kli_ token nobody issued is a failed attempt too, recorded without realm or user.
SELECT result FROM mfa.complete_mfa('kli_' || repeat('A', 43), '123456');
SELECT type, result, reason, realm_id, user_id FROM mfa.events ORDER BY event_id DESC LIMIT 1;

-- The events of this file, in order: the audit trail of all of the above.
SELECT type, result, reason, user_id = :alice AS alice FROM mfa.events ORDER BY event_id;


-- A password change without keep_session ends every session of the user (and says so in the audit trail).
SELECT count(*) AS bob_session_rows_before FROM mfa.validate_session(:'bob_s1');
SELECT mfa.set_password(:bob, 'bob new pass');
SELECT count(*) AS bob_session_rows_after_change FROM mfa.validate_session(:'bob_s1');
SELECT type FROM mfa.events WHERE user_id = :bob ORDER BY event_id DESC LIMIT 2;

DROP EXTENSION pg_mfa;
