-- recovery_codes: single-use recovery codes (mfa.generate_recovery_codes, mfa.recovery_codes_remaining, and
-- mfa.complete_mfa accepting one in place of a TOTP code), and codes as people type them.
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

-- A code that is none of the secret's codes within 10 steps of a time: a wrong code for certain.
CREATE FUNCTION pg_temp.wrong_code(secret text, at timestamptz) RETURNS text LANGUAGE sql AS $$
    SELECT c FROM unnest(ARRAY['000000', '111111', '222222', '333333']) AS c
    WHERE c NOT IN (SELECT mfa.totp_code(secret, at + s * interval '30 seconds') FROM generate_series(-10, 10) AS s)
    LIMIT 1
$$;
-- The audit rows of a user since a mark, oldest first.
CREATE FUNCTION pg_temp.events_since(uid bigint, mark bigint) RETURNS TABLE (type text, result text, reason text)
LANGUAGE sql AS $$
    SELECT e.type, e.result, e.reason FROM mfa.events AS e WHERE e.user_id = uid AND e.event_id > mark ORDER BY e.event_id
$$;
CREATE FUNCTION pg_temp.mark() RETURNS bigint LANGUAGE sql AS $$ SELECT coalesce(max(event_id), 0) FROM mfa.events $$;

SET pg_mfa.clock_override = 1999999940;
SET pg_mfa.argon2_memory = 1024;
SET pg_mfa.argon2_iterations = 1;
SELECT mfa.create_user('bob', 'bob pass') AS bob \gset
SELECT mfa.create_user('carol', 'carol pw') AS carol \gset
SELECT credential_id AS dev, otp_secret AS sec FROM mfa.totp_create_credential(:bob, 'Phone') \gset
SELECT mfa.totp_verify(:dev, mfa.totp_code(:'sec', to_timestamp(1999999940))) AS enrolled;
SELECT credential_id AS cdev, otp_secret AS csec FROM mfa.totp_create_credential(:carol, 'Phone') \gset
SELECT mfa.totp_verify(:cdev, mfa.totp_code(:'csec', to_timestamp(1999999940))) AS carol_enrolled;
SET pg_mfa.clock_override = 2000000000;

-- No codes yet.
SELECT mfa.recovery_codes_remaining(:bob) AS remaining_before;

-- Ten codes by default: XXXX-XXXX-XXXX-XXXX in Crockford's base32 (no I, L, O or U), all different. Only their
-- digests are stored: SHA-256 over a label, the user id and the code without hyphens.
SELECT array_agg(c) AS codes FROM mfa.generate_recovery_codes(:bob) AS c \gset
SELECT cardinality(:'codes'::text[]) AS generated,
       (SELECT count(DISTINCT c) FROM unnest(:'codes'::text[]) AS c) AS distinct_codes,
       (SELECT bool_and(c ~ '^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$') FROM unnest(:'codes'::text[]) AS c) AS well_formed;
SELECT mfa.recovery_codes_remaining(:bob) AS remaining;
SELECT count(DISTINCT rc.recovery_code_id) AS stored,
       bool_and(rc.code_digest IN (SELECT mfa_internal._recovery_digest(:bob, replace(c, '-', ''))
                                   FROM unnest(:'codes'::text[]) AS c)) AS digests_of_the_codes,
       bool_and(position(replace(c.code, '-', '') IN rc::text) = 0 AND position(c.code IN rc::text) = 0) AS codes_not_stored
FROM mfa.recovery_codes AS rc CROSS JOIN unnest(:'codes'::text[]) AS c(code)
WHERE rc.user_id = :bob;
-- The digest binds the user: bob's code has another digest for carol.
SELECT mfa_internal._recovery_digest(:bob, replace((:'codes'::text[])[1], '-', ''))
       <> mfa_internal._recovery_digest(:carol, replace((:'codes'::text[])[1], '-', '')) AS bound_to_user;
SELECT type, result, reason FROM mfa.events WHERE user_id = :bob AND type = 'recovery_codes_generated';

-- A recovery code in place of a TOTP code: full_login, a session with mfa_verified, the code used up, one
-- fewer left. Typed in lower case with spaces instead of hyphens.
SELECT pg_temp.mark() AS m \gset
SELECT token AS kli FROM mfa.authenticate_password('bob', 'bob pass') \gset
SELECT result, token LIKE 'kss\_%' AS session_token
FROM mfa.complete_mfa(:'kli', lower(replace((:'codes'::text[])[1], '-', ' ')));
SELECT * FROM pg_temp.events_since(:bob, :m);
SELECT mfa.recovery_codes_remaining(:bob) AS remaining;
SELECT count(*) AS used FROM mfa.recovery_codes WHERE user_id = :bob AND used_at = to_timestamp(2000000000);
SELECT count(*) AS mfa_sessions FROM mfa.sessions WHERE user_id = :bob AND mfa_verified;

-- Used once only: the same code again is refused and counted as a wrong code (used_recovery_code).
SELECT pg_temp.mark() AS m \gset
SELECT token AS kli FROM mfa.authenticate_password('bob', 'bob pass') \gset
SELECT result, token FROM mfa.complete_mfa(:'kli', (:'codes'::text[])[1]);
SELECT * FROM pg_temp.events_since(:bob, :m);
SELECT code_failures FROM mfa.user_lockouts WHERE user_id = :bob;
SELECT failures FROM mfa.mfa_tokens WHERE token_digest = mfa_internal._token_digest(:'kli');

-- Bob's codes are not carol's.
SELECT token AS ckli FROM mfa.authenticate_password('carol', 'carol pw') \gset
SELECT pg_temp.mark() AS m \gset
SELECT result FROM mfa.complete_mfa(:'ckli', (:'codes'::text[])[2]);
SELECT * FROM pg_temp.events_since(:carol, :m);
SELECT mfa.recovery_codes_remaining(:bob) AS bobs_remaining;

-- The same token, a good code of bob's own (the token survived one wrong code): a success forgives the count.
SELECT result FROM mfa.complete_mfa(:'kli', (:'codes'::text[])[2]);
SELECT code_failures FROM mfa.user_lockouts WHERE user_id = :bob;

-- Misread characters are those digits: I and L are 1, O is 0. A code stored by hand (as the superuser)
-- with every 0 and 1 in it, typed with the letters.
INSERT INTO mfa.recovery_codes (user_id, code_digest, created_at)
VALUES (:bob, mfa_internal._recovery_digest(:bob, '0101ABCDEFGHJKMN'), mfa_internal._now());
SELECT token AS kli FROM mfa.authenticate_password('bob', 'bob pass') \gset
SELECT result FROM mfa.complete_mfa(:'kli', 'oIoL-abcd efgh-jkmn');

-- A new set replaces the old one whole: the unused old codes stop working.
SELECT :'codes' AS old_codes \gset
SELECT count(*) AS generated FROM mfa.generate_recovery_codes(:bob, 3);
SELECT mfa.recovery_codes_remaining(:bob) AS remaining;
SELECT count(*) AS stored FROM mfa.recovery_codes WHERE user_id = :bob;
SELECT token AS kli FROM mfa.authenticate_password('bob', 'bob pass') \gset
SELECT pg_temp.mark() AS m \gset
SELECT result FROM mfa.complete_mfa(:'kli', (:'old_codes'::text[])[5]);
SELECT * FROM pg_temp.events_since(:bob, :m);

-- Codes as people type them. A TOTP code with spaces or hyphens is that code.
SET pg_mfa.clock_override = 2000000030;
SELECT token AS kli FROM mfa.authenticate_password('bob', 'bob pass') \gset
SELECT mfa.totp_code(:'sec', to_timestamp(2000000030)) AS code30 \gset
SELECT result FROM mfa.complete_mfa(:'kli', ' ' || substr(:'code30', 1, 3) || ' ' || substr(:'code30', 4) || ' ');
SET pg_mfa.clock_override = 2000000060;
SELECT mfa.totp_verify(:dev, substr(mfa.totp_code(:'sec', to_timestamp(2000000060)), 1, 3) || '-' ||
                             substr(mfa.totp_code(:'sec', to_timestamp(2000000060)), 4)) AS verified_with_hyphen;

-- Input that can be neither kind of code is refused without counting a guess: not the user's count, not the
-- token's. Its audit row says malformed_code.
SELECT code_failures AS failures_before FROM mfa.user_lockouts WHERE user_id = :bob;
SELECT token AS kli FROM mfa.authenticate_password('bob', 'bob pass') \gset
SELECT pg_temp.mark() AS m \gset
SELECT v.label, (SELECT result FROM mfa.complete_mfa(:'kli', v.code)) AS result
FROM (VALUES (1, 'letters', 'abcdef'), (2, 'five digits', '12345'), (3, 'nine digits', '123456789'),
             (4, 'seven digits (the device has six)', '1234567'), (5, 'tab inside', E'123\t456'),
             (6, 'underscore', '123_456'), (7, 'recovery code one short', '7KQ2-M9XD-4TNB-WR3'),
             (8, 'recovery code with U', '7KQU-M9XD-4TNB-WR3H'), (9, 'empty', ''), (10, 'only separators', ' - - '),
             (11, 'very long', repeat('1 ', 10000)), (12, 'full-width digits', '１２３４５６')) AS v(n, label, code)
ORDER BY v.n;
SELECT reason, count(*) FROM pg_temp.events_since(:bob, :m) GROUP BY reason;
SELECT code_failures AS failures_after FROM mfa.user_lockouts WHERE user_id = :bob;
SELECT failures AS token_failures, consumed_at IS NULL AS token_live FROM mfa.mfa_tokens
WHERE token_digest = mfa_internal._token_digest(:'kli');
SELECT pg_temp.mark() AS m \gset
SELECT mfa.totp_verify(:dev, v.code) AS verified
FROM (VALUES (1, 'abc'), (2, '1234567'), (3, '0101-ABCD-EFGH-JKMN')) AS v(n, code) ORDER BY v.n;
SELECT type, reason, count(*) FROM pg_temp.events_since(:bob, :m) GROUP BY type, reason;
SELECT code_failures AS failures_after_verify FROM mfa.user_lockouts WHERE user_id = :bob;

-- The same throttle as TOTP codes: five wrong recovery codes lock the user's codes; a right one is then
-- refused (throttled) and not used up.
SELECT array_agg(c) AS codes FROM mfa.generate_recovery_codes(:bob, 2) AS c \gset
SELECT token AS kli1 FROM mfa.authenticate_password('bob', 'bob pass') \gset
SELECT token AS kli2 FROM mfa.authenticate_password('bob', 'bob pass') \gset
SELECT g AS attempt, (SELECT result FROM mfa.complete_mfa(:'kli1', 'ZZZZ-ZZZZ-ZZZZ-ZZZ' || g)) AS result
FROM generate_series(1, 4) AS g ORDER BY g;
SELECT result FROM mfa.complete_mfa(:'kli2', 'ZZZZ-ZZZZ-ZZZZ-ZZZ9');
SELECT code_failures, code_locked_until > mfa_internal._now() AS locked FROM mfa.user_lockouts WHERE user_id = :bob;
SELECT token AS kli3 FROM mfa.authenticate_password('bob', 'bob pass') \gset
SELECT pg_temp.mark() AS m \gset
SELECT result FROM mfa.complete_mfa(:'kli3', (:'codes'::text[])[1]);
SELECT * FROM pg_temp.events_since(:bob, :m);
SELECT mfa.recovery_codes_remaining(:bob) AS still_two;

-- Bad input is an error, and the message never repeats it.
SELECT v.label, pg_temp.sqlstate_of(v.q) AS outcome
FROM (VALUES
    (1, 'count 0', format('SELECT mfa.generate_recovery_codes(%s, 0)', :bob)),
    (2, 'count 51', format('SELECT mfa.generate_recovery_codes(%s, 51)', :bob)),
    (3, 'count NULL', format('SELECT mfa.generate_recovery_codes(%s, NULL)', :bob)),
    (4, 'user NULL', 'SELECT mfa.generate_recovery_codes(NULL)'),
    (5, 'unknown user', 'SELECT mfa.generate_recovery_codes(987654321)'),
    (6, 'remaining: user NULL', 'SELECT mfa.recovery_codes_remaining(NULL)'),
    (7, 'remaining: unknown user', 'SELECT mfa.recovery_codes_remaining(987654321)')
) AS v(n, label, q) ORDER BY v.n;
SELECT mfa.recovery_codes_remaining(:bob) AS unchanged;

-- Fifty at most; each set is made of fresh codes.
SELECT count(*) AS fifty, count(DISTINCT c) AS distinct_codes FROM mfa.generate_recovery_codes(:carol, 50) AS c;

-- Deleting a user deletes their codes.
SELECT count(*) > 0 AS carol_has_codes FROM mfa.recovery_codes WHERE user_id = :carol;
DELETE FROM mfa.users WHERE user_id = :carol;
SELECT count(*) AS carol_codes_left FROM mfa.recovery_codes WHERE user_id = :carol;

DROP EXTENSION pg_mfa;
