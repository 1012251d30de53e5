-- otp: HOTP (RFC 4226) and TOTP (RFC 6238) codes and new secrets (mfa.hotp_code, mfa.totp_code,
-- mfa.generate_secret).
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

-- The RFC test secrets in base32: 20, 32 and 64 bytes of ASCII digits.
SELECT mfa.base32_encode('12345678901234567890'::bytea) AS sha1_seed \gset
SELECT mfa.base32_encode('12345678901234567890123456789012'::bytea) AS sha256_seed \gset
SELECT mfa.base32_encode('1234567890123456789012345678901234567890123456789012345678901234'::bytea) AS sha512_seed \gset
SELECT :'sha1_seed' AS sha1_seed;

-- RFC 4226 Appendix D: HOTP, SHA-1, 6 digits, counters 0 to 9.
SELECT v.counter, mfa.hotp_code(:'sha1_seed', v.counter) AS code, v.expected,
       mfa.hotp_code(:'sha1_seed', v.counter) = v.expected AS ok
FROM (VALUES (0, '755224'), (1, '287082'), (2, '359152'), (3, '969429'), (4, '338314'),
             (5, '254676'), (6, '287922'), (7, '162583'), (8, '399871'), (9, '520489')) AS v(counter, expected)
ORDER BY v.counter;

-- RFC 6238 Appendix B: TOTP, 8 digits, 30-second steps, with each algorithm's seed. The last time is
-- past 2038 (and past 2^32 seconds): 64-bit time.
SELECT v.t, a.algorithm, mfa.totp_code(a.seed, to_timestamp(v.t), 8, 30, a.algorithm) AS code, v.expected,
       mfa.totp_code(a.seed, to_timestamp(v.t), 8, 30, a.algorithm) = v.expected AS ok
FROM (VALUES ('sha1', :'sha1_seed'), ('sha256', :'sha256_seed'), ('sha512', :'sha512_seed')) AS a(algorithm, seed)
JOIN (VALUES (59, 'sha1', '94287082'), (1111111109, 'sha1', '07081804'), (1111111111, 'sha1', '14050471'),
             (1234567890, 'sha1', '89005924'), (2000000000, 'sha1', '69279037'), (20000000000, 'sha1', '65353130'),
             (59, 'sha256', '46119246'), (1111111109, 'sha256', '68084774'), (1111111111, 'sha256', '67062674'),
             (1234567890, 'sha256', '91819424'), (2000000000, 'sha256', '90698825'),
             (20000000000, 'sha256', '77737706'),
             (59, 'sha512', '90693936'), (1111111109, 'sha512', '25091201'), (1111111111, 'sha512', '99943326'),
             (1234567890, 'sha512', '93441116'), (2000000000, 'sha512', '38618901'),
             (20000000000, 'sha512', '47863826')) AS v(t, algorithm, expected)
  ON v.algorithm = a.algorithm
ORDER BY a.algorithm, v.t;

-- TOTP is HOTP of the time step: floor(t / period).
SELECT mfa.totp_code(:'sha1_seed', to_timestamp(59), 8) = mfa.hotp_code(:'sha1_seed', 1, 8) AS step_1,
       mfa.totp_code(:'sha1_seed', to_timestamp(1111111109), 6, 30) = mfa.hotp_code(:'sha1_seed', 37037036) AS step_37037036,
       mfa.totp_code(:'sha1_seed', to_timestamp(119), 6, 60) = mfa.hotp_code(:'sha1_seed', 1) AS period_60,
       mfa.totp_code(:'sha1_seed', to_timestamp(5), 6, 1) = mfa.hotp_code(:'sha1_seed', 5) AS period_1,
       mfa.totp_code(:'sha1_seed', to_timestamp(0)) = '755224' AS epoch_is_step_0;

-- HOTP with the other algorithms and digit counts agrees with TOTP at the same step.
SELECT a.algorithm, d.digits,
       mfa.hotp_code(a.seed, 1, d.digits, a.algorithm) = mfa.totp_code(a.seed, to_timestamp(59), d.digits, 30, a.algorithm) AS hotp_is_totp
FROM (VALUES ('sha1', :'sha1_seed'), ('sha256', :'sha256_seed'), ('sha512', :'sha512_seed')) AS a(algorithm, seed),
     (VALUES (6), (7), (8)) AS d(digits)
ORDER BY a.algorithm, d.digits;

-- Fewer digits are the trailing digits of the same truncated value (RFC 4226 §5.3).
SELECT mfa.totp_code(:'sha1_seed', to_timestamp(59), 6) AS six,
       mfa.totp_code(:'sha1_seed', to_timestamp(59), 7) AS seven,
       mfa.totp_code(:'sha1_seed', to_timestamp(59), 8) AS eight;

-- Algorithm names are case-insensitive.
SELECT mfa.totp_code(:'sha256_seed', to_timestamp(59), 8, 30, 'SHA256') AS upper,
       mfa.totp_code(:'sha256_seed', to_timestamp(59), 8, 30, 'Sha256') AS mixed,
       mfa.hotp_code(:'sha1_seed', 0, 6, 'SHA1') AS hotp_upper;

-- Codes are text and keep their leading zeros.
SELECT mfa.totp_code(:'sha1_seed', to_timestamp(1111111109), 8) AS code,
       pg_typeof(mfa.totp_code(:'sha1_seed', to_timestamp(1111111109), 8)) AS type,
       length(mfa.totp_code(:'sha1_seed', to_timestamp(1111111109), 8)) AS length;

-- The time is rounded down to whole seconds, then to steps: 59.999999 s is still step 1, 60 is step 2.
SELECT mfa.totp_code(:'sha1_seed', to_timestamp(59.999999), 8) AS at_59_999999,
       mfa.totp_code(:'sha1_seed', to_timestamp(30), 8) AS at_30,
       mfa.totp_code(:'sha1_seed', to_timestamp(29.999999), 8) = mfa.totp_code(:'sha1_seed', to_timestamp(0), 8) AS at_29_999999_is_step_0,
       mfa.totp_code(:'sha1_seed', to_timestamp(60), 8) = mfa.hotp_code(:'sha1_seed', 2, 8) AS at_60_is_step_2;
-- The time zone of the value does not matter, only the instant.
SELECT mfa.totp_code(:'sha1_seed', '2005-03-18 01:58:29+00', 8) AS utc,
       mfa.totp_code(:'sha1_seed', '2005-03-17 17:58:29-08', 8) AS pst,
       mfa.totp_code(:'sha1_seed', '2005-03-18 10:58:29+09', 8) AS jst;

-- The largest counter and the largest period.
SELECT length(mfa.hotp_code(:'sha1_seed', 9223372036854775807)) = 6 AS max_counter_ok,
       mfa.totp_code(:'sha1_seed', to_timestamp(20000000000), 6, 2147483647) = mfa.hotp_code(:'sha1_seed', 9) AS max_period_ok;

-- Without a time, totp_code uses the wall clock (clock_timestamp()). The statement runs in well under
-- one step, so the code is that of the step before, at or after clock_timestamp() read just after it.
SELECT mfa.totp_code(:'sha1_seed') ~ '^[0-9]{6}$' AS six_digits,
       mfa.totp_code(:'sha1_seed') IN (mfa.totp_code(:'sha1_seed', clock_timestamp() - interval '30 seconds'),
                                       mfa.totp_code(:'sha1_seed', clock_timestamp()),
                                       mfa.totp_code(:'sha1_seed', clock_timestamp() + interval '30 seconds')) AS is_wall_clock;

-- Secrets: the same key in any base32 spelling gives the same code; a 1024-byte key is allowed.
SELECT mfa.hotp_code(lower(:'sha1_seed'), 0) AS lower_case,
       mfa.hotp_code(regexp_replace(:'sha1_seed', '(....)', '\1 ', 'g'), 0) AS grouped,
       mfa.hotp_code('MZXW6===', 0) = mfa.hotp_code('MZXW6', 0) AS padding_ignored,
       length(mfa.hotp_code(mfa.base32_encode(convert_to(repeat('k', 1024), 'UTF8')), 0)) = 6 AS key_1024_bytes_ok;

-- STRICT: a NULL argument gives NULL.
SELECT mfa.hotp_code(NULL, 0) IS NULL AS hotp_null_secret,
       mfa.hotp_code(:'sha1_seed', NULL) IS NULL AS hotp_null_counter,
       mfa.hotp_code(:'sha1_seed', 0, NULL) IS NULL AS hotp_null_digits,
       mfa.hotp_code(:'sha1_seed', 0, 6, NULL) IS NULL AS hotp_null_algorithm,
       mfa.totp_code(NULL) IS NULL AS totp_null_secret,
       mfa.totp_code(:'sha1_seed', NULL) IS NULL AS totp_null_time,
       mfa.totp_code(:'sha1_seed', to_timestamp(59), NULL) IS NULL AS totp_null_digits,
       mfa.totp_code(:'sha1_seed', to_timestamp(59), 6, NULL) IS NULL AS totp_null_period,
       mfa.totp_code(:'sha1_seed', to_timestamp(59), 6, 30, NULL) IS NULL AS totp_null_algorithm;

-- Bad input, with SQLSTATE and message. 'SECRET1SECRET1' (a '1' is not base32) and the 1025-byte key
-- show that no message repeats the secret.
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES
    (1, 'hotp digits 5', $$SELECT mfa.hotp_code('GEZDGNBVGY3TQOJQ', 0, 5)$$),
    (2, 'hotp digits 9', $$SELECT mfa.hotp_code('GEZDGNBVGY3TQOJQ', 0, 9)$$),
    (3, 'hotp digits -1', $$SELECT mfa.hotp_code('GEZDGNBVGY3TQOJQ', 0, -1)$$),
    (4, 'hotp algorithm md5', $$SELECT mfa.hotp_code('GEZDGNBVGY3TQOJQ', 0, 6, 'md5')$$),
    (5, 'hotp algorithm sha-1', $$SELECT mfa.hotp_code('GEZDGNBVGY3TQOJQ', 0, 6, 'sha-1')$$),
    (6, 'hotp algorithm empty', $$SELECT mfa.hotp_code('GEZDGNBVGY3TQOJQ', 0, 6, '')$$),
    (7, 'hotp counter -1', $$SELECT mfa.hotp_code('GEZDGNBVGY3TQOJQ', -1)$$),
    (8, 'hotp counter min', $$SELECT mfa.hotp_code('GEZDGNBVGY3TQOJQ', -9223372036854775808)$$),
    (9, 'hotp empty secret', $$SELECT mfa.hotp_code('', 0)$$),
    (10, 'hotp blank secret', $$SELECT mfa.hotp_code('    ', 0)$$),
    (11, 'hotp bad base32 secret', $$SELECT mfa.hotp_code('SECRET1SECRET1', 0)$$),
    (12, 'hotp bad length secret', $$SELECT mfa.hotp_code('SECRETSECRETSE', 0)$$),
    (13, 'hotp trailing bits secret', $$SELECT mfa.hotp_code('SECRETSECRETSECRETS3', 0)$$),
    (14, 'hotp 1025-byte secret', format('SELECT mfa.hotp_code(%L, 0)', mfa.base32_encode(convert_to(repeat('k', 1025), 'UTF8')))),
    (15, 'totp digits 5', $$SELECT mfa.totp_code('GEZDGNBVGY3TQOJQ', to_timestamp(59), 5)$$),
    (16, 'totp digits 9', $$SELECT mfa.totp_code('GEZDGNBVGY3TQOJQ', to_timestamp(59), 9)$$),
    (17, 'totp period 0', $$SELECT mfa.totp_code('GEZDGNBVGY3TQOJQ', to_timestamp(59), 6, 0)$$),
    (18, 'totp period -30', $$SELECT mfa.totp_code('GEZDGNBVGY3TQOJQ', to_timestamp(59), 6, -30)$$),
    (19, 'totp algorithm md5', $$SELECT mfa.totp_code('GEZDGNBVGY3TQOJQ', to_timestamp(59), 6, 30, 'md5')$$),
    (20, 'totp algorithm sha384', $$SELECT mfa.totp_code('GEZDGNBVGY3TQOJQ', to_timestamp(59), 6, 30, 'sha384')$$),
    (21, 'totp algorithm with space', $$SELECT mfa.totp_code('GEZDGNBVGY3TQOJQ', to_timestamp(59), 6, 30, 'sha1 ')$$),
    (22, 'totp 1969-12-31 23:59:59', $$SELECT mfa.totp_code('GEZDGNBVGY3TQOJQ', to_timestamp(-1))$$),
    (23, 'totp half a second before 1970', $$SELECT mfa.totp_code('GEZDGNBVGY3TQOJQ', to_timestamp(-0.5))$$),
    (24, 'totp 1900', $$SELECT mfa.totp_code('GEZDGNBVGY3TQOJQ', '1900-01-01 00:00:00+00')$$),
    (25, 'totp infinity', $$SELECT mfa.totp_code('GEZDGNBVGY3TQOJQ', 'infinity')$$),
    (26, 'totp -infinity', $$SELECT mfa.totp_code('GEZDGNBVGY3TQOJQ', '-infinity')$$),
    (27, 'totp empty secret', $$SELECT mfa.totp_code('', to_timestamp(59))$$),
    (28, 'totp bad base32 secret', $$SELECT mfa.totp_code('SECRET1SECRET1', to_timestamp(59))$$),
    (29, 'totp bad base32 secret, default time', $$SELECT mfa.totp_code('SECRET1SECRET1')$$),
    (30, 'totp 1025-byte secret', format('SELECT mfa.totp_code(%L, to_timestamp(59))', mfa.base32_encode(convert_to(repeat('k', 1025), 'UTF8'))))
  ) AS v(n, label, q)
ORDER BY v.n;

-- The same as psql shows them.
\set VERBOSITY sqlstate
SELECT mfa.hotp_code(:'sha1_seed', 0, 5);
SELECT mfa.totp_code(:'sha1_seed', to_timestamp(59), 6, 0);
SELECT mfa.totp_code(:'sha1_seed', to_timestamp(59), 6, 30, 'md5');
SELECT mfa.hotp_code(:'sha1_seed', -1);
SELECT mfa.totp_code(:'sha1_seed', 'infinity');
SELECT mfa.totp_code('', to_timestamp(59));
SELECT mfa.totp_code('SECRET1SECRET1', to_timestamp(59));
\set VERBOSITY default
SELECT mfa.totp_code(:'sha1_seed', to_timestamp(59), 6, 30, 'md5');
SELECT mfa.totp_code('SECRET1SECRET1', to_timestamp(59));
SELECT mfa.hotp_code(mfa.base32_encode(convert_to(repeat('k', 1025), 'UTF8')), 0);
\set VERBOSITY terse

-- mfa.generate_secret: 20 random bytes (32 base32 symbols) unless told otherwise, 16 to 64 bytes.
SELECT mfa.generate_secret() AS s1, mfa.generate_secret() AS s2 \gset
SELECT length(:'s1') AS length,
       :'s1' ~ '^[A-Z2-7]{32}$' AS canonical_base32,
       length(mfa.base32_decode(:'s1')) AS bytes,
       :'s1' <> :'s2' AS two_calls_differ,
       mfa.totp_code(:'s1') ~ '^[0-9]{6}$' AS usable_as_totp_secret;
SELECT b.bytes, length(s) AS symbols, length(mfa.base32_decode(s)) = b.bytes AS decodes_to_bytes,
       s ~ '^[A-Z2-7]+$' AS canonical_base32
FROM (VALUES (16), (20), (32), (64)) AS b(bytes), LATERAL mfa.generate_secret(b.bytes) AS s
ORDER BY b.bytes;
-- Many secrets, none repeated (a CSPRNG, not a fixed or slow-moving seed).
SELECT count(DISTINCT mfa.generate_secret(16)) AS distinct_of_1000 FROM generate_series(1, 1000);
SELECT mfa.generate_secret(NULL) IS NULL AS null_gives_null;
SELECT v.bytes, pg_temp.sqlstate_of(format('SELECT mfa.generate_secret(%s)', v.bytes)) AS result
FROM (VALUES (15), (65), (0), (-1), (2147483647)) AS v(bytes);
\set VERBOSITY default
SELECT mfa.generate_secret(15);
\set VERBOSITY terse

-- The server is still up.
SELECT 1 AS still_up;

DROP EXTENSION pg_mfa;
