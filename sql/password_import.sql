-- password_import: users brought from another system with their password hashes (create_user and
-- set_password with password_hash), the rehash to Argon2id at their first successful login, and the
-- realm's minimum password length (password_min_length) when a password is set.
CREATE EXTENSION pg_mfa;
CREATE EXTENSION pgcrypto;  -- its own copy of crypt_blowfish makes bcrypt hashes we did not make

\i sql/include/sqlstate_of.sql

-- A fixed clock for the login flows (superuser-only): T = 2000000000.
SET pg_mfa.clock_override = 2000000000;

-- Hashes from elsewhere: bcrypt made now by pgcrypto (gen_salt('bf') writes $2a$), crypt_blowfish's
-- vectors in $2b$ and $2y$, scrypt (RFC 7914 §12) and PBKDF2-SHA256 in passlib's and Django's forms,
-- Argon2i (RFC 9106's parameters), and an Argon2id hash weaker than the current settings.
SET pg_mfa.argon2_memory = '1MB';
SET pg_mfa.argon2_iterations = 1;
SELECT mfa.hash_password('weak argon2id pw') AS weak_argon2id \gset
RESET pg_mfa.argon2_memory;
RESET pg_mfa.argon2_iterations;
CREATE TABLE pg_temp.imported (n integer PRIMARY KEY, label text, username text, pw text, hash text);
INSERT INTO pg_temp.imported VALUES
    (1, 'bcrypt $2a$ by pgcrypto', 'u1', 'pgcrypto pw 1', crypt('pgcrypto pw 1', gen_salt('bf'))),
    (2, 'bcrypt $2a$ by pgcrypto, cost 4', 'u2', U&'p\00E4ssw\00F6rd', crypt(U&'p\00E4ssw\00F6rd', gen_salt('bf', 4))),
    (3, 'bcrypt $2b$', 'u3', 'U*U', '$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'),
    (4, 'bcrypt $2y$', 'u4', 'U*U', '$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'),
    (5, 'scrypt passlib', 'u5', 'pleaseletmein',
     '$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI'),
    (6, 'scrypt Django', 'u6', 'pleaseletmein',
     'scrypt$16384$SodiumChloride$8$1$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3A1lHkDfzwF7RVdYhw=='),
    (7, 'pbkdf2_sha256 Django', 'u7', 'lètmein', 'pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo='),
    (8, 'pbkdf2-sha256 passlib', 'u8', 'password',
     '$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ'),
    (9, 'argon2i', 'u9', 'password', '$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA'),
    (10, 'argon2id below the settings', 'u10', 'weak argon2id pw', :'weak_argon2id');

-- Each is imported as it is: the stored hash is the given one, and its scheme is known.
SELECT i.n, i.label, mfa.create_user(i.username, password_hash => i.hash) IS NOT NULL AS created,
       mfa_internal._check_imported_hash(i.hash) AS scheme
FROM pg_temp.imported AS i ORDER BY i.n;
SELECT i.n, c.password_hash = i.hash AS stored_as_given, mfa.password_needs_rehash(c.password_hash) AS needs_rehash
FROM pg_temp.imported AS i
JOIN mfa.users AS u ON u.username = i.username
JOIN mfa.credentials AS c ON c.user_id = u.user_id AND c.type = 'password'
ORDER BY i.n;

-- A wrong password fails and changes nothing.
SELECT i.n, a.result, c.password_hash = i.hash AS unchanged
FROM pg_temp.imported AS i
CROSS JOIN LATERAL mfa.authenticate_password(i.username, i.pw || 'x') AS a
JOIN mfa.users AS u ON u.username = i.username
JOIN mfa.credentials AS c ON c.user_id = u.user_id AND c.type = 'password'
ORDER BY i.n;

-- The right password logs in, and the stored hash is now Argon2id at the current settings, made from it.
SET pg_mfa.clock_override = 2000000005;
SELECT i.n, a.result FROM pg_temp.imported AS i CROSS JOIN LATERAL mfa.authenticate_password(i.username, i.pw) AS a
ORDER BY i.n;
SELECT i.n, split_part(c.password_hash, '$', 2) AS scheme, split_part(c.password_hash, '$', 4) AS parameters,
       mfa.password_needs_rehash(c.password_hash) AS needs_rehash, mfa.verify_password(i.pw, c.password_hash) AS verifies,
       c.updated_at = to_timestamp(2000000005) AS updated_at_login
FROM pg_temp.imported AS i
JOIN mfa.users AS u ON u.username = i.username
JOIN mfa.credentials AS c ON c.user_id = u.user_id AND c.type = 'password'
ORDER BY i.n;
SELECT password_hash AS u1_hash FROM mfa.credentials AS c JOIN mfa.users AS u USING (user_id)
WHERE u.username = 'u1' AND c.type = 'password' \gset
-- The second login works and leaves the new hash alone.
SELECT i.n, a.result FROM pg_temp.imported AS i CROSS JOIN LATERAL mfa.authenticate_password(i.username, i.pw) AS a
ORDER BY i.n;
SELECT password_hash = :'u1_hash' AS unchanged FROM mfa.credentials AS c JOIN mfa.users AS u USING (user_id)
WHERE u.username = 'u1' AND c.type = 'password';
-- The audit trail: one rehash per user, at the first successful login, none at a failure.
SELECT i.n, string_agg(concat_ws('/', e.type, e.result, e.reason), ' ' ORDER BY e.event_id) AS events
FROM pg_temp.imported AS i
JOIN mfa.users AS u ON u.username = i.username
JOIN mfa.events AS e ON e.user_id = u.user_id
GROUP BY i.n ORDER BY i.n;

-- A second step still follows: a user with a device gets needs_mfa, and the rehash happens there too.
SELECT mfa.create_user('mfa user', password_hash => crypt('mfa user pw', gen_salt('bf'))) AS mfa_user \gset
SELECT credential_id AS dev, otp_secret AS sec FROM mfa.totp_create_credential(:mfa_user) \gset
SELECT mfa.totp_verify(:dev, mfa.totp_code(:'sec', to_timestamp(2000000005))) AS enrolled;
SELECT result FROM mfa.authenticate_password('mfa user', 'mfa user pw');
SELECT split_part(password_hash, '$', 2) AS scheme, mfa.password_needs_rehash(password_hash) AS needs_rehash
FROM mfa.credentials WHERE user_id = :mfa_user AND type = 'password';
SELECT string_agg(concat_ws('/', e.type, e.result, e.reason), ' ' ORDER BY e.event_id) AS events
FROM mfa.events AS e WHERE e.user_id = :mfa_user;

-- A password or a hash, not both (22023); hashes that no login could verify are refused before anything
-- is written: malformed (22P02), unsupported (0A000), above the cost ceilings (22023). The message never
-- shows the hash.
SELECT v.label, pg_temp.sqlstate_of(format('SELECT mfa.create_user(%L, %s, password_hash => %L)', 'x' || v.n, v.pw, v.hash))
       AS create_user,
       pg_temp.sqlstate_of(format('SELECT mfa.set_password((SELECT user_id FROM mfa.users WHERE username = %L), %s, %L)',
                                  'u1', v.pw, v.hash)) AS set_password
FROM (VALUES
    (1, 'password and hash', $$'secret pw 1'$$, '$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'),
    (2, 'empty', 'NULL', ''),
    (3, 'not a hash', 'NULL', 'hunter2-SECRET'),
    (4, 'bcrypt truncated', 'NULL', '$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe'),
    (5, 'bcrypt cost 17', 'NULL', '$2b$17$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'),
    (6, 'bcrypt $2x$', 'NULL', '$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'),
    (7, 'scrypt 1 GiB', 'NULL', '$scrypt$ln=20,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI'),
    (8, 'pbkdf2 10000001 iterations', 'NULL',
     'pbkdf2_sha256$10000001$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo='),
    (9, 'pbkdf2_sha1', 'NULL', 'pbkdf2_sha1$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo='),
    (10, 'argon2d', 'NULL', '$argon2d$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (11, 'argon2id m=262145', 'NULL',
     '$argon2id$v=19$m=262145,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (12, 'md5crypt', 'NULL', '$1$saltsalt$qjXMvbEw8oaL.CzflDugX/'),
    (13, 'LDAP {SSHA}', 'NULL', '{SSHA}hunter2SECRETc2FsdA==')
  ) AS v(n, label, pw, hash)
ORDER BY v.n;
SELECT count(*) AS users_left_behind FROM mfa.users WHERE username LIKE 'x%';
SELECT password_hash = :'u1_hash' AS u1_unchanged FROM mfa.credentials AS c JOIN mfa.users AS u USING (user_id)
WHERE u.username = 'u1' AND c.type = 'password';
-- NULL in both: set_password needs one of them (22004).
SELECT pg_temp.sqlstate_of($$SELECT mfa.set_password((SELECT user_id FROM mfa.users WHERE username = 'u1'), NULL)$$)
       AS set_password_null,
       pg_temp.sqlstate_of($$SELECT mfa.set_password((SELECT user_id FROM mfa.users WHERE username = 'u1'), NULL, NULL)$$)
       AS set_password_nulls;

-- set_password with password_hash: the imported hash replaces the password, and
-- the first login with it rehashes.
SELECT mfa.create_user('sp', 'sp password 1') AS sp \gset
-- (password has no default: the hash is the third argument, with password NULL)
SELECT mfa.set_password(:sp, NULL, crypt('sp password 2', gen_salt('bf')));
SELECT split_part(password_hash, '$', 2) AS scheme FROM mfa.credentials WHERE user_id = :sp AND type = 'password';
SELECT v.pw, a.result
FROM (VALUES (1, 'sp password 1'), (2, 'sp password 2')) AS v(n, pw),
     LATERAL mfa.authenticate_password('sp', v.pw) AS a
ORDER BY v.n;
SELECT split_part(password_hash, '$', 2) AS scheme, mfa.password_needs_rehash(password_hash) AS needs_rehash
FROM mfa.credentials WHERE user_id = :sp AND type = 'password';
SELECT string_agg(concat_ws('/', e.type, e.result, e.reason), ' ' ORDER BY e.event_id) AS events
FROM mfa.events AS e WHERE e.user_id = :sp;

-- Password policy: at least password_min_length characters (8 unless the realm says otherwise) when a
-- password is set by create_user or set_password. The message names the rule, never the password.
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES
    (1, 'create_user, 7 characters', $$SELECT mfa.create_user('p1', 'Seven77')$$),
    (2, 'create_user, 8 characters', $$SELECT mfa.create_user('p2', 'Eight888')$$),
    (3, 'set_password, 7 characters', format('SELECT mfa.set_password(%s, %L)', :sp, 'Seven77')),
    (4, 'set_password, 8 characters', format('SELECT mfa.set_password(%s, %L)', :sp, 'Eight888')),
    -- characters, not bytes: 7 two-byte characters are 14 bytes and still too short
    (5, 'create_user, 7 two-byte characters', format('SELECT mfa.create_user(%L, %L)', 'p5', repeat('ü', 7))),
    (6, 'create_user, 8 two-byte characters', format('SELECT mfa.create_user(%L, %L)', 'p6', repeat('ü', 8))),
    (7, 'create_user, 8 four-byte characters', format('SELECT mfa.create_user(%L, %L)', 'p7', repeat(U&'\+01F600', 8))),
    -- the other limits are unchanged: empty, and more than 1024 bytes
    (8, 'create_user, empty', $$SELECT mfa.create_user('p8', '')$$),
    (9, 'create_user, 1025 bytes', $$SELECT mfa.create_user('p9', repeat('x', 1025))$$),
    (10, 'create_user, 257 four-byte characters', format('SELECT mfa.create_user(%L, %L)', 'p10', repeat(U&'\+01F600', 257)))
  ) AS v(n, label, q)
ORDER BY v.n;
SELECT string_agg(username, ', ' ORDER BY username) AS created FROM mfa.users WHERE username LIKE 'p_';

-- A realm of its own: 12 characters.
SELECT mfa.create_realm('strict') AS strict_realm \gset
UPDATE mfa.realms SET password_min_length = 12 WHERE name = 'strict';
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES
    (1, '11 characters', $$SELECT mfa.create_user('s1', 'eleven char', 'strict')$$),
    (2, '12 characters', $$SELECT mfa.create_user('s2', 'twelve chars', 'strict')$$),
    (3, '11 three-byte characters (33 bytes)', format('SELECT mfa.create_user(%L, %L, %L)', 's3', repeat('€', 11), 'strict')),
    (4, '12 three-byte characters', format('SELECT mfa.create_user(%L, %L, %L)', 's4', repeat('€', 12), 'strict')),
    (5, 'the same 8 characters in default', $$SELECT mfa.create_user('s5', 'Eight888', 'default')$$)
  ) AS v(n, label, q)
ORDER BY v.n;
SELECT r.name AS realm, string_agg(u.username, ', ' ORDER BY u.username) AS created
FROM mfa.users AS u JOIN mfa.realms AS r USING (realm_id) WHERE u.username LIKE 's_' GROUP BY r.name ORDER BY r.name;

-- Passwords set before the rule still log in (no policy at login): one imported as a hash, one set while the
-- realm allowed it. Only setting a short password again is refused.
SELECT mfa.create_user('legacy1', password_hash => crypt('short', gen_salt('bf')), realm => 'strict') AS legacy1 \gset
UPDATE mfa.realms SET password_min_length = 1 WHERE name = 'strict';
SELECT mfa.create_user('legacy2', 'abc', 'strict') AS legacy2 \gset
UPDATE mfa.realms SET password_min_length = 12 WHERE name = 'strict';
SELECT v.username, a.result
FROM (VALUES (1, 'legacy1', 'short'), (2, 'legacy2', 'abc')) AS v(n, username, pw),
     LATERAL mfa.authenticate_password(v.username, v.pw, 'strict') AS a
ORDER BY v.n;
SELECT u.username, split_part(c.password_hash, '$', 2) AS scheme
FROM mfa.users AS u JOIN mfa.credentials AS c ON c.user_id = u.user_id AND c.type = 'password'
WHERE u.username IN ('legacy1', 'legacy2') ORDER BY u.username;
SELECT pg_temp.sqlstate_of(format('SELECT mfa.set_password(%s, %L)', :legacy2, 'abc')) AS set_short_again;
-- An imported hash is not held to the rule (its password is unknown).
SELECT pg_temp.sqlstate_of(format('SELECT mfa.set_password(%s, NULL, %L)', :legacy2, crypt('abc', gen_salt('bf', 4))))
       AS set_short_hash;

-- The policy column: 1 to 1024, and the security report calls a minimum below 8 weaker than the defaults.
SELECT pg_temp.sqlstate_of($$UPDATE mfa.realms SET password_min_length = 0 WHERE name = 'strict'$$) AS zero,
       pg_temp.sqlstate_of($$UPDATE mfa.realms SET password_min_length = 1025 WHERE name = 'strict'$$) AS too_many;
UPDATE mfa.realms SET password_min_length = 6 WHERE name = 'strict';
SELECT status, detail ~ 'strict \(password_min_length 6\)' AS names_it FROM mfa.security_report()
WHERE check_name = 'realm_policy';
UPDATE mfa.realms SET password_min_length = 8 WHERE name = 'strict';
SELECT status FROM mfa.security_report() WHERE check_name = 'realm_policy';

-- No event, error or row holds a password or an imported hash.
SELECT count(*) AS events,
       count(*) FILTER (WHERE e::text ~ '\$2[aby]\$|scrypt|pbkdf2|argon2|pgcrypto pw|letmein|sp password|Eight888|Seven77')
       AS with_secret
FROM mfa.events AS e;

DROP EXTENSION pg_mfa;
DROP EXTENSION pgcrypto;
