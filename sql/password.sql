-- password: Argon2id password hashes (mfa.hash_password, mfa.verify_password, mfa.password_needs_rehash)
-- and the superuser-only cost settings pg_mfa.argon2_memory and pg_mfa.argon2_iterations.
CREATE EXTENSION pg_mfa;

\i sql/include/sqlstate_of.sql

-- The settings and their defaults (OWASP's minimum for Argon2id: 19 MiB, 2 iterations, 1 lane).
SHOW pg_mfa.argon2_memory;
SHOW pg_mfa.argon2_iterations;
SELECT name, setting, unit, context, vartype, min_val, max_val, boot_val
FROM pg_settings WHERE name LIKE 'pg_mfa.%'
  AND name NOT IN ('pg_mfa.throttle_entries', 'pg_mfa.max_large_hashes')  -- these exist only when preloaded
ORDER BY name;
-- The checks of hash parameters below are against the absolute limits: the ceiling of verify_password
-- (pg_mfa.verify_max_*) is raised to them here, and tested on its own at the end.
SET pg_mfa.verify_max_memory = '256MB';
SET pg_mfa.verify_max_iterations = 64;

-- A new hash: PHC string, Argon2id v=19 at the settings, 16-byte salt and 32-byte tag, unpadded base64.
SELECT mfa.hash_password('correct horse battery staple') AS h1,
       mfa.hash_password('correct horse battery staple') AS h2 \gset
SELECT :'h1' ~ '^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$' AS phc_shape,
       :'h1' <> :'h2' AS two_hashes_differ,
       split_part(:'h1', '$', 5) <> split_part(:'h2', '$', 5) AS salts_differ,
       position('correct horse' IN :'h1') = 0 AS password_not_in_hash;
SELECT mfa.verify_password('correct horse battery staple', :'h1') AS right_password,
       mfa.verify_password('correct horse battery staple', :'h2') AS right_password_h2,
       mfa.verify_password('correct horse battery stapler', :'h1') AS wrong_password,
       mfa.verify_password('Correct horse battery staple', :'h1') AS wrong_case,
       mfa.verify_password('correct horse battery staple ', :'h1') AS trailing_space,
       mfa.verify_password('correct horse battery stapl', :'h1') AS prefix;

-- Published vectors (the Argon2 reference implementation's: password "password", salt "somesalt").
-- Argon2id and Argon2i at m=65536, and Argon2id with two lanes; hashes made elsewhere verify too.
SELECT v.label, mfa.verify_password('password', v.hash) AS right_password,
       mfa.verify_password('passwore', v.hash) AS wrong_password
FROM (VALUES (1, 'argon2id m=65536,t=2,p=1', '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
             (2, 'argon2i m=65536,t=2,p=1', '$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA'),
             (3, 'argon2id m=256,t=2,p=2', '$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc')) AS v(n, label, hash)
ORDER BY v.n;
-- One changed bit of the tag, the salt or a parameter: no match.
SELECT mfa.verify_password('password', '$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDA') AS tag_changed,
       mfa.verify_password('password', '$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHU$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc') AS salt_changed,
       mfa.verify_password('password', '$argon2id$v=19$m=256,t=3,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc') AS t_changed,
       mfa.verify_password('password', '$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc') AS p_changed,
       mfa.verify_password('password', '$argon2i$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc') AS type_changed;

-- Password lengths are in bytes: 1 to 1024, never truncated.
SELECT mfa.hash_password(repeat('x', 1024)) AS h1024 \gset
SELECT mfa.verify_password(repeat('x', 1024), :'h1024') AS bytes_1024,
       mfa.verify_password(repeat('x', 1023), :'h1024') AS bytes_1023,
       mfa.verify_password(repeat('x', 1025), :'h1024') AS bytes_1025_no_error,
       mfa.verify_password('', :'h1024') AS empty_no_error;
SELECT mfa.hash_password(repeat('é', 512)) AS h512 \gset
SELECT mfa.verify_password(repeat('é', 512), :'h512') AS two_byte_chars_1024_bytes;
SELECT mfa.verify_password('x', mfa.hash_password('x')) AS one_byte_password;
-- Passwords are bytes: no Unicode normalization (precomposed and decomposed é differ).
SELECT mfa.verify_password(E'caf\u00e9', mfa.hash_password(E'cafe\u0301')) AS normalized;

-- password_needs_rehash: weaker than the settings (memory, iterations), not Argon2id, or a salt or tag
-- shorter than new hashes have. It reads the parameters only, so these hashes need not verify.
SELECT v.label, mfa.password_needs_rehash(v.hash) AS needs_rehash
FROM (VALUES (1, 'a new hash', :'h1'),
             (2, 'defaults', '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
             (3, 'm=65536', '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
             (4, 't=3', '$argon2id$v=19$m=19456,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
             (5, 'p=4', '$argon2id$v=19$m=65536,t=2,p=4$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
             (6, 'm=4096', '$argon2id$v=19$m=4096,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
             (7, 'm=19455', '$argon2id$v=19$m=19455,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
             (8, 't=1', '$argon2id$v=19$m=65536,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
             (9, 'argon2i', '$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
             (10, '8-byte salt', '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
             (11, '16-byte tag', '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5Q'),
             (12, '64-byte tag', '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$' || repeat('A', 86))) AS v(n, label, hash)
ORDER BY v.n;

-- Changing the settings (superuser) changes new hashes, and makes older, cheaper hashes "need rehash".
-- Verification always uses the parameters stored in the hash.
SET pg_mfa.argon2_memory = '64MB';
SET pg_mfa.argon2_iterations = 3;
SHOW pg_mfa.argon2_memory;
SHOW pg_mfa.argon2_iterations;
SELECT mfa.hash_password('correct horse battery staple') AS h3 \gset
SELECT :'h3' ~ '^\$argon2id\$v=19\$m=65536,t=3,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$' AS new_parameters,
       mfa.verify_password('correct horse battery staple', :'h3') AS verifies,
       mfa.verify_password('correct horse battery staple', :'h1') AS old_hash_still_verifies,
       mfa.password_needs_rehash(:'h1') AS old_needs_rehash,
       mfa.password_needs_rehash(:'h3') AS new_needs_rehash;
SET pg_mfa.argon2_memory = 65536;
SET pg_mfa.argon2_iterations = 2;
SELECT mfa.password_needs_rehash(:'h1') AS memory_only_raised;
RESET pg_mfa.argon2_memory;
RESET pg_mfa.argon2_iterations;
SHOW pg_mfa.argon2_memory;
SELECT mfa.password_needs_rehash(:'h1') AS after_reset, mfa.password_needs_rehash(:'h3') AS stronger_after_reset;
-- The smallest settings still make working hashes.
SET pg_mfa.argon2_memory = '8kB';
SET pg_mfa.argon2_iterations = 1;
SELECT mfa.hash_password('x') AS h_min \gset
SELECT :'h_min' ~ '^\$argon2id\$v=19\$m=8,t=1,p=1\$' AS min_parameters, mfa.verify_password('x', :'h_min') AS verifies;
RESET pg_mfa.argon2_memory;
RESET pg_mfa.argon2_iterations;
-- Out of range settings: 22023.
SELECT v.setting, pg_temp.sqlstate_of(format('SET pg_mfa.%s', v.setting)) AS result
FROM (VALUES (1, 'argon2_memory = ''2GB'''), (2, 'argon2_memory = 1048577'), (3, 'argon2_memory = ''7kB'''),
             (4, 'argon2_memory = -1'), (5, 'argon2_iterations = 0'), (6, 'argon2_iterations = 65'),
             (7, 'argon2_iterations = ''many''')) AS v(n, setting)
ORDER BY v.n;
-- The prefix pg_mfa is reserved: a misspelt setting is an error, not a silent placeholder.
SELECT pg_temp.sqlstate_of($$SET pg_mfa.argon2_memroy = '1GB'$$) AS misspelt;
SHOW pg_mfa.argon2_memory;

-- A caller that is not a superuser, even the application role, cannot make hashes cheaper: 42501.
CREATE ROLE regress_mfa_user;
SELECT mfa.grant_client('regress_mfa_user');
SET ROLE regress_mfa_user;
SHOW pg_mfa.argon2_memory;
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES (1, 'SET memory', $$SET pg_mfa.argon2_memory = '8kB'$$),
             (2, 'SET LOCAL memory', $$SET LOCAL pg_mfa.argon2_memory = '8kB'$$),
             (3, 'set_config memory', $$SELECT set_config('pg_mfa.argon2_memory', '8kB', false)$$),
             (4, 'SET iterations', $$SET pg_mfa.argon2_iterations = 1$$),
             (5, 'RESET memory', $$RESET pg_mfa.argon2_memory$$),
             (6, 'ALTER ROLE SET', $$ALTER ROLE regress_mfa_user SET pg_mfa.argon2_memory = '8kB'$$)) AS v(n, label, q)
ORDER BY v.n;
\set VERBOSITY sqlstate
SET pg_mfa.argon2_memory = '8kB';
\set VERBOSITY terse
SELECT mfa.hash_password('x') ~ '^\$argon2id\$v=19\$m=19456,t=2,p=1\$' AS still_default_cost;
RESET ROLE;

-- Bad input, with SQLSTATE and message. No message repeats the password or the hash.
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES
    (1, 'empty password', $$SELECT mfa.hash_password('')$$),
    (2, '1025-byte password', $$SELECT mfa.hash_password(repeat('x', 1025))$$),
    (3, '513 two-byte characters', $$SELECT mfa.hash_password(repeat('é', 513))$$),
    (4, '1024-byte password', $$SELECT mfa.hash_password(repeat('x', 1024))$$)
  ) AS v(n, label, q)
ORDER BY v.n;
-- Malformed (22P02), unsupported (0A000) and too costly or too small (22023) hashes, in verify_password
-- (with a password that must not show up) and in password_needs_rehash.
SELECT v.label,
       pg_temp.sqlstate_of(format('SELECT mfa.verify_password(%L, %L)', 'hunter2-SECRET', v.hash)) AS verify,
       pg_temp.sqlstate_of(format('SELECT mfa.password_needs_rehash(%L)', v.hash)) AS needs_rehash
FROM (VALUES
    (1, 'empty', ''),
    (2, 'not a PHC string', 'abc'),
    (3, 'only $', '$'),
    (4, 'only the id', '$argon2id'),
    (5, 'no parameters', '$argon2id$v=19'),
    (6, 'empty salt and tag', '$argon2id$v=19$m=19456,t=2,p=1$$'),
    (7, 'no tag', '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA'),
    (8, 'empty tag', '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$'),
    (9, 'extra field', '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc$x'),
    (10, 'leading zero in m', '$argon2id$v=19$m=019456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (11, 'plus sign in t', '$argon2id$v=19$m=19456,t=+2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (12, 'leading zero in v', '$argon2id$v=019$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (13, 'parameters reordered', '$argon2id$v=19$t=2,m=19456,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (14, 'p missing', '$argon2id$v=19$m=19456,t=2$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (15, 'extra parameter', '$argon2id$v=19$m=19456,t=2,p=1,k=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (16, 'm beyond 32 bits', '$argon2id$v=19$m=4294967296,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (17, 'padding in salt', '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA==$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (18, 'padding in tag', '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc='),
    (19, 'non-zero trailing bits', '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdB$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (20, 'url-safe base64', '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRP_c'),
    (21, 'leading space', ' $argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (22, 'trailing newline', E'$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc\n'),
    (23, 'bcrypt', '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy'),
    (24, 'argon2d', '$argon2d$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (25, 'upper-case id', '$ARGON2ID$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (26, 'scrypt', '$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E'),
    (27, 'version 16', '$argon2id$v=16$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (28, 'no version (1.0)', '$argon2i$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (29, 'm=2000000', '$argon2id$v=19$m=2000000,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (30, 'm=262145', '$argon2id$v=19$m=262145,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (31, 't=65', '$argon2id$v=19$m=19456,t=65,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (32, 't=0', '$argon2id$v=19$m=19456,t=0,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (33, 'p=17', '$argon2id$v=19$m=19456,t=2,p=17$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (34, 'p=0', '$argon2id$v=19$m=19456,t=2,p=0$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (35, 'm below 8 per lane', '$argon2id$v=19$m=15,t=2,p=2$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (36, '4-byte salt', '$argon2id$v=19$m=19456,t=2,p=1$c29tZQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (37, '65-byte salt', '$argon2id$v=19$m=19456,t=2,p=1$' || repeat('A', 86) || 'Q$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'),
    (38, '15-byte tag', '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm'),
    (39, '65-byte tag', '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$' || repeat('A', 86) || 'Q'),
    (40, 'work above 2 GiB', '$argon2id$v=19$m=262144,t=9,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc')
  ) AS v(n, label, hash)
ORDER BY v.n;
-- A malformed hash is an error even when the password could never match.
SELECT pg_temp.sqlstate_of($$SELECT mfa.verify_password('', 'abc')$$) AS empty_password_bad_hash;

-- Hashes imported from other systems: bcrypt (crypt_blowfish's test vectors), scrypt (RFC 7914 §12 in
-- passlib's and Django's formats) and PBKDF2-SHA256 (Django's and passlib's test vectors). Each verifies the
-- right password, not a wrong one, and always needs a rehash.
SELECT v.label,
       mfa.verify_password(v.pw, v.hash) AS right_password,
       mfa.verify_password(v.pw || 'x', v.hash) AS wrong_password,
       mfa.password_needs_rehash(v.hash) AS needs_rehash
FROM (VALUES
    (1, 'bcrypt $2a$', 'U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'),
    (2, 'bcrypt $2b$', 'U*U', '$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'),
    (3, 'bcrypt $2y$', 'U*U', '$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'),
    (4, 'scrypt passlib', 'pleaseletmein', '$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI'),
    (5, 'scrypt Django', 'pleaseletmein', 'scrypt$16384$SodiumChloride$8$1$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3A1lHkDfzwF7RVdYhw=='),
    (6, 'pbkdf2_sha256 Django', 'lètmein', 'pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo='),
    (7, 'pbkdf2-sha256 passlib', 'password', '$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ')
  ) AS v(n, label, pw, hash)
ORDER BY v.n;
-- bcrypt reads 72 bytes at most: a longer password sharing them matches (until the rehash at first login).
SELECT mfa.verify_password(repeat('p', 72) || 'tail', '$2b$04$abcdefghijklmnopqrstuuNt.0ah97gHY3F7JC1Z6EXmQc0bQBhIO') AS matches_past_72_bytes;
-- Malformed (22P02), unsupported (0A000) and too costly (22023) imported hashes.
SELECT v.label,
       pg_temp.sqlstate_of(format('SELECT mfa.verify_password(%L, %L)', 'hunter2-SECRET', v.hash)) AS verify,
       pg_temp.sqlstate_of(format('SELECT mfa.password_needs_rehash(%L)', v.hash)) AS needs_rehash
FROM (VALUES
    (1, 'bcrypt truncated', '$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe'),
    (2, 'bcrypt extra $', '$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW$'),
    (3, 'bcrypt bad alphabet', '$2b$05$CCCCCCCCCCCCCCCCCCCCC+E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'),
    (4, 'bcrypt one-digit cost', '$2b$5$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWW'),
    (5, 'bcrypt cost 03', '$2b$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'),
    (6, 'bcrypt cost 17', '$2b$17$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'),
    (7, 'bcrypt $2x$', '$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'),
    (8, 'scrypt N not a power of two', 'scrypt$12345$salt$8$1$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3A1lHkDfzwF7RVdYhw=='),
    (9, 'scrypt 1 GiB', '$scrypt$ln=20,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI'),
    (10, 'scrypt r=33', '$scrypt$ln=10,r=33,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI'),
    (11, 'scrypt p=17', '$scrypt$ln=10,r=8,p=17$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI'),
    (13, 'scrypt extra field', '$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI$x'),
    (14, 'scrypt Django unpadded', 'scrypt$16384$SodiumChloride$8$1$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3A1lHkDfzwF7RVdYhw'),
    (15, 'pbkdf2 999 iterations', 'pbkdf2_sha256$999$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo='),
    (16, 'pbkdf2 10000001 iterations', 'pbkdf2_sha256$10000001$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo='),
    (17, 'pbkdf2 leading zero', 'pbkdf2_sha256$0260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo='),
    (18, 'pbkdf2 passlib with +', '$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg+fJPeq1h/gXXY7acBp9/6c.tmQ'),
    (19, 'pbkdf2 empty salt', 'pbkdf2_sha256$260000$$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo='),
    (20, 'pbkdf2_sha1 (Django)', 'pbkdf2_sha1$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=')
  ) AS v(n, label, hash)
ORDER BY v.n;
-- Slow imported hashes are cancellable too (bcrypt cost 13, PBKDF2 at 3,000,000 iterations: about a second
-- each); the session goes on.
\set VERBOSITY sqlstate
SET statement_timeout = '100ms';
SELECT mfa.verify_password('password', '$2b$13$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW');
SELECT mfa.verify_password('password', 'pbkdf2_sha256$3000000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=');
RESET statement_timeout;
\set VERBOSITY terse
SELECT 1 AS still_up;
-- STRICT: NULL in, NULL out.
SELECT mfa.hash_password(NULL) IS NULL AS hash_null,
       mfa.verify_password(NULL, :'h1') IS NULL AS verify_null_password,
       mfa.verify_password('x', NULL) IS NULL AS verify_null_hash,
       mfa.password_needs_rehash(NULL) IS NULL AS needs_rehash_null;

\set VERBOSITY sqlstate
SELECT mfa.hash_password('');
SELECT mfa.hash_password(repeat('x', 1025));
SELECT mfa.verify_password('hunter2-SECRET', 'abc');
SELECT mfa.verify_password('hunter2-SECRET', '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy');
SELECT mfa.verify_password('hunter2-SECRET', '$argon2id$v=19$m=2000000,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc');
\set VERBOSITY default
SELECT mfa.hash_password(repeat('x', 1025));
SELECT mfa.verify_password('hunter2-SECRET', 'abc');
SELECT mfa.verify_password('hunter2-SECRET', '$argon2d$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc');
SELECT mfa.verify_password('hunter2-SECRET', '$argon2id$v=19$m=19456,t=65,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc');
\set VERBOSITY terse

-- Hashing is cancellable: statement_timeout stops a verification against a hash at the largest allowed
-- work (256 MiB x 8 iterations: about a second) and a hash at a high setting (57014); the session goes on.
-- A cancelled hash finishes in the background, and the next hash of the session waits for it, so
-- cancelling again and again cannot pile up work.
\set VERBOSITY sqlstate
SET statement_timeout = '200ms';
SELECT mfa.verify_password('password', '$argon2id$v=19$m=262144,t=8,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc');
SET pg_mfa.argon2_memory = '256MB';
SET pg_mfa.argon2_iterations = 8;
SELECT mfa.hash_password('password');
RESET statement_timeout;
RESET pg_mfa.argon2_memory;
RESET pg_mfa.argon2_iterations;
\set VERBOSITY terse
SELECT 1 AS still_up;
-- ... also inside a transaction, which is then rolled back as usual.
BEGIN;
SET LOCAL statement_timeout = '200ms';
\set VERBOSITY sqlstate
SELECT mfa.verify_password('password', '$argon2id$v=19$m=262144,t=8,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc');
\set VERBOSITY terse
ROLLBACK;
SELECT 1 AS still_up;

-- verify_password takes its cost from the hash its caller gives it: above pg_mfa.verify_max_memory (128 MB)
-- or pg_mfa.verify_max_iterations (5) it refuses the hash (22023) before any work. Superuser-only, like
-- the hashing cost.
RESET pg_mfa.verify_max_memory;
RESET pg_mfa.verify_max_iterations;
SHOW pg_mfa.verify_max_memory;
SHOW pg_mfa.verify_max_iterations;
SELECT v.label, pg_temp.sqlstate_of(v.q) AS result
FROM (VALUES
    (1, '256 MB x 8 (cost of seconds)', $$SELECT mfa.verify_password('password', '$argon2id$v=19$m=262144,t=8,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc')$$),
    (2, '128 MB + 1 kB', $$SELECT mfa.verify_password('password', '$argon2id$v=19$m=131073,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc')$$),
    (3, '6 iterations', $$SELECT mfa.verify_password('password', '$argon2id$v=19$m=64,t=6,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc')$$),
    (4, 'at the ceiling: 128 MB x 1, computed', $$SELECT mfa.verify_password('password', '$argon2id$v=19$m=131072,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc')$$),
    (5, 'the default cost', format('SELECT mfa.verify_password(%L, %L)', 'correct horse battery staple', :'h1')),
    (6, 'scrypt of 256 MiB (the memory ceiling bounds scrypt too)', $$SELECT mfa.verify_password('password', '$scrypt$ln=18,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI')$$)
  ) AS v(n, label, q)
ORDER BY v.n;
-- A superuser raises the ceiling (for a session, a role or the server); nobody else can.
SET pg_mfa.verify_max_iterations = 6;
SELECT pg_temp.sqlstate_of($$SELECT mfa.verify_password('password', '$argon2id$v=19$m=64,t=6,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc')$$) AS six_iterations_allowed;
RESET pg_mfa.verify_max_iterations;
SET ROLE regress_mfa_user;
SELECT pg_temp.sqlstate_of($$SET pg_mfa.verify_max_memory = '256MB'$$) AS client_raises_memory,
       pg_temp.sqlstate_of($$SET pg_mfa.verify_max_iterations = 64$$) AS client_raises_iterations;
RESET ROLE;

-- Settings made before the library is loaded in a session are placeholders. One made by a caller that is
-- not a superuser must not take effect when the library loads and the real (superuser-only) setting
-- appears. A new session, in which nothing has loaded pg_mfa yet (unless it is preloaded: then the
-- setting exists and the SET fails outright; either way it does not take effect, which is what is shown):
\c
\i sql/include/sqlstate_of.sql
SET ROLE regress_mfa_user;
-- (The warning a placeholder gets when the library loads is not shown: there is none when preloaded.)
SET client_min_messages = error;
SELECT pg_temp.sqlstate_of($$SET pg_mfa.argon2_memory = '8kB'$$) IN ('ok', '42501: permission denied to set parameter "pg_mfa.argon2_memory"') AS refused_or_placeholder;
SELECT pg_temp.sqlstate_of($$SET pg_mfa.argon2_iterations = 1$$) IN ('ok', '42501: permission denied to set parameter "pg_mfa.argon2_iterations"') AS refused_or_placeholder;
SELECT mfa.hash_password('x') ~ '^\$argon2id\$v=19\$m=19456,t=2,p=1\$' AS still_default_cost;
SHOW pg_mfa.argon2_memory;
SHOW pg_mfa.argon2_iterations;
RESET client_min_messages;
RESET ROLE;

DROP EXTENSION pg_mfa;
DROP ROLE regress_mfa_user;
