-- account_devices: a user's devices (list, rename, cap, expiring enrollments), what a security change does to
-- sessions (keep_session), the last device turning two-step login off, and the administrator's account
-- operations (reset_mfa, disable_user, enable_user, delete_user).
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

CREATE FUNCTION pg_temp.mark() RETURNS bigint LANGUAGE sql AS $$ SELECT coalesce(max(event_id), 0) FROM mfa.events $$;
CREATE FUNCTION pg_temp.events_since(uid bigint, mark bigint) RETURNS TABLE (type text, result text, reason text)
LANGUAGE sql AS $$
    SELECT e.type, e.result, e.reason FROM mfa.events AS e WHERE e.user_id = uid AND e.event_id > mark ORDER BY e.event_id
$$;
-- A full login of a user without 2FA, or with it (the code of a time step), as its session token.
CREATE FUNCTION pg_temp.session(name text, secret text DEFAULT NULL, at bigint DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    SELECT * INTO r FROM mfa.authenticate_password(name, name || ' password');
    IF r.result = 'needs_mfa' THEN
        SELECT * INTO r FROM mfa.complete_mfa(r.token, mfa.totp_code(secret, to_timestamp(at)));
    END IF;
    RETURN CASE WHEN r.result = 'full_login' THEN r.token END;
END
$$;
CREATE FUNCTION pg_temp.live(token text) RETURNS boolean LANGUAGE sql AS $$
    SELECT EXISTS (SELECT FROM mfa.validate_session(token))
$$;

SET pg_mfa.clock_override = 2000000000;
SET pg_mfa.argon2_memory = 1024;
SET pg_mfa.argon2_iterations = 1;
SELECT mfa.create_user('dana', 'dana password') AS dana \gset

-- Devices as a "your devices" page shows them: no secret. A new device expires 10 minutes after enrollment.
SELECT credential_id AS phone, otp_secret AS phone_sec FROM mfa.totp_create_credential(:dana, 'Phone') \gset
SELECT type, name, state, verified_at, last_used_at, expires_at - created_at AS enrollment_lifetime
FROM mfa.list_credentials(:dana) ORDER BY credential_id;
SELECT proargnames AS list_credentials_columns FROM pg_proc WHERE oid = 'mfa.list_credentials'::regproc;

-- Two sessions before 2FA: the first device's activation ends the other one, but the one the user acts from.
SELECT pg_temp.session('dana') AS s_here \gset
SELECT pg_temp.session('dana') AS s_other \gset
SELECT pg_temp.mark() AS m \gset
SELECT mfa.totp_verify(:phone, mfa.totp_code(:'phone_sec', to_timestamp(2000000000)), :'s_here') AS activated;
SELECT pg_temp.live(:'s_here') AS kept, pg_temp.live(:'s_other') AS other_ended;
SELECT * FROM pg_temp.events_since(:dana, :m);
SELECT name, state, verified_at IS NOT NULL AS verified, last_used_at IS NOT NULL AS used, expires_at
FROM mfa.list_credentials(:dana) WHERE type = 'totp';

-- Rename: TOTP devices only, with the same name rules as enrollment; false for no such credential.
SELECT mfa.rename_credential(:phone, 'Work phone') AS renamed;
SELECT name FROM mfa.list_credentials(:dana) WHERE credential_id = :phone;
SELECT mfa.rename_credential(987654321, 'x') AS no_such_credential;
SELECT v.label, pg_temp.sqlstate_of(v.q) AS outcome
FROM (VALUES
    (1, 'the password', format('SELECT mfa.rename_credential(%s, %L)', (SELECT credential_id FROM mfa.list_credentials(:dana) WHERE type = 'password'), 'x')),
    (2, 'empty name', format('SELECT mfa.rename_credential(%s, %L)', :phone, '')),
    (3, 'control character', format('SELECT mfa.rename_credential(%s, %L)', :phone, E'a\nb')),
    (4, 'NULL name', format('SELECT mfa.rename_credential(%s, NULL)', :phone)),
    (5, 'NULL id', 'SELECT mfa.rename_credential(NULL, ''x'')'),
    (6, 'list: unknown user', 'SELECT * FROM mfa.list_credentials(987654321)'),
    (7, 'list: NULL', 'SELECT * FROM mfa.list_credentials(NULL)')
) AS v(n, label, q) ORDER BY v.n;
SELECT type, reason FROM mfa.events WHERE user_id = :dana AND type = 'credential_renamed';

-- An enrollment not verified in time cannot be verified (refused unevaluated, not counted) and shows as
-- expired; the next enrollment of the user removes it, and so does purge_expired.
SELECT credential_id AS late, otp_secret AS late_sec FROM mfa.totp_create_credential(:dana, 'Late tablet') \gset
SET pg_mfa.clock_override = 2000000660;
SELECT state FROM mfa.list_credentials(:dana) WHERE credential_id = :late;
SELECT pg_temp.mark() AS m \gset
SELECT mfa.totp_verify(:late, mfa.totp_code(:'late_sec', to_timestamp(2000000660))) AS verified_after_11_minutes;
SELECT * FROM pg_temp.events_since(:dana, :m);
SELECT code_failures FROM mfa.user_lockouts WHERE user_id = :dana;
SELECT mfa_tokens, sessions, devices FROM mfa.purge_expired('0 seconds');
SELECT count(*) AS late_left FROM mfa.credentials WHERE credential_id = :late;

-- The cap: five TOTP devices per user by default, new ones included (each active device is a chance for a
-- guess to match); an expired enrollment does not count.
SELECT count(*) AS enrolled FROM generate_series(1, 4) AS g, mfa.totp_create_credential(:dana, 'Spare ' || g);
SELECT pg_temp.sqlstate_of(format('SELECT * FROM mfa.totp_create_credential(%s, %L)', :dana, 'Sixth')) AS sixth;
SET pg_mfa.clock_override = 2000001300;
SELECT credential_id AS tablet, otp_secret AS tablet_sec FROM mfa.totp_create_credential(:dana, 'Tablet') \gset
SELECT count(*) FILTER (WHERE state = 'expired') AS expired_removed, count(*) AS devices
FROM mfa.list_credentials(:dana) WHERE type = 'totp';
-- A cap lowered by the administrator: a pending enrollment cannot become active past it.
UPDATE mfa.realms SET max_totp_devices = 1 WHERE name = 'default';
SELECT pg_temp.sqlstate_of(format('SELECT mfa.totp_verify(%s, %L)', :tablet,
                                  mfa.totp_code(:'tablet_sec', to_timestamp(2000001300)))) AS over_the_cap;
UPDATE mfa.realms SET max_totp_devices = 5 WHERE name = 'default';
SELECT mfa.totp_verify(:tablet, mfa.totp_code(:'tablet_sec', to_timestamp(2000001300))) AS tablet_activated;
SELECT v.label, pg_temp.sqlstate_of(v.q) AS outcome
FROM (VALUES (1, 'cap 0', 'UPDATE mfa.realms SET max_totp_devices = 0'),
             (2, 'cap 21', 'UPDATE mfa.realms SET max_totp_devices = 21'),
             (3, 'lifetime 59 s', 'UPDATE mfa.realms SET enrollment_lifetime = ''59 seconds'''),
             (4, 'lifetime 2 days', 'UPDATE mfa.realms SET enrollment_lifetime = ''2 days''')) AS v(n, label, q)
ORDER BY v.n;

-- Deleting a device ends the other sessions (keep_session spares one); deleting the last active device
-- turns two-step login off: its recovery codes go, an mfa_disabled event, and the password alone logs in.
SET pg_mfa.clock_override = 2000001330;
SELECT pg_temp.session('dana', :'phone_sec', 2000001330) AS s_here \gset
SET pg_mfa.clock_override = 2000001360;
SELECT pg_temp.session('dana', :'phone_sec', 2000001360) AS s_other \gset
SELECT count(*) AS recovery_codes FROM mfa.generate_recovery_codes(:dana, 4);
SELECT pg_temp.mark() AS m \gset
SELECT mfa.delete_credential(:tablet, :'s_here') AS tablet_deleted;
SELECT pg_temp.live(:'s_here') AS kept, pg_temp.live(:'s_other') AS other_ended;
SELECT mfa.recovery_codes_remaining(:dana) AS codes_still_there;
SELECT pg_temp.session('dana', :'phone_sec', 2000001390) IS NOT NULL AS phone_logs_in;
SELECT mfa.delete_credential(:phone) AS last_device_deleted;
SELECT pg_temp.live(:'s_here') AS ended_without_keep;
SELECT mfa.recovery_codes_remaining(:dana) AS codes_gone;
SELECT * FROM pg_temp.events_since(:dana, :m) WHERE type NOT IN ('password_login', 'mfa_login');
SELECT result FROM mfa.authenticate_password('dana', 'dana password');
-- A keep_session that is not a live session of this user spares nothing.
SELECT pg_temp.session('dana') AS s1 \gset
SELECT mfa.create_user('erin', 'erin password') AS erin \gset
SELECT pg_temp.session('erin') AS erin_session \gset
SELECT credential_id AS dana_dev, otp_secret AS dana_sec FROM mfa.totp_create_credential(:dana, 'Phone 2') \gset
SELECT mfa.totp_verify(:dana_dev, mfa.totp_code(:'dana_sec', to_timestamp(2000001390)), :'erin_session') AS activated;
SELECT pg_temp.live(:'s1') AS dana_session_ended, pg_temp.live(:'erin_session') AS erins_untouched;

-- Lost phone, by an administrator: every device and recovery code, every session and pending kli_ token
-- gone, the code throttle's count with them; the password stays.
SET pg_mfa.clock_override = 2000001420;
SELECT count(*) AS recovery_codes FROM mfa.generate_recovery_codes(:dana, 3);
SELECT pg_temp.session('dana', :'dana_sec', 2000001420) AS s_before \gset
SELECT token AS pending_kli FROM mfa.authenticate_password('dana', 'dana password') \gset
SELECT result FROM mfa.complete_mfa(:'pending_kli', '000000');
SELECT pg_temp.mark() AS m \gset
SELECT mfa.reset_mfa(:dana);
SELECT count(*) AS devices FROM mfa.list_credentials(:dana) WHERE type = 'totp';
SELECT mfa.recovery_codes_remaining(:dana) AS recovery_codes, pg_temp.live(:'s_before') AS session_live,
       (SELECT consumed_at IS NOT NULL FROM mfa.mfa_tokens WHERE token_digest = mfa_internal._token_digest(:'pending_kli')) AS kli_ended,
       (SELECT code_failures FROM mfa.user_lockouts WHERE user_id = :dana) AS code_failures;
SELECT * FROM pg_temp.events_since(:dana, :m);
SELECT result FROM mfa.authenticate_password('dana', 'dana password');

-- Disable: sessions end, and every login fails exactly like a wrong password (same row), without counting;
-- sessions do not validate while disabled. Enable: the password works again.
SELECT pg_temp.session('dana') AS s_before \gset
SELECT pg_temp.mark() AS m \gset
SELECT mfa.disable_user(:dana) AS disabled, mfa.disable_user(:dana) AS again;
SELECT pg_temp.live(:'s_before') AS session_live;
SELECT (SELECT row(a.*)::text FROM mfa.authenticate_password('dana', 'dana password') AS a) =
       (SELECT row(a.*)::text FROM mfa.authenticate_password('dana', 'wrong pw') AS a) AS like_a_wrong_password;
SELECT (SELECT row(a.*)::text FROM mfa.authenticate_password('dana', 'dana password') AS a) =
       (SELECT row(a.*)::text FROM mfa.authenticate_password('nobody', 'dana password') AS a) AS like_an_unknown_user;
SELECT password_failures FROM mfa.user_lockouts WHERE user_id = :dana;
SELECT * FROM pg_temp.events_since(:dana, :m);
SELECT mfa.enable_user(:dana) AS enabled, mfa.enable_user(:dana) AS again;
SELECT result FROM mfa.authenticate_password('dana', 'dana password');

-- Delete: the user and everything of theirs goes; the audit trail keeps their rows and id.
SELECT pg_temp.session('erin') AS erin_session \gset
SELECT count(*) AS erin_events FROM mfa.events WHERE user_id = :erin \gset
SELECT mfa.delete_user(:erin) AS deleted, mfa.delete_user(:erin) AS again;
SELECT pg_temp.live(:'erin_session') AS session_live,
       (SELECT count(*) FROM mfa.users WHERE user_id = :erin) AS users,
       (SELECT count(*) FROM mfa.credentials WHERE user_id = :erin) AS credentials,
       (SELECT count(*) FROM mfa.sessions WHERE user_id = :erin) AS sessions;
SELECT count(*) = :erin_events + 1 AS events_kept FROM mfa.events WHERE user_id = :erin;
SELECT type, result FROM mfa.events WHERE user_id = :erin ORDER BY event_id DESC LIMIT 1;

-- Bad input.
SELECT v.label, pg_temp.sqlstate_of(v.q) AS outcome
FROM (VALUES (1, 'reset_mfa NULL', 'SELECT mfa.reset_mfa(NULL)'),
             (2, 'reset_mfa unknown', 'SELECT mfa.reset_mfa(987654321)'),
             (3, 'disable_user unknown', 'SELECT mfa.disable_user(987654321)'),
             (4, 'enable_user NULL', 'SELECT mfa.enable_user(NULL)'),
             (5, 'delete_user NULL', 'SELECT mfa.delete_user(NULL)'),
             (6, 'delete_user unknown', 'SELECT mfa.delete_user(987654321)')) AS v(n, label, q)
ORDER BY v.n;

DROP EXTENSION pg_mfa;
