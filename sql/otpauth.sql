-- otpauth: provisioning URIs in the Key URI format (mfa.otpauth_uri).
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

-- The exact URI for a known key ("12345678901234567890"), account and issuer.
SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 'alice@example.com', 'ACME Co');
SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 'alice@example.com', 'ACME Co')
     = 'otpauth://totp/ACME%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30'
       AS exact_match;

-- The secret is written in canonical form: upper case, no spaces, no padding.
SELECT mfa.otpauth_uri('gezd gnbv gy3t qojq gezd gnbv gy3t qojq', 'alice@example.com', 'ACME Co') AS from_grouped_lower_case;
SELECT mfa.otpauth_uri('mzxw6===', 'bob') AS from_padded;

-- Without an issuer (NULL or empty), the label is the account alone and there is no issuer parameter.
SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 'alice@example.com') AS default_issuer;
SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 'alice@example.com', NULL) AS null_issuer;
SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 'alice@example.com', '') AS empty_issuer;

-- Other parameters appear as given; algorithm names are written the way apps expect (upper case).
SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 'alice', 'ACME', 8, 60, 'sha256') AS sha256_8_60;
SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 'alice', 'ACME', 7, 1, 'SHA512') AS sha512_7_1;
SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 'alice', 'ACME', 6, 2147483647, 'Sha1') AS max_period;
-- Named arguments.
SELECT mfa.otpauth_uri(secret => 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', account => 'alice', period => 45) AS named;

-- Account names and issuers cannot add parameters, a fragment, a second secret or a second label
-- separator: everything outside RFC 3986's unreserved set is percent-encoded (UTF-8, upper-case hex).
SELECT v.label, mfa.otpauth_uri('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', v.account, v.issuer) AS uri
FROM (VALUES (1, 'parameter in account', 'x&secret=AAAA', 'ACME'),
             (2, 'parameter in issuer', 'alice', 'x&secret=AAAA&issuer=Evil'),
             (3, 'query and fragment', 'a?b#c', 'a?b#c'),
             (4, 'encoded colon', '%3A', '%3A'),
             (5, 'percent', '%41', '%41'),
             (6, 'non-ASCII', 'Zürich', 'Zürich'),
             (7, 'newline', E'line\nbreak', E'line\nbreak'),
             (8, 'slash and backslash', '../a/b\c', 'x/y'),
             (9, 'plus and space', 'a+b c', 'a+b c'),
             (10, 'unreserved kept', 'A-z_0.9~', 'A-z_0.9~'),
             (11, 'quotes and brackets', '"<x>''[y]{z}', '"<x>'),
             (12, 'emoji', '🔑', '🔑')) AS v(n, label, account, issuer)
ORDER BY v.n;
-- The same, as assertions: one "secret=", the real one; no raw "#", no raw whitespace or controls,
-- only unreserved characters and "%XX" in the label and issuer parts.
SELECT count(*) AS uris,
       bool_and((SELECT count(*) FROM regexp_matches(uri, 'secret=', 'g')) = 1) AS one_secret,
       bool_and(uri ~ '\?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&') AS secret_unchanged,
       bool_and(position('#' IN uri) = 0) AS no_fragment,
       bool_and(uri !~ '[[:space:][:cntrl:]]') AS no_whitespace,
       bool_and(uri ~ '^otpauth://totp/([A-Za-z0-9._~-]|%[0-9A-F]{2})+:([A-Za-z0-9._~-]|%[0-9A-F]{2})+\?secret=[A-Z2-7]+&issuer=([A-Za-z0-9._~-]|%[0-9A-F]{2})+&algorithm=SHA1&digits=6&period=30$') AS shape_ok,
       bool_and((SELECT count(*) FROM regexp_matches(uri, '[?&]issuer=', 'g')) = 1) AS one_issuer,
       bool_and((SELECT count(*) FROM regexp_matches(uri, '&', 'g')) = 4) AS four_ampersands
FROM (SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', a, i) AS uri
      FROM unnest(ARRAY['x&secret=AAAA', 'a?b#c', '%3A', '%41', 'Zürich', E'a\nb', E'a\tb\r', 'a b', '&&&', '===',
                        '#', '?', '/', '&secret=AAAA#', E'\u0001']) AS a,
           unnest(ARRAY['x&secret=AAAA&issuer=Evil', 'a?b#c', '%3A', '%41', 'Zürich', E'a\nb', '&issuer=x',
                        '#']) AS i) AS t;
-- Percent-decoding the label and the issuer parameter gives back exactly what went in.
CREATE FUNCTION pg_temp.percent_decode(s text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    result bytea := '';
    i integer := 1;
BEGIN
    WHILE i <= length(s) LOOP
        IF substr(s, i, 1) = '%' THEN
            result := result || decode(substr(s, i + 1, 2), 'hex');
            i := i + 3;
        ELSE
            result := result || convert_to(substr(s, i, 1), 'UTF8');
            i := i + 1;
        END IF;
    END LOOP;
    RETURN convert_from(result, 'UTF8');
END
$$;
SELECT count(*) AS pairs,
       bool_and(length(label) - length(replace(label, ':', '')) = 1) AS one_raw_colon,
       bool_and(pg_temp.percent_decode(split_part(label, ':', 1)) = i) AS issuer_in_label_round_trips,
       bool_and(pg_temp.percent_decode(split_part(label, ':', 2)) = a) AS account_round_trips,
       bool_and(pg_temp.percent_decode(substring(uri FROM '&issuer=([^&]*)&')) = i) AS issuer_parameter_round_trips
FROM (SELECT a, i, uri, split_part(substr(uri, length('otpauth://totp/') + 1), '?', 1) AS label
      FROM unnest(ARRAY['x&secret=AAAA', 'a?b#c', '%3A', '%41', 'Zürich', E'a\nb', 'a b', '🔑', '%', '%%3A']) AS a,
           unnest(ARRAY['ACME Co', 'x&secret=AAAA&issuer=Evil', '%3A', '%41', 'Zürich', E'a\nb']) AS i,
           LATERAL mfa.otpauth_uri('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', a, i) AS uri) AS t;

-- Lengths are in bytes: 256 bytes of account or issuer are allowed, 257 are not.
SELECT length(mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', repeat('a', 256), repeat('b', 256))) AS uri_length_256,
       length(mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', repeat('ü', 128))) AS uri_length_128_umlauts;

-- Not STRICT: NULL issuer means none, any other NULL argument gives NULL.
SELECT mfa.otpauth_uri(NULL, 'alice') IS NULL AS null_secret,
       mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', NULL) IS NULL AS null_account,
       mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', 'alice', 'ACME', NULL) IS NULL AS null_digits,
       mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', 'alice', 'ACME', 6, NULL) IS NULL AS null_period,
       mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', 'alice', 'ACME', 6, 30, NULL) IS NULL AS null_algorithm,
       mfa.otpauth_uri(NULL, NULL, NULL, NULL, NULL, NULL) IS NULL AS all_null;

-- Bad input, with SQLSTATE and message. No message repeats the secret ('SECRET1SECRET1') or the account.
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES
    (1, 'empty account', $$SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', '')$$),
    (2, 'empty account, no issuer', $$SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', '', NULL)$$),
    (3, '300-byte account', $$SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', repeat('a', 300))$$),
    (4, '257-byte account', $$SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', repeat('a', 257))$$),
    (5, '129 umlauts (258 bytes) account', $$SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', repeat('ü', 129))$$),
    (6, '257-byte issuer', $$SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', 'alice', repeat('b', 257))$$),
    (7, 'bad base32 secret', $$SELECT mfa.otpauth_uri('SECRET1SECRET1', 'alice', 'ACME')$$),
    (8, 'bad length secret', $$SELECT mfa.otpauth_uri('SECRETSECRETSE', 'alice', 'ACME')$$),
    (9, 'trailing bits secret', $$SELECT mfa.otpauth_uri('SECRETSECRETSECRETS3', 'alice', 'ACME')$$),
    (10, 'empty secret', $$SELECT mfa.otpauth_uri('', 'alice', 'ACME')$$),
    (11, '1025-byte secret', format('SELECT mfa.otpauth_uri(%L, %L)', mfa.base32_encode(convert_to(repeat('k', 1025), 'UTF8')), 'alice')),
    (12, 'digits 5', $$SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', 'alice', 'ACME', 5)$$),
    (13, 'digits 9', $$SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', 'alice', 'ACME', 9)$$),
    (14, 'digits 10', $$SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', 'alice', 'ACME', 10)$$),
    (15, 'period 0', $$SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', 'alice', 'ACME', 6, 0)$$),
    (16, 'period -30', $$SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', 'alice', 'ACME', 6, -30)$$),
    (17, 'algorithm md5', $$SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', 'alice', 'ACME', 6, 30, 'md5')$$),
    -- The label's separator may not appear in either part: "Evil Bank:alice" would show as issuer
    -- "Evil Bank" in an authenticator app.
    (18, 'colon in account', $$SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', 'Evil Bank:alice', 'ACME')$$),
    (19, 'colon in account, no issuer', $$SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', 'Evil Bank:alice')$$),
    (20, 'colon in issuer', $$SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', 'alice', 'ACME: Corp')$$),
    (21, 'lone colon', $$SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', ':', 'ACME')$$)
  ) AS v(n, label, q)
ORDER BY v.n;

\set VERBOSITY sqlstate
SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', '');
SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', repeat('a', 300));
SELECT mfa.otpauth_uri('SECRET1SECRET1', 'alice');
SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', 'alice', 'ACME', 9);
\set VERBOSITY default
SELECT mfa.otpauth_uri('GEZDGNBVGY3TQOJQ', repeat('a', 300));
SELECT mfa.otpauth_uri('SECRET1SECRET1', 'alice');
\set VERBOSITY terse

-- The server is still up.
SELECT 1 AS still_up;

DROP EXTENSION pg_mfa;
