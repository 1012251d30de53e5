-- remembered_devices: "remember this device for 30 days" (mfa.remember_device, authenticate_password's
-- device_token) and two-step login required per realm (needs_enrollment, the grace period,
-- mfa.login_warnings), on the fixed test clock.
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

SET pg_mfa.argon2_memory = '1MB';
SET pg_mfa.argon2_iterations = 1;
SET pg_mfa.clock_override = 2000000000;

-- login: the password step's row (result, token); code: the current code of a secret at the test clock.
CREATE FUNCTION pg_temp.login(username text, password text, device text DEFAULT NULL, client text DEFAULT NULL)
RETURNS TABLE (result text, token text) LANGUAGE sql AS $$
    SELECT a.result, a.token FROM mfa.authenticate_password(username, password, device_token => device, client => client) AS a
$$;
CREATE FUNCTION pg_temp.code(secret text) RETURNS text LANGUAGE sql AS $$
    SELECT mfa.totp_code(secret, mfa_internal._now())
$$;
CREATE FUNCTION pg_temp.info(session text) RETURNS TABLE (aal text, methods text[], mfa_age interval) LANGUAGE sql AS $$
    SELECT i.aal, i.methods, mfa_internal._now() - i.mfa_at FROM mfa.session_info(session) AS i
$$;

SELECT mfa.create_user('alice', 'alice pw 1') AS alice \gset
SELECT mfa.create_user('bob', 'bob pw 12') AS bob \gset
SELECT credential_id AS dev, otp_secret AS sec FROM mfa.totp_create_credential(:alice, 'Phone') \gset
SELECT mfa.totp_verify(:dev, mfa.totp_code(:'sec', to_timestamp(2000000000 - 30))) AS enrolled;

-- Only a session that checked a second factor may remember its device: a password-only session cannot
-- (28MF1), and a token that is no live session's gives NULL.
SELECT token AS bob_session FROM pg_temp.login('bob', 'bob pw 12') \gset
SELECT pg_temp.sqlstate_of(format('SELECT mfa.remember_device(%L)', :'bob_session')) AS password_only;
SELECT mfa.remember_device('kss_not_a_session') IS NULL AS dead_session;
SELECT credential_id AS bdev, otp_secret AS bsec FROM mfa.totp_create_credential(:bob, 'Phone') \gset
SELECT mfa.totp_verify(:bdev, mfa.totp_code(:'bsec', to_timestamp(2000000000 - 30))) AS bob_enrolled;

-- Alice logs in with both steps and remembers this browser.
SELECT token AS kli FROM pg_temp.login('alice', 'alice pw 1') \gset
SELECT token AS kss FROM mfa.complete_mfa(:'kli', pg_temp.code(:'sec')) \gset
SELECT mfa.remember_device(:'kss') AS kdt \gset
SELECT left(:'kdt', 4) AS prefix, length(:'kdt') AS length;
SELECT d.user_id = :alice AS alices, d.token_digest = sha256(convert_to(:'kdt', 'UTF8')) AS digest_only,
       d.expires_at - d.created_at AS lifetime
FROM mfa.remembered_devices AS d;
SELECT count(*) AS listed FROM mfa.list_remembered_devices(:alice);
-- Announced, like every change to how the account can be entered.
SELECT type FROM mfa.account_event((SELECT max(event_id) FROM mfa.events));

-- An hour later the password with the device token logs in at once: aal2, but the code was checked an
-- hour ago, so a freshness policy still asks for one (step_up).
SET pg_mfa.clock_override = 2000003600;
SELECT result, token AS kss2 FROM pg_temp.login('alice', 'alice pw 1', :'kdt') \gset
SELECT :'result' AS result;
SELECT * FROM pg_temp.info(:'kss2');
BEGIN;
SELECT mfa.begin_request(:'kss2');
SELECT mfa.aal(), pg_temp.sqlstate_of($$SELECT mfa.require_fresh_mfa('5 minutes')$$) AS fresh;
SELECT mfa.step_up(:'kss2', pg_temp.code(:'sec')) AS stepped_up,
       pg_temp.sqlstate_of($$SELECT mfa.require_fresh_mfa('5 minutes')$$) AS fresh;
COMMIT;
SELECT type, reason FROM mfa.events WHERE type = 'password_login' ORDER BY event_id DESC LIMIT 1;
-- A session begun by the device cannot remember another device by itself (no chain of trust), but after a
-- step-up it has checked a code and may.
SELECT result, token AS kss3 FROM pg_temp.login('alice', 'alice pw 1', :'kdt') \gset
SELECT pg_temp.sqlstate_of(format('SELECT mfa.remember_device(%L)', :'kss3')) AS device_session_remembers;
SET pg_mfa.clock_override = 2000003630;
SELECT mfa.step_up(:'kss3', pg_temp.code(:'sec')) AS stepped_up,
       left(mfa.remember_device(:'kss3'), 4) AS remembers_after_step_up;

-- The token is the user's: with another user's password it is nothing, and the wrong password with it
-- fails like any other, counted on the device's own count.
SELECT result FROM pg_temp.login('bob', 'bob pw 12', :'kdt');
SELECT result FROM pg_temp.login('alice', 'wrong pw 1', :'kdt');
SELECT j.failures FROM mfa.throttle_journal AS j WHERE j.kind = 'd' ORDER BY j.entry_id DESC LIMIT 1;
SELECT pg_temp.sqlstate_of($$SELECT mfa.authenticate_password('alice', 'alice pw 1', device_token => '')$$) AS empty_token;

-- The device has a password count of its own: ten guesses from strangers lock every client alice does
-- not know, not her remembered browser.
SELECT count(*) FILTER (WHERE result = 'failed') AS strangers_failed
FROM generate_series(1, 10) AS i, LATERAL pg_temp.login('alice', 'guess pw ' || i, NULL, 'bot-' || i);
SELECT result FROM pg_temp.login('alice', 'alice pw 1', NULL, 'new-laptop');
SELECT result FROM pg_temp.login('alice', 'alice pw 1', :'kdt');
-- The administrator's reset forgives the device's count too.
SELECT result FROM pg_temp.login('alice', 'wrong pw 2', :'kdt');
SELECT j.failures FROM mfa.throttle_journal AS j WHERE j.kind = 'd' ORDER BY j.entry_id DESC LIMIT 1;
SELECT mfa.reset_lockout(:alice);
SELECT j.failures FROM mfa.throttle_journal AS j WHERE j.kind = 'd' ORDER BY j.entry_id DESC LIMIT 1;

-- Forgotten (one device), expired, or revoked by a security change: then the second step is back.
SELECT device_id AS device FROM mfa.list_remembered_devices(:alice) \gset
SELECT mfa.forget_device(:device) AS forgotten, mfa.forget_device(:device) AS again;
SELECT result FROM pg_temp.login('alice', 'alice pw 1', :'kdt');
SELECT count(*) AS forgotten_events FROM mfa.events WHERE type = 'device_forgotten';
-- Expiry: 30 days (remembered_device_lifetime).
SET pg_mfa.clock_override = 2000003660;
SELECT token AS kli FROM pg_temp.login('alice', 'alice pw 1') \gset
SELECT token AS kss FROM mfa.complete_mfa(:'kli', pg_temp.code(:'sec')) \gset
SELECT mfa.remember_device(:'kss') AS kdt \gset
SET pg_mfa.clock_override = 2002595661;  -- 30 days and a second later
SELECT result FROM pg_temp.login('alice', 'alice pw 1', :'kdt');
-- A password change, "log out everywhere", a device's deletion, a 2FA reset: each forgets every remembered
-- device of the user.
CREATE FUNCTION pg_temp.remembered() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_kli text;
    v_kss text;
BEGIN
    SELECT token INTO v_kli FROM pg_temp.login('alice', 'alice pw 1');
    SELECT token INTO v_kss FROM mfa.complete_mfa(v_kli, pg_temp.code(current_setting('test.sec')));
    RETURN mfa.remember_device(v_kss);
END
$$;
SELECT set_config('test.sec', :'sec', false) IS NOT NULL AS ok;
SET pg_mfa.clock_override = 2002600000;
SELECT pg_temp.remembered() AS kdt \gset
SELECT mfa.set_password(:alice, 'alice pw 2');
SELECT result FROM pg_temp.login('alice', 'alice pw 2', :'kdt') AS after_password_change;
SELECT mfa.set_password(:alice, 'alice pw 1');
SET pg_mfa.clock_override = 2002600100;
SELECT pg_temp.remembered() AS kdt \gset
SELECT mfa.revoke_sessions(:alice) AS revoked;
SELECT result FROM pg_temp.login('alice', 'alice pw 1', :'kdt') AS after_logout_everywhere;
-- A second device, then the first deleted.
SELECT credential_id AS dev2, otp_secret AS sec2 FROM mfa.totp_create_credential(:alice, 'Tablet') \gset
SET pg_mfa.clock_override = 2002600200;
SELECT mfa.totp_verify(:dev2, pg_temp.code(:'sec2')) AS tablet_enrolled;
SELECT pg_temp.remembered() AS kdt \gset
SELECT count(*) AS live FROM mfa.list_remembered_devices(:alice);
SELECT mfa.delete_credential(:dev) AS phone_deleted;
SELECT count(*) AS live FROM mfa.list_remembered_devices(:alice);
SELECT set_config('test.sec', :'sec2', false) IS NOT NULL AS ok;
SET pg_mfa.clock_override = 2002600300;
SELECT pg_temp.remembered() AS kdt \gset
SELECT count(*) AS live FROM mfa.list_remembered_devices(:alice);
SELECT mfa.reset_mfa(:alice);
SELECT count(*) AS live FROM mfa.list_remembered_devices(:alice);

-- purge_expired deletes devices expired or revoked longer ago than the cutoff.
SELECT remembered_devices FROM mfa.purge_expired('0 seconds');
SELECT count(*) AS left_over FROM mfa.remembered_devices;

-- Two-step login required (realm policy), with 7 days of grace from the later of the user's creation and
-- the time the policy was turned on (kept by the trigger, whatever an UPDATE says).
SET pg_mfa.clock_override = 2010000000;
UPDATE mfa.realms SET mfa_required = true, mfa_grace_period = '7 days' WHERE name = 'default';
SELECT mfa_required_since = to_timestamp(2010000000) AS since_now FROM mfa.realms WHERE name = 'default';
UPDATE mfa.realms SET mfa_required_since = '2000-01-01' WHERE name = 'default';
SELECT mfa_required_since = to_timestamp(2010000000) AS unchanged FROM mfa.realms WHERE name = 'default';
SELECT mfa.create_user('carol', 'carol pw 1') AS carol \gset
-- Within the grace period: a full login, with a warning and its deadline.
SELECT result, token AS carol_kss FROM pg_temp.login('carol', 'carol pw 1') \gset
SELECT :'result' AS result;
SELECT warning, deadline - mfa_internal._now() AS left FROM mfa.login_warnings(:'carol_kss');
-- After it: needs_enrollment, with a token that only finishes the login by verifying a new device.
SET pg_mfa.clock_override = 2010604801;
SELECT result, token AS enroll FROM pg_temp.login('carol', 'carol pw 1') \gset
SELECT :'result' AS result, left(:'enroll', 4) AS prefix;
SELECT result FROM mfa.complete_mfa(:'enroll', '123456') AS no_device_yet;
SELECT credential_id AS cdev, otp_secret AS csec FROM mfa.totp_create_credential(:carol, 'Phone') \gset
SELECT result FROM mfa.complete_mfa(:'enroll', '000000') AS wrong_code;
SELECT result, token AS carol_kss FROM mfa.complete_mfa(:'enroll', pg_temp.code(:'csec')) \gset
SELECT :'result' AS result;
SELECT state FROM mfa.credentials WHERE credential_id = :cdev;
SELECT * FROM pg_temp.info(:'carol_kss');
SELECT result FROM mfa.complete_mfa(:'enroll', pg_temp.code(:'csec')) AS token_used;
SELECT type, result, reason FROM mfa.events
WHERE user_id = :carol AND type IN ('password_login', 'mfa_login', 'totp_verify') ORDER BY event_id;
-- From now on the usual second step.
SELECT result FROM pg_temp.login('carol', 'carol pw 1');
SELECT count(*) AS warnings FROM mfa.login_warnings(:'carol_kss');
-- Few recovery codes left: a warning too.
SELECT count(*) AS codes FROM mfa.generate_recovery_codes(:carol, 2);
SELECT warning FROM mfa.login_warnings(:'carol_kss');
SELECT count(*) AS dead_session FROM mfa.login_warnings('kss_nothing');

-- Realm policy ranges.
UPDATE mfa.realms SET remembered_device_lifetime = '59 minutes' WHERE name = 'default';
UPDATE mfa.realms SET mfa_grace_period = '91 days' WHERE name = 'default';
UPDATE mfa.realms SET mfa_required = NULL WHERE name = 'default';
UPDATE mfa.realms SET mfa_required = false WHERE name = 'default';
SELECT mfa_required_since IS NULL AS cleared FROM mfa.realms WHERE name = 'default';

DROP EXTENSION pg_mfa;
