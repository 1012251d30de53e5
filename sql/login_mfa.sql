-- login_mfa: two-step login (mfa.authenticate_password -> needs_mfa + kli_ token, mfa.complete_mfa -> full_login
-- + kss_ session): single-use and expiring kli_ tokens, codes used once across all functions, several devices.
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

-- A code that is none of the secret's codes within 10 steps of a time: a wrong code for certain.
CREATE FUNCTION pg_temp.wrong_code(secret text, at timestamptz) RETURNS text LANGUAGE sql AS $$
    SELECT c FROM unnest(ARRAY['000000', '111111', '222222', '333333']) AS c
    WHERE c NOT IN (SELECT mfa.totp_code(secret, at + s * interval '30 seconds') FROM generate_series(-10, 10) AS s)
    LIMIT 1
$$;
-- A result row as the test shows it: the user's name, the token's kind instead of its random text, and the
-- expiry relative to the clock.
CREATE FUNCTION pg_temp.shown(r record, OUT result text, OUT username text, OUT token text, OUT expires_in interval)
LANGUAGE plpgsql AS $$
BEGIN
    result := r.result;
    username := (SELECT u.username FROM mfa.users AS u WHERE u.user_id = r.user_id);
    token := CASE WHEN r.token ~ '^kli_[A-Za-z0-9_-]{43}$' THEN 'kli_' WHEN r.token ~ '^kss_[A-Za-z0-9_-]{43}$' THEN 'kss_'
                  WHEN r.token IS NOT NULL THEN 'malformed' END;
    expires_in := r.expires_at - mfa_internal._now();
END
$$;

-- Alice enrolls one device at T - 60 (time step S - 2, S = 2000000000 / 30); the tests run at T = 2000000000.
SET pg_mfa.clock_override = 1999999940;
SELECT mfa.create_user('alice@example.com', 'alice pw') AS alice \gset
SELECT credential_id AS dev1, otp_secret AS sec1 FROM mfa.totp_create_credential(:alice, 'Phone') \gset
SELECT mfa.totp_verify(:dev1, mfa.totp_code(:'sec1', to_timestamp(1999999940))) AS enrolled;
SET pg_mfa.clock_override = 2000000000;

-- Password step: the user has an active device, so needs_mfa with a kli_ token that lives 5 minutes.
-- No session yet.
SELECT a.token AS kli1, s.* FROM mfa.authenticate_password('alice@example.com', 'alice pw') AS a, pg_temp.shown(a) AS s \gset
SELECT :'result' AS result, :'username' AS username, :'token' AS token, :'expires_in' AS expires_in;
SELECT count(*) AS sessions FROM mfa.sessions;
-- Stored: the digest of the token, its owner and times; not the token.
SELECT t.user_id = :alice AS alice, t.token_digest = sha256(convert_to(:'kli1', 'UTF8')) AS digest,
       t.created_at = to_timestamp(2000000000) AS created_now, t.expires_at - t.created_at AS lifetime,
       t.consumed_at, position(:'kli1' IN t::text) = 0 AS token_not_stored
FROM mfa.mfa_tokens AS t;
-- A kli_ token is not a session.
SELECT count(*) AS validates_as_session FROM mfa.validate_session(:'kli1');
SELECT mfa.logout(:'kli1') AS logout_kli;

-- A wrong code: failed (a row of NULLs), and the token stays usable.
SELECT s.* FROM mfa.complete_mfa(:'kli1', pg_temp.wrong_code(:'sec1', to_timestamp(2000000000))) AS a, pg_temp.shown(a) AS s;
SELECT s.* FROM mfa.complete_mfa(:'kli1', 'not a code') AS a, pg_temp.shown(a) AS s;
SELECT consumed_at FROM mfa.mfa_tokens;
-- The right code: full_login with a kss_ session token (12 hours), marked mfa_verified. The token is consumed,
-- the code's time step too.
SELECT a.token AS kss1, s.*
FROM mfa.complete_mfa(:'kli1', mfa.totp_code(:'sec1', to_timestamp(2000000000))) AS a, pg_temp.shown(a) AS s \gset
SELECT :'result' AS result, :'username' AS username, :'token' AS token, :'expires_in' AS expires_in;
SELECT v.user_id = :alice AS alice, v.realm, v.expires_at - mfa_internal._now() AS expires_in FROM mfa.validate_session(:'kss1') AS v;
SELECT s.mfa_verified, s.expires_at - s.created_at AS lifetime FROM mfa.sessions AS s
WHERE s.token_digest = sha256(convert_to(:'kss1', 'UTF8'));
SELECT consumed_at = to_timestamp(2000000000) AS consumed_now FROM mfa.mfa_tokens;
SELECT last_step = 2000000000 / 30 AS step_s_used FROM mfa.credentials WHERE credential_id = :dev1;

-- A consumed token is refused, even with a good new code; that code is not spent by the refusal.
SELECT s.* FROM mfa.complete_mfa(:'kli1', mfa.totp_code(:'sec1', to_timestamp(2000000030))) AS a, pg_temp.shown(a) AS s;
SELECT last_step = 2000000000 / 30 AS step_s_still_last FROM mfa.credentials WHERE credential_id = :dev1;

-- Replay: a new kli_ token with the code already used is refused; the next step's code works.
SELECT token AS kli2 FROM mfa.authenticate_password('alice@example.com', 'alice pw') \gset
SELECT s.* FROM mfa.complete_mfa(:'kli2', mfa.totp_code(:'sec1', to_timestamp(2000000000))) AS a, pg_temp.shown(a) AS s;
SELECT s.* FROM mfa.complete_mfa(:'kli2', mfa.totp_code(:'sec1', to_timestamp(2000000030))) AS a, pg_temp.shown(a) AS s;

-- The same code never works twice across functions: a step consumed by totp_verify is refused by complete_mfa,
-- and one consumed by complete_mfa is refused by totp_verify.
SET pg_mfa.clock_override = 2000000060;
SELECT mfa.totp_verify(:dev1, mfa.totp_code(:'sec1', to_timestamp(2000000060))) AS verify_step_s2;
SELECT token AS kli3 FROM mfa.authenticate_password('alice@example.com', 'alice pw') \gset
SELECT s.* FROM mfa.complete_mfa(:'kli3', mfa.totp_code(:'sec1', to_timestamp(2000000060))) AS a, pg_temp.shown(a) AS s;
SELECT s.* FROM mfa.complete_mfa(:'kli3', mfa.totp_code(:'sec1', to_timestamp(2000000090))) AS a, pg_temp.shown(a) AS s;
SELECT mfa.totp_verify(:dev1, mfa.totp_code(:'sec1', to_timestamp(2000000090))) AS verify_step_used_by_complete_mfa;

-- Expiry: a kli_ token is live for 5 minutes after the password step. At T + 60 two tokens are made; one
-- second before the end one of them works; at the end the other is refused with a good code (of the next
-- step), and that code is not spent by the refusal.
SELECT token AS kli4 FROM mfa.authenticate_password('alice@example.com', 'alice pw') \gset
SELECT token AS kli5 FROM mfa.authenticate_password('alice@example.com', 'alice pw') \gset
SET pg_mfa.clock_override = 2000000359;
SELECT s.* FROM mfa.complete_mfa(:'kli4', mfa.totp_code(:'sec1', to_timestamp(2000000359))) AS a, pg_temp.shown(a) AS s;
SET pg_mfa.clock_override = 2000000360;
SELECT s.* FROM mfa.complete_mfa(:'kli5', mfa.totp_code(:'sec1', to_timestamp(2000000390))) AS a, pg_temp.shown(a) AS s;
SELECT mfa.totp_verify(:dev1, mfa.totp_code(:'sec1', to_timestamp(2000000390))) AS code_not_spent_by_expired_token;
-- The lifetime is the realm's (an administrator's policy).
UPDATE mfa.realms SET mfa_token_lifetime = '1 minute' WHERE name = 'default';
SELECT s.* FROM mfa.authenticate_password('alice@example.com', 'alice pw') AS a, pg_temp.shown(a) AS s;
UPDATE mfa.realms SET mfa_token_lifetime = DEFAULT WHERE name = 'default';

-- Tokens that are not live kli_ tokens of this user: failed, never an error.
SELECT mfa.create_user('bob@example.com', 'bob pass') AS bob \gset
SELECT credential_id AS bob_dev, otp_secret AS bob_sec FROM mfa.totp_create_credential(:bob) \gset
SELECT mfa.totp_verify(:bob_dev, mfa.totp_code(:'bob_sec', to_timestamp(2000000360))) AS bob_enrolled;
SELECT token AS kli_bob FROM mfa.authenticate_password('bob@example.com', 'bob pass') \gset
SET pg_mfa.clock_override = 2000000390;
SELECT v.label, s.*
FROM (VALUES (1, 'bob''s token, alice''s code', :'kli_bob', mfa.totp_code(:'sec1', to_timestamp(2000000420))),
             (2, 'a session token', :'kss1', mfa.totp_code(:'sec1', to_timestamp(2000000420))),
             (3, 'a changed kli_ token', :'kli_bob' || 'x', mfa.totp_code(:'bob_sec', to_timestamp(2000000390))),
             (4, 'upper-cased token', upper(:'kli_bob'), mfa.totp_code(:'bob_sec', to_timestamp(2000000390))),
             (5, 'the prefix alone', 'kli_', mfa.totp_code(:'bob_sec', to_timestamp(2000000390))),
             (6, 'empty token', '', mfa.totp_code(:'bob_sec', to_timestamp(2000000390))),
             (7, 'empty code', :'kli_bob', '')) AS v(n, label, token, code),
     LATERAL mfa.complete_mfa(v.token, v.code) AS a, pg_temp.shown(a) AS s
ORDER BY v.n;
-- Alice's code was not spent on Bob's token, and Bob's token still works with Bob's code.
SELECT s.* FROM mfa.complete_mfa(:'kli_bob', mfa.totp_code(:'bob_sec', to_timestamp(2000000390))) AS a, pg_temp.shown(a) AS s;
SELECT mfa.totp_verify(:dev1, mfa.totp_code(:'sec1', to_timestamp(2000000420))) AS alice_code_unspent;

-- Several devices: a new (unverified) second device does not count; once verified, a code from either
-- device completes the login, and each device's steps are its own (both devices use the same time step).
SET pg_mfa.clock_override = 2000000450;
SELECT credential_id AS dev2, otp_secret AS sec2 FROM mfa.totp_create_credential(:alice, 'Tablet') \gset
SELECT token AS kli6 FROM mfa.authenticate_password('alice@example.com', 'alice pw') \gset
SELECT s.* FROM mfa.complete_mfa(:'kli6', mfa.totp_code(:'sec2', to_timestamp(2000000450))) AS a, pg_temp.shown(a) AS s;
SELECT mfa.totp_verify(:dev2, mfa.totp_code(:'sec2', to_timestamp(2000000420))) AS dev2_enrolled;
-- The activation was a security change: the second step begun before it is over (and so are the sessions).
SELECT s.* FROM mfa.complete_mfa(:'kli6', mfa.totp_code(:'sec2', to_timestamp(2000000450))) AS a, pg_temp.shown(a) AS s;
SELECT token AS kli6 FROM mfa.authenticate_password('alice@example.com', 'alice pw') \gset
SELECT s.* FROM mfa.complete_mfa(:'kli6', mfa.totp_code(:'sec2', to_timestamp(2000000450))) AS a, pg_temp.shown(a) AS s;
SELECT token AS kli7 FROM mfa.authenticate_password('alice@example.com', 'alice pw') \gset
SELECT s.* FROM mfa.complete_mfa(:'kli7', mfa.totp_code(:'sec1', to_timestamp(2000000450))) AS a, pg_temp.shown(a) AS s;
SELECT credential_id = :dev1 AS dev1, last_step - 2000000000 / 30 AS steps_after_s, last_used_at = mfa_internal._now() AS used_now
FROM mfa.credentials WHERE user_id = :alice AND type = 'totp' ORDER BY credential_id;

-- Deleting devices: with one active device left MFA is still required; without any, password logins are
-- full logins again (a new, unverified device does not change that).
SELECT mfa.delete_credential(:dev1) AS deleted_dev1;
SELECT s.* FROM mfa.authenticate_password('alice@example.com', 'alice pw') AS a, pg_temp.shown(a) AS s;
SELECT mfa.delete_credential(:dev2) AS deleted_dev2;
SELECT otp_secret AS sec3 FROM mfa.totp_create_credential(:alice, 'Spare') \gset
SELECT s.* FROM mfa.authenticate_password('alice@example.com', 'alice pw') AS a, pg_temp.shown(a) AS s;
SELECT s.mfa_verified, count(*) AS sessions FROM mfa.sessions AS s WHERE s.user_id = :alice GROUP BY 1 ORDER BY 1;

-- The audit trail of the second step: one row per attempt with a token that names a user (live, used or
-- expired), in order; a token that names nobody cannot be attributed to a realm. Failures are shown without
-- their reason and device.
SELECT e.result, CASE WHEN e.result = 'success' THEN e.reason END AS reason,
       CASE e.user_id WHEN :alice THEN 'alice' WHEN :bob THEN 'bob' END AS user_name,
       CASE WHEN e.result = 'success' THEN
           CASE e.credential_id WHEN :dev1 THEN 'dev1' WHEN :dev2 THEN 'dev2' WHEN :bob_dev THEN 'bob_dev' END
       END AS device
FROM mfa.events AS e WHERE e.type = 'mfa_login'
ORDER BY e.event_id;
SELECT count(*) AS events,
       count(*) FILTER (WHERE e::text LIKE ANY (ARRAY['%kli\_%', '%kss\_%', '%alice pw%', '%bob pass%'])
                           OR position(:'sec1' IN e::text) > 0 OR position(:'sec2' IN e::text) > 0
                           OR position(:'bob_sec' IN e::text) > 0
                           OR position(mfa.totp_code(:'sec1', to_timestamp(2000000000)) IN e::text) > 0
                           OR position(mfa.totp_code(:'sec2', to_timestamp(2000000450)) IN e::text) > 0) AS with_secret
FROM mfa.events AS e;

-- The server is still up.
SELECT 1 AS still_up;

DROP EXTENSION pg_mfa;
