-- base32: RFC 4648 base32 encoding and decoding (mfa.base32_encode, mfa.base32_decode).
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

-- RFC 4648 §10 test vectors. Encoding writes upper case without padding; decoding takes the padded form
-- of the RFC as well as the unpadded one.
SELECT v.input, mfa.base32_encode(v.input::bytea) AS encoded, v.rfc,
       mfa.base32_encode(v.input::bytea) = rtrim(v.rfc, '=') AS encode_ok,
       mfa.base32_decode(v.rfc) = v.input::bytea AS decode_padded_ok,
       mfa.base32_decode(rtrim(v.rfc, '=')) = v.input::bytea AS decode_unpadded_ok
FROM (VALUES (1, '', ''),
             (2, 'f', 'MY======'),
             (3, 'fo', 'MZXQ===='),
             (4, 'foo', 'MZXW6==='),
             (5, 'foob', 'MZXW6YQ='),
             (6, 'fooba', 'MZXW6YTB'),
             (7, 'foobar', 'MZXW6YTBOI======')) AS v(n, input, rfc)
ORDER BY v.n;

-- The empty string both ways.
SELECT mfa.base32_encode(''::bytea) = '' AS empty_encodes_to_empty,
       mfa.base32_decode('') = ''::bytea AS empty_decodes_to_empty;

-- The RFC 4226/6238 secret "12345678901234567890", the one authenticator apps are tested with.
SELECT mfa.base32_encode('12345678901234567890'::bytea);
SELECT convert_from(mfa.base32_decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'), 'UTF8');

-- Every byte value survives a round trip, at every length from 0 to 20 (each final-group size).
SELECT count(*) AS lengths,
       bool_and(mfa.base32_decode(mfa.base32_encode(b)) = b) AS all_round_trip,
       bool_and(mfa.base32_encode(b) ~ '^[A-Z2-7]*$') AS alphabet_ok,
       bool_and(length(mfa.base32_encode(b)) = ceil(length(b) * 8 / 5.0)) AS unpadded_length_ok
FROM (SELECT n, decode(string_agg(lpad(to_hex((n * 37 + i * 101) % 256), 2, '0'), '' ORDER BY i), 'hex') AS b
      FROM generate_series(1, 20) AS n, generate_series(1, n) AS i
      GROUP BY n
      UNION ALL SELECT 0, ''::bytea) AS t;
SELECT mfa.base32_decode(mfa.base32_encode(decode(string_agg(lpad(to_hex(i), 2, '0'), '' ORDER BY i), 'hex')))
       = decode(string_agg(lpad(to_hex(i), 2, '0'), '' ORDER BY i), 'hex') AS all_256_bytes_round_trip
FROM generate_series(0, 255) AS i;

-- Decoding is lenient where people are: lower case, spaces (as apps group keys) and "=" are accepted.
SELECT mfa.base32_decode('mzxw6ytboi') AS lower_case,
       mfa.base32_decode('MzXw6YtBoI') AS mixed_case,
       mfa.base32_decode('MZXW 6YTB OI') AS spaces,
       mfa.base32_decode('  mzxw6ytboi======  ') AS padded_and_spaced,
       mfa.base32_decode('gezd gnbv gy3t qojq gezd gnbv gy3t qojq') = '12345678901234567890'::bytea AS grouped_key;
-- Only spaces or only padding: no symbols, no bytes.
SELECT mfa.base32_decode('   ') AS only_spaces, mfa.base32_decode('========') AS only_padding;

-- STRICT: NULL in, NULL out.
SELECT mfa.base32_encode(NULL) IS NULL AS encode_null, mfa.base32_decode(NULL) IS NULL AS decode_null;

-- Bad input: every kind is 22P02, and the message names the argument, never its value.
SELECT v.label, replace(replace(replace(v.input, E'\t', '\t'), E'\n', '\n'), E'\r', '\r') AS input,
       pg_temp.sqlstate_of(format('SELECT mfa.base32_decode(%L)', v.input)) AS result
FROM (VALUES (1, 'digit 1', 'MZXW1'),
             (2, 'digit 0', '0O'),
             (3, 'digit 8', 'MZXW8'),
             (4, 'dash', 'MZ-X'),
             (5, 'tab', E'MZ\tXW'),
             (6, 'newline', E'MZXW6\n'),
             (7, 'carriage return', E'MZXW6YQ\r'),
             (8, 'plus', 'MZXW6+'),
             (9, 'non-ASCII', 'MZXWé'),
             (10, 'base32hex', 'CPNMUOJ1'),
             (11, 'length 1', 'M'),
             (12, 'length 3', 'MZX'),
             (13, 'length 6', 'MZXW6Y'),
             (14, 'length 9', 'MZXW6YTBO'),
             (15, 'length 1 padded', 'M======='),
             (16, 'trailing bits (MZ)', 'MZ'),
             (17, 'trailing bits (M3)', 'M3'),
             (18, 'trailing bits (MZXR)', 'MZXR'),
             (19, 'trailing bits (MZXW7)', 'MZXW7'),
             (20, 'trailing bits (MZXW6YR)', 'MZXW6YR'),
             (21, 'trailing bits (MZXW6YTBOJ)', 'MZXW6YTBOJ')) AS v(n, label, input)
ORDER BY v.n;

-- The same errors as psql shows them: SQLSTATE only, then message with detail and hint.
\set VERBOSITY sqlstate
SELECT mfa.base32_decode('MZXW1');
SELECT mfa.base32_decode('MZX');
SELECT mfa.base32_decode('M3');
\set VERBOSITY default
SELECT mfa.base32_decode('MZXW1');
SELECT mfa.base32_decode('MZX');
SELECT mfa.base32_decode('M3');
\set VERBOSITY terse

-- The server is still up.
SELECT 1 AS still_up;

DROP EXTENSION pg_mfa;
