-- examples/walkthrough.sql: what `make demo` shows, top to bottom.
-- Run against any database where you may CREATE EXTENSION:  psql -X -f examples/walkthrough.sql
\pset footer off
\echo
\echo '1. Install the extension. It creates schema mfa and the group roles mfa_client and mfa_admin;'
\echo '   an administrator grants mfa_client to the application''s login role.'
\echo
CREATE EXTENSION pg_mfa;
\dx pg_mfa

\echo
\echo '2. A new TOTP secret: 160 random bits from a CSPRNG, base32 as authenticator apps expect.'
\echo '   (A real enrollment shows it to the user once and stores it encrypted; here it is printed.)'
\echo
SELECT mfa.generate_secret() AS secret \gset
\echo 'secret:' :secret

\echo
\echo '3. The provisioning URI an authenticator app reads (Key URI format, label and issuer percent-encoded).'
\echo
SELECT mfa.otpauth_uri(:'secret', 'alice@example.com', 'ACME Corp') AS uri \gset
\echo :uri

\echo
\echo '4. The same URI as a QR code: scan it from this terminal with Google Authenticator, 1Password, Aegis...'
\echo '   (mfa.qr_text(uri, invert => true) draws it for dark-on-light terminals;'
\echo '    mfa.qr_svg(uri) gives an SVG document for a web page.)'
\echo
SELECT mfa.qr_text(:'uri') AS qr \gset
\echo :qr
SELECT length(mfa.qr_svg(:'uri')) AS svg_bytes, left(mfa.qr_svg(:'uri'), 60) || '...' AS svg_starts_with;

\echo
\echo '5. The code the phone shows right now, and the ones before and after (RFC 6238: 30 s steps).'
\echo
SELECT to_char(t, 'HH24:MI:SS') AS at, mfa.totp_code(:'secret', t) AS code
FROM (VALUES (clock_timestamp() - interval '30 seconds'), (clock_timestamp()),
             (clock_timestamp() + interval '30 seconds')) AS steps(t);

\echo
\echo '   The RFC 6238 test vector (SHA-1 seed "12345678901234567890", 8 digits, t = 59 s) gives 94287082:'
SELECT mfa.totp_code(mfa.base32_encode('12345678901234567890'), to_timestamp(59), digits => 8) AS code;

\echo
\echo '6. Passwords: Argon2id in PHC format with OWASP''s parameters (m=19 MiB, t=2, p=1), hashed in the server.'
\echo
\timing on
SELECT mfa.hash_password('correct horse battery staple') AS hash \gset
\timing off
\echo 'hash:' :hash
SELECT mfa.verify_password('correct horse battery staple', :'hash') AS right_password,
       mfa.verify_password('Tr0ub4dor&3', :'hash') AS wrong_password,
       mfa.password_needs_rehash(:'hash') AS needs_rehash;

\echo
\echo '   Bad input is an error with a precise SQLSTATE, and the message never repeats the secret:'
\set VERBOSITY default
\set ON_ERROR_STOP 0
SELECT mfa.totp_code('NOT-BASE32!');
\echo 'SQLSTATE' :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP 1

\echo
\echo 'Next: realms, users, enrollment and two-step login (mfa.authenticate_password, mfa.complete_mfa).'
