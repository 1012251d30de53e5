-- examples/walkthrough.sql: what `make demo` shows, top to bottom. A user signs up with a password,
-- enrolls a phone in TOTP two-factor authentication, then logs in in two steps, all through plain SQL.
--
-- `make demo` runs it on a throwaway cluster. By hand, use a scratch cluster (it creates the role my_app):
--   pg_virtualenv -t -v 15 psql -X -q -v ON_ERROR_STOP=1 -f examples/walkthrough.sql
-- The phone is played by oathtool (Debian package oathtool), called from psql with backquotes.
\pset footer off
\set VERBOSITY default

\echo
\echo '== 1. Install (as a superuser)'
\echo
\echo 'CREATE EXTENSION makes schema mfa and the realm "default", and grants nothing to anybody. The'
\echo 'application logs in with its own role, which gets the client rights of pg_mfa in this database'
\echo '(mfa.grant_client) and nothing else; an operator would get mfa.grant_admin.'
\echo
CREATE EXTENSION pg_mfa;
CREATE ROLE my_app LOGIN;
SELECT mfa.grant_client('my_app');
SELECT role, level FROM mfa.rights;

\echo 'An administrator sets the issuer: the name the authenticator app shows next to the codes.'
UPDATE mfa.realms SET issuer = 'ACME Corp' WHERE name = 'default';

\echo
\echo '== 2. From here on we are the application: SET ROLE my_app'
\echo
SET ROLE my_app;
SELECT current_user;

\echo 'The client rights are the functions, and only them: the tables (password hashes, TOTP secrets,'
\echo 'token digests) are out of reach. This error is on purpose:'
\set ON_ERROR_STOP 0
SELECT otp_secret FROM mfa.totp_secrets;
\set ON_ERROR_STOP 1

\echo
\echo '== 3. Sign-up: a user with a password (hashed with Argon2id in the server)'
\echo
\set username 'alice@example.com'
\set password 'correct horse battery staple'
SELECT mfa.create_user(:'username', :'password') AS user_id \gset
\echo 'user_id:' :user_id

\echo
\echo '== 4. Log in with the password. No second factor yet, so the result is full_login and the token'
\echo '      is a session token (kss_). Tokens are 256 random bits; the database keeps only their SHA-256.'
\echo '      client: the address the application saw; a client a user logged in from gets its own password throttle.'
\echo
SELECT result, user_id, left(token, 12) || '…' AS token, expires_at
FROM mfa.authenticate_password(:'username', :'password', client => '203.0.113.10');

\echo
\echo '== 5. Enroll a phone. totp_create_credential returns, once, a fresh secret and the provisioning URI'
\echo '      an authenticator app reads (plus the same QR code as SVG, for a web page).'
\echo
SELECT credential_id, state, otp_secret AS secret, provisioning_uri AS uri
FROM mfa.totp_create_credential(:user_id, 'Alice''s phone') \gset
SELECT :credential_id AS credential_id, :'state' AS state, :'uri' AS provisioning_uri;
\echo
\echo 'Scan it from this terminal with Google Authenticator, Aegis, 1Password... (drawn by mfa.qr_text;'
\echo 'mfa.qr_text(uri, invert => true) suits a dark-on-light terminal):'
SELECT mfa.qr_text(:'uri') AS qr \gset
\echo :qr

\echo
\echo '== 6. The phone shows a code (here oathtool computes it from the secret), the user types it in,'
\echo '      and totp_verify checks it. The first success turns the credential from new to active.'
\echo
\set code `oathtool --totp --base32 :'secret'`
\echo 'oathtool --totp --base32 <secret>   ->' :code
SELECT mfa.totp_verify(:credential_id, :'code') AS verified;

\echo
\echo '== 6b. Recovery codes, for the day the phone is lost: ten single-use codes of 80 random bits,'
\echo '       shown this once (the database keeps only their digests). The user prints them.'
\echo
SELECT array_agg(c) AS recovery_codes FROM mfa.generate_recovery_codes(:user_id) AS c \gset
SELECT c AS recovery_code FROM unnest(:'recovery_codes'::text[]) AS c;
SELECT mfa.recovery_codes_remaining(:user_id) AS remaining;

\echo
\echo '== 7. Log in again. The password is right and the user has an active device, so the result is'
\echo '      needs_mfa with a kli_ token: single use, valid for 5 minutes, good only for the second step.'
\echo
SELECT * FROM mfa.authenticate_password(:'username', :'password') \gset login_
SELECT :'login_result' AS result, :'login_user_id' AS user_id, left(:'login_token', 12) || '…' AS token,
       length(:'login_token') AS token_length, :'login_expires_at' AS expires_at;

\echo
\echo '== 8. The second step: the kli_ token and a code from the phone.'
\echo '      Every code works once: enrollment just used the current one. A real user waits for the next'
\echo '      code; we ask oathtool for the code 30 s ahead, which the server accepts now (the realm allows'
\echo '      one step of clock drift either side).'
\echo
\set code `oathtool --totp --base32 --now 'now + 30 seconds' :'secret'`
\echo 'oathtool --totp --base32 --now ''now + 30 seconds'' <secret>   ->' :code
SELECT * FROM mfa.complete_mfa(:'login_token', :'code') \gset session_
SELECT :'session_result' AS result, :'session_user_id' AS user_id, left(:'session_token', 12) || '…' AS token,
       :'session_expires_at' AS expires_at;

\echo
\echo '== 9. On every request the application checks its session token:'
\echo
SELECT * FROM mfa.validate_session(:'session_token');

\echo
\echo '== 10. Replay: someone who saw that code logs in with the password and tries it again. Refused:'
\echo '       the code''s time step is spent.'
\echo
SELECT token AS replay_token FROM mfa.authenticate_password(:'username', :'password') \gset
SELECT * FROM mfa.complete_mfa(:'replay_token', :'code');

\echo
\echo '== 11. Log out; the session token is then worthless (no row):'
\echo
SELECT mfa.logout(:'session_token') AS logged_out;
\pset footer on
SELECT * FROM mfa.validate_session(:'session_token');
\pset footer off

\echo
\echo '== 11b. The phone is lost. The user logs in with the password and one of the recovery codes,'
\echo '        typed as people type: lower case, spaces instead of hyphens. It works once.'
\echo
SELECT lower(replace((:'recovery_codes'::text[])[1], '-', ' ')) AS typed \gset
\echo 'typed:' :typed
SELECT token AS lost_phone_token FROM mfa.authenticate_password(:'username', :'password') \gset
SELECT result, left(token, 12) || '…' AS token FROM mfa.complete_mfa(:'lost_phone_token', :'typed');
SELECT mfa.recovery_codes_remaining(:user_id) AS remaining;
SELECT token AS lost_phone_token FROM mfa.authenticate_password(:'username', :'password') \gset
SELECT result AS same_code_again FROM mfa.complete_mfa(:'lost_phone_token', :'typed');

\echo
\echo '== 12. Guessing: a 6-digit code is only 20 bits, so guesses are throttled per user, across all tokens'
\echo '       and devices. After 5 failures (the reused recovery code above was the first) every further attempt,'
\echo '       even with the right code, is refused unread for 30 s, then 60 s, doubling; a refusal looks'
\echo '       like any failure. pg_mfa is preloaded here, so a guesser who rolls back its transaction does'
\echo '       not get its guesses back either.'
\echo
SELECT token AS guess_token FROM mfa.authenticate_password(:'username', :'password') \gset
SELECT n AS attempt, (SELECT result FROM mfa.complete_mfa(:'guess_token', g.code)) AS result
FROM (VALUES (1, '000001'), (2, '000002'), (3, '000003'), (4, '000004'), (5, '000005')) AS g(n, code);
\set code `oathtool --totp --base32 --now 'now + 60 seconds' :'secret'`
SELECT 'right code, 6th attempt' AS attempt, result FROM mfa.complete_mfa(:'guess_token', :'code');

\echo
\echo '== 13. Back to the superuser (RESET ROLE): the audit trail in mfa.events (an admin may read it).'
\echo '       It records every attempt and credential change, never a password, code, secret or token.'
\echo
RESET ROLE;
SELECT event_id, to_char(occurred_at, 'HH24:MI:SS') AS at, type, result, reason, user_id, credential_id
FROM mfa.events ORDER BY event_id;

\echo 'and the device, as an admin sees it (every column but the secret):'
SELECT credential_id, type, name, state, verified_at IS NOT NULL AS verified, last_step
FROM mfa.credentials WHERE user_id = :user_id ORDER BY credential_id;

\echo
\echo '== 14. The secret at rest. make demo gave this throwaway cluster a throwaway key file'
\echo '       (pg_mfa.secret_key_file, outside the data directory, mode 0600): the stored secret is a'
\echo '       96-bit nonce, the AES-256-GCM ciphertext and the tag, bound to its credential and user, and'
\echo '       the key never enters the database. A dump, a backup or a standby without the key file holds'
\echo '       nothing that computes a code. Without a key file the security report says so:'
\echo
SELECT s.credential_id, s.key_id, length(s.otp_secret) AS stored_bytes,
       s.otp_secret = mfa.base32_decode(:'secret') AS stored_in_plaintext
FROM mfa.totp_secrets AS s JOIN mfa.credentials AS c USING (credential_id) WHERE c.user_id = :user_id;
SELECT status, detail FROM mfa.security_report() WHERE check_name = 'totp_secrets_encrypted';

\echo
\echo '== Under the hood: the primitives are SQL functions too. The RFC 6238 test vector (SHA-1 seed'
\echo '   "12345678901234567890", 8 digits, t = 59 s) is 94287082:'
\echo
SELECT mfa.totp_code(mfa.base32_encode('12345678901234567890'), to_timestamp(59), digits => 8) AS code;

\echo 'Next: examples/python/login_demo.py does the same from an application (psycopg, pyotp as the phone).'
