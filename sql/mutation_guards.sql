-- mutation_guards: a valid code or token changed in one place is refused, and an unknown user's password
-- costs a hash (review finding 10). A code comparison that ignored the last digit passed every other suite,
-- because their wrong codes differ from the right one everywhere; here every digit of a right code is replaced
-- by every other digit, and every character of a live token by every other base64url character, and the
-- right code and token are accepted afterwards, so the refusals are real evaluations and not the throttle.
CREATE EXTENSION pg_mfa;

SET pg_mfa.clock_override = 1999999940;

-- code_mutants: a code changed in one place. 'digit': each digit replaced by each of the nine others, 9 per
-- digit. 'shape': cut short, lengthened, padded (with characters other than the spaces and hyphens people
-- type, which are ignored), transposed (the first two different digits swapped; the last digit changed
-- instead if all digits are equal, so there is always exactly one): 10 in all. All but the transposition are
-- malformed: refused without evaluation (malformed_code); the transposition is evaluated.
CREATE FUNCTION pg_temp.code_mutants(code text) RETURNS TABLE (kind text, mutant text) LANGUAGE sql AS $$
    SELECT 'digit', overlay(code PLACING d::text FROM i FOR 1)
    FROM generate_series(1, length(code)) AS i, generate_series(0, 9) AS d
    WHERE substr(code, i, 1) <> d::text
    UNION ALL
    SELECT 'shape', m
    FROM unnest(ARRAY[
        left(code, -1), right(code, -1), code || '0', '0' || code, '+' || code, code || '.', code || E'\n',
        left(code, -1) || ' ', code || code,
        coalesce((SELECT overlay(code PLACING substr(code, j, 1) || substr(code, 2, j - 2) || left(code, 1) FROM 1 FOR j)
                  FROM generate_series(2, length(code)) AS j WHERE substr(code, j, 1) <> left(code, 1) ORDER BY j LIMIT 1),
                 left(code, -1) || ((right(code, 1)::int + 1) % 10)::text)]) AS m
$$;

-- token_mutants: a token changed in one place. 'char': each character (the prefix too) replaced by each of
-- the 63 other base64url characters. 'shape': cut short, lengthened, without its prefix, in upper case.
CREATE FUNCTION pg_temp.token_mutants(token text) RETURNS TABLE (kind text, mutant text) LANGUAGE sql AS $$
    SELECT 'char', overlay(token PLACING c FROM i FOR 1)
    FROM generate_series(1, length(token)) AS i,
         regexp_split_to_table('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', '') AS c
    WHERE substr(token, i, 1) <> c
    UNION ALL
    SELECT 'shape', m
    FROM unnest(ARRAY[left(token, -1), token || 'A', 'A' || token, token || ' ', substr(token, 5), upper(token)]) AS m
$$;

-- verify_mutants / complete_mutants: try each mutant of a code with totp_verify (or with complete_mfa and a
-- kli_ token), one call after the other, and count per kind how many were tried and how many accepted.
CREATE FUNCTION pg_temp.verify_mutants(dev bigint, code text) RETURNS TABLE (kind text, tried integer, accepted integer)
LANGUAGE plpgsql AS $$
DECLARE
    m record;
BEGIN
    FOR m IN SELECT * FROM pg_temp.code_mutants(code) LOOP
        kind := m.kind;
        tried := 1;
        accepted := mfa.totp_verify(dev, m.mutant)::integer;
        RETURN NEXT;
    END LOOP;
END
$$;
CREATE FUNCTION pg_temp.complete_mutants(kli text, code text) RETURNS TABLE (kind text, tried integer, accepted integer)
LANGUAGE plpgsql AS $$
DECLARE
    m record;
BEGIN
    FOR m IN SELECT * FROM pg_temp.code_mutants(code) LOOP
        kind := m.kind;
        tried := 1;
        accepted := (SELECT count(*) FROM mfa.complete_mfa(kli, m.mutant) AS a WHERE a.result <> 'failed');
        RETURN NEXT;
    END LOOP;
END
$$;
-- The code checks of a user as the audit trail has them: evaluated and wrong, and refused unevaluated.
CREATE FUNCTION pg_temp.code_events(user_id bigint, OUT wrong_code bigint, OUT throttled_or_disabled bigint,
                                    OUT other_failures bigint, OUT successes bigint)
LANGUAGE sql AS $$
    SELECT count(*) FILTER (WHERE e.result = 'failure' AND e.reason = 'wrong_code'),
           count(*) FILTER (WHERE e.result = 'failure' AND e.reason IN ('throttled', 'disabled', 'token_exhausted')),
           count(*) FILTER (WHERE e.result = 'failure' AND e.reason NOT IN ('wrong_code', 'throttled', 'disabled',
                                                                            'token_exhausted')),
           count(*) FILTER (WHERE e.result = 'success')
    FROM mfa.events AS e WHERE e.user_id = code_events.user_id AND e.type IN ('totp_verify', 'mfa_login')
$$;

-- Two realms, SHA1 with 6 digits and SHA512 with 8. Window 0, so that no mutant can be the genuine code of a
-- neighbouring step by chance (the output is the same every run); thresholds high enough that none of the
-- mutants below is refused by the throttle instead of being evaluated.
SELECT mfa.create_realm('mutation6') IS NOT NULL AS realm6, mfa.create_realm('mutation8') IS NOT NULL AS realm8;
UPDATE mfa.realms SET totp_window = 0, code_lockout_threshold = 100, code_disable_threshold = 1000,
                      mfa_token_max_failures = 100, password_lockout_threshold = 1000
WHERE name IN ('mutation6', 'mutation8');
UPDATE mfa.realms SET totp_digits = 8, totp_algorithm = 'sha512' WHERE name = 'mutation8';

-- Each realm's user enrolls a device at T - 60; the codes below are those of T, T + 30 and T + 60.
SELECT mfa.create_user('mallory', 'mallory pw', 'mutation6') AS u6 \gset
SELECT mfa.create_user('mallory', 'mallory pw', 'mutation8') AS u8 \gset
SELECT credential_id AS dev6, otp_secret AS sec6 FROM mfa.totp_create_credential(:u6) \gset
SELECT credential_id AS dev8, otp_secret AS sec8 FROM mfa.totp_create_credential(:u8) \gset
SELECT c.credential_id = :dev6 AS dev6, c.digits, c.algorithm FROM mfa.credentials AS c
WHERE c.credential_id IN (:dev6, :dev8) ORDER BY c.digits;
SELECT mfa.totp_verify(:dev6, mfa.totp_code(:'sec6', to_timestamp(1999999940))) AS enrolled6,
       mfa.totp_verify(:dev8, mfa.totp_code(:'sec8', to_timestamp(1999999940), 8, 30, 'sha512')) AS enrolled8;

-- totp_verify at T: no mutant of the right code is accepted, then the right code is.
SET pg_mfa.clock_override = 2000000000;
SELECT '6 digits' AS device, v.kind, sum(v.tried) AS tried, sum(v.accepted) AS accepted
FROM pg_temp.verify_mutants(:dev6, mfa.totp_code(:'sec6', to_timestamp(2000000000))) AS v GROUP BY v.kind
UNION ALL
SELECT '8 digits', v.kind, sum(v.tried), sum(v.accepted)
FROM pg_temp.verify_mutants(:dev8, mfa.totp_code(:'sec8', to_timestamp(2000000000), 8, 30, 'sha512')) AS v GROUP BY v.kind
ORDER BY 1, 2;
SELECT mfa.totp_verify(:dev6, mfa.totp_code(:'sec6', to_timestamp(2000000000))) AS right_code6,
       mfa.totp_verify(:dev8, mfa.totp_code(:'sec8', to_timestamp(2000000000), 8, 30, 'sha512')) AS right_code8;

-- complete_mfa at T + 30, all mutants with one kli_ token: failed every time, then the right code logs in.
SET pg_mfa.clock_override = 2000000030;
SELECT token AS kli6 FROM mfa.authenticate_password('mallory', 'mallory pw', 'mutation6') \gset
SELECT token AS kli8 FROM mfa.authenticate_password('mallory', 'mallory pw', 'mutation8') \gset
SELECT '6 digits' AS device, v.kind, sum(v.tried) AS tried, sum(v.accepted) AS accepted
FROM pg_temp.complete_mutants(:'kli6', mfa.totp_code(:'sec6', to_timestamp(2000000030))) AS v GROUP BY v.kind
UNION ALL
SELECT '8 digits', v.kind, sum(v.tried), sum(v.accepted)
FROM pg_temp.complete_mutants(:'kli8', mfa.totp_code(:'sec8', to_timestamp(2000000030), 8, 30, 'sha512')) AS v GROUP BY v.kind
ORDER BY 1, 2;
SELECT coalesce(a.token, 'no session') AS kss6, a.result AS result6
FROM mfa.complete_mfa(:'kli6', mfa.totp_code(:'sec6', to_timestamp(2000000030))) AS a \gset
SELECT a.result AS result8
FROM mfa.complete_mfa(:'kli8', mfa.totp_code(:'sec8', to_timestamp(2000000030), 8, 30, 'sha512')) AS a \gset
SELECT :'result6' AS right_code6, :'result8' AS right_code8;

-- Every digit mutant and the transposition were evaluated and found wrong (one wrong_code event each: 55 + 55
-- for the 6-digit device, 73 + 73 for the 8-digit one), the other shape mutants were refused as malformed
-- (9 + 9 each: other_failures), nothing was refused by the throttle, and the enrollment and both right codes
-- succeeded.
SELECT '6 digits' AS device, e.* FROM pg_temp.code_events(:u6) AS e
UNION ALL
SELECT '8 digits', e.* FROM pg_temp.code_events(:u8) AS e;

-- A live kss_ session token: no mutant validates (or logs out); the token itself still validates.
SELECT m.kind, count(*) AS tried, count(*) FILTER (WHERE EXISTS (SELECT FROM mfa.validate_session(m.mutant))) AS validated
FROM pg_temp.token_mutants(:'kss6') AS m GROUP BY m.kind ORDER BY m.kind;
SELECT count(*) FILTER (WHERE mfa.logout(m.mutant)) AS logged_out FROM pg_temp.token_mutants(:'kss6') AS m WHERE m.kind = 'shape';
SELECT v.user_id = :u6 AS mallory, v.realm FROM mfa.validate_session(:'kss6') AS v;

-- A live kli_ token at T + 60: no mutant completes the login even with the right code (which stays unspent);
-- then the token itself does.
SET pg_mfa.clock_override = 2000000060;
SELECT token AS kli FROM mfa.authenticate_password('mallory', 'mallory pw', 'mutation6') \gset
SELECT m.kind, count(*) AS tried, count(*) FILTER (WHERE a.result <> 'failed') AS accepted
FROM pg_temp.token_mutants(:'kli') AS m,
     LATERAL mfa.complete_mfa(m.mutant, mfa.totp_code(:'sec6', to_timestamp(2000000060))) AS a
GROUP BY m.kind ORDER BY m.kind;
SELECT a.result, a.user_id = :u6 AS mallory, a.token LIKE 'kss\_%' AS session
FROM mfa.complete_mfa(:'kli', mfa.totp_code(:'sec6', to_timestamp(2000000060))) AS a;

-- The decoy hash: authenticate_password hashes an unknown user's password at the current settings, so that
-- it takes as long as a known user's wrong password. Without the decoy an unknown user's failure costs a
-- lookup and an event row (0.4 ms measured) against some 35 ms of Argon2id at the default settings: the bounds
-- below are wide enough for a loaded machine, and a ratio of about 0.01 misses them by a factor of 25. Seven
-- interleaved rounds of each kind of failure, and their medians: an unknown user, a known user's wrong
-- password, a user without a password, and one bare hash at the same settings.
RESET pg_mfa.clock_override;
SELECT mfa.create_realm('decoy') IS NOT NULL AS decoy_realm;
UPDATE mfa.realms SET password_lockout_threshold = 1000 WHERE name = 'decoy';
SELECT mfa.create_user('known', 'known pw', 'decoy') IS NOT NULL AS known,
       mfa.create_user('nopw', NULL, 'decoy') IS NOT NULL AS nopw;
CREATE FUNCTION pg_temp.failed_login_ms(username text, password text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
    outcome text;
BEGIN
    SELECT a.result INTO outcome FROM mfa.authenticate_password(username, password, 'decoy') AS a;
    IF outcome IS DISTINCT FROM 'failed' THEN
        RAISE EXCEPTION 'expected failed, got %', outcome;
    END IF;
    RETURN extract(epoch FROM clock_timestamp() - started) * 1000;
END
$$;
CREATE FUNCTION pg_temp.hash_ms() RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
BEGIN
    PERFORM mfa.hash_password('a password');
    RETURN extract(epoch FROM clock_timestamp() - started) * 1000;
END
$$;
CREATE TEMP TABLE timings (round integer, kind text, ms float8);
DO $$
BEGIN
    PERFORM pg_temp.failed_login_ms('unknown', 'warm-up');  -- the first call pays for loading and planning
    PERFORM pg_temp.failed_login_ms('known', 'warm-up');
    FOR r IN 1..7 LOOP
        INSERT INTO timings VALUES (r, 'unknown user', pg_temp.failed_login_ms('unknown', 'wrong pw'));
        INSERT INTO timings VALUES (r, 'wrong password', pg_temp.failed_login_ms('known', 'wrong pw'));
        INSERT INTO timings VALUES (r, 'no password', pg_temp.failed_login_ms('nopw', 'wrong pw'));
        INSERT INTO timings VALUES (r, 'hash', pg_temp.hash_ms());
    END LOOP;
END
$$;
SELECT kind, count(*) AS rounds FROM timings GROUP BY kind ORDER BY kind;
SELECT unknown / wrong BETWEEN 0.3 AND 3 AS unknown_user_like_wrong_password,
       nopw / wrong BETWEEN 0.3 AND 3 AS no_password_like_wrong_password,
       unknown / hash BETWEEN 0.3 AND 3 AS unknown_user_costs_a_hash,
       wrong / hash BETWEEN 0.3 AND 3 AS wrong_password_costs_a_hash
FROM (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE kind = 'unknown user') AS unknown,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE kind = 'wrong password') AS wrong,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE kind = 'no password') AS nopw,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE kind = 'hash') AS hash
      FROM timings) AS medians;
-- The known user was never throttled (each wrong password was checked against the hash).
SELECT e.reason, count(*) FROM mfa.events AS e JOIN mfa.users AS u USING (user_id)
WHERE u.username IN ('known', 'nopw') AND e.type = 'password_login' GROUP BY e.reason ORDER BY e.reason;

DROP EXTENSION pg_mfa;
