-- login_throttle: the brute-force throttle (RFC 4226 §7.3, NIST SP 800-63B §5.2.2) on the fixed test
-- clock: code failures per user across tokens and devices, delays that double, kli_ tokens that die, the
-- password throttle, the disabling ceiling and the administrator's reset.
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

-- Cheap hashes: this file logs in many times.
SET pg_mfa.argon2_memory = '1MB';
SET pg_mfa.argon2_iterations = 1;
SET pg_mfa.clock_override = 2000000000;

CREATE FUNCTION pg_temp.wrong_code(secret text, at timestamptz) RETURNS text LANGUAGE sql AS $$
    SELECT c FROM unnest(ARRAY['000000', '111111', '222222', '333333']) AS c
    WHERE c NOT IN (SELECT mfa.totp_code(secret, at + s * interval '30 seconds') FROM generate_series(-10, 10) AS s)
    LIMIT 1
$$;
-- login: a fresh kli_ token of alice (the password step), at the current test clock.
CREATE FUNCTION pg_temp.login() RETURNS text LANGUAGE sql AS $$
    SELECT token FROM mfa.authenticate_password('alice', 'alice pw')
$$;
-- tries: n calls of complete_mfa with one token and code, one after the other (a loop: a query would call
-- it once); authenticate n times with a password likewise.
CREATE FUNCTION pg_temp.tries(token text, code text, n integer) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..n LOOP
        RETURN QUERY SELECT result FROM mfa.complete_mfa(token, code);
    END LOOP;
END
$$;
CREATE FUNCTION pg_temp.password_tries(password text, n integer) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..n LOOP
        RETURN QUERY SELECT result FROM mfa.authenticate_password('alice', password);
    END LOOP;
END
$$;
CREATE FUNCTION pg_temp.lockout() RETURNS TABLE (code_failures integer, code_wait interval,
                                                  password_failures integer, password_wait interval)
LANGUAGE sql AS $$
    SELECT l.code_failures, l.code_locked_until - mfa_internal._now(), l.password_failures, l.password_locked_until - mfa_internal._now()
    FROM mfa.user_lockouts AS l JOIN mfa.users AS u USING (user_id) WHERE u.username = 'alice'
$$;

SELECT mfa.create_user('alice', 'alice pw') AS alice \gset
SELECT credential_id AS dev, otp_secret AS sec FROM mfa.totp_create_credential(:alice, 'Phone') \gset
SELECT mfa.totp_verify(:dev, mfa.totp_code(:'sec', to_timestamp(2000000000 - 30))) AS enrolled;
SELECT * FROM pg_temp.lockout();

-- Five wrong codes, counted per user across tokens: three with one kli_ token, two with another.
SELECT pg_temp.login() AS kli1 \gset
SELECT pg_temp.tries(:'kli1', pg_temp.wrong_code(:'sec', to_timestamp(2000000000)), 3) AS try;
SELECT pg_temp.login() AS kli2 \gset
SELECT pg_temp.tries(:'kli2', pg_temp.wrong_code(:'sec', to_timestamp(2000000000)), 2) AS try;
-- Now the user waits 30 seconds: even the right code, with a fresh token or through totp_verify, is refused
-- without being looked at, and the refusal looks like any failure.
SELECT * FROM pg_temp.lockout();
SELECT result, user_id, token, expires_at
FROM mfa.complete_mfa(pg_temp.login(), mfa.totp_code(:'sec', to_timestamp(2000000000)));
SELECT mfa.totp_verify(:dev, mfa.totp_code(:'sec', to_timestamp(2000000000))) AS verify_refused;
SET pg_mfa.clock_override = 2000000029;
SELECT result FROM mfa.complete_mfa(pg_temp.login(), mfa.totp_code(:'sec', to_timestamp(2000000029)));
-- The refusals counted nothing: still five.
SELECT * FROM pg_temp.lockout();
-- After the delay one more attempt is evaluated: the right code logs in and resets the count.
SET pg_mfa.clock_override = 2000000030;
SELECT result FROM mfa.complete_mfa(:'kli2', mfa.totp_code(:'sec', to_timestamp(2000000030)));
SELECT * FROM pg_temp.lockout();

-- The delay doubles with every failure past the threshold: 30 s, 60 s, 120 s ...
SET pg_mfa.clock_override = 2000000100;
SELECT pg_temp.login() AS kli3 \gset
SELECT pg_temp.tries(:'kli3', pg_temp.wrong_code(:'sec', to_timestamp(2000000100)), 5) AS try;
SELECT * FROM pg_temp.lockout();
SET pg_mfa.clock_override = 2000000130;
SELECT result FROM mfa.complete_mfa(pg_temp.login(), pg_temp.wrong_code(:'sec', to_timestamp(2000000130)));
SELECT * FROM pg_temp.lockout();
SET pg_mfa.clock_override = 2000000190;
SELECT result FROM mfa.complete_mfa(pg_temp.login(), pg_temp.wrong_code(:'sec', to_timestamp(2000000190)));
SELECT * FROM pg_temp.lockout();
SET pg_mfa.clock_override = 2000000310;
SELECT result FROM mfa.complete_mfa(pg_temp.login(), mfa.totp_code(:'sec', to_timestamp(2000000310)));
SELECT * FROM pg_temp.lockout();

-- A kli_ token dies after five wrong codes (with the user's threshold out of the way): the sixth try, even
-- with the right code, fails, and the password must be given again.
UPDATE mfa.realms SET code_lockout_threshold = 50 WHERE name = 'default';
SET pg_mfa.clock_override = 2000000400;
SELECT pg_temp.login() AS kli4 \gset
SELECT pg_temp.tries(:'kli4', pg_temp.wrong_code(:'sec', to_timestamp(2000000400)), 5) AS try;
SELECT failures, consumed_at IS NULL AS live FROM mfa.mfa_tokens WHERE token_digest = mfa_internal._token_digest(:'kli4');
SELECT result FROM mfa.complete_mfa(:'kli4', mfa.totp_code(:'sec', to_timestamp(2000000400)));
SELECT failures, consumed_at IS NULL AS live FROM mfa.mfa_tokens WHERE token_digest = mfa_internal._token_digest(:'kli4');
SELECT result FROM mfa.complete_mfa(pg_temp.login(), mfa.totp_code(:'sec', to_timestamp(2000000400)));
UPDATE mfa.realms SET code_lockout_threshold = 5 WHERE name = 'default';

-- Passwords: ten wrong ones, then the right one waits 30 s. The refusal is the same row as a wrong password.
SET pg_mfa.clock_override = 2000000500;
SELECT pg_temp.password_tries('not it', 10) AS try;
SELECT * FROM pg_temp.lockout();
SELECT (SELECT row(a.*)::text FROM mfa.authenticate_password('alice', 'alice pw') AS a) =
       (SELECT row(a.*)::text FROM mfa.authenticate_password('nobody', 'alice pw') AS a) AS refusal_looks_like_unknown_user;
SET pg_mfa.clock_override = 2000000530;
SELECT result FROM mfa.authenticate_password('alice', 'alice pw');
SELECT * FROM pg_temp.lockout();

-- The ceiling: at code_disable_threshold consecutive failures the devices are disabled. A disabled device
-- still makes the password step ask for a code, and no code passes, until an administrator resets it.
UPDATE mfa.realms SET code_lockout_threshold = 2, code_disable_threshold = 3, lockout_delay = '1 second',
                      lockout_max_delay = '1 second' WHERE name = 'default';
SET pg_mfa.clock_override = 2000000600;
SELECT result FROM mfa.complete_mfa(pg_temp.login(), pg_temp.wrong_code(:'sec', to_timestamp(2000000600)));
SELECT result FROM mfa.complete_mfa(pg_temp.login(), pg_temp.wrong_code(:'sec', to_timestamp(2000000600)));
-- The guess that reaches the ceiling comes in a transaction that rolls back: the count stands (the
-- background worker committed it), the devices' disabling in that transaction does not. The next attempt
-- is refused at admission, which disables them again, even with the right code.
SET pg_mfa.clock_override = 2000000602;
BEGIN;
SELECT result FROM mfa.complete_mfa(pg_temp.login(), pg_temp.wrong_code(:'sec', to_timestamp(2000000602)));
SELECT state FROM mfa.credentials WHERE credential_id = :dev;
ROLLBACK;
SELECT state FROM mfa.credentials WHERE credential_id = :dev;
SET pg_mfa.clock_override = 2000086400;
SELECT result FROM mfa.authenticate_password('alice', 'alice pw');
SELECT result FROM mfa.complete_mfa(pg_temp.login(), mfa.totp_code(:'sec', to_timestamp(2000086400)));
SELECT state FROM mfa.credentials WHERE credential_id = :dev;
SELECT mfa.totp_verify(:dev, mfa.totp_code(:'sec', to_timestamp(2000086400))) AS verify_disabled;
SELECT mfa.reset_lockout(:alice);
SELECT state FROM mfa.credentials WHERE credential_id = :dev;
SELECT * FROM pg_temp.lockout();
SELECT result FROM mfa.complete_mfa(pg_temp.login(), mfa.totp_code(:'sec', to_timestamp(2000086400)));

-- What the audit trail says about all of this (reasons of the refusals included).
SELECT type, reason, count(*) FROM mfa.events WHERE result = 'failure' GROUP BY type, reason ORDER BY 1, 2;

-- Policy is the administrator's: a client cannot change it, an administrator can, within limits.
CREATE ROLE regress_throttle_app;
SELECT mfa.grant_client('regress_throttle_app');
CREATE ROLE regress_throttle_admin;
SELECT mfa.grant_admin('regress_throttle_admin');
SET ROLE regress_throttle_app;
SELECT pg_temp.sqlstate_of($$UPDATE mfa.realms SET code_lockout_threshold = 1000000$$) AS client_update;
SELECT pg_temp.sqlstate_of($$SELECT mfa.reset_lockout(1)$$) AS client_reset;
SET ROLE regress_throttle_admin;
SELECT pg_temp.sqlstate_of($$UPDATE mfa.realms SET code_lockout_threshold = 10, code_disable_threshold = 100, lockout_delay = '1 minute', lockout_max_delay = '1 hour' WHERE name = 'default'$$) AS admin_update;
SELECT pg_temp.sqlstate_of($$UPDATE mfa.realms SET code_lockout_threshold = 0$$) AS admin_zero_threshold;
SELECT pg_temp.sqlstate_of($$UPDATE mfa.realms SET lockout_max_delay = '1 second', lockout_delay = '1 minute'$$) AS admin_max_below_delay;
SELECT pg_temp.sqlstate_of($$UPDATE mfa.realms SET code_disable_threshold = 1, code_lockout_threshold = 5$$) AS admin_ceiling_below_threshold;
SELECT pg_temp.sqlstate_of(format('SELECT mfa.reset_lockout(%s)', :alice)) AS admin_reset;
SELECT pg_temp.sqlstate_of($$SELECT mfa.reset_lockout(NULL)$$) AS admin_reset_null;
SELECT pg_temp.sqlstate_of($$SELECT mfa.reset_lockout(999)$$) AS admin_reset_unknown;
RESET ROLE;
-- A role that holds privileges cannot be dropped: its rights go first.
SELECT mfa.revoke_rights('regress_throttle_app'), mfa.revoke_rights('regress_throttle_admin');
DROP ROLE regress_throttle_app;
DROP ROLE regress_throttle_admin;

DROP EXTENSION pg_mfa;
